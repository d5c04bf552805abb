//! GPTImage2.ai (`gptimage2ai`): asynchronous jobs, `POST /api/generate` and
//! `GET /api/generate/{jobId}`, from its docs (`../seeds/gptimage2ai-docs.txt`).

use crate::assumptions as assumed;
use crate::error::Error;
use crate::http::HttpRequest;
use crate::job::{Image, Job, JobError, JobStatus};
use crate::json;
use crate::json::Json;
use crate::price::credit_cost;
use crate::provider::{
    Auth, Deadline, Field, Flow, Headers, Idempotency, Limits, Model, PartialImages, Provider,
    References, Setup, Source, Spec, Tariff, Webhooks, Wire,
};
use crate::request::ImageRequest;
use crate::wire::{clean_text, decode_error, get, post_json, str_or_num, ParseContext, SubmitPlan};
use crate::Target;

/// ASSUMED: GPTImage2.ai recommends idempotency keys for paid jobs but does
/// not name the header; we send `Idempotency-Key`, and never rely on it.
pub const SENDS_IDEMPOTENCY_KEY: bool = true;

/// ASSUMED: its typical job time (only Apiframe publishes one, ~15 s).
pub const TYPICAL_DURATION_MS: f64 = 15_000.0;

static LIMITS: Limits = Limits {
    fields: &[
        Field::Prompt,
        Field::Model,
        Field::References,
        Field::AspectRatio,
        Field::Count,
        Field::Style,
        Field::Lighting,
        Field::Camera,
        Field::Negative,
    ],
    prompt_max: assumed::UNDOCUMENTED_PROMPT_MAX,
    aspect_ratios: &["1:1", "16:9", "9:16", "4:3", "3:4"],
    resolutions: &[],
    qualities: &[],
    output_formats: &[],
    backgrounds: &[],
    input_fidelities: &[],
    moderations: &[],
    count: (1, 4),
    references_max: assumed::UNDOCUMENTED_REFERENCES_MAX,
    size: None,
    mask_max_bytes: 0,
    edit_fields: None,
};

static MODELS: [Model; 1] = [Model {
    id: "gpt-image-2",
    wire_id: "gpt-image-2",
    source: Source::Official,
    limits: &LIMITS,
    defaults: &[],
    // 10 credits per image; failed jobs are refunded. No USD price per credit is published.
    tariff: Tariff::CreditsPerImage(10),
}];

/// GPTImage2.ai, as data.
pub static SPEC: Spec = Spec {
    id: "gptimage2ai",
    name: "GPTImage2.ai",
    api_root: "https://gptimage2.ai",
    auth: Auth::Bearer,
    flow: Flow::Async,
    idempotency: Idempotency {
        sends_key: SENDS_IDEMPOTENCY_KEY,
        replay_window_ms: None,
    },
    reports_progress: false,
    typical_duration_ms: TYPICAL_DURATION_MS,
    webhooks: Webhooks::None,
    deadline: Deadline::None,
    references: References::UrlsOnly,
    partial_images: PartialImages::None,
    images_per_call: 4,
    images_hosted: true,
    models: &MODELS,
    model_family: None,
    style_examples: &["editorial-photo", "studio-product", "cinematic"],
    setup: &Setup::NONE,
    check: None,
};

pub(crate) struct Gptimage2aiWire;

impl Wire for Gptimage2aiWire {
    fn submit(&self, target: &Target, req: &ImageRequest, auth: Headers) -> SubmitPlan {
        let root = &target.root;
        SubmitPlan {
            request: post_json(format!("{root}/api/generate"), auth, body(req)),
            calls: 1,
            multipart: None,
        }
    }

    fn poll(&self, target: &Target, auth: Headers, job_id: &str) -> Option<HttpRequest> {
        let root = &target.root;
        Some(get(format!("{root}/api/generate/{job_id}"), auth))
    }

    fn parse(&self, p: Provider, v: &Json, ctx: &ParseContext) -> Result<Job, Error> {
        parse(p, v, ctx)
    }
}

/// The JSON body of GPTImage2.ai's `GptImage2GenerateRequest`.
pub fn body(req: &ImageRequest) -> Json {
    let edit = !req.references.is_empty();
    let mut body = json!({
        "prompt": req.prompt,
        "mode": if edit { "image-to-image" } else { "text-to-image" },
    });
    if edit {
        body.set("imageUrls", json!(req.references));
    }
    if let Some(r) = req.aspect_ratio {
        body.set("ratio", json!(r));
    }
    if let Some(n) = req.count {
        body.set("count", json!(n));
    }
    for (k, v) in [
        ("style", &req.style),
        ("lighting", &req.lighting),
        ("camera", &req.camera),
        ("negative", &req.negative),
    ] {
        if let Some(v) = v {
            body.set(k, json!(v));
        }
    }
    body
}

fn status_of(raw: &str) -> JobStatus {
    match raw {
        "pending" => JobStatus::Queued,
        "running" => JobStatus::Running,
        "succeeded" => JobStatus::Succeeded,
        "failed" => JobStatus::Failed,
        "cancelled" | "canceled" => JobStatus::Cancelled,
        _ => JobStatus::Running,
    }
}

/// A readable sentence for GPTImage2.ai's machine codes.
fn describe(code: &str) -> String {
    let words: String = code
        .chars()
        .map(|c| if c == '_' { ' ' } else { c })
        .collect();
    format!("GPTImage2.ai reported {words}")
}

fn parse(p: Provider, v: &Json, ctx: &ParseContext) -> Result<Job, Error> {
    let Some(id) = v.get("jobId").and_then(Json::as_str) else {
        return Err(decode_error(p, 200, "`jobId` is missing"));
    };
    let raw = v.get("status").and_then(Json::as_str).unwrap_or("pending");
    let status = status_of(raw);
    let mut job = Job::new(p, Some(id.to_string()), status, raw);
    if status == JobStatus::Succeeded {
        job.progress = Some(100);
        job.images = v
            .get("results")
            .and_then(Json::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|r| {
                        let url = r.get("imageUrl").and_then(Json::as_str)?;
                        Some(Image {
                            url: Some(url.to_string()),
                            seed: str_or_num(r.get("seed")),
                            final_prompt: str_or_num(r.get("finalPrompt")),
                            ..Image::default()
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let n = job.images.len() as u32;
        let model = ctx.model_of(p);
        let per = crate::price::credits_per_image(&model.tariff, None);
        let words = format!("{per} credits per image x {n}");
        job.cost = Some(credit_cost(
            p,
            model,
            n,
            per * u64::from(n),
            words,
            &ctx.price,
        ));
    }
    if matches!(status, JobStatus::Failed | JobStatus::Cancelled) {
        let code = v
            .get("error")
            .and_then(Json::as_str)
            .map(|c| clean_text(c, 100))
            .unwrap_or_else(|| raw.to_string());
        job.error = Some(JobError {
            message: describe(&code),
            code,
        });
    }
    Ok(job)
}
