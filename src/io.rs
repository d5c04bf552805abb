//! The client's I/O in a JavaScript host: fetch through gloo-net, timers and
//! abort wiring from `runtime.js`, clock and randomness from the host.

use crate::convert::{get, parse_text, stringify};
use crate::runtime::{js_sleep, read_limited, RequestControl};
use gloo_net::http::{Method, RequestBuilder};
use gpt_image_core::io::{BytesResponse, Io, StreamPart, TransportError};
use gpt_image_core::{Body, HttpRequest, HttpResponse};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, RequestCredentials, RequestRedirect};

/// What a client was given to reach the world with: the caller's
/// `uploadReference` and `fetch`, if any.
#[derive(Clone, Default)]
pub struct Transport {
    /// `uploadReference(bytes, mimeType)`: stores byte images for URL-only providers.
    pub uploader: Option<js_sys::Function>,
    /// A Fetch-compatible function that carries every request (default: the global `fetch`).
    pub fetch: Option<js_sys::Function>,
}

/// I/O for one client call, carrying that call's AbortSignal.
pub struct WasmIo {
    /// The caller's AbortSignal, or `undefined`.
    signal: JsValue,
    /// The caller's `uploadReference` and `fetch`.
    transport: Transport,
}

impl WasmIo {
    /// I/O through `transport` that stops when `signal` aborts.
    pub fn new(signal: Option<AbortSignal>, transport: &Transport) -> WasmIo {
        WasmIo {
            signal: signal.map_or(JsValue::UNDEFINED, JsValue::from),
            transport: transport.clone(),
        }
    }

    /// Send a built request through the caller's `fetch`, or the global one.
    async fn dispatch(
        &self,
        request: gloo_net::http::Request,
        ctl: &RequestControl,
    ) -> Result<gloo_net::http::Response, TransportError> {
        let Some(f) = &self.transport.fetch else {
            return request
                .send()
                .await
                .map_err(|e| self.failure(ctl, e.to_string()));
        };
        let raw: web_sys::Request = request.into();
        // Called on the global object: a `fetch` detached from it would throw.
        let answer = f
            .call1(&js_sys::global(), &raw)
            .map_err(|e| self.failure(ctl, crate::convert::thrown(&e)))?;
        let value = JsFuture::from(js_sys::Promise::resolve(&answer))
            .await
            .map_err(|e| self.failure(ctl, crate::convert::thrown(&e)))?;
        value
            .dyn_into::<web_sys::Response>()
            .map(gloo_net::http::Response::from)
            .map_err(|_| TransportError::Network {
                message: "the fetch option resolved to something that is not a Response"
                    .to_string(),
                maybe_sent: true,
            })
    }

    fn failure(&self, ctl: &RequestControl, message: String) -> TransportError {
        if ctl.parent_aborted() {
            TransportError::Aborted
        } else if ctl.timed_out() {
            TransportError::Timeout
        } else {
            // fetch cannot tell whether a failed request reached the server.
            TransportError::Network {
                message,
                maybe_sent: true,
            }
        }
    }
}

fn method(m: &str) -> Method {
    if m == "POST" {
        Method::POST
    } else {
        Method::GET
    }
}

#[wasm_bindgen(module = "/src/stream.js")]
extern "C" {
    #[wasm_bindgen(js_name = readerOf)]
    fn reader_of(body: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = nextChunk)]
    fn next_chunk(reader: &JsValue) -> js_sys::Promise;
    #[wasm_bindgen(js_name = cancelReader)]
    fn cancel_reader(reader: &JsValue);
}

impl WasmIo {
    /// Send `req` with fetch under `ctl`'s signal: the answer's head, its body unread.
    async fn fetch(
        &self,
        req: &HttpRequest,
        ctl: &RequestControl,
    ) -> Result<gloo_net::http::Response, TransportError> {
        let mut b = RequestBuilder::new(&req.url)
            .method(method(req.method))
            .abort_signal(Some(ctl.signal().unchecked_ref()));
        for (k, v) in &req.headers {
            b = b.header(k, v);
        }
        let built = match &req.body {
            Body::Empty => b.build(),
            Body::Json(v) => b.body(JsValue::from_str(&stringify(v))),
            Body::Bytes(bytes) => b.body(js_sys::Uint8Array::from(bytes.as_slice())),
        };
        let request = built.map_err(|e| self.failure(ctl, e.to_string()))?;
        self.dispatch(request, ctl).await
    }
}

