//! The decisions of the key-holding route handler, pure: which route a request
//! takes, whose origin may call, what a browser may ask for, what a status
//! token holds, and what a browser may be told. The I/O lives in the binding.

use crate::error::{Error, ErrorCode};
use crate::handle::{Handle, HANDLE_VERSION};
use crate::issue::{Issue, IssueCode};
use crate::job::Job;
use crate::json;
use crate::json::Json;
use crate::provider::{Field, Provider};

/// Where a request goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `POST {base}/generate`
    Generate,
    /// `GET {base}/jobs/{token}`
    Job(String),
    /// `POST {base}/webhook`
    Webhook,
    /// `OPTIONS` on a known route (CORS preflight).
    Preflight,
    /// A known path with the wrong method; the allowed one.
    WrongMethod(&'static str),
    /// Anything else.
    NotFound,
}

/// `basePath` without a trailing slash, starting with one (`/api/images`).
pub fn normalize_base_path(base: &str) -> String {
    let trimmed = base.trim().trim_end_matches('/');
    if trimmed.starts_with('/') {
        trimmed.to_string()
    } else {
        format!("/{trimmed}")
    }
}

/// The route of `method` on `path` (the URL's path, no query) under `base`.
pub fn route(method: &str, path: &str, base: &str) -> Route {
    let Some(rest) = path.strip_prefix(base).and_then(|r| r.strip_prefix('/')) else {
        return Route::NotFound;
    };
    let (target, wanted) = match rest {
        "generate" => (Route::Generate, "POST"),
        "webhook" => (Route::Webhook, "POST"),
        _ => match rest.strip_prefix("jobs/") {
            Some(token) if !token.is_empty() && !token.contains('/') => {
                (Route::Job(token.to_string()), "GET")
            }
            _ => return Route::NotFound,
        },
    };
    match method {
        m if m == wanted => target,
        "OPTIONS" => Route::Preflight,
        _ => Route::WrongMethod(wanted),
    }
}

/// Whether a request from `origin` may be served. No `Origin` header means a
/// server or a tool, not a browser; same-origin is always allowed; other
/// origins only when listed (`"*"` lists them all).
pub fn origin_allowed(origin: Option<&str>, own_origin: &str, allowed: &[String]) -> bool {
    match origin {
        None => true,
        Some(o) => o == own_origin || allowed.iter().any(|a| a == "*" || a == o),
    }
}

/// What browsers may ask for through the route.
#[derive(Clone, Debug, PartialEq)]
pub struct Allow {
    /// Fields a browser may set (the prompt always).
    pub fields: Vec<Field>,
    /// Whether reference images may be sent (the provider fetches them).
    pub references: bool,
    /// Most images per request.
    pub max_count: u32,
    /// Allowed values of enumerated fields, where narrower than the provider's.
    pub values: Vec<(Field, Vec<String>)>,
    /// Longest prompt, where shorter than the provider's limit.
    pub max_prompt_length: Option<usize>,
}

impl Default for Allow {
    /// Every setting but `references` and `webhookUrl` (a browser must not
    /// point the server at URLs), at most 4 images.
    fn default() -> Allow {
        Allow {
            fields: Field::ALL
                .into_iter()
                .filter(|f| !matches!(f, Field::References | Field::WebhookUrl))
                .collect(),
            references: false,
            max_count: 4,
            values: Vec::new(),
            max_prompt_length: None,
        }
    }
}

fn bad_option(why: String) -> Error {
    Error::new(ErrorCode::InvalidRequest, format!("option `allow`: {why}"))
}

