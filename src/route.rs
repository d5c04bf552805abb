//! `createRouteHandler`: the key stays in a server route or edge worker; the
//! browser gets validation, prices and opaque status tokens. Every decision
//! is `gpt_image_core::route`'s; this file reads requests, calls the owner's
//! hooks and WebCrypto, and writes responses.

use crate::client::{
    get_job_shared, submit_shared, submit_streaming_shared, wait_shared, ImageClient,
};
use crate::convert::{
    from_json, get, js_error, opt_bool, opt_number, opt_string, parse_text, stringify, to_json,
};
use crate::io::WasmIo;
use crate::runtime::hmac_sha256_verify;
use gpt_image_core::client::{
    Client, PartialImage, SubmitOptions, WaitOptions, DEFAULT_DEADLINE_MS,
};
use gpt_image_core::handle::Handle;
use gpt_image_core::route::{
    self, public_cost, public_error, public_job, BodyRead, Policy, Refusal, Route,
};
use gpt_image_core::{
    json, sse, webhook, wire, Cost, Error, ErrorCode, Job, Json, Provider, ResponseBody,
};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

#[wasm_bindgen(module = "/src/route.js")]
extern "C" {
    /// `{ method, path, ownOrigin, origin, idempotencyKey, signature }` of a Request.
    #[wasm_bindgen(js_name = requestInfo)]
    fn request_info(request: &JsValue) -> JsValue;

    /// The body's bytes (a Uint8Array), or null when longer than `max_bytes`.
    #[wasm_bindgen(js_name = readBody)]
    fn read_body(request: &JsValue, max_bytes: f64) -> js_sys::Promise;

    /// `{ value }`, `{ tooMany: true }` or `{ invalid: true }` for body bytes.
    #[wasm_bindgen(js_name = readJson)]
    fn read_json(bytes: &[u8], max_entries: usize) -> JsValue;

    /// A Response with exactly these headers.
    fn respond(status: u16, body: &str, headers: &JsValue) -> JsValue;

    /// A 200 Response whose body is the event stream.
    #[wasm_bindgen(js_name = respondStream)]
    fn respond_stream(stream: &EventStream, headers: &JsValue) -> JsValue;

    /// A server-sent event stream with heartbeats (see `route.js`).
    type EventStream;

    #[wasm_bindgen(constructor)]
    fn new(heartbeat_ms: f64, request: &JsValue) -> EventStream;

    /// Aborts when the reader goes away.
    #[wasm_bindgen(method, getter)]
    fn signal(this: &EventStream) -> web_sys::AbortSignal;

    #[wasm_bindgen(method)]
    fn write(this: &EventStream, text: &str);

    #[wasm_bindgen(method)]
    fn close(this: &EventStream);

    /// An opaque, authenticated token for `text`.
    #[wasm_bindgen(js_name = sealToken)]
    fn seal_token(secret: &str, text: &str) -> js_sys::Promise;

    /// The text of a token, or null.
    #[wasm_bindgen(js_name = openToken)]
    fn open_token(secret: &str, token: &str) -> js_sys::Promise;

    /// HMAC-SHA256 of `text` keyed with the secret, as lowercase hex.
    #[wasm_bindgen(js_name = keyedHex)]
    fn keyed_hex(secret: &str, text: &str) -> js_sys::Promise;
}

/// Default largest request body (64 KiB).
const DEFAULT_MAX_BODY: f64 = 64.0 * 1024.0;
/// Default lifetime of a status token (24 h, like the providers' image URLs).
const DEFAULT_TOKEN_TTL_MS: f64 = 24.0 * 3600.0 * 1000.0;
/// How long a route waits for an asynchronous provider to accept a job.
const SUBMIT_DEADLINE_MS: f64 = 30_000.0;

/// Who may call: the owner's `authorize`, or everyone as one principal.
enum Access {
    Authorize(js_sys::Function),
    Public,
}

