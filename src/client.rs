//! `ImageClient`: the networking client, for server routes and edge workers.

use crate::api::price_options;
use crate::convert::{
    from_json, get, js_error, opt_bool, opt_duration, opt_number, opt_string, opt_whole, provider,
    to_json,
};
use crate::io::{Transport, WasmIo};
use crate::runtime::{is_abort_signal, is_browser_like};
use gpt_image_core::client::{Client, ClientConfig, PartialImage, SubmitOptions, WaitOptions};
use gpt_image_core::handle::Handle;
use gpt_image_core::{Error, ErrorCode, Job, Json};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

/// A GPT Image 2 client for one provider and key. Keep it on the server: in a
/// page or web worker it refuses to hold a key unless `dangerouslyAllowBrowser`.
#[wasm_bindgen(skip_typescript)]
pub struct ImageClient {
    inner: Rc<Client>,
    /// The caller's `uploadReference` and `fetch`.
    transport: Transport,
}

fn invalid(message: &str) -> JsValue {
    js_error(&Error::new(ErrorCode::InvalidRequest, message))
}

/// An optional function option.
fn function_option(options: &JsValue, name: &str) -> Result<Option<js_sys::Function>, JsValue> {
    match get(options, name) {
        v if v.is_undefined() || v.is_null() => Ok(None),
        v => v
            .dyn_into::<js_sys::Function>()
            .map(Some)
            .map_err(|_| invalid(&format!("option `{name}` must be a function"))),
    }
}

/// `signal` and `onProgress` from a call's options.
fn call_options(
    options: &JsValue,
) -> Result<(Option<web_sys::AbortSignal>, Option<js_sys::Function>), JsValue> {
    let signal = match get(options, "signal") {
        v if v.is_undefined() || v.is_null() => None,
        v if is_abort_signal(&v) => Some(v.unchecked_into::<web_sys::AbortSignal>()),
        _ => return Err(invalid("option `signal` must be an AbortSignal")),
    };
    let on_progress = match get(options, "onProgress") {
        v if v.is_undefined() || v.is_null() => None,
        v => Some(
            v.dyn_into::<js_sys::Function>()
                .map_err(|_| invalid("option `onProgress` must be a function"))?,
        ),
    };
    Ok((signal, on_progress))
}

fn submit_options(options: &JsValue) -> Result<SubmitOptions, JsValue> {
    Ok(SubmitOptions {
        deadline_ms: opt_duration(options, "deadlineMs")?,
        max_cost_usd: opt_number(options, "maxCostUsd")?,
        idempotency_key: opt_string(options, "idempotencyKey")?,
        partial_images: opt_number(options, "partialImages")?.map(|n| {
            if (0.0..=3.0).contains(&n) && n.fract() == 0.0 {
                n as u8
            } else {
                u8::MAX
            }
        }),
    })
}

/// A handle given as an object, as its JSON text, or (for polling) a job id.
fn read_handle(client: &Client, v: &JsValue, allow_id: bool) -> Result<Handle, Error> {
    if let Some(text) = v.as_string() {
        if let Ok(parsed) = js_sys::JSON::parse(&text) {
            if parsed.is_object() {
                return Handle::from_json(&to_json(&parsed).unwrap_or(Json::Null));
            }
        }
        if allow_id && !text.is_empty() {
            return Ok(Handle {
                provider: client.provider(),
                job_id: Some(text),
                idempotency_key: "-".to_string(),
                submitted_at: js_sys::Date::now(),
                deadline: js_sys::Date::now() + gpt_image_core::client::DEFAULT_DEADLINE_MS,
                quality: None,
                count: 1,
                output_format: None,
                estimate: None,
                result: None,
                request: None,
            });
        }
    }
    let json = to_json(v)
        .map_err(|_| Error::new(ErrorCode::InvalidRequest, "the handle cannot be read"))?;
    Handle::from_json(&json)
}

fn progress_reporter(f: Option<js_sys::Function>) -> impl FnMut(&Job) {
    move |job: &Job| {
        if let Some(f) = &f {
            // A throwing callback must not stop the job: its error is dropped.
            let _ = f.call1(&JsValue::NULL, &from_json(&job.to_json()));
        }
    }
}

