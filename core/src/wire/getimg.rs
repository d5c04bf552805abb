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

/// One job from the N calls that made N images (getimg.ai serves N images
/// as N calls): their ids joined by commas, their images, and the sum of their
/// bills when every call has one. One job comes back as it is.
pub(crate) fn merge_jobs(mut jobs: Vec<Job>) -> Job {
    if jobs.len() == 1 {
        return jobs.remove(0);
    }
    let mut merged = jobs[0].clone();
    let mut ids = String::new();
    for id in jobs.iter().filter_map(|j| j.id.as_deref()) {
        if !ids.is_empty() {
            ids.push(',');
        }
        ids.push_str(id);
    }
    merged.id = Some(ids);
    merged.images = jobs.iter().flat_map(|j| j.images.clone()).collect();
    let costs: Vec<&Cost> = jobs.iter().filter_map(|j| j.cost.as_ref()).collect();
    merged.cost = (costs.len() == jobs.len()).then(|| {
        let usd: f64 = costs.iter().filter_map(|c| c.usd).sum();
        Cost {
            provider: merged.provider,
            images: merged.images.len() as u32,
            credits: None,
            usd: Some(round_usd(usd)),
            exact: costs.iter().all(|c| c.exact),
            basis: format!("the sum of {} calls' bills", jobs.len()),
        }
    });
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(id: &str, usd: Option<f64>) -> Job {
        let mut job = Job::new(
            Provider::Getimg,
            Some(id.into()),
            JobStatus::Succeeded,
            "completed",
        );
        job.images = vec![Image {
            url: Some(format!("https://img.example/{id}.png")),
            ..Image::default()
        }];
        job.cost = usd.map(|usd| Cost {
            provider: Provider::Getimg,
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