impl Allow {
    /// Read `{ fields?, references?, maxCount?, values?, maxPromptLength? }`.
    pub fn from_json(v: &Json) -> Result<Allow, Error> {
        let mut allow = Allow::default();
        if v.is_null() {
            return Ok(allow);
        }
        let Some(o) = v.as_object() else {
            return Err(bad_option("expected an object".to_string()));
        };
        for (k, val) in o.iter() {
            match k.as_str() {
                "fields" => {
                    let names = val
                        .as_array()
                        .ok_or_else(|| bad_option("`fields` must be an array".to_string()))?;
                    let mut fields = vec![Field::Prompt];
                    for n in names {
                        let f = n.as_str().and_then(Field::from_name).ok_or_else(|| {
                            bad_option(format!(
                                "{} is not a request field",
                                n.as_str().unwrap_or("?")
                            ))
                        })?;
                        if f == Field::WebhookUrl {
                            return Err(bad_option(
                                "browsers may never set `webhookUrl`".to_string(),
                            ));
                        }
                        fields.push(f);
                    }
                    allow.fields = fields;
                }
                "references" => {
                    allow.references = val
                        .as_bool()
                        .ok_or_else(|| bad_option("`references` must be a boolean".to_string()))?
                }
                "maxCount" => {
                    allow.max_count =
                        val.as_u64()
                            .filter(|n| (1..=10).contains(n))
                            .ok_or_else(|| {
                                bad_option(
                                    "`maxCount` must be a whole number from 1 to 10".to_string(),
                                )
                            })? as u32
                }
                "maxPromptLength" => {
                    allow.max_prompt_length =
                        Some(val.as_u64().filter(|n| *n >= 1).ok_or_else(|| {
                            bad_option(
                                "`maxPromptLength` must be a positive whole number".to_string(),
                            )
                        })? as usize)
                }
                "values" => {
                    let map = val
                        .as_object()
                        .ok_or_else(|| bad_option("`values` must be an object".to_string()))?;
                    for (name, list) in map.iter() {
                        let f = Field::from_name(name)
                            .ok_or_else(|| bad_option(format!("{name} is not a request field")))?;
                        let items: Option<Vec<String>> = list
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .map(|x| x.as_str().map(str::to_string))
                                    .collect::<Option<Vec<_>>>()
                            })
                            .unwrap_or(None);
                        let items = items.ok_or_else(|| {
                            bad_option(format!("values.{name} must be an array of strings"))
                        })?;
                        allow.values.push((f, items));
                    }
                }
                other => return Err(bad_option(format!("unknown setting `{other}`"))),
            }
        }
        if allow.references && !allow.fields.contains(&Field::References) {
            allow.fields.push(Field::References);
        }
        Ok(allow)
    }

    /// What in `req` (already valid for the provider) browsers may not ask for.
    pub fn check(&self, req: &Json) -> Vec<Issue> {
        let mut issues = Vec::new();
        let Some(map) = req.as_object() else {
            return issues;
        };
        for (name, value) in map.iter() {
            if value.is_null() {
                continue;
            }
            let Some(field) = Field::from_name(name) else {
                continue;
            };
            let permitted =
                self.fields.contains(&field) && (field != Field::References || self.references);
            if !permitted {
                issues.push(Issue::new(
                    name.clone(),
                    IssueCode::NotAllowed,
                    format!("this service does not accept `{name}`"),
                ));
                continue;
            }
            if let Some((_, allowed)) = self.values.iter().find(|(f, _)| *f == field) {
                if let Some(s) = value.as_str() {
                    if !allowed.iter().any(|a| a == s) {
                        issues.push(Issue::new(
                            name.clone(),
                            IssueCode::NotAllowed,
                            format!(
                                "this service accepts only {} for `{name}`",
                                allowed.join(", ")
                            ),
                        ));
                    }
                }
            }
        }
        if let Some(n) = map.get("count").and_then(Json::as_u64) {
            if n > u64::from(self.max_count) {
                issues.push(Issue::new(
                    "count",
                    IssueCode::OutOfRange,
                    format!(
                        "this service makes at most {} images per request",
                        self.max_count
                    ),
                ));
            }
        }
        if let (Some(max), Some(p)) = (
            self.max_prompt_length,
            map.get("prompt").and_then(Json::as_str),
        ) {
            if p.trim().encode_utf16().count() > max {
                issues.push(Issue::new(
                    "prompt",
                    IssueCode::TooLong,
                    format!("this service accepts prompts of at most {max} characters"),
                ));
            }
        }
        issues
    }
}

/// What a status token holds (sealed, so the browser can read none of it).
pub fn token_payload(handle: &Handle, expires_at: f64) -> Json {
    json!({
        "p": handle.provider.id(),
        "j": handle.job_id,
        "k": handle.idempotency_key,
        "t": handle.submitted_at,
        "x": expires_at,
        "q": handle.quality,
        "c": handle.count,
        "f": handle.output_format,
    })
}

/// The handle a token names, if it is for this provider and not expired.
pub fn token_handle(payload: &Json, provider: Provider, now: f64) -> Option<Handle> {
    let p = Provider::from_id(payload.get("p")?.as_str()?)?;
    let expires = payload.get("x")?.as_f64()?;
    if p != provider || now > expires {
        return None;
    }
    let text = |k: &str| payload.get(k).and_then(Json::as_str).map(str::to_string);
    let handle = json!({
        "v": HANDLE_VERSION,
        "provider": p.id(),
        "jobId": text("j")?,
        "idempotencyKey": text("k")?,
        "submittedAt": payload.get("t")?.as_f64()?,
        "deadline": expires,
        "quality": text("q"),
        "count": payload.get("c").and_then(Json::as_u64).unwrap_or(1),
        "outputFormat": text("f"),
    });
    Handle::from_json(&handle).ok()
}

