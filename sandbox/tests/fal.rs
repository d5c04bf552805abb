//! fal's queue over real HTTP: inputs judged as fal's generated types declare them,
//! status then result, billing in tokens, and webhooks signed with Ed25519 by the key
//! its JWKS publishes.

mod common;

use base64::Engine;
use common::*;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const AUTH: (&str, &str) = ("Authorization", "Key fal_sandbox");

async fn until_done(sb: &Sandbox, id: &str) -> Value {
    for _ in 0..400 {
        let s = sb
            .get(
                &format!("/openai/gpt-image-2/requests/{id}/status"),
                &[AUTH],
            )
            .await
            .json()
            .unwrap();
        if s["status"] == "COMPLETED" {
            return s;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("request {id} did not complete");
}

#[tokio::test]
async fn requests_are_judged_queued_and_billed_in_tokens() {
    let sb = Sandbox::start().await;
    let r = sb
        .post_json(
            "/openai/gpt-image-2",
            &[AUTH],
            &json!({"prompt": "a kite", "quality": "medium", "image_size": "landscape_4_3", "num_images": 2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let accepted = r.json().unwrap();
    assert_eq!(accepted["status"], "IN_QUEUE");
    let id = accepted["request_id"].as_str().unwrap().to_string();
    assert!(accepted["status_url"]
        .as_str()
        .unwrap()
        .ends_with("/status"));
    // Before it ends the result is not there; after, the status says COMPLETED.
    until_done(&sb, &id).await;
    let result = sb
        .get(&format!("/openai/gpt-image-2/requests/{id}"), &[AUTH])
        .await;
    assert_eq!(result.status, 200);
    let out = result.json().unwrap();
    assert_eq!(out["images"].as_array().unwrap().len(), 2);
    assert_eq!(
        (
            out["images"][0]["width"].clone(),
            out["images"][0]["height"].clone()
        ),
        (json!(1024), json!(768))
    );
    // fal's table: medium 1024x768 = $0.04 = 1,333 output tokens each.
    assert_eq!(out["usage"]["output_tokens"], 2 * 1333);
    let image = sb
        .fetch_url(out["images"][0]["url"].as_str().unwrap())
        .await;
    assert_eq!(image.status, 200);
    let ledger = sb.wait_ledger("fal_sandbox", "imagesCharged", 2).await;
    let text = 2u64; // "a kite": 6 characters, 2 tokens
    let usd = ((text * 5 + 2 * 1333 * 30) as f64) / 1e6;
    assert!(
        (ledger["usd"].as_f64().unwrap() - usd).abs() < 1e-9,
        "{ledger}"
    );

    // What fal's types do not declare is refused, naming it.
    for (path, body, field) in [
        (
            "/openai/gpt-image-2",
            json!({"prompt": "x", "background": "opaque"}),
            "background",
        ),
        (
            "/openai/gpt-image-2",
            json!({"prompt": "x", "image_urls": ["https://a.example/a.png"]}),
            "image_urls",
        ),
        (
            "/openai/gpt-image-2",
            json!({"prompt": "x", "quality": "ultra"}),
            "quality",
        ),
        (
            "/openai/gpt-image-2",
            json!({"prompt": "x", "num_images": 5}),
            "num_images",
        ),
        (
            "/openai/gpt-image-2",
            json!({"prompt": "x", "image_size": {"width": 1000, "height": 1000}}),
            "image_size",
        ),
        ("/openai/gpt-image-2", json!({"quality": "low"}), "prompt"),
        (
            "/openai/gpt-image-2/edit",
            json!({"prompt": "x"}),
            "image_urls",
        ),
    ] {
        let r = sb.post_json(path, &[AUTH], &body).await;
        assert_eq!(
            r.status,
            422,
            "{body}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(
            r.json().unwrap()["detail"][0]["loc"][1],
            json!(field),
            "{body}"
        );
    }
    let r = sb
        .post_json(
            "/openai/gpt-image-2",
            &[("Authorization", "Bearer fal_sandbox")],
            &json!({"prompt": "x"}),
        )
        .await;
    assert_eq!(r.status, 401);
    let r = sb
        .get(
            &format!("/openai/gpt-image-2/edit/requests/{id}/status"),
            &[AUTH],
        )
        .await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn webhooks_are_signed_with_the_key_the_jwks_publishes() {
    let sb = Sandbox::start().await;
    let hooks = Receiver::start(vec![200]).await;
    let path = format!(
        "/openai/gpt-image-2?fal_webhook={}",
        hooks.url.replace(':', "%3A").replace('/', "%2F")
    );
    let r = sb
        .post_json(
            &path,
            &[AUTH],
            &json!({"prompt": "signed", "quality": "low"}),
        )
        .await;
    let id = r.json().unwrap()["request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let got = hooks.wait_for(1).await;
    let header = |n: &str| {
        got[0]
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(header("x-fal-webhook-request-id"), id);
    let event: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(
        (event["status"].as_str(), event["request_id"].as_str()),
        (Some("OK"), Some(id.as_str()))
    );
    assert_eq!(event["payload"]["images"].as_array().unwrap().len(), 1);
    // The signature verifies with the JWKS key, over the four lines.
    let jwks = sb.get("/.well-known/jwks.json", &[]).await.json().unwrap();
    let x = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(jwks["keys"][0]["x"].as_str().unwrap())
        .unwrap();
    let key = VerifyingKey::from_bytes(&x.try_into().unwrap()).unwrap();
    let digest: String = Sha256::digest(&got[0].body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let message = format!(
        "{}\n{}\n{}\n{digest}",
        header("x-fal-webhook-request-id"),
        header("x-fal-webhook-user-id"),
        header("x-fal-webhook-timestamp")
    );
    let sig_hex = header("x-fal-webhook-signature");
    let sig: Vec<u8> = (0..sig_hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&sig_hex[i..i + 2], 16).unwrap())
        .collect();
    let signature = Signature::from_bytes(&sig.try_into().unwrap());
    assert!(key.verify(message.as_bytes(), &signature).is_ok());
    assert!(key.verify(b"another message", &signature).is_err());
}
