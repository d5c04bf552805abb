//! OpenAI's Images API under the route (`openaiCompatible: true`):
//! `POST {base}/v1/images/generations`, `POST {base}/v1/images/edits` and
//! `GET {base}/v1/models`. A request is read into the neutral one
//! (`gpt_image_core::openai_compat`), then goes through the route's own
//! decisions (allow-list, defaults, budget, `limit`, idempotency), waits for
//! its images, and is answered, or refused, in OpenAI's shapes.

use super::generate::{body_read, Admitted};
use super::{promise, BodyBytes, EventStream, Handler, Reply};
use crate::client::{submit_shared, submit_streaming_shared, wait_shared};
use crate::convert::{get, stringify, to_json};
use crate::io::WasmIo;
use gpt_image_core::client::{PartialImage, WaitOptions, DEFAULT_DEADLINE_MS};
use gpt_image_core::io::Io;
use gpt_image_core::json;
use gpt_image_core::openai_compat::{self, OpenAiError};
use gpt_image_core::route::{public_error, public_job, BodyRead};
use gpt_image_core::{sse, wire, Job, Json};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(module = "/src/route.js")]
extern "C" {
    /// A multipart body as `{ fields, images, mask }`: text fields, and the
    /// `image` / `image[]` and `mask` files as data URLs.
    #[wasm_bindgen(js_name = readImageForm, catch)]
    fn read_image_form(bytes: &[u8], content_type: &str) -> Result<js_sys::Promise, JsValue>;
}

/// Most bytes of one provider image fetched to answer it as `b64_json`.
const IMAGE_FETCH_MAX: usize = 64 * 1024 * 1024;
/// How long one such fetch may take.
const IMAGE_FETCH_TIMEOUT_MS: u64 = 60_000;

/// An OpenAI error as the route's reply.
fn openai_error(e: &OpenAiError) -> Reply {
    Reply::json(e.status, e.to_json())
}

/// A reply of the route's own shape as OpenAI's (successes pass unchanged).
pub(super) fn as_openai(mut reply: Reply) -> Reply {
    if reply.status < 400 {
        return reply;
    }
    let body = reply.body.clone().unwrap_or_default();
    let e = openai_compat::error_from_route(reply.status, &body);
    let headers = std::mem::take(&mut reply.headers);
    Reply {
        headers,
        ..openai_error(&e)
    }
}

/// The URL or data URL of an edit's JSON image (`{ image_url }` or a string).
fn image_url(v: &Json) -> Option<String> {
    v.as_str()
        .or_else(|| v.get("image_url").and_then(Json::as_str))
        .map(str::to_string)
}

impl Handler {
    /// `GET {base}/v1/models`.
    pub(super) fn openai_models(&self) -> Reply {
        Reply::json(200, openai_compat::models(self.client.provider()))
    }

