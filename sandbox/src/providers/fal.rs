//! fal's queue for `openai/gpt-image-2`: `POST /openai/gpt-image-2` and
//! `POST /openai/gpt-image-2/edit` (`Authorization: Key …`), then
//! `GET /openai/gpt-image-2/requests/{id}/status` and `GET /openai/gpt-image-2/requests/{id}`;
//! `?fal_webhook=` gets the result POSTed, signed with Ed25519 over four lines, by a key of
//! the JWKS at `GET /.well-known/jwks.json`. Inputs are judged as fal's own generated
//! types declare them (`spec/fal/fal-js-endpoints.gpt-image-2.excerpt.ts`): unknown fields
//! and wrong types are refused with a 422 in FastAPI's `detail` shape.
//!
//! ASSUMED where fal publishes nothing machine-readable: the queue's answers follow its docs'
//! text (`request_id`, `status_url`, `response_url`, `cancel_url`; `IN_QUEUE`, `IN_PROGRESS`,
//! `COMPLETED`); a failed request reports `COMPLETED` with an `error`, and its result answers
//! 422; the result carries OpenAI-shaped `usage`; billing in tokens at fal's prices ($5 text
//! in, $8 image in, $30 image out per million), output tokens from fal's per-image table where
//! it lists the size, else the 1024x1024 row scaled by area; `num_images` at most 4;
//! status and result under `/edit` answer 405 (a third-party observation).

use std::sync::{Arc, OnceLock};

use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use hyper::{Response, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::openai::{image_bytes, image_input_tokens, text_tokens};
use super::{Incoming, JobFault, Problem};
use crate::app::App;
use crate::config::{Provider, ResultShape};
use crate::http::{json, Body};
use crate::images::{self, Format};
use crate::schedule::{median_secs, Schedule};
use crate::state::{Job, Phase, Webhook, WebhookStatus};

/// The endpoint the sandbox serves.
pub const ENDPOINT: &str = "openai/gpt-image-2";
/// The user id fal puts in its webhook headers (the sandbox's one account).
pub const USER_ID: &str = "sandbox-user";
/// The key id of the sandbox's signing key in its JWKS.
pub const KEY_ID: &str = "sandbox-ed25519-1";
/// Most images per request (fal's page: 1 to 4).
pub const MAX_IMAGES: i64 = 4;
/// Most reference images of an edit ("A maximum of 16 images are allowed").
pub const MAX_IMAGE_URLS: usize = 16;

/// Image sizes of the presets (ASSUMED: fal's presets name ratios; these follow its
/// price table's sizes).
fn preset_size(preset: &str) -> Option<(u32, u32)> {
    Some(match preset {
        "square_hd" | "square" => (1024, 1024),
        "landscape_4_3" => (1024, 768),
        "portrait_4_3" => (768, 1024),
        "landscape_16_9" => (1920, 1080),
        "portrait_16_9" => (1080, 1920),
        _ => return None,
    })
}

/// Output tokens of one image: fal's per-image table (low/medium/high at six sizes, in
/// dollars, over $30 per million tokens) where it lists the size, else its 1024x1024 row
/// scaled by area.
pub fn output_tokens(quality: &str, width: u32, height: u32) -> u64 {
    let column = match quality {
        "low" => 0,
        "medium" => 1,
        _ => 2,
    };
    let table: [((u32, u32), [f64; 3]); 6] = [
        ((1024, 768), [0.01, 0.04, 0.15]),
        ((1024, 1024), [0.01, 0.06, 0.22]),
        ((1024, 1536), [0.01, 0.05, 0.17]),
        ((1920, 1080), [0.01, 0.04, 0.16]),
        ((2560, 1440), [0.01, 0.06, 0.23]),
        ((3840, 2160), [0.02, 0.11, 0.41]),
    ];
    let turned = |(w, h): (u32, u32)| (w, h) == (width, height) || (h, w) == (width, height);
    let usd = match table.iter().find(|(size, _)| turned(*size)) {
        Some((_, row)) => row[column],
        None => table[1].1[column] * f64::from(width) * f64::from(height) / 1_048_576.0,
    };
    (usd / 30e-6).round() as u64
}

/// The sandbox's Ed25519 signing key (fixed, so its JWKS is stable).
fn signing_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        SigningKey::from_bytes(&Sha256::digest(b"gpt-image-edge sandbox fal").into())
    })
}

