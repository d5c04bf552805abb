//! GPTImage2.ai: `POST /api/generate` and `GET /api/generate/{jobId}`.

use std::sync::Arc;

use hyper::{Response, StatusCode};
use serde_json::{json, Value};

use super::{authenticate_bearer, is_http_url, Incoming, JobFault, Problem};
use crate::app::App;
use crate::config::{Provider, ResultShape};
use crate::http::{json, Body};
use crate::images::{size_for_ratio, Format};
use crate::rng::hash64;
use crate::schedule::Schedule;
use crate::state::{Job, Phase, State};

/// Credits per generated image.
pub const CREDITS_PER_IMAGE: i64 = 10;

/// Accepted `ratio` values.
pub const RATIOS: [&str; 5] = ["1:1", "16:9", "9:16", "4:3", "3:4"];

/// Largest `count`; larger values are capped, as documented.
pub const MAX_COUNT: u64 = 4;

/// Seconds of a typical generation before jitter.
const MEDIAN_SECS: f64 = 15.0;

/// Status reported by jobs under the `unknown_status` fault: not in the documented set.
pub const UNKNOWN_STATUS: &str = "paused";

/// `error` of a failed job (the code the provider's own example route uses).
pub const JOB_FAILED_CODE: &str = "image_generation_failed";

fn error(status: StatusCode, code: &str) -> Response<Body> {
    json(status, &json!({ "error": code }))
}

