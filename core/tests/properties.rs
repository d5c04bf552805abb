//! Properties over generated input: nothing panics, however malformed, and
//! every request valid for Apiframe becomes a body Apiframe's official OpenAPI
//! document accepts.

mod support;

use gpt_image_core::providers;
use gpt_image_core::{
    build_submit_request, estimate_cost, parse_job, validate_request, Body, Json, ParseContext,
    PriceOptions, Provider, ResponseBody, Target, ValidateOptions,
};
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

/// A validator for `GenerateImageRequest`, built from the official document.
fn apiframe_schema() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/apiframe-openapi.json");
        let text = std::fs::read_to_string(path).expect("the OpenAPI document is readable");
        let doc: Value = serde_json::from_str(&text).expect("the OpenAPI document is JSON");
        let schema = json!({
            "$ref": "#/components/schemas/GenerateImageRequest",
            "components": doc["components"],
        });
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the schema compiles")
    })
}

fn schema_errors(body: &Value) -> Vec<String> {
    apiframe_schema()
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// URLs, mostly plausible, often with characters a URI may not contain.
fn url() -> impl Strategy<Value = String> {
    let host = prop_oneof![
        Just("cdn.example.com".to_string()),
        Just("127.0.0.1".to_string()),
        Just("[::1]".to_string()),
        Just("10.0.0.7".to_string()),
        "[a-z0-9.\\-_%]{0,16}",
    ];
    let path = "[a-zA-Z0-9/._~%!$&'()*+,;=:@?#\\[\\]{}|\\\\^` \"<>é-]{0,24}";
    let scheme = prop_oneof![
        4 => Just("https://"),
        1 => Just("http://"),
        1 => Just("ftp://"),
        1 => Just(""),
        1 => Just("https://user:pw@"),
    ];
    (scheme, host, path).prop_map(|(s, h, p)| format!("{s}{h}/{p}"))
}

fn pick(values: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop::sample::select(values).prop_map(|s| json!(s))
}

/// A field value: usually drawn from the values some provider allows, sometimes junk.
fn field(good: impl Strategy<Value = Value> + 'static) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        6 => Just(None),
        6 => good.prop_map(Some),
        1 => any_json().prop_map(Some),
    ]
}

fn request() -> impl Strategy<Value = Value> {
    let prompt = prop_oneof![
        8 => "[a-zA-Z0-9 ,.'é🙂-]{1,60}".prop_map(|s| Some(json!(s))),
        1 => Just(Some(json!("   "))),
        1 => (1990usize..2010).prop_map(|n| Some(json!("p".repeat(n)))),
        1 => Just(None),
        1 => any_json().prop_map(Some),
    ];
    let references = prop::collection::vec(url(), 0..4).prop_map(|v| json!(v));
    let ratios: &[&str] = &[
        "1:1", "3:2", "2:3", "16:9", "9:16", "4:3", "3:4", "4:5", "21:9", "5:7",
    ];
    let sizes: &[&str] = &[
        "auto",
        "1024x1024",
        "1536x1024",
        "1000x1000",
        "4096x4096",
        "1024x",
        "512x512",
    ];
    let fields = (
        prompt,
        field(references),
        field(pick(ratios)),
        field(pick(sizes)),
        field(pick(&["1K", "2K", "4K"])),
        field(pick(&["low", "medium", "high", "auto", "max"])),
        field(pick(&["png", "jpeg", "webp", "gif"])),
        field((-5i64..110).prop_map(|n| json!(n))),
        field(pick(&["auto", "opaque", "transparent"])),
        field(pick(&["auto", "low", "strict"])),
        field(prop_oneof![
            (-1i64..14).prop_map(|n| json!(n)),
            Just(json!(2.5))
        ]),
        (
            field(pick(&["cinematic", "studio-product", "Bad Style"])),
            field(pick(&["soft light", ""])),
            field(url().prop_map(|u| json!(u))),
            prop::option::weighted(0.1, "[a-z_]{1,10}"),
        ),
    );
    fields.prop_map(
        |(
            prompt,
            refs,
            ratio,
            size,
            res,
            quality,
            format,
            compression,
            bg,
            moderation,
            count,
            (style, lighting, webhook, extra),
        )| {
            let mut m = Map::new();
            let mut put = |k: &str, v: Option<Value>| {
                if let Some(v) = v {
                    m.insert(k.to_string(), v);
                }
            };
            put("prompt", prompt);
            put("references", refs);
            put("aspectRatio", ratio);
            put("size", size);
            put("resolution", res);
            put("quality", quality);
            put("outputFormat", format);
            put("outputCompression", compression);
            put("background", bg);
            put("moderation", moderation);
            put("count", count);
            put("style", style);
            put("lighting", lighting);
            put("webhookUrl", webhook);
            if let Some(k) = extra {
                m.insert(k, json!(1));
            }
            Value::Object(m)
        },
    )
}

