//! Control endpoints, CORS, routing errors, limits and the program's own lifecycle.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

#[tokio::test]
async fn stats_count_requests_and_measure_detection_delay() {
    let sb = Sandbox::start().await;
    let id = sb.apiframe_submit(&apiframe_body("measured")).await;
    let polls = sb.apiframe_wait(&id).await.len() as u64;
    // One more poll after completion does not move the first terminal poll.
    sb.get(&format!("/v2/jobs/{id}"), &[("X-API-Key", APIFRAME)])
        .await;
    let stats = sb.stats().await;
    assert_eq!(stats["requests"]["POST /v2/images/generate"], 1);
    assert_eq!(stats["requests"]["GET /v2/jobs/{id}"], polls + 1);
    let job = &stats["jobs"][&id];
    assert_eq!(job["provider"], "apiframe");
    assert_eq!(job["polls"], polls + 1);
    let finished = job["finishedAtMs"].as_u64().unwrap();
    let seen = job["firstTerminalPollAtMs"].as_u64().unwrap();
    assert!(seen >= finished);
    assert_eq!(job["detectionDelayMs"].as_u64().unwrap(), seen - finished);
    assert!(stats["nowMs"].as_u64().unwrap() >= seen);

    let reset = sb.send("POST", "/sandbox/reset", &[], b"").await;
    assert_eq!(reset.status, 200);
    let stats = sb.stats().await;
    assert_eq!(stats["jobs"], json!({}));
    assert_eq!(stats["requests"], json!({"GET /sandbox/stats": 1}));
    assert!(stats["sinceMs"].as_u64().unwrap() > 0);
    // Jobs survive a reset.
    let r = sb
        .get(&format!("/v2/jobs/{id}"), &[("X-API-Key", APIFRAME)])
        .await;
    assert_eq!(r.json().unwrap()["status"], "COMPLETED");
    assert_eq!(sb.stats().await["jobs"][&id]["polls"], 1);

    // GPTImage2.ai jobs are tracked too.
    let r = sb
        .post_json(
            "/api/generate",
            &[("Authorization", "Bearer g2_sandbox")],
            &json!({"prompt": "p"}),
        )
        .await;
    let g2 = r.json().unwrap()["jobId"].as_str().unwrap().to_string();
    assert_eq!(sb.stats().await["jobs"][&g2]["provider"], "gptimage2ai");
}

#[tokio::test]
async fn cors_everywhere_and_preflight() {
    let sb = Sandbox::start().await;
    let r = sb
        .send(
            "OPTIONS",
            "/v2/images/generate",
            &[
                ("Origin", "http://127.0.0.1:5173"),
                ("Access-Control-Request-Method", "POST"),
            ],
            b"",
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let allowed = r.header("access-control-allow-headers").unwrap();
    for h in [
        "Authorization",
        "X-API-Key",
        "Content-Type",
        "Idempotency-Key",
        "X-Sandbox-Fault",
    ] {
        assert!(allowed.contains(h), "{h} not in {allowed}");
    }
    assert!(r
        .header("access-control-allow-methods")
        .unwrap()
        .contains("POST"));
    for r in [
        sb.post_json("/v2/images/generate", &[], &json!({})).await,
        sb.get("/nowhere", &[]).await,
        sb.get("/sandbox/health", &[]).await,
    ] {
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some("*"),
            "status {}",
            r.status
        );
        assert_eq!(
            r.header("access-control-expose-headers"),
            Some("Retry-After")
        );
    }
}