/// `GET /.well-known/jwks.json`: the key fal's webhooks are signed with.
pub fn jwks() -> Response<Body> {
    let x = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(signing_key().verifying_key().as_bytes());
    json(
        StatusCode::OK,
        &json!({ "keys": [{ "kty": "OKP", "crv": "Ed25519", "x": x, "kid": KEY_ID, "use": "sig", "alg": "EdDSA" }] }),
    )
}

/// The four headers of a webhook delivery of `body`, signed at `timestamp_s`.
pub fn webhook_headers(request_id: &str, timestamp_s: u64, body: &[u8]) -> Vec<(String, String)> {
    let digest = crate::rng::hex(&Sha256::digest(body));
    let message = format!("{request_id}\n{USER_ID}\n{timestamp_s}\n{digest}");
    let signature = signing_key().sign(message.as_bytes());
    vec![
        ("X-Fal-Webhook-Request-Id".into(), request_id.to_string()),
        ("X-Fal-Webhook-User-Id".into(), USER_ID.to_string()),
        ("X-Fal-Webhook-Timestamp".into(), timestamp_s.to_string()),
        (
            "X-Fal-Webhook-Signature".into(),
            crate::rng::hex(&signature.to_bytes()),
        ),
    ]
}

/// An error in fal's `{"detail": "..."}` shape.
fn error(status: StatusCode, detail: &str) -> Response<Body> {
    json(status, &json!({ "detail": detail }))
}

/// A body fal's validation refuses: 422 with FastAPI's `detail` list.
fn invalid(field: &str, msg: &str, kind: &str) -> Response<Body> {
    json(
        StatusCode::UNPROCESSABLE_ENTITY,
        &json!({ "detail": [{ "loc": ["body", field], "msg": msg, "type": kind }] }),
    )
}

/// [`invalid`], boxed (it is large) for the checks that return it.
fn refuse(field: &str, msg: &str, kind: &str) -> Box<Response<Body>> {
    Box::new(invalid(field, msg, kind))
}

/// Shared failures in fal's shape.
pub fn problem(problem: &Problem) -> Response<Body> {
    match problem {
        Problem::Unauthorized { .. } => error(
            StatusCode::UNAUTHORIZED,
            "No user found for Key ID and Secret",
        ),
        Problem::RateLimited { .. } => error(StatusCode::TOO_MANY_REQUESTS, "Too many requests"),
        Problem::Upstream(status) => error(
            StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "Internal server error",
        ),
        Problem::InvalidBody(message) => invalid("(root)", message, "value_error.jsondecode"),
        Problem::TooLarge => error(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large"),
    }
}

/// The caller's key, from `Authorization: Key <key>`.
fn authenticate(app: &App, req: &Incoming<'_>) -> Result<String, Problem> {
    let value = req
        .header("authorization")
        .map(str::trim)
        .unwrap_or_default();
    let key = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("key"))
        .map(|(_, k)| k.trim())
        .filter(|k| !k.is_empty());
    match key {
        Some(k) if app.state().key_provider(k) == Some(Provider::Fal) => Ok(k.to_string()),
        Some(_) => Err(Problem::Unauthorized { missing: false }),
        None => Err(Problem::Unauthorized { missing: true }),
    }
}

/// What a checked input asks for.
struct Asked {
    prompt: String,
    quality: String,
    size: (u32, u32),
    images: u32,
    format: Format,
    image_urls: Vec<String>,
    mask_url: Option<String>,
}

