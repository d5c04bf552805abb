//! Conversions between JavaScript values and the core's JSON and errors. A
//! value crosses as one JSON text each way (`json.js` writes it going in,
//! `JSON.parse` reads it coming out), not field by field; no serde (it
//! would double the module).

use gpt_image_core::provider::Surface;
use gpt_image_core::{Error, ErrorCode, Issue, IssueCode, Json, Provider, Target, TargetOptions};
use js_sys::Reflect;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/json.js")]
extern "C" {
    /// The value as JSON text (see `json.js`), or "!" and why it cannot be read.
    #[wasm_bindgen(js_name = jsonText)]
    pub fn json_text_of(v: &JsValue) -> String;

    /// `{ ok, errors, warnings }` from the answer of `api::validate_request_text`.
    #[wasm_bindgen(js_name = validationOf)]
    pub fn validation_of(answer: &str) -> JsValue;
}

/// A JavaScript value as JSON, the way `JSON.stringify` sees it: `undefined`
/// and functions become `null` (and are dropped from objects), `NaN` stays a
/// number so validation can say what is wrong with it. The value crosses as
/// one text; one that cannot be read is `INVALID_REQUEST`.
pub fn to_json(v: &JsValue) -> Result<Json, JsValue> {
    value_of_text(&json_text_of(v)).map_err(|e| js_error(&e))
}

/// The value `jsonText` wrote, or `INVALID_REQUEST` with the reason it gave.
pub fn value_of_text(text: &str) -> Result<Json, Error> {
    if let Some(why) = text.strip_prefix('!') {
        return Err(Error::new(ErrorCode::InvalidRequest, why));
    }
    Json::parse_host(text, host_number)
        .map_err(|_| Error::new(ErrorCode::InvalidRequest, "the value could not be read"))
}

/// The host's reader of JSON number text (keeps Rust's float parser out).
pub(crate) fn host_number(text: &str) -> Option<f64> {
    Some(js_sys::Number::parse_float(text))
}

/// JSON as a plain JavaScript value: written as one text, read by the
/// host's `JSON.parse` (one crossing instead of one per field and string).
pub fn from_json(v: &Json) -> JsValue {
    js_sys::JSON::parse(&stringify(v)).unwrap_or(JsValue::NULL)
}

/// Compact JSON text, as `JSON.stringify` writes it; numbers that are not
/// whole are written by the host (Rust's float formatting stays out).
pub fn stringify(v: &Json) -> String {
    let mut out = String::new();
    v.write_with(&mut out, |n, out| {
        if let Some(s) = js_sys::Number::from(n)
            .to_string_with_radix(10)
            .ok()
            .and_then(|s| s.as_string())
        {
            out.push_str(&s);
        }
    });
    out
}

/// Parse response text with the core's parser, the one native builds and
/// tests use: the same bytes mean the same job everywhere, and ids and seeds
/// beyond 2^53 keep their digits (`JSON.parse` would round them).
pub fn parse_text(text: &str) -> gpt_image_core::ResponseBody {
    // Number text the parser has checked means the same to parseFloat as to
    // JSON.parse (and Rust's float parser stays out of the module).
    gpt_image_core::ResponseBody::from_text_with(text, host_number)
}

#[wasm_bindgen(module = "/src/errors.js")]
extern "C" {
    /// A `GptImageError` from a message and the other fields as JSON text.
    #[wasm_bindgen(js_name = gptImageError)]
    fn gpt_image_error(message: &str, fields_json: &str) -> JsValue;
}

/// A `GptImageError` (the package's one error class) carrying the core
/// error's fields (`code`, `status`, ...).
pub fn js_error(e: &Error) -> JsValue {
    let mut fields = e.to_json();
    if let Json::Object(map) = &mut fields {
        map.remove("message");
    }
    gpt_image_error(&e.message, &stringify(&fields))
}

/// The message of a thrown value (an Error's `message`, or the value as text).
pub fn thrown(e: &JsValue) -> String {
    get(e, "message")
        .as_string()
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "it threw".to_string())
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
    opt_range(obj, key, 0.0, f64::MAX, "a finite number >= 0")
}

/// The longest duration an option may name: 365 days, in milliseconds.
/// Timers hold it (runtime.js waits in steps of at most 2^31 - 1 ms).
pub const MAX_DURATION_MS: f64 = 31_536_000_000.0;

