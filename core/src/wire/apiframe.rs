//! Apiframe: `POST /v2/images/generate`, `GET /v2/jobs/{id}`.

use super::{decode_error, mime_of, post_json, ParseContext, SubmitPlan};
use crate::error::Error;
use crate::http::ApiKey;
use crate::job::{Image, Job, JobError, JobStatus};
use crate::json;
use crate::json::{Json, Map};
use crate::price::credit_cost;
use crate::provider::Provider;
use crate::request::ImageRequest;

pub(crate) fn auth(key: &ApiKey) -> Vec<(String, String)> {
    vec![("X-API-Key".to_string(), key.expose().to_string())]
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
    let mut body = json!({ "model": "gpt-image-2", "prompt": req.prompt });
    if !params.is_empty() {
        body.set("gptImage2Params", Json::Object(params));
    }
    if let Some(url) = &req.webhook_url {
        body.set("webhookUrl", json!(url));
    }
    body
}

pub(crate) fn submit(req: &ImageRequest, origin: &str, key: &ApiKey) -> SubmitPlan {
    SubmitPlan {
        request: post_json(format!("{origin}/v2/images/generate"), auth(key), body(req)),
        calls: 1,
        multipart: None,
    }
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

fn mime_from_url(url: &str) -> Option<String> {
    let path = crate::text::before_any(url, b"?#");
    let ext = crate::text::after_last(path, b'.').to_ascii_lowercase();
    mime_of(&ext)
}

pub(crate) fn parse(v: &Json, ctx: &ParseContext) -> Result<Job, Error> {
    let p = Provider::Apiframe;
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
        job.images = crate::json::to_vec(
            &mut result_urls(v.get("result").unwrap_or(&Json::Null))
                .into_iter()
                .map(|url| Image {
                    mime_type: mime_from_url(&url),
                    url: Some(url),
                    ..Image::default()
                }),
        );
    }
    if matches!(status, JobStatus::Failed | JobStatus::Cancelled) {
        let message = v
            .get("error")
            .and_then(Json::as_str)
            .map(|s| super::clean_text(s, 500))
            .unwrap_or_else(|| format!("the job ended {raw}"));
        job.error = Some(JobError {
            code: raw.to_ascii_lowercase(),
            message,
        });
    }
    if let Some(credits) = v.get("creditCost").and_then(Json::as_u64) {
        let images = job.images.len() as u32;
        let words = "Apiframe's creditCost".to_string();
        job.cost = Some(credit_cost(p, images, credits, words, &ctx.price));
    }
    Ok(job)
}