/// A field that is usually absent or valid, and rarely wrong.
fn mostly(
    good: impl Strategy<Value = Value> + 'static,
    bad: impl Strategy<Value = Value> + 'static,
) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        4 => Just(None),
        8 => good.prop_map(Some),
        1 => bad.prop_map(Some),
    ]
}

/// URLs that are valid https with a path drawn from every character a URI
/// may contain (and, rarely, some it may not), to probe `format: uri`.
fn https_url() -> impl Strategy<Value = String> {
    let path = prop_oneof![
        12 => "[a-zA-Z0-9/._~!$&'()*+,;=:@-]{0,24}",
        2 => "[a-z0-9/]{0,8}(%[0-9A-Fa-f]{2}){0,3}[?#]?[a-z0-9=&/?]{0,8}",
        1 => "[a-z/ %\\{}|^`\\[\\]<>\"é]{1,8}",
    ];
    let host = prop_oneof![
        "[a-z][a-z0-9-]{0,10}\\.(com|ai|io)",
        Just("8.8.8.8".to_string()),
        Just("[2606:4700::1111]".to_string())
    ];
    (host, prop::option::of(1u16..65535), path).prop_map(|(h, port, p)| match port {
        Some(port) => format!("https://{h}:{port}/{p}"),
        None => format!("https://{h}/{p}"),
    })
}

/// Requests aimed at Apiframe: mostly valid, so the schema property has teeth.
fn apiframe_request() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            10 => "[a-zA-Z0-9 ,.'é🙂\"\\\n-]{1,80}".prop_map(|s| json!(s)),
            1 => (1995usize..2001).prop_map(|n| json!("p".repeat(n))),
        ],
        mostly(
            prop::collection::vec(https_url(), 0..4).prop_map(|v| json!(v)),
            any_json(),
        ),
        mostly(pick(&["1:1", "3:2", "2:3"]), pick(&["16:9", "1:2"])),
        mostly(pick(&["low", "medium", "high", "auto"]), any_json()),
        mostly(pick(&["png", "jpeg", "webp"]), pick(&["jpg"])),
        mostly(pick(&["auto", "opaque"]), pick(&["transparent"])),
        mostly(pick(&["auto", "low"]), any_json()),
        mostly(
            (1i64..=10).prop_map(|n| json!(n)),
            prop_oneof![Just(json!(0)), Just(json!(11)), Just(json!(1.5))],
        ),
        mostly(https_url().prop_map(|u| json!(u)), any_json()),
    )
        .prop_map(
            |(prompt, refs, ratio, quality, format, bg, moderation, count, webhook)| {
                let mut m = Map::new();
                m.insert("prompt".to_string(), prompt);
                for (k, v) in [
                    ("references", refs),
                    ("aspectRatio", ratio),
                    ("quality", quality),
                    ("outputFormat", format),
                    ("background", bg),
                    ("moderation", moderation),
                    ("count", count),
                    ("webhookUrl", webhook),
                ] {
                    if let Some(v) = v {
                        m.insert(k.to_string(), v);
                    }
                }
                Value::Object(m)
            },
        )
}

/// A small PNG as a data URL: `w`x`h`, with or without an alpha channel
/// (only its header matters to validation).
fn png_data_url(w: u32, h: u32, alpha: bool) -> String {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.extend_from_slice(&w.to_be_bytes());
    png.extend_from_slice(&h.to_be_bytes());
    png.extend_from_slice(&[8, if alpha { 6 } else { 2 }, 0, 0, 0, 0, 0, 0, 0]);
    format!(
        "data:image/png;base64,{}",
        gpt_image_core::image::encode_base64(&png)
    )
}

