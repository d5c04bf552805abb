//! `createRouteHandler`: the key stays in a server route or edge worker; the
//! browser gets validation, prices and opaque status tokens.

use crate::client::{get_job_shared, submit_shared, ImageClient};
use crate::convert::{
    from_json, get, js_error, opt_number, opt_string, parse_text, stringify, to_json,
};
use crate::io::WasmIo;
use crate::runtime::hmac_sha256_verify;
use gpt_image_core::client::{Client, SubmitOptions};
use gpt_image_core::route::{self, public_error, public_job, refusal, Allow, Route};
use gpt_image_core::{
    json, price, webhook, wire, Error, ErrorCode, Issue, Json, Provider, ResponseBody,
    ValidateOptions,
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

    /// The body as text, or null when longer than `max_bytes`.
    #[wasm_bindgen(js_name = readBody)]
    fn read_body(request: &JsValue, max_bytes: f64) -> js_sys::Promise;

    /// A Response with exactly these headers.
    fn respond(status: u16, body: &str, headers: &JsValue) -> JsValue;

    /// An opaque, authenticated token for `text`.
    #[wasm_bindgen(js_name = sealToken)]
    fn seal_token(secret: &str, text: &str) -> js_sys::Promise;

    /// The text of a token, or null.
    #[wasm_bindgen(js_name = openToken)]
    fn open_token(secret: &str, token: &str) -> js_sys::Promise;

    /// The provider idempotency key for a caller's key.
    #[wasm_bindgen(js_name = deriveKey)]
    fn derive_key(secret: &str, caller_key: &str) -> js_sys::Promise;
}

/// Default largest request body (64 KiB).
const DEFAULT_MAX_BODY: f64 = 64.0 * 1024.0;
/// Default lifetime of a status token (24 h, like the providers' image URLs).
const DEFAULT_TOKEN_TTL_MS: f64 = 24.0 * 3600.0 * 1000.0;
/// How long a route waits for an asynchronous provider to accept a job.
const SUBMIT_DEADLINE_MS: f64 = 30_000.0;

struct Handler {
    client: Rc<Client>,
    secret: String,
    base_path: String,
    allow: Allow,
    max_cost_usd: Option<f64>,
    authorize: Option<js_sys::Function>,
    on_webhook: Option<js_sys::Function>,
    allowed_origins: Vec<String>,
    max_body: f64,
    token_ttl_ms: f64,
}

/// A response: status, a JSON body (or none) and extra headers.
struct Reply {
    status: u16,
    body: Option<Json>,
    headers: Vec<(String, String)>,
}