/// Shared failures as `{"error": "<machine_code>"}`. ASSUMED codes beyond the documented
/// `prompt_required`: unauthorized, rate_limited, internal_error, bad_gateway,
/// service_unavailable, invalid_json, payload_too_large.
pub fn problem(problem: &Problem) -> Response<Body> {
    match problem {
        Problem::Unauthorized { .. } => error(StatusCode::UNAUTHORIZED, "unauthorized"),
        Problem::RateLimited { .. } => error(StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        Problem::Upstream(502) => error(StatusCode::BAD_GATEWAY, "bad_gateway"),
        Problem::Upstream(503) => error(StatusCode::SERVICE_UNAVAILABLE, "service_unavailable"),
        Problem::Upstream(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        Problem::InvalidBody(_) => error(StatusCode::BAD_REQUEST, "invalid_json"),
        Problem::TooLarge => error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
    }
}

/// `balance` as in the documented responses.
fn balance(state: &State, key: &str) -> Value {
    let credits = state.accounts.get(key).map_or(0, |a| a.balance);
    json!({
        "paidCredits": credits,
        "freeImagesRemaining": 0,
        "totalImages": credits / CREDITS_PER_IMAGE,
        "freeImagesPerDay": 0,
    })
}

/// A validated submit.
#[derive(Debug)]
struct Request {
    prompt: String,
    final_prompt: String,
    ratio: (u32, u32),
    count: u32,
}

fn parse(body: &Value) -> Result<Request, &'static str> {
    let obj = body.as_object().ok_or("invalid_json")?;
    let prompt = obj
        .get("prompt")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .ok_or("prompt_required")?;
    let mode = match obj.get("mode") {
        None | Some(Value::Null) => "text-to-image",
        Some(Value::String(m)) if m == "text-to-image" || m == "image-to-image" => m,
        // ASSUMED code: the documents list the modes but not the error.
        Some(_) => return Err("invalid_mode"),
    };
    if mode == "image-to-image" {
        let urls = obj
            .get("imageUrls")
            .and_then(Value::as_array)
            .filter(|u| !u.is_empty())
            .ok_or("image_urls_required")?;
        if !urls.iter().all(|u| u.as_str().is_some_and(is_http_url)) {
            // ASSUMED code for a reference that is not an http(s) URL.
            return Err("invalid_image_urls");
        }
    }
    let ratio = match obj.get("ratio") {
        None | Some(Value::Null) => "1:1",
        Some(Value::String(r)) if RATIOS.contains(&r.as_str()) => r,
        Some(_) => return Err("invalid_ratio"),
    };
    let (w, h) = ratio.split_once(':').unwrap_or(("1", "1"));
    let ratio = (w.parse().unwrap_or(1), h.parse().unwrap_or(1));
    // "Values are capped between 1 and 4": numbers are truncated and clamped; a missing or
    // non-numeric count means 1.
    let count = obj
        .get("count")
        .and_then(Value::as_f64)
        .filter(|c| c.is_finite())
        .map_or(1, |c| (c.trunc().max(1.0) as u64).min(MAX_COUNT)) as u32;
    let hint = |name: &str| {
        obj.get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let mut final_prompt = prompt.to_string();
    for (name, label) in [
        ("lighting", "Lighting"),
        ("camera", "Camera"),
        ("negative", "Avoid"),
    ] {
        if let Some(text) = hint(name) {
            final_prompt.push_str(&format!(". {label}: {text}"));
        }
    }
    Ok(Request {
        prompt: prompt.to_string(),
        final_prompt,
        ratio,
        count,
    })
}

/// `POST /api/generate`.
pub fn submit(app: &Arc<App>, req: &Incoming<'_>, fault: JobFault) -> Response<Body> {
    let key = match authenticate_bearer(app, req, Provider::GptImage2Ai) {
        Ok(key) => key,
        Err(p) => return problem(&p),
    };
    let body: Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(e) => return problem(&Problem::InvalidBody(e.to_string())),
    };
    let request = match parse(&body) {
        Ok(r) => r,
        Err(code) => return error(StatusCode::BAD_REQUEST, code),
    };
    let cost = CREDITS_PER_IMAGE * i64::from(request.count);
    let now = app.now();
    let mut state = app.state();
    state.settle_due(&key, now);
    if state.reserve(&key, cost).is_err() {
        return error(StatusCode::PAYMENT_REQUIRED, "insufficient_credits");
    }
    let id = state.rng.uuid_v4();
    let schedule = Schedule::plan(
        &mut state.rng,
        now,
        MEDIAN_SECS,
        request.count,
        fault.fail,
        app.config.time_scale,
    );
    let (width, height) = size_for_ratio(request.ratio.0, request.ratio.1, 1.0);
    let tokens = app.add_job_assets(
        &mut state,
        &id,
        &request.final_prompt,
        request.count,
        (width, height),
        Format::Png,
        schedule.ends_ms,
    );
    let seeds = (0..request.count)
        .map(|i| {
            (hash64(&[request.final_prompt.as_bytes(), &i.to_le_bytes()]) % 1_000_000_000)
                .to_string()
        })
        .collect();
    state.insert_job(Job {
        id: id.clone(),
        provider: Provider::GptImage2Ai,
        api_key: key.clone(),
        model: "gpt-image-2".to_string(),
        schedule,
        fails: fault.fail,
        unknown_status: fault.unknown_status,
        images: tokens,
        image_ext: Format::Png.name(),
        cost,
        settled: false,
        input: json!({"prompt": request.prompt}),
        result_shape: ResultShape::Array,
        webhook: None,
        final_prompt: request.final_prompt,
        seeds,
        cancelled: false,
    });
    json(
        StatusCode::OK,
        &json!({"jobId": id, "status": "pending", "balance": balance(&state, &key)}),
    )
}

/// `GET /api/generate/{jobId}`: 202 while pending or running, 200 once over.
pub fn poll(app: &Arc<App>, req: &Incoming<'_>, id: &str, fault: JobFault) -> Response<Body> {
    let key = match authenticate_bearer(app, req, Provider::GptImage2Ai) {
        Ok(key) => key,
        Err(p) => return problem(&p),
    };
    let now = app.now();
    let mut state = app.state();
    let Some(phase) = state.poll_job(id, &key, fault.fail, fault.unknown_status, now) else {
        return error(StatusCode::NOT_FOUND, "job_not_found");
    };
    let Some(job) = state.jobs.get(id) else {
        return error(StatusCode::NOT_FOUND, "job_not_found");
    };
    let balance = balance(&state, &key);
    let running = |status: &str| {
        let status = if job.unknown_status {
            UNKNOWN_STATUS
        } else {
            status
        };
        json(
            StatusCode::ACCEPTED,
            &json!({"jobId": job.id, "status": status, "balance": balance}),
        )
    };
    match phase {
        Phase::Queued => running("pending"),
        Phase::Running(_) => running("running"),
        Phase::Failed => json(
            StatusCode::OK,
            &json!({"jobId": job.id, "status": "failed", "error": JOB_FAILED_CODE, "balance": balance}),
        ),
        Phase::Succeeded => {
            let results: Vec<Value> = job
                .images
                .iter()
                .zip(&job.seeds)
                .map(|(token, seed)| {
                    json!({
                        "imageUrl": app.asset_url(token, Format::Png),
                        "finalPrompt": job.final_prompt,
                        "seed": seed,
                    })
                })
                .collect();
            json(
                StatusCode::OK,
                &json!({"jobId": job.id, "status": "succeeded", "results": results, "balance": balance}),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_caps() {
        let r = parse(
            &json!({"prompt": "  cup  ", "count": 9, "lighting": "soft", "negative": "text"}),
        )
        .unwrap();
        assert_eq!(r.prompt, "cup");
        assert_eq!(r.count, 4);
        assert_eq!(r.final_prompt, "cup. Lighting: soft. Avoid: text");
        assert_eq!(parse(&json!({"prompt": "x", "count": 0})).unwrap().count, 1);
        assert_eq!(
            parse(&json!({"prompt": "x", "count": 2.7})).unwrap().count,
            2
        );
        assert_eq!(
            parse(&json!({"prompt": "x", "ratio": "16:9"}))
                .unwrap()
                .ratio,
            (16, 9)
        );
    }

    #[test]
    fn documented_error_codes() {
        assert_eq!(
            parse(&json!({"prompt": "   "})).unwrap_err(),
            "prompt_required"
        );
        assert_eq!(parse(&json!({})).unwrap_err(), "prompt_required");
        assert_eq!(
            parse(&json!({"prompt": "x", "ratio": "2:1"})).unwrap_err(),
            "invalid_ratio"
        );
        assert_eq!(
            parse(&json!({"prompt": "x", "mode": "image-to-image"})).unwrap_err(),
            "image_urls_required"
        );
        assert!(parse(&json!({"prompt": "x", "mode": "image-to-image",
            "imageUrls": ["https://cdn.example.com/a.png"]}))
        .is_ok());
    }
}