struct Handler {
    client: Rc<Client>,
    uploader: Option<js_sys::Function>,
    policy: Policy,
    secret: String,
    base_path: String,
    access: Access,
    limit: Option<js_sys::Function>,
    on_webhook: Option<js_sys::Function>,
    allowed_origins: Vec<String>,
    max_body: f64,
    token_ttl_ms: f64,
    heartbeat_ms: f64,
    partial_images: Option<u8>,
}

/// A response: status, a JSON body (or none) and extra headers; or, with
/// `stream`, 200 and a server-sent event stream.
struct Reply {
    status: u16,
    body: Option<Json>,
    headers: Vec<(String, String)>,
    stream: Option<EventStream>,
}

impl Reply {
    fn refuse(status: u16, code: &str, message: &str) -> Reply {
        Reply::from(Refusal::new(status, code, message))
    }

    fn json(status: u16, body: Json) -> Reply {
        Reply {
            status,
            body: Some(body),
            headers: Vec::new(),
            stream: None,
        }
    }

    fn empty(status: u16, headers: Vec<(String, String)>) -> Reply {
        Reply {
            status,
            body: None,
            headers,
            stream: None,
        }
    }
}

impl From<Refusal> for Reply {
    fn from(r: Refusal) -> Reply {
        let mut reply = Reply::json(r.status, r.body);
        if let Some(secs) = r.retry_after_secs {
            reply.headers.push(("Retry-After".into(), secs.to_string()));
        }
        reply
    }
}

fn invalid(message: &str) -> JsValue {
    js_error(&Error::new(ErrorCode::InvalidRequest, message))
}

/// An optional function option.
fn hook(options: &JsValue, name: &str) -> Result<Option<js_sys::Function>, JsValue> {
    match get(options, name) {
        v if v.is_undefined() || v.is_null() => Ok(None),
        v => v
            .dyn_into::<js_sys::Function>()
            .map(Some)
            .map_err(|_| invalid(&format!("option `{name}` must be a function"))),
    }
}

