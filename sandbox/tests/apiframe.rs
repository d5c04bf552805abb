//! Apiframe over real HTTP: lifecycle, results, images, idempotency, money, auth, webhooks.

mod common;

use std::time::Duration;

use common::*;
use hmac::{Hmac, KeyInit, Mac};
use sandbox::ResultShape;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

#[tokio::test]
async fn job_lifecycle_with_rising_progress_and_a_full_job_object() {
    let sb = Sandbox::with(sandbox::Config {
        time_scale: WATCHABLE_TIME_SCALE,
        ..config()
    })
    .await;
    let id = sb
        .apiframe_submit(&json!({"model": "gpt-image-2", "prompt": "a red fox",
            "gptImage2Params": {"quality": "medium", "aspect_ratio": "3:2", "number_of_images": 2}}))
        .await;
    let polls = sb.apiframe_wait(&id).await;
    let mut last_progress = 0;
    let mut statuses = Vec::new();
    for job in &polls {
        for field in [
            "id",
            "status",
            "model",
            "progress",
            "error",
            "creditCost",
            "webhookStatus",
            "createdAt",
            "completedAt",
            "expired",
            "input",
            "result",
        ] {
            assert!(job.get(field).is_some(), "{field} missing in {job}");
        }
        let status = job["status"].as_str().unwrap().to_string();
        if status != "FAILED" {
            let p = job["progress"].as_u64().unwrap();
            assert!(
                p >= last_progress && p <= 100,
                "progress fell: {last_progress} -> {p}"
            );
            last_progress = p;
        }
        if !statuses.contains(&status) {
            statuses.push(status);
        }
        if job["status"] != "COMPLETED" {
            assert!(job["creditCost"].is_null());
            assert!(job["completedAt"].is_null());
            assert!(job["result"].is_null());
        }
    }
    assert_eq!(statuses.last().unwrap(), "COMPLETED");
    assert!(statuses
        .iter()
        .all(|s| ["QUEUED", "PROCESSING", "COMPLETED"].contains(&s.as_str())));
    assert!(statuses.contains(&"PROCESSING".to_string()), "{statuses:?}");
    let done = polls.last().unwrap();
    assert_eq!(done["id"], id.as_str());
    assert_eq!(done["model"], "gpt-image-2");
    assert_eq!(done["progress"], 100);
    assert_eq!(done["creditCost"], 18);
    assert_eq!(done["expired"], false);
    assert!(done["webhookStatus"].is_null());
    assert_eq!(done["input"]["prompt"], "a red fox");
    assert!(done["createdAt"].as_str().unwrap().ends_with('Z'));
    assert!(done["completedAt"].as_str().unwrap() >= done["createdAt"].as_str().unwrap());

    // Two webp images at 3:2 (the default format), served with the right type.
    let urls = result_urls(&done["result"]);
    assert_eq!(urls.len(), 2);
    for url in urls {
        assert!(url.ends_with(".webp"));
        let image = sb.fetch_url(&url).await;
        assert_eq!(image.status, 200);
        assert_eq!(image.header("content-type"), Some("image/webp"));
        assert_eq!(image.header("access-control-allow-origin"), Some("*"));
        assert_eq!(sandbox::images::dimensions(&image.body), Some((1536, 1024)));
    }
}