/// Requests aimed at OpenAI: generations and edits, images by URL and by
/// bytes, masks, and every setting; coherent enough that most validate, with
/// a wrong value now and then.
fn openai_request() -> impl Strategy<Value = Value> {
    let image = prop_oneof![
        4 => https_url().prop_map(|u| json!(u)),
        4 => Just(json!(png_data_url(1024, 1024, false))),
        1 => Just(json!("data:image/gif;base64,R0lGODlh")),
    ];
    let mask = prop_oneof![
        6 => Just(json!(png_data_url(1024, 1024, true))),
        1 => Just(json!(png_data_url(512, 512, true))),
        1 => Just(json!(png_data_url(1024, 1024, false))),
        3 => https_url().prop_map(|u| json!(u)),
    ];
    let edit = (
        prop::collection::vec(image, 1..3).prop_map(|v| json!(v)),
        prop::option::of(mask),
        prop::option::of(pick(&["high", "low"])),
    );
    let format_and_more = prop_oneof![
        // png: no compression; any background.
        (
            Just(Some(json!("png"))),
            Just(None),
            mostly(pick(&["auto", "opaque", "transparent"]), pick(&["clear"]))
        ),
        // jpeg/webp: compression; transparent only on webp.
        (
            pick(&["jpeg", "webp"]).prop_map(Some),
            mostly((0i64..=100).prop_map(|n| json!(n)), Just(json!(101))),
            mostly(pick(&["auto", "opaque"]), Just(json!("transparent"))),
        ),
        (Just(None), Just(None), Just(None)),
    ];
    (
        "[a-zA-Z0-9 ,.'é🙂\"-]{1,60}".prop_map(|s| json!(s)),
        prop::option::weighted(0.6, edit),
        (
            mostly(
                pick(&[
                    "auto",
                    "1024x1024",
                    "1536x1024",
                    "1024x1536",
                    "1536x864",
                    "2048x2048",
                ]),
                pick(&["10x10"]),
            ),
            mostly(pick(&["1:1", "3:2", "16:9", "21:9"]), pick(&["5:7"])),
            mostly(pick(&["1K", "2K"]), pick(&["4K"])),
        ),
        mostly(pick(&["low", "medium", "high", "auto"]), any_json()),
        format_and_more,
        mostly(pick(&["auto", "low"]), any_json()),
        mostly((1i64..=10).prop_map(|n| json!(n)), Just(json!(0))),
        mostly("[a-z0-9-]{1,20}".prop_map(|u| json!(u)), Just(json!(""))),
    )
        .prop_map(
            |(
                prompt,
                edit,
                (size, ratio, res),
                quality,
                (format, compression, bg),
                moderation,
                count,
                user,
            )| {
                let mut m = Map::new();
                m.insert("prompt".to_string(), prompt);
                let (refs, mask, fidelity) = match edit {
                    Some((r, m, f)) => (Some(r), m, f),
                    None => (None, None, None),
                };
                // Either a size or a ratio/resolution: both together is a known conflict.
                let (size, ratio, res) = if size.is_some() {
                    (size, None, None)
                } else {
                    (None, ratio, res)
                };
                for (k, v) in [
                    ("references", refs),
                    ("mask", mask),
                    ("inputFidelity", fidelity),
                    ("size", size),
                    ("aspectRatio", ratio),
                    ("resolution", res),
                    ("quality", quality),
                    ("outputFormat", format),
                    ("outputCompression", compression),
                    ("background", bg),
                    ("moderation", moderation),
                    ("count", count),
                    ("user", user),
                ] {
                    if let Some(v) = v {
                        m.insert(k.to_string(), v);
                    }
                }
                Value::Object(m)
            },
        )
}

fn any_request() -> impl Strategy<Value = Value> {
    prop_oneof![request(), apiframe_request(), openai_request()]
}

