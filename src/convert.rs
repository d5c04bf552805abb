//! Conversions between JavaScript values and the core's JSON and errors,
//! written against js-sys directly (no serde: it would double the module).

use gpt_image_core::{Error, ErrorCode, Issue, IssueCode, Json, Map, Provider};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The `name` of every error this package throws.
pub const ERROR_NAME: &str = "GptImageError";

/// Deeper than this is refused (and it also stops circular objects).
const MAX_DEPTH: u32 = 64;

/// A JavaScript value as JSON, the way `JSON.stringify` sees it: `undefined`
/// and functions become `null` (and are dropped from objects), `NaN` stays a
/// number so validation can say what is wrong with it.
pub fn to_json(v: &JsValue) -> Result<Json, JsValue> {
    walk(v, 0)
}

fn walk(v: &JsValue, depth: u32) -> Result<Json, JsValue> {
    if depth > MAX_DEPTH {
        return Err(js_error(&Error::new(
            ErrorCode::InvalidRequest,
            "the value is nested too deeply (or is circular)",
        )));
    }
    if v.is_null() || v.is_undefined() || v.is_function() || v.is_symbol() {
        return Ok(Json::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Json::Bool(b));
    }
    if let Some(n) = v.as_f64() {
        return Ok(Json::Number(n));
    }
    if let Some(s) = v.as_string() {
        return Ok(Json::String(s));
    }
    if v.is_bigint() {
        // JSON has no BigInt: keep its digits as text so validation names the type.
        let big: &js_sys::BigInt = v.unchecked_ref();
        let digits = big.to_string(10).ok().map(String::from).unwrap_or_default();
        return Ok(Json::String(format!("{digits}n")));
    }
    if Array::is_array(v) {
        let arr: &Array = v.unchecked_ref();
        let mut items = Vec::new();
        for item in arr.iter() {
            items.push(walk(&item, depth + 1)?);
        }
        return Ok(Json::Array(items));
    }
    let obj: &Object = v.unchecked_ref();
    let mut pairs = Vec::new();
    for key in Object::keys(obj).iter() {
        let Some(k) = key.as_string() else { continue };
        let item = Reflect::get(obj, &key).unwrap_or(JsValue::UNDEFINED);
        if item.is_undefined() || item.is_function() || item.is_symbol() {
            continue;
        }
        pairs.push((k, walk(&item, depth + 1)?));
    }
    // The keys of a JS object are distinct: this is linear.
    Ok(Json::Object(Map::from_unique_pairs(pairs)))
}

/// JSON as a plain JavaScript value.
pub fn from_json(v: &Json) -> JsValue {
    match v {
        Json::Null => JsValue::NULL,
        Json::Bool(b) => JsValue::from_bool(*b),
        Json::Number(n) => JsValue::from_f64(*n),
        Json::String(s) => JsValue::from_str(s),
        Json::Array(items) => {
            let arr = Array::new();
            for item in items {
                arr.push(&from_json(item));
            }
            arr.into()
        }
        Json::Object(m) => {
            let o = Object::new();
            for (k, item) in m.iter() {
                let _ = Reflect::set(&o, &JsValue::from_str(k), &from_json(item));
            }
            o.into()
        }
    }
}

/// Parse response text with the host's `JSON.parse`.
pub fn parse_text(text: &str) -> gpt_image_core::ResponseBody {
    match js_sys::JSON::parse(text).ok().map(|v| to_json(&v)) {
        Some(Ok(v)) => gpt_image_core::ResponseBody::Json(v),
        _ => gpt_image_core::ResponseBody::NotJson(text.to_string()),
    }
}

/// JSON text with the host's `JSON.stringify`.
pub fn stringify(v: &Json) -> String {
    js_sys::JSON::stringify(&from_json(v))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// A JavaScript `Error` carrying the core error's fields (`code`, `status`, ...).
pub fn js_error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    err.set_name(ERROR_NAME);
    if let Json::Object(fields) = e.to_json() {
        for (k, v) in fields.iter() {
            if k != "message" {
                let _ = Reflect::set(&err, &JsValue::from_str(k), &from_json(v));
            }
        }
    }
    err.into()
}

/// `obj[key]`, or `undefined` when `obj` is not an object.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() && !obj.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn option_error(key: &str, want: &str) -> JsValue {
    js_error(&Error::new(
        ErrorCode::InvalidRequest,
        format!("option `{key}` must be {want}"),
    ))
}

fn absent(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

/// An optional string option.
pub fn opt_string(obj: &JsValue, key: &str) -> Result<Option<String>, JsValue> {
    let v = get(obj, key);
    if absent(&v) {
        return Ok(None);
    }
    v.as_string()
        .map(Some)
        .ok_or_else(|| option_error(key, "a string"))
}

/// An optional boolean option.
pub fn opt_bool(obj: &JsValue, key: &str) -> Result<Option<bool>, JsValue> {
    let v = get(obj, key);
    if absent(&v) {
        return Ok(None);
    }
    v.as_bool()
        .map(Some)
        .ok_or_else(|| option_error(key, "a boolean"))
}

/// An optional finite, non-negative number option.
pub fn opt_number(obj: &JsValue, key: &str) -> Result<Option<f64>, JsValue> {
    let v = get(obj, key);
    if absent(&v) {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if n.is_finite() && n >= 0.0 => Ok(Some(n)),
        _ => Err(option_error(key, "a finite number >= 0")),
    }
}

/// The provider named `id`, or the issue saying it is unknown.
pub fn provider_issue(id: &JsValue) -> Result<Provider, Issue> {
    id.as_string()
        .as_deref()
        .and_then(Provider::from_id)
        .ok_or_else(|| {
            Issue::new(
                "provider",
                IssueCode::NotAllowed,
                "unknown provider; use one of apiframe, gptimage2ai, getimg, openai",
            )
        })
}

/// The provider named `id`, or an `INVALID_REQUEST` error.
pub fn provider(id: &JsValue) -> Result<Provider, JsValue> {
    provider_issue(id).map_err(|issue| {
        let mut e = Error::new(ErrorCode::InvalidRequest, issue.message.clone());
        e.issues = vec![issue];
        js_error(&e)
    })
}
