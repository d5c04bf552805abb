//! Replicate (`replicate`): the official model `openai/gpt-image-2` as
//! predictions. `POST /models/openai/gpt-image-2/predictions` with
//! `{ input, webhook, webhook_events_filter }`, then `GET /predictions/{id}`;
//! `Cancel-After` as the job's deadline; `GET /predictions?created_after=`
//! to find a prediction whose submit got no answer. From Replicate's OpenAPI
//! document (`spec/replicate/replicate-predictions.openapi.json`) and the
//! model's input table (`spec/replicate/NOTES-openai-gpt-image-2.md`).

use crate::assumptions as assumed;
use crate::error::Error;
use crate::http::{encode_segment, HttpRequest};
use crate::job::{Image, Job, JobError, JobStatus};
use crate::json;
use crate::json::{Json, Map};
use crate::price::{lookup, round_usd, Cost};
use crate::provider::{
    Auth, Deadline, Field, Flow, Headers, Idempotency, Limits, ListMatch, Model, PartialImages,
    Provider, References, Setup, Source, Spec, Tariff, Webhooks, Wire,
};
use crate::request::ImageRequest;
use crate::wire::{
    decode_error, get, mime_from_url, mime_of, model_path, post_json, ParseContext, SubmitPlan,
};
use crate::Target;

/// "For API-created predictions, inputs, outputs, files and logs are
/// deleted after one hour" (its data-retention page).
pub const OUTPUT_LIFETIME_MS: f64 = 3_600_000.0;

/// ASSUMED: the ~40 s of Replicate's own example run of this model.
const TYPICAL_DURATION_MS: f64 = 40_000.0;

/// The model's inputs, from its version page's table. The enum options are
/// not on the stored page: these are the ones every version seen takes
/// (aspect ratios 1:1, 3:2 and 2:3, which the earliest version lists; later
/// ones add more), so nothing here is refused by any version.
static LIMITS: Limits = Limits {
    fields: &[
        Field::Prompt,
        Field::Model,
        Field::References,
        Field::AspectRatio,
        Field::Quality,
        Field::OutputFormat,
        Field::OutputCompression,
        Field::Background,
        Field::Moderation,
        Field::Count,
        Field::WebhookUrl,
    ],
    edit_fields: None,
    prompt_max: assumed::UNDOCUMENTED_PROMPT_MAX,
    aspect_ratios: &["1:1", "3:2", "2:3"],
    resolutions: &[],
    qualities: &["low", "medium", "high", "auto"],
    output_formats: &["png", "jpeg", "webp"],
    // "GPT Image 2 does not support transparent backgrounds."
    backgrounds: &["auto", "opaque"],
    input_fidelities: &[],
    moderations: &["auto", "low"],
    // `number_of_images`: "1 (min 1, max 10)".
    count: (1, 10),
    references_max: assumed::UNDOCUMENTED_REFERENCES_MAX,
    size: None,
    mask_max_bytes: 0,
};

/// Replicate bills this official model per output image by quality. The
/// figures are third-party transcriptions of its model page (two agree;
/// one says checked 2026-10-09): every estimate and bill says so.
const TARIFF: Tariff = Tariff::UsdPerQuality {
    usd: &[
        ("low", 0.012),
        ("medium", 0.047),
        ("high", 0.128),
        ("auto", 0.128),
    ],
    default_quality: "auto",
    source: "third-party transcriptions of Replicate's model page",
};

static MODELS: [Model; 1] = [Model {
    id: "gpt-image-2",
    wire_id: "openai/gpt-image-2",
    source: Source::Official,
    limits: &LIMITS,
    // The version page: aspect_ratio 1:1, quality auto, output_format webp,
    // background auto, moderation auto, output_compression 90.
    defaults: &[
        (Field::AspectRatio, "1:1"),
        (Field::Quality, "auto"),
        (Field::OutputFormat, "webp"),
        (Field::Background, "auto"),
        (Field::Moderation, "auto"),
    ],
    tariff: TARIFF,
}];

