//! Durable jobs (`jobs: { workflow, ledger, images }`): `POST {base}/generate`
//! reserves the estimate in the principal's ledger (a Durable Object), creates
//! one Workflow instance per job and answers `202 { token, estimate }` at
//! once, whatever the provider; `GET {base}/jobs/{token}` and the event
//! stream read the job's record from the ledger; `GET {base}/images/{job}/{n}`
//! serves its images from R2, to its principal only. The Workflow and the
//! ledger are `gpt-image-edge/cloudflare`'s (`npm/cloudflare.js`).

use super::generate::Admitted;
use super::{invalid, promise, seal_token, sha256_hex, EventStream, Handler, Reply};
use crate::convert::{from_json, get, opt_duration, stringify, to_json};
use gpt_image_core::client::DEFAULT_DEADLINE_MS;
use gpt_image_core::route::{self, public_cost};
use gpt_image_core::{json, sse, Json};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/jobs.js")]
extern "C" {
    /// `{ created }`, `{ existing }`, `{ mismatch }` or `{ budget, scope, spentUsd, limitUsd }`.
    #[wasm_bindgen(js_name = startJob)]
    fn start_job(jobs: &JsValue, job: &JsValue) -> js_sys::Promise;

    /// The job's record, or null.
    #[wasm_bindgen(js_name = jobRecord)]
    fn job_record(
        jobs: &JsValue,
        principal_tag: &str,
        job_id: &str,
        stall_ms: f64,
    ) -> js_sys::Promise;

    /// `{ body, contentType, size }`, or null.
    #[wasm_bindgen(js_name = storedImage)]
    fn stored_image(
        jobs: &JsValue,
        principal_tag: &str,
        job_id: &str,
        index: u32,
    ) -> js_sys::Promise;

    /// `{ day, usd, jobs, storageBytes }`.
    #[wasm_bindgen(js_name = usageOf)]
    fn usage_of(jobs: &JsValue, principal_tag: &str) -> js_sys::Promise;

    #[wasm_bindgen(js_name = imageKey)]
    fn image_key(principal_tag: &str, job_id: &str, index: &str) -> String;
}

#[wasm_bindgen(module = "/src/route.js")]
extern "C" {
    /// A Response whose body is a stream or bytes.
    #[wasm_bindgen(js_name = respond)]
    fn respond_body(status: u16, body: &JsValue, headers: &JsValue) -> JsValue;
}

/// Default time after which a dispatched job that has not ended is marked
/// `stalled` (its handle shown): longer than any provider takes.
const DEFAULT_STALL_MS: f64 = 20.0 * 60.0 * 1000.0;
/// How often the event stream of a durable job reads its record.
const FOLLOW_EVERY_MS: f64 = 1000.0;

/// The owner's `jobs` and `budget` options.
pub(super) struct Jobs {
    /// `{ workflow, ledger, images }`: the Workflow binding, the ledger's
    /// Durable Object namespace, the R2 bucket.
    bindings: JsValue,
    per_principal_usd_per_day: Option<f64>,
    site_usd_per_day: Option<f64>,
    stall_ms: f64,
}

