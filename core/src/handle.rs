//! A job handle: everything needed to find a job again, as plain JSON, so a
//! worker can submit, return, and resume polling in another process.
//! It never holds the API key.

use crate::error::{Error, ErrorCode};
use crate::job::Job;
use crate::json;
use crate::json::Json;
use crate::price::Cost;
use crate::provider::Provider;

/// Format version written into every handle.
pub const HANDLE_VERSION: u64 = 1;

/// A resumable reference to a submitted (or possibly submitted) job.
#[derive(Clone, Debug, PartialEq)]
pub struct Handle {
    /// The provider.
    pub provider: Provider,
    /// The provider's job id; `None` when the submit's outcome is unknown
    /// (then `request` and `idempotency_key` are what find it again).
    pub job_id: Option<String>,
    /// The key sent with the submit, reused on every retry.
    pub idempotency_key: String,
    /// When the job was submitted (ms since the epoch).
    pub submitted_at: f64,
    /// When the client stops waiting (ms since the epoch).
    pub deadline: f64,
    /// Quality asked for (plans polling).
    pub quality: Option<String>,
    /// Images asked for.
    pub count: u32,
    /// Output format asked for (OpenAI answers may not say).
    pub output_format: Option<String>,
    /// The price estimated before submitting.
    pub estimate: Option<Cost>,
    /// The finished job, for providers that answer synchronously.
    pub result: Option<Job>,
    /// The neutral request, kept only while the outcome is unknown so the
    /// same submit (same key) can be replayed where that is safe.
    pub request: Option<Json>,
}

fn bad(why: &str) -> Error {
    Error::new(
        ErrorCode::InvalidRequest,
        format!("not a job handle: {why}"),
    )
}

impl Handle {
    /// The handle as JSON.
    pub fn to_json(&self) -> Json {
        let mut o = json!({
            "v": HANDLE_VERSION,
            "provider": self.provider.id(),
            "jobId": self.job_id,
            "idempotencyKey": self.idempotency_key,
            "submittedAt": self.submitted_at,
            "deadline": self.deadline,
            "quality": self.quality,
            "count": self.count,
            "outputFormat": self.output_format,
        });
        if let Some(c) = &self.estimate {
            o.set("estimate", c.to_json());
        }
        if let Some(j) = &self.result {
            o.set("result", j.to_json());
        }
        if let Some(r) = &self.request {
            o.set("request", r.clone());
        }
        o
    }

    /// Read a handle back (from JSON parsed in this or another process).
    pub fn from_json(v: &Json) -> Result<Handle, Error> {
        if !v.is_object() {
            return Err(bad("expected an object"));
        }
        if v.get("v").and_then(Json::as_u64) != Some(HANDLE_VERSION) {
            return Err(bad("unknown handle version"));
        }
        let provider = v
            .get("provider")
            .and_then(Json::as_str)
            .and_then(Provider::from_id)
            .ok_or_else(|| bad("unknown provider"))?;
        let idempotency_key = v
            .get("idempotencyKey")
            .and_then(Json::as_str)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| bad("idempotencyKey is missing"))?
            .to_string();
        let time = |k: &str| {
            v.get(k)
                .and_then(Json::as_f64)
                .filter(|t| t.is_finite() && *t >= 0.0)
                .ok_or_else(|| bad(&format!("{k} is missing")))
        };
        let text = |k: &str| v.get(k).and_then(Json::as_str).map(str::to_string);
        let result = match v.get("result") {
            None | Some(Json::Null) => None,
            Some(j) => Some(Job::from_json(j).ok_or_else(|| bad("result is not a job"))?),
        };
        let job_id = text("jobId");
        if job_id.is_none() && result.is_none() && !v.get("request").is_some_and(Json::is_object) {
            return Err(bad("it names no job"));
        }
        Ok(Handle {
            provider,
            job_id,
            idempotency_key,
            submitted_at: time("submittedAt")?,
            deadline: time("deadline")?,
            quality: text("quality"),
            count: v
                .get("count")
                .and_then(Json::as_u64)
                .unwrap_or(1)
                .clamp(1, 100) as u32,
            output_format: text("outputFormat"),
            estimate: v.get("estimate").and_then(|c| Cost::from_json(provider, c)),
            result,
            request: v.get("request").filter(|r| r.is_object()).cloned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handle() -> Handle {
        Handle {
            provider: crate::providers::APIFRAME,
            job_id: Some("b2c3".into()),
            idempotency_key: "k-1".into(),
            submitted_at: 1_790_000_000_000.0,
            deadline: 1_790_000_600_000.0,
            quality: Some("high".into()),
            count: 2,
            output_format: None,
            estimate: None,
            result: None,
            request: None,
        }
    }

    #[test]
    fn round_trips_through_json_text() {
        let h = handle();
        let text = h.to_json().to_string();
        let back = Handle::from_json(&Json::parse(&text).unwrap()).unwrap();
        assert_eq!(back, h);
    }

    #[test]
    fn refuses_what_is_not_a_handle() {
        for bad in [
            json!(null),
            json!({ "v": 2, "provider": "apiframe", "jobId": "x", "idempotencyKey": "k", "submittedAt": 1, "deadline": 2 }),
            json!({ "v": 1, "provider": "midjourney", "jobId": "x", "idempotencyKey": "k", "submittedAt": 1, "deadline": 2 }),
            json!({ "v": 1, "provider": "apiframe", "jobId": "x", "submittedAt": 1, "deadline": 2 }),
            json!({ "v": 1, "provider": "apiframe", "idempotencyKey": "k", "submittedAt": 1, "deadline": 2 }),
            json!({ "v": 1, "provider": "apiframe", "jobId": "x", "idempotencyKey": "k", "deadline": 2 }),
        ] {
            let e = Handle::from_json(&bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidRequest, "{bad}");
        }
    }
}