/// Replicate, as data.
pub static SPEC: Spec = Spec {
    id: "replicate",
    name: "Replicate",
    api_root: "https://api.replicate.com/v1",
    auth: Auth::Bearer,
    flow: Flow::Async,
    // No idempotency header is documented: a lost submit is never resent,
    // it is looked for in the listing instead.
    idempotency: Idempotency {
        sends_key: false,
        replay_window_ms: None,
    },
    reports_progress: false,
    typical_duration_ms: TYPICAL_DURATION_MS,
    webhooks: Webhooks::StandardWebhooks,
    deadline: Deadline::CancelAfter,
    // `input_images`: "array of URIs".
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

/// The prediction's `input`, as the model's version page names its fields.
pub fn input(req: &ImageRequest) -> Json {
    let mut input = Map::new();
    input.insert("prompt", json!(req.prompt));
    for (k, v) in [
        ("aspect_ratio", req.aspect_ratio),
        ("quality", req.quality),
        ("background", req.background),
        ("output_format", req.output_format),
        ("moderation", req.moderation),
    ] {
        if let Some(v) = v {
            input.insert(k, json!(v));
        }
    }
    if let Some(c) = req.output_compression {
        input.insert("output_compression", json!(c));
    }
    if let Some(n) = req.count {
        input.insert("number_of_images", json!(n));
    }
    if !req.references.is_empty() {
        input.insert("input_images", json!(req.references));
    }
    Json::Object(input)
}

/// The submit's body: `{ input, webhook?, webhook_events_filter? }`.
pub fn body(req: &ImageRequest) -> Json {
    let mut body = json!({ "input": input(req) });
    if let Some(url) = &req.webhook_url {
        body.set("webhook", json!(url));
        body.set("webhook_events_filter", json!(["completed"]));
    }
    body
}

fn status_of(raw: &str) -> JobStatus {
    match raw {
        "starting" => JobStatus::Queued,
        "processing" => JobStatus::Running,
        "succeeded" => JobStatus::Succeeded,
        "failed" => JobStatus::Failed,
        // `aborted`: the deadline passed before it started (not billed).
        "canceled" | "aborted" => JobStatus::Cancelled,
        // A status the documents do not list: keep polling.
        _ => JobStatus::Running,
    }
}

/// The output's image URLs: an array of URIs (its output schema), or one.
fn output_urls(output: &Json) -> Vec<String> {
    match output {
        Json::String(s) if !s.is_empty() => vec![s.clone()],
        Json::Array(items) => items
            .iter()
            .filter_map(Json::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// What the images cost, by the quality the prediction's `input` names.
fn cost(p: Provider, model: &Model, input: Option<&Json>, images: u32) -> Option<Cost> {
    let Tariff::UsdPerQuality {
        usd,
        default_quality,
        source,
    } = model.tariff
    else {
        return None;
    };
    let quality = input
        .and_then(|i| i.get("quality"))
        .and_then(Json::as_str)
        .filter(|q| usd.iter().any(|(k, _)| k == q))
        .unwrap_or(default_quality);
    let per = lookup(usd, quality)?;
    Some(Cost {
        provider: p,
        images,
        credits: None,
        usd: Some(round_usd(per * f64::from(images))),
        exact: false,
        basis: format!(
            "${} per {quality}-quality image x {images} (no price in Replicate's answer; {source})",
            crate::price::fmt_usd(per)
        ),
    })
}

fn parse(p: Provider, v: &Json, ctx: &ParseContext) -> Result<Job, Error> {
    let Some(id) = v.get("id").and_then(Json::as_str).filter(|s| !s.is_empty()) else {
        return Err(decode_error(p, 200, "the prediction has no `id`"));
    };
    let Some(raw) = v.get("status").and_then(Json::as_str) else {
        return Err(decode_error(p, 200, "the prediction has no `status`"));
    };
    let status = status_of(raw);
    let mut job = Job::new(p, Some(id.to_string()), status, raw);
    // Outputs are deleted an hour after the prediction was created.
    let expires_at = v
        .get("created_at")
        .and_then(Json::as_str)
        .and_then(crate::time::parse_ms)
        .map(|t| crate::time::format_ms(t + OUTPUT_LIFETIME_MS));
    job.expired = v
        .get("data_removed")
        .and_then(Json::as_bool)
        .unwrap_or(false);
    if status == JobStatus::Succeeded {
        job.progress = Some(100);
        let urls = output_urls(v.get("output").unwrap_or(&Json::Null));
        job.images = urls
            .into_iter()
            .map(|url| Image {
                mime_type: mime_from_url(&url)
                    .or_else(|| ctx.output_format.as_deref().and_then(mime_of)),
                url: Some(url),
                expires_at: expires_at.clone(),
                ..Image::default()
            })
            .collect();
        if !job.expired && job.images.is_empty() {
            return Err(decode_error(
                p,
                200,
                "the prediction succeeded with no output",
            ));
        }
        job.cost = cost(p, ctx.model_of(p), v.get("input"), job.images.len() as u32);
    }
    if matches!(status, JobStatus::Failed | JobStatus::Cancelled) {
        let message = v
            .get("error")
            .and_then(Json::as_str)
            .map(|s| crate::wire::clean_text(s, 500))
            .unwrap_or_else(|| format!("the prediction ended {raw}"));
        job.error = Some(JobError {
            code: raw.to_string(),
            message,
        });
    }
    Ok(job)
}

pub(crate) struct ReplicateWire;

impl Wire for ReplicateWire {
    fn submit(&self, target: &Target, req: &ImageRequest, headers: Headers) -> SubmitPlan {
        let url = format!(
            "{}/models/{}/predictions",
            target.root,
            model_path(&req.model)
        );
        SubmitPlan {
            request: post_json(url, headers, body(req)),
            calls: 1,
            multipart: None,
        }
    }

    fn poll(&self, target: &Target, headers: Headers, job_id: &str) -> Option<HttpRequest> {
        Some(get(
            format!("{}/predictions/{job_id}", target.root),
            headers,
        ))
    }

    fn parse(&self, p: Provider, v: &Json, ctx: &ParseContext) -> Result<Job, Error> {
        parse(p, v, ctx)
    }

    fn webhook_job_id<'a>(&self, event: &'a Json) -> Option<&'a str> {
        event.get("id").and_then(Json::as_str)
    }

    /// `GET /predictions?created_after=…` (newest first, 100 a page), or
    /// the page a cursor names.
    fn list_since(
        &self,
        target: &Target,
        headers: Headers,
        since_ms: f64,
        cursor: Option<&str>,
    ) -> Option<HttpRequest> {
        // A cursor from `find_in_list` holds URL-safe characters only.
        let query = match cursor {
            Some(c) => format!("cursor={c}"),
            None => format!(
                "created_after={}",
                encode_segment(&crate::time::format_ms(since_ms))
            ),
        };
        Some(get(format!("{}/predictions?{query}", target.root), headers))
    }

    /// The oldest prediction created since `since_ms` whose model and
    /// `input` are what the submit sent.
    fn find_in_list(&self, list: &Json, sent: &Json, since_ms: f64) -> ListMatch {
        let results = list.get("results").and_then(Json::as_array);
        let sent_input = sent.get("input");
        let job_id = results
            .into_iter()
            .flatten()
            .filter(|r| {
                let created = r.get("created_at").and_then(Json::as_str);
                created
                    .and_then(crate::time::parse_ms)
                    .is_some_and(|t| t >= since_ms)
            })
            .filter(|r| {
                let model = r.get("model").and_then(Json::as_str);
                model.is_none_or(|m| m == MODELS[0].wire_id)
            })
            .filter(|r| r.get("input") == sent_input)
            .filter_map(|r| r.get("id").and_then(Json::as_str))
            .next_back()
            .map(str::to_string);
        let next = list
            .get("next")
            .and_then(Json::as_str)
            .and_then(|url| crate::text::find(url, "cursor=").and_then(|at| url.get(at + 7..)))
            .map(|c| crate::text::before_any(c, b"&#"))
            .filter(|c| {
                !c.is_empty()
                    && c.len() <= 512
                    && c.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b))
            })
            .map(str::to_string);
        ListMatch { job_id, next }
    }
}
