//! fal (`fal`): OpenAI's GPT Image 2 on fal's queue. `POST /openai/gpt-image-2`
//! (`/openai/gpt-image-2/edit` with references), `Authorization: Key …`; then
//! `GET /openai/gpt-image-2/requests/{id}/status` until `COMPLETED`, and the
//! result at `GET /openai/gpt-image-2/requests/{id}`. Inputs as fal's own
//! generated types declare them (`spec/fal/fal-js-endpoints.gpt-image-2.excerpt.ts`:
//! `GptImage2Input`, `GptImage2EditInput`); the queue from fal's docs
//! (`spec/fal/NOTES.md`). Webhooks (`?fal_webhook=`) are signed with Ed25519.

use crate::assumptions as assumed;
use crate::error::Error;
use crate::http::{encode_segment, HttpRequest};
use crate::job::{Image, Job, JobError, JobStatus, TokenUsage};
use crate::json;
use crate::json::{Json, Map};
use crate::price::{cost_from_usage, Cost};
use crate::provider::{
    Auth, Deadline, Field, Flow, Headers, Idempotency, Limits, Model, PartialImages, Provider,
    References, Setup, SizeRules, Source, Spec, Tariff, TokenTariff, Webhooks, Wire,
};
use crate::request::{ImageRequest, Size};
use crate::wire::{decode_error, get, mime_of, model_path, post_json, ParseContext, SubmitPlan};
use crate::Target;

/// What fal does when `quality` is left out: `high`, the most expensive. The
/// package always sends a quality, this one when none is asked, so the bill
/// is the one estimated even if fal's default changes.
pub const QUALITY_SENT_BY_DEFAULT: &str = "high";

/// ASSUMED: as OpenAI's, which serves the model behind fal.
const TYPICAL_DURATION_MS: f64 = 30_000.0;

/// `image_size` presets for `aspectRatio`, and the size each is priced as.
/// ASSUMED: fal's presets name ratios, not sizes; these are sizes of fal's
/// price table (1024x768, 1024x1024, 1920x1080) and their portrait turns.
const PRESETS: [(&str, &str, u32, u32); 5] = [
    ("1:1", "square_hd", 1024, 1024),
    ("4:3", "landscape_4_3", 1024, 768),
    ("3:4", "portrait_4_3", 768, 1024),
    ("16:9", "landscape_16_9", 1920, 1080),
    ("9:16", "portrait_16_9", 1080, 1920),
];

const RATIO_SIZES: [(&str, u32, u32); 5] = [
    (PRESETS[0].0, PRESETS[0].2, PRESETS[0].3),
    (PRESETS[1].0, PRESETS[1].2, PRESETS[1].3),
    (PRESETS[2].0, PRESETS[2].2, PRESETS[2].3),
    (PRESETS[3].0, PRESETS[3].2, PRESETS[3].3),
    (PRESETS[4].0, PRESETS[4].2, PRESETS[4].3),
];

/// `image_size: { width, height }`: "both dimensions as multiples of 16, max
/// edge 3840px, aspect ratio <= 3:1, total pixels between 655,360 and 8,294,400".
static SIZES: SizeRules = SizeRules {
    multiple_of: 16,
    max_edge: 3840,
    min_pixels: 655_360,
    max_pixels: 8_294_400,
    max_ratio: 3,
    ratio_sizes_1k: &RATIO_SIZES,
    auto_priced_as: (1536, 1024),
    only: &[],
};

/// `GptImage2Input` and `GptImage2EditInput`.
static LIMITS: Limits = Limits {
    fields: &[
        Field::Prompt,
        Field::Model,
        Field::References,
        Field::Mask,
        Field::AspectRatio,
        Field::Size,
        Field::Quality,
        Field::OutputFormat,
        Field::Count,
        Field::WebhookUrl,
    ],
    edit_fields: None,
    prompt_max: assumed::UNDOCUMENTED_PROMPT_MAX,
    aspect_ratios: &["1:1", "4:3", "3:4", "16:9", "9:16"],
    resolutions: &[],
    qualities: &["auto", "low", "medium", "high"],
    output_formats: &["jpeg", "png", "webp"],
    backgrounds: &[],
    input_fidelities: &[],
    moderations: &[],
    // `num_images` takes a number; fal's page says 1 to 4 (third-party tables agree).
    count: (1, 4),
    // "A maximum of 16 images are allowed."
    references_max: 16,
    size: Some(&SIZES),
    mask_max_bytes: crate::image::MASK_MAX_BYTES,
};

