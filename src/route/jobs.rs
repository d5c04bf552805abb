//! `GET {base}/jobs/{token}` (one poll of the caller's own job) and
//! `POST {base}/webhook` (a provider's signed event, handed on once).

use super::generate::body_read;
use super::{call_hook, open_token, promise, sha256_hex, BodyBytes, Handler, Reply};
use crate::client::get_job_shared;
use crate::convert::{from_json, get, parse_text};
use crate::io::WasmIo;
use gpt_image_core::handle::Handle;
use gpt_image_core::route::{self, public_error, public_job, BodyRead};
use gpt_image_core::{Json, ResponseBody};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

impl Handler {
    /// What a status token holds, and the tag of the principal asking
    /// (whether it is theirs is the caller's to check); None for a token
    /// that is forged, tampered or not JSON.
    pub(super) async fn opened_token(
        &self,
        token: &str,
        principal: &str,
    ) -> Option<(Json, String)> {
        let text = promise(open_token(&self.secret, token))
            .await
            .ok()?
            .as_string()?;
        let ResponseBody::Json(payload) = parse_text(&text) else {
            return None;
        };
        let tag = self.principal_tag(principal).await.ok()?;
        Some((payload, tag))
    }

    /// The handle a status token names, if it is this principal's and live.
    pub(super) async fn handle_of(&self, token: &str, principal: &str) -> Option<Handle> {
        let (payload, tag) = self.opened_token(token, principal).await?;
        route::token_handle(&payload, self.client.provider(), &tag, js_sys::Date::now())
    }

    pub(super) async fn job(&self, token: &str, principal: &str) -> Result<Reply, JsValue> {
        let Some(handle) = self.handle_of(token, principal).await else {
            return Ok(Reply::refuse(404, "NOT_FOUND", "no such job"));
        };
        Ok(
            match get_job_shared(&self.client, &WasmIo::new(None, &self.transport), &handle).await {
                Ok(job) => {
                    self.report_job("job", Some(principal), &job).await;
                    Reply::json(200, public_job(&job, self.local()))
                }
                Err(e) => {
                    self.report_error("job", Some(principal), &e).await;
                    public_error(&e).into()
                }
            },
        )
    }

    /// Whether this delivery is new: remembered here, and in the owner's
    /// `replayStore` when there is one (shared by every instance of the route).
    async fn first_delivery(&self, digest: &str, memory_ms: f64) -> Result<bool, JsValue> {
        let now = js_sys::Date::now();
        if !self.memory.first_delivery(digest, now, memory_ms) {
            return Ok(false);
        }
        let Some(store) = &self.replay_store else {
            return Ok(true);
        };
        let claim: js_sys::Function = get(store, "claim").into();
        let key = format!("gpt-image-edge/webhook/{digest}");
        let first = claim.call2(
            store,
            &JsValue::from_str(&key),
            &JsValue::from_f64(memory_ms),
        )?;
        Ok(promise(js_sys::Promise::resolve(&first)).await?.is_truthy())
    }

    /// Forget a delivery whose handling failed (here, and in the store when
    /// it has a `release(key)`), so the provider's retry is handed on.
    async fn release_delivery(&self, digest: &str) {
        self.memory.forget_delivery(digest);
        if let Some(store) = &self.replay_store {
            let release = get(store, "release");
            if let Some(f) = release.dyn_ref::<js_sys::Function>() {
                let key = format!("gpt-image-edge/webhook/{digest}");
                if let Ok(v) = f.call1(store, &JsValue::from_str(&key)) {
                    let _ = promise(js_sys::Promise::resolve(&v)).await;
                }
            }
        }
    }

    pub(super) async fn webhook(
        &self,
        request: &JsValue,
        info: &JsValue,
    ) -> Result<Reply, JsValue> {
        let p = self.client.provider();
        if !p.signs_webhooks() {
            return Ok(Reply::refuse(404, "NOT_FOUND", "no such route"));
        }
        let body = match self.body(request).await? {
            BodyBytes::Read(bytes) => bytes,
            other => {
                return Ok(other
                    .refusal()
                    .unwrap_or_else(|| Reply::empty(500, Vec::new())))
            }
        };
        let refused = |why: &str| Reply::refuse(401, "UNAUTHORIZED", why);
        // Over the bytes as they came: the provider signed bytes, not text.
        let creds = crate::webhooks::Credentials {
            api_key: Some(self.client.config().target.api_key.expose()),
            secret: self.webhook_secret.as_deref(),
            jwks: &self.jwks,
        };
        let headers = get(info, "headers");
        let verdict = crate::webhooks::verify(p, &creds, &headers, &body).await?;
        let (delivery_id, signed_by_header) = match verdict {
            crate::webhooks::Verdict::Genuine {
                delivery_id,
                signed_at_ms,
            } => (delivery_id, signed_at_ms),
            crate::webhooks::Verdict::Refused(r) => {
                self.report_failure("webhook", None, 401, "UNAUTHORIZED", r.why)
                    .await;
                let answer = if r.stale {
                    "the webhook is too old"
                } else {
                    "bad webhook signature"
                };
                return Ok(refused(answer));
            }
        };
        let value = match body_read(&body) {
            BodyRead::Json(v) => Some(v),
            _ => None,
        };
        let signed_time =
            signed_by_header.or_else(|| value.as_ref().and_then(route::webhook_sent_at_ms));
        if let Some(sent) = signed_time {
            if !route::webhook_fresh(sent, js_sys::Date::now()) {
                self.report_failure("webhook", None, 401, "UNAUTHORIZED", "a signed webhook more than five minutes old (or ahead) was refused as a replay")
                    .await;
                return Ok(refused("the webhook is too old"));
            }
        }
        let Some(event) = value.as_ref().and_then(|v| route::webhook_event(p, v)) else {
            return Ok(Reply::refuse(
                400,
                "INVALID_REQUEST",
                "the event names no job",
            ));
        };
        // The provider's delivery id where it gives one (the same on its
        // retries), else the body's digest.
        let digest = match delivery_id {
            Some(id) => format!("id:{id}"),
            None => promise(sha256_hex(&body))
                .await?
                .as_string()
                .unwrap_or_default(),
        };
        let memory = route::webhook_memory_ms(signed_time.is_some());
        if !self.first_delivery(&digest, memory).await? {
            // Seen before: acknowledged, and not told twice.
            return Ok(Reply::empty(204, Vec::new()));
        }
        if let Some(f) = &self.on_webhook {
            if let Err(e) = call_hook(f, &from_json(&event)).await {
                let message = format!("onWebhook threw: {}", super::thrown_message(&e));
                self.report_failure("webhook", None, 500, "INTERNAL", &message)
                    .await;
                // Forgotten, so the provider's retry is handed on again.
                self.release_delivery(&digest).await;
                // The sender retries failed deliveries.
                return Ok(Reply::refuse(
                    500,
                    "INTERNAL",
                    "the webhook could not be handled",
                ));
            }
        }
        Ok(Reply::empty(204, Vec::<(String, String)>::new()))
    }
}