/// A validator for one schema of OpenAI's official document, formats asserted.
fn openai_schema(name: &str) -> &'static jsonschema::Validator {
    static DOC: OnceLock<Value> = OnceLock::new();
    static V: OnceLock<Vec<(String, jsonschema::Validator)>> = OnceLock::new();
    let doc = DOC.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../spec/openai-images-openapi.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).expect("readable")).expect("JSON")
    });
    let all = V.get_or_init(|| {
        [
            "CreateImageRequest",
            "EditImageBodyJsonParam",
            "CreateImageEditRequest",
        ]
        .into_iter()
        .map(|n| {
            // OpenAI refuses parameters it does not know ("Unknown parameter"):
            // the schemas do not say so, so the names are held to their properties.
            let names: Vec<&String> = doc["components"]["schemas"][n]["properties"]
                .as_object()
                .expect("properties")
                .keys()
                .collect();
            let schema = json!({
                "$ref": format!("#/components/schemas/{n}"),
                "propertyNames": { "enum": names },
                "components": doc["components"],
            });
            let v = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .build(&schema)
                .expect("the schema compiles");
            (n.to_string(), v)
        })
        .collect()
    });
    &all.iter()
        .find(|(n, _)| n == name)
        .expect("a known schema")
        .1
}

/// The body an OpenAI plan sends, as JSON, and the schema that judges it:
/// JSON bodies as they are; a multipart form's fields with its numbers as
/// numbers and its files as the binary strings the schema describes.
fn openai_body(plan: &gpt_image_core::SubmitPlan) -> (Value, &'static str) {
    if let Body::Json(json) = &plan.request.body {
        let body: Value = serde_json::from_str(&json.to_string()).expect("JSON");
        let name = if plan.request.url.ends_with("/edits") {
            "EditImageBodyJsonParam"
        } else {
            "CreateImageRequest"
        };
        return (body, name);
    }
    let mp = plan
        .multipart
        .as_ref()
        .expect("an edit without a JSON body is multipart");
    let mut form = Map::new();
    for (k, v) in &mp.fields {
        let value = match k.as_str() {
            "n" | "output_compression" | "partial_images" => {
                json!(v.parse::<i64>().expect("a number"))
            }
            _ => json!(v),
        };
        form.insert(k.clone(), value);
    }
    form.insert(
        "image".into(),
        json!(mp.files.iter().map(|_| "<binary>").collect::<Vec<_>>()),
    );
    if mp.mask.is_some() {
        form.insert("mask".into(), json!("<binary>"));
    }
    (Value::Object(form), "CreateImageEditRequest")
}

/// A validator for one request schema of a vendor's YAML document in `spec/`,
/// its parameters held to the schema's properties (the sandbox's rule too).
fn vendor_schema(file: &str, name: &str) -> jsonschema::Validator {
    let path = format!("{}/../spec/{file}", env!("CARGO_MANIFEST_DIR"));
    let doc: Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).expect("readable")).expect("YAML");
    let names: Vec<&String> = doc["components"]["schemas"][name]["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .collect();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&json!({
            "$ref": format!("#/components/schemas/{name}"),
            "propertyNames": { "enum": names },
            "components": doc["components"],
        }))
        .expect("the schema compiles")
}

/// The schemas Azure's and OpenRouter's requests are judged by, by name.
fn reseller_schema(name: &str) -> &'static jsonschema::Validator {
    static V: OnceLock<Vec<(&'static str, jsonschema::Validator)>> = OnceLock::new();
    let dated =
        "azure-openai/2025-04-01-preview/azure-openai-inference-2025-04-01-preview.images.yaml";
    let all = V.get_or_init(|| {
        vec![
            (
                "imageGenerationsRequest",
                vendor_schema(dated, "imageGenerationsRequest"),
            ),
            (
                "imageEditsRequest",
                vendor_schema(dated, "imageEditsRequest"),
            ),
            (
                "AzureCreateImageRequest",
                vendor_schema(
                    "azure-openai/v1-preview/azure-openai-v1-preview.images.yaml",
                    "AzureCreateImageRequest",
                ),
            ),
            (
                "ImageGenerationRequest",
                vendor_schema(
                    "openrouter/openrouter-images.openapi.yaml",
                    "ImageGenerationRequest",
                ),
            ),
        ]
    });
    &all.iter()
        .find(|(n, _)| *n == name)
        .expect("a known schema")
        .1
}

