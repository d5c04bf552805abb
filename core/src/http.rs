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

/// Header names whose values `Debug` prints: the client's own, never secret.
pub const PLAIN_HEADERS: [&str; 5] = [
    "content-type",
    "accept",
    "idempotency-key",
    "cancel-after",
    "x-fal-request-start-timeout",
];

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
        // Only headers known to hold no secret are printed: a caller's own
        // headers (a gateway's token) and every auth header are not.
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let shown = PLAIN_HEADERS.iter().any(|s| k.eq_ignore_ascii_case(s));
                (k.as_str(), if shown { v.as_str() } else { "[REDACTED]" })
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

    /// The body with the key hidden in any of its forms ([`KeyGuard`]),
    /// before anything reads it: whatever is cut to length later can no
    /// longer hold a piece of the key.
    pub fn redacted(self, guard: &crate::redact::KeyGuard) -> ResponseBody {
        match self {
            ResponseBody::Json(mut v) => {
                guard.scrub_value(&mut v);
                ResponseBody::Json(v)
            }
            ResponseBody::NotJson(t) => match guard.scrub(&t) {
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

/// The API root requests go to.
///
/// Without a `baseUrl`, the provider's own (`https://api.openai.com/v1`). A
/// `baseUrl` that is an origin alone (`scheme://host[:port]`) replaces the
/// provider's origin and keeps its root path; one with a path stands for the
/// API root itself, as openai-node's `baseURL` does (a gateway's
/// `https://gateway.ai.cloudflare.com/v1/{account}/{gateway}/openai`). Plain
/// http is allowed only to loopback hosts, so a key never crosses a network
/// unencrypted; credentials, a query or a fragment are refused.
pub fn api_root(provider: Provider, base_url: Option<&str>) -> Result<String, Error> {
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
        return bad("must not carry credentials (send them as `headers`)".to_string());
    }
    if parsed.path_and_rest.bytes().any(|b| b == b'?' || b == b'#') {
        return bad(format!(
            "must not carry a query or a fragment (got \"{}\")",
            parsed.path_and_rest
        ));
    }
    if parsed.scheme != "https" && !parsed.loopback {
        return bad("must use https unless it points at a loopback host".to_string());
    }
    let origin = match parsed.port {
        Some(port) => format!("{}://{}:{port}", parsed.scheme, parsed.host),
        None => format!("{}://{}", parsed.scheme, parsed.host),
    };
    let path = parsed.path_and_rest.trim_end_matches('/');
    if path.is_empty() {
        // An origin alone: the provider's own root path under it.
        let own = provider.default_base_url();
        let own_path = crate::text::find(own, "://")
            .and_then(|i| own.get(i + 3..))
            .and_then(|rest| rest.find('/').and_then(|j| rest.get(j..)))
            .unwrap_or("");
        return Ok(format!("{origin}{own_path}"));
    }
    Ok(format!("{origin}{path}"))
}

/// Headers a caller's `headers` may not set: what the client sets itself.
const RESERVED_HEADERS: [&str; 9] = [
    "content-type",
    "content-length",
    "host",
    "idempotency-key",
    "cancel-after",
    "x-fal-request-start-timeout",
    "accept",
    "transfer-encoding",
    "connection",
];

/// Whether a caller's extra header may go with every request to `provider`:
/// a valid name and value, and not one that replaces the provider's auth (or
/// any `Authorization`), the content type, or what the client sets itself.
pub fn check_extra_header(provider: Provider, name: &str, value: &str) -> Result<(), Error> {
    let bad = |why: String| {
        Err(Error::new(
            ErrorCode::InvalidRequest,
            format!("option `headers`: {why}"),
        )
        .with_provider(provider))
    };
    let token = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !token {
        return bad(format!("\"{name}\" is not a header name"));
    }
    let auth = provider.spec().auth.header_name();
    let alternative = provider
        .setup()
        .auth_alternatives
        .iter()
        .any(|a| name.eq_ignore_ascii_case(a));
    if !alternative
        && (name.eq_ignore_ascii_case(auth) || name.eq_ignore_ascii_case("authorization"))
    {
        return bad(format!(
            "`{name}` would replace {}'s own auth (the key goes as `{auth}`): pass the key as `apiKey`",
            provider.display_name()
        ));
    }
    if RESERVED_HEADERS
        .iter()
        .any(|r| name.eq_ignore_ascii_case(r))
    {
        return bad(format!("`{name}` is set by the client itself"));
    }
    if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        // The value is a secret: never repeated in a message.
        return bad(format!("the value of `{name}` holds a line break"));
    }
    Ok(())
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
    fn a_base_url_is_an_origin_or_the_api_root() {
        use crate::providers::{GETIMG, OPENAI};
        // An origin alone keeps the provider's root path.
        assert_eq!(
            api_root(OPENAI, Some("http://127.0.0.1:4010")).unwrap(),
            "http://127.0.0.1:4010/v1"
        );
        assert_eq!(
            api_root(OPENAI, Some("https://gw.example.com/")).unwrap(),
            "https://gw.example.com/v1"
        );
        assert_eq!(api_root(GETIMG, None).unwrap(), "https://api.getimg.ai");
        // A path stands for the API root itself (a gateway's).
        assert_eq!(
            api_root(
                OPENAI,
                Some("https://gateway.ai.cloudflare.com/v1/acct/gw/openai/")
            )
            .unwrap(),
            "https://gateway.ai.cloudflare.com/v1/acct/gw/openai"
        );
        for bad in [
            "http://gw.example.com",
            "https://u:p@gw.example.com",
            "https://gw.example.com/v1?key=x",
            "https://gw.example.com/v1#x",
            "gw.example.com",
        ] {
            let e = api_root(OPENAI, Some(bad)).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidRequest, "{bad}");
        }
    }

    #[test]
    fn extra_headers_never_replace_the_auth() {
        use crate::providers::{APIFRAME, OPENAI};
        assert!(check_extra_header(OPENAI, "cf-aig-authorization", "Bearer t").is_ok());
        assert!(check_extra_header(OPENAI, "cf-aig-metadata", "{\"a\":1}").is_ok());
        for (p, name) in [
            (OPENAI, "Authorization"),
            (APIFRAME, "x-api-key"),
            (APIFRAME, "authorization"),
            (OPENAI, "Content-Type"),
            (OPENAI, "idempotency-key"),
            (OPENAI, "bad name"),
        ] {
            let e = check_extra_header(p, name, "v").unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidRequest, "{name}");
            assert!(e.message.contains("headers"), "{}", e.message);
        }
        let e = check_extra_header(OPENAI, "x-trace", "secret-value\r\nx: y").unwrap_err();
        assert!(!e.message.contains("secret-value"));
    }

    #[test]
    fn debug_redacts_secret_headers() {
        let r = HttpRequest {
            method: "POST",
            url: "https://x".into(),
            headers: vec![
                ("Authorization".into(), "Bearer sk-secret".into()),
                ("X-API-Key".into(), "afk_secret".into()),
                ("cf-aig-authorization".into(), "Bearer gw-secret".into()),
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
