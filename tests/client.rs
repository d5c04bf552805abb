//! ImageClient in a real JS engine (Node, and headless Chromium with
//! `WASM_BINDGEN_USE_BROWSER=1`) against the sandbox at `SANDBOX_URL`, which
//! the test build reads at compile time (scripts/test.sh starts the sandbox).
#![cfg(all(target_arch = "wasm32", feature = "client"))]

use gpt_image_edge::client::ImageClient;
use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

/// The sandbox's keys, from the one file every test reads them from.
const KEYS_FILE: &str = include_str!("../sandbox/keys.mjs");

/// `(provider, key)` of each `  provider: "key",` line of the keys file.
fn keys() -> Vec<(&'static str, &'static str)> {
    // The `SANDBOX_KEYS` block only (the file holds other tables too).
    KEYS_FILE
        .lines()
        .skip_while(|l| !l.starts_with("export const SANDBOX_KEYS"))
        .skip(1)
        .take_while(|l| !l.starts_with("};"))
        .filter_map(|l| {
            let (id, rest) = l.trim().split_once(": \"")?;
            Some((id, rest.strip_suffix("\",")?))
        })
        .collect()
}

/// `(name, value)` of the settings the keys file gives `provider` (Azure's
/// deployment), from its `  provider: { name: "value" },` line.
fn settings(provider: &str) -> Vec<(&'static str, &'static str)> {
    let prefix = format!("  {provider}: {{ ");
    KEYS_FILE
        .lines()
        .filter_map(|l| l.strip_prefix(prefix.as_str())?.strip_suffix(" },"))
        .flat_map(|inner| inner.split(", "))
        .filter_map(|pair| {
            let (name, value) = pair.split_once(": \"")?;
            Some((name, value.strip_suffix('"')?))
        })
        .collect()
}

fn key(provider: &str) -> &'static str {
    keys()
        .into_iter()
        .find(|(p, _)| *p == provider)
        .map(|(_, k)| k)
        .expect("the provider's sandbox key")
}

fn sandbox() -> &'static str {
    match option_env!("SANDBOX_URL") {
        Some(url) => url,
        None => panic!("SANDBOX_URL must name a running sandbox when the tests are built (scripts/test.sh does it)"),
    }
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

fn s(v: &JsValue, key: &str) -> String {
    get(v, key).as_string().unwrap_or_default()
}

fn in_browser() -> bool {
    !get(&js_sys::global(), "document").is_undefined()
}

fn options(provider: &str, key: &str, allow_browser: bool) -> JsValue {
    let o = Object::new();
    Reflect::set(&o, &"provider".into(), &provider.into()).unwrap();
    Reflect::set(&o, &"apiKey".into(), &key.into()).unwrap();
    Reflect::set(&o, &"baseUrl".into(), &sandbox().into()).unwrap();
    Reflect::set(&o, &"typicalDurationMs".into(), &JsValue::from_f64(300.0)).unwrap();
    for (name, value) in settings(provider) {
        Reflect::set(&o, &name.into(), &value.into()).unwrap();
    }
    Reflect::set(
        &o,
        &"dangerouslyAllowBrowser".into(),
        &JsValue::from_bool(allow_browser),
    )
    .unwrap();
    o.into()
}

#[wasm_bindgen_test]
fn a_keyed_client_refuses_a_browser_unless_told() {
    let result = ImageClient::new(options("openai", "sk-browser-secret-123", false));
    if in_browser() {
        let Err(err) = result else {
            panic!("a keyed client started in a browser")
        };
        assert_eq!(s(&err, "code"), "BROWSER_KEY");
        assert!(!s(&err, "message").contains("sk-browser-secret-123"));
        assert!(ImageClient::new(options("openai", "sk-browser-secret-123", true)).is_ok());
    } else {
        assert!(result.is_ok(), "Node is not a browser");
    }
}

#[wasm_bindgen_test]
async fn every_provider_generates_an_image() {
    for (provider, key) in keys() {
        let client = ImageClient::new(options(provider, key, true)).unwrap();
        let request = JSON::parse(r#"{ "prompt": "a lighthouse at dusk" }"#).unwrap();
        let job = JsFuture::from(client.generate(request, JsValue::UNDEFINED))
            .await
            .unwrap();
        assert_eq!(s(&job, "status"), "succeeded", "{provider}");
        let images: js_sys::Array = get(&job, "images").into();
        assert_eq!(images.length(), 1, "{provider}");
        let image = images.get(0);
        assert!(
            !s(&image, "url").is_empty() || !s(&image, "b64").is_empty(),
            "{provider}"
        );
    }
}

#[wasm_bindgen_test]
async fn a_handle_resumes_in_a_fresh_client() {
    let client = ImageClient::new(options("apiframe", key("apiframe"), true)).unwrap();
    let request = JSON::parse(r#"{ "prompt": "resume me", "quality": "low" }"#).unwrap();
    let handle = JsFuture::from(client.submit(request, JsValue::UNDEFINED))
        .await
        .unwrap();
    let text = JSON::stringify(&handle).unwrap().as_string().unwrap();
    assert!(!text.contains(key("apiframe")));
    let fresh = ImageClient::new(options("apiframe", key("apiframe"), true)).unwrap();
    let job = JsFuture::from(fresh.wait_for(text.into(), JsValue::UNDEFINED))
        .await
        .unwrap();
    assert_eq!(s(&job, "status"), "succeeded");
}

#[wasm_bindgen_test]
async fn an_aborted_signal_stops_before_sending() {
    let client = ImageClient::new(options("apiframe", key("apiframe"), true)).unwrap();
    let abort = get(&js_sys::global(), "AbortSignal");
    let aborted = js_sys::Function::from(get(&abort, "abort"))
        .call0(&abort)
        .unwrap();
    let opts = Object::new();
    Reflect::set(&opts, &"signal".into(), &aborted).unwrap();
    let request = JSON::parse(r#"{ "prompt": "never" }"#).unwrap();
    let err = JsFuture::from(client.generate(request, opts.into()))
        .await
        .unwrap_err();
    assert_eq!(s(&err, "code"), "ABORTED");
}