/// `jobs` and `budget` as the owner gave them (`None`: no durable jobs).
pub(super) fn options(options: &JsValue) -> Result<Option<Jobs>, JsValue> {
    let bindings = get(options, "jobs");
    let budget = get(options, "budget");
    let absent = |v: &JsValue| v.is_undefined() || v.is_null();
    if absent(&bindings) {
        if !absent(&budget) {
            return Err(invalid("option `budget` needs `jobs`: the ledger in `jobs.ledger` keeps the day's spend (without `jobs`, limit spending with the `limit` hook)"));
        }
        return Ok(None);
    }
    let has = |name: &str, methods: &[&str]| {
        let b = get(&bindings, name);
        methods.iter().all(|m| get(&b, m).is_function())
    };
    if !has("workflow", &["create", "get"]) {
        return Err(invalid("option `jobs.workflow` must be the Workflow binding of a class extending ImageJobWorkflow (env.IMAGE_JOBS)"));
    }
    if !has("ledger", &["idFromName", "get"]) {
        return Err(invalid("option `jobs.ledger` must be the Durable Object namespace of ImageLedger (env.IMAGE_LEDGER)"));
    }
    if !has("images", &["get", "put"]) {
        return Err(invalid(
            "option `jobs.images` must be an R2 bucket binding (env.IMAGES)",
        ));
    }
    let usd = |key: &str| -> Result<Option<f64>, JsValue> {
        let v = get(&budget, key);
        if absent(&v) {
            return Ok(None);
        }
        match v.as_f64() {
            Some(n) if n.is_finite() && n >= 0.0 => Ok(Some(n)),
            _ => Err(invalid(&format!(
                "option `budget.{key}` must be a number of US dollars >= 0"
            ))),
        }
    };
    Ok(Some(Jobs {
        per_principal_usd_per_day: usd("perPrincipalUsdPerDay")?,
        site_usd_per_day: usd("siteUsdPerDay")?,
        stall_ms: opt_duration(&bindings, "stallMs")?.unwrap_or(DEFAULT_STALL_MS),
        bindings,
    }))
}

/// The 402 of a budget the job would pass.
fn over_budget(scope: &str) -> Reply {
    let message = match scope {
        "site" => "the site's spending limit for today is reached",
        _ => "your spending limit for today is reached",
    };
    let mut reply = Reply::refuse(402, "BUDGET_EXCEEDED", message);
    if let Some(body) = reply.body.as_mut() {
        let mut error = body["error"].clone();
        error.set("reason", Json::String("budget".into()));
        error.set("scope", Json::String(scope.into()));
        body.set("error", error);
    }
    reply
}

impl Handler {
    /// A new durable job: admitted, reserved in the ledger(s), its Workflow
    /// instance created; `202 { token, estimate }` at once. The job's id is
    /// the provider idempotency key: with the caller's `Idempotency-Key` the
    /// same for every retry, so a duplicate finds the job instead of making one.
    pub(super) async fn generate_durable(
        self: &Rc<Self>,
        jobs: &Jobs,
        principal: &str,
        bytes: &[u8],
        key: String,
        streaming: bool,
        request: &JsValue,
    ) -> Result<Reply, JsValue> {
        let Admitted {
            prepared,
            tag,
            opts,
        } = match self.admit(principal, bytes, 0, key.clone()).await? {
            Ok(a) => a,
            Err(reply) => return Ok(reply),
        };
        let budgeted = jobs.per_principal_usd_per_day.is_some() || jobs.site_usd_per_day.is_some();
        let usd = prepared.estimate.usd;
        if budgeted && usd.is_none() {
            return Ok(Reply::refuse(
                402,
                "BUDGET_EXCEEDED",
                "this request has no price in US dollars, so the daily budget cannot admit it (set the provider's credit price)",
            ));
        }
        let digest = promise(sha256_hex(bytes))
            .await?
            .as_string()
            .unwrap_or_default();
        let now = js_sys::Date::now();
        let estimate = public_cost(&prepared.estimate);
        let provider = self.client.provider().id();
        let params = json!({
            "id": key,
            "provider": provider,
            "principal": tag,
            "idempotencyKey": opts.idempotency_key,
            "request": prepared.request,
            "estimateUsd": usd,
            "deadlineMs": DEFAULT_DEADLINE_MS,
            "imagePrefix": image_key(&tag, &key, ""),
            "site": jobs.site_usd_per_day.is_some(),
            "createdAt": now,
        });
        let record = json!({
            "status": "queued",
            "provider": provider,
            "estimate": estimate.clone(),
            "createdAt": now,
        });
        let job = json!({
            "id": key,
            "principal": tag,
            "digest": digest,
            "estimateUsd": usd.unwrap_or(0.0),
            "principalLimitUsd": jobs.per_principal_usd_per_day,
            "siteLimitUsd": jobs.site_usd_per_day,
            "createdAt": now,
            "record": record,
            "params": params,
        });
        let outcome = promise(start_job(&jobs.bindings, &from_json(&job))).await?;
        if get(&outcome, "mismatch").is_truthy() {
            return Ok(Reply::refuse(
                422,
                "IDEMPOTENCY_MISMATCH",
                "this Idempotency-Key was used with another request body; use a new key for a new request",
            ));
        }
        if get(&outcome, "budget").is_truthy() {
            let scope = get(&outcome, "scope").as_string().unwrap_or_default();
            return Ok(over_budget(&scope));
        }
        let expires = now + self.token_ttl_ms;
        let payload = route::durable_token_payload(&key, &tag, expires);
        let token = promise(seal_token(&self.secret, &stringify(&payload)))
            .await?
            .as_string();
        if streaming {
            let events = EventStream::new(self.heartbeat_ms, request);
            let accepted = json!({ "estimate": estimate, "token": token });
            events.write(&sse::event_text(
                route::event::ACCEPTED,
                &stringify(&accepted),
            ));
            let writer: EventStream = wasm_bindgen::JsCast::unchecked_into(events.clone());
            let (this, tag) = (self.clone(), tag.clone());
            wasm_bindgen_futures::spawn_local(async move {
                this.follow_durable(writer, tag, key).await
            });
            return Ok(Reply {
                stream: Some(events),
                ..Reply::empty(200, Vec::new())
            });
        }
        Ok(Reply::json(
            202,
            json!({ "token": token, "estimate": estimate }),
        ))
    }

