//! One error type with a stable code that JavaScript can branch on.

use crate::issue::Issue;
use crate::json;
use crate::json::Json;
use crate::provider::Provider;
use std::fmt;

/// The stable error codes. Renaming one is a breaking change (a test pins them).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The request failed validation (ours, before sending, or the provider's 400).
    InvalidRequest,
    /// The provider rejected the key (401).
    Unauthorized,
    /// The key is valid but not allowed to do this (403).
    Forbidden,
    /// The account has too few credits (402).
    InsufficientCredits,
    /// Too many requests (429); `retry_after_ms` says when to try again.
    RateLimited,
    /// The job or path does not exist (404).
    NotFound,
    /// The provider failed (5xx) or answered with an unexpected status.
    ProviderError,
    /// The request could not be sent or its answer not received.
    Network,
    /// One HTTP request took longer than its timeout.
    Timeout,
    /// The job did not finish before the overall deadline; its handle is attached.
    DeadlineExceeded,
    /// The caller's AbortSignal fired.
    Aborted,
    /// The job ended failed or cancelled.
    JobFailed,
    /// A submit was sent but no answer came back, and it could not safely be
    /// retried: the job may exist and be billed; the error carries what is
    /// needed to look for it.
    OutcomeUnknown,
    /// The provider's answer could not be read.
    Decode,
    /// The estimate is above the caller's `maxCostUsd`.
    BudgetExceeded,
    /// A keyed client was created in a browser without `dangerouslyAllowBrowser`.
    BrowserKey,
}

impl ErrorCode {
    /// Every code, for tables and tests.
    pub const ALL: [ErrorCode; 16] = [
        ErrorCode::InvalidRequest,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::InsufficientCredits,
        ErrorCode::RateLimited,
        ErrorCode::NotFound,
        ErrorCode::ProviderError,
        ErrorCode::Network,
        ErrorCode::Timeout,
        ErrorCode::DeadlineExceeded,
        ErrorCode::Aborted,
        ErrorCode::JobFailed,
        ErrorCode::OutcomeUnknown,
        ErrorCode::Decode,
        ErrorCode::BudgetExceeded,
        ErrorCode::BrowserKey,
    ];

    /// The SCREAMING_SNAKE_CASE code JavaScript sees as `err.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "INVALID_REQUEST",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::InsufficientCredits => "INSUFFICIENT_CREDITS",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::ProviderError => "PROVIDER_ERROR",
            ErrorCode::Network => "NETWORK",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::DeadlineExceeded => "DEADLINE_EXCEEDED",
            ErrorCode::Aborted => "ABORTED",
            ErrorCode::JobFailed => "JOB_FAILED",
            ErrorCode::OutcomeUnknown => "OUTCOME_UNKNOWN",
            ErrorCode::Decode => "DECODE",
            ErrorCode::BudgetExceeded => "BUDGET_EXCEEDED",
            ErrorCode::BrowserKey => "BROWSER_KEY",
        }
    }

    /// Whether the same call may succeed if tried again later.
    pub fn default_retryable(self) -> bool {
        matches!(
            self,
            ErrorCode::RateLimited | ErrorCode::Network | ErrorCode::Timeout
        )
    }
}

/// An error from this library. Its message never contains the API key.
///
/// The data lives in a box so that `Result<T, Error>` stays small; fields are
/// read through `Deref` (`err.code`, `err.message`).
#[derive(Clone, PartialEq)]
pub struct Error(Box<ErrorData>);

/// What an [`Error`] carries.
#[derive(Clone, PartialEq)]
pub struct ErrorData {
    /// What kind of failure.
    pub code: ErrorCode,
    /// A sentence saying what happened and what to do.
    pub message: String,
    /// The HTTP status, when one was received.
    pub status: Option<u16>,
    /// The provider involved.
    pub provider: Option<Provider>,
    /// Whether trying again may help.
    pub retryable: bool,
    /// How long the provider asked us to wait (Retry-After).
    pub retry_after_ms: Option<u64>,
    /// The provider's job id, when known.
    pub job_id: Option<String>,
    /// Validation issues (for `INVALID_REQUEST` raised before sending).
    pub issues: Vec<Issue>,
    /// Structured details from the provider (already free of secrets).
    pub details: Option<Json>,
    /// A resumable job handle, when a job exists or may exist.
    pub handle: Option<Json>,
}