#[wasm_bindgen]
impl ImageClient {
    /// `new ImageClient({ provider, apiKey, baseUrl?, timeoutMs?, maxRetries?,
    /// creditPriceUsd?, plan?, strict?, typicalDurationMs?, dangerouslyAllowBrowser? })`
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<ImageClient, JsValue> {
        let p = provider(&get(&options, "provider"))?;
        if is_browser_like() && !opt_bool(&options, "dangerouslyAllowBrowser")?.unwrap_or(false) {
            return Err(js_error(
                &Error::new(
                    ErrorCode::BrowserKey,
                    "refusing to hold a provider key in a browser, where every visitor could read it; call the provider from a server route (see createRouteHandler), or pass dangerouslyAllowBrowser: true if you accept the risk",
                )
                .with_provider(p),
            ));
        }
        let target = crate::convert::target_option(p, &options)?;
        let mut cfg = ClientConfig::new(target);
        if let Some(ms) = opt_duration(&options, "timeoutMs")? {
            cfg.timeout_ms = ms as u64;
        }
        if let Some(n) = opt_whole(&options, "maxRetries", 0, 10)? {
            cfg.max_retries = n as u32;
        }
        cfg.price = price_options(&options)?;
        cfg.strict = opt_bool(&options, "strict")?.unwrap_or(false);
        cfg.typical_duration_ms = opt_duration(&options, "typicalDurationMs")?;
        if let Some(n) = opt_whole(&options, "maxReferenceBytes", 1, 52_428_800)? {
            cfg.max_reference_bytes = n as usize;
        }
        let transport = Transport {
            uploader: function_option(&options, "uploadReference")?,
            fetch: function_option(&options, "fetch")?,
        };
        Ok(ImageClient {
            inner: Rc::new(Client::new(cfg)),
            transport,
        })
    }

    /// The core client and its transport (for the route handler).
    #[cfg(feature = "route")]
    pub(crate) fn into_parts(self) -> (Rc<Client>, Transport) {
        (self.inner, self.transport)
    }

    /// The provider id.
    #[wasm_bindgen(getter)]
    pub fn provider(&self) -> String {
        self.inner.provider().id().to_string()
    }

    /// `{ provider, baseUrl }`: what `JSON.stringify(client)` shows (never the key).
    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json_js(&self) -> JsValue {
        let t = &self.inner.config().target;
        from_json(&gpt_image_core::json!({ "provider": t.provider.id(), "baseUrl": t.root }))
    }

    /// `ImageClient(provider)`.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_string_js(&self) -> String {
        format!("ImageClient({})", self.inner.provider().id())
    }

    /// Validate and price a request as this client would send it.
    #[wasm_bindgen(js_name = estimateCost)]
    pub fn estimate_cost(&self, request: JsValue) -> Result<JsValue, JsValue> {
        let value = crate::images::request_json(&request)?;
        let (cost, _) = self.inner.estimate(&value).map_err(|e| js_error(&e))?;
        Ok(from_json(&cost.to_json()))
    }

    /// Submit and wait: resolves to the finished job with its images and cost.
    pub fn generate(&self, request: JsValue, options: JsValue) -> js_sys::Promise {
        self.spawn(Op::Generate, request, options)
    }

    /// Submit only: resolves to a JSON-serialisable handle to resume from.
    pub fn submit(&self, request: JsValue, options: JsValue) -> js_sys::Promise {
        self.spawn(Op::Submit, request, options)
    }

    /// Poll once: a handle, its JSON text, or a job id.
    #[wasm_bindgen(js_name = getJob)]
    pub fn get_job(&self, handle: JsValue, options: JsValue) -> js_sys::Promise {
        self.spawn(Op::GetJob, handle, options)
    }

    /// Find the job of a handle whose submit got no answer: the same submit
    /// with the same key, only where the provider deduplicates and inside its
    /// idempotency window; a handle that names its job.
    pub fn recover(&self, handle: JsValue, options: JsValue) -> js_sys::Promise {
        self.spawn(Op::Recover, handle, options)
    }

    /// Poll until the job ends: a handle (from this or another process).
    #[wasm_bindgen(js_name = waitFor)]
    pub fn wait_for(&self, handle: JsValue, options: JsValue) -> js_sys::Promise {
        self.spawn(Op::WaitFor, handle, options)
    }
}

/// A future behind a pointer: callers share one compiled copy of it.
pub(crate) type Shared<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, Error>> + 'a>>;

