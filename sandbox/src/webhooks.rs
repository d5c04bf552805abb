//! Apiframe webhooks: `progress`, `completed` and `failed` events POSTed to a job's
//! `webhookUrl`, signed as Apiframe signs them, retried with backoff.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::client;
use crate::providers::apiframe;
use crate::rng::hex;
use crate::state::{Job, Phase, WebhookStatus};

/// Delivery attempts per event.
pub const ATTEMPTS: u32 = 3;

/// Backoff before the second attempt, doubled for each later one (scaled by `--time-scale`,
/// never below [`MIN_BACKOFF`]).
const BASE_BACKOFF_MS: f64 = 1000.0;
const MIN_BACKOFF: Duration = Duration::from_millis(10);

/// Time allowed for one delivery attempt.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// `sha256=<hex>`: HMAC-SHA256 over the raw body, keyed with the 32-byte SHA-256 of the API key.
pub fn signature(api_key: &str, body: &[u8]) -> String {
    let key = Sha256::digest(api_key.as_bytes());
    let mut mac = match Hmac::<Sha256>::new_from_slice(&key) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; this arm is unreachable.
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

/// The JSON body of a webhook event. ASSUMED: the documents name the events and the
/// signature but not the body; this mirrors the `Job` fields a receiver needs.
pub fn event_body(app: &App, event: &str, job: &Job, now: u64) -> Value {
    json!({
        "event": event,
        "jobId": job.id,
        "status": apiframe::status_of(job, now),
        "progress": apiframe::progress_of(job, now),
        "result": apiframe::result_of(app, job, now),
        "creditCost": apiframe::credit_cost_of(job, now),
        "error": if job.phase(now) == Phase::Failed { json!(apiframe::JOB_FAILED_MESSAGE) } else { Value::Null },
        "timestamp": app.clock.iso(now),
    })
}

/// Starts delivering the events of job `job_id` at the moments they happen.
pub fn spawn(app: Arc<App>, job_id: String) {
    tokio::spawn(async move { deliver_all(app, job_id).await });
}

async fn deliver_all(app: Arc<App>, job_id: String) {
    let (moments, url, subscribed) = {
        let state = app.state();
        let Some(job) = state.jobs.get(&job_id) else {
            return;
        };
        let Some(webhook) = &job.webhook else {
            return;
        };
        let s = &job.schedule;
        (
            [
                (s.starts_ms, false),
                (s.midpoint_ms(), false),
                (s.ends_ms, true),
            ],
            webhook.url.clone(),
            webhook.events.clone(),
        )
    };
    let mut last_outcome = None;
    for (at_ms, terminal) in moments {
        tokio::time::sleep_until(app.clock.instant_at(at_ms).into()).await;
        let now = app.now().max(at_ms);
        let prepared = {
            let state = app.state();
            let Some(job) = state.jobs.get(&job_id) else {
                return;
            };
            let event = if !terminal {
                "progress"
            } else if job.phase(now) == Phase::Failed {
                "failed"
            } else {
                "completed"
            };
            subscribed.iter().any(|e| e == event).then(|| {
                let body =
                    serde_json::to_vec(&event_body(&app, event, job, now)).unwrap_or_default();
                let signature = signature(&job.api_key, &body);
                (body, signature)
            })
        };
        let Some((body, signature)) = prepared else {
            continue;
        };
        let headers = [("X-Webhook-Signature", signature.as_str())];
        last_outcome = Some(deliver(&app, &url, &body, &headers).await);
    }
    let status = match last_outcome {
        Some(false) => WebhookStatus::Failed,
        _ => WebhookStatus::Delivered,
    };
    if let Some(webhook) = app
        .state()
        .jobs
        .get_mut(&job_id)
        .and_then(|j| j.webhook.as_mut())
    {
        webhook.status = status;
    }
}

/// Standard Webhooks' `webhook-signature`: `v1,` and the base64 HMAC-SHA256 of
/// `{id}.{timestamp}.{body}`, keyed with the base64 part of a `whsec_` secret.
pub fn standard_signature(secret: &str, id: &str, timestamp: u64, body: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let key = b64
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .unwrap_or_default();
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else {
        return String::new();
    };
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", b64.encode(mac.finalize().into_bytes()))
}

/// Starts delivering a Replicate prediction's `completed` webhook when it ends:
/// the prediction object, signed as Standard Webhooks with the account's secret.
pub fn spawn_replicate(app: Arc<App>, job_id: String) {
    tokio::spawn(async move {
        let (ends_ms, url) = {
            let state = app.state();
            let Some(job) = state.jobs.get(&job_id) else {
                return;
            };
            let Some(webhook) = &job.webhook else {
                return;
            };
            if !webhook.events.iter().any(|e| e == "completed") {
                return;
            }
            (job.schedule.ends_ms, webhook.url.clone())
        };
        tokio::time::sleep_until(app.clock.instant_at(ends_ms).into()).await;
        let now = app.now().max(ends_ms);
        let body = {
            let mut state = app.state();
            let key = state.jobs.get(&job_id).map(|j| j.api_key.clone());
            if let Some(key) = key {
                state.settle_due(&key, now);
            }
            let Some(job) = state.jobs.get(&job_id) else {
                return;
            };
            serde_json::to_vec(&crate::providers::replicate::prediction_json(
                &app, job, now,
            ))
            .unwrap_or_default()
        };
        // The same id on every retry: a receiver's deduplication key.
        let id = format!("msg_{job_id}");
        let timestamp = app.clock.unix_ms(now) / 1000;
        let secret = crate::providers::replicate::WEBHOOK_SECRET;
        let signature = standard_signature(secret, &id, timestamp, &body);
        let ts = timestamp.to_string();
        let headers = [
            ("webhook-id", id.as_str()),
            ("webhook-timestamp", ts.as_str()),
            ("webhook-signature", signature.as_str()),
        ];
        let delivered = deliver(&app, &url, &body, &headers).await;
        if let Some(webhook) = app
            .state()
            .jobs
            .get_mut(&job_id)
            .and_then(|j| j.webhook.as_mut())
        {
            webhook.status = if delivered {
                WebhookStatus::Delivered
            } else {
                WebhookStatus::Failed
            };
        }
    });
}

/// Starts delivering a fal request's webhook when it ends: `{ request_id,
/// gateway_request_id, status, payload | payload_error }`, signed with Ed25519
/// over four lines as fal signs them.
pub fn spawn_fal(app: Arc<App>, job_id: String) {
    tokio::spawn(async move {
        let (ends_ms, url) = {
            let state = app.state();
            let Some(job) = state.jobs.get(&job_id) else {
                return;
            };
            let Some(webhook) = &job.webhook else {
                return;
            };
            (job.schedule.ends_ms, webhook.url.clone())
        };
        tokio::time::sleep_until(app.clock.instant_at(ends_ms).into()).await;
        let now = app.now().max(ends_ms);
        let job = {
            let mut state = app.state();
            let key = state.jobs.get(&job_id).map(|j| j.api_key.clone());
            if let Some(key) = key {
                state.settle_due(&key, now);
            }
            match state.jobs.get(&job_id) {
                Some(job) => job.clone(),
                None => return,
            }
        };
        let event = if job.phase(now) == crate::state::Phase::Succeeded {
            json!({ "request_id": job_id, "gateway_request_id": job_id, "status": "OK",
                    "payload": crate::providers::fal::result_json(&app, &job) })
        } else {
            json!({ "request_id": job_id, "gateway_request_id": job_id, "status": "ERROR",
                    "error": "Generation failed upstream", "payload_error": { "detail": "Generation failed upstream" } })
        };
        let body = serde_json::to_vec(&event).unwrap_or_default();
        let timestamp = app.clock.unix_ms(now) / 1000;
        let signed = crate::providers::fal::webhook_headers(&job_id, timestamp, &body);
        let headers: Vec<(&str, &str)> = signed
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let delivered = deliver(&app, &url, &body, &headers).await;
        if let Some(webhook) = app
            .state()
            .jobs
            .get_mut(&job_id)
            .and_then(|j| j.webhook.as_mut())
        {
            webhook.status = if delivered {
                WebhookStatus::Delivered
            } else {
                WebhookStatus::Failed
            };
        }
    });
}

/// POSTs one event with `signed` headers, retrying on connection errors and
/// non-2xx answers; true once delivered.
async fn deliver(app: &App, url: &str, body: &[u8], signed: &[(&str, &str)]) -> bool {
    let Ok((addr, path)) = client::loopback_target(url) else {
        return false;
    };
    let mut headers = vec![
        ("Content-Type", "application/json"),
        ("User-Agent", "sandbox-webhooks"),
    ];
    headers.extend_from_slice(signed);
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            let backoff = app
                .scaled(BASE_BACKOFF_MS * f64::from(1u32 << (attempt - 1)))
                .max(MIN_BACKOFF);
            tokio::time::sleep(backoff).await;
        }
        match client::request(addr, "POST", &path, &headers, body, ATTEMPT_TIMEOUT).await {
            Ok(response) if (200..300).contains(&response.status) => return true,
            _ => continue,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_has_the_documented_form() {
        let s = signature("afk_sandbox", b"{}");
        assert!(s.starts_with("sha256="));
        assert_eq!(s.len(), 7 + 64);
        assert!(s[7..]
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(s, signature("afk_other", b"{}"));
    }

    #[test]
    fn standard_webhooks_signature_matches_the_specs_example() {
        // The example of the Standard Webhooks specification (and of svix's libraries).
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            standard_signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
