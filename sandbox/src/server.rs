//! The HTTP server: routing, body limits, faults, CORS, control endpoints and lifecycle.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming as HyperBody;
use hyper::header::{HeaderValue, ALLOW, CONTENT_LENGTH};
use hyper::service::service_fn;
use hyper::{HeaderMap, Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::apiframe_schema::ApiframeSchema;
use crate::app::App;
use crate::config::{Config, Provider};
use crate::faults::{self, Endpoint, Fault, FaultKind};
use crate::http::{self, Aborted, Body, Reply};
use crate::providers::{
    self, apiframe, azure, fal, getimg, gptimage2ai, openai, openrouter, replicate, Incoming,
    JobFault, Problem,
};

/// Largest JSON body accepted.
pub const MAX_JSON_BODY: usize = 1024 * 1024;
/// Largest multipart body accepted (OpenAI edits).
pub const MAX_MULTIPART_BODY: usize = 64 * 1024 * 1024;
/// How long a `hang` fault holds a connection at most.
pub const HANG_LIMIT: Duration = Duration::from_secs(600);

/// A running sandbox.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    app: Arc<App>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Loads the Apiframe schema, binds `config.addr` and starts serving.
    pub async fn start(config: Config) -> Result<Server, String> {
        config.check()?;
        let schema = ApiframeSchema::load_or_builtin(config.apiframe_openapi.as_deref())?;
        let listener = listen(config.addr).map_err(|e| format!("binding {}: {e}", config.addr))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("reading the bound address: {e}"))?;
        let app = Arc::new(App::new(config, schema, format!("http://{addr}")));
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, app.clone(), stop.clone(), stopped));
        Ok(Server {
            addr,
            app,
            stop,
            task,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: the base URL to point clients at.
    pub fn base_url(&self) -> String {
        self.app.base_url.clone()
    }

    /// Resolves once the server has stopped (after [`Server::stop`] or `--idle-exit`).
    pub async fn stopped(&self) {
        let mut rx = self.stop.subscribe();
        while !*rx.borrow_and_update() {
            if rx.changed().await.is_err() {
                return;
            }
        }
    }

    /// Stops accepting, closes every connection and waits for the accept loop to end.
    pub async fn stop(self) {
        self.stop.send_replace(true);
        let _ = self.task.await;
    }
}

/// Pending connections the kernel may queue (capped by `net.core.somaxconn`): a client
/// that opens thousands of connections at once must not see resets.
const LISTEN_BACKLOG: u32 = 4096;

fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

async fn accept_loop(
    listener: TcpListener,
    app: Arc<App>,
    stop: watch::Sender<bool>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    let idle_limit = app.config.idle_exit_secs.map(|s| s.saturating_mul(1000));
    let mut idle_check = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            _ = idle_check.tick(), if idle_limit.is_some() => {
                let idle_for = app.now().saturating_sub(app.last_request_ms.load(Ordering::Relaxed));
                if idle_limit.is_some_and(|limit| idle_for >= limit) {
                    eprintln!("sandbox: no request for {idle_for} ms, exiting");
                    break;
                }
            }
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let app = app.clone();
                    connections.spawn(async move {
                        let service = service_fn(move |req| handle(app.clone(), req));
                        let _ = hyper::server::conn::http1::Builder::new()
                            .keep_alive(true)
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    eprintln!("sandbox: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    stop.send_replace(true);
    connections.shutdown().await;
}

/// Decrements the count of hanging connections when a hang ends (or its client leaves).
struct HangGuard(Arc<App>);

impl Drop for HangGuard {
    fn drop(&mut self) {
        self.0.hanging.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One request: CORS, routing, and the fate of the connection.
async fn handle(app: Arc<App>, req: Request<HyperBody>) -> Result<Response<Body>, Aborted> {
    app.touch();
    let reply = if req.method() == Method::OPTIONS {
        Reply::Respond(http::preflight())
    } else {
        route(&app, req).await
    };
    match reply {
        Reply::Respond(mut response) => {
            http::add_cors(&mut response);
            Ok(response)
        }
        Reply::Drop => Err(Aborted),
        Reply::Hang => {
            app.hanging.fetch_add(1, Ordering::Relaxed);
            let _guard = HangGuard(app.clone());
            tokio::time::sleep(HANG_LIMIT).await;
            Err(Aborted)
        }
    }
}

/// Which provider operation a path names.
#[derive(Clone, Debug, PartialEq)]
enum Operation {
    ApiframeSubmit,
    ApiframePoll(String),
    Gptimage2Submit,
    Gptimage2Poll(String),
    GetimgGenerate,
    OpenaiGenerations,
    OpenaiEdits,
    AzureGenerations,
    AzureEdits,
    AzureV1Generations,
    OpenrouterImages,
    ReplicateCreate(String),
    ReplicateGet(String),
    ReplicateList,
    ReplicateSecret,
    FalSubmit { edit: bool },
    FalStatus(String),
    FalResult(String),
}

impl Operation {
    fn provider(&self) -> Provider {
        match self {
            Operation::ApiframeSubmit | Operation::ApiframePoll(_) => Provider::Apiframe,
            Operation::Gptimage2Submit | Operation::Gptimage2Poll(_) => Provider::GptImage2Ai,
            Operation::GetimgGenerate => Provider::Getimg,
            Operation::OpenaiGenerations | Operation::OpenaiEdits => Provider::OpenAi,
            Operation::AzureGenerations | Operation::AzureEdits | Operation::AzureV1Generations => {
                Provider::Azure
            }
            Operation::OpenrouterImages => Provider::OpenRouter,
            Operation::ReplicateCreate(_)
            | Operation::ReplicateGet(_)
            | Operation::ReplicateList
            | Operation::ReplicateSecret => Provider::Replicate,
            Operation::FalSubmit { .. } | Operation::FalStatus(_) | Operation::FalResult(_) => {
                Provider::Fal
            }
        }
    }

    fn endpoint(&self) -> Endpoint {
        match self {
            Operation::ApiframePoll(_)
            | Operation::Gptimage2Poll(_)
            | Operation::ReplicateGet(_)
            | Operation::ReplicateList
            | Operation::ReplicateSecret
            | Operation::FalStatus(_)
            | Operation::FalResult(_) => Endpoint::Poll,
            _ => Endpoint::Submit,
        }
    }
}

/// The route a method and path select: its label for statistics and what serves it.
enum Route {
    Provider(Operation),
    OpenrouterModels,
    FalJwks,
    FalWrongPath,
    Image(String),
    Ledger,
    Stats,
    Reset,
    FaultsList,
    FaultsAdd,
    FaultsClear,
    Health,
    WrongMethod(&'static str),
    NotFound,
}

fn resolve(method: &Method, path: &str) -> (Route, String) {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let is = |m: &Method| method == m;
    let (route, label, allow) = match segments.as_slice() {
        ["v2", "images", "generate"] => (
            Route::Provider(Operation::ApiframeSubmit),
            "POST /v2/images/generate",
            "POST",
        ),
        ["v2", "jobs", id] => (
            Route::Provider(Operation::ApiframePoll(id.to_string())),
            "GET /v2/jobs/{id}",
            "GET",
        ),
        ["api", "generate"] => (
            Route::Provider(Operation::Gptimage2Submit),
            "POST /api/generate",
            "POST",
        ),
        ["api", "generate", id] => (
            Route::Provider(Operation::Gptimage2Poll(id.to_string())),
            "GET /api/generate/{jobId}",
            "GET",
        ),
        ["v2", "images", "generations"] => (
            Route::Provider(Operation::GetimgGenerate),
            "POST /v2/images/generations",
            "POST",
        ),
        ["v1", "images", "generations"] => (
            Route::Provider(Operation::OpenaiGenerations),
            "POST /v1/images/generations",
            "POST",
        ),
        ["v1", "images", "edits"] => (
            Route::Provider(Operation::OpenaiEdits),
            "POST /v1/images/edits",
            "POST",
        ),
        // Any deployment name: every deployment runs gpt-image-2 (ASSUMED).
        ["openai", "deployments", _, "images", "generations"] => (
            Route::Provider(Operation::AzureGenerations),
            "POST /openai/deployments/{deployment}/images/generations",
            "POST",
        ),
        ["openai", "deployments", _, "images", "edits"] => (
            Route::Provider(Operation::AzureEdits),
            "POST /openai/deployments/{deployment}/images/edits",
            "POST",
        ),
        ["openai", "v1", "images", "generations"] => (
            Route::Provider(Operation::AzureV1Generations),
            "POST /openai/v1/images/generations",
            "POST",
        ),
        ["api", "v1", "images"] => (
            Route::Provider(Operation::OpenrouterImages),
            "POST /api/v1/images",
            "POST",
        ),
        ["v1", "models", owner, name, "predictions"] => (
            Route::Provider(Operation::ReplicateCreate(format!("{owner}/{name}"))),
            "POST /v1/models/{owner}/{name}/predictions",
            "POST",
        ),
        ["v1", "predictions"] => (
            Route::Provider(Operation::ReplicateList),
            "GET /v1/predictions",
            "GET",
        ),
        ["v1", "predictions", id] => (
            Route::Provider(Operation::ReplicateGet(id.to_string())),
            "GET /v1/predictions/{id}",
            "GET",
        ),
        ["v1", "webhooks", "default", "secret"] => (
            Route::Provider(Operation::ReplicateSecret),
            "GET /v1/webhooks/default/secret",
            "GET",
        ),
        ["openai", "gpt-image-2"] => (
            Route::Provider(Operation::FalSubmit { edit: false }),
            "POST /openai/gpt-image-2",
            "POST",
        ),
        ["openai", "gpt-image-2", "edit"] => (
            Route::Provider(Operation::FalSubmit { edit: true }),
            "POST /openai/gpt-image-2/edit",
            "POST",
        ),
        ["openai", "gpt-image-2", "requests", id, "status"] => (
            Route::Provider(Operation::FalStatus(id.to_string())),
            "GET /openai/gpt-image-2/requests/{id}/status",
            "GET",
        ),
        ["openai", "gpt-image-2", "requests", id] => (
            Route::Provider(Operation::FalResult(id.to_string())),
            "GET /openai/gpt-image-2/requests/{id}",
            "GET",
        ),
        ["openai", "gpt-image-2", "edit", "requests", ..] => (Route::FalWrongPath, "other", "GET"),
        [".well-known", "jwks.json"] => (Route::FalJwks, "GET /.well-known/jwks.json", "GET"),
        ["api", "v1", "images", "models"] => {
            (Route::OpenrouterModels, "GET /api/v1/images/models", "GET")
        }
        ["sandbox", "images", file] => (
            Route::Image(file.to_string()),
            "GET /sandbox/images/{file}",
            "GET",
        ),
        ["sandbox", "ledger"] => (Route::Ledger, "GET /sandbox/ledger", "GET"),
        ["sandbox", "stats"] => (Route::Stats, "GET /sandbox/stats", "GET"),
        ["sandbox", "reset"] => (Route::Reset, "POST /sandbox/reset", "POST"),
        ["sandbox", "health"] => (Route::Health, "GET /sandbox/health", "GET"),
        ["sandbox", "faults"] => {
            let (route, label) = if is(&Method::GET) {
                (Route::FaultsList, "GET /sandbox/faults")
            } else if is(&Method::POST) {
                (Route::FaultsAdd, "POST /sandbox/faults")
            } else if is(&Method::DELETE) {
                (Route::FaultsClear, "DELETE /sandbox/faults")
            } else {
                (Route::WrongMethod("GET, POST, DELETE"), "other")
            };
            return (route, label.to_string());
        }
        _ => return (Route::NotFound, "other".to_string()),
    };
    let wanted = if allow == "GET" {
        Method::GET
    } else {
        Method::POST
    };
    if *method == wanted || (allow == "GET" && *method == Method::HEAD) {
        (route, label.to_string())
    } else {
        (Route::WrongMethod(allow), "other".to_string())
    }
}

async fn route(app: &Arc<App>, req: Request<HyperBody>) -> Reply {
    let (route, label) = resolve(req.method(), req.uri().path());
    app.state().count_request(&label);
    let query = req.uri().query().map(str::to_string);
    match route {
        Route::Provider(operation) => provider_request(app, operation, req).await,
        Route::OpenrouterModels => providers::openrouter::models().into(),
        Route::FalJwks => fal::jwks().into(),
        Route::FalWrongPath => fal::wrong_path().into(),
        Route::Image(file) => serve_image(app, &file).await.into(),
        Route::Ledger => ledger(app, query.as_deref()).into(),
        Route::Stats => {
            let hanging = app.hanging.load(Ordering::Relaxed);
            let now = app.now();
            http::json(StatusCode::OK, &app.state().stats_json(now, hanging)).into()
        }
        Route::Reset => {
            let now = app.now();
            app.state().reset_stats(now);
            http::json(StatusCode::OK, &json!({"reset": true, "sinceMs": now})).into()
        }
        Route::FaultsList => http::json(
            StatusCode::OK,
            &json!({"faults": app.state().faults.list()}),
        )
        .into(),
        Route::FaultsAdd => {
            let (parts, body) = req.into_parts();
            let body = match read_body(&parts.headers, body, MAX_JSON_BODY).await {
                Ok(b) => b,
                Err(BodyError::TooLarge) => {
                    return sandbox_error(StatusCode::PAYLOAD_TOO_LARGE, "body too large").into()
                }
                Err(BodyError::Gone) => return Reply::Drop,
            };
            let spec: Value = match serde_json::from_slice(&body) {
                Ok(v) => v,
                Err(e) => {
                    return sandbox_error(StatusCode::BAD_REQUEST, &format!("invalid JSON: {e}"))
                        .into()
                }
            };
            let added = app.state().faults.add(&spec);
            match added {
                Ok(rule) => http::json(StatusCode::CREATED, &rule).into(),
                Err(e) => sandbox_error(StatusCode::BAD_REQUEST, &e).into(),
            }
        }
        Route::FaultsClear => {
            app.state().faults.clear();
            http::json(StatusCode::OK, &json!({"faults": []})).into()
        }
        Route::Health => http::json(StatusCode::OK, &json!({"ok": true})).into(),
        Route::WrongMethod(allow) => {
            let mut response = sandbox_error(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed");
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static(allow));
            response.into()
        }
        Route::NotFound => sandbox_error(
            StatusCode::NOT_FOUND,
            &format!("Not found: {} {}", req.method(), req.uri().path()),
        )
        .into(),
    }
}

/// Errors of the sandbox's own endpoints: `{"error": "..."}`.
fn sandbox_error(status: StatusCode, message: &str) -> Response<Body> {
    http::json(status, &json!({ "error": message }))
}

enum BodyError {
    TooLarge,
    Gone,
}

/// Reads a whole body of at most `limit` bytes.
async fn read_body(headers: &HeaderMap, body: HyperBody, limit: usize) -> Result<Bytes, BodyError> {
    let announced = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(BodyError::TooLarge)
        }
        Err(_) => Err(BodyError::Gone),
    }
}

/// A provider request: fault, body, handler, then what the fault does to the answer.
async fn provider_request(app: &Arc<App>, operation: Operation, req: Request<HyperBody>) -> Reply {
    let provider = operation.provider();
    let fault = match req.headers().get("x-sandbox-fault").map(|v| v.to_str()) {
        Some(Ok(value)) => match faults::parse_header(value) {
            Ok(f) => Some(f),
            Err(e) => return sandbox_error(StatusCode::BAD_REQUEST, &e).into(),
        },
        Some(Err(_)) => {
            return sandbox_error(StatusCode::BAD_REQUEST, "X-Sandbox-Fault is not ASCII").into()
        }
        None => app.state().faults.draw(provider, operation.endpoint()),
    };
    let (parts, body) = req.into_parts();
    let limit = if matches!(operation, Operation::OpenaiEdits | Operation::AzureEdits) {
        MAX_MULTIPART_BODY
    } else {
        MAX_JSON_BODY
    };
    let body = match read_body(&parts.headers, body, limit).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => return providers::problem(provider, &Problem::TooLarge).into(),
        Err(BodyError::Gone) => return Reply::Drop,
    };
    if let Some(f) = fault {
        if let Some(status) = f.kind.early_status() {
            let problem = if status == 429 {
                Problem::RateLimited {
                    retry_after: f.retry_after,
                }
            } else {
                Problem::Upstream(status)
            };
            return providers::problem(provider, &problem).into();
        }
        if f.kind == FaultKind::Hang {
            return Reply::Hang;
        }
    }
    let job_fault = JobFault {
        fail: fault.is_some_and(|f| f.kind == FaultKind::Fail),
        unknown_status: fault.is_some_and(|f| f.kind == FaultKind::UnknownStatus),
    };
    let incoming = Incoming {
        headers: &parts.headers,
        query: parts.uri.query(),
        body,
    };
    let response = match &operation {
        Operation::ApiframeSubmit => apiframe::submit(app, &incoming, job_fault),
        Operation::ApiframePoll(id) => apiframe::poll(app, &incoming, id, job_fault),
        Operation::Gptimage2Submit => gptimage2ai::submit(app, &incoming, job_fault),
        Operation::Gptimage2Poll(id) => gptimage2ai::poll(app, &incoming, id, job_fault),
        Operation::GetimgGenerate => getimg::generate(app, &incoming, job_fault).await,
        Operation::OpenaiGenerations => openai::generations(app, &incoming, job_fault).await,
        Operation::OpenaiEdits => openai::edits(app, &incoming, job_fault).await,
        Operation::AzureGenerations => {
            azure::generations(app, &incoming, job_fault, azure::Api::Deployments).await
        }
        Operation::AzureV1Generations => {
            azure::generations(app, &incoming, job_fault, azure::Api::V1).await
        }
        Operation::AzureEdits => azure::edits(app, &incoming, job_fault).await,
        Operation::OpenrouterImages => openrouter::images(app, &incoming, job_fault).await,
        Operation::ReplicateCreate(model) => {
            replicate::create(app, &incoming, model, job_fault).await
        }
        Operation::ReplicateGet(id) => replicate::get(app, &incoming, id, job_fault),
        Operation::ReplicateList => replicate::list(app, &incoming),
        Operation::ReplicateSecret => replicate::webhook_secret(app, &incoming),
        Operation::FalSubmit { edit } => fal::submit(app, &incoming, *edit, job_fault).await,
        Operation::FalStatus(id) => fal::status(app, &incoming, id, job_fault),
        Operation::FalResult(id) => fal::result(app, &incoming, id, job_fault),
    };
    apply_late_fault(response, fault)
}

/// Faults that strike after the work is done: drop, malformed and truncated answers.
fn apply_late_fault(response: Response<Body>, fault: Option<Fault>) -> Reply {
    match fault.map(|f| f.kind) {
        Some(FaultKind::Drop) => Reply::Drop,
        Some(FaultKind::Malformed) => http::raw(
            StatusCode::OK,
            "application/json",
            "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>upstream sent an invalid response</body></html>",
        )
        .into(),
        Some(FaultKind::Truncated) => {
            let (parts, body) = response.into_parts();
            Response::from_parts(parts, body.cut()).into()
        }
        _ => response.into(),
    }
}

async fn serve_image(app: &Arc<App>, file: &str) -> Response<Body> {
    let not_found = || sandbox_error(StatusCode::NOT_FOUND, "Image not found or expired");
    let Some((token, ext)) = file.rsplit_once('.') else {
        return not_found();
    };
    match app.asset_bytes(token, ext).await {
        Some((bytes, format)) => {
            let mut response = http::raw(StatusCode::OK, format.mime(), bytes);
            response.headers_mut().insert(
                hyper::header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400, immutable"),
            );
            response
        }
        None => not_found(),
    }
}

fn ledger(app: &Arc<App>, query: Option<&str>) -> Response<Body> {
    let key = query.and_then(|q| {
        q.split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == "key")
            .map(|(_, v)| percent_decode(v))
    });
    let Some(key) = key else {
        return sandbox_error(StatusCode::BAD_REQUEST, "add ?key=API_KEY");
    };
    let now = app.now();
    let mut state = app.state();
    state.settle_due(&key, now);
    match state.accounts.get(&key) {
        Some(account) => http::json(StatusCode::OK, &account.ledger_json()),
        None => sandbox_error(StatusCode::NOT_FOUND, "unknown key"),
    }
}

/// Decodes `%XX` escapes and `+` in a query value.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, b) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Runs the sandbox as a program: prints `listening on http://...`, then serves until a
/// signal, the end of standard input (`--exit-on-stdin-eof`) or `--idle-exit`.
pub async fn run(config: Config) -> Result<(), String> {
    use std::io::Write;
    let exit_on_eof = config.exit_on_stdin_eof;
    let mut signals = TerminationSignals::install()?;
    let server = Server::start(config).await?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "listening on {}", server.base_url()).map_err(|e| e.to_string())?;
        stdout.flush().map_err(|e| e.to_string())?;
    }
    let stdin_closed = async {
        if exit_on_eof {
            wait_for_stdin_eof().await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        _ = server.stopped() => {}
        _ = stdin_closed => eprintln!("sandbox: standard input closed, exiting"),
        signal = signals.recv() => eprintln!("sandbox: {signal}, exiting"),
    }
    server.stop().await;
    Ok(())
}

async fn wait_for_stdin_eof() {
    use tokio::io::AsyncReadExt;
    let mut stdin = tokio::io::stdin();
    let mut buf = [0u8; 1024];
    loop {
        match stdin.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// SIGTERM and SIGINT, listened for from the moment this is created (so a signal that
/// arrives right after the `listening on` line is not missed).
struct TerminationSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl TerminationSignals {
    fn install() -> Result<Self, String> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let term =
                signal(SignalKind::terminate()).map_err(|e| format!("SIGTERM handler: {e}"))?;
            let int =
                signal(SignalKind::interrupt()).map_err(|e| format!("SIGINT handler: {e}"))?;
            Ok(TerminationSignals { term, int })
        }
        #[cfg(not(unix))]
        Ok(TerminationSignals {})
    }

    /// The name of the first signal received.
    async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => "SIGTERM",
                _ = self.int.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "interrupt"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let label = |m: Method, p: &str| resolve(&m, p).1;
        assert_eq!(
            label(Method::POST, "/v2/images/generate"),
            "POST /v2/images/generate"
        );
        assert_eq!(label(Method::GET, "/v2/jobs/abc"), "GET /v2/jobs/{id}");
        assert_eq!(
            label(Method::GET, "/api/generate/x"),
            "GET /api/generate/{jobId}"
        );
        assert!(matches!(
            resolve(&Method::GET, "/v2/images/generate").0,
            Route::WrongMethod("POST")
        ));
        assert!(matches!(resolve(&Method::GET, "/nope").0, Route::NotFound));
        assert!(matches!(
            resolve(&Method::PUT, "/sandbox/faults").0,
            Route::WrongMethod(_)
        ));
    }

    #[test]
    fn decodes_query_values() {
        assert_eq!(percent_decode("sk-a%2Bb+c"), "sk-a+b c");
        assert_eq!(percent_decode("50%"), "50%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