/// fal's token prices for the model ($5 text in, $8 image in, $2 cached, $30
/// image out per million), and output tokens per 1024x1024 image from its
/// per-image table (low $0.01, medium $0.06, high $0.22), rounded up.
static TOKENS: TokenTariff = TokenTariff {
    text_in_per_m: 5.0,
    image_in_per_m: 8.0,
    cached_image_in_per_m: 2.0,
    image_out_per_m: 30.0,
    output_tokens_1024: &[("low", 334), ("medium", 2000), ("high", 7334)],
    auto_priced_as: "high",
    partial_image_tokens: 0,
    smaller_priced_as_1024: true,
    source: "fal's published token prices and per-image table",
};

static MODELS: [Model; 1] = [Model {
    id: "gpt-image-2",
    wire_id: "openai/gpt-image-2",
    source: Source::Official,
    limits: &LIMITS,
    // Its types: output_format png, quality high, num_images 1.
    defaults: &[(Field::OutputFormat, "png"), (Field::Quality, "high")],
    tariff: Tariff::Tokens(&TOKENS),
}];

/// fal, as data.
pub static SPEC: Spec = Spec {
    id: "fal",
    name: "fal",
    api_root: "https://queue.fal.run",
    auth: Auth::Scheme("Key"),
    flow: Flow::Async,
    // None documented; its queue retries server errors itself.
    idempotency: Idempotency {
        sends_key: false,
        replay_window_ms: None,
    },
    reports_progress: false,
    typical_duration_ms: TYPICAL_DURATION_MS,
    webhooks: Webhooks::Ed25519Jwks,
    deadline: Deadline::StartTimeout,
    // Data URLs go as they are in `image_urls` and `mask_url`.
    references: References::Bytes,
    partial_images: PartialImages::None,
    images_per_call: 4,
    images_hosted: true,
    models: &MODELS,
    model_family: None,
    style_examples: &[],
    setup: &Setup::NONE,
    check: None,
};

/// The input fal's types declare: `GptImage2EditInput` when there are
/// references, else `GptImage2Input`. `quality` always.
pub fn body(req: &ImageRequest) -> Json {
    let mut b = Map::new();
    b.insert("prompt", json!(req.prompt));
    let size = match (req.size, req.aspect_ratio) {
        (Some(Size::Exact(w, h)), _) => Some(json!({ "width": w, "height": h })),
        (Some(Size::Auto), _) => Some(json!("auto")),
        (None, Some(ratio)) => PRESETS
            .iter()
            .find(|(r, ..)| *r == ratio)
            .map(|(_, preset, ..)| json!(preset)),
        (None, None) => None,
    };
    if let Some(size) = size {
        b.insert("image_size", size);
    }
    b.insert(
        "quality",
        json!(req.quality.unwrap_or(QUALITY_SENT_BY_DEFAULT)),
    );
    if let Some(n) = req.count {
        b.insert("num_images", json!(n));
    }
    if let Some(f) = req.output_format {
        b.insert("output_format", json!(f));
    }
    if !req.references.is_empty() {
        b.insert("image_urls", json!(req.references));
    }
    if let Some(mask) = &req.mask {
        b.insert("mask_url", json!(mask));
    }
    Json::Object(b)
}

fn status_of(raw: &str) -> JobStatus {
    match raw {
        "IN_QUEUE" => JobStatus::Queued,
        "IN_PROGRESS" => JobStatus::Running,
        "COMPLETED" => JobStatus::Succeeded,
        // Seen in third-party descriptions of the queue, not in fal's docs.
        "FAILED" | "ERROR" => JobStatus::Failed,
        "CANCELLED" | "CANCELED" => JobStatus::Cancelled,
        _ => JobStatus::Running,
    }
}

/// A result: `{ images: [{ url, width, height, content_type }], usage? }`.
fn parse_result(p: Provider, v: &Json, ctx: &ParseContext) -> Result<Job, Error> {
    let items = v
        .get("images")
        .and_then(Json::as_array)
        .into_iter()
        .flatten();
    let images: Vec<Image> = items
        .filter_map(|i| {
            let url = i.get("url").and_then(Json::as_str)?.to_string();
            let dim = |k: &str| {
                i.get(k)
                    .and_then(Json::as_u64)
                    .and_then(|n| u32::try_from(n).ok())
            };
            Some(Image {
                mime_type: i
                    .get("content_type")
                    .and_then(Json::as_str)
                    .filter(|m| m.starts_with("image/") && m.len() < 32)
                    .map(str::to_string)
                    .or_else(|| ctx.output_format.as_deref().and_then(mime_of)),
                url: Some(url),
                width: dim("width"),
                height: dim("height"),
                ..Image::default()
            })
        })
        .collect();
    if images.is_empty() {
        return Err(decode_error(p, 200, "the result has no images"));
    }
    let mut job = Job::new(p, None, JobStatus::Succeeded, "COMPLETED");
    job.progress = Some(100);
    let model = ctx.model_of(p);
    let n = images.len() as u32;
    let usage = v.get("usage");
    job.usage = usage.and_then(TokenUsage::from_openai);
    job.cost = usage
        .and_then(|u| cost_from_usage(p, model, u, n))
        .or_else(|| table_cost(p, ctx.quality.as_deref(), &images));
    job.images = images;
    Ok(job)
}

