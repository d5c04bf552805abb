//! Apiframe (`apiframe`): asynchronous jobs, `POST /v2/images/generate` and
//! `GET /v2/jobs/{id}`, from its OpenAPI document (`spec/apiframe-openapi.json`).

use crate::assumptions as assumed;
use crate::error::Error;
use crate::http::HttpRequest;
use crate::job::{Image, Job, JobError, JobStatus};
use crate::json;
use crate::json::{Json, Map};
use crate::price::{credit_cost, Plan};
use crate::provider::{
    Auth, Deadline, Field, Flow, Headers, Idempotency, Limits, Model, PartialImages, Provider,
    References, Setup, Source, Spec, Tariff, Webhooks, Wire,
};
use crate::request::ImageRequest;
use crate::wire::{decode_error, get, mime_from_url, post_json, ParseContext, SubmitPlan};
use crate::Target;

const HOUR_MS: f64 = 3_600_000.0;

/// GPT Image 2 at Apiframe: its OpenAPI document's `gptImage2Params`.
static LIMITS: Limits = Limits {
    fields: &[
        Field::Prompt,
        Field::Model,
        Field::References,
        Field::AspectRatio,
        Field::Quality,
        Field::OutputFormat,
        Field::Background,
        Field::Moderation,
        Field::Count,
        Field::WebhookUrl,
    ],
    prompt_max: 2000,
    aspect_ratios: &["1:1", "3:2", "2:3"],
    resolutions: &[],
    qualities: &["low", "medium", "high", "auto"],
    output_formats: &["png", "jpeg", "webp"],
    // No transparent: that is gpt-image-1.5's.
    backgrounds: &["auto", "opaque"],
    input_fidelities: &[],
    moderations: &["auto", "low"],
    count: (1, 10),
    references_max: assumed::UNDOCUMENTED_REFERENCES_MAX,
    size: None,
    mask_max_bytes: 0,
    edit_fields: None,
};

/// Credits per image by quality (its price page: low 4, medium 9, high and
/// auto 23), at $0.01 a credit pay-as-you-go or $0.00383 on the Growth plan
/// ($199 for 52,000 credits).
const TARIFF: Tariff = Tariff::CreditsPerQuality {
    credits: &[("low", 4), ("medium", 9), ("high", 23), ("auto", 23)],
    default_quality: "auto",
    plans: &[
        (Plan::Payg, 0.01, "$0.01 per credit (pay-as-you-go)"),
        (Plan::Growth, 0.00383, "$0.00383 per credit (Growth plan)"),
    ],
};

static MODELS: [Model; 1] = [Model {
    id: "gpt-image-2",
    wire_id: "gpt-image-2",
    source: Source::Official,
    limits: &LIMITS,
    // Its API reference: quality auto, output_format webp.
    defaults: &[(Field::Quality, "auto"), (Field::OutputFormat, "webp")],
    tariff: TARIFF,
}];

/// Apiframe, as data.
pub static SPEC: Spec = Spec {
    id: "apiframe",
    name: "Apiframe",
    api_root: "https://api.apiframe.ai",
    auth: Auth::Header("X-API-Key"),
    flow: Flow::Async,
    // "Replaying the same key within 24 hours returns the original job
    // rather than creating a duplicate" (its API reference).
    idempotency: Idempotency {
        sends_key: true,
        replay_window_ms: Some(24.0 * HOUR_MS),
    },
    reports_progress: true,
    // ~15 s per generation (its guide).
    typical_duration_ms: 15_000.0,
    webhooks: Webhooks::HmacOfKeyDigest,
    deadline: Deadline::None,
    references: References::UrlsOnly,
    partial_images: PartialImages::None,
    images_per_call: 10,
    images_hosted: true,
    models: &MODELS,
    model_family: None,
    style_examples: &[],
    setup: &Setup::NONE,
    check: None,
};

pub(crate) struct ApiframeWire;

impl Wire for ApiframeWire {
    fn submit(&self, target: &Target, req: &ImageRequest, auth: Headers) -> SubmitPlan {
        let root = &target.root;
        SubmitPlan {
            request: post_json(format!("{root}/v2/images/generate"), auth, body(req)),
            calls: 1,
            multipart: None,
        }
    }

    fn poll(&self, target: &Target, auth: Headers, job_id: &str) -> Option<HttpRequest> {
        let root = &target.root;
        Some(get(format!("{root}/v2/jobs/{job_id}"), auth))
    }

    fn parse(&self, p: Provider, v: &Json, ctx: &ParseContext) -> Result<Job, Error> {
        parse(p, v, ctx)
    }

