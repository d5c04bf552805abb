//! GPTImage2.ai, getimg.ai and OpenAI over real HTTP.

mod common;

use std::time::Duration;

use base64::Engine;
use common::*;
use sandbox::images::{self, Format, ImageSpec};
use sandbox::Provider;
use serde_json::{json, Value};

const BEARER_G2: &str = "Bearer g2_sandbox";
const BEARER_GI: &str = "Bearer gi_sandbox";
const BEARER_OA: &str = "Bearer sk-sandbox";

async fn g2_wait(sb: &Sandbox, id: &str) -> (u16, Value, Vec<String>) {
    let mut statuses = Vec::new();
    for _ in 0..2000 {
        let r = sb
            .get(
                &format!("/api/generate/{id}"),
                &[("Authorization", BEARER_G2)],
            )
            .await;
        let body = r.json().unwrap();
        statuses.push(body["status"].as_str().unwrap().to_string());
        if r.status == 200 {
            return (r.status, body, statuses);
        }
        assert_eq!(r.status, 202, "{body}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("job {id} never finished");
}

#[tokio::test]
async fn gptimage2ai_job_runs_and_returns_urls_with_final_prompts() {
    let sb = Sandbox::start().await;
    let r = sb
        .post_json(
            "/api/generate",
            &[("Authorization", BEARER_G2), ("Idempotency-Key", "ignored")],
            &json!({"mode": "text-to-image", "prompt": "  espresso cup  ", "ratio": "16:9", "count": 9,
                    "style": "studio-product", "lighting": "soft window light", "camera": "85mm",
                    "negative": "text", "somethingNew": true}),
        )
        .await;
    assert_eq!(r.status, 200);
    let submitted = r.json().unwrap();
    assert_eq!(submitted["status"], "pending");
    let balance = &submitted["balance"];
    assert_eq!(
        balance["paidCredits"],
        10_000_000 - 40,
        "count 9 is capped to 4 images"
    );
    assert_eq!(balance["totalImages"], (10_000_000 - 40) / 10);
    let id = submitted["jobId"].as_str().unwrap().to_string();
    let (_, done, statuses) = g2_wait(&sb, &id).await;
    assert!(
        statuses
            .iter()
            .all(|s| ["pending", "running", "succeeded"].contains(&s.as_str())),
        "{statuses:?}"
    );
    assert_eq!(done["status"], "succeeded");
    assert_eq!(done["jobId"], id.as_str());
    let results = done["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    for result in results {
        assert_eq!(
            result["finalPrompt"],
            "espresso cup. Lighting: soft window light. Camera: 85mm. Avoid: text"
        );
        assert!(result["seed"].is_string());
    }
    let image = sb.fetch_url(results[0]["imageUrl"].as_str().unwrap()).await;
    assert_eq!(image.header("content-type"), Some("image/png"));
    let (w, h) = images::dimensions(&image.body).unwrap();
    assert!(
        (w as f64 / h as f64 - 16.0 / 9.0).abs() < 0.03 && w * h > 900_000,
        "{w}x{h}"
    );

    // The header is not honoured: the same key makes a second job.
    let again = sb
        .post_json(
            "/api/generate",
            &[("Authorization", BEARER_G2), ("Idempotency-Key", "ignored")],
            &json!({"prompt": "espresso cup"}),
        )
        .await
        .json()
        .unwrap();
    assert_ne!(again["jobId"], id.as_str());
    g2_wait(&sb, again["jobId"].as_str().unwrap()).await;
    let ledger = sb.ledger(GPTIMAGE2).await;
    assert_eq!(ledger["provider"], "gptimage2ai");
    assert_eq!(ledger["jobsCharged"], 2);
    assert_eq!(ledger["imagesCharged"], 5);
    assert_eq!(ledger["credits"], 50);
    assert!(ledger["usd"].is_null(), "no published USD price");
}

#[tokio::test]
async fn gptimage2ai_errors_use_machine_codes() {
    let mut c = config();
    c.keys.push((Provider::GptImage2Ai, "g2_poor".into()));
    c.balances.push(("g2_poor".into(), 15.0));
    let sb = Sandbox::with(c).await;
    let auth = [("Authorization", BEARER_G2)];
    for (body, status, code) in [
        (json!({"prompt": "   "}), 400, "prompt_required"),
        (json!({}), 400, "prompt_required"),
        (json!({"prompt": 5}), 400, "prompt_required"),
        (
            json!({"prompt": "p", "mode": "image-to-image"}),
            400,
            "image_urls_required",
        ),
        (
            json!({"prompt": "p", "mode": "image-to-image", "imageUrls": []}),
            400,
            "image_urls_required",
        ),
        (json!({"prompt": "p", "ratio": "3:2"}), 400, "invalid_ratio"),
    ] {
        let r = sb.post_json("/api/generate", &auth, &body).await;
        assert_eq!(r.status, status, "{body}");
        assert_eq!(r.json().unwrap(), json!({ "error": code }), "{body}");
    }
    let r = sb.send("POST", "/api/generate", &auth, b"{oops").await;
    assert_eq!(r.status, 400);
    assert!(r.json().unwrap()["error"].is_string());

    let i2i = sb
        .post_json(
            "/api/generate",
            &auth,
            &json!({"prompt": "p", "mode": "image-to-image", "imageUrls": ["https://cdn.example.com/a.png"], "count": 0}),
        )
        .await;
    assert_eq!(i2i.status, 200);
    let id = i2i.json().unwrap()["jobId"].as_str().unwrap().to_string();
    let (_, done, _) = g2_wait(&sb, &id).await;
    assert_eq!(
        done["results"].as_array().unwrap().len(),
        1,
        "count 0 is capped to 1"
    );

    for headers in [
        vec![],
        vec![("Authorization", "Bearer nope")],
        vec![("Authorization", "Bearer afk_sandbox")],
    ] {
        let r = sb
            .post_json("/api/generate", &headers, &json!({"prompt": "p"}))
            .await;
        assert_eq!(r.status, 401);
        assert_eq!(r.json().unwrap(), json!({"error": "unauthorized"}));
    }
    for (path, key) in [
        (format!("/api/generate/{id}"), "Bearer g2_poor"),
        (
            "/api/generate/00000000-0000-4000-8000-000000000000".to_string(),
            BEARER_G2,
        ),
        ("/api/generate/whatever".to_string(), BEARER_G2),
    ] {
        let r = sb.get(&path, &[("Authorization", key)]).await;
        assert_eq!(r.status, 404);
        assert_eq!(r.json().unwrap(), json!({"error": "job_not_found"}));
    }
    let poor = [("Authorization", "Bearer g2_poor")];
    assert_eq!(
        sb.post_json("/api/generate", &poor, &json!({"prompt": "p"}))
            .await
            .status,
        200
    );
    let r = sb
        .post_json("/api/generate", &poor, &json!({"prompt": "p"}))
        .await;
    assert_eq!(r.status, 402);
    assert_eq!(r.json().unwrap(), json!({"error": "insufficient_credits"}));
}

#[tokio::test]
async fn getimg_answers_synchronously_with_usage() {
    let sb = Sandbox::start().await;
    let auth = [("Authorization", BEARER_GI)];
    let r = sb
        .post_json(
            "/v2/images/generations",
            &auth,
            &json!({"model": "gpt-image-2", "prompt": "voxel ballerina", "aspect_ratio": "1:1",
                    "resolution": "1K", "output_format": "jpeg"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let body = r.json().unwrap();
    assert_eq!(body["model"], "gpt-image-2");
    assert_eq!(body["status"], "completed");
    assert!(body["id"].is_string());
    let data = &body["data"][0];
    assert_eq!(data["mime_type"], "image/jpeg");
    assert_eq!(
        (data["width"].as_u64(), data["height"].as_u64()),
        (Some(1024), Some(1024))
    );
    assert!(data["deletes_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        body["usage"],
        json!({"billable_unit": "image", "quantity": 1, "unit_price": 0.06, "total_cost": 0.06})
    );
    let image = sb.fetch_url(data["url"].as_str().unwrap()).await;
    assert_eq!(image.header("content-type"), Some("image/jpeg"));
    assert_eq!(images::dimensions(&image.body), Some((1024, 1024)));

    let r = sb
        .post_json(
            "/v2/images/generations",
            &auth,
            &json!({"model": "gpt-image-2", "prompt": "wide", "aspect_ratio": "16:9", "resolution": "2K",
                    "images": [{"url": "https://example.com/ref.png"}]}),
        )
        .await;
    let body = r.json().unwrap();
    assert_eq!(body["usage"]["total_cost"], 0.12);
    assert_eq!(body["data"][0]["mime_type"], "image/png");
    let (w, h) = (
        body["data"][0]["width"].as_u64().unwrap(),
        body["data"][0]["height"].as_u64().unwrap(),
    );
    assert!(
        w * h > 3_900_000 && (w as f64 / h as f64 - 16.0 / 9.0).abs() < 0.03,
        "{w}x{h}"
    );

    let ledger = sb.ledger(GETIMG).await;
    assert_eq!(ledger["provider"], "getimg");
    assert_eq!(ledger["jobsCharged"], 2);
    assert_eq!(ledger["imagesCharged"], 2);
    assert!(ledger["credits"].is_null());
    assert!((ledger["usd"].as_f64().unwrap() - 0.18).abs() < 1e-9);
}

#[tokio::test]
async fn getimg_errors_share_one_shape() {
    let mut c = config();
    c.balances.push((GETIMG.into(), 0.1));
    let sb = Sandbox::with(c).await;
    let auth = [("Authorization", BEARER_GI)];
    for body in [
        json!({"prompt": "p"}),
        json!({"model": "gpt-image-1", "prompt": "p"}),
        json!({"model": "gpt-image-2", "prompt": ""}),
        json!({"model": "gpt-image-2", "prompt": "p", "aspect_ratio": "5:4"}),
        json!({"model": "gpt-image-2", "prompt": "p", "resolution": "4K"}),
        json!({"model": "gpt-image-2", "prompt": "p", "output_format": "gif"}),
        json!({"model": "gpt-image-2", "prompt": "p", "images": vec![json!({"url": "https://x.test/a.png"}); 11]}),
        json!({"model": "gpt-image-2", "prompt": "p", "images": [{"url": "ftp://x.test/a.png"}]}),
    ] {
        let r = sb.post_json("/v2/images/generations", &auth, &body).await;
        assert_eq!(r.status, 400, "{body}");
        let e = r.json().unwrap();
        assert_eq!(e["error"]["type"], "invalid_request_error", "{e}");
        assert!(e["error"]["message"].is_string());
    }
    let r = sb.send("POST", "/v2/images/generations", &auth, b"[").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json().unwrap()["error"]["type"], "invalid_request_error");
    for headers in [vec![], vec![("Authorization", "Bearer sk-sandbox")]] {
        let r = sb
            .post_json(
                "/v2/images/generations",
                &headers,
                &json!({"model": "gpt-image-2", "prompt": "p"}),
            )
            .await;
        assert_eq!(r.status, 401);
        assert_eq!(r.json().unwrap()["error"]["type"], "authentication_error");
    }
    let ok = json!({"model": "gpt-image-2", "prompt": "p"});
    assert_eq!(
        sb.post_json("/v2/images/generations", &auth, &ok)
            .await
            .status,
        200
    );
    let r = sb.post_json("/v2/images/generations", &auth, &ok).await;
    assert_eq!(r.status, 402);
    assert_eq!(r.json().unwrap()["error"]["type"], "insufficient_balance");
    let ledger = sb.ledger(GETIMG).await;
    assert_eq!(ledger["jobsCharged"], 1);
    assert!((ledger["balance"]["usd"].as_f64().unwrap() - 0.04).abs() < 1e-9);
}

fn decode(b64: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(b64.as_str().unwrap())
        .unwrap()
}

/// Price in USD of a usage object: text $5/M, image input $8/M, output $30/M.
fn usage_usd(usage: &Value) -> f64 {
    let t = usage["input_tokens_details"]["text_tokens"]
        .as_f64()
        .unwrap();
    let i = usage["input_tokens_details"]["image_tokens"]
        .as_f64()
        .unwrap();
    let o = usage["output_tokens"].as_f64().unwrap();
    (t * 5.0 + i * 8.0 + o * 30.0) / 1e6
}

#[tokio::test]
async fn openai_generations_return_inline_images_and_token_usage() {
    let sb = Sandbox::start().await;
    let auth = [("Authorization", BEARER_OA)];
    let prompt = "a lighthouse at dusk"; // 20 chars: 5 text tokens
    let r = sb
        .post_json(
            "/v1/images/generations",
            &auth,
            &json!({"model": "gpt-image-2", "prompt": prompt, "n": 2, "quality": "low"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let body = r.json().unwrap();
    assert!(body["created"].as_u64().unwrap() > 1_700_000_000);
    assert_eq!(body["data"].as_array().unwrap().len(), 2);
    for item in body["data"].as_array().unwrap() {
        let png = decode(&item["b64_json"]);
        assert_eq!(images::sniff(&png), Some(Format::Png));
        assert_eq!(images::dimensions(&png), Some((1024, 1024)));
    }
    assert_eq!(
        (body["size"].as_str(), body["quality"].as_str()),
        (Some("1024x1024"), Some("low"))
    );
    assert_eq!(
        (body["output_format"].as_str(), body["background"].as_str()),
        (Some("png"), Some("opaque"))
    );
    let usage = &body["usage"];
    assert_eq!(usage["output_tokens"], 400);
    assert_eq!(
        usage["input_tokens_details"],
        json!({"text_tokens": 5, "image_tokens": 0})
    );
    assert_eq!(usage["input_tokens"], 5);
    assert_eq!(usage["total_tokens"], 405);
    let mut expected_usd = usage_usd(usage);

    let r = sb
        .post_json(
            "/v1/images/generations",
            &auth,
            &json!({"model": "gpt-image-2-2026-04-21", "prompt": "wide", "size": "1536x1024",
                    "quality": "medium", "output_format": "jpeg", "output_compression": 60}),
        )
        .await;
    let body = r.json().unwrap();
    let jpeg = decode(&body["data"][0]["b64_json"]);
    assert_eq!(images::sniff(&jpeg), Some(Format::Jpeg));
    assert_eq!(images::dimensions(&jpeg), Some((1536, 1024)));
    let out = body["usage"]["output_tokens"].as_u64().unwrap();
    assert!(out > 1767 && out < 1767 * 3 / 2, "medium 1536x1024: {out}");
    expected_usd += usage_usd(&body["usage"]);

    let ledger = sb.ledger(OPENAI).await;
    assert_eq!(ledger["provider"], "openai");
    assert_eq!(ledger["jobsCharged"], 2);
    assert_eq!(ledger["imagesCharged"], 3);
    assert!(ledger["credits"].is_null());
    assert!(
        (ledger["usd"].as_f64().unwrap() - expected_usd).abs() < 1e-9,
        "{ledger}"
    );
}

#[tokio::test]
async fn openai_validation_errors_use_openai_shape() {
    let sb = Sandbox::start().await;
    let auth = [("Authorization", BEARER_OA)];
    let long = "x".repeat(32_001);
    for (body, param, code) in [
        (
            json!({"model": "gpt-image-2"}),
            "prompt",
            "missing_required_parameter",
        ),
        (
            json!({"model": "gpt-image-2", "prompt": long}),
            "prompt",
            "string_above_max_length",
        ),
        (json!({"prompt": "p"}), "model", "invalid_value"),
        (
            json!({"model": "gpt-image-2", "prompt": "p", "n": 11}),
            "n",
            "integer_above_max_value",
        ),
        (
            json!({"model": "gpt-image-2", "prompt": "p", "n": 0}),
            "n",
            "integer_below_min_value",
        ),
        (
            json!({"model": "gpt-image-2", "prompt": "p", "quality": "hd"}),
            "quality",
            "invalid_value",
        ),
        (
            json!({"model": "gpt-image-2", "prompt": "p", "background": "transparent", "output_format": "jpeg"}),
            "background",
            "invalid_value",
        ),
        (
            json!({"model": "gpt-image-2", "prompt": "p", "size": "1000x1000"}),
            "size",
            "invalid_value",
        ),
        (
            json!({"model": "gpt-image-2", "prompt": "p", "size": "4096x2048"}),
            "size",
            "invalid_value",
        ),
        (
            json!({"model": "gpt-image-2", "prompt": "p", "output_compression": 50}),
            "output_compression",
            "invalid_value",
        ),
        (
            json!({"model": "gpt-image-2", "prompt": "p", "response_format": "url"}),
            "response_format",
            "unknown_parameter",
        ),
    ] {
        let r = sb.post_json("/v1/images/generations", &auth, &body).await;
        assert_eq!(r.status, 400);
        let e = r.json().unwrap();
        assert_eq!(e["error"]["type"], "invalid_request_error", "{e}");
        assert_eq!(e["error"]["param"], param, "{e}");
        assert_eq!(e["error"]["code"], code, "{e}");
        assert!(e["error"]["message"].is_string());
    }
    let ok = json!({"model": "gpt-image-2", "prompt": "p", "quality": "low"});
    for headers in [
        vec![],
        vec![("Authorization", "Bearer sk-wrong")],
        vec![("X-API-Key", "sk-sandbox")],
    ] {
        let r = sb.post_json("/v1/images/generations", &headers, &ok).await;
        assert_eq!(r.status, 401);
        let e = r.json().unwrap();
        assert_eq!(e["error"]["code"], "invalid_api_key");
        assert_eq!(e["error"]["type"], "invalid_request_error");
    }
    let r = sb.send("POST", "/v1/images/generations", &auth, b"{").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json().unwrap()["error"]["type"], "invalid_request_error");
}

#[tokio::test]
async fn openai_quota_runs_out_as_429_insufficient_quota() {
    let mut c = config();
    c.balances.push((OPENAI.into(), 0.01));
    let sb = Sandbox::with(c).await;
    let auth = [("Authorization", BEARER_OA)];
    let low = json!({"model": "gpt-image-2", "prompt": "p", "quality": "low"});
    assert_eq!(
        sb.post_json("/v1/images/generations", &auth, &low)
            .await
            .status,
        200
    );
    let r = sb.post_json("/v1/images/generations", &auth, &low).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.json().unwrap()["error"]["code"], "insufficient_quota");
    assert!(r.header("retry-after").is_none());
}

fn text(name: &'static str, value: &str) -> (&'static str, Option<&'static str>, Vec<u8>) {
    (name, None, value.as_bytes().to_vec())
}

fn rgba_png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let pixels = vec![128u8; (w * h * 4) as usize];
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut out),
        &pixels,
        w,
        h,
        image::ExtendedColorType::Rgba8,
    )
    .unwrap();
    out
}

#[tokio::test]
async fn openai_edits_take_multipart_images_and_bill_image_input() {
    let sb = Sandbox::start().await;
    let png = images::render(&ImageSpec::for_prompt("in", 0, 512, 512, Format::Png)).unwrap();
    let jpeg = images::render(&ImageSpec::for_prompt("in", 1, 1024, 512, Format::Jpeg)).unwrap();
    let webp = images::render(&ImageSpec::for_prompt("in", 2, 64, 64, Format::Webp)).unwrap();
    let boundary = "sandbox-test-boundary";
    let ct = format!("multipart/form-data; boundary={boundary}");
    let auth_ct = [("Authorization", BEARER_OA), ("Content-Type", ct.as_str())];
    let body = form(
        boundary,
        &[
            text("model", "gpt-image-2"),
            text("prompt", "combine these"),
            text("quality", "low"),
            text("n", "1"),
            ("image[]", Some("a.png"), png.clone()),
            ("image[]", Some("b.jpg"), jpeg),
            ("image[]", Some("c.webp"), webp),
            ("mask", Some("mask.png"), rgba_png(512, 512)),
        ],
    );
    let r = sb.send("POST", "/v1/images/edits", &auth_ct, &body).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let out = r.json().unwrap();
    let tokens = &out["usage"]["input_tokens_details"];
    // 512x512: 1 tile; 1024x512: 2 tiles; 64x64: 1 tile. 85 + 170 per tile each.
    assert_eq!(tokens["image_tokens"], 3 * 85 + 170 * 4);
    assert_eq!(tokens["text_tokens"], 4);
    assert_eq!(
        images::sniff(&decode(&out["data"][0]["b64_json"])),
        Some(Format::Png)
    );
    let ledger = sb.ledger(OPENAI).await;
    assert!((ledger["usd"].as_f64().unwrap() - usage_usd(&out["usage"])).abs() < 1e-9);

    let base = || vec![text("model", "gpt-image-2"), text("prompt", "edit")];
    let with = |extra: Vec<(&'static str, Option<&'static str>, Vec<u8>)>| {
        let mut parts = base();
        parts.extend(extra);
        form(boundary, &parts)
    };
    let too_big = {
        let mut v = png.clone();
        v.resize(50 * 1024 * 1024, 0);
        v
    };
    let many: Vec<_> = (0..17)
        .map(|_| ("image[]", Some("x.png"), png.clone()))
        .collect();
    for (body, param, code) in [
        (with(vec![]), "image", "missing_required_parameter"),
        (
            with(vec![(
                "image[]",
                Some("x.gif"),
                b"GIF89a-not-allowed".to_vec(),
            )]),
            "image[0]",
            "invalid_image_format",
        ),
        (with(many), "image", "too_many_images"),
        (
            with(vec![("image", Some("big.png"), too_big)]),
            "image[0]",
            "image_too_large",
        ),
        (
            with(vec![
                ("image[]", Some("a.png"), png.clone()),
                ("mask", Some("m.png"), rgba_png(256, 256)),
            ]),
            "mask",
            "invalid_mask",
        ),
        (
            with(vec![
                ("image[]", Some("a.png"), png.clone()),
                ("mask", Some("m.png"), png.clone()),
            ]),
            "mask",
            "invalid_mask",
        ),
        (
            with(vec![
                ("image[]", Some("a.png"), png.clone()),
                text("size", "10x10"),
            ]),
            "size",
            "invalid_value",
        ),
    ] {
        let r = sb.send("POST", "/v1/images/edits", &auth_ct, &body).await;
        assert_eq!(r.status, 400);
        let e = r.json().unwrap();
        assert_eq!(e["error"]["param"], param, "{e}");
        assert_eq!(e["error"]["code"], code, "{e}");
    }
    let r = sb
        .send(
            "POST",
            "/v1/images/edits",
            &[
                ("Authorization", BEARER_OA),
                ("Content-Type", "application/json"),
            ],
            b"{}",
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json().unwrap()["error"]["type"], "invalid_request_error");
    assert_eq!(
        sb.ledger(OPENAI).await["jobsCharged"],
        1,
        "rejected edits cost nothing"
    );
}