    /// `POST {base}/v1/images/generations` (`edit`: `/edits`).
    pub(super) async fn openai_images(
        self: &Rc<Self>,
        request: &JsValue,
        info: &JsValue,
        principal: &str,
        edit: bool,
    ) -> Result<Reply, JsValue> {
        let bytes = match self.body(request).await? {
            BodyBytes::Read(bytes) => bytes,
            other => {
                return Ok(as_openai(
                    other
                        .refusal()
                        .unwrap_or_else(|| Reply::empty(500, Vec::new())),
                ))
            }
        };
        let content_type = get(info, "contentType").as_string().unwrap_or_default();
        let multipart = content_type
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("multipart/form-data");
        // Generations are JSON only (a page cannot send JSON to another site
        // without a preflight); edits may be multipart, as OpenAI takes them.
        let json = gpt_image_core::route::is_json_content_type(Some(&content_type));
        if !(json || edit && multipart) {
            return Ok(openai_error(&OpenAiError::bad(
                "body",
                "invalid_content_type",
                "send the request as Content-Type: application/json (or multipart/form-data for edits)",
            )));
        }
        let (fields, images, mask) = if multipart {
            let form = match read_image_form(&bytes, &content_type) {
                Ok(p) => promise(p).await,
                Err(e) => Err(e),
            };
            let Ok(form) = form else {
                return Ok(openai_error(&OpenAiError::bad(
                    "body",
                    "invalid_value",
                    "the multipart body could not be read",
                )));
            };
            let fields = to_json(&get(&form, "fields")).unwrap_or(Json::Null);
            let images: Vec<String> = js_sys::Array::from(&get(&form, "images"))
                .iter()
                .filter_map(|v| v.as_string())
                .collect();
            (fields, images, get(&form, "mask").as_string())
        } else {
            let Some(mut fields) = (match body_read(&bytes) {
                BodyRead::Json(v) if v.is_object() => Some(v),
                _ => None,
            }) else {
                return Ok(openai_error(&OpenAiError::bad(
                    "body",
                    "invalid_json",
                    "the body must be a JSON object (or multipart for edits)",
                )));
            };
            let mut images = Vec::new();
            let mut mask = None;
            if edit {
                if let Json::Object(o) = &mut fields {
                    let given = o.remove("images").or_else(|| o.remove("image"));
                    images = match given {
                        Some(Json::Array(list)) => list.iter().filter_map(image_url).collect(),
                        Some(one) => image_url(&one).into_iter().collect(),
                        None => Vec::new(),
                    };
                    mask = o.remove("mask").as_ref().and_then(image_url);
                }
            }
            (fields, images, mask)
        };
        if edit && images.is_empty() {
            return Ok(openai_error(&OpenAiError::bad(
                "image",
                "missing_required_parameter",
                "an edit needs at least one image",
            )));
        }
        let p = self.client.provider();
        let (neutral, ask) = match openai_compat::read_request(p, &fields, &images, mask.as_deref())
        {
            Ok(r) => r,
            Err(e) => return Ok(openai_error(&e)),
        };
        if ask.urls && !p.hosts_images() {
            return Ok(openai_error(&OpenAiError::bad(
                "response_format",
                "unsupported_value",
                format!(
                    "{} answers with the image bytes, not URLs: leave out response_format",
                    p.display_name()
                ),
            )));
        }
        if ask.stream {
            return self
                .openai_stream(request, info, principal, neutral, ask.partial_images, edit)
                .await;
        }
        let text = stringify(&neutral);
        let reply = self
            .generate_bytes(request, info, principal, text.as_bytes(), false)
            .await?;
        if reply.status >= 400 {
            return Ok(as_openai(reply));
        }
        let body = reply.body.clone().unwrap_or_default();
        let job = match (
            body.get("job").filter(|j| j.is_object()),
            body["token"].as_str(),
        ) {
            (Some(job), _) => job.clone(),
            (None, Some(token)) => {
                // A job to poll: the answer waits for it, as OpenAI's does.
                let Some(handle) = self.handle_of(token, principal).await else {
                    return Ok(openai_error(&OpenAiError {
                        status: 500,
                        message: "the job could not be followed".into(),
                        param: None,
                        code: Some("internal".into()),
                    }));
                };
                let io = WasmIo::new(None, &self.transport);
                match wait_shared(
                    &self.client,
                    &io,
                    &handle,
                    &WaitOptions::default(),
                    &mut |_| {},
                )
                .await
                {
                    Ok(job) => {
                        self.report_job("images-api", Some(principal), &job).await;
                        public_job(&job, self.local())
                    }
                    Err(e) => {
                        self.report_error("images-api", Some(principal), &e).await;
                        let route_error = gpt_image_core::route::public_error(&e);
                        return Ok(as_openai(route_error.into()));
                    }
                }
            }
            _ => {
                return Ok(openai_error(&OpenAiError {
                    status: 500,
                    message: "the request could not be handled".into(),
                    param: None,
                    code: Some("internal".into()),
                }))
            }
        };
        if job["status"].as_str() != Some("succeeded") {
            return Ok(openai_error(&OpenAiError {
                status: 500,
                message: "the image could not be made".into(),
                param: None,
                code: Some("job_failed".into()),
            }));
        }
        let io = WasmIo::new(None, &self.transport);
        let mut data = Vec::new();
        for image in job["images"].as_array().into_iter().flatten() {
            let b64 = image["b64"].as_str();
            let url = image["url"].as_str();
            data.push(match (b64, url, ask.urls) {
                (_, Some(url), true) => json!({ "url": url }),
                (Some(b64), _, _) => json!({ "b64_json": b64 }),
                (None, Some(url), false) => {
                    let fetched = io
                        .fetch_bytes(url, IMAGE_FETCH_TIMEOUT_MS, IMAGE_FETCH_MAX)
                        .await;
                    match fetched {
                        Ok(r) if (200..300).contains(&r.status) => json!({
                            "b64_json": gpt_image_core::image::encode_base64(&r.body)
                        }),
                        _ => {
                            return Ok(openai_error(&OpenAiError {
                                status: 502,
                                message: "the provider's image could not be downloaded".into(),
                                param: None,
                                code: Some("image_download_failed".into()),
                            }))
                        }
                    }
                }
                (None, None, _) => continue,
            });
        }
        let created = (js_sys::Date::now() / 1000.0).floor() as u64;
        Ok(Reply::json(
            200,
            openai_compat::answer(&neutral, created, data, None),
        ))
    }

