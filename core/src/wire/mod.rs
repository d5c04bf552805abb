//! What every provider's wire format shares, sans-IO: the plan of a
//! submit, the context answers are read in, error answers in any of the
//! providers' shapes, and the small builders the provider modules use. The
//! paths, fields and answer shapes of each provider are in its own module
//! (`crate::providers`).

pub mod images_api;

use crate::error::{Error, ErrorCode};
/// The answers the parsers read (defined with the other HTTP values).
pub use crate::http::ResponseBody;
use crate::http::{self, Body, HttpRequest};
use crate::job::Job;
use crate::json;
use crate::json::Json;
use crate::price::PriceOptions;
use crate::provider::{Model, Provider};
use crate::request::ImageRequest;
use crate::Target;

/// Longest `Idempotency-Key` accepted (Apiframe's limit, the strictest documented).
pub const IDEMPOTENCY_KEY_MAX: usize = 255;

/// Images a submit must upload as a multipart body: the server downloads
/// each URL (or decodes each `data:` URL) and sends the bytes as file parts
/// alongside the text fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultipartPlan {
    /// Text form fields, in order.
    pub fields: Vec<(String, String)>,
    /// Images to attach, as `file_field` parts: URLs to download, or `data:` URLs.
    pub files: Vec<String>,
    /// The form field of each image (`image[]`).
    pub file_field: &'static str,
    /// The mask to attach as the `mask` part, likewise.
    pub mask: Option<String>,
}

/// What to send to submit a request.
#[derive(Clone, Debug, PartialEq)]
pub struct SubmitPlan {
    /// The request (for a multipart plan its body is empty until encoded).
    pub request: HttpRequest,
    /// How many times to send it (getimg serves N images as N calls).
    pub calls: u32,
    /// Set when the images are uploaded in a multipart body.
    pub multipart: Option<MultipartPlan>,
}

/// What the parser needs beyond status and body.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParseContext {
    /// How to price credits.
    pub price: PriceOptions,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The output format asked for (an answer may not say).
    pub output_format: Option<String>,
    /// The model asked for, whose tariff prices the answer (default: the provider's).
    pub model: Option<&'static Model>,
    /// The quality asked for, where an answer does not say and it prices the images.
    pub quality: Option<String>,
}

impl ParseContext {
    /// The model whose tariff prices `provider`'s answer.
    pub fn model_of(&self, provider: Provider) -> &'static Model {
        self.model.unwrap_or_else(|| provider.default_model())
    }
}

/// What one server-sent event of a streamed generation says.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamStep {
    /// A partial image: its index (from 0) and base64 bytes.
    Partial {
        /// Which partial image of its image (from 0).
        index: u32,
        /// The image, base64.
        b64: String,
        /// Its type.
        mime_type: String,
        /// The size the event reports.
        size: Option<String>,
    },
    /// A finished image, with the exact cost from `usage`.
    Completed(Job),
    /// The stream ended the job with an error.
    Failed(Error),
    /// Anything else (a future event type): skipped.
    Other,
}

/// Check a caller's idempotency key: 1..255 visible ASCII characters.
pub fn check_idempotency_key(provider: Provider, key: &str) -> Result<(), Error> {
    let ok = !key.is_empty()
        && key.len() <= IDEMPOTENCY_KEY_MAX
        && key.bytes().all(|b| (0x21..0x7f).contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::InvalidRequest,
            format!("idempotencyKey must be 1 to {IDEMPOTENCY_KEY_MAX} visible ASCII characters"),
        )
        .with_provider(provider))
    }
}

/// The headers of every request to `target`: its auth (unless a caller's
/// header carries the credential instead), then the caller's own.
pub(crate) fn auth_headers(target: &Target) -> Vec<(String, String)> {
    headers_of(target)
}

/// See [`auth_headers`].
fn headers_of(target: &Target) -> Vec<(String, String)> {
    let mut h = if target.api_key.expose().is_empty() {
        Vec::new()
    } else {
        target.provider.spec().auth.headers(&target.api_key)
    };
    h.extend(target.headers.iter().cloned());
    h
}

/// Build the submit request for `req` (already validated for the provider).
pub fn build_submit(
    target: &Target,
    req: &ImageRequest,
    idempotency_key: Option<&str>,
) -> Result<SubmitPlan, Error> {
    let provider = target.provider;
    if let Some(k) = idempotency_key {
        check_idempotency_key(provider, k)?;
    }
    let mut plan = provider.wire().submit(target, req, headers_of(target));
    if let (Some(k), true) = (idempotency_key, provider.sends_idempotency_key()) {
        plan.request
            .headers
            .push(("Idempotency-Key".to_string(), k.to_string()));
    }
    Ok(plan)
}

