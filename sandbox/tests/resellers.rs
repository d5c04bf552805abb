//! Azure OpenAI and OpenRouter over real HTTP: bodies judged by their own documents
//! (`spec/azure-openai/`, `spec/openrouter/`), answers in their shapes, billing, streams,
//! and the usual faults in each one's error shape.

mod common;

use base64::Engine;
use common::*;
use sandbox::client::ClientError;
use sandbox::images::{self, Format, ImageSpec};
use serde_json::{json, Value};

const AZ_GEN: &str =
    "/openai/deployments/my-gpt-image/images/generations?api-version=2025-04-01-preview";
const AZ_EDIT: &str =
    "/openai/deployments/my-gpt-image/images/edits?api-version=2025-04-01-preview";
const AZ_V1: &str = "/openai/v1/images/generations";
const AZ_KEY: (&str, &str) = ("api-key", AZURE);
const OR_AUTH: (&str, &str) = ("Authorization", "Bearer sk-or-sandbox");

fn png(w: u32, h: u32, transparent: bool) -> Vec<u8> {
    images::render(&ImageSpec {
        transparent,
        ..ImageSpec::for_prompt("in", 0, w, h, Format::Png)
    })
    .unwrap()
}

fn decoded(b64: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(b64.as_str().expect("base64 text"))
        .unwrap()
}