    /// `stream: true`: OpenAI's events. Partial images where the provider
    /// streams them (as many as asked, within the route's `partialImages`),
    /// keep-alive comments while a job runs, then one `completed` event per
    /// image with its bytes and `usage`; a failure is an `error` event.
    async fn openai_stream(
        self: &Rc<Self>,
        request: &JsValue,
        info: &JsValue,
        principal: &str,
        neutral: Json,
        asked_partials: u8,
        edit: bool,
    ) -> Result<Reply, JsValue> {
        let p = self.client.provider();
        if asked_partials > 0 && !p.streams_partial_images() {
            return Ok(openai_error(&OpenAiError::bad(
                "partial_images",
                "unsupported_value",
                format!(
                    "{} sends no partial images: leave out partial_images",
                    p.display_name()
                ),
            )));
        }
        let cap = self.partial_images.unwrap_or(0);
        if asked_partials > cap {
            return Ok(openai_error(&OpenAiError::bad(
                "partial_images",
                "invalid_value",
                format!("this service streams at most {cap} partial images"),
            )));
        }
        // The caller's Idempotency-Key, per principal, becomes the provider's.
        let key = match get(info, "idempotencyKey").as_string() {
            Some(k) if wire::check_idempotency_key(p, &k).is_ok() => {
                let material = gpt_image_core::route::idempotency_material(principal, &k);
                gpt_image_core::route::provider_idempotency_key(&self.keyed(&material).await?)
            }
            _ => crate::wire::random_uuid()?,
        };
        let text = stringify(&neutral);
        let admitted = match self
            .admit(principal, text.as_bytes(), asked_partials, key)
            .await?
        {
            Ok(a) => a,
            Err(reply) => return Ok(as_openai(reply)),
        };
        let events = EventStream::new(self.heartbeat_ms, request);
        let run = self.clone().openai_events(
            events.clone().unchecked_into(),
            admitted,
            asked_partials,
            neutral,
            principal.to_string(),
            if edit {
                "image_edit"
            } else {
                "image_generation"
            },
        );
        wasm_bindgen_futures::spawn_local(run);
        Ok(Reply {
            stream: Some(events),
            ..Reply::empty(200, Vec::new())
        })
    }