impl Error {
    /// A new error with the code's default retryability.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error(Box::new(ErrorData {
            code,
            message: message.into(),
            status: None,
            provider: None,
            retryable: code.default_retryable(),
            retry_after_ms: None,
            job_id: None,
            issues: Vec::new(),
            details: None,
            handle: None,
        }))
    }

    /// `INVALID_REQUEST` carrying every validation issue.
    pub fn invalid_request(provider: Provider, issues: Vec<Issue>) -> Error {
        let mut summary = String::new();
        for (i, issue) in issues.iter().enumerate() {
            if i > 0 {
                summary.push_str("; ");
            }
            summary.push_str(&issue.to_string());
        }
        let mut e = Error::new(
            ErrorCode::InvalidRequest,
            format!(
                "the request is not valid for {}: {summary}",
                provider.display_name()
            ),
        )
        .with_provider(provider);
        e.issues = issues;
        e
    }

    /// Set the provider.
    pub fn with_provider(mut self, p: Provider) -> Error {
        self.provider = Some(p);
        self
    }

    /// Set the HTTP status.
    pub fn with_status(mut self, s: u16) -> Error {
        self.status = Some(s);
        self
    }

    /// Set retryability.
    pub fn retryable(mut self, r: bool) -> Error {
        self.retryable = r;
        self
    }

    /// Set the job id.
    pub fn with_job_id(mut self, id: impl Into<String>) -> Error {
        self.job_id = Some(id.into());
        self
    }

    /// Attach a resumable handle.
    pub fn with_handle(mut self, handle: Json) -> Error {
        self.handle = Some(handle);
        self
    }

    /// Attach provider details.
    pub fn with_details(mut self, details: Json) -> Error {
        self.details = Some(details);
        self
    }

    /// Remove every occurrence of `secret` from every text this error carries.
    pub fn redact(mut self, secret: &str) -> Error {
        if secret.is_empty() {
            return self;
        }
        let scrub = |s: &mut String| {
            if let Some(clean) = without(s, secret) {
                *s = clean;
            }
        };
        scrub(&mut self.message);
        if let Some(id) = self.job_id.as_mut() {
            scrub(id);
        }
        for issue in &mut self.issues {
            scrub(&mut issue.message);
            if let Some(clean) = without(&issue.path, secret) {
                issue.path = clean.into();
            }
        }
        let data = &mut *self.0;
        for v in [data.details.as_mut(), data.handle.as_mut()]
            .into_iter()
            .flatten()
        {
            redact_value(v, secret);
        }
        self
    }

    /// The fields JavaScript sees on the thrown `Error` (besides `message`).
    pub fn to_json(&self) -> Json {
        let mut o = json!({
            "code": self.code.as_str(),
            "message": self.message,
            "status": self.status,
            "provider": self.provider.map(Provider::id),
            "retryable": self.retryable,
        });
        if let Some(ms) = self.retry_after_ms {
            o.set("retryAfterMs", json!(ms));
        }
        if let Some(id) = &self.job_id {
            o.set("jobId", json!(id));
        }
        if !self.issues.is_empty() {
            o.set(
                "issues",
                crate::json::array(&mut self.issues.iter().map(Issue::to_json)),
            );
        }
        if let Some(d) = &self.details {
            o.set("details", d.clone());
        }
        if let Some(h) = &self.handle {
            o.set("handle", h.clone());
        }
        o
    }
}

/// The shortest run of a key that counts as a leak: any 16 characters of it
/// (a shorter key counts whole). Text an upstream echoes may have been cut
/// anywhere, by it or by us, so whole-key matching is not enough.
pub const KEY_FRAGMENT_LEN: usize = 16;

