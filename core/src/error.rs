//! One error type with a stable code that JavaScript can branch on.

use crate::issue::Issue;
use crate::json;
use crate::json::Json;
use crate::provider::Provider;
use crate::redact::KeyGuard;
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

    /// Hide the key, in any of its forms ([`KeyGuard`]), in every text
    /// this error carries.
    pub fn redact(mut self, guard: &KeyGuard) -> Error {
        let scrub = |s: &mut String| {
            if let Some(clean) = guard.scrub(s) {
                *s = clean;
            }
        };
        scrub(&mut self.message);
        if let Some(id) = self.job_id.as_mut() {
            scrub(id);
        }
        for issue in &mut self.issues {
            scrub(&mut issue.message);
            if let Some(clean) = guard.scrub(&issue.path) {
                issue.path = clean.into();
            }
        }
        let data = &mut *self.0;
        for v in [data.details.as_mut(), data.handle.as_mut()]
            .into_iter()
            .flatten()
        {
            guard.scrub_value(v);
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
                crate::json::Json::Array(self.issues.iter().map(Issue::to_json).collect()),
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
