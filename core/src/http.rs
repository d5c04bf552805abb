//! Plain HTTP values for sans-IO request building and response parsing.

use crate::error::{Error, ErrorCode};
use crate::json::Json;
use crate::provider::Provider;
use crate::url;
use std::fmt;

/// An API key. Its `Debug` never prints it and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wrap a key.
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into())
    }

    /// The key itself, for the one place that writes the auth header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([REDACTED])")
    }
}

/// Header names whose values are secrets.
pub const SECRET_HEADERS: [&str; 3] = ["authorization", "x-api-key", "proxy-authorization"];

/// A request body.
#[derive(Clone, PartialEq)]
pub enum Body {
    /// No body.
    Empty,
    /// A JSON value, serialised by whoever sends it (`JSON.stringify` in
    /// JavaScript, [`Json`]'s `Display` natively).
    Json(Json),
    /// Raw bytes (multipart).
    Bytes(Vec<u8>),
}

/// An HTTP request, ready for any HTTP client.
#[derive(Clone, PartialEq)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The absolute URL.
    pub url: String,
    /// Header name/value pairs.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
}

impl HttpRequest {
    /// The value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let secret = SECRET_HEADERS.iter().any(|s| k.eq_ignore_ascii_case(s));
                (k.as_str(), if secret { "[REDACTED]" } else { v.as_str() })
            })
            .collect();
        let body = match &self.body {
            Body::Empty => "empty".to_string(),
            Body::Json(_) => "json".to_string(),
            Body::Bytes(b) => format!("{} bytes", b.len()),
        };
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &body)
            .finish()
    }
}

/// A provider answer, already parsed: the caller parses the text (natively
/// with [`ResponseBody::from_text`], the same parser in WebAssembly).
#[derive(Clone, Debug, PartialEq)]
pub enum ResponseBody {
    /// A body that is JSON.
    Json(Json),
    /// A body that is not JSON (an HTML error page, a truncated answer).
    NotJson(String),
}

impl ResponseBody {
    /// Parse response text with the core's own JSON parser, as natively so
    /// in WebAssembly: ids and seeds beyond 2^53 keep their digits
    /// ([`Json::parse_answer`]).
    pub fn from_text(text: &str) -> ResponseBody {
        ResponseBody::of(text, Json::parse_answer(text))
    }

    /// [`ResponseBody::from_text`] reading numbers with `number` (see
    /// [`Json::parse_answer_with`]).
    pub fn from_text_with(text: &str, number: crate::json::NumberReader) -> ResponseBody {
        ResponseBody::of(text, Json::parse_answer_with(text, number))
    }

    fn of(text: &str, parsed: Result<Json, crate::json::ParseError>) -> ResponseBody {
        match parsed {
            Ok(v) => ResponseBody::Json(v),
            Err(_) => ResponseBody::NotJson(text.to_string()),
        }
    }

    /// The body with every run of `secret` removed, before anything reads
    /// it: whatever is cut to length later can no longer hold a piece of the
    /// key. (Image data, strings over 64 KiB, is passed as it came.)
    pub fn redacted(self, secret: &str) -> ResponseBody {
        match self {
            ResponseBody::Json(mut v) => {
                crate::error::redact_value(&mut v, secret);
                ResponseBody::Json(v)
            }
            ResponseBody::NotJson(t) => match crate::error::without(&t, secret) {
                Some(clean) => ResponseBody::NotJson(clean),
                None => ResponseBody::NotJson(t),
            },
        }
    }

    /// The body as JSON, if it is.
    pub(crate) fn json(&self) -> Option<&Json> {
        match self {
            ResponseBody::Json(v) => Some(v),
            ResponseBody::NotJson(_) => None,
        }
    }
}

/// An HTTP response as received, its body already parsed by the host.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Header name/value pairs (only those the parser needs are required).
    pub headers: Vec<(String, String)>,
    /// The body: JSON, or the text when it is not JSON.
    pub body: ResponseBody,
}

