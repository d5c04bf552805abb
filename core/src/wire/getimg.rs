//! getimg.ai: `POST /v2/images/generations`, answered when the image is done.

use super::{bearer, decode_error, mime_of, post_json, str_or_num, ParseContext, SubmitPlan};
use crate::error::Error;
use crate::http::ApiKey;
use crate::job::{Image, Job, JobError, JobStatus};
use crate::json;
use crate::json::Json;
use crate::price::{fmt_usd, round_usd, Cost};
use crate::provider::Provider;
use crate::request::ImageRequest;

/// The JSON body of one getimg.ai call (one image; N images are N calls).
pub fn body(req: &ImageRequest) -> Json {
    let mut body = json!({ "model": "gpt-image-2", "prompt": req.prompt });
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
        let images = crate::json::array(&mut req.references.iter().map(|u| json!({ "url": u })));
        body.set("images", images);
    }
    body
}

pub(crate) fn submit(req: &ImageRequest, origin: &str, key: &ApiKey) -> SubmitPlan {
    SubmitPlan {
        request: post_json(
            format!("{origin}/v2/images/generations"),
            bearer(key),
            body(req),
        ),
        calls: req.images(),
        multipart: None,
    }
}

pub(crate) fn parse(v: &Json, _ctx: &ParseContext) -> Result<Job, Error> {
    let p = Provider::Getimg;
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
        job.images = crate::json::to_vec(&mut data.iter().filter_map(|d| {
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
        }));
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
            message: super::provider_message(v)
                .unwrap_or_else(|| format!("the generation ended {raw}")),
        });
    }
    Ok(job)
}