/// URLs from any of the three `result` shapes.
fn result_urls(result: &Value) -> Vec<String> {
    let list = match result {
        Value::String(s) => return vec![s.clone()],
        Value::Array(a) => a,
        Value::Object(o) => o["images"].as_array().unwrap(),
        other => panic!("unexpected result {other}"),
    };
    list.iter()
        .map(|u| u.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn result_shapes_follow_the_flag() {
    for (shape, check) in [
        (ResultShape::String, "string"),
        (ResultShape::Array, "array"),
        (ResultShape::Object, "object"),
    ] {
        let sb = Sandbox::with(sandbox::Config {
            apiframe_result_shape: shape,
            ..config()
        })
        .await;
        let one = sb.apiframe_submit(&apiframe_body("one")).await;
        let two = sb
            .apiframe_submit(&json!({"model": "gpt-image-2", "prompt": "two",
                "gptImage2Params": {"number_of_images": 2, "output_format": "png"}}))
            .await;
        let r1 = sb.apiframe_wait(&one).await.pop().unwrap()["result"].clone();
        let r2 = sb.apiframe_wait(&two).await.pop().unwrap()["result"].clone();
        match check {
            "string" => {
                assert!(r1.is_string());
                assert!(
                    r2.is_array(),
                    "string shape falls back to an array for 2 images"
                );
            }
            "array" => assert!(r1.is_array() && r2.is_array()),
            _ => assert!(r1["images"].is_array() && r2["images"].is_array()),
        }
        let png = result_urls(&r2);
        assert!(png[0].ends_with(".png"));
        let image = sb.fetch_url(&png[0]).await;
        assert_eq!(image.header("content-type"), Some("image/png"));
        assert_eq!(sandbox::images::dimensions(&image.body), Some((1024, 1024)));
    }
    // Mixed: all three appear over a few jobs.
    let sb = Sandbox::start().await;
    let mut kinds = std::collections::BTreeSet::new();
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(
            sb.apiframe_submit(&apiframe_body(&format!("mixed {i}")))
                .await,
        );
    }
    for id in ids {
        let result = sb.apiframe_wait(&id).await.pop().unwrap()["result"].clone();
        kinds.insert(match result {
            Value::String(_) => "string",
            Value::Array(_) => "array",
            _ => "object",
        });
    }
    assert_eq!(kinds.len(), 3, "{kinds:?}");
}

#[tokio::test]
async fn idempotent_replay_returns_the_original_job_and_bills_once() {
    let sb = Sandbox::start().await;
    let body =
        json!({"model": "gpt-image-2", "prompt": "once", "gptImage2Params": {"quality": "high"}});
    let headers = [("X-API-Key", APIFRAME), ("Idempotency-Key", "order-17")];
    let first = sb
        .post_json("/v2/images/generate", &headers, &body)
        .await
        .json()
        .unwrap();
    assert_eq!(first["status"], "QUEUED");
    let id = first["jobId"].as_str().unwrap();
    sb.apiframe_wait(id).await;
    let again = sb.post_json("/v2/images/generate", &headers, &body).await;
    assert_eq!(again.status, 202);
    let again = again.json().unwrap();
    assert_eq!(again["jobId"], id);
    assert_eq!(
        again["status"], "COMPLETED",
        "a replay reports the original's current status"
    );
    // Another key name is a new job; the same name from another API key too.
    let other = sb
        .post_json(
            "/v2/images/generate",
            &[("X-API-Key", APIFRAME), ("Idempotency-Key", "order-18")],
            &body,
        )
        .await
        .json()
        .unwrap();
    assert_ne!(other["jobId"], id);
    sb.apiframe_wait(other["jobId"].as_str().unwrap()).await;
    let ledger = sb.ledger(APIFRAME).await;
    assert_eq!(ledger["jobsCreated"], 2);
    assert_eq!(ledger["jobsCharged"], 2);
    assert_eq!(ledger["credits"], 46);
    assert_eq!(ledger["idempotentReplays"], 1);
    assert_eq!(ledger["usd"], 0.46);

    let long = "k".repeat(256);
    let r = sb
        .post_json(
            "/v2/images/generate",
            &[("X-API-Key", APIFRAME), ("Idempotency-Key", &long)],
            &body,
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.json().unwrap()["details"]["Idempotency-Key"].is_array());
    let ok = "k".repeat(255);
    let r = sb
        .post_json(
            "/v2/images/generate",
            &[("X-API-Key", APIFRAME), ("Idempotency-Key", &ok)],
            &body,
        )
        .await;
    assert_eq!(r.status, 202);
}

#[tokio::test]
async fn ledger_bills_credits_by_quality_and_count() {
    let sb = Sandbox::start().await;
    let mut ids = Vec::new();
    for (quality, n) in [
        (Some("low"), 1),
        (Some("medium"), 4),
        (Some("high"), 2),
        (Some("auto"), 1),
        (None, 3),
    ] {
        let mut params = json!({"number_of_images": n});
        if let Some(q) = quality {
            params["quality"] = json!(q);
        }
        ids.push(
            sb.apiframe_submit(
                &json!({"model": "gpt-image-2", "prompt": "bill", "gptImage2Params": params}),
            )
            .await,
        );
    }
    let mut total = 0;
    for id in &ids {
        total += sb.apiframe_wait(id).await.pop().unwrap()["creditCost"]
            .as_i64()
            .unwrap();
    }
    let expected = 4 + 9 * 4 + 23 * 2 + 23 + 23 * 3;
    assert_eq!(total, expected);
    let ledger = sb.ledger(APIFRAME).await;
    assert_eq!(ledger["provider"], "apiframe");
    assert_eq!(ledger["jobsCharged"], 5);
    assert_eq!(ledger["imagesCharged"], 11);
    assert_eq!(ledger["credits"], expected);
    assert!((ledger["usd"].as_f64().unwrap() - expected as f64 * 0.01).abs() < 1e-9);
    assert_eq!(ledger["refunds"], 0);
}

#[tokio::test]
async fn insufficient_credits_is_402_with_the_numbers() {
    let mut c = config();
    c.balances.push((APIFRAME.into(), 30.0));
    let sb = Sandbox::with(c).await;
    let high =
        json!({"model": "gpt-image-2", "prompt": "p", "gptImage2Params": {"quality": "high"}});
    let id = sb.apiframe_submit(&high).await;
    let r = sb
        .post_json("/v2/images/generate", &[("X-API-Key", APIFRAME)], &high)
        .await;
    assert_eq!(r.status, 402);
    assert_eq!(
        r.json().unwrap(),
        json!({"error": "Insufficient credits", "creditsRequired": 23, "creditsAvailable": 7})
    );
    sb.apiframe_wait(&id).await;
    let ledger = sb.ledger(APIFRAME).await;
    assert_eq!(ledger["balance"]["credits"], 7);
    assert_eq!(ledger["jobsCreated"], 1);
}

#[tokio::test]
async fn auth_and_job_ownership() {
    let mut c = config();
    c.keys
        .push((sandbox::Provider::Apiframe, "afk_second".into()));
    let sb = Sandbox::with(c).await;
    let body = apiframe_body("p");
    for (headers, message) in [
        (vec![], "Missing API key"),
        (vec![("X-API-Key", "afk_wrong")], "Invalid API key"),
        (vec![("X-API-Key", OPENAI)], "Invalid API key"),
    ] {
        let r = sb.post_json("/v2/images/generate", &headers, &body).await;
        assert_eq!(r.status, 401);
        assert_eq!(r.json().unwrap(), json!({ "error": message }));
    }
    // Bearer works too.
    let r = sb
        .post_json(
            "/v2/images/generate",
            &[("Authorization", "Bearer afk_sandbox")],
            &body,
        )
        .await;
    assert_eq!(r.status, 202);
    let id = r.json().unwrap()["jobId"].as_str().unwrap().to_string();

    let r = sb
        .get("/v2/jobs/not-a-uuid", &[("X-API-Key", APIFRAME)])
        .await;
    assert_eq!(r.status, 400);
    assert!(r.json().unwrap()["error"].is_string());
    let r = sb
        .get(
            "/v2/jobs/00000000-0000-4000-8000-000000000000",
            &[("X-API-Key", APIFRAME)],
        )
        .await;
    assert_eq!(r.status, 404);
    let r = sb
        .get(&format!("/v2/jobs/{id}"), &[("X-API-Key", "afk_second")])
        .await;
    assert_eq!(r.status, 404, "another key's job is not found");
    let r = sb.get(&format!("/v2/jobs/{id}"), &[]).await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn assets_expire_after_the_ttl() {
    let sb = Sandbox::with(sandbox::Config {
        asset_ttl_secs: 2,
        ..config()
    })
    .await;
    let id = sb.apiframe_submit(&apiframe_body("fleeting")).await;
    let done = sb.apiframe_wait(&id).await.pop().unwrap();
    let url = result_urls(&done["result"]).remove(0);
    assert_eq!(sb.fetch_url(&url).await.status, 200);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let job = sb
        .get(&format!("/v2/jobs/{id}"), &[("X-API-Key", APIFRAME)])
        .await
        .json()
        .unwrap();
    assert_eq!(job["expired"], true);
    let gone = sb.fetch_url(&url).await;
    assert_eq!(gone.status, 404);
    assert!(gone.json().unwrap()["error"].is_string());
}

/// The expected signature, computed here from the document's recipe.
fn expected_signature(api_key: &str, body: &[u8]) -> String {
    let key = Sha256::digest(api_key.as_bytes());
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

#[tokio::test]
async fn webhooks_are_signed_and_carry_progress_then_completion() {
    let sb = Sandbox::start().await;
    let receiver = Receiver::start(vec![200]).await;
    let id = sb
        .apiframe_submit(
            &json!({"model": "gpt-image-2", "prompt": "hooked", "webhookUrl": receiver.url}),
        )
        .await;
    let got = receiver.wait_for(3).await;
    let events: Vec<String> = got
        .iter()
        .map(|r| r.json()["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(events, ["progress", "progress", "completed"]);
    for r in &got {
        assert_eq!(r.path, "/hooks/apiframe");
        assert_eq!(r.header("content-type"), Some("application/json"));
        let signature = r.header("x-webhook-signature").unwrap();
        assert_eq!(signature, expected_signature(APIFRAME, &r.body));
        assert_ne!(signature, expected_signature("afk_other", &r.body));
        let event = r.json();
        assert_eq!(event["jobId"], id.as_str());
        assert!(event["timestamp"].is_string());
    }
    let completed = got[2].json();
    assert_eq!(completed["status"], "COMPLETED");
    assert_eq!(completed["progress"], 100);
    assert_eq!(completed["creditCost"], 23);
    assert!(!result_urls(&completed["result"]).is_empty());
    assert_eq!(got[0].json()["status"], "PROCESSING");
    // The job reports the delivery.
    let mut status = Value::Null;
    for _ in 0..100 {
        let job = sb
            .get(&format!("/v2/jobs/{id}"), &[("X-API-Key", APIFRAME)])
            .await
            .json()
            .unwrap();
        status = job["webhookStatus"].clone();
        if status == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(status, "delivered");
}

#[tokio::test]
async fn webhook_retries_then_delivers_and_filters_events() {
    let sb = Sandbox::start().await;
    // First two attempts fail (500, then 404); the third succeeds.
    let receiver = Receiver::start(vec![500, 404, 204]).await;
    let id = sb
        .apiframe_submit(&json!({"model": "gpt-image-2", "prompt": "retry",
            "webhookUrl": receiver.url, "webhookEvents": ["completed"]}))
        .await;
    let got = receiver.wait_for(3).await;
    assert!(got.iter().all(|r| r.json()["event"] == "completed"));
    assert_eq!(
        got[0].body, got[2].body,
        "a retry re-sends the same signed body"
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(receiver.all().len(), 3);
    let job = sb
        .get(&format!("/v2/jobs/{id}"), &[("X-API-Key", APIFRAME)])
        .await
        .json()
        .unwrap();
    assert_eq!(job["webhookStatus"], "delivered");
}

#[tokio::test]
async fn webhook_failures_are_reported_and_failed_jobs_send_failed_events() {
    let sb = Sandbox::start().await;
    let receiver = Receiver::start(vec![503]).await;
    let id = sb
        .apiframe_submit(&json!({"model": "gpt-image-2", "prompt": "never",
            "webhookUrl": receiver.url, "webhookEvents": ["failed", "completed"]}))
        .await;
    receiver.wait_for(3).await;
    let mut job = Value::Null;
    for _ in 0..200 {
        job = sb
            .get(&format!("/v2/jobs/{id}"), &[("X-API-Key", APIFRAME)])
            .await
            .json()
            .unwrap();
        if job["webhookStatus"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(job["webhookStatus"], "failed");
    assert_eq!(receiver.all().len(), 3, "three attempts, then it gives up");

    // An https receiver cannot be reached from the sandbox: marked failed.
    let tls = sb
        .apiframe_submit(&json!({"model": "gpt-image-2", "prompt": "tls",
            "webhookUrl": "https://127.0.0.1:9/hook"}))
        .await;
    sb.apiframe_wait(&tls).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let job = sb
        .get(&format!("/v2/jobs/{tls}"), &[("X-API-Key", APIFRAME)])
        .await
        .json()
        .unwrap();
    assert_eq!(job["webhookStatus"], "failed");

    // A job that fails sends `failed`.
    let hooks = Receiver::start(vec![200]).await;
    let r = sb
        .post_json(
            "/v2/images/generate",
            &[("X-API-Key", APIFRAME), ("X-Sandbox-Fault", "fail")],
            &json!({"model": "gpt-image-2", "prompt": "doomed", "webhookUrl": hooks.url, "webhookEvents": ["failed"]}),
        )
        .await;
    assert_eq!(r.status, 202);
    let got = hooks.wait_for(1).await;
    let event = got[0].json();
    assert_eq!(event["event"], "failed");
    assert_eq!(event["status"], "FAILED");
    assert_eq!(event["creditCost"], 0);
    assert_eq!(
        got[0].header("x-webhook-signature").unwrap(),
        expected_signature(APIFRAME, &got[0].body)
    );
}

#[tokio::test]
async fn other_valid_models_are_refused_clearly() {
    let sb = Sandbox::start().await;
    let r = sb
        .post_json(
            "/v2/images/generate",
            &[("X-API-Key", APIFRAME)],
            &json!({"model": "flux-2-pro", "prompt": "p"}),
        )
        .await;
    assert_eq!(r.status, 400);
    let body = r.json().unwrap();
    assert!(body["details"]["model"][0]
        .as_str()
        .unwrap()
        .contains("simulates model 'gpt-image-2' only"));
    let r = sb
        .send(
            "POST",
            "/v2/images/generate",
            &[("X-API-Key", APIFRAME)],
            b"{not json",
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.json().unwrap()["error"].is_string());
}

#[tokio::test]
async fn idempotency_keys_are_forgotten_after_the_scaled_window() {
    // At time scale 1e-5, Apiframe's 24 h window lasts 864 ms.
    let sb = Sandbox::with(sandbox::Config {
        time_scale: 1e-5,
        ..config()
    })
    .await;
    let body =
        json!({"model": "gpt-image-2", "prompt": "late", "gptImage2Params": {"quality": "low"}});
    let headers = [("X-API-Key", APIFRAME), ("Idempotency-Key", "late-resend")];
    let first = sb
        .post_json("/v2/images/generate", &headers, &body)
        .await
        .json()
        .unwrap();
    let within = sb
        .post_json("/v2/images/generate", &headers, &body)
        .await
        .json()
        .unwrap();
    assert_eq!(
        within["jobId"], first["jobId"],
        "inside the window: the same job"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    let late = sb
        .post_json("/v2/images/generate", &headers, &body)
        .await
        .json()
        .unwrap();
    assert_ne!(late["jobId"], first["jobId"], "after the window: a new job");
    sb.apiframe_wait(late["jobId"].as_str().unwrap()).await;
    let ledger = sb.ledger(APIFRAME).await;
    assert_eq!(
        (
            ledger["jobsCreated"].as_u64(),
            ledger["idempotentReplays"].as_u64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(ledger["jobsCharged"], 2, "the late resend was billed");
}