impl Io for WasmIo {
    async fn send(
        &self,
        req: &HttpRequest,
        timeout_ms: u64,
    ) -> Result<HttpResponse, TransportError> {
        let ctl = RequestControl::new(timeout_ms as f64, &self.signal);
        let result = async {
            let resp = self.fetch(req, &ctl).await?;
            let status = resp.status();
            let headers = ["retry-after", "content-type"]
                .iter()
                .filter_map(|h| resp.headers().get(h).map(|v| (h.to_string(), v)))
                .collect();
            let text = resp
                .text()
                .await
                .map_err(|e| self.failure(&ctl, e.to_string()))?;
            Ok(HttpResponse {
                status,
                headers,
                body: parse_text(&text),
            })
        }
        .await;
        ctl.dispose();
        result
    }

    fn parse_answer(&self, text: &str) -> gpt_image_core::ResponseBody {
        parse_text(text)
    }

    async fn send_streaming(
        &self,
        req: &HttpRequest,
        timeout_ms: u64,
        on_part: &mut dyn FnMut(StreamPart<'_>) -> bool,
    ) -> Result<(), TransportError> {
        let ctl = RequestControl::new(timeout_ms as f64, &self.signal);
        let result = async {
            let resp = self.fetch(req, &ctl).await?;
            if !on_part(StreamPart::Head {
                status: resp.status(),
            }) {
                return Ok(());
            }
            let Some(body) = resp.body() else {
                return Ok(());
            };
            let reader = reader_of(&body);
            loop {
                let chunk = JsFuture::from(next_chunk(&reader))
                    .await
                    .map_err(|_| self.failure(&ctl, "reading the answer failed".to_string()))?;
                if chunk.is_null() {
                    return Ok(());
                }
                let bytes = js_sys::Uint8Array::new(&chunk).to_vec();
                if !on_part(StreamPart::Chunk(&bytes)) {
                    cancel_reader(&reader);
                    return Ok(());
                }
            }
        }
        .await;
        ctl.dispose();
        result
    }

    async fn fetch_bytes(
        &self,
        url: &str,
        timeout_ms: u64,
        max_bytes: usize,
    ) -> Result<BytesResponse, TransportError> {
        let ctl = RequestControl::new(timeout_ms as f64, &self.signal);
        let result = async {
            let request = RequestBuilder::new(url)
                .method(Method::GET)
                .redirect(RequestRedirect::Manual)
                .credentials(RequestCredentials::Omit)
                .abort_signal(Some(ctl.signal().unchecked_ref()))
                .build()
                .map_err(|e| self.failure(&ctl, e.to_string()))?;
            let resp = self.dispatch(request, &ctl).await?;
            let status = resp.status();
            let location = resp.headers().get("location");
            let body = if (200..300).contains(&status) {
                // Never read whole: counted as it streams, cancelled at the limit.
                let raw = web_sys::Response::from(resp);
                let read = JsFuture::from(read_limited(&raw, max_bytes as f64, 0.0))
                    .await
                    .map_err(|e| self.failure(&ctl, format!("{e:?}")))?;
                let bytes = get(&read, "bytes");
                if bytes.is_undefined() {
                    return Err(TransportError::TooLarge);
                }
                js_sys::Uint8Array::new(&bytes).to_vec()
            } else {
                Vec::new()
            };
            Ok(BytesResponse {
                status,
                location,
                body,
            })
        }
        .await;
        ctl.dispose();
        result
    }

    async fn upload_reference(
        &self,
        bytes: Vec<u8>,
        mime: &str,
    ) -> Result<Option<String>, TransportError> {
        let Some(f) = &self.transport.uploader else {
            return Ok(None);
        };
        let url = JsFuture::from(crate::images::call_uploader(f, &bytes, mime))
            .await
            .map_err(|e| TransportError::Network {
                message: get(&e, "message")
                    .as_string()
                    .unwrap_or_else(|| "it threw".to_string()),
                maybe_sent: false,
            })?;
        Ok(url.as_string())
    }

    async fn sleep(&self, ms: u64) -> Result<(), TransportError> {
        JsFuture::from(js_sleep(ms as f64, &self.signal))
            .await
            .map(|_| ())
            .map_err(|_| TransportError::Aborted)
    }

    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }

    fn random(&self) -> f64 {
        js_sys::Math::random()
    }

    fn new_id(&self) -> String {
        crate::wire::random_uuid().unwrap_or_else(|_| {
            // Without crypto.randomUUID: time and Math.random are unique enough
            // for one client's keys and boundaries.
            format!(
                "{:x}-{:x}",
                js_sys::Date::now() as u64,
                (js_sys::Math::random() * 1e15) as u64
            )
        })
    }
}
