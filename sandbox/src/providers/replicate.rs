//! Replicate: predictions of the official model `openai/gpt-image-2`.
//! `POST /v1/models/{owner}/{name}/predictions` (its body judged by Replicate's own
//! document, `spec/replicate/replicate-predictions.openapi.json`, and its `input` by the
//! model's input table, `spec/replicate/NOTES-openai-gpt-image-2.md`), with `Prefer: wait`
//! and `Cancel-After`; `GET /v1/predictions/{id}`; `GET /v1/predictions` (newest first,
//! `created_after`, a cursor per page); `GET /v1/webhooks/default/secret`. Webhooks are
//! signed as Standard Webhooks with that secret.
//!
//! ASSUMED where the documents are silent: the per-image prices (third-party
//! transcriptions: low $0.012, medium $0.047, high and auto $0.128); the enum options of
//! the model's inputs (the stored page shows none: the sandbox takes the union of the
//! versions seen); a prediction whose `Cancel-After` passes is ended `canceled` (or
//! `aborted` if it had not started) and not billed.

use std::sync::{Arc, OnceLock};

use hyper::{Response, StatusCode};
use serde_json::{json, Value};

use super::{authenticate_bearer, Incoming, JobFault, Problem};
use crate::app::App;
use crate::config::{Provider, ResultShape};
use crate::http::{json, Body};
use crate::images::Format;
use crate::openapi::RequestSchema;
use crate::schedule::{median_secs, Schedule};
use crate::state::{Job, Phase, Webhook, WebhookStatus, MICRO_USD};

/// The one model the sandbox serves.
pub const MODEL: &str = "openai/gpt-image-2";
/// The model version the sandbox reports (the one whose input table is stored).
pub const VERSION: &str = "06e71e82a757af659d23a8698ce5cfa6b153bd2a8c7962102fe111c90623cbd4";
/// The account's webhook signing secret (`GET /v1/webhooks/default/secret`).
pub const WEBHOOK_SECRET: &str = "whsec_Z3B0LWltYWdlLWVkZ2Ugc2FuZGJveCByZXBsaWNhdGU=";
/// Predictions per page of `GET /v1/predictions` (its document: 100).
pub const PAGE_SIZE: usize = 100;
/// Longest `Prefer: wait` (its document: `wait=1` to `wait=60`).
const WAIT_MAX_SECS: u64 = 60;

const DOC: &str = include_str!("../../../spec/replicate/replicate-predictions.openapi.json");

fn schema() -> &'static RequestSchema {
    static SCHEMA: OnceLock<RequestSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        RequestSchema::compile(DOC, "schemas_prediction_request")
            .expect("Replicate's document compiles")
    })
}

/// Micro-dollars per image by quality (ASSUMED: third-party transcriptions).
pub fn micro_usd_per_image(quality: &str) -> i64 {
    match quality {
        "low" => 12_000,
        "medium" => 47_000,
        _ => 128_000,
    }
}

/// An error in Replicate's problem-details shape.
fn error(status: StatusCode, title: &str, detail: &str) -> Response<Body> {
    json(
        status,
        &json!({ "title": title, "detail": detail, "status": status.as_u16() }),
    )
}

/// An input Replicate's validation refuses: 422 with the field at fault.
fn invalid(field: &str, description: &str) -> Response<Body> {
    json(
        StatusCode::UNPROCESSABLE_ENTITY,
        &json!({
            "title": "Input validation failed",
            "detail": format!("- {field}: {description}"),
            "status": 422,
            "invalid_fields": [{ "type": "invalid", "field": field, "description": description }],
        }),
    )
}

/// Shared failures in Replicate's shape.
pub fn problem(problem: &Problem) -> Response<Body> {
    match problem {
        Problem::Unauthorized { .. } => error(
            StatusCode::UNAUTHORIZED,
            "Unauthenticated",
            "You did not pass a valid authentication token",
        ),
        Problem::RateLimited { retry_after } => error(
            StatusCode::TOO_MANY_REQUESTS,
            "Request was throttled",
            &format!("Request was throttled. Your rate limit resets in ~{retry_after}s."),
        ),
        Problem::Upstream(status) => error(
            StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "Internal server error",
            "An unexpected error occurred",
        ),
        Problem::InvalidBody(message) => invalid("(root)", message),
        Problem::TooLarge => error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request too large",
            "The request body is too large",
        ),
    }
}

/// One enum input of the model: its name and the options the sandbox takes.
const ENUMS: [(&str, &[&str]); 5] = [
    (
        "aspect_ratio",
        &["1:1", "3:2", "2:3", "4:3", "3:4", "16:9", "9:16", "auto"],
    ),
    ("quality", &["low", "medium", "high", "auto"]),
    ("background", &["auto", "opaque"]),
    ("output_format", &["png", "jpeg", "webp"]),
    ("moderation", &["auto", "low"]),
];

