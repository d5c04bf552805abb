//! `POST {base}/generate`: validated, allowed, priced and limited, then
//! sent; answered as JSON or, with `Accept: text/event-stream`, as events.
//!
//! With the caller's `Idempotency-Key` (routes with `authorize`), the first
//! request's answer is kept: a replay with the same body gets it without
//! being limited or sent again (while the first is still running, it waits
//! for it); the same key with another body is `422 IDEMPOTENCY_MISMATCH`.

use super::{
    deferred, promise, seal_token, sha256_hex, Access, BodyBytes, EventStream, Handler, Reply,
};
use crate::client::{submit_shared, submit_streaming_shared, wait_shared};
use crate::convert::{from_json, get, parse_text, stringify, to_json};
use crate::io::WasmIo;
use gpt_image_core::client::{PartialImage, SubmitOptions, WaitOptions, DEFAULT_DEADLINE_MS};
use gpt_image_core::handle::Handle;
use gpt_image_core::route::{self, public_cost, public_error, public_job, BodyRead};
use gpt_image_core::{json, sse, wire, Cost, Field, Flow, Job, Json, ResponseBody};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// How long a route waits for an asynchronous provider to accept a job.
const SUBMIT_DEADLINE_MS: f64 = 30_000.0;

/// A request the route decided to send: as it will go, who asked (as a
/// digest), and how it is submitted.
pub(super) struct Admitted {
    /// The request and its estimate.
    pub prepared: route::Prepared,
    /// The principal's tag.
    pub tag: String,
    /// Deadline, budget, idempotency key.
    pub opts: SubmitOptions,
}

/// Statuses of refusals made before anything was sent: the caller may send
/// the same request again (after fixing it, or later), so its key is not kept.
fn refused_before_sending(status: u16) -> bool {
    matches!(status, 400 | 401 | 402 | 403 | 408 | 413 | 415 | 429 | 500)
}

/// Body bytes read as the core reads them (the parser the tests fuzz), its
/// numbers by the host's `parseFloat`.
pub(super) fn body_read(bytes: &[u8]) -> BodyRead {
    route::read_body(bytes, crate::convert::host_number)
}

/// Where the first answer under an idempotency key is to be kept.
struct Keep {
    key: String,
    resolve: js_sys::Function,
}

/// An answer as kept for replays: `{ status, body, headers }`.
fn kept(reply: &Reply) -> Json {
    let headers: Vec<Json> = reply.headers.iter().map(|(k, v)| json!([k, v])).collect();
    json!({ "status": reply.status, "body": reply.body.clone(), "headers": headers })
}

