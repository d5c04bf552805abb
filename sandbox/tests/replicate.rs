//! Replicate over real HTTP: predictions judged by its own document and the model's
//! input table, polled, awaited with `Prefer: wait`, ended by `Cancel-After`, listed
//! newest first, billed per image, and webhooks signed as Standard Webhooks.

mod common;

use common::*;
use sandbox::providers::replicate::{micro_usd_per_image, WEBHOOK_SECRET};
use sandbox::webhooks::standard_signature;
use serde_json::{json, Value};

const CREATE: &str = "/v1/models/openai/gpt-image-2/predictions";
const AUTH: (&str, &str) = ("Authorization", "Bearer r8_sandbox");

async fn wait_done(sb: &Sandbox, id: &str) -> Value {
    for _ in 0..400 {
        let p = sb
            .get(&format!("/v1/predictions/{id}"), &[AUTH])
            .await
            .json()
            .unwrap();
        if ["succeeded", "failed", "canceled", "aborted"]
            .contains(&p["status"].as_str().unwrap_or(""))
        {
            return p;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("prediction {id} did not end");
}

#[tokio::test]
async fn predictions_are_judged_polled_and_billed_per_image() {
    let sb = Sandbox::start().await;
    let body = json!({"input": {"prompt": "a poster", "quality": "medium", "aspect_ratio": "3:2", "number_of_images": 2, "output_format": "png"}});
    let r = sb.post_json(CREATE, &[AUTH], &body).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let p = r.json().unwrap();
    assert_eq!(p["status"], "starting");
    assert_eq!(p["model"], "openai/gpt-image-2");
    assert_eq!(p["input"], body["input"]);
    let id = p["id"].as_str().unwrap().to_string();
    let done = wait_done(&sb, &id).await;
    assert_eq!(done["status"], "succeeded");
    let urls = done["output"].as_array().unwrap();
    assert_eq!(urls.len(), 2);
    let image = sb.fetch_url(urls[0].as_str().unwrap()).await;
    assert_eq!(image.status, 200);
    assert_eq!(sandbox::images::dimensions(&image.body), Some((1536, 1024)));
    let ledger = sb.ledger("r8_sandbox").await;
    assert_eq!(ledger["imagesCharged"], 2);
    assert_eq!(
        ledger["usd"],
        json!(2.0 * micro_usd_per_image("medium") as f64 / 1e6)
    );

    // What neither the document nor the model's inputs take is refused, naming it.
    for (body, field) in [
        (
            json!({"input": {"prompt": "x"}, "version": "abc"}),
            "version",
        ),
        (json!({"prompt": "x"}), "prompt"),
        (
            json!({"input": {"prompt": "x", "size": "1024x1024"}}),
            "input.size",
        ),
        (
            json!({"input": {"prompt": "x", "background": "transparent"}}),
            "input.background",
        ),
        (
            json!({"input": {"prompt": "x", "number_of_images": 11}}),
            "input.number_of_images",
        ),
        (json!({"input": {"prompt": ""}}), "input.prompt"),
        (
            json!({"input": {"prompt": "x"}, "webhook_events_filter": ["done"]}),
            "webhook_events_filter",
        ),
    ] {
        let r = sb.post_json(CREATE, &[AUTH], &body).await;
        assert_eq!(
            r.status,
            422,
            "{body}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let detail = r.json().unwrap()["invalid_fields"][0]["field"].clone();
        assert_eq!(detail, json!(field), "{body}");
    }
    let r = sb
        .post_json(
            CREATE,
            &[("Authorization", "Bearer nope")],
            &json!({"input": {"prompt": "x"}}),
        )
        .await;
    assert_eq!(r.status, 401);
    let r = sb
        .post_json(
            "/v1/models/openai/gpt-image-1/predictions",
            &[AUTH],
            &json!({"input": {"prompt": "x"}}),
        )
        .await;
    assert_eq!(r.status, 404);
    // Another key's prediction is not found.
    let r = sb
        .get(
            &format!("/v1/predictions/{id}"),
            &[("Authorization", "Bearer sk-or-sandbox")],
        )
        .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn prefer_wait_answers_the_finished_prediction_and_cancel_after_ends_it() {
    let sb = Sandbox::start().await;
    let body = json!({"input": {"prompt": "a cat", "quality": "low"}});
    let r = sb
        .post_json(CREATE, &[AUTH, ("Prefer", "wait=60")], &body)
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(
        r.json().unwrap()["status"],
        "succeeded",
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let r = sb
        .post_json(CREATE, &[AUTH, ("Prefer", "wait=61")], &body)
        .await;
    assert_eq!(r.status, 422);
    let r = sb
        .post_json(CREATE, &[AUTH, ("Cancel-After", "4s")], &body)
        .await;
    assert_eq!(r.status, 422);

    // A deadline far shorter than the job (at a slow time scale): ended, not billed.
    let sb = Sandbox::with(sandbox::config::Config {
        time_scale: WATCHABLE_TIME_SCALE,
        ..config()
    })
    .await;
    let r = sb
        .post_json(
            CREATE,
            &[AUTH, ("Cancel-After", "5s")],
            &json!({"input": {"prompt": "slow", "quality": "high"}}),
        )
        .await;
    let id = r.json().unwrap()["id"].as_str().unwrap().to_string();
    let done = wait_done(&sb, &id).await;
    assert!(
        ["canceled", "aborted"].contains(&done["status"].as_str().unwrap()),
        "{done}"
    );
    assert_eq!(sb.ledger("r8_sandbox").await["imagesCharged"], 0);
}

#[tokio::test]
async fn the_listing_finds_predictions_by_time_newest_first() {
    let sb = Sandbox::start().await;
    let mut ids = Vec::new();
    for prompt in ["one", "two", "three"] {
        let r = sb
            .post_json(CREATE, &[AUTH], &json!({"input": {"prompt": prompt}}))
            .await;
        ids.push(r.json().unwrap()["id"].as_str().unwrap().to_string());
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let all = sb.get("/v1/predictions", &[AUTH]).await.json().unwrap();
    let listed: Vec<&str> = all["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        vec![ids[2].as_str(), ids[1].as_str(), ids[0].as_str()]
    );
    assert_eq!(all["next"], Value::Null);
    let third_created = all["results"][0]["created_at"]
        .as_str()
        .unwrap()
        .to_string();
    let after = sb
        .get(
            &format!("/v1/predictions?created_after={third_created}"),
            &[AUTH],
        )
        .await
        .json()
        .unwrap();
    assert_eq!(after["results"].as_array().unwrap().len(), 1);
    assert_eq!(after["results"][0]["input"], json!({"prompt": "three"}));
    let r = sb
        .get("/v1/predictions?created_after=yesterday", &[AUTH])
        .await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn webhooks_are_signed_as_standard_webhooks() {
    let sb = Sandbox::start().await;
    let hooks = Receiver::start(vec![500, 200]).await;
    let r = sb
        .post_json(CREATE, &[AUTH], &json!({"input": {"prompt": "hook"}, "webhook": hooks.url, "webhook_events_filter": ["completed"]}))
        .await;
    let id = r.json().unwrap()["id"].as_str().unwrap().to_string();
    let got = hooks.wait_for(2).await;
    // Retried with the same id; each signed over id, timestamp and the raw body.
    let header = |i: usize, n: &str| {
        got[i]
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(header(0, "webhook-id"), header(1, "webhook-id"));
    for (g, delivery) in got.iter().enumerate().take(2) {
        let (wid, ts) = (header(g, "webhook-id"), header(g, "webhook-timestamp"));
        let expected =
            standard_signature(WEBHOOK_SECRET, &wid, ts.parse().unwrap(), &delivery.body);
        assert_eq!(header(g, "webhook-signature"), expected);
        let event: Value = serde_json::from_slice(&delivery.body).unwrap();
        assert_eq!(
            (event["id"].as_str(), event["status"].as_str()),
            (Some(id.as_str()), Some("succeeded"))
        );
    }
    let secret = sb
        .get("/v1/webhooks/default/secret", &[AUTH])
        .await
        .json()
        .unwrap();
    assert_eq!(secret["key"], WEBHOOK_SECRET);
}
