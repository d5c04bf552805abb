//! Faults on demand: every kind, per request and queued, per provider shape, and the
//! drop-and-retry scenario that must never bill twice.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use sandbox::client::ClientError;
use serde_json::{json, Value};

const SUBMIT: &str = "/v2/images/generate";

fn low(prompt: &str) -> Value {
    json!({"model": "gpt-image-2", "prompt": prompt, "gptImage2Params": {"quality": "low"}})
}

async fn submit_with_fault(
    sb: &Sandbox,
    fault: &str,
    body: &Value,
) -> Result<sandbox::client::HttpResponse, ClientError> {
    sb.try_send(
        "POST",
        SUBMIT,
        &[
            ("X-API-Key", APIFRAME),
            ("Content-Type", "application/json"),
            ("X-Sandbox-Fault", fault),
        ],
        body.to_string().as_bytes(),
    )
    .await
}

#[tokio::test]
async fn early_faults_answer_in_apiframe_shape_and_create_nothing() {
    let sb = Sandbox::start().await;
    let r = submit_with_fault(&sb, "rate_limit;retry-after=2", &low("p"))
        .await
        .unwrap();
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("2"));
    assert_eq!(
        r.header("access-control-expose-headers"),
        Some("Retry-After")
    );
    assert!(r.json().unwrap()["error"].is_string());
    let r = submit_with_fault(&sb, "rate_limit", &low("p"))
        .await
        .unwrap();
    assert_eq!(r.header("retry-after"), Some("1"));
    for status in [500u16, 502, 503] {
        let r = submit_with_fault(&sb, &status.to_string(), &low("p"))
            .await
            .unwrap();
        assert_eq!(r.status, status);
        assert!(r.json().unwrap()["error"].is_string());
    }
    assert_eq!(sb.ledger(APIFRAME).await["jobsCreated"], 0);
    let r = submit_with_fault(&sb, "explode", &low("p")).await.unwrap();
    assert_eq!(r.status, 400);
    assert!(r.json().unwrap()["error"]
        .as_str()
        .unwrap()
        .contains("rate_limit"));
}

#[tokio::test]
async fn drop_malformed_and_truncated_do_the_work_then_spoil_the_answer() {
    let sb = Sandbox::start().await;
    assert!(matches!(
        submit_with_fault(&sb, "drop", &low("a")).await,
        Err(ClientError::NoResponse)
    ));
    let r = submit_with_fault(&sb, "malformed", &low("b"))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert!(r.json().is_err(), "the body is not JSON");
    assert!(matches!(
        submit_with_fault(&sb, "truncated", &low("c")).await,
        Err(ClientError::Truncated)
    ));
    // All three jobs exist and are billed once done.
    let ledger = sb.wait_ledger(APIFRAME, "jobsCharged", 3).await;
    assert_eq!(ledger["jobsCreated"], 3);
    assert_eq!(ledger["jobsCharged"], 3);
    assert_eq!(ledger["credits"], 12);

    // On a poll.
    let id = sb.apiframe_submit(&low("d")).await;
    let poll = |fault: &'static str| {
        let path = format!("/v2/jobs/{id}");
        let sb = &sb;
        async move {
            sb.try_send(
                "GET",
                &path,
                &[("X-API-Key", APIFRAME), ("X-Sandbox-Fault", fault)],
                b"",
            )
            .await
        }
    };
    assert!(matches!(poll("drop").await, Err(ClientError::NoResponse)));
    assert!(matches!(
        poll("truncated").await,
        Err(ClientError::Truncated)
    ));
    assert!(poll("malformed").await.unwrap().json().is_err());
    assert_eq!(poll("503").await.unwrap().status, 503);
}

