//! Apiframe: `POST /v2/images/generate` (validated against Apiframe's OpenAPI document)
//! and `GET /v2/jobs/{id}`.

use std::sync::Arc;

use hyper::{Response, StatusCode};
use serde_json::{json, Value};

use super::{Incoming, JobFault, Problem};
use crate::app::App;
use crate::config::{Provider, ResultShape};
use crate::http::{json, Body};
use crate::images::Format;
use crate::rng::is_uuid;
use crate::schedule::{median_secs, Schedule};
use crate::state::{IdempotencyRecord, Job, Phase, Webhook, WebhookStatus};

/// The only model the sandbox simulates.
pub const MODEL: &str = "gpt-image-2";

/// Credits per image by quality (an absent quality is `auto`).
pub fn credits_per_image(quality: &str) -> i64 {
    match quality {
        "low" => 4,
        "medium" => 9,
        _ => 23,
    }
}

/// Longest `Idempotency-Key` accepted.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// How long an `Idempotency-Key` replays its job (Apiframe documents 24 h);
/// scaled by `--time-scale` like every simulated duration, after which a key
/// is forgotten and the same submit makes (and bills) a new job.
pub const IDEMPOTENCY_WINDOW_MS: u64 = 24 * 3600 * 1000;

/// Status reported by jobs under the `unknown_status` fault: not in the documented enum.
pub const UNKNOWN_STATUS: &str = "ARCHIVING";

/// Error text of a failed job. ASSUMED: the documents do not show one.
pub const JOB_FAILED_MESSAGE: &str = "Generation failed upstream";

/// Events a webhook gets when `webhookEvents` is absent.
pub const ALL_WEBHOOK_EVENTS: [&str; 3] = ["progress", "completed", "failed"];

fn error(status: StatusCode, message: &str) -> Response<Body> {
    json(status, &json!({ "error": message }))
}