/// A job as a browser may see it: status, progress, images, error, cost.
pub fn public_job(job: &Job) -> Json {
    let images: Vec<Json> = job
        .images
        .iter()
        .map(|i| {
            let mut o = json!({ "mimeType": i.mime_type, "width": i.width, "height": i.height });
            if let Some(u) = &i.url {
                o.set("url", json!(u));
            }
            if let Some(b) = &i.b64 {
                o.set("b64", json!(b));
            }
            if let Some(e) = &i.expires_at {
                o.set("expiresAt", json!(e));
            }
            o
        })
        .collect();
    json!({
        "status": job.status.as_str(),
        "progress": job.progress,
        "images": images,
        "error": job.error.as_ref().map(|e| json!({ "code": e.code, "message": e.message })),
        "cost": job.cost.as_ref().map(|c| json!({ "credits": c.credits, "usd": c.usd, "exact": c.exact })),
    })
}

/// A refusal body: `{ error: { code, message, issues? } }`.
pub fn refusal(code: &str, message: &str, issues: &[Issue]) -> Json {
    let mut e = json!({ "code": code, "message": message });
    if !issues.is_empty() {
        e.set(
            "issues",
            Json::Array(issues.iter().map(Issue::to_json).collect()),
        );
    }
    json!({ "error": e })
}

