//! Response plumbing: a body that can be cut short on purpose, JSON helpers and CORS.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::Value;

/// A response body: whole, or deliberately truncated (half sent, then the connection dies).
#[derive(Debug)]
pub struct Body {
    data: Option<Bytes>,
    /// Length announced in `Content-Length`.
    announced: u64,
    /// After sending `data`, wait for this (so hyper flushes what it has), then fail so
    /// hyper aborts the connection.
    abort_after: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Chunks sent as they come (server-sent events), until the sender is dropped.
    stream: Option<tokio::sync::mpsc::Receiver<Bytes>>,
    /// Chunks of `stream` still to send before the connection is cut.
    cut_after_chunks: Option<usize>,
}

/// How long a truncated body waits after its first half before breaking the connection.
const TRUNCATE_PAUSE: std::time::Duration = std::time::Duration::from_millis(50);

impl Body {
    /// A complete body.
    pub fn full(data: impl Into<Bytes>) -> Body {
        let data: Bytes = data.into();
        Body {
            announced: data.len() as u64,
            data: Some(data),
            abort_after: None,
            stream: None,
            cut_after_chunks: None,
        }
    }

    /// A body written as it goes: what is sent on the returned channel, until it is dropped.
    pub fn channel() -> (Body, tokio::sync::mpsc::Sender<Bytes>) {
        let (tx, rx) = tokio::sync::mpsc::channel(8);
        let body = Body {
            data: None,
            announced: 0,
            abort_after: None,
            stream: Some(rx),
            cut_after_chunks: None,
        };
        (body, tx)
    }

    /// An empty body.
    pub fn empty() -> Body {
        Body::full(Bytes::new())
    }

    /// The first half of `data`, announced at full length, then a broken connection.
    pub fn truncated(data: Bytes) -> Body {
        let announced = data.len() as u64;
        let half = data.slice(..data.len() / 2);
        Body {
            data: Some(half),
            announced,
            abort_after: Some(Box::pin(tokio::time::sleep(TRUNCATE_PAUSE))),
            stream: None,
            cut_after_chunks: None,
        }
    }

    /// A streamed body cut after its first chunk: the connection then dies
    /// mid-stream. A whole body is cut in half, as [`Body::truncated`].
    pub fn cut(self) -> Body {
        match self.stream {
            Some(_) => Body {
                cut_after_chunks: Some(1),
                ..self
            },
            None => Body::truncated(self.bytes()),
        }
    }

    /// The bytes still to be sent (the whole body for a fresh full body).
    pub fn bytes(&self) -> Bytes {
        self.data.clone().unwrap_or_default()
    }
}

/// The error that makes hyper abort a connection mid-body.
#[derive(Debug)]
pub struct Aborted;

impl fmt::Display for Aborted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection aborted on purpose")
    }
}

impl std::error::Error for Aborted {}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = Aborted;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Aborted>>> {
        if let Some(data) = self.data.take().filter(|d| !d.is_empty()) {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        if let Some(rx) = self.stream.as_mut() {
            return match std::task::ready!(rx.poll_recv(cx)) {
                Some(chunk) => {
                    if let Some(left) = self.cut_after_chunks.as_mut() {
                        *left -= 1;
                        if *left == 0 {
                            // The sender sees a closed channel and stops writing.
                            self.stream = None;
                            self.abort_after = Some(Box::pin(tokio::time::sleep(TRUNCATE_PAUSE)));
                        }
                    }
                    Poll::Ready(Some(Ok(Frame::data(chunk))))
                }
                None => {
                    self.stream = None;
                    Poll::Ready(None)
                }
            };
        }
        match self.abort_after.as_mut() {
            Some(pause) => {
                std::task::ready!(pause.as_mut().poll(cx));
                self.abort_after = None;
                Poll::Ready(Some(Err(Aborted)))
            }
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.stream.is_none()
            && self.abort_after.is_none()
            && self.data.as_ref().is_none_or(|d| d.is_empty())
    }

    fn size_hint(&self) -> SizeHint {
        match self.stream {
            Some(_) => SizeHint::default(),
            None => SizeHint::with_exact(self.announced),
        }
    }
}

/// What a handler wants done with the connection.
#[derive(Debug)]
pub enum Reply {
    /// Send this response.
    Respond(Response<Body>),
    /// Close the connection without any response.
    Drop,
    /// Never answer; hold the connection until the client leaves or 10 minutes pass.
    Hang,
}

impl From<Response<Body>> for Reply {
    fn from(r: Response<Body>) -> Self {
        Reply::Respond(r)
    }
}

/// A JSON response.
pub fn json(status: StatusCode, value: &Value) -> Response<Body> {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    raw(status, "application/json", body)
}

/// A response with any content type.
pub fn raw(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let mut response = Response::new(Body::full(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    response
}

/// Adds a `Retry-After: secs` header.
pub fn with_retry_after(mut response: Response<Body>, secs: u64) -> Response<Body> {
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        response.headers_mut().insert(hyper::header::RETRY_AFTER, v);
    }
    response
}

/// Headers allowed in cross-origin requests (besides `*`, which not every browser honours
/// for `Authorization`).
const ALLOWED_HEADERS: &str =
    "*, Authorization, X-API-Key, Content-Type, Idempotency-Key, X-Sandbox-Fault";

/// Adds the CORS headers every response carries.
pub fn add_cors(response: &mut Response<Body>) {
    let headers = response.headers_mut();
    let pairs: [(&str, &'static str); 5] = [
        ("access-control-allow-origin", "*"),
        ("access-control-allow-methods", "GET, POST, DELETE, OPTIONS"),
        ("access-control-allow-headers", ALLOWED_HEADERS),
        ("access-control-expose-headers", "Retry-After"),
        ("access-control-max-age", "600"),
    ];
    for (name, value) in pairs {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
}

/// The answer to a CORS preflight.
pub fn preflight() -> Response<Body> {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}