impl Reply {
    fn json(status: u16, body: Json) -> Reply {
        Reply {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    fn refuse(status: u16, code: &str, message: &str) -> Reply {
        Reply::json(status, refusal(code, message, &[]))
    }

    fn issues(status: u16, code: &str, message: &str, issues: &[Issue]) -> Reply {
        Reply::json(status, refusal(code, message, issues))
    }

    fn error(e: &Error) -> Reply {
        let (status, body) = public_error(e);
        let mut reply = Reply::json(status, body);
        if let Some(ms) = e.retry_after_ms.filter(|_| status == 429) {
            reply
                .headers
                .push(("Retry-After".into(), (ms.div_ceil(1000)).max(1).to_string()));
        }
        reply
    }
}

fn invalid(message: &str) -> JsValue {
    js_error(&Error::new(ErrorCode::InvalidRequest, message))
}

/// `createRouteHandler(options)`: `(request: Request) => Promise<Response>`.
/// Create it once (at module scope): it lives as long as the module.
#[wasm_bindgen(js_name = createRouteHandler, skip_typescript)]
pub fn create_route_handler(options: JsValue) -> Result<js_sys::Function, JsValue> {
    let client = ImageClient::new(options.clone())?.into_inner();
    let secret = opt_string(&options, "secret")?
        .filter(|s| s.chars().count() >= 32)
        .ok_or_else(|| invalid("option `secret` is required: at least 32 characters of random text (it seals status tokens)"))?;
    let hook = |name: &str| -> Result<Option<js_sys::Function>, JsValue> {
        match get(&options, name) {
            v if v.is_undefined() || v.is_null() => Ok(None),
            v => v
                .dyn_into::<js_sys::Function>()
                .map(Some)
                .map_err(|_| invalid(&format!("option `{name}` must be a function"))),
        }
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
    let allow = Allow::from_json(&to_json(&get(&options, "allow"))?).map_err(|e| js_error(&e))?;
    let handler = Rc::new(Handler {
        client,
        secret,
        base_path: route::normalize_base_path(
            &opt_string(&options, "basePath")?.unwrap_or_else(|| "/api/images".into()),
        ),
        allow,
        max_cost_usd: opt_number(&options, "maxCostUsd")?,
        authorize: hook("authorize")?,
        on_webhook: hook("onWebhook")?,
        allowed_origins,
        max_body: opt_number(&options, "maxBodyBytes")?.unwrap_or(DEFAULT_MAX_BODY),
        token_ttl_ms: opt_number(&options, "tokenTtlMs")?.unwrap_or(DEFAULT_TOKEN_TTL_MS),
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

impl Handler {
    async fn serve(&self, request: JsValue) -> JsValue {
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
        if reply.body.is_some() {
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
        let body = reply.body.as_ref().map(stringify).unwrap_or_default();
        respond(reply.status, &body, &pairs)
    }

    async fn route(&self, r: Route, request: &JsValue, info: &JsValue) -> Result<Reply, JsValue> {
        Ok(match r {
            Route::NotFound => Reply::refuse(404, "NOT_FOUND", "no such route"),
            Route::WrongMethod(allowed) => {
                let mut reply = Reply::refuse(405, "METHOD_NOT_ALLOWED", &format!("use {allowed}"));
                reply.headers.push(("Allow".into(), allowed.into()));
                reply
            }
            Route::Preflight => Reply {
                status: 204,
                body: None,
                headers: vec![
                    ("Access-Control-Allow-Methods".into(), "GET, POST".into()),
                    (
                        "Access-Control-Allow-Headers".into(),
                        "Content-Type, Idempotency-Key".into(),
                    ),
                    ("Access-Control-Max-Age".into(), "600".into()),
                ],
            },
            Route::Generate => match self.authorized(request).await? {
                false => Reply::refuse(401, "UNAUTHORIZED", "not authorized"),
                true => self.generate(request, info).await?,
            },
            Route::Job(token) => match self.authorized(request).await? {
                false => Reply::refuse(401, "UNAUTHORIZED", "not authorized"),
                true => self.job(&token).await?,
            },
            Route::Webhook => self.webhook(request, info).await?,
        })
    }

    /// The caller's `authorize(request)` hook; a throw counts as a refusal.
    async fn authorized(&self, request: &JsValue) -> Result<bool, JsValue> {
        let Some(f) = &self.authorize else {
            return Ok(true);
        };
        let Ok(v) = f.call1(&JsValue::NULL, request) else {
            return Ok(false);
        };
        Ok(promise(js_sys::Promise::resolve(&v))
            .await
            .is_ok_and(|v| v.is_truthy()))
    }

    async fn body(&self, request: &JsValue) -> Result<Option<String>, JsValue> {
        Ok(promise(read_body(request, self.max_body))
            .await?
            .as_string())
    }

    async fn generate(&self, request: &JsValue, info: &JsValue) -> Result<Reply, JsValue> {
        let p = self.client.provider();
        let Some(text) = self.body(request).await? else {
            return Ok(Reply::refuse(
                413,
                "TOO_LARGE",
                "the request body is too large",
            ));
        };
        let ResponseBody::Json(req) = parse_text(&text) else {
            return Ok(Reply::refuse(
                400,
                "INVALID_REQUEST",
                "the body must be a JSON request",
            ));
        };
        // Strict: a browser's unknown or unsupported fields are refused, not dropped.
        let opts = ValidateOptions {
            strict: true,
            allow_local_urls: self.client.config().target.is_local(),
        };
        let v = gpt_image_core::validate_request(p, &req, opts);
        if !v.ok() {
            return Ok(Reply::issues(
                400,
                "INVALID_REQUEST",
                "the request is not valid",
                &v.errors,
            ));
        }
        let refused = self.allow.check(&req);
        if !refused.is_empty() {
            return Ok(Reply::issues(
                403,
                "FORBIDDEN",
                "this service does not allow that request",
                &refused,
            ));
        }
        let Some(typed) = v.request else {
            return Ok(Reply::refuse(
                400,
                "INVALID_REQUEST",
                "the request is not valid",
            ));
        };
        let estimate = price::estimate(p, &typed, &self.client.config().price);
        if let Some(max) = self.max_cost_usd {
            if estimate.usd.is_none_or(|usd| usd > max) {
                return Ok(Reply::json(
                    402,
                    json!({ "error": { "code": "BUDGET_EXCEEDED", "message": "the request costs more than this service allows" }, "estimate": public_cost(&estimate) }),
                ));
            }
        }
        let caller_key = match get(info, "idempotencyKey").as_string() {
            Some(k) => {
                if wire::check_idempotency_key(p, &k).is_err() {
                    return Ok(Reply::refuse(
                        400,
                        "INVALID_REQUEST",
                        "Idempotency-Key must be 1 to 255 visible ASCII characters",
                    ));
                }
                k
            }
            None => crate::api::random_uuid()?,
        };
        let key = promise(derive_key(&self.secret, &caller_key))
            .await?
            .as_string()
            .unwrap_or_default();
        let opts = SubmitOptions {
            deadline_ms: matches!(p.flow(), gpt_image_core::Flow::Async)
                .then_some(SUBMIT_DEADLINE_MS),
            max_cost_usd: self.max_cost_usd,
            idempotency_key: Some(key),
        };
        let io = WasmIo::new(None);
        let handle = match submit_shared(&self.client, &io, &req, &opts, &mut |_| {}).await {
            Ok(h) => h,
            Err(e) => return Ok(Reply::error(&e)),
        };
        let estimate = public_cost(&estimate);
        if let Some(job) = &handle.result {
            // Synchronous providers: the images are ready now; no token needed.
            return Ok(Reply::json(
                200,
                json!({ "token": null, "estimate": estimate, "job": public_job(job) }),
            ));
        }
        let payload = route::token_payload(&handle, js_sys::Date::now() + self.token_ttl_ms);
        let token = promise(seal_token(&self.secret, &stringify(&payload))).await?;
        Ok(Reply::json(
            202,
            json!({ "token": token.as_string(), "estimate": estimate }),
        ))
    }

    async fn job(&self, token: &str) -> Result<Reply, JsValue> {
        let gone = || Reply::refuse(404, "NOT_FOUND", "no such job");
        let Some(text) = promise(open_token(&self.secret, token)).await?.as_string() else {
            return Ok(gone());
        };
        let ResponseBody::Json(payload) = parse_text(&text) else {
            return Ok(gone());
        };
        let Some(handle) =
            route::token_handle(&payload, self.client.provider(), js_sys::Date::now())
        else {
            return Ok(gone());
        };
        Ok(
            match get_job_shared(&self.client, &WasmIo::new(None), &handle).await {
                Ok(job) => Reply::json(200, public_job(&job)),
                Err(e) => Reply::error(&e),
            },
        )
    }

    async fn webhook(&self, request: &JsValue, info: &JsValue) -> Result<Reply, JsValue> {
        if self.client.provider() != Provider::Apiframe {
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
        let key = self.client.config().target.api_key.expose();
        let good = promise(hmac_sha256_verify(key, body.as_bytes(), &signature)).await?;
        if good != JsValue::TRUE {
            return Ok(Reply::refuse(401, "UNAUTHORIZED", "bad webhook signature"));
        }
        if let Some(f) = &self.on_webhook {
            let event = match parse_text(&body) {
                ResponseBody::Json(v) => from_json(&v),
                ResponseBody::NotJson(t) => JsValue::from_str(&t),
            };
            let done = match f.call1(&JsValue::NULL, &event) {
                Ok(v) => promise(js_sys::Promise::resolve(&v)).await.is_ok(),
                Err(_) => false,
            };
            if !done {
                // The sender retries failed deliveries.
                return Ok(Reply::refuse(
                    500,
                    "INTERNAL",
                    "the webhook could not be handled",
                ));
            }
        }
        Ok(Reply {
            status: 204,
            body: None,
            headers: Vec::new(),
        })
    }
}

fn public_cost(c: &gpt_image_core::Cost) -> Json {
    json!({ "credits": c.credits, "usd": c.usd, "exact": c.exact, "images": c.images })
}