/// The status and body a browser gets for an error of the client. Refusals
/// about the request are passed on; what concerns the account (its key,
/// credits, the provider's own wording) is not.
pub fn public_error(e: &Error) -> (u16, Json) {
    let (status, code, message): (u16, &str, &str) = match e.code {
        ErrorCode::InvalidRequest if !e.issues.is_empty() => {
            (400, "INVALID_REQUEST", e.message.as_str())
        }
        ErrorCode::InvalidRequest => (
            502,
            "PROVIDER_ERROR",
            "the image service refused the request",
        ),
        ErrorCode::BudgetExceeded => (
            402,
            "BUDGET_EXCEEDED",
            "the request costs more than this service allows",
        ),
        ErrorCode::RateLimited => (429, "RATE_LIMITED", "too many requests; try again later"),
        ErrorCode::NotFound => (404, "NOT_FOUND", "no such job"),
        ErrorCode::DeadlineExceeded | ErrorCode::Timeout => {
            (504, "TIMEOUT", "the image service did not answer in time")
        }
        ErrorCode::OutcomeUnknown => (
            502,
            "OUTCOME_UNKNOWN",
            "the image service may have accepted the request; do not send it again",
        ),
        ErrorCode::JobFailed => (422, "JOB_FAILED", "the image could not be made"),
        _ => (502, "PROVIDER_ERROR", "the image service is unavailable"),
    };
    (status, refusal(code, message, &e.issues))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::JobStatus;

    #[test]
    fn routes() {
        let b = "/api/images";
        assert_eq!(route("POST", "/api/images/generate", b), Route::Generate);
        assert_eq!(
            route("GET", "/api/images/jobs/abc_DEF-1", b),
            Route::Job("abc_DEF-1".into())
        );
        assert_eq!(route("POST", "/api/images/webhook", b), Route::Webhook);
        assert_eq!(
            route("OPTIONS", "/api/images/generate", b),
            Route::Preflight
        );
        assert_eq!(
            route("GET", "/api/images/generate", b),
            Route::WrongMethod("POST")
        );
        assert_eq!(
            route("POST", "/api/images/jobs/x", b),
            Route::WrongMethod("GET")
        );
        for p in [
            "/api/images",
            "/api/images/",
            "/api/images/jobs/",
            "/api/images/jobs/a/b",
            "/api/imagesx/generate",
            "/other",
        ] {
            assert_eq!(route("GET", p, b), Route::NotFound, "{p}");
        }
        assert_eq!(normalize_base_path("api/images/"), "/api/images");
    }

    #[test]
    fn origins() {
        let own = "https://app.example.com";
        assert!(origin_allowed(None, own, &[]));
        assert!(origin_allowed(Some(own), own, &[]));
        assert!(!origin_allowed(Some("https://evil.example.com"), own, &[]));
        assert!(origin_allowed(
            Some("https://other.example.com"),
            own,
            &["https://other.example.com".into()]
        ));
        assert!(origin_allowed(
            Some("https://any.example.com"),
            own,
            &["*".into()]
        ));
    }

    #[test]
    fn the_default_allow_list_keeps_urls_away_from_browsers() {
        let a = Allow::default();
        assert!(a
            .check(&json!({ "prompt": "x", "quality": "high", "count": 4 }))
            .is_empty());
        let issues = a.check(&json!({ "prompt": "x", "references": ["https://x.example.com/a.png"], "webhookUrl": "https://h.example.com", "count": 5 }));
        let got: Vec<(&str, &str)> = issues
            .iter()
            .map(|i| (i.path.as_str(), i.code.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("references", "not_allowed"),
                ("webhookUrl", "not_allowed"),
                ("count", "out_of_range")
            ]
        );
    }

    #[test]
    fn allow_lists_narrow_fields_and_values() {
        let a = Allow::from_json(&json!({ "fields": ["quality", "count"], "maxCount": 2, "values": { "quality": ["low", "medium"] }, "maxPromptLength": 10 })).unwrap();
        assert!(a
            .check(&json!({ "prompt": "a cat", "quality": "low", "count": 2 }))
            .is_empty());
        let issues = a.check(&json!({ "prompt": "a very long prompt", "quality": "high", "count": 3, "aspectRatio": "1:1" }));
        let got: Vec<(&str, &str)> = issues
            .iter()
            .map(|i| (i.path.as_str(), i.code.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("quality", "not_allowed"),
                ("aspectRatio", "not_allowed"),
                ("count", "out_of_range"),
                ("prompt", "too_long")
            ]
        );
        assert!(Allow::from_json(&json!({ "fields": ["webhookUrl"] })).is_err());
        assert!(Allow::from_json(&json!({ "fields": ["nope"] })).is_err());
        assert!(Allow::from_json(&json!({ "maxCount": 11 })).is_err());
        assert!(Allow::from_json(&json!({ "surprise": 1 })).is_err());
        assert!(Allow::from_json(&json!({ "references": true }))
            .unwrap()
            .check(&json!({ "prompt": "x", "references": [] }))
            .is_empty());
    }

    #[test]
    fn tokens_name_the_job_until_they_expire() {
        let h = Handle {
            provider: Provider::Apiframe,
            job_id: Some("b2c3".into()),
            idempotency_key: "k".into(),
            submitted_at: 1000.0,
            deadline: 2000.0,
            quality: Some("low".into()),
            count: 1,
            output_format: None,
            estimate: None,
            result: None,
            request: None,
        };
        let payload = token_payload(&h, 5000.0);
        let back = token_handle(&payload, Provider::Apiframe, 4000.0).unwrap();
        assert_eq!(
            (back.job_id.as_deref(), back.quality.as_deref()),
            (Some("b2c3"), Some("low"))
        );
        assert!(
            token_handle(&payload, Provider::Apiframe, 6000.0).is_none(),
            "expired"
        );
        assert!(
            token_handle(&payload, Provider::Openai, 4000.0).is_none(),
            "another provider"
        );
        assert!(token_handle(&json!({ "p": "apiframe" }), Provider::Apiframe, 0.0).is_none());
    }

    #[test]
    fn browsers_see_a_filtered_job_and_safe_errors() {
        let mut job = Job::new(
            Provider::Apiframe,
            Some("raw-id".into()),
            JobStatus::Succeeded,
            "COMPLETED",
        );
        job.images.push(crate::job::Image {
            url: Some("https://cdn/a.png".into()),
            seed: Some("7".into()),
            ..Default::default()
        });
        let v = public_job(&job);
        assert_eq!(v["status"], "succeeded");
        assert!(!v.to_string().contains("raw-id") && !v.to_string().contains("COMPLETED"));
        let (s, body) = public_error(&Error::new(
            ErrorCode::Unauthorized,
            "Apiframe answered 401: Invalid API key afk_x",
        ));
        assert_eq!(
            (s, body["error"]["code"].as_str()),
            (502, Some("PROVIDER_ERROR"))
        );
        assert!(!body.to_string().contains("afk_x"));
        assert_eq!(
            public_error(&Error::new(ErrorCode::RateLimited, "x")).0,
            429
        );
        assert_eq!(
            public_error(&Error::new(ErrorCode::BudgetExceeded, "x")).0,
            402
        );
        assert_eq!(
            public_error(&Error::invalid_request(
                Provider::Openai,
                vec![Issue::new("prompt", IssueCode::Empty, "blank")]
            ))
            .0,
            400
        );
    }
}