#[tokio::test]
async fn hang_holds_the_connection_until_the_client_leaves() {
    let sb = Sandbox::start().await;
    let timeout = Duration::from_millis(600);
    let body = low("h").to_string();
    let headers = [("X-API-Key", APIFRAME), ("X-Sandbox-Fault", "hang")];
    let started = std::time::Instant::now();
    let request =
        sandbox::client::request(sb.addr, "POST", SUBMIT, &headers, body.as_bytes(), timeout);
    let probe = async {
        // While the request hangs, the statistics count it.
        tokio::time::sleep(timeout / 2).await;
        sb.stats().await["hangingConnections"].as_u64()
    };
    let (r, hanging_meanwhile) = tokio::join!(request, probe);
    assert!(matches!(r, Err(ClientError::Timeout)), "{r:?}");
    assert!(started.elapsed() >= timeout);
    assert_eq!(hanging_meanwhile, Some(1));
    // The client has gone; the sandbox notices and lets the connection go.
    let mut hanging = 1;
    for _ in 0..100 {
        hanging = sb.stats().await["hangingConnections"].as_u64().unwrap();
        if hanging == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(hanging, 0);
    assert_eq!(
        sb.ledger(APIFRAME).await["jobsCreated"],
        0,
        "a hung submit creates nothing"
    );
}

#[tokio::test]
async fn fail_and_unknown_status_shape_the_job() {
    let sb = Sandbox::with(sandbox::Config {
        time_scale: WATCHABLE_TIME_SCALE,
        ..config()
    })
    .await;
    let failed = submit_with_fault(&sb, "fail", &low("f")).await.unwrap();
    let failed = failed.json().unwrap()["jobId"]
        .as_str()
        .unwrap()
        .to_string();
    let odd = submit_with_fault(&sb, "unknown_status", &low("u"))
        .await
        .unwrap();
    let odd = odd.json().unwrap()["jobId"].as_str().unwrap().to_string();

    let last = sb.apiframe_wait(&failed).await.pop().unwrap();
    assert_eq!(last["status"], "FAILED");
    assert!(last["error"].is_string());
    assert_eq!(last["creditCost"], 0);
    assert!(last["result"].is_null());
    assert!(last["completedAt"].is_string());

    let polls = sb.apiframe_wait(&odd).await;
    let statuses: Vec<&str> = polls
        .iter()
        .map(|j| j["status"].as_str().unwrap())
        .collect();
    assert!(statuses.contains(&"ARCHIVING"), "{statuses:?}");
    assert_eq!(*statuses.last().unwrap(), "COMPLETED");

    let ledger = sb.ledger(APIFRAME).await;
    assert_eq!(ledger["jobsCreated"], 2);
    assert_eq!(ledger["jobsCharged"], 1);
    assert_eq!(ledger["refunds"], 1);
    assert_eq!(ledger["credits"], 4);
    assert_eq!(ledger["balance"]["credits"], 10_000_000 - 4);
}

#[tokio::test]
async fn faults_speak_each_providers_error_shape() {
    let sb = Sandbox::start().await;
    let g2 = json!({"prompt": "p"});
    let gi = json!({"model": "gpt-image-2", "prompt": "p"});
    let oa = json!({"model": "gpt-image-2", "prompt": "p", "quality": "low"});
    let cases: [(&str, (&str, &str), &Value, &str); 3] = [
        (
            "/api/generate",
            ("Authorization", "Bearer g2_sandbox"),
            &g2,
            "gptimage2ai",
        ),
        (
            "/v2/images/generations",
            ("Authorization", "Bearer gi_sandbox"),
            &gi,
            "getimg",
        ),
        (
            "/v1/images/generations",
            ("Authorization", "Bearer sk-sandbox"),
            &oa,
            "openai",
        ),
    ];
    for (path, auth, body, provider) in cases {
        let send = |fault: &'static str| {
            let body = body.to_string();
            let sb = &sb;
            async move {
                sb.try_send(
                    "POST",
                    path,
                    &[auth, ("X-Sandbox-Fault", fault)],
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
        match provider {
            "gptimage2ai" => assert_eq!(e, json!({"error": "rate_limited"})),
            "getimg" => assert_eq!(e["error"]["type"], "rate_limit_error"),
            _ => assert_eq!(e["error"]["code"], "rate_limit_exceeded"),
        }
        let broken = send("502").await.unwrap();
        assert_eq!(broken.status, 502);
        let e = broken.json().unwrap();
        match provider {
            "gptimage2ai" => assert!(e["error"].is_string()),
            _ => assert_eq!(e["error"]["type"], "server_error"),
        }
        assert!(matches!(send("drop").await, Err(ClientError::NoResponse)));
        assert!(matches!(
            send("truncated").await,
            Err(ClientError::Truncated)
        ));
        assert!(send("malformed").await.unwrap().json().is_err());
    }
    // Dropped answers were still billed: the work was done.
    for key in [GETIMG, OPENAI, GPTIMAGE2] {
        let ledger = sb.wait_ledger(key, "jobsCharged", 3).await;
        assert_eq!(ledger["jobsCreated"], 3);
    }
}

#[tokio::test]
async fn fail_and_unknown_status_on_the_other_providers() {
    let sb = Sandbox::with(sandbox::Config {
        time_scale: WATCHABLE_TIME_SCALE,
        ..config()
    })
    .await;
    // GPTImage2.ai: a failed job is refunded; an odd one says "paused" while it runs.
    let g2 = [("Authorization", "Bearer g2_sandbox")];
    let mut ids = Vec::new();
    for fault in ["fail", "unknown_status"] {
        let r = sb
            .send(
                "POST",
                "/api/generate",
                &[g2[0], ("X-Sandbox-Fault", fault)],
                br#"{"prompt":"p"}"#,
            )
            .await;
        ids.push(r.json().unwrap()["jobId"].as_str().unwrap().to_string());
    }
    let mut seen = [Vec::new(), Vec::new()];
    let mut finals = [Value::Null, Value::Null];
    for (i, id) in ids.iter().enumerate() {
        for _ in 0..1000 {
            let r = sb.get(&format!("/api/generate/{id}"), &g2).await;
            let body = r.json().unwrap();
            seen[i].push(body["status"].as_str().unwrap().to_string());
            if r.status == 200 {
                finals[i] = body;
                break;
            }
            assert_eq!(r.status, 202);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    assert_eq!(finals[0]["status"], "failed");
    assert_eq!(finals[0]["error"], "image_generation_failed");
    assert!(seen[1].contains(&"paused".to_string()), "{:?}", seen[1]);
    assert_eq!(finals[1]["status"], "succeeded");
    let ledger = sb.ledger(GPTIMAGE2).await;
    assert_eq!(
        (ledger["refunds"].as_u64(), ledger["credits"].as_i64()),
        (Some(1), Some(10))
    );

    // getimg: a failed generation is a 500 and costs nothing; an odd status still has data.
    let gi = json!({"model": "gpt-image-2", "prompt": "p"}).to_string();
    let r = sb
        .send(
            "POST",
            "/v2/images/generations",
            &[
                ("Authorization", "Bearer gi_sandbox"),
                ("X-Sandbox-Fault", "fail"),
            ],
            gi.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 500);
    let r = sb
        .send(
            "POST",
            "/v2/images/generations",
            &[
                ("Authorization", "Bearer gi_sandbox"),
                ("X-Sandbox-Fault", "unknown_status"),
            ],
            gi.as_bytes(),
        )
        .await;
    let body = r.json().unwrap();
    assert_eq!(body["status"], "processing");
    assert!(body["data"][0]["url"].is_string());
    let ledger = sb.ledger(GETIMG).await;
    assert_eq!(
        (ledger["refunds"].as_u64(), ledger["jobsCharged"].as_u64()),
        (Some(1), Some(1))
    );

    // OpenAI: a failed generation is a 500 and costs nothing.
    let oa = json!({"model": "gpt-image-2", "prompt": "p", "quality": "low"}).to_string();
    let r = sb
        .send(
            "POST",
            "/v1/images/generations",
            &[
                ("Authorization", "Bearer sk-sandbox"),
                ("X-Sandbox-Fault", "fail"),
            ],
            oa.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 500);
    assert_eq!(r.json().unwrap()["error"]["type"], "server_error");
    let ledger = sb.ledger(OPENAI).await;
    assert_eq!(
        (ledger["refunds"].as_u64(), ledger["jobsCharged"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(ledger["usd"], 0.0);
}

#[tokio::test]
async fn queued_faults_hit_the_next_matching_requests() {
    let sb = Sandbox::start().await;
    let add = |rule: Value| {
        let sb = &sb;
        async move { sb.post_json("/sandbox/faults", &[], &rule).await }
    };
    let r = add(json!({"provider": "apiframe", "endpoint": "submit", "fault": "503", "count": 2}))
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json().unwrap()["count"], 2);
    assert_eq!(
        add(json!({"provider": "apiframe", "endpoint": "poll", "fault": "rate_limit", "count": 1, "retryAfter": 4}))
            .await
            .status,
        201
    );
    assert_eq!(
        add(json!({"provider": "nobody", "fault": "500"}))
            .await
            .status,
        400
    );
    assert_eq!(add(json!({"fault": "500", "rate": 7})).await.status, 400);
    let listed = sb.get("/sandbox/faults", &[]).await.json().unwrap();
    assert_eq!(listed["faults"].as_array().unwrap().len(), 2);

    let auth = [("X-API-Key", APIFRAME)];
    // Other providers are untouched.
    let r = sb
        .post_json(
            "/api/generate",
            &[("Authorization", "Bearer g2_sandbox")],
            &json!({"prompt": "p"}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(sb.post_json(SUBMIT, &auth, &low("1")).await.status, 503);
    assert_eq!(sb.post_json(SUBMIT, &auth, &low("2")).await.status, 503);
    let r = sb.post_json(SUBMIT, &auth, &low("3")).await;
    assert_eq!(r.status, 202);
    let id = r.json().unwrap()["jobId"].as_str().unwrap().to_string();
    let r = sb.get(&format!("/v2/jobs/{id}"), &auth).await;
    assert_eq!((r.status, r.header("retry-after")), (429, Some("4")));
    assert_eq!(sb.get(&format!("/v2/jobs/{id}"), &auth).await.status, 200);
    assert_eq!(
        sb.get("/sandbox/faults", &[]).await.json().unwrap()["faults"],
        json!([])
    );

    // A rated rule until cleared.
    add(json!({"provider": "any", "endpoint": "any", "fault": "500", "rate": 1.0})).await;
    assert_eq!(sb.get(&format!("/v2/jobs/{id}"), &auth).await.status, 500);
    assert_eq!(sb.get(&format!("/v2/jobs/{id}"), &auth).await.status, 500);
    assert_eq!(
        sb.send("DELETE", "/sandbox/faults", &[], b"").await.status,
        200
    );
    assert_eq!(sb.get(&format!("/v2/jobs/{id}"), &auth).await.status, 200);
}

#[tokio::test]
async fn global_fault_rate_gives_reproducible_transient_faults() {
    let run = || async {
        let sb = Sandbox::with(sandbox::Config {
            fault_rate: 0.5,
            seed: 77,
            ..config()
        })
        .await;
        let mut statuses = Vec::new();
        for _ in 0..40 {
            let r = sb
                .get(
                    "/v2/jobs/00000000-0000-4000-8000-000000000000",
                    &[("X-API-Key", APIFRAME)],
                )
                .await;
            statuses.push(r.status);
        }
        statuses
    };
    let a = run().await;
    assert_eq!(a, run().await, "same seed, same faults");
    assert!(
        a.iter().all(|s| [404, 429, 500, 502, 503].contains(s)),
        "{a:?}"
    );
    let faults = a.iter().filter(|s| **s != 404).count();
    assert!((10..=30).contains(&faults), "{faults} of 40");
}

/// 220 logical submits, each retried with its own Idempotency-Key while a `drop` fault
/// swallows 30% of the answers: exactly one job is created and charged per logical request.
#[tokio::test]
async fn dropped_submits_retried_with_idempotency_keys_bill_exactly_once() {
    const LOGICAL: usize = 220;
    let sb = Arc::new(Sandbox::start().await);
    let rule = json!({"provider": "apiframe", "endpoint": "submit", "fault": "drop", "rate": 0.3});
    assert_eq!(
        sb.post_json("/sandbox/faults", &[], &rule).await.status,
        201
    );
    let mut tasks = Vec::new();
    for i in 0..LOGICAL {
        let sb = sb.clone();
        tasks.push(tokio::spawn(async move {
            let key = format!("logical-{i}");
            let body = low(&format!("request {i}")).to_string();
            for attempt in 1..=30 {
                let r = sb
                    .try_send(
                        "POST",
                        SUBMIT,
                        &[
                            ("X-API-Key", APIFRAME),
                            ("Idempotency-Key", &key),
                            ("Content-Type", "application/json"),
                        ],
                        body.as_bytes(),
                    )
                    .await;
                match r {
                    Ok(r) => {
                        assert_eq!(r.status, 202);
                        return (
                            r.json().unwrap()["jobId"].as_str().unwrap().to_string(),
                            attempt,
                        );
                    }
                    Err(ClientError::NoResponse) => continue,
                    Err(e) => panic!("unexpected {e}"),
                }
            }
            panic!("30 drops in a row");
        }));
    }
    let mut ids = std::collections::HashSet::new();
    let mut attempts = 0;
    for task in tasks {
        let (id, n) = task.await.unwrap();
        attempts += n;
        ids.insert(id);
    }
    assert_eq!(ids.len(), LOGICAL, "one job per logical request");
    assert!(
        attempts > LOGICAL + 30,
        "drops happened: {attempts} attempts"
    );
    for id in &ids {
        sb.apiframe_wait(id).await;
    }
    let ledger = sb.ledger(APIFRAME).await;
    assert_eq!(ledger["jobsCreated"], LOGICAL);
    assert_eq!(ledger["jobsCharged"], LOGICAL);
    assert_eq!(ledger["imagesCharged"], LOGICAL);
    assert_eq!(ledger["credits"], 4 * LOGICAL);
    assert_eq!(ledger["idempotentReplays"], attempts - LOGICAL);
}
