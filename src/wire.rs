//! The wire formats, for servers: the provider requests (`buildSubmitRequest`,
//! `buildPollRequest`), their answers (`parseJob`, and `costFromUsage` for the
//! `usage` block of one) and webhook checks (`verifyWebhook`). They take keys
//! and read provider traffic, so browser builds leave them out: a page
//! validates and prices a request, it never holds a key or sees an answer.

use crate::api::price_options;
use crate::convert::{from_json, get, js_error, opt_bool, opt_string, provider, to_json};
use gpt_image_core::json;
use gpt_image_core::price;
use gpt_image_core::provider::ModelChoice;
use gpt_image_core::{
    build_poll_request, build_submit_request, parse_job, Body, Error, ErrorCode, HttpRequest, Json,
    Model, ParseContext, Provider, ResponseBody, Target,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

fn target(provider_id: &JsValue, options: &JsValue) -> Result<Target, JsValue> {
    crate::convert::target_option(provider(provider_id)?, options)
}

/// `{ method, url, headers, body }` as JavaScript (body: string, bytes or null).
pub(crate) fn request_to_js(r: &HttpRequest) -> JsValue {
    let mut headers = gpt_image_core::Map::new();
    for (k, v) in &r.headers {
        headers.insert(k.clone(), json!(v));
    }
    let out = from_json(&json!({ "method": r.method, "url": r.url, "headers": headers }));
    let body = match &r.body {
        Body::Empty => JsValue::NULL,
        Body::Json(v) => JsValue::from_str(&crate::convert::stringify(v)),
        Body::Bytes(b) => js_sys::Uint8Array::from(b.as_slice()).into(),
    };
    let _ = js_sys::Reflect::set(&out, &"body".into(), &body);
    out
}

/// A random UUID from the platform (`crypto.randomUUID`).
pub(crate) fn random_uuid() -> Result<String, JsValue> {
    let crypto = get(&js_sys::global(), "crypto");
    let f = get(&crypto, "randomUUID");
    let f: &js_sys::Function = f.dyn_ref().ok_or_else(|| {
        js_error(&Error::new(
            ErrorCode::InvalidRequest,
            "crypto.randomUUID is not available; pass an idempotencyKey",
        ))
    })?;
    f.call0(&crypto)?
        .as_string()
        .ok_or_else(|| JsValue::from_str("crypto.randomUUID returned no string"))
}

/// Build the submit request; throws `INVALID_REQUEST` for a bad request.
#[wasm_bindgen(js_name = buildSubmitRequest, skip_typescript)]
pub fn build_submit_request_js(
    provider_id: JsValue,
    request: JsValue,
    options: JsValue,
) -> Result<JsValue, JsValue> {
    let t = target(&provider_id, &options)?;
    let strict = opt_bool(&options, "strict")?.unwrap_or(false);
    let key = match opt_string(&options, "idempotencyKey")? {
        Some(k) => k,
        None => random_uuid()?,
    };
    let value = crate::images::request_json(&request)?;
    let (plan, warnings) =
        build_submit_request(&t, &value, strict, Some(&key)).map_err(|e| js_error(&e))?;
    let out = request_to_js(&plan.request);
    let extra = json!({
        "calls": plan.calls,
        "idempotencyKey": if t.provider.sends_idempotency_key() { Some(&key) } else { None },
        "warnings": Json::Array(warnings.iter().map(|w| w.to_json()).collect()),
        "form": match (&plan.multipart, plan.request.url.split('?').next().unwrap_or_default().ends_with("/edits")) {
            (Some(_), _) => "multipart",
            (None, true) => "json-edit",
            (None, false) => "json",
        },
        "multipart": plan.multipart.as_ref().map(|m| json!({
            "fields": Json::Array(m.fields.iter().map(|(k, v)| json!([k, v])).collect()),
            "files": gpt_image_core::json::Json::Array(m.files.iter().map(|u| json!({ "name": m.file_field, "url": u }))
                    .chain(m.mask.iter().map(|u| json!({ "name": "mask", "url": u }))).collect()),
        })),
    });
    if let Json::Object(fields) = extra {
        for (k, v) in fields.iter() {
            let _ = js_sys::Reflect::set(&out, &JsValue::from_str(k), &from_json(v));
        }
    }
    Ok(out)
}

/// Build the request that polls a job once.
#[wasm_bindgen(js_name = buildPollRequest, skip_typescript)]
pub fn build_poll_request_js(
    provider_id: JsValue,
    job_id: JsValue,
    options: JsValue,
) -> Result<JsValue, JsValue> {
    let t = target(&provider_id, &options)?;
    let id = job_id.as_string().ok_or_else(|| {
        js_error(&Error::new(
            ErrorCode::InvalidRequest,
            "the job id must be a string",
        ))
    })?;
    build_poll_request(&t, &id)
        .map(|r| request_to_js(&r))
        .map_err(|e| js_error(&e))
}

/// Read any provider answer into a normalised job; throws a coded error for
/// error statuses and unreadable bodies.
#[wasm_bindgen(js_name = parseJob, skip_typescript)]
pub fn parse_job_js(
    provider_id: JsValue,
    status: JsValue,
    body: JsValue,
    options: JsValue,
) -> Result<JsValue, JsValue> {
    let p = provider(&provider_id)?;
    let status = status
        .as_f64()
        .filter(|s| s.fract() == 0.0 && (100.0..=599.0).contains(s))
        .ok_or_else(|| {
            js_error(
                &Error::new(
                    ErrorCode::InvalidRequest,
                    "httpStatus must be an integer HTTP status",
                )
                .with_provider(p),
            )
        })? as u16;
    let body = match body.as_string() {
        Some(text) => crate::convert::parse_text(&text),
        None => ResponseBody::Json(to_json(&body).unwrap_or(Json::Null)),
    };
    let retry_after = match get(&options, "retryAfter") {
        v if v.is_undefined() || v.is_null() => None,
        v => v
            .as_string()
            .or_else(|| v.as_f64().map(gpt_image_core::json::number_text)),
    };
    let ctx = ParseContext {
        price: price_options(&options)?,
        retry_after,
        output_format: opt_string(&options, "outputFormat")?,
        model: Some(model_option(p, &options)?),
        quality: opt_string(&options, "quality")?,
    };
    parse_job(p, status, &body, &ctx)
        .map(|j| from_json(&j.to_json()))
        .map_err(|e| js_error(&e))
}

/// The raw body of a webhook as bytes: a string or a Uint8Array/ArrayBuffer.
pub(crate) fn body_bytes(body: &JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(s) = body.as_string() {
        Ok(s.into_bytes())
    } else if body.is_instance_of::<js_sys::Uint8Array>()
        || body.is_instance_of::<js_sys::ArrayBuffer>()
    {
        Ok(js_sys::Uint8Array::new(body).to_vec())
    } else {
        Err(js_error(&Error::new(
            ErrorCode::InvalidRequest,
            "option `body` must be the raw body as a string, Uint8Array or ArrayBuffer",
        )))
    }
}

/// Verify a webhook of a provider that signs them, from its raw body (string
/// or bytes) and its headers: `{ provider: "apiframe", apiKey, body, signature }`
/// (or `headers`), `{ provider: "replicate", secret, body, headers }`. Resolves
/// to true or false (never rejects for a bad or stale delivery); signatures are
/// compared by WebCrypto, in constant time; Standard Webhooks deliveries more
/// than five minutes old are false.
#[wasm_bindgen(js_name = verifyWebhook, skip_typescript)]
pub fn verify_webhook_js(options: JsValue) -> Result<js_sys::Promise, JsValue> {
    let p = provider(&get(&options, "provider"))?;
    let api_key = opt_string(&options, "apiKey")?;
    let secret = opt_string(&options, "secret")?;
    let jwks = get(&options, "jwks");
    let creds = crate::webhooks::Credentials {
        api_key: api_key.as_deref(),
        secret: secret.as_deref(),
        jwks: &jwks,
    };
    if let Some(why) = crate::webhooks::missing(p, &creds) {
        return Err(js_error(
            &Error::new(ErrorCode::InvalidRequest, why).with_provider(p),
        ));
    }
    let bytes = body_bytes(&get(&options, "body"))?;
    let headers = get(&options, "headers");
    let signature = opt_string(&options, "signature")?;
    Ok(
        match crate::webhooks::check(p, &creds, &headers, signature, &bytes) {
            Ok(check) => check.signature_matches,
            Err(_) => js_sys::Promise::resolve(&JsValue::FALSE),
        },
    )
}

/// The exact price of a token-billed answer from its `usage` block:
/// `costFromUsage(provider, usage, { model?, images? })`.
#[wasm_bindgen(js_name = costFromUsage, skip_typescript)]
pub fn cost_from_usage_js(
    provider_id: JsValue,
    usage: JsValue,
    options: JsValue,
) -> Result<JsValue, JsValue> {
    let p = provider(&provider_id)?;
    let model = model_option(p, &options)?;
    let images = crate::convert::opt_whole(&options, "images", 1, 100)?.unwrap_or(1.0) as u32;
    let value = to_json(&usage)?;
    price::cost_from_usage(p, model, &value, images)
        .map(|c| from_json(&c.to_json()))
        .ok_or_else(|| {
            js_error(&Error::new(
                ErrorCode::Decode,
                format!(
                    "usage must have numeric input_tokens and output_tokens, for a model {} bills by tokens",
                    p.display_name()
                ),
            ))
        })
}

/// The `model` option: a model the provider lists, or its default.
fn model_option(p: Provider, options: &JsValue) -> Result<&'static Model, JsValue> {
    match opt_string(options, "model")? {
        None => Ok(p.default_model()),
        Some(id) => match p.model(&id) {
            ModelChoice::Listed(m) | ModelChoice::Unlisted(m) => Ok(m),
            ModelChoice::Unknown => Err(js_error(&Error::new(
                ErrorCode::InvalidRequest,
                format!(
                    "option `model`: \"{id}\" is not a model {} sells",
                    p.display_name()
                ),
            ))),
        },
    }
}
