//! Load test: starts the sandbox as a child process, submits 2,000 Apiframe jobs at once,
//! polls them all to completion, fetches some images, and reports errors, the sandbox's
//! peak RSS and CPU time.
//!
//! Run with `cargo run --release -p sandbox --example load` (optionally `-- JOBS TIME_SCALE`).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sandbox::client::Connection;
use serde_json::{json, Value};

/// Marks the child invocation that serves instead of loading.
const SERVE_FLAG: &str = "--serve-sandbox";
const KEY: &str = "afk_sandbox";
const POLL_EVERY: Duration = Duration::from_millis(100);
const IMAGES_TO_FETCH: usize = 50;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(SERVE_FLAG) {
        serve(args[1..].to_vec());
        return;
    }
    let jobs: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let time_scale: f64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(0.05);
    if let Err(e) = load(jobs, time_scale) {
        eprintln!("load: {e}");
        std::process::exit(1);
    }
}

/// The child: a plain sandbox.
fn serve(args: Vec<String>) {
    let config = match sandbox::Config::from_args(args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if let Err(e) = runtime.block_on(sandbox::run(config)) {
        eprintln!("sandbox: {e}");
        std::process::exit(1);
    }
}

/// Peak resident set (VmHWM) of a process, in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User and system CPU seconds of the children this process has waited for (getrusage).
fn children_cpu_secs() -> (f64, f64) {
    // SAFETY: getrusage only writes into the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (secs(usage.ru_utime), secs(usage.ru_stime))
}

#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    errors: AtomicU64,
    completed: AtomicU64,
}