/// Without `usage`: each image's output tokens at the quality asked (the
/// tariff's table, scaled by its area, never below 1024x1024's), an estimate.
fn table_cost(p: Provider, quality: Option<&str>, images: &[Image]) -> Option<Cost> {
    let quality = match quality.unwrap_or(QUALITY_SENT_BY_DEFAULT) {
        "auto" => TOKENS.auto_priced_as,
        q => q,
    };
    let per_1024 = crate::price::lookup(TOKENS.output_tokens_1024, quality)? as f64;
    let tokens: f64 = images
        .iter()
        .map(|i| {
            let (w, h) = (i.width.unwrap_or(1024), i.height.unwrap_or(1024));
            // Its table does not fall below the 1024x1024 figure.
            (per_1024 * f64::from(w) * f64::from(h) / 1_048_576.0)
                .ceil()
                .max(per_1024)
        })
        .sum();
    Some(Cost {
        provider: p,
        images: images.len() as u32,
        credits: None,
        usd: Some(crate::price::round_usd(
            tokens * TOKENS.image_out_per_m / 1e6,
        )),
        exact: false,
        basis: format!(
            "no usage in fal's answer: {} output tokens of {quality}-quality images at ${}/M ({})",
            crate::json::number_text(tokens),
            crate::json::number_text(TOKENS.image_out_per_m),
            TOKENS.source
        ),
    })
}

fn parse(p: Provider, v: &Json, ctx: &ParseContext) -> Result<Job, Error> {
    if v.get("images").is_some() {
        return parse_result(p, v, ctx);
    }
    // The submit's answer names the request; a status names its state.
    let id = v
        .get("request_id")
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let Some(raw) = v
        .get("status")
        .and_then(Json::as_str)
        .or(id.as_ref().map(|_| "IN_QUEUE"))
    else {
        return Err(decode_error(
            p,
            200,
            "neither `request_id`, `status` nor `images` is present",
        ));
    };
    let error = v.get("error").filter(|e| !e.is_null());
    let status = match (status_of(raw), error) {
        (JobStatus::Succeeded, Some(_)) => JobStatus::Failed,
        (s, _) => s,
    };
    let mut job = Job::new(p, id, status, raw);
    if status == JobStatus::Running {
        job.progress = Some(0);
    }
    if matches!(status, JobStatus::Failed | JobStatus::Cancelled) {
        let message = error
            .and_then(Json::as_str)
            .map(|s| crate::wire::clean_text(s, 500))
            .unwrap_or_else(|| format!("the request ended {raw}"));
        job.error = Some(JobError {
            code: raw.to_ascii_lowercase(),
            message,
        });
    }
    Ok(job)
}

pub(crate) struct FalWire;

impl Wire for FalWire {
    fn submit(&self, target: &Target, req: &ImageRequest, headers: Headers) -> SubmitPlan {
        let edit = if req.references.is_empty() {
            ""
        } else {
            "/edit"
        };
        let mut url = format!("{}/{}{edit}", target.root, model_path(&req.model));
        if let Some(hook) = &req.webhook_url {
            url.push_str("?fal_webhook=");
            url.push_str(&encode_segment(hook));
        }
        SubmitPlan {
            request: post_json(url, headers, body(req)),
            calls: 1,
            multipart: None,
        }
    }

    /// Its status, under the model's own id (not `/edit`: fal's status and
    /// result paths drop the sub-path).
    fn poll(&self, target: &Target, headers: Headers, job_id: &str) -> Option<HttpRequest> {
        let path = model_path(MODELS[0].wire_id);
        Some(get(
            format!("{}/{path}/requests/{job_id}/status", target.root),
            headers,
        ))
    }

    fn result(
        &self,
        target: &Target,
        headers: Headers,
        job_id: &str,
        polled: &Job,
    ) -> Option<HttpRequest> {
        let done = polled.status == JobStatus::Succeeded && polled.images.is_empty();
        done.then(|| {
            let path = model_path(MODELS[0].wire_id);
            get(format!("{}/{path}/requests/{job_id}", target.root), headers)
        })
    }

    fn parse(&self, p: Provider, v: &Json, ctx: &ParseContext) -> Result<Job, Error> {
        parse(p, v, ctx)
    }

    fn webhook_job_id<'a>(&self, event: &'a Json) -> Option<&'a str> {
        event.get("request_id").and_then(Json::as_str)
    }
}
