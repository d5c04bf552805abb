//! GPTImage2.ai: `POST /api/generate`, `GET /api/generate/{jobId}`.

use super::{bearer, clean_text, decode_error, post_json, str_or_num, ParseContext, SubmitPlan};
use crate::error::Error;
use crate::http::ApiKey;
use crate::job::{Image, Job, JobError, JobStatus};
use crate::json;
use crate::json::Json;
use crate::price::{credit_cost, GPTIMAGE2AI_CREDITS_PER_IMAGE};
use crate::provider::Provider;
use crate::request::ImageRequest;

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

pub(crate) fn submit(req: &ImageRequest, origin: &str, key: &ApiKey) -> SubmitPlan {
    SubmitPlan {
        request: post_json(format!("{origin}/api/generate"), bearer(key), body(req)),
        calls: 1,
        multipart: None,
    }
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

pub(crate) fn parse(v: &Json, ctx: &ParseContext) -> Result<Job, Error> {
    let p = Provider::Gptimage2ai;
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
                crate::json::to_vec(&mut items.iter().filter_map(|r| {
                    let url = r.get("imageUrl").and_then(Json::as_str)?;
                    Some(Image {
                        url: Some(url.to_string()),
                        seed: str_or_num(r.get("seed")),
                        final_prompt: str_or_num(r.get("finalPrompt")),
                        ..Image::default()
                    })
                }))
            })
            .unwrap_or_default();
        let n = job.images.len() as u32;
        let words = format!("{GPTIMAGE2AI_CREDITS_PER_IMAGE} credits per image x {n}");
        job.cost = Some(credit_cost(
            p,
            n,
            GPTIMAGE2AI_CREDITS_PER_IMAGE * u64::from(n),
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
