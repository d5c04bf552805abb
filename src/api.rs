//! The stateless functions: validation, prices, wire formats, webhooks.

use crate::convert::{
    from_json, get, js_error, opt_bool, opt_number, opt_string, provider, provider_named,
    provider_of, stringify, to_json, value_of_text,
};
use crate::images::request_text;
use gpt_image_core::json;
use gpt_image_core::provider::ModelChoice;
use gpt_image_core::{
    build_poll_request, build_submit_request, estimate_cost, parse_job, price, validate_request,
    Body, Error, ErrorCode, HttpRequest, Issue, IssueCode, Json, Model, ParseContext, Plan,
    PriceOptions, Provider, ResponseBody, Target, ValidateOptions,
};
use wasm_bindgen::prelude::*;

/// `{ strict?, allowLocalUrls? }`, and the setting that chooses the
/// provider's API where it has several (Azure's `apiVersion`).
fn validate_options(p: Provider, options: &JsValue) -> Result<ValidateOptions, JsValue> {
    if options.is_undefined() {
        return Ok(ValidateOptions::default());
    }
    Ok(ValidateOptions {
        strict: opt_bool(options, "strict")?.unwrap_or(false),
        allow_local_urls: opt_bool(options, "allowLocalUrls")?.unwrap_or(false),
        surface: crate::convert::surface_option(p, options)?,
    })
}

/// Price options from `{ plan?, creditPriceUsd? }`.
pub(crate) fn price_options(options: &JsValue) -> Result<PriceOptions, JsValue> {
    let plan = match opt_string(options, "plan")? {
        None => Plan::Payg,
        Some(id) => Plan::from_id(&id).ok_or_else(|| {
            js_error(&Error::new(
                ErrorCode::InvalidRequest,
                format!("unknown plan \"{id}\"; use \"payg\" or \"growth\""),
            ))
        })?,
    };
    Ok(PriceOptions {
        plan,
        credit_price_usd: opt_number(options, "creditPriceUsd")?,
        partial_images: crate::convert::opt_whole(options, "partialImages", 0, 3)?
            .map_or(0, |n| n as u8),
    })
}

/// `validateRequest` for a request already written as JSON text (`jsonText`
/// in json.js, byte images as data URLs): one string in, one out. The
/// package exports its own `validateRequest` (npm/glue.mjs), which calls this
/// and reads the answer with `validationOf` (json.js): empty when the request
/// is valid without warnings, the issues written flat (see [`flat_issues`]),
/// or the whole result as JSON (it starts with `{`) when an issue holds the
/// flat text's separator. Never throws for a bad request; only for bad options.
#[wasm_bindgen(js_name = validateRequest, skip_typescript)]
pub fn validate_request_text(
    provider_id: &str,
    text: &str,
    options: JsValue,
) -> Result<String, JsValue> {
    let refused = |issue: Issue| {
        stringify(&json!({ "ok": false, "errors": [issue.to_json()], "warnings": [] }))
    };
    let p = match provider_of(provider_id) {
        Ok(p) => p,
        Err(issue) => return Ok(refused(issue)),
    };
    let opts = validate_options(p, &options)?;
    let mut value = match value_of_text(text) {
        Ok(v) => v,
        // Larger or deeper than any request: refused before it is walked.
        Err(e) => {
            return Ok(refused(Issue::new(
                "",
                IssueCode::TooMany,
                e.message.clone(),
            )))
        }
    };
    // Byte images crossed as untyped data URLs: named by the core's sniffer.
    gpt_image_core::image::label_untyped_images(&mut value);
    let v = validate_request(p, &value, opts);
    if v.ok() && v.warnings.is_empty() {
        return Ok(String::new());
    }
    Ok(flat_issues(&v).unwrap_or_else(|| stringify(&v.to_json())))
}

/// `validateRequest` as the package exports it, for Rust callers: the same
/// steps as its JavaScript (npm/glue.mjs) without the fast path.
pub fn validate_request_js(
    provider_id: JsValue,
    request: JsValue,
    options: JsValue,
) -> Result<JsValue, JsValue> {
    let provider_id = provider_id.as_string().unwrap_or_default();
    let answer = validate_request_text(&provider_id, &request_text(&request), options)?;
    Ok(crate::convert::validation_of(&answer))
}

/// A validation's issues as one flat text for `validationFrom` (json.js):
/// `kind \x1f path \x1f code \x1f message` for each (kind `e` or `w`), all
/// joined by `\x1f`. Built and read far faster than JSON; `None` when a path
/// or a message holds the separator itself.
fn flat_issues(v: &gpt_image_core::Validation) -> Option<String> {
    let issues = || {
        [("e", &v.errors), ("w", &v.warnings)]
            .into_iter()
            .flat_map(|(kind, list)| list.iter().map(move |issue| (kind, issue)))
    };
    // Written once into a string of the exact size.
    let size: usize = issues()
        .map(|(_, i)| 5 + i.path.len() + i.code.as_str().len() + i.message.len())
        .sum();
    let mut out = String::with_capacity(size);
    for (kind, issue) in issues() {
        for part in [
            kind,
            issue.path.as_ref(),
            issue.code.as_str(),
            issue.message.as_str(),
        ] {
            if part.as_bytes().contains(&0x1f) {
                return None;
            }
            if !out.is_empty() {
                out.push('\x1f');
            }
            out.push_str(part);
        }
    }
    Some(out)
}

/// `estimateCost` for a request already written as JSON text (see
/// [`validate_request_text`]): the cost as JSON text, read by `JSON.parse` in
/// the package's own `estimateCost` (npm/glue.mjs).
/// Throws `INVALID_REQUEST` for a bad request.
#[wasm_bindgen(js_name = estimateCost, skip_typescript)]
pub fn estimate_cost_text(
    provider_id: &str,
    text: &str,
    options: JsValue,
) -> Result<String, JsValue> {
    let p = provider_named(provider_id)?;
    let price = price_options(&options)?;
    let opts = validate_options(p, &options)?;
    let mut value = value_of_text(text).map_err(|e| js_error(&e))?;
    gpt_image_core::image::label_untyped_images(&mut value);
    estimate_cost(p, &value, opts, &price)
        .map(|c| stringify(&c.to_json()))
        .map_err(|e| js_error(&e))
}

/// `estimateCost` as the package exports it, for Rust callers (see
/// [`validate_request_js`]).
pub fn estimate_cost_js(
    provider_id: JsValue,
    request: JsValue,
    options: JsValue,
) -> Result<JsValue, JsValue> {
    let provider_id = provider_id.as_string().unwrap_or_default();
    let cost = estimate_cost_text(&provider_id, &request_text(&request), options)?;
    Ok(js_sys::JSON::parse(&cost).unwrap_or(JsValue::NULL))
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

/// `provider_info()` rendered at compile time (see build.rs).
const PROVIDER_INFO: &str = include_str!(concat!(env!("OUT_DIR"), "/provider_info.json"));

/// Every provider's allowed values and limits, for building forms.
#[wasm_bindgen(js_name = providerInfo, skip_typescript)]
pub fn provider_info_js() -> JsValue {
    js_sys::JSON::parse(PROVIDER_INFO).unwrap_or(JsValue::NULL)
}

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