    /// The durable job a token names, if it is this principal's: `(tag, id)`.
    pub(super) async fn durable_of(
        &self,
        token: &str,
        principal: &str,
    ) -> Option<(String, String)> {
        let (payload, tag) = self.opened_token(token, principal).await?;
        let id = route::durable_token_job(&payload, &tag, js_sys::Date::now())?;
        Some((tag, id))
    }

    /// A durable job as the caller sees it, or None when it is not theirs.
    async fn durable_job(&self, jobs: &Jobs, tag: &str, id: &str) -> Result<Option<Json>, JsValue> {
        let record = promise(job_record(&jobs.bindings, tag, id, jobs.stall_ms)).await?;
        if record.is_null() || record.is_undefined() {
            return Ok(None);
        }
        let record = to_json(&record)?;
        Ok(Some(public_durable_job(&record, id, &self.base_path)))
    }

    /// `GET {base}/jobs/{token}` of a durable job.
    pub(super) async fn job_durable(
        &self,
        jobs: &Jobs,
        token: &str,
        principal: &str,
    ) -> Result<Reply, JsValue> {
        let Some((tag, id)) = self.durable_of(token, principal).await else {
            return Ok(Reply::refuse(404, "NOT_FOUND", "no such job"));
        };
        Ok(match self.durable_job(jobs, &tag, &id).await? {
            Some(job) => Reply::json(200, job),
            None => Reply::refuse(404, "NOT_FOUND", "no such job"),
        })
    }

    /// `GET {base}/images/{job}/{index}`: the bytes, to the job's principal
    /// only (the image is kept under the principal's tag).
    pub(super) async fn stored_image(
        &self,
        jobs: &Jobs,
        principal: &str,
        id: &str,
        index: u32,
    ) -> Result<Result<JsValue, Reply>, JsValue> {
        let tag = self.principal_tag(principal).await?;
        let found = promise(stored_image(&jobs.bindings, &tag, id, index)).await?;
        if found.is_null() || found.is_undefined() {
            return Ok(Err(Reply::refuse(404, "NOT_FOUND", "no such image")));
        }
        let content_type = get(&found, "contentType")
            .as_string()
            .filter(|t| t.starts_with("image/"))
            .unwrap_or_else(|| "application/octet-stream".into());
        let headers: js_sys::Array = [
            ("Content-Type", content_type.as_str()),
            ("Cache-Control", "private, max-age=86400"),
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", "default-src 'none'; sandbox"),
        ]
        .iter()
        .map(|(k, v)| JsValue::from(js_sys::Array::of2(&(*k).into(), &(*v).into())))
        .collect();
        Ok(Ok(respond_body(200, &get(&found, "body"), &headers)))
    }

