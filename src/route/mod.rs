//! `createRouteHandler`: the key stays in a server route or edge worker; the
//! browser gets validation, prices and opaque status tokens. Every decision
//! is `gpt_image_core::route`'s; this module reads requests, calls the
//! owner's hooks and WebCrypto, and writes responses:
//!
//! - `mod.rs`: the options, the dispatch and what every answer carries;
//! - `generate.rs`: `POST {base}/generate`, answered as JSON or as an event
//!   stream, with the caller's `Idempotency-Key`;
//! - `jobs.rs`: `GET {base}/jobs/{token}` and `POST {base}/webhook`;
//! - `durable.rs`: the same for durable jobs (`jobs`: a Workflow per job, a
//!   Durable Object ledger per principal, images in R2);
//! - `openai.rs`: OpenAI's Images API under the base path (`openaiCompatible`).
//!
//! What a route remembers between requests (idempotent answers, webhook
//! deliveries) is kept by `RouteMemory` in `route.js`, in the host's own maps.

mod durable;
mod generate;
mod jobs;
mod openai;

use crate::client::ImageClient;
use crate::convert::{
    from_json, get, js_error, opt_bool, opt_number, opt_string, stringify, to_json,
};
use crate::io::Transport;
use gpt_image_core::client::Client;
use gpt_image_core::route::{self, Policy, Refusal, Route, Site};
use gpt_image_core::{json, Error, ErrorCode, Json, PriceOptions};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