/// An optional duration option: milliseconds from 1 to 365 days.
pub fn opt_duration(obj: &JsValue, key: &str) -> Result<Option<f64>, JsValue> {
    opt_range(
        obj,
        key,
        1.0,
        MAX_DURATION_MS,
        "a number of milliseconds from 1 to 31536000000 (365 days)",
    )
}

/// An optional whole-number option from `min` to `max`.
pub fn opt_whole(obj: &JsValue, key: &str, min: u32, max: u32) -> Result<Option<f64>, JsValue> {
    // Integers only in the message: float formatting would add kilobytes.
    let want = format!("a whole number from {min} to {max}");
    match opt_range(obj, key, f64::from(min), f64::from(max), &want)? {
        Some(n) if n.fract() != 0.0 => Err(option_error(key, &want)),
        n => Ok(n),
    }
}

/// An optional number option that is finite and from `min` to `max`; an
/// `INVALID_REQUEST` naming the option otherwise.
pub fn opt_range(
    obj: &JsValue,
    key: &str,
    min: f64,
    max: f64,
    want: &str,
) -> Result<Option<f64>, JsValue> {
    let v = get(obj, key);
    if absent(&v) {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if n.is_finite() && n >= min && n <= max => Ok(Some(n)),
        _ => Err(option_error(key, want)),
    }
}

/// The provider named `id`, or the issue that says which exist.
pub fn provider_of(id: &str) -> Result<Provider, Issue> {
    Provider::from_id(id).ok_or_else(|| {
        let ids: Vec<&str> = Provider::all().iter().map(|p| p.id()).collect();
        Issue::new(
            "provider",
            IssueCode::NotAllowed,
            format!(
                "unknown provider; use one of {}",
                gpt_image_core::text::list(&ids)
            ),
        )
    })
}

/// The provider named `id`, or an `INVALID_REQUEST` error.
pub fn provider(id: &JsValue) -> Result<Provider, JsValue> {
    provider_named(&id.as_string().unwrap_or_default())
}

/// [`provider`] for a name already read.
pub fn provider_named(id: &str) -> Result<Provider, JsValue> {
    provider_of(id).map_err(|issue| {
        let mut e = Error::new(ErrorCode::InvalidRequest, issue.message.clone());
        e.issues = vec![issue];
        js_error(&e)
    })
}

/// The target the options describe for `p`: `apiKey`, `baseUrl`, `headers`,
/// and the provider's settings by name (Azure's `deployment`, `apiVersion`).
pub fn target_option(p: Provider, options: &JsValue) -> Result<Target, JsValue> {
    let mut settings = Vec::new();
    for s in p.setup().settings {
        if let Some(v) = opt_string(options, s.name)? {
            settings.push((s.name.to_string(), v));
        }
    }
    let o = TargetOptions {
        api_key: opt_string(options, "apiKey")?,
        base_url: opt_string(options, "baseUrl")?,
        headers: headers_option(options).map_err(|e| js_error(&e.with_provider(p)))?,
        settings,
    };
    Target::build(p, o).map_err(|e| js_error(&e))
}

/// The provider's API the options choose (Azure's `apiVersion`), where it
/// has several; `None`: its default one.
pub fn surface_option(p: Provider, options: &JsValue) -> Result<Option<&'static Surface>, JsValue> {
    let setup = p.setup();
    if setup.surfaces.is_empty() {
        return Ok(None);
    }
    let Some(value) = opt_string(options, setup.surface_setting)? else {
        return Ok(None);
    };
    p.surface(Some(&value)).map(Some).ok_or_else(|| {
        js_error(
            &Error::new(
                ErrorCode::InvalidRequest,
                format!(
                    "option `{}`: no API of {} answers to \"{value}\"",
                    setup.surface_setting,
                    p.display_name()
                ),
            )
            .with_provider(p),
        )
    })
}

/// The `headers` option: an object of string values (a `Headers` too), in order.
pub fn headers_option(options: &JsValue) -> Result<Vec<(String, String)>, Error> {
    let v = get(options, "headers");
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    let bad = || {
        Error::new(
            ErrorCode::InvalidRequest,
            "option `headers` must be an object of header names and string values",
        )
    };
    let entries = crate::runtime::header_entries(&v).map_err(|_| bad())?;
    let mut out = Vec::new();
    for pair in js_sys::Array::from(&entries).iter() {
        let pair = js_sys::Array::from(&pair);
        match (pair.get(0).as_string(), pair.get(1).as_string()) {
            (Some(k), Some(v)) => out.push((k, v)),
            _ => return Err(bad()),
        }
    }
    Ok(out)
}