/// Judges a body as `GptImage2Input` (or `GptImage2EditInput` when `edit`).
fn check(body: &Value, edit: bool) -> Result<Asked, Box<Response<Body>>> {
    let Some(obj) = body.as_object() else {
        return Err(refuse(
            "(root)",
            "value is not a valid dict",
            "type_error.dict",
        ));
    };
    let mut known = vec![
        "prompt",
        "image_size",
        "num_images",
        "output_format",
        "quality",
        "sync_mode",
    ];
    if edit {
        known.extend(["image_urls", "mask_url"]);
    }
    if let Some(extra) = obj.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(refuse(
            extra,
            "extra fields not permitted",
            "value_error.extra",
        ));
    }
    let prompt = match obj.get("prompt").and_then(Value::as_str) {
        Some(p) if !p.trim().is_empty() => p.to_string(),
        _ => return Err(refuse("prompt", "field required", "value_error.missing")),
    };
    let choice =
        |field: &str, options: &[&str], default: &str| -> Result<String, Box<Response<Body>>> {
            match obj.get(field) {
                None => Ok(default.to_string()),
                Some(Value::String(s)) if options.contains(&s.as_str()) => Ok(s.clone()),
                Some(_) => Err(refuse(
                    field,
                    &format!(
                        "value is not a valid enumeration member; permitted: {}",
                        options.join(", ")
                    ),
                    "type_error.enum",
                )),
            }
        };
    let quality = choice("quality", &["auto", "low", "medium", "high"], "high")?;
    let format = choice("output_format", &["jpeg", "png", "webp"], "png")?;
    let images = match obj.get("num_images") {
        None => 1,
        Some(v) => match v.as_i64() {
            Some(n @ 1..=MAX_IMAGES) => n as u32,
            _ => {
                return Err(refuse(
                    "num_images",
                    "ensure this value is between 1 and 4",
                    "value_error.number",
                ))
            }
        },
    };
    if obj.get("sync_mode").is_some_and(|v| !v.is_boolean()) {
        return Err(refuse(
            "sync_mode",
            "value could not be parsed to a boolean",
            "type_error.bool",
        ));
    }
    let default = if edit { "auto" } else { "landscape_4_3" };
    let size = match obj.get("image_size").unwrap_or(&json!(default)) {
        Value::String(s) if s == "auto" => (1024, 1024),
        Value::String(s) => preset_size(s).ok_or_else(|| {
            refuse(
                "image_size",
                "value is not a valid enumeration member",
                "type_error.enum",
            )
        })?,
        Value::Object(o) => {
            let dim = |k: &str| {
                o.get(k)
                    .and_then(Value::as_u64)
                    .and_then(|n| u32::try_from(n).ok())
            };
            let (Some(w), Some(h)) = (dim("width"), dim("height")) else {
                return Err(refuse(
                    "image_size",
                    "width and height must be integers",
                    "type_error.integer",
                ));
            };
            let pixels = u64::from(w) * u64::from(h);
            let ok = w % 16 == 0
                && h % 16 == 0
                && w.max(h) <= 3840
                && w.max(h) <= 3 * w.min(h)
                && (655_360..=8_294_400).contains(&pixels);
            if !ok || o.keys().any(|k| k != "width" && k != "height") {
                return Err(refuse(
                    "image_size",
                    "both dimensions must be multiples of 16, max edge 3840px, aspect ratio <= 3:1, total pixels between 655,360 and 8,294,400",
                    "value_error",
                ));
            }
            (w, h)
        }
        _ => {
            return Err(refuse(
                "image_size",
                "value is not a valid image size",
                "type_error",
            ))
        }
    };
    let mut image_urls = Vec::new();
    if edit {
        let urls = obj.get("image_urls").and_then(Value::as_array);
        let Some(urls) = urls.filter(|u| !u.is_empty() && u.len() <= MAX_IMAGE_URLS) else {
            return Err(refuse(
                "image_urls",
                "1 to 16 image URLs are required",
                "value_error.list",
            ));
        };
        for u in urls {
            match u.as_str() {
                Some(s) if super::is_http_url(s) || s.starts_with("data:image/") => {
                    image_urls.push(s.to_string())
                }
                _ => return Err(refuse("image_urls", "each must be a URL", "type_error.str")),
            }
        }
    }
    let mask_url = match obj.get("mask_url") {
        None => None,
        Some(Value::String(s)) if super::is_http_url(s) || s.starts_with("data:image/") => {
            Some(s.clone())
        }
        Some(_) => return Err(refuse("mask_url", "must be a URL", "type_error.str")),
    };
    Ok(Asked {
        prompt,
        quality,
        size,
        images,
        format: Format::parse(&format).unwrap_or(Format::Png),
        image_urls,
        mask_url,
    })
}