/// Shared failures in Apiframe's `{"error": "..."}` shape.
pub fn problem(problem: &Problem) -> Response<Body> {
    match problem {
        Problem::Unauthorized { missing: true } => {
            error(StatusCode::UNAUTHORIZED, "Missing API key")
        }
        Problem::Unauthorized { missing: false } => {
            error(StatusCode::UNAUTHORIZED, "Invalid API key")
        }
        Problem::RateLimited { .. } => error(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded"),
        Problem::Upstream(503) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service temporarily unavailable",
        ),
        Problem::Upstream(502) => error(StatusCode::BAD_GATEWAY, "Bad gateway"),
        Problem::Upstream(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"),
        Problem::InvalidBody(message) => json(
            StatusCode::BAD_REQUEST,
            &json!({"error": "Invalid request body", "details": {"(root)": [message]}}),
        ),
        Problem::TooLarge => error(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large"),
    }
}

/// The caller's key: `X-API-Key`, or `Authorization: Bearer`.
fn authenticate(app: &App, req: &Incoming<'_>) -> Result<String, Problem> {
    let key = req
        .header("x-api-key")
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .or_else(|| req.bearer());
    let Some(key) = key else {
        return Err(Problem::Unauthorized { missing: true });
    };
    if app.state().key_provider(key) == Some(Provider::Apiframe) {
        Ok(key.to_string())
    } else {
        Err(Problem::Unauthorized { missing: false })
    }
}

/// Pixel size of an aspect ratio.
fn size_of(aspect_ratio: &str) -> (u32, u32) {
    match aspect_ratio {
        "3:2" => (1536, 1024),
        "2:3" => (1024, 1536),
        _ => (1024, 1024),
    }
}

/// `POST /v2/images/generate`.
pub fn submit(app: &Arc<App>, req: &Incoming<'_>, fault: JobFault) -> Response<Body> {
    let key = match authenticate(app, req) {
        Ok(key) => key,
        Err(p) => return problem(&p),
    };
    let idempotency_key = req.header("idempotency-key").map(str::to_string);
    if let Some(k) = &idempotency_key {
        if k.chars().count() > MAX_IDEMPOTENCY_KEY {
            return json(
                StatusCode::BAD_REQUEST,
                &json!({"error": "Validation failed",
                        "details": {"Idempotency-Key": [format!("String must contain at most {MAX_IDEMPOTENCY_KEY} character(s)")]}}),
            );
        }
    }
    let body: Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(e) => return problem(&Problem::InvalidBody(format!("Malformed JSON: {e}"))),
    };
    if let Err(details) = app.schema.check(&body) {
        return json(
            StatusCode::BAD_REQUEST,
            &json!({"error": "Validation failed", "details": details}),
        );
    }
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if model != MODEL {
        let message = format!(
            "The sandbox simulates model '{MODEL}' only; '{model}' is a valid Apiframe model but is not simulated here"
        );
        return json(
            StatusCode::BAD_REQUEST,
            &json!({"error": "Model not simulated by the sandbox", "details": {"model": [message]}}),
        );
    }
    let prompt = body
        .get("prompt")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let params = body.get("gptImage2Params").cloned().unwrap_or(json!({}));
    let param = |name: &str| params.get(name).and_then(Value::as_str);
    let quality = param("quality").unwrap_or("auto");
    let (width, height) = size_of(param("aspect_ratio").unwrap_or("1:1"));
    let format = param("output_format")
        .and_then(Format::parse)
        .unwrap_or(Format::Webp);
    let images = params
        .get("number_of_images")
        .and_then(Value::as_u64)
        .unwrap_or(1)
        .clamp(1, 10) as u32;
    let cost = credits_per_image(quality) * i64::from(images);
    let webhook = body
        .get("webhookUrl")
        .and_then(Value::as_str)
        .map(|url| Webhook {
            url: url.to_string(),
            events: body
                .get("webhookEvents")
                .and_then(Value::as_array)
                .map(|events| {
                    events
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_else(|| ALL_WEBHOOK_EVENTS.iter().map(|e| e.to_string()).collect()),
            status: WebhookStatus::Pending,
        });

    let now = app.now();
    let mut state = app.state();
    state.settle_due(&key, now);
    if let Some(k) = &idempotency_key {
        let scope = (key.clone(), k.clone());
        let window = app.scaled(IDEMPOTENCY_WINDOW_MS as f64).as_millis() as u64;
        let replay = state
            .idempotency
            .get(&scope)
            .filter(|r| now.saturating_sub(r.at_ms) < window)
            .and_then(|r| state.jobs.get(&r.job_id))
            .map(|job| (job.id.clone(), accepted_status(job.phase(now))));
        if let Some((job_id, status)) = replay {
            if let Some(account) = state.accounts.get_mut(&key) {
                account.ledger.idempotent_replays += 1;
            }
            return json(
                StatusCode::ACCEPTED,
                &json!({"jobId": job_id, "status": status}),
            );
        }
    }
    if let Err(short) = state.reserve(&key, cost) {
        return json(
            StatusCode::PAYMENT_REQUIRED,
            &json!({"error": "Insufficient credits",
                    "creditsRequired": short.required,
                    "creditsAvailable": short.available}),
        );
    }
    let id = state.rng.uuid_v4();
    let schedule = Schedule::plan(
        &mut state.rng,
        now,
        median_secs(quality),
        images,
        fault.fail,
        app.config.time_scale,
    );
    let result_shape = match app.config.apiframe_result_shape {
        ResultShape::Mixed => [ResultShape::String, ResultShape::Array, ResultShape::Object]
            [state.rng.below(3) as usize],
        shape => shape,
    };
    let tokens = app.add_job_assets(
        &mut state,
        &id,
        prompt,
        images,
        (width, height),
        format,
        schedule.ends_ms,
    );
    let has_webhook = webhook.is_some();
    state.insert_job(Job {
        id: id.clone(),
        provider: Provider::Apiframe,
        api_key: key.clone(),
        model: MODEL.to_string(),
        schedule,
        fails: fault.fail,
        unknown_status: fault.unknown_status,
        images: tokens,
        image_ext: format.name(),
        cost,
        settled: false,
        input: body.clone(),
        result_shape,
        webhook,
        final_prompt: prompt.to_string(),
        seeds: Vec::new(),
        cancelled: false,
    });
    if let Some(k) = idempotency_key {
        state.idempotency.insert(
            (key, k),
            IdempotencyRecord {
                job_id: id.clone(),
                at_ms: now,
            },
        );
    }
    drop(state);
    if has_webhook {
        crate::webhooks::spawn(app.clone(), id.clone());
    }
    json(
        StatusCode::ACCEPTED,
        &json!({"jobId": id, "status": "QUEUED"}),
    )
}

/// `JobAccepted.status` of an existing job (its enum has no room for other values).
fn accepted_status(phase: Phase) -> &'static str {
    match phase {
        Phase::Queued => "QUEUED",
        Phase::Running(_) => "PROCESSING",
        Phase::Succeeded => "COMPLETED",
        Phase::Failed => "FAILED",
    }
}

/// `GET /v2/jobs/{id}`.
pub fn poll(app: &Arc<App>, req: &Incoming<'_>, id: &str, fault: JobFault) -> Response<Body> {
    let key = match authenticate(app, req) {
        Ok(key) => key,
        Err(p) => return problem(&p),
    };
    if !is_uuid(id) {
        return error(StatusCode::BAD_REQUEST, "Invalid job id: expected a UUID");
    }
    let now = app.now();
    let mut state = app.state();
    let polled = state.poll_job(id, &key, fault.fail, fault.unknown_status, now);
    match polled.and(state.jobs.get(id)) {
        Some(job) => json(StatusCode::OK, &job_json(app, job, now)),
        None => error(StatusCode::NOT_FOUND, "Job not found"),
    }
}

/// The status a job reports at `now` (an undocumented one under the `unknown_status` fault).
pub fn status_of(job: &Job, now: u64) -> &'static str {
    match job.phase(now) {
        Phase::Queued | Phase::Running(_) if job.unknown_status => UNKNOWN_STATUS,
        phase => accepted_status(phase),
    }
}

/// `progress` at `now`: 0 queued, rising while running, 100 done, null after a failure.
pub fn progress_of(job: &Job, now: u64) -> Value {
    match job.phase(now) {
        Phase::Queued => json!(0),
        Phase::Running(p) => json!(p),
        Phase::Succeeded => json!(100),
        Phase::Failed => Value::Null,
    }
}

/// `result` of a completed job in its chosen shape, else null.
pub fn result_of(app: &App, job: &Job, now: u64) -> Value {
    if job.phase(now) != Phase::Succeeded {
        return Value::Null;
    }
    let format = Format::parse(job.image_ext).unwrap_or(Format::Webp);
    let urls: Vec<String> = job
        .images
        .iter()
        .map(|t| app.asset_url(t, format))
        .collect();
    match job.result_shape {
        ResultShape::String if urls.len() == 1 => json!(urls[0]),
        ResultShape::Object => json!({ "images": urls }),
        _ => json!(urls),
    }
}

/// `creditCost`: the bill once the job is over (0 after a refunded failure), else null.
pub fn credit_cost_of(job: &Job, now: u64) -> Value {
    match job.phase(now) {
        Phase::Succeeded => json!(job.cost),
        Phase::Failed => json!(0),
        _ => Value::Null,
    }
}

/// The full `Job` object of Apiframe's OpenAPI document.
pub fn job_json(app: &App, job: &Job, now: u64) -> Value {
    let phase = job.phase(now);
    let over = phase.is_terminal();
    let expired =
        phase == Phase::Succeeded && now >= job.schedule.ends_ms.saturating_add(app.asset_ttl_ms());
    json!({
        "id": job.id,
        "status": status_of(job, now),
        "model": job.model,
        "progress": progress_of(job, now),
        "error": if phase == Phase::Failed { json!(JOB_FAILED_MESSAGE) } else { Value::Null },
        "creditCost": credit_cost_of(job, now),
        "webhookStatus": job.webhook.as_ref().map(|w| w.status.name()),
        "createdAt": app.clock.iso(job.schedule.created_ms),
        "completedAt": if over { json!(app.clock.iso(job.schedule.ends_ms)) } else { Value::Null },
        "expired": expired,
        "input": job.input,
        "result": result_of(app, job, now),
    })
}