/// `Client::submit`, compiled once for every caller (the route handler too).
pub(crate) fn submit_shared<'a>(
    client: &'a Client,
    io: &'a WasmIo,
    request: &'a Json,
    opts: &'a SubmitOptions,
    report: &'a mut dyn FnMut(&Job),
) -> Shared<'a, Handle> {
    Box::pin(client.submit(io, request, opts, report))
}

/// `Client::submit_streaming`, compiled once for every caller.
pub(crate) fn submit_streaming_shared<'a>(
    client: &'a Client,
    io: &'a WasmIo,
    request: &'a Json,
    opts: &'a SubmitOptions,
    report: &'a mut dyn FnMut(&Job),
    partial: &'a mut dyn FnMut(&PartialImage),
) -> Shared<'a, Handle> {
    Box::pin(client.submit_streaming(io, request, opts, report, partial))
}

/// `Client::get_job`, compiled once for every caller.
pub(crate) fn get_job_shared<'a>(
    client: &'a Client,
    io: &'a WasmIo,
    handle: &'a Handle,
) -> Shared<'a, Job> {
    Box::pin(client.get_job(io, handle))
}

/// `Client::wait_for`, compiled once for every caller.
pub(crate) fn wait_shared<'a>(
    client: &'a Client,
    io: &'a WasmIo,
    handle: &'a Handle,
    opts: &'a WaitOptions,
    report: &'a mut dyn FnMut(&Job),
) -> Shared<'a, Job> {
    Box::pin(client.wait_for(io, handle, opts, report))
}

/// The asynchronous operations, run through one promise adapter.
#[derive(Clone, Copy)]
enum Op {
    Generate,
    Submit,
    GetJob,
    Recover,
    WaitFor,
}

impl ImageClient {
    fn spawn(&self, op: Op, subject: JsValue, options: JsValue) -> js_sys::Promise {
        let client = self.inner.clone();
        let transport = self.transport.clone();
        future_to_promise(async move {
            run(&client, &transport, op, &subject, &options)
                .await
                .map_err(|e| js_error(&e))
        })
    }
}

async fn run(
    client: &Client,
    transport: &Transport,
    op: Op,
    subject: &JsValue,
    options: &JsValue,
) -> Result<JsValue, Error> {
    let (signal, on_progress) = call_options(options).map_err(option_error)?;
    let io = WasmIo::new(signal, transport);
    let mut report = progress_reporter(on_progress);
    let out = match op {
        Op::Generate | Op::Submit => {
            let value = crate::images::read_request_json(subject)
                .await
                .map_err(option_error)?;
            let opts = submit_options(options).map_err(option_error)?;
            // generate = submit, then wait (as Client::generate), from the
            // shared pieces so each is compiled once.
            let handle = match get(options, "onPartialImage") {
                f if opts.partial_images.is_some() && f.is_function() => {
                    let f: js_sys::Function = f.unchecked_into();
                    let mut partial = move |p: &PartialImage| {
                        // A throwing callback must not stop the job: its error is dropped.
                        let _ = f.call1(&JsValue::NULL, &from_json(&p.to_json()));
                    };
                    submit_streaming_shared(client, &io, &value, &opts, &mut report, &mut partial)
                        .await?
                }
                _ => submit_shared(client, &io, &value, &opts, &mut report).await?,
            };
            if matches!(op, Op::Submit) {
                handle.to_json()
            } else {
                wait_shared(client, &io, &handle, &WaitOptions::default(), &mut report)
                    .await?
                    .to_json()
            }
        }
        Op::GetJob => {
            let h = read_handle(client, subject, true)?;
            get_job_shared(client, &io, &h).await?.to_json()
        }
        Op::Recover => {
            let h = read_handle(client, subject, false)?;
            Box::pin(client.recover(&io, &h)).await?.to_json()
        }
        Op::WaitFor => {
            let opts = WaitOptions {
                deadline_ms: opt_duration(options, "deadlineMs").map_err(option_error)?,
            };
            let h = read_handle(client, subject, false)?;
            wait_shared(client, &io, &h, &opts, &mut report)
                .await?
                .to_json()
        }
    };
    Ok(from_json(&out))
}

/// An option error raised as a JS value, back as the core error it was made from.
fn option_error(js: JsValue) -> Error {
    let message = get(&js, "message")
        .as_string()
        .unwrap_or_else(|| "invalid option".to_string());
    Error::new(ErrorCode::InvalidRequest, message)
}