#[wasm_bindgen(module = "/src/route.js")]
extern "C" {
    /// `{ method, path, host, origin, secFetchSite, contentType, idempotencyKey, accept, headers }`.
    #[wasm_bindgen(js_name = requestInfo)]
    fn request_info(request: &JsValue) -> JsValue;

    /// `{ principal }`, `{ malformed: true }` or `{}` for what `authorize` returned.
    #[wasm_bindgen(js_name = principalOf)]
    fn principal_of(value: &JsValue) -> JsValue;

    /// The default `onError`: one line on the server's error log.
    #[wasm_bindgen(js_name = logReport)]
    fn log_report(report: &JsValue);

    /// Hex SHA-256 of bytes.
    #[wasm_bindgen(js_name = sha256Hex)]
    fn sha256_hex(bytes: &[u8]) -> js_sys::Promise;

    /// `{ promise, resolve }`.
    fn deferred() -> JsValue;

    /// What a route remembers between requests (see `route.js`).
    type RouteMemory;

    #[wasm_bindgen(constructor)]
    fn new() -> RouteMemory;

    /// `{ digest, reply }` of the first request under `key`, or undefined.
    #[wasm_bindgen(method)]
    fn answer(this: &RouteMemory, key: &str, now: f64) -> JsValue;

    #[wasm_bindgen(method)]
    fn keep(this: &RouteMemory, key: &str, digest: &str, reply: &js_sys::Promise, now: f64);

    #[wasm_bindgen(method)]
    fn settled(this: &RouteMemory, key: &str, bytes: usize);

    #[wasm_bindgen(method)]
    fn forget(this: &RouteMemory, key: &str);

    #[wasm_bindgen(method, js_name = firstDelivery)]
    fn first_delivery(this: &RouteMemory, digest: &str, now: f64, memory_ms: f64) -> bool;

    #[wasm_bindgen(method, js_name = forgetDelivery)]
    fn forget_delivery(this: &RouteMemory, digest: &str);

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
/// Default time for a whole request body to arrive (10 s).
const DEFAULT_BODY_TIMEOUT_MS: f64 = 10_000.0;
/// Default lifetime of a status token (24 h, like the providers' image URLs).
const DEFAULT_TOKEN_TTL_MS: f64 = 24.0 * 3600.0 * 1000.0;

/// Who may call: the owner's `authorize`, or everyone as one principal.
enum Access {
    Authorize(js_sys::Function),
    Public,
}

/// Who may be told about failures: the owner's `onError`, or the error log.
enum Reports {
    Hook(js_sys::Function),
    Log,
}

struct Handler {
    client: Rc<Client>,
    /// The client's `uploadReference` and `fetch`.
    transport: Transport,
    policy: Policy,
    secret: String,
    base_path: String,
    access: Access,
    limit: Option<js_sys::Function>,
    on_webhook: Option<js_sys::Function>,
    /// The signing secret of a provider whose webhooks are signed with one
    /// (Replicate's `whsec_…`).
    webhook_secret: Option<String>,
    /// Whether OpenAI's Images API is served under the base path too.
    openai_compatible: bool,
    /// fal's JWKS as given (`undefined`: fal's own, fetched and kept an hour).
    jwks: JsValue,
    reports: Reports,
    /// `{ claim(key, ttlMs) }`: a store shared by every instance, for webhook deliveries.
    replay_store: Option<JsValue>,
    allowed_origins: Vec<String>,
    public_origins: Vec<String>,
    max_body: f64,
    body_timeout_ms: f64,
    token_ttl_ms: f64,
    heartbeat_ms: f64,
    partial_images: Option<u8>,
    /// Idempotent answers and webhook deliveries, remembered in this instance.
    memory: RouteMemory,
    /// Durable jobs and their budget (`jobs`, `budget`).
    jobs: Option<durable::Jobs>,
}

/// A response: status, a JSON body (or none) and extra headers; or, with
/// `stream`, 200 and a server-sent event stream.
struct Reply {
    status: u16,
    body: Option<Json>,
    headers: Vec<(String, String)>,
    stream: Option<EventStream>,
    /// A Response made whole elsewhere (a stored image), answered as it is.
    raw: Option<JsValue>,
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
            raw: None,
        }
    }

    fn empty(status: u16, headers: Vec<(String, String)>) -> Reply {
        Reply {
            status,
            body: None,
            headers,
            stream: None,
            raw: None,
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

/// An optional list of origins (a string is a list of one).
fn origins(options: &JsValue, name: &str) -> Result<Vec<String>, JsValue> {
    let v = get(options, name);
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    if let Some(one) = v.as_string() {
        return Ok(vec![one]);
    }
    let list: js_sys::Array = v
        .dyn_into()
        .map_err(|_| invalid(&format!("option `{name}` must be an array of origins")))?;
    list.iter()
        .map(|o| {
            o.as_string()
                .ok_or_else(|| invalid(&format!("option `{name}` must hold strings")))
        })
        .collect()
}

/// A public origin as the owner wrote it: `scheme://host[:port]`, nothing more.
fn checked_origin(o: &str) -> Result<String, JsValue> {
    let bad = || {
        invalid(&format!(
            "option `publicOrigin`: \"{o}\" is not an origin (scheme://host[:port], such as https://app.example.com)"
        ))
    };
    let parsed = gpt_image_core::url::parse(o).map_err(|_| bad())?;
    if parsed.has_userinfo || !matches!(parsed.path_and_rest, "" | "/") {
        return Err(bad());
    }
    Ok(o.trim_end_matches('/').to_string())
}

/// `createRouteHandler(options)`: `(request: Request) => Promise<Response>`.
/// Create it once (at module scope): it lives as long as the module.
#[wasm_bindgen(js_name = createRouteHandler, skip_typescript)]
pub fn create_route_handler(options: JsValue) -> Result<js_sys::Function, JsValue> {
    let (client, transport) = ImageClient::new(options.clone())?.into_parts();
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
    let partial_images =
        crate::convert::opt_whole(&options, "partialImages", 0, 3)?.map(|n| n as u8);
    let jobs = durable::options(&options)?;
    if partial_images.is_some() && jobs.is_some() {
        return Err(invalid(
            "option `partialImages` is not available with `jobs`: a durable job's images arrive whole",
        ));
    }
    if partial_images.is_some() && !client.provider().streams_partial_images() {
        return Err(invalid(&format!(
            "option `partialImages`: {} streams no partial images",
            client.provider().display_name()
        )));
    }
    let replay_store = match get(&options, "replayStore") {
        v if v.is_undefined() || v.is_null() => None,
        v if get(&v, "claim").is_function() => Some(v),
        _ => {
            return Err(invalid(
                "option `replayStore` must be an object with a `claim(key, ttlMs)` method that resolves to true the first time it sees a key",
            ))
        }
    };
    let reports = match hook(&options, "onError")? {
        Some(f) => Reports::Hook(f),
        None => Reports::Log,
    };
    let cfg = client.config();
    let policy = Policy::new(
        client.provider(),
        &to_json(&get(&options, "allow"))?,
        &to_json(&get(&options, "defaults"))?,
        opt_number(&options, "maxCostUsd")?,
        PriceOptions { ..cfg.price },
        cfg.target.validate_options(true),
    )
    .map_err(|e| js_error(&e))?;
    let public_origins = origins(&options, "publicOrigin")?
        .iter()
        .map(|o| checked_origin(o))
        .collect::<Result<Vec<_>, _>>()?;
    // How this provider's webhooks are verified, checked at setup when given.
    let webhook_secret = opt_string(&options, "webhookSecret")?;
    let jwks = get(&options, "jwks");
    if webhook_secret.is_some() || !jwks.is_undefined() {
        let creds = crate::webhooks::Credentials {
            api_key: Some(""),
            secret: webhook_secret.as_deref(),
            jwks: &jwks,
        };
        if let Some(why) = crate::webhooks::missing(client.provider(), &creds) {
            return Err(js_error(&Error::new(ErrorCode::InvalidRequest, why)));
        }
    }
    let handler = Rc::new(Handler {
        client,
        transport,
        policy,
        secret,
        base_path: route::normalize_base_path(
            &opt_string(&options, "basePath")?.unwrap_or_else(|| "/api/images".into()),
        ),
        access,
        limit: hook(&options, "limit")?,
        on_webhook: hook(&options, "onWebhook")?,
        webhook_secret,
        jwks,
        openai_compatible: opt_bool(&options, "openaiCompatible")?.unwrap_or(false),
        reports,
        replay_store,
        allowed_origins: origins(&options, "allowedOrigins")?,
        public_origins,
        max_body: crate::convert::opt_whole(&options, "maxBodyBytes", 1, 16_777_216)?
            .unwrap_or(DEFAULT_MAX_BODY),
        body_timeout_ms: crate::convert::opt_whole(&options, "bodyTimeoutMs", 1, 600_000)?
            .unwrap_or(DEFAULT_BODY_TIMEOUT_MS),
        token_ttl_ms: crate::convert::opt_duration(&options, "tokenTtlMs")?
            .unwrap_or(DEFAULT_TOKEN_TTL_MS),
        heartbeat_ms: crate::convert::opt_whole(&options, "heartbeatMs", 1, 60_000)?
            .unwrap_or(route::DEFAULT_HEARTBEAT_MS),
        partial_images,
        memory: RouteMemory::new(),
        jobs,
    });
    let serve = Closure::<dyn FnMut(JsValue) -> js_sys::Promise>::new(move |request: JsValue| {
        let h = handler.clone();
        future_to_promise(async move { Ok(h.serve(request).await) })
    });
    Ok(serve.into_js_value().unchecked_into())
}

async fn promise(p: js_sys::Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

/// Call an owner's hook and wait for it; a throw or a rejection is `Err`.
async fn call_hook(f: &js_sys::Function, arg: &JsValue) -> Result<JsValue, JsValue> {
    let v = f.call1(&JsValue::NULL, arg)?;
    promise(js_sys::Promise::resolve(&v)).await
}

/// The message of a thrown value, for a report.
fn thrown_message(e: &JsValue) -> String {
    get(e, "message")
        .as_string()
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "it threw".to_string())
}

/// A request body, read within the route's limits.
enum BodyBytes {
    Read(Vec<u8>),
    TooLarge,
    TooSlow,
}

impl BodyBytes {
    /// The refusal for a body that could not be read.
    fn refusal(&self) -> Option<Reply> {
        match self {
            BodyBytes::Read(_) => None,
            BodyBytes::TooLarge => Some(Reply::refuse(
                413,
                "TOO_LARGE",
                "the request body is too large",
            )),
            BodyBytes::TooSlow => Some(Reply::refuse(
                408,
                "TIMEOUT",
                "the request body did not arrive in time",
            )),
        }
    }
}

/// The caller: who they are, as `authorize` named them.
enum Principal {
    Named(String),
    Refused,
    /// `authorize` returned a string that is not well-formed text.
    Malformed,
}

impl Handler {
    async fn serve(self: Rc<Self>, request: JsValue) -> JsValue {
        let info = request_info(&request);
        let text = |k: &str| get(&info, k).as_string();
        let (origin, host, fetch_site) = (text("origin"), text("host"), text("secFetchSite"));
        let caller = route::Caller {
            sec_fetch_site: fetch_site.as_deref(),
            origin: origin.as_deref(),
            host: host.as_deref(),
        };
        let site = route::site(&caller, &self.public_origins, &self.allowed_origins);
        let reply = match &site {
            Site::Refused(why) => Reply::refuse(403, "FORBIDDEN", why),
            _ => {
                let r = route::route(
                    &text("method").unwrap_or_default(),
                    &text("path").unwrap_or_default(),
                    &self.base_path,
                );
                match self.route(r, &request, &info).await {
                    Ok(Reply {
                        raw: Some(response),
                        ..
                    }) => return response,
                    Ok(reply) => reply,
                    Err(e) => {
                        let message = thrown_message(&e);
                        self.report_failure("route", None, 500, "INTERNAL", &message)
                            .await;
                        Reply::refuse(500, "INTERNAL", "the request could not be handled")
                    }
                }
            }
        };
        let mut reply = reply;
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
        if let Site::Listed(o) = site {
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
        let who = |p: Principal| match p {
            Principal::Named(name) => Ok(name),
            Principal::Refused => Err(Reply::refuse(401, "UNAUTHORIZED", "not authorized")),
            Principal::Malformed => Err(Reply::refuse(
                500,
                "INTERNAL",
                "the request could not be handled",
            )),
        };
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
            Route::Generate => {
                let json =
                    route::is_json_content_type(get(info, "contentType").as_string().as_deref());
                if !json {
                    return Ok(Reply::refuse(
                        415,
                        "UNSUPPORTED_MEDIA_TYPE",
                        "send the request as Content-Type: application/json",
                    ));
                }
                match who(self.principal(request).await) {
                    Err(reply) => reply,
                    Ok(principal) => self.generate(request, info, &principal).await?,
                }
            }
            Route::Job(token) => match (who(self.principal(request).await), &self.jobs) {
                (Err(reply), _) => reply,
                (Ok(principal), Some(jobs)) => self.job_durable(jobs, &token, &principal).await?,
                (Ok(principal), None) => self.job(&token, &principal).await?,
            },
            Route::Usage => match (who(self.principal(request).await), &self.jobs) {
                (Err(reply), _) => reply,
                (Ok(_), None) => Reply::refuse(404, "NOT_FOUND", "no such route"),
                (Ok(principal), Some(jobs)) => self.usage(jobs, &principal).await?,
            },
            Route::StoredImage(id, index) => match (who(self.principal(request).await), &self.jobs)
            {
                (Err(reply), _) => reply,
                (Ok(_), None) => Reply::refuse(404, "NOT_FOUND", "no such route"),
                (Ok(principal), Some(jobs)) => {
                    match self.stored_image(jobs, &principal, &id, index).await? {
                        Ok(response) => Reply {
                            raw: Some(response),
                            ..Reply::empty(200, Vec::new())
                        },
                        Err(reply) => reply,
                    }
                }
            },
            Route::Webhook => self.webhook(request, info).await?,
            Route::OpenAiGenerations | Route::OpenAiEdits | Route::OpenAiModels
                if !self.openai_compatible =>
            {
                Reply::refuse(404, "NOT_FOUND", "no such route")
            }
            Route::OpenAiModels => match who(self.principal(request).await) {
                Err(reply) => openai::as_openai(reply),
                Ok(_) => self.openai_models(),
            },
            Route::OpenAiGenerations | Route::OpenAiEdits => {
                match who(self.principal(request).await) {
                    Err(reply) => openai::as_openai(reply),
                    Ok(principal) => {
                        let edit = r == Route::OpenAiEdits;
                        self.openai_images(request, info, &principal, edit).await?
                    }
                }
            }
        })
    }

    /// The caller's principal: what `authorize(request)` named (a throw or
    /// a rejection refuses), or the one public principal. A name that is not
    /// well-formed text is refused outright (it would read as another's).
    async fn principal(&self, request: &JsValue) -> Principal {
        let f = match &self.access {
            Access::Public => return Principal::Named(route::PUBLIC_PRINCIPAL.to_string()),
            Access::Authorize(f) => f,
        };
        let returned = match call_hook(f, request).await {
            Ok(v) => v,
            Err(e) => {
                let message = format!("authorize threw: {}", thrown_message(&e));
                self.report_failure("authorize", None, 401, "UNAUTHORIZED", &message)
                    .await;
                return Principal::Refused;
            }
        };
        let read = principal_of(&returned);
        if get(&read, "malformed").is_truthy() {
            self.report_failure(
                "authorize",
                None,
                500,
                "INTERNAL",
                "authorize returned a principal that is not well-formed text (it holds a lone UTF-16 surrogate); the request was refused rather than given to another principal whose name reads the same",
            )
            .await;
            return Principal::Malformed;
        }
        match get(&read, "principal").as_string() {
            Some(name) => Principal::Named(name),
            None => Principal::Refused,
        }
    }

    /// The body's bytes, within the size limit and the body deadline.
    async fn body(&self, request: &JsValue) -> Result<BodyBytes, JsValue> {
        let read = promise(crate::runtime::read_limited(
            request,
            self.max_body,
            self.body_timeout_ms,
        ))
        .await?;
        if get(&read, "tooLarge").is_truthy() {
            return Ok(BodyBytes::TooLarge);
        }
        if get(&read, "timeout").is_truthy() {
            return Ok(BodyBytes::TooSlow);
        }
        Ok(BodyBytes::Read(
            js_sys::Uint8Array::new(&get(&read, "bytes")).to_vec(),
        ))
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

    /// Whether answers may carry loopback URLs (a route that talks to a local stand-in).
    fn local(&self) -> bool {
        self.client.config().target.is_local()
    }

    /// Tell the owner (`onError`, or the error log); a hook that throws is ignored.
    async fn tell(&self, report: Json) {
        let value = from_json(&report);
        match &self.reports {
            Reports::Hook(f) => {
                let _ = call_hook(f, &value).await;
            }
            Reports::Log => log_report(&value),
        }
    }

    /// Report a client error the caller got as `public_error` shows it.
    async fn report_error(&self, at: &str, principal: Option<&str>, e: &Error) {
        self.tell(route::error_report(at, principal, e)).await;
    }

    /// Report a job that ended without images (the caller saw only our code).
    async fn report_job(&self, at: &str, principal: Option<&str>, job: &gpt_image_core::Job) {
        if let Some(r) = route::job_report(at, principal, job, self.local()) {
            self.tell(r).await;
        }
    }

    /// Report a failure of the route's own (a hook, a setup, a refusal worth knowing).
    async fn report_failure(
        &self,
        at: &str,
        principal: Option<&str>,
        status: u16,
        code: &str,
        message: &str,
    ) {
        let error = json!({ "code": code, "message": message });
        self.tell(route::report(at, principal, status, code, error))
            .await;
    }
}