    /// `GET {base}/usage`: the caller's spend today (reserved and settled)
    /// and the budget it counts against.
    pub(super) async fn usage(&self, jobs: &Jobs, principal: &str) -> Result<Reply, JsValue> {
        let tag = self.principal_tag(principal).await?;
        let spent = to_json(&promise(usage_of(&jobs.bindings, &tag)).await?)?;
        let usd = spent["usd"].as_f64().unwrap_or(0.0);
        let limit = jobs.per_principal_usd_per_day;
        Ok(Reply::json(
            200,
            json!({
                "day": spent["day"].clone(),
                "usd": usd,
                "jobs": spent["jobs"].clone(),
                "limitUsd": limit,
                "remainingUsd": limit.map(|l| (l - usd).max(0.0)),
                // The size of the caller's ledger (its SQLite database), in bytes.
                "storageBytes": spent["storageBytes"].clone(),
            }),
        ))
    }

    /// Follow a durable job on an event stream: its record read every
    /// second; progress on change, then `completed` or `error`. The reader
    /// leaving stops only the reading: the job goes on.
    async fn follow_durable(self: Rc<Self>, events: EventStream, tag: String, id: String) {
        let send = |name: &str, data: &Json| events.write(&sse::event_text(name, &stringify(data)));
        let Some(jobs) = &self.jobs else {
            return events.close();
        };
        let mut last = String::new();
        loop {
            if events.signal().aborted() {
                return;
            }
            let job = match self.durable_job(jobs, &tag, &id).await {
                Ok(Some(job)) => job,
                _ => {
                    send(
                        route::event::ERROR,
                        &json!({ "code": "NOT_FOUND", "message": "no such job" }),
                    );
                    return events.close();
                }
            };
            match job["status"].as_str() {
                Some("succeeded") => {
                    send(route::event::COMPLETED, &job);
                    return events.close();
                }
                Some("failed") | Some("unknown") | Some("canceled") => {
                    let mut data = job["error"].clone();
                    if !data.is_object() {
                        data = json!({ "code": "FAILED", "message": "the job failed" });
                    }
                    data.set("job", job.clone());
                    send(route::event::ERROR, &data);
                    return events.close();
                }
                _ => {
                    let text = stringify(&job);
                    if text != last {
                        send(
                            route::event::PROGRESS,
                            &json!({ "status": job["status"].clone(), "progress": job["progress"].clone() }),
                        );
                        last = text;
                    }
                }
            }
            let wait = crate::runtime::js_sleep(FOLLOW_EVERY_MS, &events.signal().into());
            if promise(wait).await.is_err() {
                return;
            }
        }
    }
}

/// A durable job's record as the caller sees it: its images as the route's
/// URLs (`{base}/images/{job}/{index}`), never the provider's.
fn public_durable_job(record: &Json, id: &str, base_path: &str) -> Json {
    let images: Vec<Json> = record["images"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|image| {
                    let index = image["index"].as_u64().unwrap_or(0);
                    let mut shown = json!({ "url": format!("{base_path}/images/{id}/{index}") });
                    for k in ["mimeType", "width", "height", "bytes"] {
                        if !image[k].is_null() {
                            shown.set(k, image[k].clone());
                        }
                    }
                    shown
                })
                .collect()
        })
        .unwrap_or_default();
    let mut job = json!({
        "id": id,
        "provider": record["provider"].clone(),
        "status": record["status"].clone(),
        "progress": record["progress"].clone(),
        "images": images,
        "error": record["error"].clone(),
        "estimate": record["estimate"].clone(),
        "cost": record["cost"].clone(),
        "createdAt": record["createdAt"].clone(),
        "finishedAt": record["finishedAt"].clone(),
        "expired": false,
    });
    if !record["steps"].is_null() {
        // The Workflow steps the job took.
        job.set("steps", record["steps"].clone());
    }
    if record["stalled"].as_bool() == Some(true) {
        job.set("stalled", Json::Bool(true));
    }
    if !record["handle"].is_null() {
        // The provider's job, to find it again (no key, no prompt).
        job.set("handle", record["handle"].clone());
    }
    job
}