    fn webhook_job_id<'a>(&self, event: &'a Json) -> Option<&'a str> {
        event.get("jobId").and_then(Json::as_str)
    }
}

/// The JSON body Apiframe's OpenAPI document describes for `gpt-image-2`.
pub fn body(req: &ImageRequest) -> Json {
    let mut params = Map::new();
    let mut put = |k: &str, v: Option<Json>| {
        if let Some(v) = v {
            params.insert(k.to_string(), v);
        }
    };
    put("quality", req.quality.map(|q| json!(q)));
    put("aspect_ratio", req.aspect_ratio.map(|a| json!(a)));
    put("background", req.background.map(|b| json!(b)));
    put("output_format", req.output_format.map(|f| json!(f)));
    put("moderation", req.moderation.map(|m| json!(m)));
    put("number_of_images", req.count.map(|n| json!(n)));
    put(
        "input_images",
        (!req.references.is_empty()).then(|| json!(req.references)),
    );
    let mut body = json!({ "model": req.model, "prompt": req.prompt });
    if !params.is_empty() {
        body.set("gptImage2Params", Json::Object(params));
    }
    if let Some(url) = &req.webhook_url {
        body.set("webhookUrl", json!(url));
    }
    body
}

fn status_of(raw: &str) -> JobStatus {
    match raw.to_ascii_uppercase().as_str() {
        "QUEUED" => JobStatus::Queued,
        "PROCESSING" => JobStatus::Running,
        "COMPLETED" => JobStatus::Succeeded,
        "FAILED" => JobStatus::Failed,
        "CANCELLED" | "CANCELED" => JobStatus::Cancelled,
        // A status the documents do not list: keep it, keep polling.
        _ => JobStatus::Running,
    }
}

/// Image URLs from `result` in any of its seen shapes: a URL, a list of URLs,
/// `{ "images": [...] }`, and lists of `{ "url": ... }` objects.
fn result_urls(result: &Json) -> Vec<String> {
    match result {
        Json::String(s) if !s.is_empty() => vec![s.clone()],
        Json::Array(items) => {
            let mut urls = Vec::new();
            for item in items {
                urls.extend(result_urls(item));
            }
            urls
        }
        Json::Object(o) => {
            for k in ["images", "urls", "image_urls", "output"] {
                if let Some(v) = o.get(k) {
                    return result_urls(v);
                }
            }
            ["url", "imageUrl", "image_url"]
                .iter()
                .find_map(|k| o.get(k).and_then(Json::as_str))
                .map(|s| vec![s.to_string()])
                .unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

fn parse(p: Provider, v: &Json, ctx: &ParseContext) -> Result<Job, Error> {
    // The submit answer: `{ jobId, status }`.
    if let Some(id) = v.get("jobId").and_then(Json::as_str) {
        let raw = v.get("status").and_then(Json::as_str).unwrap_or("QUEUED");
        return Ok(Job::new(p, Some(id.to_string()), status_of(raw), raw));
    }
    let Some(id) = v.get("id").and_then(Json::as_str) else {
        return Err(decode_error(p, 200, "neither `jobId` nor `id` is present"));
    };
    let Some(raw) = v.get("status").and_then(Json::as_str) else {
        return Err(decode_error(p, 200, "the job has no `status`"));
    };
    let status = status_of(raw);
    let mut job = Job::new(p, Some(id.to_string()), status, raw);
    job.progress = v
        .get("progress")
        .and_then(Json::as_f64)
        .filter(|x| x.is_finite())
        .map(|x| x.clamp(0.0, 100.0) as u8);
    job.expired = v.get("expired").and_then(Json::as_bool).unwrap_or(false);
    if status == JobStatus::Succeeded {
        job.progress = Some(100);
        job.images = result_urls(v.get("result").unwrap_or(&Json::Null))
            .into_iter()
            .map(|url| Image {
                mime_type: mime_from_url(&url),
                url: Some(url),
                ..Image::default()
            })
            .collect::<Vec<_>>();
    }
    if matches!(status, JobStatus::Failed | JobStatus::Cancelled) {
        let message = v
            .get("error")
            .and_then(Json::as_str)
            .map(|s| crate::wire::clean_text(s, 500))
            .unwrap_or_else(|| format!("the job ended {raw}"));
        job.error = Some(JobError {
            code: raw.to_ascii_lowercase(),
            message,
        });
    }
    if let Some(credits) = v.get("creditCost").and_then(Json::as_u64) {
        let images = job.images.len() as u32;
        let words = "Apiframe's creditCost".to_string();
        job.cost = Some(credit_cost(
            p,
            ctx.model_of(p),
            images,
            credits,
            words,
            &ctx.price,
        ));
    }
    Ok(job)
}
