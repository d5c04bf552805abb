//! The exported functions as JavaScript sees them, in a real JS engine (Node,
//! and headless Chromium with `WASM_BINDGEN_USE_BROWSER=1`).
#![cfg(target_arch = "wasm32")]

use gpt_image_edge::api::*;
use gpt_image_edge::wire::*;
use js_sys::{Array, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

fn js(text: &str) -> JsValue {
    JSON::parse(text).expect("test JSON")
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

fn s(v: &JsValue, key: &str) -> String {
    get(v, key).as_string().unwrap_or_default()
}

fn len(v: &JsValue) -> u32 {
    v.unchecked_ref::<Array>().length()
}

#[wasm_bindgen_test]
fn validate_reports_every_issue_as_plain_objects() {
    let req = js(
        r#"{ "prompt": " ", "count": 11, "aspect_ratio": "1:1", "references": ["http://x.example.com/a.png"] }"#,
    );
    let out = validate_request_js("apiframe".into(), req, JsValue::UNDEFINED).unwrap();
    assert_eq!(get(&out, "ok"), JsValue::FALSE);
    let errors = get(&out, "errors");
    assert_eq!(len(&errors), 4);
    let codes: Vec<String> = errors
        .unchecked_ref::<Array>()
        .iter()
        .map(|e| s(&e, "code"))
        .collect();
    for want in ["unknown_field", "empty", "out_of_range", "insecure_url"] {
        assert!(codes.iter().any(|c| c == want), "{codes:?}");
    }
    // Plain objects, so they serialise and spread like any JSON.
    let first = errors.unchecked_ref::<Array>().get(0);
    assert!(Object::get_prototype_of(&first) == Object::get_prototype_of(&Object::new().into()));
}

#[wasm_bindgen_test]
fn validate_never_throws_for_bad_input() {
    for bad in [
        JsValue::UNDEFINED,
        JsValue::NULL,
        42.into(),
        "text".into(),
        Array::new().into(),
    ] {
        let out = validate_request_js("openai".into(), bad, JsValue::UNDEFINED).unwrap();
        assert_eq!(get(&out, "ok"), JsValue::FALSE);
    }
    let out = validate_request_js("no-such-provider".into(), js("{}"), JsValue::UNDEFINED).unwrap();
    let err = get(&out, "errors").unchecked_ref::<Array>().get(0);
    assert_eq!(
        (s(&err, "path"), s(&err, "code")),
        ("provider".into(), "not_allowed".into())
    );
}

#[wasm_bindgen_test]
fn js_specific_values_are_judged_not_dropped() {
    // NaN is a number that is not whole; undefined means absent; a function is not a field value.
    let req = Object::new();
    Reflect::set(&req, &"prompt".into(), &"a cat".into()).unwrap();
    Reflect::set(&req, &"count".into(), &JsValue::from_f64(f64::NAN)).unwrap();
    Reflect::set(&req, &"quality".into(), &JsValue::UNDEFINED).unwrap();
    let out = validate_request_js("openai".into(), req.into(), JsValue::UNDEFINED).unwrap();
    let errors = get(&out, "errors");
    assert_eq!(len(&errors), 1);
    assert_eq!(
        s(&errors.unchecked_ref::<Array>().get(0), "code"),
        "not_integer"
    );
}

#[wasm_bindgen_test]
fn circular_requests_are_refused_not_looped() {
    let req = Object::new();
    Reflect::set(&req, &"prompt".into(), &"x".into()).unwrap();
    Reflect::set(&req, &"references".into(), &req).unwrap();
    let err = estimate_cost_js("apiframe".into(), req.into(), JsValue::UNDEFINED).unwrap_err();
    assert_eq!(s(&err, "code"), "INVALID_REQUEST");
}

#[wasm_bindgen_test]
fn errors_are_real_errors_with_codes() {
    let err = estimate_cost_js(
        "apiframe".into(),
        js(r#"{ "prompt": "" }"#),
        JsValue::UNDEFINED,
    )
    .unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(s(&err, "name"), "GptImageError");
    assert_eq!(s(&err, "code"), "INVALID_REQUEST");
    assert_eq!(get(&err, "retryable"), JsValue::FALSE);
    assert_eq!(len(&get(&err, "issues")), 1);
    assert!(s(&err, "message").contains("blank"));
}

#[wasm_bindgen_test]
fn prices_cross_the_boundary_exactly() {
    let c = estimate_cost_js(
        "apiframe".into(),
        js(r#"{ "prompt": "x", "quality": "medium", "count": 4 }"#),
        js(r#"{ "plan": "growth" }"#),
    )
    .unwrap();
    assert_eq!(get(&c, "credits").as_f64(), Some(36.0));
    assert_eq!(get(&c, "usd").as_f64(), Some(0.13788));
    let c = estimate_cost_js(
        "gptimage2ai".into(),
        js(r#"{ "prompt": "x" }"#),
        JsValue::UNDEFINED,
    )
    .unwrap();
    assert!(get(&c, "usd").is_null());
    let err = estimate_cost_js(
        "apiframe".into(),
        js(r#"{ "prompt": "x" }"#),
        js(r#"{ "plan": "gold" }"#),
    )
    .unwrap_err();
    assert_eq!(s(&err, "code"), "INVALID_REQUEST");
}

#[wasm_bindgen_test]
fn submit_requests_carry_json_text_and_keys() {
    let opts = js(r#"{ "apiKey": "afk_test", "idempotencyKey": "job-1" }"#);
    let r = build_submit_request_js(
        "apiframe".into(),
        js(r#"{ "prompt": "a cat", "quality": "low" }"#),
        opts,
    )
    .unwrap();
    assert_eq!(s(&r, "url"), "https://api.apiframe.ai/v2/images/generate");
    let headers = get(&r, "headers");
    assert_eq!(s(&headers, "X-API-Key"), "afk_test");
    assert_eq!(s(&headers, "Idempotency-Key"), "job-1");
    let body = JSON::parse(&s(&r, "body")).unwrap();
    assert_eq!(s(&get(&body, "gptImage2Params"), "quality"), "low");
    // Without a caller's key, a fresh UUID is made for this logical job.
    let r = build_submit_request_js(
        "apiframe".into(),
        js(r#"{ "prompt": "a cat" }"#),
        js(r#"{ "apiKey": "afk_test" }"#),
    )
    .unwrap();
    assert_eq!(s(&r, "idempotencyKey").len(), 36);
    let err = build_submit_request_js("apiframe".into(), js(r#"{ "prompt": "a cat" }"#), js("{}"))
        .unwrap_err();
    assert_eq!(s(&err, "code"), "INVALID_REQUEST");
}

#[wasm_bindgen_test]
fn parse_job_takes_text_or_values_and_throws_coded_errors() {
    let job = parse_job_js("gptimage2ai".into(), 200.into(), r#"{"jobId":"g","status":"succeeded","results":[{"imageUrl":"https://f.example.com/a.png","seed":"4","finalPrompt":"p"}]}"#.into(), JsValue::UNDEFINED).unwrap();
    assert_eq!(s(&job, "status"), "succeeded");
    assert_eq!(len(&get(&job, "images")), 1);
    let job = parse_job_js(
        "apiframe".into(),
        200.into(),
        js(r#"{"id":"j","status":"MYSTERY"}"#),
        JsValue::UNDEFINED,
    )
    .unwrap();
    assert_eq!(
        (s(&job, "status"), s(&job, "rawStatus")),
        ("running".into(), "MYSTERY".into())
    );
    let err = parse_job_js(
        "openai".into(),
        429.into(),
        js(r#"{"error":{"message":"slow down"}}"#),
        js(r#"{"retryAfter":"3"}"#),
    )
    .unwrap_err();
    assert_eq!(s(&err, "code"), "RATE_LIMITED");
    assert_eq!(get(&err, "retryAfterMs").as_f64(), Some(3000.0));
    assert_eq!(get(&err, "retryable"), JsValue::TRUE);
    let err = parse_job_js(
        "apiframe".into(),
        200.into(),
        "{\"id\": \"j\", \"sta".into(),
        JsValue::UNDEFINED,
    )
    .unwrap_err();
    assert_eq!(s(&err, "code"), "DECODE");
    let err =
        parse_job_js("apiframe".into(), 999.into(), js("{}"), JsValue::UNDEFINED).unwrap_err();
    assert_eq!(s(&err, "code"), "INVALID_REQUEST");
}

async fn verified(opts: JsValue) -> bool {
    let promise = verify_webhook_js(opts).unwrap();
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap() == JsValue::TRUE
}

#[wasm_bindgen_test]
async fn webhook_signatures_verify_from_text_and_bytes() {
    // HMAC-SHA256 of the body keyed with SHA-256("afk_test"), computed
    // independently (Python's hmac and hashlib).
    let body = r#"{"event":"completed","jobId":"1"}"#;
    let good = "sha256=fc61c41f5395b4882bbc25bc8d00f76d05af30acf6c8325244ba791ceeaf9ca0";
    let bad = "sha256=fc61c41f5395b4882bbc25bc8d00f76d05af30acf6c8325244ba791ceeaf9ca1";
    let opts = |body: JsValue, sig: &str| {
        let o = Object::new();
        Reflect::set(&o, &"provider".into(), &"apiframe".into()).unwrap();
        Reflect::set(&o, &"apiKey".into(), &"afk_test".into()).unwrap();
        Reflect::set(&o, &"body".into(), &body).unwrap();
        Reflect::set(&o, &"signature".into(), &sig.into()).unwrap();
        JsValue::from(o)
    };
    assert!(verified(opts(body.into(), good)).await);
    assert!(verified(opts(body.into(), &good["sha256=".len()..])).await);
    let bytes: JsValue = js_sys::Uint8Array::from(body.as_bytes()).into();
    assert!(verified(opts(bytes, good)).await);
    assert!(!verified(opts(body.into(), bad)).await);
    assert!(!verified(opts("{}".into(), good)).await);
    assert!(!verified(opts(body.into(), "sha256=zz")).await);
}

#[wasm_bindgen_test]
fn provider_info_lists_every_provider() {
    let info = provider_info_js();
    for id in [
        "apiframe",
        "gptimage2ai",
        "getimg",
        "openai",
        "azure",
        "openrouter",
    ] {
        let p = get(&info, id);
        assert_eq!(s(&p, "id"), id);
        assert!(len(&get(&p, "fields")) > 0);
    }
    assert_eq!(len(&get(&get(&info, "apiframe"), "aspectRatios")), 3);
}
