//! OpenRouter (`openrouter`): its image API, `POST /images` (JSON), model
//! `openai/gpt-image-2`, synchronous; references as `input_references`; the
//! cost of each call in its answer (`usage.cost`); `stream: true` streams
//! partial images as server-sent events, without a count of them. From its
//! OpenAPI document (`spec/openrouter/openrouter-images.openapi.yaml`).

use crate::error::Error;
use crate::http::Body;
use crate::job::Job;
use crate::json;
use crate::json::Json;
use crate::price::{round_usd, Cost};
use crate::provider::{
    Auth, Deadline, Field, Flow, Headers, Idempotency, Limits, Model, ModelFamily, PartialImages,
    Provider, References, Setup, Source, Spec, Tariff, TokenTariff, Webhooks, Wire,
};
use crate::request::ImageRequest;
// An explicit `size` ("an explicit pixel size is authoritative") is judged by
// gpt-image-2's own rules, and `aspectRatio` sized by them, as OpenAI
// publishes them: OpenRouter forwards the request to OpenAI.
use super::openai::SIZES;
use crate::wire::{images_api, post_json, ParseContext, StreamStep, SubmitPlan};
use crate::{ResponseBody, Target};

/// ASSUMED: as OpenAI's, which serves the model behind it.
const TYPICAL_DURATION_MS: f64 = 30_000.0;

/// `ImageGenerationRequest`, for gpt-image-2: aspect ratios and resolutions
/// it serves (the document's enums hold more, for other models).
static LIMITS: Limits = Limits {
    fields: &[
        Field::Prompt,
        Field::Model,
        Field::References,
        Field::AspectRatio,
        Field::Size,
        Field::Resolution,
        Field::Quality,
        Field::OutputFormat,
        Field::OutputCompression,
        Field::Background,
        Field::Count,
    ],
    edit_fields: None,
    prompt_max: 32_000,
    aspect_ratios: &[
        "1:1", "2:3", "3:2", "4:3", "3:4", "4:5", "16:9", "9:16", "21:9",
    ],
    resolutions: &["1K", "2K"],
    qualities: &["auto", "low", "medium", "high"],
    output_formats: &["png", "jpeg", "webp"],
    backgrounds: &["auto", "opaque", "transparent"],
    input_fidelities: &[],
    moderations: &[],
    count: (1, 10),
    // `input_references`: "maxItems: 16".
    references_max: 16,
    size: Some(&SIZES),
    mask_max_bytes: 0,
};

/// OpenRouter publishes no price for `openai/gpt-image-2`: the estimate
/// ASSUMES OpenAI's token prices; the answer's `usage.cost` is the bill.
static TOKENS: TokenTariff = TokenTariff {
    text_in_per_m: 5.0,
    image_in_per_m: 8.0,
    cached_image_in_per_m: 2.0,
    image_out_per_m: 30.0,
    output_tokens_1024: &[("low", 200), ("medium", 1767), ("high", 7034)],
    auto_priced_as: "high",
    partial_image_tokens: 100,
    smaller_priced_as_1024: false,
    source: "assumed: OpenAI's gpt-image-2 prices, as OpenRouter publishes none for it",
};

static MODELS: [Model; 1] = [Model {
    id: "gpt-image-2",
    wire_id: "openai/gpt-image-2",
    source: Source::Official,
    limits: &LIMITS,
    defaults: &[],
    tariff: Tariff::Tokens(&TOKENS),
}];

/// OpenRouter, as data.
pub static SPEC: Spec = Spec {
    id: "openrouter",
    name: "OpenRouter",
    api_root: "https://openrouter.ai/api/v1",
    auth: Auth::Bearer,
    flow: Flow::Sync,
    idempotency: Idempotency {
        sends_key: false,
        replay_window_ms: None,
    },
    reports_progress: false,
    typical_duration_ms: TYPICAL_DURATION_MS,
    webhooks: Webhooks::None,
    deadline: Deadline::None,
    references: References::Bytes,
    // "Only supported by providers with native streaming (currently OpenAI)";
    // no count is taken: priced as up to OpenAI's most, three per image.
    partial_images: PartialImages::Uncounted(3),
    images_per_call: 10,
    images_hosted: false,
    models: &MODELS,
    model_family: Some(ModelFamily {
        prefix: "gpt-image-",
        newest: "gpt-image-2",
        wire_prefix: "openai/",
    }),
    style_examples: &[],
    setup: &Setup::NONE,
    check: None,
};