/// `POST /openai/gpt-image-2` and `POST /openai/gpt-image-2/edit`.
pub async fn submit(
    app: &Arc<App>,
    req: &Incoming<'_>,
    edit: bool,
    fault: JobFault,
) -> Response<Body> {
    let key = match authenticate(app, req) {
        Ok(key) => key,
        Err(p) => return problem(&p),
    };
    let body: Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(e) => return problem(&Problem::InvalidBody(format!("Malformed JSON: {e}"))),
    };
    let asked = match check(&body, edit) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    // Input tokens: the prompt, and every input image from its pixels.
    let mut image_tokens = 0;
    for url in asked.image_urls.iter().chain(asked.mask_url.iter()) {
        let bytes = match image_bytes(app, url).await {
            Ok(b) => b,
            Err(why) => {
                return invalid(
                    "image_urls",
                    &format!("the image could not be read: {why}"),
                    "value_error",
                )
            }
        };
        let Some((w, h)) = images::dimensions(&bytes) else {
            return invalid("image_urls", "not an image", "value_error");
        };
        image_tokens += image_input_tokens(w, h, false);
    }
    let output =
        output_tokens(&asked.quality, asked.size.0, asked.size.1) * u64::from(asked.images);
    let text = text_tokens(&asked.prompt);
    let cost = (text * 5 + image_tokens * 8 + output * 30) as i64;
    let webhook = req
        .query
        .unwrap_or_default()
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == "fal_webhook")
        .map(|(_, v)| Webhook {
            url: crate::server::percent_decode(v),
            events: vec!["completed".into()],
            status: WebhookStatus::Pending,
        });
    let now = app.now();
    let id = {
        let mut state = app.state();
        state.settle_due(&key, now);
        if state.reserve(&key, cost).is_err() {
            return error(
                StatusCode::FORBIDDEN,
                "User is locked. Reason: Exhausted balance.",
            );
        }
        let id = state.rng.uuid_v4();
        let quality = if asked.quality == "auto" {
            "high"
        } else {
            &asked.quality
        };
        let schedule = Schedule::plan(
            &mut state.rng,
            now,
            median_secs(quality),
            asked.images,
            fault.fail,
            app.config.time_scale,
        );
        let tokens = app.add_job_assets(
            &mut state,
            &id,
            &asked.prompt,
            asked.images,
            asked.size,
            asked.format,
            schedule.ends_ms,
        );
        state.insert_job(Job {
            id: id.clone(),
            provider: Provider::Fal,
            api_key: key,
            model: ENDPOINT.to_string(),
            schedule,
            fails: fault.fail,
            unknown_status: fault.unknown_status,
            images: tokens,
            image_ext: asked.format.name(),
            cost,
            settled: false,
            input: json!({ "text_tokens": text, "image_tokens": image_tokens, "output_tokens": output }),
            result_shape: ResultShape::Array,
            webhook,
            final_prompt: asked.prompt,
            seeds: Vec::new(),
            cancelled: false,
        });
        id
    };
    crate::webhooks::spawn_fal(app.clone(), id.clone());
    let base = format!("{}/{ENDPOINT}/requests/{id}", app.base_url);
    json(
        StatusCode::OK,
        &json!({
            "request_id": id,
            "gateway_request_id": id,
            "status": "IN_QUEUE",
            "queue_position": 0,
            "status_url": format!("{base}/status"),
            "response_url": base,
            "cancel_url": format!("{base}/cancel"),
        }),
    )
}