/// Checks the model's `input` against its input table; `Err(field, why)`.
fn check_input(input: &Value) -> Result<(), (String, String)> {
    let Some(obj) = input.as_object() else {
        return Err(("input".into(), "Invalid type. Expected: object".into()));
    };
    let bad = |field: &str, why: &str| Err((format!("input.{field}"), why.to_string()));
    for (k, v) in obj {
        match k.as_str() {
            "prompt" | "openai_api_key" | "user_id" => {
                if !v.is_string() {
                    return bad(k, "Invalid type. Expected: string");
                }
            }
            "number_of_images" => match v.as_i64() {
                Some(1..=10) => {}
                _ => return bad(k, "Must be an integer from 1 to 10"),
            },
            "output_compression" => match v.as_i64() {
                Some(0..=100) => {}
                _ => return bad(k, "Must be an integer from 0 to 100"),
            },
            "input_images" => {
                let ok = v.as_array().is_some_and(|a| {
                    a.iter().all(|u| {
                        u.as_str()
                            .is_some_and(|u| super::is_http_url(u) || u.starts_with("data:image/"))
                    })
                });
                if !ok {
                    return bad(k, "Must be a list of URIs");
                }
            }
            name => match ENUMS.iter().find(|(n, _)| *n == name) {
                Some((_, options)) => {
                    if !v.as_str().is_some_and(|s| options.contains(&s)) {
                        return bad(
                            k,
                            &format!("{k} must be one of the following: {}", options.join(", ")),
                        );
                    }
                }
                None => return bad(k, "Additional property is not allowed"),
            },
        }
    }
    match obj.get("prompt").and_then(Value::as_str) {
        Some(p) if !p.trim().is_empty() => Ok(()),
        _ => Err(("input.prompt".into(), "prompt is required".into())),
    }
}

/// Pixel size of an aspect ratio (gpt-image-2's sizes).
fn size_of(aspect_ratio: &str) -> (u32, u32) {
    match aspect_ratio {
        "3:2" => (1536, 1024),
        "2:3" => (1024, 1536),
        "4:3" => (1152, 864),
        "3:4" => (864, 1152),
        "16:9" => (1536, 864),
        "9:16" => (864, 1536),
        _ => (1024, 1024),
    }
}

/// Seconds of a `Cancel-After` duration (`30`, `30s`, `5m`, `1h30m45s`); at least 5.
fn cancel_after_secs(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Ok(n) = text.parse::<u64>() {
        return (n >= 5).then_some(n);
    }
    let (mut total, mut digits) = (0u64, String::new());
    for c in text.chars() {
        match c {
            '0'..='9' => digits.push(c),
            'h' | 'm' | 's' if !digits.is_empty() => {
                let n: u64 = digits.parse().ok()?;
                total += n * match c {
                    'h' => 3600,
                    'm' => 60,
                    _ => 1,
                };
                digits.clear();
            }
            _ => return None,
        }
    }
    (digits.is_empty() && total >= 5).then_some(total)
}

/// Seconds of `Prefer: wait` / `wait=N` (1..60), if the header asks to wait.
fn prefer_wait_secs(value: Option<&str>) -> Result<Option<u64>, ()> {
    let Some(v) = value.map(str::trim) else {
        return Ok(None);
    };
    if v == "wait" {
        return Ok(Some(WAIT_MAX_SECS));
    }
    match v.strip_prefix("wait=").map(str::parse::<u64>) {
        Some(Ok(n)) if (1..=WAIT_MAX_SECS).contains(&n) => Ok(Some(n)),
        _ => Err(()),
    }
}

