//! getimg.ai (`getimg`): synchronous, `POST /v2/images/generations`, answered
//! when the image is done; N images are N calls. From its model page and its
//! Node SDK (`../seeds/getimg-model-page.txt`).

use crate::assumptions as assumed;
use crate::error::Error;
use crate::job::{Image, Job, JobError, JobStatus};
use crate::json;
use crate::json::Json;
use crate::price::{fmt_usd, round_usd, Cost};
use crate::provider::{
    Auth, Deadline, Field, Flow, Headers, Idempotency, Limits, Model, PartialImages, Provider,
    References, Setup, Source, Spec, Tariff, Webhooks, Wire,
};
use crate::request::ImageRequest;
use crate::wire::{decode_error, mime_of, post_json, str_or_num, ParseContext, SubmitPlan};
use crate::Target;

/// ASSUMED: getimg.ai has no count parameter (N images are N calls); we cap
/// N at 10, like the other providers, so one request cannot fan out without bound.
pub const COUNT_MAX: u32 = 10;

/// ASSUMED: its typical call time.
pub const TYPICAL_DURATION_MS: f64 = 15_000.0;

/// The nine ratios getimg.ai serves.
pub const NINE_RATIOS: &[&str] = &[
    "1:1", "2:3", "3:2", "4:3", "3:4", "4:5", "16:9", "9:16", "21:9",
];

static LIMITS: Limits = Limits {
    fields: &[
        Field::Prompt,
        Field::Model,
        Field::References,
        Field::AspectRatio,
        Field::Resolution,
        Field::OutputFormat,
        Field::Count,
    ],
    prompt_max: assumed::UNDOCUMENTED_PROMPT_MAX,
    aspect_ratios: NINE_RATIOS,
    resolutions: &["1K", "2K"],
    qualities: &[],
    output_formats: &["png", "jpeg", "webp"],
    backgrounds: &[],
    input_fidelities: &[],
    moderations: &[],
    count: (1, COUNT_MAX),
    references_max: 10,
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
    // $0.06 per 1K image, $0.12 per 2K image.
    tariff: Tariff::UsdPerResolution(&[("1K", 0.06), ("2K", 0.12)]),
}];

/// getimg.ai, as data.
pub static SPEC: Spec = Spec {
    id: "getimg",
    name: "getimg.ai",
    api_root: "https://api.getimg.ai",
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
    references: References::UrlsOnly,
    partial_images: PartialImages::None,
    images_per_call: 1,
    images_hosted: true,
    models: &MODELS,
    model_family: None,
    style_examples: &[],
    setup: &Setup::NONE,
    check: None,
};

pub(crate) struct GetimgWire;

impl Wire for GetimgWire {
    fn submit(&self, target: &Target, req: &ImageRequest, auth: Headers) -> SubmitPlan {
        let root = &target.root;
        SubmitPlan {
            request: post_json(format!("{root}/v2/images/generations"), auth, body(req)),
            calls: req.images(),
            multipart: None,
        }
    }

    fn parse(&self, p: Provider, v: &Json, _ctx: &ParseContext) -> Result<Job, Error> {
        parse(p, v)
    }
}

/// The JSON body of one getimg.ai call (one image; N images are N calls).
pub fn body(req: &ImageRequest) -> Json {
    let mut body = json!({ "model": req.model, "prompt": req.prompt });
    if let Some(r) = req.aspect_ratio {
        body.set("aspect_ratio", json!(r));
    }
    if let Some(r) = req.resolution {
        body.set("resolution", json!(r));
    }
    if let Some(f) = req.output_format {
        body.set("output_format", json!(f));
    }
    if !req.references.is_empty() {
        let images = Json::Array(req.references.iter().map(|u| json!({ "url": u })).collect());
        body.set("images", images);
    }
    body
}