#[tokio::test]
async fn azure_generations_are_judged_by_its_document_and_billed_in_tokens() {
    let sb = Sandbox::start().await;
    let ok = sb
        .post_json(
            AZ_GEN,
            &[AZ_KEY],
            &json!({"prompt": "a lighthouse", "n": 2, "quality": "low", "size": "1536x1024", "output_format": "jpeg", "output_compression": 60, "background": "opaque"}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
    let out = ok.json().unwrap();
    assert_eq!(out["data"].as_array().unwrap().len(), 2);
    let image = decoded(&out["data"][0]["b64_json"]);
    assert_eq!(images::sniff(&image), Some(Format::Jpeg));
    assert_eq!(images::dimensions(&image), Some((1536, 1024)));
    assert_eq!(
        out["data"][0]["content_filter_results"]["sexual"]["filtered"],
        false
    );
    assert!(out["usage"]["output_tokens"].as_u64().unwrap() > 0);

    // What the document lacks, or reserves for DALL-E, is refused naming the parameter.
    for (body, param) in [
        (
            json!({"prompt": "x", "partial_images": 2}),
            "partial_images",
        ),
        (json!({"prompt": "x", "stream": true}), "stream"),
        (
            json!({"prompt": "x", "output_format": "webp"}),
            "output_format",
        ),
        (json!({"prompt": "x", "moderation": "low"}), "moderation"),
        (json!({"prompt": ""}), "prompt"),
        (json!({"prompt": "x", "size": "1792x1024"}), "size"),
        (json!({"prompt": "x", "quality": "hd"}), "quality"),
        (
            json!({"prompt": "x", "output_compression": 50}),
            "output_compression",
        ),
    ] {
        let r = sb.post_json(AZ_GEN, &[AZ_KEY], &body).await;
        assert_eq!(
            r.status,
            400,
            "{body}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(r.json().unwrap()["error"]["param"], param, "{body}");
    }

    // The api-version is required, and only the one the sandbox holds a document for.
    let path = "/openai/deployments/my-gpt-image/images/generations";
    for query in ["", "?api-version=2024-10-21"] {
        let r = sb
            .post_json(
                &format!("{path}{query}"),
                &[AZ_KEY],
                &json!({"prompt": "x"}),
            )
            .await;
        assert_eq!(r.status, 404, "{query}");
    }
    // The key as `api-key`, or as a bearer token standing for Entra ID; nothing else.
    let r = sb
        .post_json(
            AZ_GEN,
            &[("Authorization", "Bearer azure-sandbox")],
            &json!({"prompt": "x", "quality": "low"}),
        )
        .await;
    assert_eq!(r.status, 200);
    for auth in [("api-key", "sk-sandbox"), ("x-other", "azure-sandbox")] {
        let r = sb.post_json(AZ_GEN, &[auth], &json!({"prompt": "x"})).await;
        assert_eq!(r.status, 401, "{auth:?}");
        assert_eq!(r.json().unwrap()["error"]["code"], "401");
    }
    let ledger = sb.ledger(AZURE).await;
    assert_eq!(ledger["jobsCharged"], 2);
    assert!(ledger["usd"].as_f64().unwrap() > 0.0);
}

#[tokio::test]
async fn azure_v1_takes_the_deployment_as_model_and_has_moderation() {
    let sb = Sandbox::start().await;
    let body = json!({"model": "my-gpt-image", "prompt": "a fox", "quality": "low", "output_format": "webp", "moderation": "low"});
    for path in [AZ_V1.to_string(), format!("{AZ_V1}?api-version=preview")] {
        let r = sb.post_json(&path, &[AZ_KEY], &body).await;
        assert_eq!(
            r.status,
            200,
            "{path}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let image = decoded(&r.json().unwrap()["data"][0]["b64_json"]);
        assert_eq!(images::sniff(&image), Some(Format::Webp));
    }
    let r = sb
        .post_json(AZ_V1, &[AZ_KEY], &json!({"prompt": "no model"}))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json().unwrap()["error"]["param"], "model");
    let r = sb
        .post_json(
            &format!("{AZ_V1}?api-version=2025-04-01-preview"),
            &[AZ_KEY],
            &body,
        )
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn azure_edits_take_images_and_a_mask_as_multipart() {
    let sb = Sandbox::start().await;
    let boundary = "azure-edit";
    let ct = format!("multipart/form-data; boundary={boundary}");
    let edit = |extra: Vec<(&'static str, Option<&'static str>, Vec<u8>)>| {
        let mut parts = vec![
            ("prompt", None, b"paint the disc blue".to_vec()),
            ("quality", None, b"low".to_vec()),
            ("n", None, b"1".to_vec()),
            ("image", Some("in.png"), png(1024, 1024, false)),
            ("mask", Some("mask.png"), png(1024, 1024, true)),
        ];
        parts.extend(extra);
        form(boundary, &parts)
    };
    let r = sb
        .send(
            "POST",
            AZ_EDIT,
            &[AZ_KEY, ("Content-Type", &ct)],
            &edit(vec![]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let out = r.json().unwrap();
    assert_eq!(
        out["usage"]["input_tokens_details"]["image_tokens"],
        85 + 170 * 4
    );
    // Edits in this document take no output_format; a wrong mask is refused.
    let r = sb
        .send(
            "POST",
            AZ_EDIT,
            &[AZ_KEY, ("Content-Type", &ct)],
            &edit(vec![("output_format", None, b"png".to_vec())]),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json().unwrap()["error"]["param"], "output_format");
    let small_mask = form(
        boundary,
        &[
            ("prompt", None, b"x".to_vec()),
            ("image", Some("in.png"), png(1024, 1024, false)),
            ("mask", Some("mask.png"), png(512, 512, true)),
        ],
    );
    let r = sb
        .send(
            "POST",
            AZ_EDIT,
            &[AZ_KEY, ("Content-Type", &ct)],
            &small_mask,
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json().unwrap()["error"]["param"], "mask");
}

#[tokio::test]
async fn openrouter_answers_with_its_cost_and_takes_references() {
    let sb = Sandbox::start().await;
    let source = png(1024, 1024, false);
    let data_url = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&source)
    );
    let body = json!({
        "model": "openai/gpt-image-2", "prompt": "a red panda", "n": 2, "quality": "low",
        "aspect_ratio": "3:2", "resolution": "1K", "output_format": "jpeg", "background": "opaque",
        "input_references": [{"type": "image_url", "image_url": {"url": data_url}}],
    });
    let r = sb.post_json("/api/v1/images", &[OR_AUTH], &body).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let out = r.json().unwrap();
    assert_eq!(out["data"].as_array().unwrap().len(), 2);
    assert_eq!(out["data"][0]["media_type"], "image/jpeg");
    let image = decoded(&out["data"][0]["b64_json"]);
    assert_eq!(images::dimensions(&image), Some((1536, 1024)));
    let cost = out["usage"]["cost"].as_f64().unwrap();
    let ledger = sb.ledger(OPENROUTER).await;
    assert!(
        (ledger["usd"].as_f64().unwrap() - cost).abs() < 1e-9,
        "{ledger} vs {cost}"
    );

    for (body, param) in [
        (
            json!({"model": "openai/gpt-image-2", "prompt": "x", "partial_images": 1}),
            "partial_images",
        ),
        (
            json!({"model": "openai/gpt-image-2", "prompt": "x", "output_format": "gif"}),
            "output_format",
        ),
        (
            json!({"model": "openai/gpt-image-2", "prompt": "x", "resolution": "4K"}),
            "resolution",
        ),
        (
            json!({"model": "openai/gpt-image-2", "prompt": "x", "size": "1024x1024", "aspect_ratio": "1:1"}),
            "size",
        ),
        (json!({"model": "google/imagen", "prompt": "x"}), "model"),
        (json!({"prompt": "x"}), "model"),
    ] {
        let r = sb.post_json("/api/v1/images", &[OR_AUTH], &body).await;
        assert_eq!(
            r.status,
            400,
            "{body}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let e = r.json().unwrap();
        assert_eq!(e["error"]["code"], 400, "{body}");
        assert_eq!(e["error"]["metadata"]["param"], param, "{body}");
    }
    let models = sb.get("/api/v1/images/models", &[]).await.json().unwrap();
    assert_eq!(models["data"][0]["id"], "openai/gpt-image-2");
}

#[tokio::test]
async fn openrouter_streams_partial_images_then_the_image_with_its_cost() {
    let sb = Sandbox::start().await;
    let r = sb
        .post_json(
            "/api/v1/images",
            &[OR_AUTH],
            &json!({"model": "openai/gpt-image-2", "prompt": "a kite", "quality": "low", "stream": true}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    let text = String::from_utf8(r.body.to_vec()).unwrap();
    let events: Vec<&str> = text
        .split("\n\n")
        .filter_map(|e| e.strip_prefix("data: "))
        .collect();
    assert_eq!(events.last(), Some(&"[DONE]"), "{text}");
    let parsed: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    let kinds: Vec<&str> = parsed.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "image_generation.partial_image",
            "image_generation.partial_image",
            "image_generation.completed"
        ]
    );
    let done = &parsed[2];
    assert!(done["usage"]["cost"].as_f64().unwrap() > 0.0);
    assert!(!decoded(&done["b64_json"]).is_empty());
    assert!(
        !text.contains("event:"),
        "OpenRouter's events are data-only"
    );
}

#[tokio::test]
async fn faults_speak_azure_and_openrouter() {
    let sb = Sandbox::start().await;
    let cases: [(&str, (&str, &str), Value); 2] = [
        (AZ_GEN, AZ_KEY, json!({"prompt": "p", "quality": "low"})),
        (
            "/api/v1/images",
            OR_AUTH,
            json!({"model": "openai/gpt-image-2", "prompt": "p", "quality": "low"}),
        ),
    ];
    for (path, auth, body) in cases {
        let send = |fault: &'static str| {
            let body = body.to_string();
            let sb = &sb;
            async move {
                sb.try_send(
                    "POST",
                    path,
                    &[
                        auth,
                        ("X-Sandbox-Fault", fault),
                        ("Content-Type", "application/json"),
                    ],
                    body.as_bytes(),
                )
                .await
            }
        };
        let limited = send("rate_limit;retry-after=3").await.unwrap();
        assert_eq!(
            (limited.status, limited.header("retry-after")),
            (429, Some("3"))
        );
        let e = limited.json().unwrap();
        assert!(e["error"]["message"].is_string(), "{e}");
        let broken = send("502").await.unwrap();
        assert_eq!(broken.status, 502);
        assert!(broken.json().unwrap()["error"]["message"].is_string());
        assert!(matches!(send("drop").await, Err(ClientError::NoResponse)));
        assert!(matches!(
            send("truncated").await,
            Err(ClientError::Truncated)
        ));
    }
    // Dropped and truncated answers were still billed: the work was done.
    for key in [AZURE, OPENROUTER] {
        let ledger = sb.wait_ledger(key, "jobsCharged", 2).await;
        assert_eq!(ledger["jobsCreated"], 2, "{key}");
    }
}