/// Shortest deadline Replicate takes (`Cancel-After`: "the minimum
/// allowed duration is 5 seconds").
const CANCEL_AFTER_MIN_S: f64 = 5.0;

/// Give the submit `request` the job's deadline, `remaining_ms` from now,
/// where `provider` takes one: a job nobody waits for is then not run.
pub fn add_deadline(provider: Provider, request: &mut HttpRequest, remaining_ms: f64) {
    if !remaining_ms.is_finite() {
        return;
    }
    let secs = (remaining_ms / 1000.0).ceil();
    let header = match provider.deadline() {
        crate::provider::Deadline::None => return,
        crate::provider::Deadline::CancelAfter => (
            "Cancel-After",
            format!(
                "{}s",
                crate::json::number_text(secs.max(CANCEL_AFTER_MIN_S))
            ),
        ),
        crate::provider::Deadline::StartTimeout => (
            "X-Fal-Request-Start-Timeout",
            crate::json::number_text(secs.max(1.0)),
        ),
    };
    request.headers.push((header.0.to_string(), header.1));
}

/// Build the poll request for an asynchronous provider's job.
pub fn build_poll(target: &Target, job_id: &str) -> Result<HttpRequest, Error> {
    let provider = target.provider;
    if job_id.is_empty() {
        return Err(
            Error::new(ErrorCode::InvalidRequest, "the job id is empty").with_provider(provider)
        );
    }
    let id = http::encode_segment(job_id);
    provider
        .wire()
        .poll(target, headers_of(target), &id)
        .ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidRequest,
                format!(
                    "{} answers synchronously; there is no job to poll",
                    provider.display_name()
                ),
            )
            .with_provider(provider)
        })
}

/// Parse any answer `provider` can send into a job, or a coded error.
pub fn parse_response(
    provider: Provider,
    status: u16,
    body: &ResponseBody,
    ctx: &ParseContext,
) -> Result<Job, Error> {
    if !(200..300).contains(&status) {
        return Err(status_error(provider, status, body, ctx));
    }
    let Some(value) = body.json() else {
        return Err(Error::new(
            ErrorCode::Decode,
            format!(
                "{} answered {status} with a body that is not JSON: {}",
                provider.display_name(),
                snippet(body)
            ),
        )
        .with_provider(provider)
        .with_status(status)
        .retryable(true));
    };
    if !value.is_object() {
        return Err(decode_error(
            provider,
            status,
            "the answer is not a JSON object",
        ));
    }
    provider
        .wire()
        .parse(provider, value, ctx)
        .map_err(|e| e.with_status(status))
}

/// A `DECODE` error for a 2xx answer of the wrong shape.
pub(crate) fn decode_error(provider: Provider, status: u16, why: &str) -> Error {
    Error::new(
        ErrorCode::Decode,
        format!(
            "{} answered {status} with an unexpected shape: {why}",
            provider.display_name()
        ),
    )
    .with_provider(provider)
    .with_status(status)
    .retryable(true)
}

/// The error for a non-2xx answer, in whichever error shape the provider used.
fn status_error(provider: Provider, status: u16, body: &ResponseBody, ctx: &ParseContext) -> Error {
    let value = body.json();
    let said = value
        .and_then(provider_message)
        .unwrap_or_else(|| snippet(body));
    // OpenAI reports an exhausted balance as 429 `insufficient_quota`.
    let out_of_money = status == 429
        && value
            .and_then(|v| v.get("error"))
            .and_then(|e| e.get("code"))
            .and_then(Json::as_str)
            == Some("insufficient_quota");
    let code = match status {
        _ if out_of_money => ErrorCode::InsufficientCredits,
        400 | 422 => ErrorCode::InvalidRequest,
        401 => ErrorCode::Unauthorized,
        402 => ErrorCode::InsufficientCredits,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        408 => ErrorCode::Timeout,
        429 => ErrorCode::RateLimited,
        _ => ErrorCode::ProviderError,
    };
    let retryable = match status {
        _ if out_of_money => false,
        408 | 429 => true,
        501 => false,
        500..=599 => true,
        _ => false,
    };
    let name = provider.display_name();
    let said = if said.is_empty() {
        "no details".to_string()
    } else {
        said
    };
    let mut err = Error::new(code, format!("{name} answered {status}: {said}"))
        .with_provider(provider)
        .with_status(status)
        .retryable(retryable);
    err.retry_after_ms = http::retry_after_ms(ctx.retry_after.as_deref());
    if let Some(details) = value.and_then(error_details) {
        err = err.with_details(details);
    }
    err
}