#[tokio::test]
async fn routing_errors_and_limits() {
    let sb = Sandbox::start().await;
    let r = sb.get("/v3/unknown", &[]).await;
    assert_eq!(r.status, 404);
    assert!(r.json().unwrap()["error"]
        .as_str()
        .unwrap()
        .contains("/v3/unknown"));
    let r = sb.get("/v2/images/generate", &[]).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST"));
    assert!(r.json().unwrap()["error"].is_string());
    let r = sb.send("DELETE", "/v2/jobs/x", &[], b"").await;
    assert_eq!((r.status, r.header("allow")), (405, Some("GET")));
    assert_eq!(
        sb.get("/sandbox/health", &[]).await.json().unwrap(),
        json!({"ok": true})
    );
    assert_eq!(sb.get("/sandbox/ledger", &[]).await.status, 400);
    assert_eq!(sb.get("/sandbox/ledger?key=nobody", &[]).await.status, 404);
    assert_eq!(sb.get("/sandbox/images/0123.webp", &[]).await.status, 404);

    // A JSON body over 1 MiB is refused in each provider's own shape.
    let big = format!(
        "{{\"model\":\"gpt-image-2\",\"prompt\":\"{}\"}}",
        "x".repeat(1024 * 1024)
    );
    let r = sb
        .send(
            "POST",
            "/v2/images/generate",
            &[("X-API-Key", APIFRAME)],
            big.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 413);
    assert!(r.json().unwrap()["error"].is_string());
    let r = sb
        .send(
            "POST",
            "/v1/images/generations",
            &[("Authorization", "Bearer sk-sandbox")],
            big.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 413);
    assert_eq!(r.json().unwrap()["error"]["type"], "invalid_request_error");

    // Garbage never panics the server.
    for body in [
        &b"\xff\xfe\x00"[..],
        b"",
        b"null",
        b"[]",
        b"{\"prompt\":{}}",
    ] {
        for (path, auth) in [
            ("/v2/images/generate", ("X-API-Key", APIFRAME)),
            ("/api/generate", ("Authorization", "Bearer g2_sandbox")),
            (
                "/v2/images/generations",
                ("Authorization", "Bearer gi_sandbox"),
            ),
            (
                "/v1/images/generations",
                ("Authorization", "Bearer sk-sandbox"),
            ),
            ("/v1/images/edits", ("Authorization", "Bearer sk-sandbox")),
            ("/sandbox/faults", ("X-Nothing", "1")),
        ] {
            let r = sb
                .send(
                    "POST",
                    path,
                    &[auth, ("Content-Type", "multipart/form-data; boundary=b")],
                    body,
                )
                .await;
            assert!(
                (400..500).contains(&r.status),
                "{path} {body:?}: {}",
                r.status
            );
        }
    }
    assert_eq!(sb.get("/sandbox/health", &[]).await.status, 200);
}

#[tokio::test]
async fn idle_exit_stops_the_server() {
    let sb = Sandbox::with(sandbox::Config {
        idle_exit_secs: Some(1),
        ..config()
    })
    .await;
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(5), sb.server.stopped())
        .await
        .expect("stopped after being idle");
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert!(sb
        .try_send("GET", "/sandbox/health", &[], b"")
        .await
        .is_err());
}

fn spawn_binary(args: &[&str]) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sandbox"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    (child, line)
}

fn wait_exit(child: &mut std::process::Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the sandbox did not exit in time");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn binary_announces_its_port_and_exits_when_stdin_closes() {
    let (mut child, line) = spawn_binary(&["--addr", "127.0.0.1:0", "--exit-on-stdin-eof"]);
    let port: u16 = line
        .trim_end()
        .strip_prefix("listening on http://127.0.0.1:")
        .unwrap_or_else(|| panic!("first line was {line:?}"))
        .parse()
        .unwrap();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(b"GET /sandbox/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut stream, &mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop(child.stdin.take());
    assert!(wait_exit(&mut child, Duration::from_secs(5)).success());
}

#[test]
fn binary_exits_on_sigterm_and_when_idle() {
    let (mut child, line) = spawn_binary(&["--addr", "127.0.0.1:0"]);
    assert!(line.starts_with("listening on http://127.0.0.1:"));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(wait_exit(&mut child, Duration::from_secs(5)).success());

    let (mut child, _) = spawn_binary(&["--addr", "127.0.0.1:0", "--idle-exit", "1"]);
    assert!(wait_exit(&mut child, Duration::from_secs(5)).success());
}

#[test]
fn binary_rejects_bad_flags_and_non_loopback_addresses() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_sandbox"))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
    };
    assert_eq!(run(&["--no-such-flag"]).code(), Some(2));
    assert_eq!(run(&["--addr", "0.0.0.0:0"]).code(), Some(2));
    assert_eq!(run(&["--help"]).code(), Some(0));
    assert_eq!(
        run(&[
            "--addr",
            "127.0.0.1:0",
            "--apiframe-openapi",
            "/nonexistent.json"
        ])
        .code(),
        Some(1)
    );
}