fn load(jobs: usize, time_scale: f64) -> Result<(), String> {
    // `cargo run` replaces itself with this program, so the children it waited for (the
    // compiler) already count in RUSAGE_CHILDREN: take a baseline and subtract it.
    let baseline = children_cpu_secs();
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .args([
            SERVE_FLAG,
            "--addr",
            "127.0.0.1:0",
            "--time-scale",
            &time_scale.to_string(),
            "--exit-on-stdin-eof",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting the sandbox: {e}"))?;
    let pid = child.id();
    let mut line = String::new();
    let stdout = child.stdout.take().ok_or("no stdout")?;
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let base = line
        .trim()
        .strip_prefix("listening on http://")
        .ok_or_else(|| format!("unexpected first line {line:?}"))?
        .to_string();
    let addr: SocketAddr = base.parse().map_err(|_| format!("bad address {base}"))?;
    let idle_rss = peak_rss_kib(pid).unwrap_or(0);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let tally = Arc::new(Tally::default());
    let results = runtime.block_on(run_jobs(addr, jobs, tally.clone()));
    let jobs_wall = started.elapsed();
    let images = runtime.block_on(fetch_images(addr, &results, tally.clone()));
    let wall = started.elapsed();
    let (stats, ledger) = runtime.block_on(async {
        let mut c = Connection::open(addr).await.map_err(|e| e.to_string())?;
        let stats = get_json(&mut c, "/sandbox/stats", &[]).await?;
        let ledger = get_json(&mut c, &format!("/sandbox/ledger?key={KEY}"), &[]).await?;
        Ok::<_, String>((stats, ledger))
    })?;
    let peak_rss = peak_rss_kib(pid).unwrap_or(0);

    drop(child.stdin.take());
    let status = child.wait().map_err(|e| e.to_string())?;
    let (user, system) = children_cpu_secs();
    let (user, system) = (user - baseline.0, system - baseline.1);

    let mut delays: Vec<u64> = stats["jobs"]
        .as_object()
        .map(|jobs| {
            jobs.values()
                .filter_map(|j| j["detectionDelayMs"].as_u64())
                .collect()
        })
        .unwrap_or_default();
    delays.sort_unstable();
    let pct = |p: f64| {
        delays
            .get(((delays.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(0)
    };
    let polls = stats["requests"]["GET /v2/jobs/{id}"].as_u64().unwrap_or(0);
    let errors = tally.errors.load(Ordering::Relaxed);
    println!("jobs submitted        {jobs} (time scale {time_scale})");
    println!(
        "jobs completed        {}",
        tally.completed.load(Ordering::Relaxed)
    );
    println!(
        "requests              {}",
        tally.requests.load(Ordering::Relaxed)
    );
    println!(
        "polls per job         {:.2}",
        polls as f64 / jobs.max(1) as f64
    );
    println!(
        "detection delay ms    median {} p95 {} max {}",
        pct(0.5),
        pct(0.95),
        pct(1.0)
    );
    println!("images fetched        {images} (webp, 1024x1024)");
    println!("errors                {errors}");
    println!(
        "ledger                jobsCharged {} credits {} usd {}",
        ledger["jobsCharged"], ledger["credits"], ledger["usd"]
    );
    println!(
        "wall time             {:.2} s (jobs {:.2} s)",
        wall.as_secs_f64(),
        jobs_wall.as_secs_f64()
    );
    println!(
        "sandbox peak RSS      {:.1} MiB (VmHWM; {:.1} MiB after start-up)",
        peak_rss as f64 / 1024.0,
        idle_rss as f64 / 1024.0
    );
    println!(
        "sandbox CPU time      {:.2} s (user {user:.2} s, system {system:.2} s)",
        user + system
    );
    println!("sandbox exit          {status}");
    if errors > 0 || ledger["jobsCharged"].as_u64() != Some(jobs as u64) {
        return Err(format!("{errors} errors; ledger {ledger}"));
    }
    Ok(())
}

async fn get_json(
    c: &mut Connection,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<Value, String> {
    let r = c
        .request("GET", path, headers, b"")
        .await
        .map_err(|e| e.to_string())?;
    r.json()
}

/// Submits `jobs` jobs at once, each task on its own keep-alive connection, and polls
/// each to completion; returns the first image URL path of every completed job.
async fn run_jobs(addr: SocketAddr, jobs: usize, tally: Arc<Tally>) -> Vec<String> {
    let mut tasks = Vec::with_capacity(jobs);
    for i in 0..jobs {
        let tally = tally.clone();
        tasks.push(tokio::spawn(async move {
            match one_job(addr, i, &tally).await {
                Ok(path) => {
                    tally.completed.fetch_add(1, Ordering::Relaxed);
                    Some(path)
                }
                Err(e) => {
                    tally.errors.fetch_add(1, Ordering::Relaxed);
                    eprintln!("job {i}: {e}");
                    None
                }
            }
        }));
    }
    let mut paths = Vec::new();
    for task in tasks {
        if let Ok(Some(path)) = task.await {
            paths.push(path);
        }
    }
    paths
}

async fn one_job(addr: SocketAddr, i: usize, tally: &Tally) -> Result<String, String> {
    let mut c = Connection::open(addr).await.map_err(|e| e.to_string())?;
    let quality = ["low", "medium", "high", "auto"][i % 4];
    let body = json!({"model": "gpt-image-2", "prompt": format!("load test image {i}"),
        "gptImage2Params": {"quality": quality}})
    .to_string();
    let headers = [("X-API-Key", KEY), ("Content-Type", "application/json")];
    tally.requests.fetch_add(1, Ordering::Relaxed);
    let r = c
        .request("POST", "/v2/images/generate", &headers, body.as_bytes())
        .await
        .map_err(|e| format!("submit: {e}"))?;
    if r.status != 202 {
        return Err(format!("submit answered {}", r.status));
    }
    let id = r.json()?["jobId"].as_str().ok_or("no jobId")?.to_string();
    let path = format!("/v2/jobs/{id}");
    loop {
        tokio::time::sleep(POLL_EVERY).await;
        tally.requests.fetch_add(1, Ordering::Relaxed);
        let r = c
            .request("GET", &path, &[("X-API-Key", KEY)], b"")
            .await
            .map_err(|e| format!("poll: {e}"))?;
        if r.status != 200 {
            return Err(format!("poll answered {}", r.status));
        }
        let job = r.json()?;
        match job["status"].as_str() {
            Some("COMPLETED") => {
                let url = match &job["result"] {
                    Value::String(s) => s.clone(),
                    Value::Array(a) => a
                        .first()
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    other => other["images"][0].as_str().unwrap_or_default().to_string(),
                };
                let path = url
                    .split_once("/sandbox/")
                    .map(|(_, rest)| format!("/sandbox/{rest}"))
                    .ok_or_else(|| format!("odd result URL {url:?}"))?;
                return Ok(path);
            }
            Some("FAILED") => return Err("job failed".into()),
            Some("QUEUED" | "PROCESSING") => {}
            other => return Err(format!("unexpected status {other:?}")),
        }
    }
}

/// Fetches the first [`IMAGES_TO_FETCH`] images, checking each is a real WebP.
async fn fetch_images(addr: SocketAddr, paths: &[String], tally: Arc<Tally>) -> usize {
    let mut fetched = 0;
    let Ok(mut c) = Connection::open(addr).await else {
        tally.errors.fetch_add(1, Ordering::Relaxed);
        return 0;
    };
    for path in paths.iter().take(IMAGES_TO_FETCH) {
        tally.requests.fetch_add(1, Ordering::Relaxed);
        match c.request("GET", path, &[], b"").await {
            Ok(r)
                if r.status == 200
                    && r.header("content-type") == Some("image/webp")
                    && sandbox::images::dimensions(&r.body) == Some((1024, 1024)) =>
            {
                fetched += 1
            }
            Ok(r) => {
                tally.errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("image {path}: status {}", r.status);
            }
            Err(e) => {
                tally.errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("image {path}: {e}");
            }
        }
    }
    fetched
}
