//! OpenAI's JSON edits, masks, input fidelity and transparent output over real HTTP,
//! and the sandbox's OpenAI verdicts against the schemas of the vendored OpenAPI
//! document (`spec/openai-images-openapi.json`).

mod common;

use base64::Engine;
use common::*;
use sandbox::images::{self, Format, ImageSpec};
use serde_json::{json, Value};

const AUTH: (&str, &str) = ("Authorization", "Bearer sk-sandbox");
const JSON_CT: (&str, &str) = ("Content-Type", "application/json");

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn data_url(mime: &str, bytes: &[u8]) -> String {
    format!("data:{mime};base64,{}", b64(bytes))
}

fn png(w: u32, h: u32, transparent: bool) -> Vec<u8> {
    images::render(&ImageSpec {
        transparent,
        ..ImageSpec::for_prompt("in", 0, w, h, Format::Png)
    })
    .unwrap()
}

fn first_image(out: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(out["data"][0]["b64_json"].as_str().unwrap())
        .unwrap()
}

#[tokio::test]
async fn json_edits_take_data_urls_and_the_sandboxs_own_images_with_a_mask() {
    let sb = Sandbox::start().await;
    let source = png(1024, 1024, false);
    let mask = png(1024, 1024, true);
    let body = json!({
        "model": "gpt-image-2", "prompt": "make the disc blue", "quality": "low",
        "images": [{ "image_url": data_url("image/png", &source) }],
        "mask": { "image_url": data_url("image/png", &mask) },
        "input_fidelity": "high", "size": "1024x1024", "moderation": "low", "user": "user-42",
    });
    let r = sb.post_json("/v1/images/edits", &[AUTH], &body).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let out = r.json().unwrap();
    // 85 + 170 per tile of the 1024x1024 image (4 tiles), four times at high fidelity.
    assert_eq!(
        out["usage"]["input_tokens_details"]["image_tokens"],
        (85 + 170 * 4) * 4
    );

    // A URL of one of the sandbox's own images (a getimg result) is fetched.
    let made = sb
        .post_json(
            "/v2/images/generations",
            &[("Authorization", "Bearer gi_sandbox")],
            &json!({"model": "gpt-image-2", "prompt": "a source", "aspect_ratio": "1:1"}),
        )
        .await
        .json()
        .unwrap();
    let url = made["data"][0]["url"].as_str().unwrap().to_string();
    let r = sb
        .post_json(
            "/v1/images/edits",
            &[AUTH],
            &json!({"model": "gpt-image-2", "prompt": "edit", "images": [{ "image_url": url }]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));

    // Refusals, in OpenAI's shape.
    let with = |extra: Value| {
        let mut b = json!({"model": "gpt-image-2", "prompt": "edit", "images": [{ "image_url": data_url("image/png", &source) }]});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for (body, param, code) in [
        (
            with(json!({ "mask": { "image_url": data_url("image/png", &png(512, 512, true)) } })),
            "mask",
            "invalid_mask",
        ),
        (
            with(json!({ "mask": { "image_url": data_url("image/png", &source) } })),
            "mask",
            "invalid_mask",
        ),
        (with(json!({ "size": "1536x864" })), "size", "invalid_value"),
        (
            with(json!({ "input_fidelity": "max" })),
            "input_fidelity",
            "invalid_value",
        ),
        (
            with(json!({ "images": [{ "image_url": "https://example.com/a.png" }] })),
            "images[0]",
            "invalid_image_url",
        ),
        (
            with(json!({ "images": [{ "file_id": "file-1" }] })),
            "images[0]",
            "invalid_image_url",
        ),
        (
            with(json!({ "background": "transparent", "output_format": "jpeg" })),
            "background",
            "invalid_value",
        ),
    ] {
        let r = sb.post_json("/v1/images/edits", &[AUTH], &body).await;
        assert_eq!(r.status, 400, "{body}");
        let e = r.json().unwrap();
        assert_eq!(
            (e["error"]["param"].as_str(), e["error"]["code"].as_str()),
            (Some(param), Some(code)),
            "{e}"
        );
    }
}

#[tokio::test]
async fn transparent_output_has_an_alpha_channel_in_png_and_webp() {
    let sb = Sandbox::start().await;
    for format in ["png", "webp"] {
        let r = sb
            .post_json(
                "/v1/images/generations",
                &[AUTH],
                &json!({"model": "gpt-image-2", "prompt": "a sticker", "quality": "low", "size": "1024x1024", "background": "transparent", "output_format": format}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let out = r.json().unwrap();
        let bytes = first_image(&out);
        assert!(images::has_alpha(&bytes), "{format} has alpha");
        assert_eq!(out["background"], "transparent");
    }
    let opaque = sb
        .post_json(
            "/v1/images/generations",
            &[AUTH],
            &json!({"model": "gpt-image-2", "prompt": "a photo", "quality": "low", "size": "1024x1024"}),
        )
        .await
        .json()
        .unwrap();
    assert!(!images::has_alpha(&first_image(&opaque)));
}

/// A validator for one schema of the vendored OpenAI document, formats asserted.
fn schema(name: &str) -> jsonschema::Validator {
    let doc: Value =
        serde_json::from_str(include_str!("../../spec/openai-images-openapi.json")).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&json!({ "$ref": format!("#/components/schemas/{name}"), "components": doc["components"] }))
        .unwrap()
}

#[tokio::test]
async fn openai_verdicts_agree_with_the_vendored_schemas() {
    let sb = Sandbox::start().await;
    let generation = schema("CreateImageRequest");
    let json_edit = schema("EditImageBodyJsonParam");
    let image = json!([{ "image_url": data_url("image/png", &png(1024, 1024, false)) }]);
    let base =
        json!({"model": "gpt-image-2", "prompt": "p", "quality": "low", "size": "1024x1024"});
    let with = |extra: Value| {
        let mut b = base.clone();
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                b.as_object_mut().unwrap().remove(k);
            } else {
                b[k] = v.clone();
            }
        }
        b
    };
    // Requests whose verdict the schema alone decides (the sandbox checks more,
    // such as size rules and the model, which every row here satisfies).
    let generations = [
        with(json!({})),
        with(json!({ "prompt": null })),
        with(json!({ "prompt": 5 })),
        with(json!({ "n": 0 })),
        with(json!({ "n": 11 })),
        with(json!({ "n": 2 })),
        with(json!({ "quality": "ultra" })),
        with(json!({ "background": "transparent", "output_format": "png" })),
        with(json!({ "background": "sideways" })),
        with(json!({ "output_format": "gif" })),
        with(json!({ "output_format": "webp", "output_compression": 50 })),
        with(json!({ "moderation": "low" })),
        with(json!({ "moderation": "strict" })),
        with(json!({ "user": "user-1" })),
        with(json!({ "user": 7 })),
    ];
    let mut rows = 0;
    for body in generations {
        let schema_ok = generation.is_valid(&body);
        let r = sb.post_json("/v1/images/generations", &[AUTH], &body).await;
        assert_eq!(
            r.status == 200,
            schema_ok,
            "generations {body}: sandbox {} vs schema {schema_ok}",
            r.status
        );
        rows += 1;
    }
    let edit_base = with(json!({ "images": image.clone() }));
    let edits = [
        edit_base.clone(),
        with(json!({ "images": [] })),
        with(json!({ "images": null })),
        with(json!({ "images": image.clone(), "input_fidelity": "high" })),
        with(json!({ "images": image.clone(), "input_fidelity": "max" })),
        with(json!({ "images": image.clone(), "size": "1536x1024" })),
        with(json!({ "images": image.clone(), "size": "1536x864" })),
        with(json!({ "images": image.clone(), "moderation": "low" })),
        with(json!({ "images": image.clone(), "quality": "standard" })),
        with(
            json!({ "images": [{ "image_url": data_url("image/png", &png(1024, 1024, false)), "file_id": "f" }] }),
        ),
    ];
    for body in edits {
        let schema_ok = json_edit.is_valid(&body);
        let r = sb
            .send(
                "POST",
                "/v1/images/edits",
                &[AUTH, JSON_CT],
                body.to_string().as_bytes(),
            )
            .await;
        assert_eq!(
            r.status == 200,
            schema_ok,
            "edits {body}: sandbox {} vs schema {schema_ok}",
            r.status
        );
        rows += 1;
    }
    assert_eq!(rows, 25);
}

/// The server-sent events of a streamed answer: `(event, data)`.
fn events(body: &[u8]) -> Vec<(String, Value)> {
    String::from_utf8_lossy(body)
        .split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .unwrap_or_default()
                    .trim()
                    .to_string()
            };
            (
                field("event:"),
                serde_json::from_str(&field("data:")).unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn streaming_sends_partial_images_then_the_completed_one_as_the_schemas_say() {
    let sb = Sandbox::start().await;
    let partial = schema("ImageGenPartialImageEvent");
    let completed = schema("ImageGenCompletedEvent");
    let r = sb
        .post_json(
            "/v1/images/generations",
            &[AUTH],
            &json!({"model": "gpt-image-2", "prompt": "a lighthouse", "quality": "low", "size": "1024x1024", "stream": true, "partial_images": 2}),
        )
        .await;
    assert_eq!(r.status, 200);
    let got = events(&r.body);
    let kinds: Vec<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "image_generation.partial_image",
            "image_generation.partial_image",
            "image_generation.completed"
        ]
    );
    for (i, (kind, data)) in got.iter().enumerate() {
        let v = if kind.ends_with("partial_image") {
            &partial
        } else {
            &completed
        };
        let errors: Vec<String> = v.iter_errors(data).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{kind}: {errors:?}");
        if kind.ends_with("partial_image") {
            assert_eq!(data["partial_image_index"], i);
        }
    }
    let small = first_image(&json!({ "data": [{ "b64_json": got[0].1["b64_json"] }] }));
    let full = first_image(&json!({ "data": [{ "b64_json": got[2].1["b64_json"] }] }));
    assert_eq!(
        images::dimensions(&small),
        Some((256, 256)),
        "a partial is a smaller image"
    );
    assert_eq!(images::dimensions(&full), Some((1024, 1024)));
    assert!(got[2].1["usage"]["output_tokens"].as_u64().unwrap() > 0);
    assert_eq!(sb.ledger("sk-sandbox").await["jobsCharged"], 1);
    // An edit streams image_edit events; partial_images 0 sends the completed one only.
    let source = png(1024, 1024, false);
    let r = sb
        .post_json(
            "/v1/images/edits",
            &[AUTH],
            &json!({"model": "gpt-image-2", "prompt": "edit", "quality": "low", "stream": true, "images": [{ "image_url": data_url("image/png", &source) }]}),
        )
        .await;
    let kinds: Vec<String> = events(&r.body).into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["image_edit.completed"]);
    // n = 2: each image's partial images, then its own completed event; the first
    // completed event counts the input tokens, each its own image's output tokens
    // (100 more per partial image); the ledger bills them all, once.
    let before = sb.ledger("sk-sandbox").await["usd"].as_f64().unwrap();
    let r = sb
        .post_json(
            "/v1/images/generations",
            &[AUTH],
            &json!({"model": "gpt-image-2", "prompt": "two", "quality": "low", "size": "1024x1024", "stream": true, "partial_images": 1, "n": 2}),
        )
        .await;
    let got = events(&r.body);
    let kinds: Vec<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "image_generation.partial_image",
            "image_generation.partial_image",
            "image_generation.completed",
            "image_generation.completed"
        ]
    );
    let (first, second) = (&got[2].1["usage"], &got[3].1["usage"]);
    assert_eq!(first["output_tokens"], 200 + 100);
    assert_eq!(second["output_tokens"], 200 + 100);
    assert_eq!(second["input_tokens"], 0);
    assert!(first["input_tokens"].as_u64().unwrap() > 0);
    let billed = sb.ledger("sk-sandbox").await["usd"].as_f64().unwrap() - before;
    let tokens = first["input_tokens"].as_f64().unwrap() * 5.0 + 600.0 * 30.0;
    assert!((billed - tokens / 1e6).abs() < 1e-9, "{billed}");
    for bad in [json!({ "partial_images": 4 }), json!({ "stream": "yes" })] {
        let mut body = json!({"model": "gpt-image-2", "prompt": "p", "stream": true});
        for (k, v) in bad.as_object().unwrap() {
            body[k] = v.clone();
        }
        assert_eq!(
            sb.post_json("/v1/images/generations", &[AUTH], &body)
                .await
                .status,
            400,
            "{body}"
        );
    }
}
