//! The little the client needs from its host: send a request, download bytes,
//! sleep, tell the time, make random numbers and ids. The WebAssembly layer
//! implements it with fetch and JavaScript timers; tests implement it natively.

use crate::http::{HttpRequest, HttpResponse};

/// Why a request got no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// The per-request timeout passed.
    Timeout,
    /// The caller's AbortSignal fired.
    Aborted,
    /// The connection failed. `maybe_sent` is false only when the request
    /// certainly never reached the server (so a submit may be retried freely).
    Network {
        /// What the platform said.
        message: String,
        /// Whether the server may have received the request.
        maybe_sent: bool,
    },
    /// A download was longer than its limit (by `Content-Length`, or counted
    /// while it streamed); the read was cancelled there.
    TooLarge,
}

/// A downloaded file.
#[derive(Clone, PartialEq, Eq)]
pub struct BytesResponse {
    /// Status code.
    pub status: u16,
    /// `Location` header, for redirects.
    pub location: Option<String>,
    /// The bytes.
    pub body: Vec<u8>,
}

/// One piece of an answer read as it arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamPart<'a> {
    /// The status, before any of the body.
    Head {
        /// Status code.
        status: u16,
    },
    /// The next bytes of the body.
    Chunk(&'a [u8]),
}

/// The host's I/O, one instance per call (it carries the call's AbortSignal).
#[allow(async_fn_in_trait)]
pub trait Io {
    /// Send one request and read its whole answer, or fail after `timeout_ms`.
    async fn send(
        &self,
        req: &HttpRequest,
        timeout_ms: u64,
    ) -> Result<HttpResponse, TransportError>;
    /// Send one request and hand its answer to `on_part` as it arrives (its
    /// status, then each chunk of the body) until the body ends, `on_part`
    /// returns false, or `timeout_ms` passes.
    async fn send_streaming(
        &self,
        _req: &HttpRequest,
        _timeout_ms: u64,
        _on_part: &mut dyn FnMut(StreamPart<'_>) -> bool,
    ) -> Result<(), TransportError> {
        Err(TransportError::Network {
            message: "this host cannot read an answer as it arrives".into(),
            maybe_sent: false,
        })
    }
    /// GET `url` without credentials and without following redirects,
    /// holding at most `max_bytes` of its body: a longer one (its
    /// `Content-Length` first, then the bytes counted as they stream) is
    /// cancelled at the limit and fails with [`TransportError::TooLarge`].
    async fn fetch_bytes(
        &self,
        url: &str,
        timeout_ms: u64,
        max_bytes: usize,
    ) -> Result<BytesResponse, TransportError>;
    /// Store image bytes where a URL-only provider can fetch them (the
    /// caller's `uploadReference`): the https URL, or `None` when the caller
    /// gave no uploader.
    async fn upload_reference(
        &self,
        _bytes: Vec<u8>,
        _mime: &str,
    ) -> Result<Option<String>, TransportError> {
        Ok(None)
    }
    /// Read answer text as JSON the way the host does (natively, the core's
    /// parser; in WebAssembly with the host's number reader, so Rust's float
    /// parser stays out of the module).
    fn parse_answer(&self, text: &str) -> crate::http::ResponseBody {
        crate::http::ResponseBody::from_text(text)
    }
    /// Wait `ms` milliseconds; fails with `Aborted` when the call is aborted.
    async fn sleep(&self, ms: u64) -> Result<(), TransportError>;
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> f64;
    /// A uniform random number in `[0, 1)`.
    fn random(&self) -> f64;
    /// A fresh unique id (a UUID), for idempotency keys and multipart boundaries.
    fn new_id(&self) -> String;
}