/// `text` with every run of [`KEY_FRAGMENT_LEN`] or more bytes that also
/// occurs in `secret` replaced by `[REDACTED]`, or `None` when there is none.
/// Each text position is compared with the key's windows that start with
/// the same byte: a handful for a random key.
pub fn without(text: &str, secret: &str) -> Option<String> {
    let (hay, key) = (text.as_bytes(), secret.as_bytes());
    let w = KEY_FRAGMENT_LEN.min(key.len());
    if w == 0 || hay.len() < w {
        return None;
    }
    // Where in the key each byte value starts a window (no sort, no hash:
    // a text position is compared only with windows that begin alike).
    let mut starts: Vec<Vec<usize>> = vec![Vec::new(); 256];
    for i in 0..=key.len() - w {
        starts[usize::from(key[i])].push(i);
    }
    // Byte ranges to hide, merged as they are found (they come in order).
    let mut hidden: Vec<(usize, usize)> = Vec::new();
    for (i, window) in hay.windows(w).enumerate() {
        let found = starts[usize::from(window[0])]
            .iter()
            .any(|&k| key.get(k..k + w) == Some(window));
        if found {
            match hidden.last_mut() {
                Some(last) if last.1 >= i => last.1 = i + w,
                _ => hidden.push((i, i + w)),
            }
        }
    }
    if hidden.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (mut start, mut end) in hidden {
        // Whole characters only (a multi-byte key can match mid-character).
        while start > copied && !text.is_char_boundary(start) {
            start -= 1;
        }
        while end < text.len() && !text.is_char_boundary(end) {
            end += 1;
        }
        if start < copied {
            start = copied;
        }
        out.push_str(text.get(copied..start).unwrap_or_default());
        if !out.ends_with("[REDACTED]") {
            out.push_str("[REDACTED]");
        }
        copied = end.max(copied);
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    Some(out)
}

/// `text` with every run of the key removed ([`without`]), then cut to
/// `max` characters: redacting first means a cut can never leave a piece of
/// the key that no longer matches whole.
pub fn redact_then_cut(text: &str, secret: &str, max: usize) -> String {
    let clean = without(text, secret);
    let text = clean.as_deref().unwrap_or(text);
    let mut out: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// Strings longer than this are image data (base64), not text anyone reads:
/// [`redact_value`] leaves them as they are rather than scan megabytes.
pub const REDACT_SCAN_MAX: usize = 64 * 1024;

/// Replace every run of `secret` ([`without`]) in every string and key of a
/// JSON value, but strings longer than [`REDACT_SCAN_MAX`].
pub fn redact_value(v: &mut Json, secret: &str) {
    match v {
        Json::String(s) if s.len() > REDACT_SCAN_MAX => {}
        Json::String(s) => {
            if let Some(clean) = without(s, secret) {
                *s = clean;
            }
        }
        Json::Array(items) => items.iter_mut().for_each(|i| redact_value(i, secret)),
        Json::Object(map) => {
            let keys: Vec<String> = map
                .keys()
                .filter(|k| without(k, secret).is_some())
                .cloned()
                .collect();
            for k in keys {
                if let (Some(val), Some(clean)) = (map.remove(&k), without(&k, secret)) {
                    map.insert(clean, val);
                }
            }
            map.values_mut().for_each(|i| redact_value(i, secret));
        }
        _ => {}
    }
}

impl std::ops::Deref for Error {
    type Target = ErrorData;
    fn deref(&self) -> &ErrorData {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut ErrorData {
        &mut self.0
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("code", &self.code.as_str())
            .field("message", &self.message)
            .field("status", &self.status)
            .field("provider", &self.provider.map(Provider::id))
            .field("retryable", &self.retryable)
            .field("job_id", &self.job_id)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::{redact_then_cut, without, KEY_FRAGMENT_LEN};

    /// An OpenAI project key's shape and length (164 characters).
    fn project_key() -> String {
        let body: String = (0..156)
            .map(|i| b"AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-"[(i * 7 + 3) % 38] as char)
            .collect();
        format!("sk-proj-{body}")
    }

    /// The longest run of `key` that occurs in `text`.
    fn longest_run(text: &str, key: &str) -> usize {
        let mut best = 0;
        for i in 0..key.len() {
            for j in (i + best + 1)..=key.len() {
                if text.contains(&key[i..j]) {
                    best = j - i;
                } else {
                    break;
                }
            }
        }
        best
    }

    #[test]
    fn without_replaces_every_occurrence() {
        assert_eq!(
            without("a KEY b KEYKEY", "KEY").as_deref(),
            Some("a [REDACTED] b [REDACTED]")
        );
        assert_eq!(without("é KEY é", "KEY").as_deref(), Some("é [REDACTED] é"));
        assert_eq!(without("nothing", "KEY"), None);
        assert_eq!(without("KE", "KEY"), None);
        assert_eq!(without("x", ""), None);
    }

    #[test]
    fn no_piece_of_a_long_key_survives_redaction_or_a_cut() {
        let key = project_key();
        assert_eq!(key.len(), 164);
        // The key whole, its pieces on both sides of every cut, and inside words.
        for cut in [0, 1, 15, 16, 17, 24, 100, 150, 163] {
            for text in [
                format!("Incorrect API key provided: {key}."),
                format!("key {}", &key[..cut]),
                format!("{}... was refused", &key[cut..]),
                format!("x{}y{}z", &key[..cut], &key[cut..]),
            ] {
                let clean = without(&text, &key).unwrap_or(text.clone());
                assert!(longest_run(&clean, &key) < KEY_FRAGMENT_LEN, "{clean}");
                for max in [10, 24, 30, 100, 200, 300] {
                    let out = redact_then_cut(&text, &key, max);
                    assert!(longest_run(&out, &key) < KEY_FRAGMENT_LEN, "{out}");
                    assert!(out.chars().count() <= max + 1);
                }
            }
        }
        // Shorter runs of the key are ordinary text: left alone.
        let short = &key[40..40 + KEY_FRAGMENT_LEN - 1];
        assert_eq!(without(&format!("a {short} b"), &key), None);
        // A key shorter than the fragment length counts whole.
        assert_eq!(
            without("a afk_sandbox b", "afk_sandbox").as_deref(),
            Some("a [REDACTED] b")
        );
    }

    #[test]
    fn redaction_reads_a_megabyte_text() {
        let key = project_key();
        let text = "A".repeat(1 << 20) + &key;
        let out = without(&text, &key).unwrap();
        assert!(out.ends_with("[REDACTED]") && out.len() == (1 << 20) + 10);
    }
}