/// `POST /v1/models/{owner}/{name}/predictions`.
pub async fn create(
    app: &Arc<App>,
    req: &Incoming<'_>,
    model: &str,
    fault: JobFault,
) -> Response<Body> {
    let key = match authenticate_bearer(app, req, Provider::Replicate) {
        Ok(key) => key,
        Err(p) => return problem(&p),
    };
    if model != MODEL {
        return error(
            StatusCode::NOT_FOUND,
            "Not found",
            &format!("The sandbox serves model {MODEL} only, not {model}"),
        );
    }
    let Ok(wait) = prefer_wait_secs(req.header("prefer")) else {
        return invalid("Prefer", "must match ^wait(=([1-9]|[1-9][0-9]|60))?$");
    };
    let cancel_after = match req.header("cancel-after").map(cancel_after_secs) {
        Some(None) => {
            return invalid(
                "Cancel-After",
                "must be a duration such as 30s, 5m or 1h30m, of at least 5 seconds",
            )
        }
        Some(Some(secs)) => Some(secs),
        None => None,
    };
    let body: Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(e) => return problem(&Problem::InvalidBody(format!("Malformed JSON: {e}"))),
    };
    if let Err(r) = schema().check(&body) {
        return invalid(&r.param, &r.message);
    }
    let input = body.get("input").cloned().unwrap_or(Value::Null);
    if let Err((field, why)) = check_input(&input) {
        return invalid(&field, &why);
    }
    let param = |name: &str| input.get(name).and_then(Value::as_str);
    let prompt = param("prompt").unwrap_or_default().to_string();
    let quality = param("quality").unwrap_or("auto");
    let format = param("output_format")
        .and_then(Format::parse)
        .unwrap_or(Format::Webp);
    let images = input
        .get("number_of_images")
        .and_then(Value::as_u64)
        .unwrap_or(1) as u32;
    let cost = micro_usd_per_image(quality) * i64::from(images);
    let webhook = body
        .get("webhook")
        .and_then(Value::as_str)
        .map(|url| Webhook {
            url: url.to_string(),
            events: body
                .get("webhook_events_filter")
                .and_then(Value::as_array)
                .map(|e| {
                    e.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_else(|| vec!["completed".to_string()]),
            status: WebhookStatus::Pending,
        });

    let now = app.now();
    let (id, ends_ms) = {
        let mut state = app.state();
        state.settle_due(&key, now);
        if let Err(short) = state.reserve(&key, cost) {
            return error(
                StatusCode::PAYMENT_REQUIRED,
                "Insufficient credit",
                &format!(
                    "You need ${:.3} of credit for this prediction; you have ${:.3}",
                    short.required as f64 / MICRO_USD as f64,
                    short.available as f64 / MICRO_USD as f64
                ),
            );
        }
        let id = state.rng.hex_token(26);
        let mut schedule = Schedule::plan(
            &mut state.rng,
            now,
            median_secs(quality),
            images,
            fault.fail,
            app.config.time_scale,
        );
        // A deadline that passes first ends the prediction there, unbilled (ASSUMED).
        let mut cancelled = false;
        // At `--time-scale 0` every job is instant: no deadline is shorter.
        if let Some(secs) = cancel_after.filter(|_| app.config.time_scale > 0.0) {
            let limit = now + app.scaled(secs as f64 * 1000.0).as_millis() as u64;
            if limit < schedule.ends_ms {
                schedule.ends_ms = limit;
                schedule.starts_ms = schedule.starts_ms.min(limit);
                cancelled = true;
            }
        }
        let fails = fault.fail || cancelled;
        let tokens = app.add_job_assets(
            &mut state,
            &id,
            &prompt,
            images,
            size_of(param("aspect_ratio").unwrap_or("1:1")),
            format,
            schedule.ends_ms,
        );
        let ends_ms = schedule.ends_ms;
        state.insert_job(Job {
            id: id.clone(),
            provider: Provider::Replicate,
            api_key: key.clone(),
            model: MODEL.to_string(),
            schedule,
            fails,
            unknown_status: fault.unknown_status,
            images: tokens,
            image_ext: format.name(),
            cost,
            settled: false,
            input: input.clone(),
            result_shape: ResultShape::Array,
            webhook,
            final_prompt: prompt,
            seeds: Vec::new(),
            cancelled,
        });
        (id, ends_ms)
    };
    crate::webhooks::spawn_replicate(app.clone(), id.clone());
    if let Some(secs) = wait {
        let until = app.clock.instant_at(ends_ms);
        let limit = tokio::time::Instant::now() + app.scaled(secs as f64 * 1000.0);
        tokio::time::sleep_until(limit.min(until.into())).await;
    }
    let now = app.now();
    let mut state = app.state();
    state.settle_due(&key, now);
    match state.jobs.get(&id) {
        Some(job) => json(StatusCode::CREATED, &prediction_json(app, job, now)),
        None => error(StatusCode::NOT_FOUND, "Not found", "The prediction is gone"),
    }
}

/// `GET /v1/predictions/{id}`.
pub fn get(app: &Arc<App>, req: &Incoming<'_>, id: &str, fault: JobFault) -> Response<Body> {
    let key = match authenticate_bearer(app, req, Provider::Replicate) {
        Ok(key) => key,
        Err(p) => return problem(&p),
    };
    let now = app.now();
    let mut state = app.state();
    let polled = state.poll_job(id, &key, fault.fail, fault.unknown_status, now);
    match polled.and(state.jobs.get(id)) {
        Some(job) if job.provider == Provider::Replicate => {
            json(StatusCode::OK, &prediction_json(app, job, now))
        }
        _ => error(
            StatusCode::NOT_FOUND,
            "Not found",
            "The requested resource could not be found.",
        ),
    }
}

/// `GET /v1/predictions`: the key's predictions, newest first, `created_after`
/// and `created_before` honoured, [`PAGE_SIZE`] a page, `?cursor=` for the next.
pub fn list(app: &Arc<App>, req: &Incoming<'_>) -> Response<Body> {
    let key = match authenticate_bearer(app, req, Provider::Replicate) {
        Ok(key) => key,
        Err(p) => return problem(&p),
    };
    let query: Vec<(&str, String)> = req
        .query
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k, crate::server::percent_decode(v)))
        .collect();
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    };
    // A bound that is given must read as a time (`Err` names it).
    let bound = |name: &'static str| -> Result<Option<u64>, &'static str> {
        match param(name) {
            None => Ok(None),
            Some(text) => crate::clock::parse_iso8601(text).map(Some).ok_or(name),
        }
    };
    let (after, before) = match (bound("created_after"), bound("created_before")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(name), _) | (_, Err(name)) => return invalid(name, "must be an ISO 8601 date-time"),
    };
    let offset = match param("cursor").map(str::parse::<usize>) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return invalid("cursor", "is not a cursor this API gave"),
    };
    let now = app.now();
    let mut state = app.state();
    state.settle_due(&key, now);
    let mut mine: Vec<&Job> = state
        .jobs
        .values()
        .filter(|j| j.provider == Provider::Replicate && j.api_key == key)
        .filter(|j| {
            let created = app.clock.unix_ms(j.schedule.created_ms);
            after.is_none_or(|a| created >= a) && before.is_none_or(|b| created < b)
        })
        .collect();
    mine.sort_by(|a, b| (b.schedule.created_ms, &b.id).cmp(&(a.schedule.created_ms, &a.id)));
    let page: Vec<Value> = mine
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|j| prediction_json(app, j, now))
        .collect();
    let next = (offset + PAGE_SIZE < mine.len()).then(|| {
        format!(
            "{}/v1/predictions?cursor={}",
            app.base_url,
            offset + PAGE_SIZE
        )
    });
    json(
        StatusCode::OK,
        &json!({ "previous": Value::Null, "next": next, "results": page }),
    )
}