/// The body a plan of Azure or OpenRouter sends, as JSON, and the schema that
/// judges it (a multipart edit: its fields typed as the schema declares, its
/// files as binary strings).
fn reseller_body(plan: &gpt_image_core::SubmitPlan) -> (Value, &'static str) {
    let url = &plan.request.url;
    if let Body::Json(json) = &plan.request.body {
        let body: Value = serde_json::from_str(&json.to_string()).expect("JSON");
        let name = if url.contains("/openai/v1/") {
            "AzureCreateImageRequest"
        } else if url.contains("/openai/deployments/") {
            "imageGenerationsRequest"
        } else {
            "ImageGenerationRequest"
        };
        return (body, name);
    }
    let mp = plan.multipart.as_ref().expect("multipart");
    let mut form = Map::new();
    for (k, v) in &mp.fields {
        let value = match k.as_str() {
            "n" => json!(v.parse::<i64>().expect("a number")),
            _ => json!(v),
        };
        form.insert(k.clone(), value);
    }
    form.insert(
        "image".into(),
        json!(mp.files.iter().map(|_| "<binary>").collect::<Vec<_>>()),
    );
    if mp.mask.is_some() {
        form.insert("mask".into(), json!("<binary>"));
    }
    (Value::Object(form), "imageEditsRequest")
}

/// Azure's two APIs and OpenRouter, as targets.
fn reseller_targets() -> Vec<Target> {
    let azure = |version: &str| {
        Target::build(
            providers::AZURE,
            gpt_image_core::TargetOptions {
                api_key: Some("k".into()),
                base_url: Some("https://res.openai.azure.com".into()),
                settings: vec![
                    ("deployment".into(), "gpt-image-2".into()),
                    ("apiVersion".into(), version.into()),
                ],
                ..Default::default()
            },
        )
        .expect("an Azure target")
    };
    vec![
        azure("2025-04-01-preview"),
        azure("v1"),
        target(providers::OPENROUTER),
    ]
}

/// A generated serde_json value as the core's JSON.
fn core(v: &Value) -> Json {
    Json::parse(&v.to_string()).expect("serde_json writes valid JSON")
}

fn target(p: Provider) -> Target {
    support::target(p, "test-key", None)
}

