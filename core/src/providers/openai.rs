//! OpenAI's Images API (`openai`): synchronous, `POST /images/generations`
//! (JSON), and `POST /images/edits` as JSON (images by URL or data URL, which
//! OpenAI fetches itself) where that form can say the request, else as
//! multipart (the images downloaded or decoded here and uploaded). From
//! OpenAI's OpenAPI document (`spec/openai-images-openapi.json`, 2026-08-21)
//! and, for the models released after it, the notes in `spec/more/openai/`.

use crate::error::Error;
use crate::http::{Body, HttpRequest};
use crate::issue::{Issue, IssueCode};
use crate::job::Job;
use crate::json;
use crate::json::Json;
use crate::provider::{
    Auth, Deadline, Field, Flow, Headers, Idempotency, Limits, Model, ModelFamily, PartialImages,
    Provider, References, Setup, SizeRules, Source, Spec, Surface, Tariff, TokenTariff, Webhooks,
    Wire,
};
use crate::request::{effective_size, ImageRequest, Size};
use crate::wire::{images_api, post_json, MultipartPlan, ParseContext, StreamStep, SubmitPlan};
use crate::ResponseBody;
use crate::Target;

/// ASSUMED: OpenAI's typical call time (high quality can exceed two minutes).
pub const TYPICAL_DURATION_MS: f64 = 30_000.0;

/// The sizes a JSON edit takes (the OpenAPI schema's enum); other sizes go as multipart.
pub const JSON_EDIT_SIZES: [&str; 4] = ["auto", "1024x1024", "1536x1024", "1024x1536"];

/// Sizes for `aspectRatio` at 1K; 2K doubles both edges. Every size is a
/// multiple of 16 within the size rules (a test checks it).
pub const RATIO_SIZES_1K: [(&str, u32, u32); 9] = [
    ("1:1", 1024, 1024),
    ("3:2", 1536, 1024),
    ("2:3", 1024, 1536),
    ("4:3", 1152, 864),
    ("3:4", 864, 1152),
    ("4:5", 1024, 1280),
    ("16:9", 1536, 864),
    ("9:16", 864, 1536),
    ("21:9", 1680, 720),
];

/// `size`: edges multiples of 16, the longest at most 3840, a ratio within
/// 1:3..3:1, 655,360 to 8,294,400 pixels; `auto` priced as 1536x1024, the
/// largest standard size (an upper bound). gpt-image-2's own rules: OpenRouter,
/// which forwards requests to OpenAI, judges by them too.
pub static SIZES: SizeRules = SizeRules {
    multiple_of: 16,
    max_edge: 3840,
    min_pixels: 655_360,
    max_pixels: 8_294_400,
    max_ratio: 3,
    ratio_sizes_1k: &RATIO_SIZES_1K,
    auto_priced_as: (1536, 1024),
    only: &[],
};

const FIELDS: &[Field] = &[
    Field::Prompt,
    Field::Model,
    Field::References,
    Field::Mask,
    Field::InputFidelity,
    Field::AspectRatio,
    Field::Size,
    Field::Resolution,
    Field::Quality,
    Field::OutputFormat,
    Field::OutputCompression,
    Field::Background,
    Field::Moderation,
    Field::Count,
    Field::User,
];

/// gpt-image-2 (and its snapshot): the OpenAPI document's `CreateImageRequest`.
static LIMITS_2: Limits = Limits {
    fields: FIELDS,
    prompt_max: 32_000,
    aspect_ratios: &RATIO_NAMES,
    resolutions: &["1K", "2K"],
    qualities: &["low", "medium", "high", "auto"],
    output_formats: &["png", "jpeg", "webp"],
    // Transparent is in preview for gpt-image-2 (png or webp only).
    backgrounds: &["auto", "opaque", "transparent"],
    input_fidelities: &["high", "low"],
    moderations: &["auto", "low"],
    count: (1, 10),
    references_max: 16,
    size: Some(&SIZES),
    mask_max_bytes: crate::image::MASK_MAX_BYTES,
    edit_fields: None,
};

/// gpt-image-2.5 and later: as gpt-image-2, with `quality` xhigh and max
/// (ASSUMED from third-party write-ups: no official document lists them).
static LIMITS_25: Limits = Limits {
    qualities: &["low", "medium", "high", "xhigh", "max", "auto"],
    ..LIMITS_2
};

const RATIO_NAMES: [&str; 9] = [
    "1:1", "2:3", "3:2", "4:3", "3:4", "4:5", "16:9", "9:16", "21:9",
];

/// gpt-image-2's token prices ($5 text in, $8 image in, $2 cached image in,
/// $30 image out per million) and its published per-image prices for
/// 1024x1024 (low $0.006, medium $0.053, high $0.211) as output tokens at
/// $30/M, rounded up so the estimate is never below a bill of them.
static TOKENS_2: TokenTariff = TokenTariff {
    text_in_per_m: 5.0,
    image_in_per_m: 8.0,
    cached_image_in_per_m: 2.0,
    image_out_per_m: 30.0,
    output_tokens_1024: &[("low", 200), ("medium", 1767), ("high", 7034)],
    // OpenAI publishes no price for auto: priced as high, the most it can cost.
    auto_priced_as: "high",
    // Its image generation guide: each partial image adds 100 output tokens.
    partial_image_tokens: 100,
    smaller_priced_as_1024: false,
    source: "OpenAI's published gpt-image-2 prices",
};