fn parse(p: Provider, v: &Json) -> Result<Job, Error> {
    let raw = v
        .get("status")
        .and_then(Json::as_str)
        .unwrap_or("completed");
    let status = match raw {
        "completed" | "succeeded" => JobStatus::Succeeded,
        "failed" | "error" => JobStatus::Failed,
        "cancelled" | "canceled" => JobStatus::Cancelled,
        "queued" | "pending" => JobStatus::Queued,
        _ => JobStatus::Running,
    };
    let id = str_or_num(v.get("id"));
    let mut job = Job::new(p, id, status, raw);
    if status == JobStatus::Succeeded {
        let Some(data) = v.get("data").and_then(Json::as_array) else {
            return Err(decode_error(
                p,
                200,
                "a completed answer has no `data` list",
            ));
        };
        job.progress = Some(100);
        let dim = |d: &Json, k: &str| {
            d.get(k)
                .and_then(Json::as_u64)
                .and_then(|x| u32::try_from(x).ok())
        };
        job.images = data
            .iter()
            .filter_map(|d| {
                let url = d.get("url").and_then(Json::as_str)?;
                Some(Image {
                    url: Some(url.to_string()),
                    mime_type: d
                        .get("mime_type")
                        .and_then(Json::as_str)
                        .map(str::to_string)
                        .or_else(|| {
                            d.get("output_format")
                                .and_then(Json::as_str)
                                .and_then(mime_of)
                        }),
                    width: dim(d, "width"),
                    height: dim(d, "height"),
                    seed: str_or_num(d.get("seed")),
                    expires_at: str_or_num(d.get("deletes_at")),
                    ..Image::default()
                })
            })
            .collect::<Vec<_>>();
        let usage = v.get("usage");
        let total = usage
            .and_then(|u| u.get("total_cost"))
            .and_then(Json::as_f64)
            .filter(|x| x.is_finite() && *x >= 0.0);
        if let Some(total) = total {
            let unit = usage
                .and_then(|u| u.get("unit_price"))
                .and_then(Json::as_f64);
            let qty = usage.and_then(|u| u.get("quantity")).and_then(Json::as_f64);
            let words = match (unit, qty) {
                (Some(u), Some(q)) => format!(
                    "getimg.ai usage: {} x ${} = ${}",
                    q.max(0.0).round() as u64,
                    fmt_usd(u),
                    fmt_usd(total)
                ),
                _ => format!("getimg.ai usage: total_cost ${}", fmt_usd(total)),
            };
            job.cost = Some(Cost {
                provider: p,
                images: job.images.len() as u32,
                credits: None,
                usd: Some(round_usd(total)),
                exact: true,
                basis: words,
            });
        }
    }
    if matches!(status, JobStatus::Failed | JobStatus::Cancelled) {
        job.error = Some(JobError {
            code: raw.to_string(),
            message: crate::wire::provider_message(v)
                .unwrap_or_else(|| format!("the generation ended {raw}")),
        });
    }
    Ok(job)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::GETIMG;

    fn merge_jobs(jobs: Vec<Job>) -> Job {
        Job::merge(jobs, "calls' bills").unwrap()
    }

    fn call(id: &str, usd: Option<f64>) -> Job {
        let mut job = Job::new(GETIMG, Some(id.into()), JobStatus::Succeeded, "completed");
        job.images = vec![Image {
            url: Some(format!("https://img.example/{id}.png")),
            ..Image::default()
        }];
        job.cost = usd.map(|usd| Cost {
            provider: GETIMG,
            images: 1,
            credits: None,
            usd: Some(usd),
            exact: true,
            basis: "getimg.ai usage".into(),
        });
        job
    }

    #[test]
    fn calls_merge_into_one_job() {
        let one = merge_jobs(vec![call("a", Some(0.06))]);
        assert_eq!(one, call("a", Some(0.06)));

        let merged = merge_jobs(vec![call("a", Some(0.06)), call("b", Some(0.06))]);
        assert_eq!(merged.id.as_deref(), Some("a,b"));
        assert_eq!(merged.images.len(), 2);
        let cost = merged.cost.unwrap();
        assert_eq!((cost.usd, cost.images, cost.exact), (Some(0.12), 2, true));
        assert_eq!(cost.basis, "the sum of 2 calls' bills");

        let unbilled = merge_jobs(vec![call("a", Some(0.06)), call("b", None)]);
        assert_eq!(unbilled.cost, None);
    }
}