/// `createRouteHandler(options)`: `(request: Request) => Promise<Response>`.
/// Create it once (at module scope): it lives as long as the module.
#[wasm_bindgen(js_name = createRouteHandler, skip_typescript)]
pub fn create_route_handler(options: JsValue) -> Result<js_sys::Function, JsValue> {
    let (client, uploader) = ImageClient::new(options.clone())?.into_parts();
    let secret = opt_string(&options, "secret")?
        .filter(|s| gpt_image_core::text::char_count(s) >= 32)
        .ok_or_else(|| invalid("option `secret` is required: at least 32 characters of random text (it seals status tokens)"))?;
    let access = match (hook(&options, "authorize")?, opt_bool(&options, "public")?) {
        (Some(_), Some(true)) => {
            return Err(invalid(
                "options `authorize` and `public: true` exclude each other: choose one",
            ))
        }
        (Some(f), _) => Access::Authorize(f),
        (None, Some(true)) => Access::Public,
        (None, _) => return Err(invalid(
            "option `authorize` is required: a function (request) => principal that returns the caller's user or tenant id (a non-empty string) to allow the call, anything else to refuse it. For a demo open to everyone, pass `public: true` instead",
        )),
    };
    let origins = get(&options, "allowedOrigins");
    let allowed_origins = if origins.is_undefined() || origins.is_null() {
        Vec::new()
    } else {
        let list: js_sys::Array = origins
            .dyn_into()
            .map_err(|_| invalid("option `allowedOrigins` must be an array of origins"))?;
        list.iter()
            .map(|o| {
                o.as_string()
                    .ok_or_else(|| invalid("option `allowedOrigins` must hold strings"))
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    let partial_images =
        crate::convert::opt_whole(&options, "partialImages", 0, 3)?.map(|n| n as u8);
    if partial_images.is_some() && client.provider() != Provider::Openai {
        return Err(invalid(
            "option `partialImages` is for the OpenAI provider only",
        ));
    }
    let cfg = client.config();
    let policy = Policy::new(
        client.provider(),
        &to_json(&get(&options, "allow"))?,
        &to_json(&get(&options, "defaults"))?,
        opt_number(&options, "maxCostUsd")?,
        cfg.price,
        cfg.target.is_local(),
    )
    .map_err(|e| js_error(&e))?;
    let handler = Rc::new(Handler {
        client,
        uploader,
        policy,
        secret,
        base_path: route::normalize_base_path(
            &opt_string(&options, "basePath")?.unwrap_or_else(|| "/api/images".into()),
        ),
        access,
        limit: hook(&options, "limit")?,
        on_webhook: hook(&options, "onWebhook")?,
        allowed_origins,
        max_body: crate::convert::opt_whole(&options, "maxBodyBytes", 1, 16_777_216)?
            .unwrap_or(DEFAULT_MAX_BODY),
        token_ttl_ms: crate::convert::opt_duration(&options, "tokenTtlMs")?
            .unwrap_or(DEFAULT_TOKEN_TTL_MS),
        heartbeat_ms: crate::convert::opt_whole(&options, "heartbeatMs", 1, 60_000)?
            .unwrap_or(route::DEFAULT_HEARTBEAT_MS),
        partial_images,
    });
    let serve = Closure::<dyn FnMut(JsValue) -> js_sys::Promise>::new(move |request: JsValue| {
        let h = handler.clone();
        future_to_promise(async move { Ok(h.serve(request).await) })
    });
    Ok(serve.into_js_value().unchecked_into())
}

/// Body bytes read by the host's JSON parser, within the route's bounds.
fn body_read(bytes: &[u8]) -> BodyRead {
    let read = read_json(bytes, route::MAX_BODY_ENTRIES);
    if get(&read, "tooMany").is_truthy() {
        return BodyRead::TooManyEntries;
    }
    match get(&read, "invalid").is_truthy() {
        true => BodyRead::NotJson,
        false => to_json(&get(&read, "value")).map_or(BodyRead::NotJson, BodyRead::Json),
    }
}

async fn promise(p: js_sys::Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

/// Call an owner's hook and wait for it; a throw or a rejection is `Err`.
async fn call_hook(f: &js_sys::Function, arg: &JsValue) -> Result<JsValue, JsValue> {
    let v = f.call1(&JsValue::NULL, arg)?;
    promise(js_sys::Promise::resolve(&v)).await
}

impl Handler {
    async fn serve(self: Rc<Self>, request: JsValue) -> JsValue {
        let info = request_info(&request);
        let text = |k: &str| get(&info, k).as_string();
        let own = text("ownOrigin").unwrap_or_default();
        let origin = text("origin");
        let cross = origin.as_deref().filter(|o| *o != own).map(str::to_string);
        let mut reply = if !route::origin_allowed(origin.as_deref(), &own, &self.allowed_origins) {
            Reply::refuse(403, "FORBIDDEN", "this origin may not use this service")
        } else {
            let r = route::route(
                &text("method").unwrap_or_default(),
                &text("path").unwrap_or_default(),
                &self.base_path,
            );
            match self.route(r, &request, &info).await {
                Ok(reply) => reply,
                Err(_) => Reply::refuse(500, "INTERNAL", "the request could not be handled"),
            }
        };
        let mut headers = vec![
            ("Cache-Control".to_string(), "no-store".to_string()),
            ("X-Content-Type-Options".to_string(), "nosniff".to_string()),
        ];
        if reply.stream.is_some() {
            headers.push((
                "Content-Type".into(),
                "text/event-stream; charset=utf-8".into(),
            ));
        } else if reply.body.is_some() {
            headers.push((
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            ));
        }
        if let Some(o) =
            cross.filter(|o| route::origin_allowed(Some(o), &own, &self.allowed_origins))
        {
            headers.push(("Access-Control-Allow-Origin".into(), o));
            headers.push(("Vary".into(), "Origin".into()));
        }
        headers.append(&mut reply.headers);
        let pairs: js_sys::Array = headers
            .iter()
            .map(|(k, v)| JsValue::from(js_sys::Array::of2(&k.into(), &v.into())))
            .collect();
        if let Some(stream) = &reply.stream {
            return respond_stream(stream, &pairs);
        }
        let body = reply.body.as_ref().map(stringify).unwrap_or_default();
        respond(reply.status, &body, &pairs)
    }

    async fn route(
        self: &Rc<Self>,
        r: Route,
        request: &JsValue,
        info: &JsValue,
    ) -> Result<Reply, JsValue> {
        let unauthorized = || Reply::refuse(401, "UNAUTHORIZED", "not authorized");
        Ok(match r {
            Route::NotFound => Reply::refuse(404, "NOT_FOUND", "no such route"),
            Route::WrongMethod(allowed) => {
                let mut reply = Reply::refuse(405, "METHOD_NOT_ALLOWED", &format!("use {allowed}"));
                reply.headers.push(("Allow".into(), allowed.into()));
                reply
            }
            Route::Preflight => Reply::empty(
                204,
                vec![
                    ("Access-Control-Allow-Methods".into(), "GET, POST".into()),
                    (
                        "Access-Control-Allow-Headers".into(),
                        "Authorization, Content-Type, Idempotency-Key".into(),
                    ),
                    ("Access-Control-Max-Age".into(), "600".into()),
                ],
            ),
            Route::Generate => match self.principal(request).await {
                None => unauthorized(),
                Some(who) => self.generate(request, info, &who).await?,
            },
            Route::Job(token) => match self.principal(request).await {
                None => unauthorized(),
                Some(who) => self.job(&token, &who).await?,
            },
            Route::Webhook => self.webhook(request, info).await?,
        })
    }

    /// The caller's principal: what `authorize(request)` named (a throw or
    /// a rejection refuses), or the one public principal.
    async fn principal(&self, request: &JsValue) -> Option<String> {
        match &self.access {
            Access::Public => Some(route::PUBLIC_PRINCIPAL.to_string()),
            Access::Authorize(f) => {
                let returned = call_hook(f, request).await.ok()?;
                let returned = to_json(&returned).unwrap_or(Json::Null);
                route::principal(&returned).map(str::to_string)
            }
        }
    }

    /// The body's bytes, or `None` when over the limit.
    async fn body(&self, request: &JsValue) -> Result<Option<Vec<u8>>, JsValue> {
        let bytes = promise(read_body(request, self.max_body)).await?;
        Ok((!bytes.is_null()).then(|| js_sys::Uint8Array::new(&bytes).to_vec()))
    }

    async fn keyed(&self, material: &str) -> Result<String, JsValue> {
        Ok(promise(keyed_hex(&self.secret, material))
            .await?
            .as_string()
            .unwrap_or_default())
    }

    /// What a token records of its principal.
    async fn principal_tag(&self, principal: &str) -> Result<String, JsValue> {
        let hex = self.keyed(&route::principal_material(principal)).await?;
        Ok(hex.get(..32).unwrap_or(&hex).to_string())
    }

    async fn generate(
        self: &Rc<Self>,
        request: &JsValue,
        info: &JsValue,
        principal: &str,
    ) -> Result<Reply, JsValue> {
        let p = self.client.provider();
        let Some(bytes) = self.body(request).await? else {
            return Ok(Reply::refuse(
                413,
                "TOO_LARGE",
                "the request body is too large",
            ));
        };
        let mut prepared = match self.policy.decide(body_read(&bytes)) {
            Ok(p) => p,
            Err(refusal) => return Ok(refusal.into()),
        };
        // OpenAI hears which of the owner's users asked, as a digest.
        let tag = self.principal_tag(principal).await?;
        if p.supports(gpt_image_core::Field::User) && prepared.request.get("user").is_none() {
            prepared
                .request
                .set("user", Json::String(route::openai_user(&tag)));
        }
        if let Some(limit) = &self.limit {
            let question = json!({ "principal": principal, "estimate": prepared.estimate.to_json(), "request": prepared.request.clone() });
            let decision = match call_hook(limit, &from_json(&question)).await {
                Ok(v) => to_json(&v).unwrap_or(Json::Null),
                Err(_) => Json::Null,
            };
            if let Err(refusal) = route::limit_outcome(&decision) {
                return Ok(refusal.into());
            }
        }
        // Public routes ignore callers' keys: one principal must not let
        // strangers reach each other's jobs by guessing keys.
        let caller_key = match (&self.access, get(info, "idempotencyKey").as_string()) {
            (Access::Authorize(_), Some(k)) => {
                if wire::check_idempotency_key(p, &k).is_err() {
                    return Ok(Reply::refuse(
                        400,
                        "INVALID_REQUEST",
                        "Idempotency-Key must be 1 to 255 visible ASCII characters",
                    ));
                }
                Some(k)
            }
            _ => None,
        };
        let key = match caller_key {
            Some(k) => route::provider_idempotency_key(
                &self
                    .keyed(&route::idempotency_material(principal, &k))
                    .await?,
            ),
            None => crate::api::random_uuid()?,
        };
        let opts = SubmitOptions {
            deadline_ms: matches!(p.flow(), gpt_image_core::Flow::Async)
                .then_some(SUBMIT_DEADLINE_MS),
            max_cost_usd: self.policy.max_cost_usd(),
            idempotency_key: Some(key),
            partial_images: None,
        };
        if route::wants_event_stream(get(info, "accept").as_string().as_deref()) {
            let stream = EventStream::new(self.heartbeat_ms, request);
            let run = self.clone().stream(
                stream.clone().unchecked_into(),
                prepared.request,
                prepared.estimate,
                opts,
                tag,
            );
            wasm_bindgen_futures::spawn_local(run);
            return Ok(Reply {
                stream: Some(stream),
                ..Reply::empty(200, Vec::new())
            });
        }
        let io = WasmIo::new(None).with_uploader(self.uploader.clone());
        let handle =
            match submit_shared(&self.client, &io, &prepared.request, &opts, &mut |_| {}).await {
                Ok(h) => h,
                Err(e) => return Ok(public_error(&e).into()),
            };
        let estimate = public_cost(&prepared.estimate);
        if let Some(job) = &handle.result {
            // Synchronous providers: the images are ready now; no token needed.
            return Ok(Reply::json(
                200,
                json!({ "token": null, "estimate": estimate, "job": public_job(job) }),
            ));
        }
        let token = self.token(&handle, &tag).await?;
        Ok(Reply::json(
            202,
            json!({ "token": token, "estimate": estimate }),
        ))
    }

    /// The opaque status token of a submitted job, for `principal_tag`'s principal.
    async fn token(&self, handle: &Handle, principal_tag: &str) -> Result<Option<String>, JsValue> {
        let expires = js_sys::Date::now() + self.token_ttl_ms;
        let payload = route::token_payload(handle, principal_tag, expires);
        Ok(promise(seal_token(&self.secret, &stringify(&payload)))
            .await?
            .as_string())
    }

    /// A generation told as server-sent events (see `route::event`): the
    /// stream ends after `completed` or `error`. A reader that goes away stops
    /// the polling; the provider's job goes on, and the token finds it.
    async fn stream(
        self: Rc<Self>,
        events: EventStream,
        request: Json,
        estimate: Cost,
        mut opts: SubmitOptions,
        tag: String,
    ) {
        let send = |name: &str, data: &Json| events.write(&sse::event_text(name, &stringify(data)));
        let p = self.client.provider();
        let sync = !matches!(p.flow(), gpt_image_core::Flow::Async);
        if sync {
            send(
                route::event::ACCEPTED,
                &route::accepted_event(&estimate, None),
            );
        }
        let io = WasmIo::new(None).with_uploader(self.uploader.clone());
        let submitted = match self.partial_images.filter(|n| *n > 0) {
            Some(n) => {
                opts.partial_images = Some(n);
                let mut partial = |image: &PartialImage| {
                    send(route::event::PARTIAL_IMAGE, &image.to_json());
                };
                submit_streaming_shared(
                    &self.client,
                    &io,
                    &request,
                    &opts,
                    &mut |_| {},
                    &mut partial,
                )
                .await
            }
            None => submit_shared(&self.client, &io, &request, &opts, &mut |_| {}).await,
        };
        let handle = match submitted {
            Ok(h) => h,
            Err(e) => {
                send(route::event::ERROR, &route::error_event(&e));
                return events.close();
            }
        };
        let mut token = None;
        if !sync {
            token = self.token(&handle, &tag).await.ok().flatten();
            send(
                route::event::ACCEPTED,
                &route::accepted_event(&estimate, token.as_deref()),
            );
        }
        let watching = WasmIo::new(Some(events.signal()));
        let wait = WaitOptions {
            deadline_ms: Some(DEFAULT_DEADLINE_MS),
        };
        let mut progress = |job: &Job| {
            if !job.status.is_terminal() {
                send(route::event::PROGRESS, &route::progress_event(job));
            }
        };
        match wait_shared(&self.client, &watching, &handle, &wait, &mut progress).await {
            Ok(job) => send(route::event::COMPLETED, &public_job(&job)),
            Err(_) if events.signal().aborted() => {}
            Err(e) => {
                let mut data = route::error_event(&e);
                if let Some(t) = &token {
                    data.set("token", Json::String(t.clone()));
                }
                send(route::event::ERROR, &data);
            }
        }
        events.close();
    }

    async fn job(&self, token: &str, principal: &str) -> Result<Reply, JsValue> {
        let gone = || Reply::refuse(404, "NOT_FOUND", "no such job");
        let Some(text) = promise(open_token(&self.secret, token)).await?.as_string() else {
            return Ok(gone());
        };
        let ResponseBody::Json(payload) = parse_text(&text) else {
            return Ok(gone());
        };
        let tag = self.principal_tag(principal).await?;
        let Some(handle) =
            route::token_handle(&payload, self.client.provider(), &tag, js_sys::Date::now())
        else {
            return Ok(gone());
        };
        Ok(
            match get_job_shared(&self.client, &WasmIo::new(None), &handle).await {
                Ok(job) => Reply::json(200, public_job(&job)),
                Err(e) => public_error(&e).into(),
            },
        )
    }

    async fn webhook(&self, request: &JsValue, info: &JsValue) -> Result<Reply, JsValue> {
        let p = self.client.provider();
        if p != Provider::Apiframe {
            return Ok(Reply::refuse(404, "NOT_FOUND", "no such route"));
        }
        let Some(body) = self.body(request).await? else {
            return Ok(Reply::refuse(
                413,
                "TOO_LARGE",
                "the request body is too large",
            ));
        };
        let header = get(info, "signature").as_string().unwrap_or_default();
        let Some(signature) = webhook::parse_signature(&header) else {
            return Ok(Reply::refuse(401, "UNAUTHORIZED", "bad webhook signature"));
        };
        // Over the bytes as they came: the provider signed bytes, not text.
        let key = self.client.config().target.api_key.expose();
        let good = promise(hmac_sha256_verify(key, &body, &signature)).await?;
        if good != JsValue::TRUE {
            return Ok(Reply::refuse(401, "UNAUTHORIZED", "bad webhook signature"));
        }
        let event = match body_read(&body) {
            BodyRead::Json(v) => route::webhook_event(p, &v),
            _ => None,
        };
        let Some(event) = event else {
            return Ok(Reply::refuse(
                400,
                "INVALID_REQUEST",
                "the event names no job",
            ));
        };
        if let Some(f) = &self.on_webhook {
            if call_hook(f, &from_json(&event)).await.is_err() {
                // The sender retries failed deliveries.
                return Ok(Reply::refuse(
                    500,
                    "INTERNAL",
                    "the webhook could not be handled",
                ));
            }
        }
        Ok(Reply::empty(204, Vec::new()))
    }
}