impl HttpResponse {
    /// The value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The origin (`scheme://host[:port]`) requests go to.
///
/// A `baseUrl` replaces only scheme, host and port; the provider's documented
/// path is always appended. Plain http is allowed only to loopback hosts, so a
/// key never crosses a network unencrypted.
pub fn origin(provider: Provider, base_url: Option<&str>) -> Result<String, Error> {
    let Some(base) = base_url else {
        return Ok(provider.default_base_url().to_string());
    };
    let bad = |why: String| {
        Err(Error::new(ErrorCode::InvalidRequest, format!("baseUrl {why}")).with_provider(provider))
    };
    let parsed = match url::parse(base) {
        Ok(u) => u,
        Err(url::UrlProblem::Invalid(why) | url::UrlProblem::Insecure(why)) => {
            return bad(format!("is not a valid URL: {why}"))
        }
    };
    if parsed.has_userinfo {
        return bad("must not carry credentials".to_string());
    }
    if !matches!(parsed.path_and_rest, "" | "/") {
        return bad(format!(
            "must be scheme://host[:port] only; the documented path is appended (got \"{}\")",
            parsed.path_and_rest
        ));
    }
    if parsed.scheme != "https" && !parsed.loopback {
        return bad("must use https unless it points at a loopback host".to_string());
    }
    Ok(match parsed.port {
        Some(port) => format!("{}://{}:{port}", parsed.scheme, parsed.host),
        None => format!("{}://{}", parsed.scheme, parsed.host),
    })
}

/// Whether an origin points at this machine (the sandbox, a dev proxy).
pub fn is_loopback_origin(origin: &str) -> bool {
    url::parse(origin).is_ok_and(|u| u.loopback)
}

/// Percent-encode one path segment.
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Read a `Retry-After` value (seconds, possibly fractional) as milliseconds.
///
/// HTTP dates are read as "soon" (1 s): comparing them needs a clock, and a
/// provider that sends dates would still be honoured by backoff.
pub fn retry_after_ms(value: Option<&str>) -> Option<u64> {
    let v = value?.trim();
    if v.is_empty() {
        return None;
    }
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if v.starts_with('-') {
        return None;
    }
    if whole.is_empty() || !digits(whole) || !digits(frac) {
        return Some(1000);
    }
    let secs = crate::json::parse_digits(whole)
        .unwrap_or(u64::MAX)
        .min(3600);
    let ms_frac: u64 = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0, |acc, b| acc * 10 + u64::from(b - b'0'));
    Some(secs * 1000 + if secs == 3600 { 0 } else { ms_frac })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_replaces_only_the_origin() {
        assert_eq!(
            origin(Provider::Openai, Some("http://127.0.0.1:4010")).unwrap(),
            "http://127.0.0.1:4010"
        );
        assert_eq!(
            origin(Provider::Openai, Some("https://gw.example.com/")).unwrap(),
            "https://gw.example.com"
        );
        assert_eq!(
            origin(Provider::Getimg, None).unwrap(),
            "https://api.getimg.ai"
        );
        for bad in [
            "http://gw.example.com",
            "https://gw.example.com/v1",
            "https://u:p@gw.example.com",
            "gw.example.com",
        ] {
            let e = origin(Provider::Openai, Some(bad)).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidRequest, "{bad}");
        }
    }

    #[test]
    fn debug_redacts_secret_headers() {
        let r = HttpRequest {
            method: "POST",
            url: "https://x".into(),
            headers: vec![
                ("Authorization".into(), "Bearer sk-secret".into()),
                ("X-API-Key".into(), "afk_secret".into()),
                ("Content-Type".into(), "application/json".into()),
            ],
            body: Body::Empty,
        };
        let printed = format!("{r:?} {:?}", ApiKey::new("sk-secret"));
        assert!(!printed.contains("secret"), "{printed}");
        assert!(printed.contains("application/json"));
    }

    #[test]
    fn retry_after_reads_seconds() {
        assert_eq!(retry_after_ms(Some("2")), Some(2000));
        assert_eq!(retry_after_ms(Some(" 0.5 ")), Some(500));
        assert_eq!(
            retry_after_ms(Some("Wed, 21 Oct 2026 07:28:00 GMT")),
            Some(1000)
        );
        assert_eq!(retry_after_ms(Some("-1")), None);
        assert_eq!(retry_after_ms(None), None);
    }
}