/// The human message in any of the providers' error shapes.
pub(crate) fn provider_message(v: &Json) -> Option<String> {
    let text = match v.get("error") {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Object(o)) => o
            .get("message")
            .or_else(|| o.get("code"))
            .or_else(|| o.get("type"))
            .and_then(Json::as_str)?
            .to_string(),
        _ => v.get("message").and_then(Json::as_str)?.to_string(),
    };
    Some(clean_text(&text, 300))
}

/// Structured details worth keeping: Apiframe's per-field `details` and credit
/// figures, OpenAI's `param`/`code`. Nothing else passes through.
fn error_details(v: &Json) -> Option<Json> {
    let mut out = crate::json::Map::new();
    if let Some(Json::Object(fields)) = v.get("details") {
        let mut clean = crate::json::Map::new();
        for (path, msgs) in fields.iter().take(50) {
            let msgs: Vec<Json> = msgs
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Json::as_str)
                        .take(10)
                        .map(|m| json!(clean_text(m, 200)))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            clean.insert(clean_text(path, 100), Json::Array(msgs));
        }
        out.insert("fields".to_string(), Json::Object(clean));
    }
    for k in ["creditsRequired", "creditsAvailable"] {
        if let Some(n) = v.get(k).filter(|n| n.is_number()) {
            out.insert(k.to_string(), n.clone());
        }
    }
    if let Some(Json::Object(e)) = v.get("error") {
        for k in ["param", "code", "type"] {
            if let Some(Json::String(s)) = e.get(k) {
                out.insert(k.to_string(), json!(clean_text(s, 100)));
            }
        }
    } else if let Some(Json::String(code)) = v.get("error") {
        let machine = !code.is_empty()
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if machine {
            out.insert("code".to_string(), json!(code));
        }
    }
    (!out.is_empty()).then_some(Json::Object(out))
}

/// A short, clean excerpt of a non-JSON body, for messages.
fn snippet(body: &ResponseBody) -> String {
    match body {
        ResponseBody::Json(_) => String::new(),
        ResponseBody::NotJson(t) => clean_text(t, 200),
    }
}

/// Collapse control characters and cut to `max` characters.
pub(crate) fn clean_text(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    if crate::text::char_count(s) > max {
        out.push('…');
    }
    out.trim().to_string()
}

/// A `GET` of JSON with these headers.
pub(crate) fn get(url: String, mut headers: Vec<(String, String)>) -> HttpRequest {
    headers.push(("Accept".to_string(), "application/json".to_string()));
    HttpRequest {
        method: "GET",
        url,
        headers,
        body: Body::Empty,
    }
}

pub(crate) fn post_json(
    url: String,
    mut headers: Vec<(String, String)>,
    body: Json,
) -> HttpRequest {
    headers.push(("Content-Type".to_string(), "application/json".to_string()));
    headers.push(("Accept".to_string(), "application/json".to_string()));
    HttpRequest {
        method: "POST",
        url,
        headers,
        body: Body::Json(body),
    }
}

/// A string field, or a number written as a string (seeds come both ways).
pub(crate) fn str_or_num(v: Option<&Json>) -> Option<String> {
    match v? {
        Json::String(s) => Some(clean_text(s, 10_000)),
        Json::Number(n) => Some(crate::json::number_text(*n)),
        _ => None,
    }
}

/// `image/<format>` of an image URL, from its path's extension.
pub(crate) fn mime_from_url(url: &str) -> Option<String> {
    let path = crate::text::before_any(url, b"?#");
    mime_of(&crate::text::after_last(path, b'.').to_ascii_lowercase())
}

/// A model id as path segments (`openai/gpt-image-2`), each one encoded.
pub(crate) fn model_path(model: &str) -> String {
    let mut path = String::new();
    for (i, segment) in model.split('/').enumerate() {
        if i > 0 {
            path.push('/');
        }
        path.push_str(&http::encode_segment(segment));
    }
    path
}

/// `image/<format>` for an output format.
pub(crate) fn mime_of(format: &str) -> Option<String> {
    match format {
        "png" | "jpeg" | "webp" => Some(format!("image/{format}")),
        "jpg" => Some("image/jpeg".to_string()),
        _ => None,
    }
}
