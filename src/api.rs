//! The stateless functions a page needs: validation, estimates and the
//! providers' descriptions. The wire formats, the price of an answer's
//! `usage` and webhook checks are in [`crate::wire`], in server builds only.

use crate::convert::{
    js_error, opt_bool, opt_number, opt_string, provider_named, provider_of, stringify,
    value_of_text,
};
use crate::images::request_text;
use gpt_image_core::json;
use gpt_image_core::{
    estimate_cost, validate_request, Error, ErrorCode, Issue, IssueCode, Plan, PriceOptions,
    Provider, ValidateOptions,
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
#[wasm_bindgen(js_name = validateRequestText, skip_typescript)]
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
#[wasm_bindgen(js_name = estimateCostText, skip_typescript)]
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

/// `provider_info()` rendered at compile time (see build.rs).
const PROVIDER_INFO: &str = include_str!(concat!(env!("OUT_DIR"), "/provider_info.json"));

/// Every provider's allowed values and limits, for building forms.
#[wasm_bindgen(js_name = providerInfo, skip_typescript)]
pub fn provider_info_js() -> JsValue {
    js_sys::JSON::parse(PROVIDER_INFO).unwrap_or(JsValue::NULL)
}