/// gpt-image-2.5 and 2.6: the same token prices (2.6's official model page;
/// 2.5's third-party write-ups). No per-image price is published for xhigh
/// and max: ASSUMED two and four times high, and auto priced as max.
static TOKENS_25: TokenTariff = TokenTariff {
    output_tokens_1024: &[
        ("low", 200),
        ("medium", 1767),
        ("high", 7034),
        ("xhigh", 14_068),
        ("max", 28_136),
    ],
    auto_priced_as: "max",
    source: "gpt-image-2's prices per quality, xhigh and max assumed at two and four times high",
    ..TOKENS_2
};

/// OpenAI's documented defaults (`CreateImageRequest`): quality, background
/// and moderation auto, png; `input_fidelity` low (its API reference).
const DEFAULTS: &[(Field, &str)] = &[
    (Field::Quality, "auto"),
    (Field::Background, "auto"),
    (Field::Moderation, "auto"),
    (Field::OutputFormat, "png"),
    (Field::InputFidelity, "low"),
];

const THIRD_PARTY_25: &str =
    "third-party write-ups only (apiyi, apidog, apifox, laozhang, oxen): released 2026-09-08, quality up to xhigh and max";

static MODELS: [Model; 5] = [
    Model {
        id: "gpt-image-2",
        wire_id: "gpt-image-2",
        source: Source::Official,
        limits: &LIMITS_2,
        defaults: DEFAULTS,
        tariff: Tariff::Tokens(&TOKENS_2),
    },
    Model {
        id: "gpt-image-2-2026-04-21",
        wire_id: "gpt-image-2-2026-04-21",
        source: Source::Official,
        limits: &LIMITS_2,
        defaults: DEFAULTS,
        tariff: Tariff::Tokens(&TOKENS_2),
    },
    Model {
        id: "gpt-image-2.5-flare",
        wire_id: "gpt-image-2.5-flare",
        source: Source::ThirdParty(THIRD_PARTY_25),
        limits: &LIMITS_25,
        defaults: DEFAULTS,
        tariff: Tariff::Tokens(&TOKENS_25),
    },
    Model {
        id: "gpt-image-2.5-sunburst",
        wire_id: "gpt-image-2.5-sunburst",
        source: Source::ThirdParty(THIRD_PARTY_25),
        limits: &LIMITS_25,
        defaults: DEFAULTS,
        tariff: Tariff::Tokens(&TOKENS_25),
    },
    Model {
        id: "gpt-image-2.6-sunburst",
        wire_id: "gpt-image-2.6-sunburst",
        source: Source::ThirdParty(
            "prices from OpenAI's model page ($5 text in, $8 image in, $30 image out per 1M tokens); settings assumed to be gpt-image-2.5's",
        ),
        limits: &LIMITS_25,
        defaults: DEFAULTS,
        tariff: Tariff::Tokens(&TOKENS_25),
    },
];

/// OpenAI, as data.
pub static SPEC: Spec = Spec {
    id: "openai",
    name: "OpenAI",
    api_root: "https://api.openai.com/v1",
    auth: Auth::Bearer,
    flow: Flow::Sync,
    // openai-node has the plumbing but OpenAI documents no deduplication.
    idempotency: Idempotency {
        sends_key: false,
        replay_window_ms: None,
    },
    reports_progress: false,
    typical_duration_ms: TYPICAL_DURATION_MS,
    webhooks: Webhooks::None,
    deadline: Deadline::None,
    references: References::Bytes,
    partial_images: PartialImages::AsAsked,
    images_per_call: 10,
    images_hosted: false,
    models: &MODELS,
    model_family: Some(ModelFamily {
        prefix: "gpt-image-",
        newest: "gpt-image-2.6-sunburst",
        wire_prefix: "",
    }),
    style_examples: &[],
    setup: &Setup::NONE,
    check: Some(check),
};

/// Which body an OpenAI request goes as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `POST /images/generations`, JSON.
    Generation,
    /// `POST /images/edits`, JSON with `images: [{ image_url }]`.
    JsonEdit,
    /// `POST /images/edits`, multipart with the images uploaded.
    MultipartEdit,
}

/// Whether an edit can go as JSON: a size the JSON form takes, and every
/// image (references and mask) short enough as a URL.
pub fn json_edit_possible(req: &ImageRequest) -> bool {
    let size = effective_size(req);
    JSON_EDIT_SIZES.contains(&size.to_wire().as_str())
        && req
            .references
            .iter()
            .map(String::as_str)
            .chain(req.mask.as_deref())
            .all(|u| u.len() <= crate::image::JSON_IMAGE_URL_MAX)
}