/// A kept answer back as a reply.
fn unkept(v: &Json) -> Reply {
    let headers = v["headers"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|h| Some((h[0].as_str()?.to_string(), h[1].as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    Reply {
        status: v["status"].as_u64().unwrap_or(500) as u16,
        body: v.get("body").filter(|b| !b.is_null()).cloned(),
        headers,
        stream: None,
        raw: None,
    }
}

impl Handler {
    pub(super) async fn generate(
        self: &Rc<Self>,
        request: &JsValue,
        info: &JsValue,
        principal: &str,
    ) -> Result<Reply, JsValue> {
        let body = self.body(request).await?;
        let bytes = match body {
            BodyBytes::Read(bytes) => bytes,
            other => {
                return Ok(other
                    .refusal()
                    .unwrap_or_else(|| Reply::empty(500, Vec::new())))
            }
        };
        let streaming = route::wants_event_stream(get(info, "accept").as_string().as_deref());
        self.generate_bytes(request, info, principal, &bytes, streaming)
            .await
    }

    /// [`Handler::generate`] of a body already read: the caller's
    /// `Idempotency-Key` honoured per principal, then a new request decided.
    pub(super) async fn generate_bytes(
        self: &Rc<Self>,
        request: &JsValue,
        info: &JsValue,
        principal: &str,
        bytes: &[u8],
        streaming: bool,
    ) -> Result<Reply, JsValue> {
        let bytes = bytes.to_vec();
        // Public routes ignore callers' keys: one principal must not let
        // strangers reach each other's jobs by guessing keys.
        let caller_key = match (&self.access, get(info, "idempotencyKey").as_string()) {
            (Access::Authorize(_), Some(k)) => {
                if wire::check_idempotency_key(self.client.provider(), &k).is_err() {
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
        if let Some(jobs) = &self.jobs {
            // The job's id: from the caller's key (the same for every retry
            // of it, per principal), or new.
            let key = match &caller_key {
                Some(k) => route::provider_idempotency_key(
                    &self
                        .keyed(&route::idempotency_material(principal, k))
                        .await?,
                ),
                None => crate::wire::random_uuid()?,
            };
            return self
                .generate_durable(jobs, principal, &bytes, key, streaming, request)
                .await;
        }
        let Some(caller_key) = caller_key else {
            let key = crate::wire::random_uuid()?;
            return self
                .generate_new(request, principal, &bytes, key, streaming, None)
                .await;
        };
        let key = route::provider_idempotency_key(
            &self
                .keyed(&route::idempotency_material(principal, &caller_key))
                .await?,
        );
        let digest = promise(sha256_hex(&bytes))
            .await?
            .as_string()
            .unwrap_or_default();
        let now = js_sys::Date::now();
        let kept = self.memory.answer(&key, now);
        let first = (!kept.is_undefined()).then(|| {
            let same = get(&kept, "digest").as_string().as_deref() == Some(digest.as_str());
            (same, js_sys::Promise::from(get(&kept, "reply")))
        });
        match first {
            Some((false, _)) => Ok(Reply::refuse(
                422,
                "IDEMPOTENCY_MISMATCH",
                "this Idempotency-Key was used with another request body; use a new key for a new request",
            )),
            Some((true, answer)) => {
                let text = promise(answer).await?.as_string().unwrap_or_default();
                let ResponseBody::Json(v) = parse_text(&text) else {
                    return Ok(Reply::refuse(500, "INTERNAL", "the request could not be handled"));
                };
                Ok(self.replay(&v, streaming, request, principal))
            }
            None => {
                let d = deferred();
                let resolve: js_sys::Function = get(&d, "resolve").unchecked_into();
                let answer: js_sys::Promise = get(&d, "promise").unchecked_into();
                self.memory.keep(&key, &digest, &answer, now);
                let keep = Keep {
                    key: key.clone(),
                    resolve,
                };
                let result = self
                    .generate_new(request, principal, &bytes, key, streaming, Some(&keep))
                    .await;
                match &result {
                    // A stream keeps its answer itself, once it knows it.
                    Ok(reply) if reply.stream.is_none() => self.keep(&keep, reply),
                    Ok(_) => {}
                    Err(_) => self.keep(&keep, &Reply::refuse(500, "INTERNAL", "the request could not be handled")),
                }
                result
            }
        }
    }

    /// Settle the first answer under a key: replays waiting on it get it;
    /// a refusal made before anything was sent is not kept.
    fn keep(&self, keep: &Keep, reply: &Reply) {
        let text = stringify(&kept(reply));
        let _ = keep
            .resolve
            .call1(&JsValue::NULL, &JsValue::from_str(&text));
        if refused_before_sending(reply.status) {
            self.memory.forget(&keep.key);
        } else {
            self.memory.settled(&keep.key, text.len());
        }
    }

    /// A replay of a kept answer: as it was, or for a caller who asks for
    /// events, as the events it stands for.
    fn replay(
        self: &Rc<Self>,
        v: &Json,
        streaming: bool,
        request: &JsValue,
        principal: &str,
    ) -> Reply {
        let reply = unkept(v);
        let body = reply.body.clone().unwrap_or_default();
        if !streaming || !matches!(reply.status, 200 | 202) {
            return reply;
        }
        let events = EventStream::new(self.heartbeat_ms, request);
        let send = |name: &str, data: &Json| events.write(&sse::event_text(name, &stringify(data)));
        let accepted =
            json!({ "estimate": body["estimate"].clone(), "token": body["token"].clone() });
        send(route::event::ACCEPTED, &accepted);
        match (body["job"].is_object(), body["token"].as_str()) {
            (true, _) => {
                send(route::event::COMPLETED, &body["job"]);
                events.close();
            }
            (false, Some(token)) => {
                let (this, token, principal) =
                    (self.clone(), token.to_string(), principal.to_string());
                let writer: EventStream = events.clone().unchecked_into();
                wasm_bindgen_futures::spawn_local(async move {
                    match this.handle_of(&token, &principal).await {
                        Some(handle) => this.follow(writer, handle, Some(token), principal).await,
                        None => writer.close(),
                    }
                });
            }
            _ => events.close(),
        }
        Reply {
            stream: Some(events),
            ..Reply::empty(200, Vec::new())
        }
    }

    /// Decide on a new request: validated and allowed by the policy (with
    /// `partial_images` priced), the end user named to the provider, `limit`
    /// asked. `Ok(Err(reply))`: refused, and how.
    pub(super) async fn admit(
        self: &Rc<Self>,
        principal: &str,
        bytes: &[u8],
        partial: u8,
        key: String,
    ) -> Result<Result<Admitted, Reply>, JsValue> {
        let p = self.client.provider();
        let mut prepared = match self.policy.decide_for(body_read(bytes), partial) {
            Ok(p) => p,
            Err(refusal) => return Ok(Err(refusal.into())),
        };
        // The provider hears which of the owner's users asked, as a digest.
        let tag = self.principal_tag(principal).await?;
        if p.supports(Field::User) && prepared.request.get("user").is_none() {
            prepared
                .request
                .set("user", Json::String(route::end_user_tag(&tag)));
        }
        if let Some(limit) = &self.limit {
            let question = json!({ "principal": principal, "estimate": prepared.estimate.to_json(), "request": prepared.request.clone() });
            let decision = match super::call_hook(limit, &from_json(&question)).await {
                Ok(v) => to_json(&v).unwrap_or(Json::Null),
                Err(e) => {
                    let message = format!("limit threw: {}", super::thrown_message(&e));
                    self.report_failure("limit", Some(principal), 500, "INTERNAL", &message)
                        .await;
                    Json::Null
                }
            };
            if let Err(refusal) = route::limit_outcome(&decision) {
                if refusal.status == 500 {
                    self.report_failure(
                        "limit",
                        Some(principal),
                        500,
                        "INTERNAL",
                        "limit answered neither true, { retryAfterMs } nor { reason: \"budget\" }: nothing was sent",
                    )
                    .await;
                }
                return Ok(Err(refusal.into()));
            }
        }
        let opts = SubmitOptions {
            deadline_ms: matches!(p.flow(), Flow::Async).then_some(SUBMIT_DEADLINE_MS),
            max_cost_usd: self.policy.max_cost_usd(),
            idempotency_key: Some(key),
            partial_images: None,
        };
        Ok(Ok(Admitted {
            prepared,
            tag,
            opts,
        }))
    }

    /// A request seen for the first time: decided, limited, then sent.
    async fn generate_new(
        self: &Rc<Self>,
        request: &JsValue,
        principal: &str,
        bytes: &[u8],
        key: String,
        streaming: bool,
        keep: Option<&Keep>,
    ) -> Result<Reply, JsValue> {
        let partial = self.partial_images.filter(|_| streaming).unwrap_or(0);
        let Admitted {
            prepared,
            tag,
            opts,
        } = match self.admit(principal, bytes, partial, key).await? {
            Ok(a) => a,
            Err(reply) => return Ok(reply),
        };
        if streaming {
            let events = EventStream::new(self.heartbeat_ms, request);
            let keep = keep.map(|k| Keep {
                key: k.key.clone(),
                resolve: k.resolve.clone(),
            });
            let run = self.clone().stream(
                events.clone().unchecked_into(),
                prepared.request,
                prepared.estimate,
                opts,
                tag,
                principal.to_string(),
                keep,
            );
            wasm_bindgen_futures::spawn_local(run);
            return Ok(Reply {
                stream: Some(events),
                ..Reply::empty(200, Vec::new())
            });
        }
        let io = WasmIo::new(None, &self.transport);
        let handle =
            match submit_shared(&self.client, &io, &prepared.request, &opts, &mut |_| {}).await {
                Ok(h) => h,
                Err(e) => {
                    self.report_error("generate", Some(principal), &e).await;
                    return Ok(public_error(&e).into());
                }
            };
        let estimate = public_cost(&prepared.estimate);
        if let Some(job) = &handle.result {
            // Synchronous providers: the images are ready now; no token needed.
            self.report_job("generate", Some(principal), job).await;
            return Ok(Reply::json(
                200,
                json!({ "token": null, "estimate": estimate, "job": public_job(job, self.local()) }),
            ));
        }
        let token = self.token(&handle, &tag).await?;
        Ok(Reply::json(
            202,
            json!({ "token": token, "estimate": estimate }),
        ))
    }

    /// The opaque status token of a submitted job, for `principal_tag`'s principal.
    pub(super) async fn token(
        &self,
        handle: &Handle,
        principal_tag: &str,
    ) -> Result<Option<String>, JsValue> {
        let expires = js_sys::Date::now() + self.token_ttl_ms;
        let payload = route::token_payload(handle, principal_tag, expires);
        Ok(promise(seal_token(&self.secret, &stringify(&payload)))
            .await?
            .as_string())
    }

    /// A generation told as server-sent events (see `route::event`): the
    /// stream ends after `completed` or `error`. A reader that goes away stops
    /// the polling; the provider's job goes on, and the token finds it.
    #[allow(clippy::too_many_arguments)]
    async fn stream(
        self: Rc<Self>,
        events: EventStream,
        request: Json,
        estimate: Cost,
        mut opts: SubmitOptions,
        tag: String,
        principal: String,
        keep: Option<Keep>,
    ) {
        let send = |name: &str, data: &Json| events.write(&sse::event_text(name, &stringify(data)));
        let p = self.client.provider();
        let sync = !matches!(p.flow(), Flow::Async);
        if sync {
            send(
                route::event::ACCEPTED,
                &route::accepted_event(&estimate, None),
            );
        }
        let io = WasmIo::new(None, &self.transport);
        let submitted = match self.partial_images.filter(|n| *n > 0) {
            Some(n) => {
                opts.partial_images = Some(n);
                let mut partial = |image: &PartialImage| {
                    let shown = route::public_partial(
                        image.index,
                        &image.b64,
                        &image.mime_type,
                        image.size.as_deref(),
                    );
                    if let Some(data) = shown {
                        send(route::event::PARTIAL_IMAGE, &data);
                    }
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
        let settle = |reply: Reply| {
            if let Some(k) = &keep {
                self.keep(k, &reply);
            }
        };
        let handle = match submitted {
            Ok(h) => h,
            Err(e) => {
                self.report_error("generate", Some(&principal), &e).await;
                settle(public_error(&e).into());
                send(route::event::ERROR, &route::error_event(&e));
                return events.close();
            }
        };
        if let Some(job) = &handle.result {
            let shown = public_job(job, self.local());
            self.report_job("generate", Some(&principal), job).await;
            settle(Reply::json(
                200,
                json!({ "token": null, "estimate": public_cost(&estimate), "job": shown.clone() }),
            ));
            send(route::event::COMPLETED, &shown);
            return events.close();
        }
        let token = self.token(&handle, &tag).await.ok().flatten();
        settle(Reply::json(
            202,
            json!({ "token": token, "estimate": public_cost(&estimate) }),
        ));
        send(
            route::event::ACCEPTED,
            &route::accepted_event(&estimate, token.as_deref()),
        );
        self.follow(events, handle, token, principal).await;
    }

    /// Follow an asynchronous job on an event stream until it ends (or the
    /// reader goes away): progress, then `completed` or `error`.
    async fn follow(
        self: Rc<Self>,
        events: EventStream,
        handle: Handle,
        token: Option<String>,
        principal: String,
    ) {
        let send = |name: &str, data: &Json| events.write(&sse::event_text(name, &stringify(data)));
        let watching = WasmIo::new(Some(events.signal()), &self.transport);
        let wait = WaitOptions {
            deadline_ms: Some(DEFAULT_DEADLINE_MS),
        };
        let mut progress = |job: &Job| {
            if !job.status.is_terminal() {
                send(route::event::PROGRESS, &route::progress_event(job));
            }
        };
        match wait_shared(&self.client, &watching, &handle, &wait, &mut progress).await {
            Ok(job) => {
                self.report_job("stream", Some(&principal), &job).await;
                send(route::event::COMPLETED, &public_job(&job, self.local()));
            }
            Err(_) if events.signal().aborted() => {}
            Err(e) => {
                self.report_error("stream", Some(&principal), &e).await;
                let mut data = route::error_event(&e);
                if let Some(t) = &token {
                    data.set("token", Json::String(t.clone()));
                }
                send(route::event::ERROR, &data);
            }
        }
        events.close();
    }
}