    /// The events of one OpenAI stream (see [`Handler::openai_stream`]).
    async fn openai_events(
        self: Rc<Self>,
        events: EventStream,
        admitted: Admitted,
        partials: u8,
        neutral: Json,
        principal: String,
        kind: &'static str,
    ) {
        let send = |name: &str, data: &Json| events.write(&sse::event_text(name, &stringify(data)));
        let fail = |e: &OpenAiError| {
            send("error", &e.to_json());
            events.close();
        };
        let created = (js_sys::Date::now() / 1000.0).floor() as u64;
        let settings = openai_compat::answer(&neutral, created, Vec::new(), None);
        let event = |name: &str, extra: Json| {
            let mut data = json!({
                "type": format!("{kind}.{name}"),
                "created_at": created,
                "size": settings["size"].clone(),
                "quality": settings["quality"].clone(),
                "background": settings["background"].clone(),
                "output_format": settings["output_format"].clone(),
            });
            if let (Json::Object(d), Json::Object(x)) = (&mut data, extra) {
                for (k, v) in x.iter() {
                    d.insert(k.clone(), v.clone());
                }
            }
            send(&format!("{kind}.{name}"), &data);
        };
        let io = WasmIo::new(Some(events.signal()), &self.transport);
        let Admitted {
            prepared, mut opts, ..
        } = admitted;
        let submitted = if partials > 0 {
            opts.partial_images = Some(partials);
            let mut partial = |image: &PartialImage| {
                event(
                    "partial_image",
                    json!({ "b64_json": image.b64, "partial_image_index": image.index }),
                );
            };
            submit_streaming_shared(
                &self.client,
                &io,
                &prepared.request,
                &opts,
                &mut |_| {},
                &mut partial,
            )
            .await
        } else {
            submit_shared(&self.client, &io, &prepared.request, &opts, &mut |_| {}).await
        };
        let route_failure = |e: &gpt_image_core::Error| {
            let reply: Reply = public_error(e).into();
            openai_compat::error_from_route(reply.status, &reply.body.unwrap_or_default())
        };
        let handle = match submitted {
            Ok(h) => h,
            Err(e) => {
                self.report_error("images-api", Some(&principal), &e).await;
                return fail(&route_failure(&e));
            }
        };
        let job: Job = match &handle.result {
            Some(job) => job.clone(),
            None => {
                let wait = WaitOptions {
                    deadline_ms: Some(DEFAULT_DEADLINE_MS),
                };
                match wait_shared(&self.client, &io, &handle, &wait, &mut |_| {}).await {
                    Ok(job) => job,
                    Err(_) if events.signal().aborted() => return events.close(),
                    Err(e) => {
                        self.report_error("images-api", Some(&principal), &e).await;
                        return fail(&route_failure(&e));
                    }
                }
            }
        };
        self.report_job("images-api", Some(&principal), &job).await;
        let shown = public_job(&job, self.local());
        if shown["status"].as_str() != Some("succeeded") {
            return fail(&OpenAiError {
                status: 500,
                message: "the image could not be made".into(),
                param: None,
                code: Some("job_failed".into()),
            });
        }
        let usage = job.usage.map(|u| {
            json!({ "input_tokens": u.input_tokens, "output_tokens": u.output_tokens, "total_tokens": u.input_tokens + u.output_tokens })
        });
        for image in shown["images"].as_array().into_iter().flatten() {
            let b64 = match (image["b64"].as_str(), image["url"].as_str()) {
                (Some(b64), _) => b64.to_string(),
                (None, Some(url)) => {
                    match io
                        .fetch_bytes(url, IMAGE_FETCH_TIMEOUT_MS, IMAGE_FETCH_MAX)
                        .await
                    {
                        Ok(r) if (200..300).contains(&r.status) => {
                            gpt_image_core::image::encode_base64(&r.body)
                        }
                        _ => {
                            return fail(&OpenAiError {
                                status: 502,
                                message: "the provider's image could not be downloaded".into(),
                                param: None,
                                code: Some("image_download_failed".into()),
                            })
                        }
                    }
                }
                (None, None) => continue,
            };
            let mut extra = json!({ "b64_json": b64 });
            if let Some(u) = &usage {
                extra.set("usage", u.clone());
            }
            event("completed", extra);
        }
        events.close();
    }
}
