//! Apiframe request fidelity: every row is judged three ways, by its expected verdict,
//! by a validator built here straight from Apiframe's OpenAPI document, and by the
//! sandbox over real HTTP. All three must agree.

mod common;

use common::*;
use serde_json::{json, Value};

/// A validator for `GenerateImageRequest`, built independently of the sandbox: the schema
/// object itself as the root (it has no `$ref`s), draft 2020-12 as OpenAPI 3.1 uses, and
/// format assertions on.
fn reference_validator() -> jsonschema::Validator {
    let text = sandbox::config::BUILTIN_APIFRAME_OPENAPI;
    let doc: Value = serde_json::from_str(text).unwrap();
    let schema = doc["components"]["schemas"]["GenerateImageRequest"].clone();
    assert!(!schema.to_string().contains("$ref"));
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn gpt(params: Value) -> Value {
    json!({"model": "gpt-image-2", "prompt": "a cat", "gptImage2Params": params})
}

fn with(extra: Value) -> Value {
    let mut body = json!({"model": "gpt-image-2", "prompt": "a cat"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

/// (name, body, accepted by the published schema)
fn rows() -> Vec<(&'static str, Value, bool)> {
    vec![
        // Valid.
        (
            "minimal",
            json!({"model": "gpt-image-2", "prompt": "a cat"}),
            true,
        ),
        (
            "2000-char prompt",
            json!({"model": "gpt-image-2", "prompt": "x".repeat(2000)}),
            true,
        ),
        (
            "every param",
            gpt(
                json!({"quality": "high", "aspect_ratio": "3:2", "background": "opaque",
            "output_format": "png", "moderation": "low", "number_of_images": 10,
            "input_images": ["https://example.com/a.jpg", "https://example.com/b.png"]}),
            ),
            true,
        ),
        ("quality low", gpt(json!({"quality": "low"})), true),
        ("quality medium", gpt(json!({"quality": "medium"})), true),
        ("quality auto", gpt(json!({"quality": "auto"})), true),
        ("aspect 2:3", gpt(json!({"aspect_ratio": "2:3"})), true),
        ("aspect 1:1", gpt(json!({"aspect_ratio": "1:1"})), true),
        ("jpeg", gpt(json!({"output_format": "jpeg"})), true),
        ("webp", gpt(json!({"output_format": "webp"})), true),
        ("background auto", gpt(json!({"background": "auto"})), true),
        ("moderation auto", gpt(json!({"moderation": "auto"})), true),
        ("one image", gpt(json!({"number_of_images": 1})), true),
        (
            "input_images null",
            gpt(json!({"input_images": null})),
            true,
        ),
        ("input_images empty", gpt(json!({"input_images": []})), true),
        ("empty params", gpt(json!({})), true),
        (
            "webhook",
            with(json!({"webhookUrl": "https://example.com/hook"})),
            true,
        ),
        (
            "webhook events",
            with(
                json!({"webhookUrl": "http://127.0.0.1:9/h", "webhookEvents": ["progress", "completed", "failed"]}),
            ),
            true,
        ),
        (
            "another model, valid",
            json!({"model": "flux-2-pro", "prompt": "a cat"}),
            true,
        ),
        // Invalid.
        ("missing prompt", json!({"model": "gpt-image-2"}), false),
        (
            "empty prompt",
            json!({"model": "gpt-image-2", "prompt": ""}),
            false,
        ),
        (
            "2001-char prompt",
            json!({"model": "gpt-image-2", "prompt": "x".repeat(2001)}),
            false,
        ),
        (
            "prompt not a string",
            json!({"model": "gpt-image-2", "prompt": 42}),
            false,
        ),
        ("missing model", json!({"prompt": "a cat"}), false),
        (
            "unknown model",
            json!({"model": "gpt-image-3", "prompt": "a cat"}),
            false,
        ),
        (
            "model in capitals",
            json!({"model": "GPT-IMAGE-2", "prompt": "a cat"}),
            false,
        ),
        (
            "other model with gptImage2Params",
            json!({"model": "dall-e-3", "prompt": "a cat", "gptImage2Params": {}}),
            false,
        ),
        (
            "snake_case webhook_url",
            with(json!({"webhook_url": "https://example.com/hook"})),
            false,
        ),
        ("unknown top-level n", with(json!({"n": 2})), false),
        (
            "unknown param size",
            gpt(json!({"size": "1024x1024"})),
            false,
        ),
        (
            "unknown param input_fidelity",
            gpt(json!({"input_fidelity": "high"})),
            false,
        ),
        (
            "bad aspect ratio 16:9",
            gpt(json!({"aspect_ratio": "16:9"})),
            false,
        ),
        (
            "bad aspect ratio with space",
            gpt(json!({"aspect_ratio": "1:1 "})),
            false,
        ),
        (
            "number_of_images 0",
            gpt(json!({"number_of_images": 0})),
            false,
        ),
        (
            "number_of_images 11",
            gpt(json!({"number_of_images": 11})),
            false,
        ),
        (
            "number_of_images 2.5",
            gpt(json!({"number_of_images": 2.5})),
            false,
        ),
        (
            "number_of_images \"3\"",
            gpt(json!({"number_of_images": "3"})),
            false,
        ),
        (
            "number_of_images -1",
            gpt(json!({"number_of_images": -1})),
            false,
        ),
        (
            "number_of_images null",
            gpt(json!({"number_of_images": null})),
            false,
        ),
        (
            "input_images as a string",
            gpt(json!({"input_images": "https://example.com/a.jpg"})),
            false,
        ),
        (
            "input_images non-URI item",
            gpt(json!({"input_images": ["not a uri"]})),
            false,
        ),
        (
            "input_images relative path",
            gpt(json!({"input_images": ["images/a.jpg"]})),
            false,
        ),
        (
            "input_images number item",
            gpt(json!({"input_images": [5]})),
            false,
        ),
        (
            "background transparent",
            gpt(json!({"background": "transparent"})),
            false,
        ),
        ("quality ultra", gpt(json!({"quality": "ultra"})), false),
        (
            "output_format gif",
            gpt(json!({"output_format": "gif"})),
            false,
        ),
        ("moderation none", gpt(json!({"moderation": "none"})), false),
        (
            "webhookEvents empty",
            with(json!({"webhookUrl": "https://example.com/h", "webhookEvents": []})),
            false,
        ),
        (
            "webhookEvents unknown",
            with(json!({"webhookUrl": "https://example.com/h", "webhookEvents": ["done"]})),
            false,
        ),
        (
            "webhookEvents as a string",
            with(json!({"webhookUrl": "https://example.com/h", "webhookEvents": "completed"})),
            false,
        ),
        (
            "webhookUrl not a URI",
            with(json!({"webhookUrl": "not a url"})),
            false,
        ),
        ("params as an array", gpt(json!([])), false),
        ("params as a string", gpt(json!("high")), false),
        (
            "body as an array",
            json!([{"model": "gpt-image-2", "prompt": "a cat"}]),
            false,
        ),
        ("body as a string", json!("a cat"), false),
        ("body null", json!(null), false),
    ]
}

#[tokio::test]
async fn sandbox_and_schema_agree_on_every_row() {
    let validator = reference_validator();
    let sb = Sandbox::start().await;
    let mut disagreements = Vec::new();
    let rows = rows();
    assert!(rows.len() >= 50);
    for (name, body, expected) in &rows {
        let by_schema = validator.is_valid(body);
        let r = sb
            .post_json("/v2/images/generate", &[("X-API-Key", APIFRAME)], body)
            .await;
        let answer = r.json().unwrap();
        let by_sandbox = match r.status {
            202 => true,
            // Schema-valid, but only gpt-image-2 is simulated: still an acceptance.
            400 if answer["error"] == "Model not simulated by the sandbox" => true,
            400 => {
                assert_eq!(answer["error"], "Validation failed", "{name}: {answer}");
                let details = answer["details"]
                    .as_object()
                    .unwrap_or_else(|| panic!("{name}: {answer}"));
                assert!(!details.is_empty(), "{name}");
                for (path, messages) in details {
                    let messages = messages.as_array().unwrap();
                    assert!(
                        !messages.is_empty() && messages.iter().all(Value::is_string),
                        "{name}: {path}"
                    );
                }
                false
            }
            other => panic!("{name}: unexpected status {other}: {answer}"),
        };
        if by_schema != *expected || by_sandbox != *expected {
            disagreements.push(format!(
                "{name}: expected {expected}, schema {by_schema}, sandbox {by_sandbox} ({answer})"
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[tokio::test]
async fn details_point_at_the_offending_fields() {
    let sb = Sandbox::start().await;
    for (body, path) in [
        (json!({"model": "gpt-image-2", "prompt": ""}), "prompt"),
        (json!({"model": "gpt-image-2"}), "prompt"),
        (
            with(json!({"webhook_url": "https://example.com"})),
            "webhook_url",
        ),
        (gpt(json!({"size": "1024x1024"})), "gptImage2Params.size"),
        (
            gpt(json!({"number_of_images": 11})),
            "gptImage2Params.number_of_images",
        ),
        (
            gpt(json!({"input_images": ["nope"]})),
            "gptImage2Params.input_images.0",
        ),
        (
            gpt(json!({"background": "transparent"})),
            "gptImage2Params.background",
        ),
        (json!({"model": "gpt-image-3", "prompt": "p"}), "model"),
    ] {
        let r = sb
            .post_json("/v2/images/generate", &[("X-API-Key", APIFRAME)], &body)
            .await;
        assert_eq!(r.status, 400);
        let answer = r.json().unwrap();
        assert!(answer["details"][path].is_array(), "{path} not in {answer}");
    }
}