proptest! {
    // PROPTEST_CASES runs a longer campaign; 3000 keeps the suite fast.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(3000),
    ))]

    #[test]
    fn valid_apiframe_requests_satisfy_the_openapi_schema(req in any_request()) {
        let req = core(&req);
        let v = validate_request(providers::APIFRAME, &req, ValidateOptions::default());
        if v.ok() {
            let (plan, _) = build_submit_request(&target(providers::APIFRAME), &req, false, Some("k-1"))
                .expect("a valid request builds");
            let Body::Json(json) = &plan.request.body else { panic!("Apiframe sends JSON") };
            let body: Value = serde_json::from_str(&json.to_string()).expect("the body is JSON");
            let errors = schema_errors(&body);
            prop_assert!(errors.is_empty(), "request {req}\nbody {body}\nschema errors {errors:?}");
        }
    }

    #[test]
    fn valid_openai_requests_satisfy_the_openapi_schemas(req in openai_request()) {
        let req = core(&req);
        let v = validate_request(providers::OPENAI, &req, ValidateOptions::default());
        let built = build_submit_request(&target(providers::OPENAI), &req, false, None);
        // What does not validate never reaches the wire.
        prop_assert_eq!(built.is_ok(), v.ok());
        if let Ok((plan, _)) = built {
            let (body, name) = openai_body(&plan);
            let errors: Vec<String> = openai_schema(name)
                .iter_errors(&body)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            prop_assert!(errors.is_empty(), "request {req}\n{name} {body}\nschema errors {errors:?}");
        }
    }

    /// Every Azure (both APIs) and OpenRouter request the package builds from
    /// a valid request satisfies the vendor's own request schema.
    #[test]
    fn azure_and_openrouter_bodies_satisfy_their_documents(req in openai_request()) {
        let req = core(&req);
        for t in reseller_targets() {
            let built = build_submit_request(&t, &req, false, None);
            prop_assert_eq!(built.is_ok(), validate_request(t.provider, &req, t.validate_options(false)).ok());
            if let Ok((plan, _)) = built {
                let (body, name) = reseller_body(&plan);
                let errors: Vec<String> = reseller_schema(name)
                    .iter_errors(&body)
                    .map(|e| format!("{} at {}", e, e.instance_path()))
                    .collect();
                prop_assert!(errors.is_empty(), "request {req}\n{name} {body}\nschema errors {errors:?}");
            }
        }
    }

    #[test]
    fn no_request_panics_and_prices_are_sane(req in any_request()) {
        let req = core(&req);
        for &p in Provider::all() {
            for strict in [false, true] {
                let opts = ValidateOptions { strict, allow_local_urls: strict, ..Default::default() };
                let v = validate_request(p, &req, opts);
                prop_assert_eq!(v.request.is_some(), v.ok());
                let built = build_submit_request(&target(p), &req, strict, None);
                prop_assert_eq!(built.is_ok(), validate_request(p, &req, ValidateOptions { strict, allow_local_urls: false, ..Default::default() }).ok());
                if let Ok(cost) = estimate_cost(p, &req, opts, &PriceOptions::default()) {
                    if let Some(usd) = cost.usd {
                        prop_assert!(usd.is_finite() && usd > 0.0, "{usd}");
                    }
                    prop_assert!(cost.images >= 1);
                }
            }
        }
    }

    #[test]
    fn junk_never_panics_the_validator(req in any_json()) {
        let req = core(&req);
        for &p in Provider::all() {
            let v = validate_request(p, &req, ValidateOptions::default());
            prop_assert_eq!(v.request.is_some(), v.ok());
        }
    }

    #[test]
    fn no_response_panics_the_parser(status in 0u16..1000, body in any_json(), text in ".{0,40}", retry in prop::option::of(".{0,8}")) {
        let ctx = ParseContext { retry_after: retry, ..ParseContext::default() };
        for &p in Provider::all() {
            for b in [ResponseBody::Json(core(&body)), ResponseBody::from_text(&text), ResponseBody::from_text(&body.to_string()), ResponseBody::NotJson(text.clone())] {
                match parse_job(p, status, &b, &ctx) {
                    Ok(job) => {
                        prop_assert!((200..300).contains(&status));
                        prop_assert!(job.progress.is_none_or(|x| x <= 100));
                    }
                    Err(e) => prop_assert!(!e.message.is_empty()),
                }
            }
        }
    }
}

#[test]
fn the_schema_rejects_what_apiframe_rejects() {
    // The check above is only as good as the validator: it must say no.
    for bad in [
        json!({ "model": "gpt-image-2" }),
        json!({ "model": "gpt-image-2", "prompt": "" }),
        json!({ "model": "gpt-image-2", "prompt": "x", "size": "1024x1024" }),
        json!({ "model": "gpt-image-2", "prompt": "x", "gptImage2Params": { "aspect_ratio": "16:9" } }),
        json!({ "model": "gpt-image-2", "prompt": "x", "gptImage2Params": { "number_of_images": 11 } }),
        json!({ "model": "gpt-image-2", "prompt": "x", "gptImage2Params": { "input_images": "https://a.example.com/x.png" } }),
        json!({ "model": "gpt-image-2", "prompt": "x", "gptImage2Params": { "input_images": ["not a uri"] } }),
        json!({ "model": "gpt-image-2", "prompt": "x", "webhook_url": "https://h.example.com" }),
    ] {
        assert!(!schema_errors(&bad).is_empty(), "accepted {bad}");
    }
    assert!(schema_errors(&json!({ "model": "gpt-image-2", "prompt": "x" })).is_empty());
}