/// The JSON body of a request.
pub fn body(req: &ImageRequest) -> Json {
    let mut b = crate::json::Map::new();
    b.insert("model", json!(req.model));
    b.insert("prompt", json!(req.prompt));
    if let Some(n) = req.count {
        b.insert("n", json!(n));
    }
    if let Some(size) = req.size {
        b.insert("size", json!(size.to_wire()));
    }
    for (k, v) in [
        ("aspect_ratio", req.aspect_ratio),
        ("resolution", req.resolution),
        ("quality", req.quality),
        ("output_format", req.output_format),
        ("background", req.background),
    ] {
        if let Some(v) = v {
            b.insert(k, json!(v));
        }
    }
    if let Some(c) = req.output_compression {
        b.insert("output_compression", json!(c));
    }
    if !req.references.is_empty() {
        let refs = req
            .references
            .iter()
            .map(|u| json!({ "type": "image_url", "image_url": { "url": u } }))
            .collect();
        b.insert("input_references", Json::Array(refs));
    }
    Json::Object(b)
}

/// The bill of an answer: `usage.cost` as stated (exact), else its tokens
/// at the assumed tariff (an estimate).
fn cost(p: Provider, model: &Model, usage: &Json, images: u32) -> Option<Cost> {
    let stated = usage
        .get("cost")
        .and_then(Json::as_f64)
        .filter(|c| c.is_finite() && *c >= 0.0);
    if let Some(usd) = stated {
        return Some(Cost {
            provider: p,
            images,
            credits: None,
            usd: Some(round_usd(usd)),
            exact: true,
            basis: format!(
                "${} as OpenRouter's usage.cost states",
                crate::price::fmt_usd(usd)
            ),
        });
    }
    let Tariff::Tokens(t) = model.tariff else {
        return None;
    };
    let count = |k: &str| {
        usage
            .get(k)
            .and_then(Json::as_f64)
            .filter(|x| x.is_finite() && *x >= 0.0)
    };
    let (input, output) = (count("prompt_tokens")?, count("completion_tokens")?);
    Some(Cost {
        provider: p,
        images,
        credits: None,
        usd: Some(round_usd(
            (input * t.text_in_per_m + output * t.image_out_per_m) / 1e6,
        )),
        exact: false,
        basis: "no usage.cost in the answer: its tokens at the assumed tariff".to_string(),
    })
}

pub(crate) struct OpenrouterWire;

impl Wire for OpenrouterWire {
    fn submit(&self, target: &Target, req: &ImageRequest, headers: Headers) -> SubmitPlan {
        SubmitPlan {
            request: post_json(format!("{}/images", target.root), headers, body(req)),
            calls: 1,
            multipart: None,
        }
    }

    fn parse(&self, p: Provider, v: &Json, ctx: &ParseContext) -> Result<Job, Error> {
        images_api::parse(p, v, ctx, cost)
    }

    fn stream_step(
        &self,
        p: Provider,
        name: &str,
        data: &ResponseBody,
        ctx: &ParseContext,
    ) -> StreamStep {
        images_api::stream_step(p, name, data, ctx, cost)
    }

    /// `stream: true` (its API takes no count of partial images).
    fn ask_to_stream(
        &self,
        body: &mut Body,
        _fields: Option<&mut Vec<(String, String)>>,
        _partial_images: u8,
    ) {
        if let Body::Json(b) = body {
            b.set("stream", Json::Bool(true));
        }
    }
}
