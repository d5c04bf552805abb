//! Helpers shared by the integration tests: an in-process sandbox, a tiny client and a
//! webhook receiver.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sandbox::client::{self, ClientError, HttpResponse};
use sandbox::{Config, Server};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Time scale of test servers: ~15 s jobs take ~150 ms.
pub const TIME_SCALE: f64 = 0.01;

/// Default keys.
pub const APIFRAME: &str = "afk_sandbox";
pub const GPTIMAGE2: &str = "g2_sandbox";
pub const GETIMG: &str = "gi_sandbox";
pub const OPENAI: &str = "sk-sandbox";
pub const AZURE: &str = "azure-sandbox";
pub const OPENROUTER: &str = "sk-or-sandbox";

/// A slower time scale for tests that must see a job mid-run (~15 s jobs take ~750 ms).
pub const WATCHABLE_TIME_SCALE: f64 = 0.05;

/// A test configuration: any free port, fast jobs.
pub fn config() -> Config {
    Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        time_scale: TIME_SCALE,
        ..Config::default()
    }
}

/// A running sandbox and a way to talk to it.
pub struct Sandbox {
    pub server: Server,
    pub addr: SocketAddr,
}

impl Sandbox {
    pub async fn start() -> Sandbox {
        Sandbox::with(config()).await
    }

    pub async fn with(config: Config) -> Sandbox {
        let server = Server::start(config).await.expect("sandbox starts");
        let addr = server.addr();
        Sandbox { server, addr }
    }

    pub fn base(&self) -> String {
        self.server.base_url()
    }

    /// One request; panics on transport errors.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> HttpResponse {
        self.try_send(method, path, headers, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// One request, transport errors returned.
    pub async fn try_send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<HttpResponse, ClientError> {
        client::request(
            self.addr,
            method,
            path,
            headers,
            body,
            Duration::from_secs(30),
        )
        .await
    }

    pub async fn post_json(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> HttpResponse {
        let mut all = vec![("Content-Type", "application/json")];
        all.extend_from_slice(headers);
        self.send("POST", path, &all, body.to_string().as_bytes())
            .await
    }

    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> HttpResponse {
        self.send("GET", path, headers, b"").await
    }

    pub async fn ledger(&self, key: &str) -> Value {
        self.get(&format!("/sandbox/ledger?key={key}"), &[])
            .await
            .json()
            .unwrap()
    }

    /// Waits until the ledger of `key` shows `field == value` (or panics after 10 s).
    pub async fn wait_ledger(&self, key: &str, field: &str, value: u64) -> Value {
        let mut ledger = Value::Null;
        for _ in 0..1000 {
            ledger = self.ledger(key).await;
            if ledger[field].as_u64() == Some(value) {
                return ledger;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("ledger of {key} never reached {field} = {value}: {ledger}");
    }

    pub async fn stats(&self) -> Value {
        self.get("/sandbox/stats", &[]).await.json().unwrap()
    }

    /// Submits an Apiframe job and returns its id.
    pub async fn apiframe_submit(&self, body: &Value) -> String {
        let r = self
            .post_json("/v2/images/generate", &[("X-API-Key", APIFRAME)], body)
            .await;
        assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
        r.json().unwrap()["jobId"].as_str().unwrap().to_string()
    }

    /// Polls an Apiframe job until COMPLETED or FAILED; returns every poll's body.
    pub async fn apiframe_wait(&self, id: &str) -> Vec<Value> {
        let mut seen = Vec::new();
        for _ in 0..2000 {
            let r = self
                .get(&format!("/v2/jobs/{id}"), &[("X-API-Key", APIFRAME)])
                .await;
            assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
            let job = r.json().unwrap();
            let done = matches!(job["status"].as_str(), Some("COMPLETED" | "FAILED"));
            seen.push(job);
            if done {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("job {id} never finished");
    }

    /// Fetches a URL the sandbox handed out (it must point at this sandbox).
    pub async fn fetch_url(&self, url: &str) -> HttpResponse {
        let path = url
            .strip_prefix(&self.base())
            .unwrap_or_else(|| panic!("{url} is not served here"));
        self.get(path, &[]).await
    }
}

/// A minimal body for an Apiframe gpt-image-2 job.
pub fn apiframe_body(prompt: &str) -> Value {
    serde_json::json!({"model": "gpt-image-2", "prompt": prompt})
}

/// One request a webhook receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A loopback HTTP receiver that records every request and answers with the next status
/// from `statuses` (the last one repeats).
pub struct Receiver {
    pub url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    pub async fn start(statuses: Vec<u16>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/apiframe", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        let task = tokio::spawn(async move {
            let mut answered = 0usize;
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let status = statuses[answered.min(statuses.len() - 1)];
                answered += 1;
                let mut reader = BufReader::new(stream);
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).await.is_err() {
                    continue;
                }
                let path = request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("")
                    .to_string();
                let mut headers = Vec::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).await.unwrap_or(0) == 0 || line.trim().is_empty()
                    {
                        break;
                    }
                    if let Some((n, v)) = line.trim_end().split_once(':') {
                        headers.push((n.trim().to_string(), v.trim().to_string()));
                    }
                }
                let len: usize = headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0);
                let mut body = vec![0u8; len];
                if reader.read_exact(&mut body).await.is_err() {
                    continue;
                }
                log.lock().unwrap().push(Received {
                    path,
                    headers,
                    body,
                });
                let answer = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = reader.get_mut().write_all(answer.as_bytes()).await;
            }
        });
        Receiver {
            url,
            received,
            task,
        }
    }

    pub fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `n` requests arrived (or panics after 10 s).
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..1000 {
            let all = self.all();
            if all.len() >= n {
                return all;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("receiver got {} requests, expected {n}", self.all().len());
    }
}

/// A multipart body from (name, filename, bytes) parts.
pub fn form(boundary: &str, parts: &[(&str, Option<&str>, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, filename, data) in parts {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => out.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => out.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}
