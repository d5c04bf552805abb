//! The provider APIs. Each module speaks its provider's wire format, including its
//! own error shape; this module holds what they share.

pub mod apiframe;
pub mod azure;
pub mod fal;
pub mod getimg;
pub mod gptimage2ai;
pub mod openai;
pub mod openrouter;
pub mod replicate;

use bytes::Bytes;
use hyper::header::AUTHORIZATION;
use hyper::{HeaderMap, Response};

use crate::app::App;
use crate::config::Provider;
use crate::http::Body;

/// A request as a provider handler sees it.
#[derive(Debug)]
pub struct Incoming<'a> {
    /// Request headers.
    pub headers: &'a HeaderMap,
    /// The query string, if any.
    pub query: Option<&'a str>,
    /// Whole body.
    pub body: Bytes,
}

impl Incoming<'_> {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The token of `Authorization: Bearer <token>`.
    pub fn bearer(&self) -> Option<&str> {
        let value = self.headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
        let (scheme, token) = value.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim())
            .filter(|t| !t.is_empty())
    }
}

/// The caller's key from `Authorization: Bearer`, if it belongs to `provider`.
pub fn authenticate_bearer(
    app: &App,
    req: &Incoming<'_>,
    provider: Provider,
) -> Result<String, Problem> {
    match req.bearer() {
        Some(key) if app.state().key_provider(key) == Some(provider) => Ok(key.to_string()),
        Some(_) => Err(Problem::Unauthorized { missing: false }),
        None => Err(Problem::Unauthorized { missing: true }),
    }
}

/// What a fault asks of the job a request creates or polls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JobFault {
    /// The job fails (and is refunded).
    pub fail: bool,
    /// The job reports an undocumented status while it runs.
    pub unknown_status: bool,
}

/// Failures every provider reports, each in its own shape.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// No key, or a key this provider does not know.
    Unauthorized {
        /// No key at all.
        missing: bool,
    },
    /// Too many requests.
    RateLimited {
        /// `Retry-After` seconds.
        retry_after: u64,
    },
    /// A 5xx from the provider.
    Upstream(u16),
    /// The body is not acceptable JSON (or form).
    InvalidBody(String),
    /// The body is larger than the endpoint accepts.
    TooLarge,
}

/// `problem` in `provider`'s error shape.
pub fn problem(provider: Provider, problem: &Problem) -> Response<Body> {
    let response = match provider {
        Provider::Apiframe => apiframe::problem(problem),
        Provider::GptImage2Ai => gptimage2ai::problem(problem),
        Provider::Getimg => getimg::problem(problem),
        Provider::OpenAi => openai::problem(problem),
        Provider::Azure => azure::problem(problem),
        Provider::OpenRouter => openrouter::problem(problem),
        Provider::Replicate => replicate::problem(problem),
        Provider::Fal => fal::problem(problem),
    };
    match problem {
        Problem::RateLimited { retry_after } => {
            crate::http::with_retry_after(response, *retry_after)
        }
        _ => response,
    }
}

/// Whether `s` is an absolute http(s) URL with a host.
pub fn is_http_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && !r.contains(char::is_whitespace)
    })
}
