//! The JavaScript helpers in `runtime.js`: timers, abort wiring, the browser
//! check and WebCrypto, declared once (the build imports only what it uses).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/runtime.js")]
extern "C" {
    /// HMAC-SHA256 verification by WebCrypto (copies its byte views first).
    #[wasm_bindgen(js_name = hmacSha256Verify)]
    pub fn hmac_sha256_verify(key_text: &str, body: &[u8], signature: &[u8]) -> js_sys::Promise;

    /// Resolve after `ms`, or reject when `signal` (an AbortSignal) aborts.
    #[wasm_bindgen(js_name = sleep)]
    pub fn js_sleep(ms: f64, signal: &JsValue) -> js_sys::Promise;

    /// One request's abort signal: a timeout and the caller's signal.
    pub type RequestControl;
    #[wasm_bindgen(constructor)]
    pub fn new(timeout_ms: f64, parent: &JsValue) -> RequestControl;
    /// The AbortSignal to give fetch.
    #[wasm_bindgen(method, getter)]
    pub fn signal(this: &RequestControl) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = timedOut)]
    pub fn timed_out(this: &RequestControl) -> bool;
    #[wasm_bindgen(method, getter, js_name = parentAborted)]
    pub fn parent_aborted(this: &RequestControl) -> bool;
    #[wasm_bindgen(method)]
    pub fn dispose(this: &RequestControl);

    /// Whether this looks like a page or a (non-Cloudflare) web worker.
    #[wasm_bindgen(js_name = isBrowserLike)]
    pub fn is_browser_like() -> bool;

    /// The body of a Request or Response: `{ bytes }`, `{ tooLarge: true }`
    /// (the read is cancelled at `limit`) or, after `timeout_ms` (0: none),
    /// `{ timeout: true }`.
    #[wasm_bindgen(js_name = readLimited)]
    pub fn read_limited(message: &JsValue, limit: f64, timeout_ms: f64) -> js_sys::Promise;

    /// Whether the value is an AbortSignal.
    #[wasm_bindgen(js_name = isAbortSignal)]
    pub fn is_abort_signal(v: &JsValue) -> bool;

    /// The value of a header in a `Headers` or a plain object (any case), or null.
    #[wasm_bindgen(js_name = headerValue)]
    pub fn header_value(headers: &JsValue, name: &str) -> Option<String>;

    /// Whether any of `signatures` is the HMAC-SHA256 of `content` under the
    /// raw `key` (WebCrypto, constant time).
    #[wasm_bindgen(js_name = hmacSha256VerifyAny)]
    pub fn hmac_sha256_verify_any(
        key: &[u8],
        content: &[u8],
        signatures: js_sys::Array,
    ) -> js_sys::Promise;

    /// Whether `signature` is fal's Ed25519 signature of `prefix` and the hex
    /// SHA-256 of `body`, by a key of `jwks` (fal's own, fetched, when null).
    #[wasm_bindgen(js_name = ed25519VerifyFal)]
    pub fn ed25519_verify_fal(
        prefix: &str,
        body: &[u8],
        signature: &[u8],
        jwks: &JsValue,
    ) -> js_sys::Promise;

    /// `[[name, value], ...]` of a headers option (an object or a `Headers`);
    /// throws when a value is not a string.
    #[wasm_bindgen(js_name = headerEntries, catch)]
    pub fn header_entries(v: &JsValue) -> Result<JsValue, JsValue>;
}