/// `GET /v1/webhooks/default/secret`.
pub fn webhook_secret(app: &Arc<App>, req: &Incoming<'_>) -> Response<Body> {
    match authenticate_bearer(app, req, Provider::Replicate) {
        Ok(_) => json(StatusCode::OK, &json!({ "key": WEBHOOK_SECRET })),
        Err(p) => problem(&p),
    }
}

/// The status a prediction reports at `now`.
fn status_of(job: &Job, now: u64) -> &'static str {
    let cancelled = job.cancelled;
    match job.phase(now) {
        Phase::Queued | Phase::Running(_) if job.unknown_status => "booting",
        Phase::Queued => "starting",
        Phase::Running(_) => "processing",
        Phase::Succeeded => "succeeded",
        Phase::Failed if cancelled && job.schedule.starts_ms >= job.schedule.ends_ms => "aborted",
        Phase::Failed if cancelled => "canceled",
        Phase::Failed => "failed",
    }
}

/// The prediction object of Replicate's document (`schemas_prediction_response`).
pub fn prediction_json(app: &App, job: &Job, now: u64) -> Value {
    let phase = job.phase(now);
    let s = &job.schedule;
    let format = Format::parse(job.image_ext).unwrap_or(Format::Webp);
    let removed = now >= s.ends_ms.saturating_add(app.asset_ttl_ms());
    let output = (phase == Phase::Succeeded && !removed).then(|| {
        job.images
            .iter()
            .map(|t| app.asset_url(t, format))
            .collect::<Vec<_>>()
    });
    let get_url = format!("{}/v1/predictions/{}", app.base_url, job.id);
    let started = !matches!(phase, Phase::Queued);
    json!({
        "id": job.id,
        "model": job.model,
        "version": VERSION,
        "input": if removed { json!({}) } else { job.input.clone() },
        "logs": "",
        "output": output,
        "data_removed": removed,
        "error": if phase == Phase::Failed && status_of(job, now) == "failed" { json!("Prediction failed") } else { Value::Null },
        "status": status_of(job, now),
        "source": "api",
        "created_at": app.clock.iso(s.created_ms),
        "started_at": if started { json!(app.clock.iso(s.starts_ms.min(s.ends_ms))) } else { Value::Null },
        "completed_at": if phase.is_terminal() { json!(app.clock.iso(s.ends_ms)) } else { Value::Null },
        "metrics": if phase == Phase::Succeeded { json!({ "predict_time": (s.ends_ms - s.starts_ms.min(s.ends_ms)) as f64 / 1000.0 }) } else { json!({}) },
        "urls": {
            "get": get_url,
            "cancel": format!("{get_url}/cancel"),
            "web": format!("{}/p/{}", app.base_url, job.id),
        },
    })
}