/// The body a request goes as.
pub fn form(req: &ImageRequest) -> Form {
    if req.references.is_empty() {
        Form::Generation
    } else if json_edit_possible(req) {
        Form::JsonEdit
    } else {
        Form::MultipartEdit
    }
}

/// The generation parameters of `form`, as `(name, JSON value)` pairs.
fn params(req: &ImageRequest, form: Form) -> Vec<(&'static str, Json)> {
    let mut out = vec![("model", json!(req.model)), ("prompt", json!(req.prompt))];
    if let Some(n) = req.count {
        out.push(("n", json!(n)));
    }
    let size = effective_size(req);
    if req.size.is_some() || size != Size::Auto {
        out.push(("size", json!(size.to_wire())));
    }
    // Multipart edits take no `moderation` (validation refuses it there).
    let moderation = req.moderation.filter(|_| form != Form::MultipartEdit);
    // `input_fidelity` is an edit setting.
    let fidelity = req.input_fidelity.filter(|_| form != Form::Generation);
    for (k, v) in [
        ("quality", req.quality),
        ("background", req.background),
        ("output_format", req.output_format),
        ("moderation", moderation),
        ("input_fidelity", fidelity),
    ] {
        if let Some(v) = v {
            out.push((k, json!(v)));
        }
    }
    if let Some(c) = req.output_compression {
        out.push(("output_compression", json!(c)));
    }
    if let Some(u) = &req.user {
        out.push(("user", json!(u)));
    }
    out
}

/// The JSON body of a generation, or of a JSON edit.
pub fn body(req: &ImageRequest) -> Json {
    let form = match form(req) {
        Form::MultipartEdit => Form::JsonEdit,
        f => f,
    };
    let mut body = crate::json::Map::new();
    for (k, v) in params(req, form) {
        body.insert(k, v);
    }
    if form == Form::JsonEdit {
        let image = |u: &String| json!({ "image_url": u });
        body.insert(
            "images",
            Json::Array(req.references.iter().map(image).collect()),
        );
        if let Some(m) = &req.mask {
            body.insert("mask", image(m));
        }
    }
    Json::Object(body)
}

pub(crate) struct OpenaiWire;

impl Wire for OpenaiWire {
    fn submit(&self, target: &Target, req: &ImageRequest, auth: Headers) -> SubmitPlan {
        let root = &target.root;
        let form = form(req);
        if form != Form::MultipartEdit {
            let path = if form == Form::Generation {
                "generations"
            } else {
                "edits"
            };
            return SubmitPlan {
                request: post_json(format!("{root}/images/{path}"), auth, body(req)),
                calls: 1,
                multipart: None,
            };
        }
        let fields = crate::multipart::text_fields(params(req, form));
        let mut headers = auth;
        headers.push(("Accept".to_string(), "application/json".to_string()));
        SubmitPlan {
            request: HttpRequest {
                method: "POST",
                url: format!("{root}/images/edits"),
                headers,
                body: Body::Empty,
            },
            calls: 1,
            multipart: Some(MultipartPlan {
                fields,
                files: req.references.clone(),
                file_field: "image[]",
                mask: req.mask.clone(),
            }),
        }
    }

    fn parse(&self, p: Provider, v: &Json, ctx: &ParseContext) -> Result<Job, Error> {
        images_api::parse(p, v, ctx, crate::price::cost_from_usage)
    }

    fn stream_step(
        &self,
        p: Provider,
        name: &str,
        data: &ResponseBody,
        ctx: &ParseContext,
    ) -> StreamStep {
        images_api::stream_step(p, name, data, ctx, crate::price::cost_from_usage)
    }

    /// Two more JSON fields, or, for a multipart edit, two more form fields.
    fn ask_to_stream(
        &self,
        body: &mut Body,
        fields: Option<&mut Vec<(String, String)>>,
        partial_images: u8,
    ) {
        match (fields, body) {
            (Some(f), _) => {
                f.push(("stream".into(), "true".into()));
                f.push(("partial_images".into(), partial_images.to_string()));
            }
            (None, Body::Json(b)) => {
                b.set("stream", Json::Bool(true));
                b.set("partial_images", json!(partial_images));
            }
            _ => {}
        }
    }
}

/// `moderation` goes only with JSON edits (multipart edits have no such field).
fn check(
    p: Provider,
    req: &ImageRequest,
    _surface: Option<&'static Surface>,
    issues: &mut Vec<Issue>,
) {
    if req.moderation.is_some() && !req.references.is_empty() && !json_edit_possible(req) {
        issues.push(Issue::new(
            "moderation",
            IssueCode::Conflict,
            format!(
                "{} takes `moderation` on edits only as JSON, which needs a size of {} and images under {} characters as data URLs",
                p.display_name(),
                crate::text::list(&JSON_EDIT_SIZES),
                crate::image::JSON_IMAGE_URL_MAX
            ),
        ));
    }
}