/// The job `id` of this key at `now`, polled (faults applied), or the answer to give.
fn polled(
    app: &Arc<App>,
    req: &Incoming<'_>,
    id: &str,
    fault: JobFault,
) -> Result<(Job, u64), Box<Response<Body>>> {
    let key = authenticate(app, req).map_err(|p| Box::new(problem(&p)))?;
    let now = app.now();
    let mut state = app.state();
    let found = state.poll_job(id, &key, fault.fail, fault.unknown_status, now);
    match found.and(state.jobs.get(id)) {
        Some(job) if job.provider == Provider::Fal => Ok((job.clone(), now)),
        _ => Err(Box::new(error(StatusCode::NOT_FOUND, "Request not found"))),
    }
}

/// `GET /openai/gpt-image-2/requests/{id}/status`.
pub fn status(app: &Arc<App>, req: &Incoming<'_>, id: &str, fault: JobFault) -> Response<Body> {
    let (job, now) = match polled(app, req, id, fault) {
        Ok(j) => j,
        Err(r) => return *r,
    };
    let base = format!("{}/{ENDPOINT}/requests/{id}", app.base_url);
    let (code, body) = match job.phase(now) {
        Phase::Queued => (
            StatusCode::ACCEPTED,
            json!({ "status": "IN_QUEUE", "queue_position": 0, "response_url": base }),
        ),
        Phase::Running(_) if job.unknown_status => (
            StatusCode::ACCEPTED,
            json!({ "status": "IN_WARMUP", "response_url": base }),
        ),
        Phase::Running(_) => (
            StatusCode::ACCEPTED,
            json!({ "status": "IN_PROGRESS", "logs": [], "response_url": base }),
        ),
        Phase::Succeeded => (
            StatusCode::OK,
            json!({ "status": "COMPLETED", "logs": [], "response_url": base }),
        ),
        Phase::Failed => (
            StatusCode::OK,
            json!({ "status": "COMPLETED", "logs": [], "response_url": base, "error": "Generation failed upstream", "error_type": "generation_error" }),
        ),
    };
    json(code, &body)
}

/// The result body of a finished job.
pub fn result_json(app: &App, job: &Job) -> Value {
    let format = Format::parse(job.image_ext).unwrap_or(Format::Png);
    let usage = &job.input;
    let images: Vec<Value> = job
        .images
        .iter()
        .map(|t| {
            let (w, h) = app
                .state()
                .assets
                .get(t)
                .map_or((0, 0), |a| (a.spec.width, a.spec.height));
            json!({ "url": app.asset_url(t, format), "width": w, "height": h, "content_type": format.mime(), "file_name": format!("{t}.{}", format.name()) })
        })
        .collect();
    let text = usage["text_tokens"].as_u64().unwrap_or(0);
    let image = usage["image_tokens"].as_u64().unwrap_or(0);
    json!({
        "images": images,
        "usage": {
            "input_tokens": text + image,
            "output_tokens": usage["output_tokens"],
            "total_tokens": text + image + usage["output_tokens"].as_u64().unwrap_or(0),
            "input_tokens_details": { "text_tokens": text, "image_tokens": image },
        },
    })
}

/// `GET /openai/gpt-image-2/requests/{id}`.
pub fn result(app: &Arc<App>, req: &Incoming<'_>, id: &str, fault: JobFault) -> Response<Body> {
    let (job, now) = match polled(app, req, id, fault) {
        Ok(j) => j,
        Err(r) => return *r,
    };
    match job.phase(now) {
        Phase::Succeeded => json(StatusCode::OK, &result_json(app, &job)),
        Phase::Failed => json(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({ "detail": "Generation failed upstream" }),
        ),
        _ => error(StatusCode::BAD_REQUEST, "Request is still in progress"),
    }
}

/// Status or result asked under `/edit`: refused (a third-party observation of fal).
pub fn wrong_path() -> Response<Body> {
    error(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
}