#[test]
fn the_generator_yields_valid_requests_often() {
    // The schema property means little unless many generated requests are valid.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = any_request();
    let total = 2000;
    let mut valid = 0;
    let mut with_params = 0;
    for _ in 0..total {
        let req = core(&strategy.new_tree(&mut runner).unwrap().current());
        let v = validate_request(providers::APIFRAME, &req, ValidateOptions::default());
        if v.ok() {
            valid += 1;
            if req.as_object().is_some_and(|m| m.len() > 2) {
                with_params += 1;
            }
        }
    }
    println!("{valid} of {total} generated requests are valid for Apiframe ({with_params} with 2+ settings)");
    assert!(valid * 5 >= total, "only {valid} of {total} valid");
    assert!(
        with_params * 5 >= total,
        "only {with_params} valid requests with settings"
    );
}

#[test]
fn the_openai_generator_reaches_every_form_and_the_schemas_say_no() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = openai_request();
    let (total, mut forms) = (3000, std::collections::BTreeMap::new());
    for _ in 0..total {
        let req = core(&strategy.new_tree(&mut runner).unwrap().current());
        let key = match build_submit_request(&target(providers::OPENAI), &req, false, None) {
            Err(_) => "invalid",
            Ok((plan, _)) => match (openai_body(&plan).1, req.get("mask").is_some()) {
                ("CreateImageRequest", _) => "generation",
                ("EditImageBodyJsonParam", false) => "json edit",
                ("EditImageBodyJsonParam", true) => "json edit with mask",
                (_, false) => "multipart edit",
                (_, true) => "multipart edit with mask",
            },
        };
        *forms.entry(key).or_insert(0) += 1;
    }
    println!("{forms:?} of {total}");
    for form in [
        "generation",
        "json edit",
        "json edit with mask",
        "multipart edit",
        "multipart edit with mask",
    ] {
        let n = forms.get(form).copied().unwrap_or(0);
        assert!(n * 100 >= total, "only {n} {form}s of {total}");
    }
    // The schemas have teeth: each refuses a body of its kind that OpenAI refuses.
    let bad = [
        ("CreateImageRequest", json!({ "model": "gpt-image-2" })),
        (
            "CreateImageRequest",
            json!({ "prompt": "x", "quality": "ultra" }),
        ),
        (
            "EditImageBodyJsonParam",
            json!({ "prompt": "x", "images": [] }),
        ),
        (
            "EditImageBodyJsonParam",
            json!({ "prompt": "x", "images": [{ "image_url": "https://a.example/x.png" }], "size": "1536x864" }),
        ),
        (
            "EditImageBodyJsonParam",
            json!({ "prompt": "x", "images": [{ "image_url": "https://a.example/x.png" }], "input_fidelity": "max" }),
        ),
        ("CreateImageEditRequest", json!({ "prompt": "x" })),
        (
            "CreateImageEditRequest",
            json!({ "prompt": "x", "image": ["<binary>"], "background": "clear" }),
        ),
    ];
    for (name, body) in bad {
        assert!(
            !openai_schema(name).is_valid(&body),
            "{name} accepted {body}"
        );
    }
}

#[test]
fn the_reseller_schemas_reject_what_their_documents_reject() {
    // The property above is only as good as these validators: they must say no.
    for (name, bad) in [
        (
            "imageGenerationsRequest",
            json!({ "prompt": "x", "output_format": "webp" }),
        ),
        (
            "imageGenerationsRequest",
            json!({ "prompt": "x", "partial_images": 1 }),
        ),
        ("imageGenerationsRequest", json!({ "prompt": "" })),
        (
            "imageEditsRequest",
            json!({ "prompt": "x", "image": "<binary>", "output_format": "png" }),
        ),
        ("AzureCreateImageRequest", json!({ "prompt": "x" })),
        (
            "AzureCreateImageRequest",
            json!({ "model": "d", "prompt": "x", "stream": true }),
        ),
        ("ImageGenerationRequest", json!({ "prompt": "x" })),
        (
            "ImageGenerationRequest",
            json!({ "model": "m", "prompt": "x", "quality": "ultra" }),
        ),
    ] {
        assert!(
            !reseller_schema(name).is_valid(&bad),
            "{name} accepted {bad}"
        );
    }
    assert!(reseller_schema("ImageGenerationRequest")
        .is_valid(&json!({ "model": "openai/gpt-image-2", "prompt": "x" })));
}
