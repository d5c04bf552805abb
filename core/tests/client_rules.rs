//! The client's decisions, driven by a scripted transport and a virtual clock:
//! which failures are retried, which become OUTCOME_UNKNOWN, how many
//! requests go out, how long it waits. (End-to-end behaviour against the
//! sandbox is tested from JavaScript in Node, Chromium and workerd.)

mod support;

use gpt_image_core::client::{Client, ClientConfig, SubmitOptions, WaitOptions};
use gpt_image_core::handle::Handle;
use gpt_image_core::io::{BytesResponse, Io, TransportError};
use gpt_image_core::providers;
use gpt_image_core::{
    json, ErrorCode, HttpRequest, HttpResponse, Job, Json, Provider, ResponseBody,
};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

const KEY: &str = "sk-SECRET-7f3a";

type Reply = Result<HttpResponse, TransportError>;

/// A transport that answers from a script and records what was sent.
struct Scripted {
    replies: RefCell<VecDeque<Reply>>,
    files: RefCell<VecDeque<Result<BytesResponse, TransportError>>>,
    sent: RefCell<Vec<HttpRequest>>,
    fetched: RefCell<Vec<String>>,
    limits: RefCell<Vec<usize>>,
    sent_at: RefCell<Vec<f64>>,
    now: Cell<f64>,
    ids: Cell<u32>,
    abort_after_sleeps: Cell<Option<u32>>,
    sleeps: Cell<u32>,
    /// Where `upload_reference` says it stored bytes (`None`: no uploader).
    upload_url: Cell<Option<&'static str>>,
    /// `(size, mime type)` of every upload.
    uploads: RefCell<Vec<(usize, String)>>,
    /// Streamed answers, for `send_streaming`.
    streams: RefCell<VecDeque<ScriptedStream>>,
}

/// A streamed answer: its status, its chunks, and how it ends.
type ScriptedStream = (u16, Vec<Vec<u8>>, Result<(), TransportError>);

impl Scripted {
    fn new(replies: Vec<Reply>) -> Scripted {
        Scripted {
            replies: RefCell::new(replies.into()),
            files: RefCell::new(VecDeque::new()),
            sent: RefCell::new(Vec::new()),
            fetched: RefCell::new(Vec::new()),
            limits: RefCell::new(Vec::new()),
            sent_at: RefCell::new(Vec::new()),
            now: Cell::new(1_000_000.0),
            ids: Cell::new(0),
            abort_after_sleeps: Cell::new(None),
            sleeps: Cell::new(0),
            upload_url: Cell::new(None),
            uploads: RefCell::new(Vec::new()),
            streams: RefCell::new(VecDeque::new()),
        }
    }

    /// A transport with an uploader that answers `url` (or none, with `None`).
    fn uploading_to(self, url: Option<&'static str>) -> Scripted {
        self.upload_url.set(url);
        self
    }

    /// A transport whose answers stream.
    fn streaming(streams: Vec<ScriptedStream>) -> Scripted {
        let s = Scripted::new(vec![]);
        *s.streams.borrow_mut() = streams.into();
        s
    }

    fn sent(&self) -> Vec<HttpRequest> {
        self.sent.borrow().clone()
    }
}

impl Io for Scripted {
    async fn upload_reference(
        &self,
        bytes: Vec<u8>,
        mime: &str,
    ) -> Result<Option<String>, TransportError> {
        self.uploads
            .borrow_mut()
            .push((bytes.len(), mime.to_string()));
        Ok(self.upload_url.get().map(str::to_string))
    }

    async fn send_streaming(
        &self,
        req: &HttpRequest,
        _t: u64,
        on_part: &mut dyn FnMut(gpt_image_core::io::StreamPart<'_>) -> bool,
    ) -> Result<(), TransportError> {
        use gpt_image_core::io::StreamPart;
        self.sent.borrow_mut().push(req.clone());
        let (status, chunks, end) = self
            .streams
            .borrow_mut()
            .pop_front()
            .expect("a scripted stream");
        if !on_part(StreamPart::Head { status }) {
            return Ok(());
        }
        for c in &chunks {
            if !on_part(StreamPart::Chunk(c)) {
                return Ok(());
            }
        }
        end
    }

    async fn send(
        &self,
        req: &HttpRequest,
        _timeout_ms: u64,
    ) -> Result<HttpResponse, TransportError> {
        self.sent.borrow_mut().push(req.clone());
        self.sent_at.borrow_mut().push(self.now.get());
        self.now.set(self.now.get() + 20.0);
        self.replies
            .borrow_mut()
            .pop_front()
            .unwrap_or(Err(TransportError::Network {
                message: "script ran out".into(),
                maybe_sent: false,
            }))
    }

    async fn fetch_bytes(
        &self,
        url: &str,
        _timeout_ms: u64,
        max_bytes: usize,
    ) -> Result<BytesResponse, TransportError> {
        self.fetched.borrow_mut().push(url.to_string());
        self.limits.borrow_mut().push(max_bytes);
        let file = self
            .files
            .borrow_mut()
            .pop_front()
            .unwrap_or(Err(TransportError::Network {
                message: "no file".into(),
                maybe_sent: false,
            }))?;
        // As a host must: nothing longer than the limit is handed over.
        if file.body.len() > max_bytes {
            return Err(TransportError::TooLarge);
        }
        Ok(file)
    }

    async fn sleep(&self, ms: u64) -> Result<(), TransportError> {
        self.sleeps.set(self.sleeps.get() + 1);
        if self
            .abort_after_sleeps
            .get()
            .is_some_and(|n| self.sleeps.get() > n)
        {
            return Err(TransportError::Aborted);
        }
        self.now.set(self.now.get() + ms as f64);
        Ok(())
    }

    fn now_ms(&self) -> f64 {
        self.now.get()
    }

    fn random(&self) -> f64 {
        0.5
    }

    fn new_id(&self) -> String {
        self.ids.set(self.ids.get() + 1);
        format!("id-{}", self.ids.get())
    }
}

/// Drive a future whose I/O never really waits.
fn run<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn reply(status: u16, body: Json) -> Reply {
    Ok(HttpResponse {
        status,
        headers: vec![],
        body: ResponseBody::Json(body),
    })
}

fn reply_after(status: u16, retry_after: &str, body: Json) -> Reply {
    Ok(HttpResponse {
        status,
        headers: vec![("Retry-After".into(), retry_after.into())],
        body: ResponseBody::Json(body),
    })
}

fn dropped() -> Reply {
    Err(TransportError::Network {
        message: "connection reset".into(),
        maybe_sent: true,
    })
}

fn client(p: Provider) -> Client {
    let mut cfg = ClientConfig::new(support::target(p, KEY, None));
    cfg.typical_duration_ms = Some(10_000.0);
    Client::new(cfg)
}

fn apiframe_job(status: &str, progress: u8) -> Json {
    let mut j = json!({ "id": "11111111-2222-3333-4444-555555555555", "status": status, "progress": progress, "creditCost": null });
    if status == "COMPLETED" {
        j.set(
            "result",
            json!({ "images": ["https://cdn.example.com/a.webp"] }),
        );
        j.set("creditCost", json!(23));
    }
    j
}

fn accepted() -> Reply {
    reply(
        202,
        json!({ "jobId": "11111111-2222-3333-4444-555555555555", "status": "QUEUED" }),
    )
}

fn no_progress(_: &Job) {}

#[test]
fn apiframe_resends_an_unanswered_submit_with_the_same_key() {
    let io = Scripted::new(vec![
        dropped(),
        reply(500, json!({ "error": "boom" })),
        accepted(),
    ]);
    let c = client(providers::APIFRAME);
    let h = run(c.submit(
        &io,
        &json!({ "prompt": "a cat" }),
        &SubmitOptions::default(),
        &mut no_progress,
    ))
    .unwrap();
    assert_eq!(
        h.job_id.as_deref(),
        Some("11111111-2222-3333-4444-555555555555")
    );
    let sent = io.sent();
    assert_eq!(sent.len(), 3);
    let keys: Vec<_> = sent
        .iter()
        .map(|r| r.header("Idempotency-Key").unwrap().to_string())
        .collect();
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
}

#[test]
fn gptimage2ai_never_resends_a_submit_whose_outcome_is_unknown() {
    for unknown in [
        dropped(),
        Err(TransportError::Timeout),
        reply(502, json!({ "error": "bad_gateway" })),
        Ok(HttpResponse {
            status: 200,
            headers: vec![],
            body: ResponseBody::NotJson("{\"jobId\": \"g1\", \"st".into()),
        }),
    ] {
        let io = Scripted::new(vec![
            unknown,
            reply(200, json!({ "jobId": "g2", "status": "pending" })),
        ]);
        let c = client(providers::GPTIMAGE2AI);
        let e = run(c.submit(
            &io,
            &json!({ "prompt": "a cat" }),
            &SubmitOptions::default(),
            &mut no_progress,
        ))
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::OutcomeUnknown, "{e}");
        assert_eq!(io.sent().len(), 1, "sent again: {e}");
        let h = Handle::from_json(e.handle.as_ref().unwrap()).unwrap();
        assert_eq!(h.job_id, None);
        assert_eq!(h.idempotency_key, "id-1");
        assert_eq!(h.request, Some(json!({ "prompt": "a cat" })));
        assert!(e.message.contains("id-1"), "{}", e.message);
    }
}

#[test]
fn refused_submits_are_retried_for_every_provider_after_retry_after() {
    for p in [providers::GPTIMAGE2AI, providers::APIFRAME] {
        let ok = if p == providers::APIFRAME {
            accepted()
        } else {
            reply(200, json!({ "jobId": "g1", "status": "pending" }))
        };
        let io = Scripted::new(vec![
            reply_after(429, "2", json!({ "error": "rate_limited" })),
            reply(503, json!({ "error": "unavailable" })),
            ok,
        ]);
        let c = client(p);
        run(c.submit(
            &io,
            &json!({ "prompt": "a cat" }),
            &SubmitOptions::default(),
            &mut no_progress,
        ))
        .unwrap();
        let at = io.sent_at.borrow().clone();
        assert_eq!(at.len(), 3);
        assert!(at[1] - at[0] >= 2_000.0, "Retry-After ignored: {at:?}");
    }
}

#[test]
fn a_synchronous_providers_error_answer_is_final_but_a_gateway_error_is_unknown() {
    let io = Scripted::new(vec![reply(
        500,
        json!({ "error": { "message": "server_error" } }),
    )]);
    let e = run(client(providers::OPENAI).generate(
        &io,
        &json!({ "prompt": "x" }),
        &SubmitOptions::default(),
        &mut no_progress,
    ))
    .unwrap_err();
    assert_eq!(
        (e.code, e.retryable, io.sent().len()),
        (ErrorCode::ProviderError, true, 1)
    );
    let io = Scripted::new(vec![reply(
        504,
        json!({ "error": { "message": "gateway timeout" } }),
    )]);
    let e = run(client(providers::OPENAI).generate(
        &io,
        &json!({ "prompt": "x" }),
        &SubmitOptions::default(),
        &mut no_progress,
    ))
    .unwrap_err();
    assert_eq!((e.code, io.sent().len()), (ErrorCode::OutcomeUnknown, 1));
}

#[test]
fn errors_that_are_final_are_not_retried() {
    for (status, code) in [
        (401, ErrorCode::Unauthorized),
        (402, ErrorCode::InsufficientCredits),
        (400, ErrorCode::InvalidRequest),
    ] {
        let io = Scripted::new(vec![reply(status, json!({ "error": "no" })), accepted()]);
        let e = run(client(providers::APIFRAME).submit(
            &io,
            &json!({ "prompt": "x" }),
            &SubmitOptions::default(),
            &mut no_progress,
        ))
        .unwrap_err();
        assert_eq!((e.code, io.sent().len()), (code, 1));
    }
}

#[test]
fn budget_and_validation_fail_before_any_request() {
    let io = Scripted::new(vec![]);
    let c = client(providers::APIFRAME);
    let opts = SubmitOptions {
        max_cost_usd: Some(0.10),
        ..Default::default()
    };
    let e = run(c.submit(
        &io,
        &json!({ "prompt": "x", "quality": "high" }),
        &opts,
        &mut no_progress,
    ))
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::BudgetExceeded);
    let e = run(c.submit(
        &io,
        &json!({ "prompt": "" }),
        &SubmitOptions::default(),
        &mut no_progress,
    ))
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidRequest);
    // GPTImage2.ai has no USD price without creditPriceUsd: a budget cannot be checked.
    let opts = SubmitOptions {
        max_cost_usd: Some(100.0),
        ..Default::default()
    };
    let e = run(client(providers::GPTIMAGE2AI).submit(
        &io,
        &json!({ "prompt": "x" }),
        &opts,
        &mut no_progress,
    ))
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::BudgetExceeded);
    assert!(io.sent().is_empty());
}

#[test]
fn progress_guides_polling_to_few_requests() {
    let io = Scripted::new(vec![
        accepted(),
        reply(200, apiframe_job("PROCESSING", 60)),
        reply(200, apiframe_job("COMPLETED", 100)),
    ]);
    let c = client(providers::APIFRAME);
    let mut seen = Vec::new();
    let job = run(c.generate(
        &io,
        &json!({ "prompt": "x" }),
        &SubmitOptions::default(),
        &mut |j: &Job| seen.push(j.status),
    ))
    .unwrap();
    assert_eq!(job.images.len(), 1);
    assert_eq!(job.cost.unwrap().usd, Some(0.23));
    assert_eq!(io.sent().len(), 3, "submit + 2 polls");
    assert_eq!(seen.first(), Some(&gpt_image_core::JobStatus::Queued));
    assert_eq!(seen.last(), Some(&gpt_image_core::JobStatus::Succeeded));
}

#[test]
fn polls_retry_transient_failures() {
    let io = Scripted::new(vec![
        accepted(),
        dropped(),
        reply_after(429, "1", json!({ "error": "slow" })),
        Ok(HttpResponse {
            status: 200,
            headers: vec![],
            body: ResponseBody::NotJson("<html>".into()),
        }),
        reply(502, json!({ "error": "bad gateway" })),
        reply(200, apiframe_job("COMPLETED", 100)),
    ]);
    let job = run(client(providers::APIFRAME).generate(
        &io,
        &json!({ "prompt": "x" }),
        &SubmitOptions::default(),
        &mut no_progress,
    ));
    assert_eq!(job.unwrap().status, gpt_image_core::JobStatus::Succeeded);
}

#[test]
fn the_deadline_ends_waiting_and_the_handle_resumes() {
    let mut replies = vec![accepted()];
    replies.extend((0..40).map(|_| reply(200, apiframe_job("PROCESSING", 10))));
    let io = Scripted::new(replies);
    let c = client(providers::APIFRAME);
    let opts = SubmitOptions {
        deadline_ms: Some(30_000.0),
        ..Default::default()
    };
    let e = run(c.generate(&io, &json!({ "prompt": "x" }), &opts, &mut no_progress)).unwrap_err();
    assert_eq!(e.code, ErrorCode::DeadlineExceeded);
    let polls = io.sent().len() - 1;
    assert!((2..=12).contains(&polls), "{polls} polls in 30 s");
    let h = Handle::from_json(e.handle.as_ref().unwrap()).unwrap();
    // Resume in a fresh client from the handle's JSON text.
    let h = Handle::from_json(&Json::parse(&h.to_json().to_string()).unwrap()).unwrap();
    let io2 = Scripted::new(vec![reply(200, apiframe_job("COMPLETED", 100))]);
    let job = run(client(providers::APIFRAME).wait_for(
        &io2,
        &h,
        &WaitOptions {
            deadline_ms: Some(60_000.0),
        },
        &mut no_progress,
    ));
    assert_eq!(job.unwrap().images.len(), 1);
}

#[test]
fn abort_stops_waiting_with_a_resumable_handle() {
    let io = Scripted::new(vec![accepted(), reply(200, apiframe_job("PROCESSING", 30))]);
    io.abort_after_sleeps.set(Some(1));
    let e = run(client(providers::APIFRAME).generate(
        &io,
        &json!({ "prompt": "x" }),
        &SubmitOptions::default(),
        &mut no_progress,
    ))
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Aborted);
    assert!(Handle::from_json(e.handle.as_ref().unwrap())
        .unwrap()
        .job_id
        .is_some());
}

#[test]
fn a_failed_job_is_job_failed_with_its_reason() {
    let io = Scripted::new(vec![
        accepted(),
        reply(
            200,
            json!({ "id": "11111111-2222-3333-4444-555555555555", "status": "FAILED", "error": "Content policy" }),
        ),
    ]);
    let e = run(client(providers::APIFRAME).generate(
        &io,
        &json!({ "prompt": "x" }),
        &SubmitOptions::default(),
        &mut no_progress,
    ))
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::JobFailed);
    assert!(e.message.contains("Content policy"));
    assert_eq!(
        e.job_id.as_deref(),
        Some("11111111-2222-3333-4444-555555555555")
    );
}

#[test]
fn an_unknown_apiframe_submit_is_found_again_by_replaying_its_key() {
    // Every attempt dropped: OUTCOME_UNKNOWN with the request kept...
    let io = Scripted::new((0..4).map(|_| dropped()).collect());
    let e = run(client(providers::APIFRAME).submit(
        &io,
        &json!({ "prompt": "x" }),
        &SubmitOptions::default(),
        &mut no_progress,
    ))
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::OutcomeUnknown);
    let handle = Handle::from_json(e.handle.as_ref().unwrap()).unwrap();
    // ...then waitFor replays the same key, which returns the original job.
    let io2 = Scripted::new(vec![accepted(), reply(200, apiframe_job("COMPLETED", 100))]);
    let job = run(client(providers::APIFRAME).wait_for(
        &io2,
        &handle,
        &WaitOptions::default(),
        &mut no_progress,
    ))
    .unwrap();
    assert_eq!(job.images.len(), 1);
    assert_eq!(
        io2.sent()[0].header("Idempotency-Key"),
        Some(handle.idempotency_key.as_str())
    );
}

#[test]
fn getimg_makes_n_images_with_n_calls_and_keeps_partial_results() {
    let ok = |n: u32| {
        reply(
            200,
            json!({ "id": format!("gi_{n}"), "status": "completed", "data": [{ "url": format!("https://cdn.example.com/{n}.png") }], "usage": { "total_cost": 0.06 } }),
        )
    };
    let io = Scripted::new(vec![ok(1), ok(2), ok(3)]);
    let job = run(client(providers::GETIMG).generate(
        &io,
        &json!({ "prompt": "x", "count": 3 }),
        &SubmitOptions::default(),
        &mut no_progress,
    ))
    .unwrap();
    assert_eq!((job.images.len(), job.cost.unwrap().usd), (3, Some(0.18)));
    let io = Scripted::new(vec![ok(1), dropped(), ok(3)]);
    let e = run(client(providers::GETIMG).generate(
        &io,
        &json!({ "prompt": "x", "count": 3 }),
        &SubmitOptions::default(),
        &mut no_progress,
    ))
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::OutcomeUnknown);
    let h = Handle::from_json(e.handle.as_ref().unwrap()).unwrap();
    assert_eq!(
        h.result.unwrap().images.len(),
        2,
        "the images that were made are kept"
    );
}

#[test]
fn openai_edits_upload_downloaded_references_and_refuse_private_redirects() {
    let png = b"\x89PNG\r\n\x1a\n-fake-png-bytes".to_vec();
    let io = Scripted::new(vec![reply(
        200,
        json!({ "created": 1, "data": [{ "b64_json": "aGk=" }], "usage": { "input_tokens": 10, "output_tokens": 200, "input_tokens_details": { "text_tokens": 10, "image_tokens": 0 } } }),
    )]);
    io.files.borrow_mut().push_back(Ok(BytesResponse {
        status: 302,
        location: Some("/final.png".into()),
        body: vec![],
    }));
    io.files.borrow_mut().push_back(Ok(BytesResponse {
        status: 200,
        location: None,
        body: png.clone(),
    }));
    // A size JSON edits do not take: multipart, the reference downloaded.
    let req = json!({ "prompt": "hat", "references": ["https://cdn.example.com/start.png"], "size": "1536x864" });
    let job = run(client(providers::OPENAI).generate(
        &io,
        &req,
        &SubmitOptions::default(),
        &mut no_progress,
    ))
    .unwrap();
    assert_eq!(job.images[0].b64.as_deref(), Some("aGk="));
    assert_eq!(
        *io.fetched.borrow(),
        [
            "https://cdn.example.com/start.png",
            "https://cdn.example.com/final.png"
        ]
    );
    let sent = &io.sent()[0];
    assert_eq!(sent.url, "https://api.openai.com/v1/images/edits");
    assert!(sent
        .header("content-type")
        .unwrap()
        .starts_with("multipart/form-data; boundary="));
    let gpt_image_core::Body::Bytes(body) = &sent.body else {
        panic!("multipart bytes")
    };
    assert!(body.windows(png.len()).any(|w| w == png.as_slice()));

    let io = Scripted::new(vec![]);
    io.files.borrow_mut().push_back(Ok(BytesResponse {
        status: 302,
        location: Some("https://169.254.169.254/latest/meta-data".into()),
        body: vec![],
    }));
    let e = run(client(providers::OPENAI).generate(
        &io,
        &req,
        &SubmitOptions::default(),
        &mut no_progress,
    ))
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidRequest);
    assert!(io.sent().is_empty());
}

#[test]
fn reference_downloads_are_limited_before_they_are_held() {
    // The client asks the host for at most its limit (50 MB unless set
    // lower) and refuses, sending nothing, when the host says it was more.
    let png = b"\x89PNG\r\n\x1a\n-fake-png-bytes".to_vec();
    // A size only multipart edits take: the reference is downloaded here.
    let req = json!({ "prompt": "hat", "references": ["https://cdn.example.com/big.png"], "size": "1536x864" });
    for (limit, want) in [
        (None, 50 * 1024 * 1024),
        (Some(16), 16),
        (Some(usize::MAX), 50 * 1024 * 1024),
    ] {
        let io = Scripted::new(vec![]);
        io.files.borrow_mut().push_back(Ok(BytesResponse {
            status: 200,
            location: None,
            body: png.clone(),
        }));
        let mut cfg = ClientConfig::new(support::target(providers::OPENAI, KEY, None));
        if let Some(limit) = limit {
            cfg.max_reference_bytes = limit;
        }
        let result =
            run(Client::new(cfg).generate(&io, &req, &SubmitOptions::default(), &mut no_progress));
        assert_eq!(*io.limits.borrow(), [want]);
        if want < png.len() {
            let e = result.unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidRequest);
            assert!(
                e.issues[0].message.contains("over 16 bytes"),
                "{}",
                e.issues[0].message
            );
            assert!(io.sent().is_empty());
        }
    }
}

#[test]
fn the_key_appears_in_no_error() {
    // A hostile upstream that echoes the key back in every error it sends.
    let mut details = gpt_image_core::Map::new();
    details.insert(KEY, json!([KEY]));
    let echo = json!({ "error": format!("key {KEY} is invalid"), "details": details });
    let cases: Vec<(Provider, Vec<Reply>)> = vec![
        (providers::APIFRAME, vec![reply(401, echo.clone())]),
        (providers::APIFRAME, vec![reply(400, echo.clone())]),
        (
            providers::OPENAI,
            vec![reply(500, json!({ "error": { "message": KEY } }))],
        ),
        (
            providers::GPTIMAGE2AI,
            vec![Err(TransportError::Network {
                message: format!("reset by {KEY}"),
                maybe_sent: true,
            })],
        ),
        (
            providers::GETIMG,
            vec![Ok(HttpResponse {
                status: 200,
                headers: vec![],
                body: ResponseBody::NotJson(KEY.into()),
            })],
        ),
        (
            providers::APIFRAME,
            vec![
                accepted(),
                reply(200, json!({ "id": "1", "status": "FAILED", "error": KEY })),
            ],
        ),
    ];
    for (p, replies) in cases {
        let io = Scripted::new(replies);
        let e = run(client(p).generate(
            &io,
            &json!({ "prompt": "x" }),
            &SubmitOptions::default(),
            &mut no_progress,
        ))
        .unwrap_err();
        let everything = format!("{e} {e:?} {}", e.to_json());
        assert!(
            !everything.contains(KEY),
            "{p:?} leaked the key: {everything}"
        );
    }
    assert!(!format!("{:?}", client(providers::OPENAI)).contains(KEY));
}

/// The longest run of `key` found in `text`.
fn longest_run(text: &str, key: &str) -> usize {
    let mut best = 0;
    for i in 0..key.len() {
        let mut j = i + best + 1;
        while j <= key.len() && text.contains(&key[i..j]) {
            best = j - i;
            j += 1;
        }
    }
    best
}

#[test]
fn no_sixteen_characters_of_a_real_length_key_reach_an_error_or_a_job() {
    // Keys of real shape and length: OpenAI project keys are 164 characters;
    // the others at least 100.
    let alphabet = b"AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-";
    let tail = |n: usize, salt: usize| -> String {
        (0..n)
            .map(|i| alphabet[(i * 7 + salt) % alphabet.len()] as char)
            .collect()
    };
    let keys = [
        (providers::OPENAI, format!("sk-proj-{}", tail(156, 1))),
        (providers::APIFRAME, format!("afk_{}", tail(100, 2))),
        (providers::GPTIMAGE2AI, format!("g2_{}", tail(100, 3))),
        (providers::GETIMG, format!("gi_{}", tail(100, 4))),
    ];
    for (p, key) in &keys {
        // The key whole, and cut at points on both sides of every length we cut
        // text to (100, 200, 300 characters), in message, code, param and keys.
        for cut in [0, 10, 24, 90, 99, 100, 101, 150, 199, 200, 201, 290, 299] {
            let prefix = "x".repeat(cut);
            let said = format!("{prefix}{key} {}", &key[key.len() / 2..]);
            let mut fields = gpt_image_core::Map::new();
            fields.insert(format!("{prefix}{key}"), json!([said.clone()]));
            let echo = json!({
                "error": { "message": said, "code": format!("{prefix}{key}"), "param": key, "type": key },
                "details": fields,
            });
            let mut keyed = gpt_image_core::Map::new();
            keyed.insert(key.as_str(), json!([key.as_str()]));
            let flat = json!({ "error": said, "details": keyed });
            for body in [echo, flat] {
                for status in [400, 401, 403, 500] {
                    let io = Scripted::new(vec![reply(status, body.clone())]);
                    let c = {
                        let mut cfg = ClientConfig::new(support::target(*p, key, None));
                        cfg.max_retries = 0;
                        Client::new(cfg)
                    };
                    let e = run(c.generate(
                        &io,
                        &json!({ "prompt": "x" }),
                        &SubmitOptions::default(),
                        &mut no_progress,
                    ))
                    .unwrap_err();
                    let everything = format!("{e} {e:?} {}", e.to_json());
                    let run = longest_run(&everything, key);
                    assert!(
                        run < 16,
                        "{p:?} {status} cut {cut}: {run} characters of the key: {everything}"
                    );
                }
            }
        }
        // A job the provider says failed, with the key in its reason and id.
        if *p == providers::APIFRAME {
            let io = Scripted::new(vec![reply(
                200,
                json!({ "id": key, "status": "FAILED", "error": format!("bad key {key}") }),
            )]);
            let c = Client::new(ClientConfig::new(support::target(*p, key, None)));
            let handle = Handle::from_json(&json!({
                "v": 1, "provider": "apiframe", "jobId": "11111111-2222-3333-4444-555555555555",
                "idempotencyKey": "k", "submittedAt": 1.0, "deadline": 2.0, "count": 1
            }))
            .unwrap();
            let job = run(c.get_job(&io, &handle)).unwrap();
            let text = job.to_json().to_string();
            assert!(longest_run(&text, key) < 16, "{text}");
        }
    }
}

/// A handle whose submit got no answer, made `age_ms` before the transport's clock.
fn lost_submit(p: Provider, io: &Scripted, age_ms: f64) -> Handle {
    io.now.set(1.8e12); // November 2026
    let mut h = Handle::from_json(&json!({
        "v": 1, "provider": p.id(), "jobId": null, "idempotencyKey": "lost-submit-key",
        "submittedAt": io.now.get() - age_ms, "deadline": io.now.get() + 600_000.0, "count": 1,
        "request": { "prompt": "x" }
    }))
    .unwrap();
    h.deadline = io.now.get() + 600_000.0;
    h
}

#[test]
fn get_job_only_reads_a_handle_that_names_no_job() {
    for &p in Provider::all() {
        let io = Scripted::new(vec![accepted()]);
        let h = lost_submit(p, &io, 1000.0);
        let e = run(client(p).get_job(&io, &h)).unwrap_err();
        assert_eq!(e.code, ErrorCode::OutcomeUnknown, "{p:?}");
        assert!(e.handle.is_some() && e.message.contains("recover"), "{e}");
        assert!(io.sent().is_empty(), "{p:?}: getJob sent {:?}", io.sent());
    }
}

#[test]
fn recover_resends_only_inside_the_providers_idempotency_window() {
    let hour = 3_600_000.0;
    // Apiframe, 22 h 59 min after the submit: the same key again, which finds the job.
    let io = Scripted::new(vec![accepted()]);
    let h = lost_submit(providers::APIFRAME, &io, 23.0 * hour - 60_000.0);
    let found = run(client(providers::APIFRAME).recover(&io, &h)).unwrap();
    assert_eq!(
        found.job_id.as_deref(),
        Some("11111111-2222-3333-4444-555555555555")
    );
    assert!(found.request.is_none());
    assert_eq!(io.sent().len(), 1);
    assert_eq!(
        io.sent()[0].header("Idempotency-Key"),
        Some("lost-submit-key")
    );
    // A handle that names its job comes back as it is, with nothing sent.
    let io = Scripted::new(vec![]);
    assert_eq!(
        run(client(providers::APIFRAME).recover(&io, &found)).unwrap(),
        found
    );
    assert!(io.sent().is_empty());
    // Past 23 h (Apiframe replays keys for 24 h), and from the future: nothing sent.
    for age in [23.0 * hour + 1.0, 25.0 * hour, -3_600_000.0] {
        let io = Scripted::new(vec![accepted()]);
        let h = lost_submit(providers::APIFRAME, &io, age);
        let e = run(client(providers::APIFRAME).recover(&io, &h)).unwrap_err();
        assert_eq!(e.code, ErrorCode::OutcomeUnknown);
        assert!(io.sent().is_empty(), "age {age}");
        let e = run(client(providers::APIFRAME).wait_for(
            &io,
            &h,
            &WaitOptions::default(),
            &mut no_progress,
        ))
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::OutcomeUnknown);
        assert!(io.sent().is_empty(), "waitFor, age {age}");
        if age > 0.0 {
            assert!(
                e.message.contains("24 h") && e.message.contains("23 h"),
                "{e}"
            );
        }
    }
    // Providers that do not deduplicate: never sent again, whatever the age.
    for p in [providers::GPTIMAGE2AI, providers::GETIMG, providers::OPENAI] {
        let io = Scripted::new(vec![accepted()]);
        let h = lost_submit(p, &io, 1000.0);
        let e = run(client(p).recover(&io, &h)).unwrap_err();
        assert_eq!(e.code, ErrorCode::OutcomeUnknown, "{p:?}");
        assert!(e.message.contains("bill twice"), "{e}");
        assert!(io.sent().is_empty(), "{p:?}");
    }
}

#[test]
fn openai_edits_go_as_json_when_they_can_with_bytes_as_data_urls() {
    let png = gpt_image_core::image::encode_base64(
        b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x04\0\0\0\x04\0\x08\x06\0\0\0",
    );
    let reference = format!("data:image/png;base64,{png}");
    let answer = json!({ "created": 1, "data": [{ "b64_json": "aGk=" }], "usage": { "input_tokens": 10, "output_tokens": 200, "input_tokens_details": { "text_tokens": 10, "image_tokens": 0 } } });
    let io = Scripted::new(vec![reply(200, answer.clone())]);
    let req = json!({ "prompt": "hat", "references": [reference, "https://cdn.example.com/b.png"], "mask": reference, "inputFidelity": "high", "size": "1024x1024", "moderation": "low", "user": "u-1" });
    run(client(providers::OPENAI).generate(&io, &req, &SubmitOptions::default(), &mut no_progress))
        .unwrap();
    assert!(
        io.fetched.borrow().is_empty(),
        "OpenAI fetches JSON edits' URLs itself"
    );
    let sent = &io.sent()[0];
    assert_eq!(sent.url, "https://api.openai.com/v1/images/edits");
    let gpt_image_core::Body::Json(body) = &sent.body else {
        panic!("a JSON edit")
    };
    assert_eq!(
        body["images"][0]["image_url"].as_str(),
        Some(reference.as_str())
    );
    assert_eq!(
        body["images"][1]["image_url"],
        "https://cdn.example.com/b.png"
    );
    assert_eq!(body["mask"]["image_url"].as_str(), Some(reference.as_str()));
    assert_eq!(
        (
            body["input_fidelity"].as_str(),
            body["moderation"].as_str(),
            body["user"].as_str()
        ),
        (Some("high"), Some("low"), Some("u-1"))
    );

    // A size only multipart takes: the data URL decoded (not fetched), the URL downloaded, the mask attached.
    let io = Scripted::new(vec![reply(200, answer)]);
    io.files.borrow_mut().push_back(Ok(BytesResponse {
        status: 200,
        location: None,
        body: b"\xFF\xD8\xFFjpeg".to_vec(),
    }));
    let req = json!({ "prompt": "hat", "references": [reference, "https://cdn.example.com/b.jpg"], "mask": reference, "size": "1536x864" });
    run(client(providers::OPENAI).generate(&io, &req, &SubmitOptions::default(), &mut no_progress))
        .unwrap();
    assert_eq!(*io.fetched.borrow(), ["https://cdn.example.com/b.jpg"]);
    let gpt_image_core::Body::Bytes(body) = &io.sent()[0].body else {
        panic!("multipart")
    };
    let text = String::from_utf8_lossy(body);
    assert!(
        text.contains("name=\"image[]\"; filename=\"reference-0.png\"\r\nContent-Type: image/png"),
        "{text}"
    );
    assert!(text.contains("name=\"mask\"; filename=\"mask-0.png\"\r\nContent-Type: image/png"));
    assert!(!text.contains("moderation"));
}

#[test]
fn url_only_providers_take_bytes_through_upload_reference() {
    let reference = format!(
        "data:image/png;base64,{}",
        gpt_image_core::image::encode_base64(b"\x89PNG\r\n\x1a\nbytes")
    );
    let req =
        json!({ "prompt": "hat", "references": [reference, "https://cdn.example.com/b.png"] });
    let io = Scripted::new(vec![accepted()]).uploading_to(Some("https://r2.example.com/u/1.png"));
    let h = run(client(providers::APIFRAME).submit(
        &io,
        &req,
        &SubmitOptions::default(),
        &mut no_progress,
    ))
    .unwrap();
    assert_eq!(*io.uploads.borrow(), [(13, "image/png".to_string())]);
    let gpt_image_core::Body::Json(body) = &io.sent()[0].body else {
        panic!("JSON")
    };
    assert_eq!(
        body["gptImage2Params"]["input_images"],
        json!([
            "https://r2.example.com/u/1.png",
            "https://cdn.example.com/b.png"
        ])
    );
    assert!(h.job_id.is_some());
    // No uploader: refused, naming the option, nothing sent.
    let io = Scripted::new(vec![accepted()]).uploading_to(None);
    let e = run(client(providers::APIFRAME).submit(
        &io,
        &req,
        &SubmitOptions::default(),
        &mut no_progress,
    ))
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidRequest);
    assert!(
        e.to_json().to_string().contains("uploadReference"),
        "{}",
        e.to_json()
    );
    assert!(io.sent().is_empty());
    // An invalid request uploads nothing.
    let io = Scripted::new(vec![]).uploading_to(Some("https://r2.example.com/u/2.png"));
    let bad = json!({ "prompt": "", "references": [reference] });
    assert!(run(client(providers::APIFRAME).submit(
        &io,
        &bad,
        &SubmitOptions::default(),
        &mut no_progress
    ))
    .is_err());
    assert!(io.uploads.borrow().is_empty());
}

#[test]
fn openai_streams_partial_images_then_the_job_and_never_resends_a_broken_stream() {
    use gpt_image_core::client::PartialImage;
    let sse = |events: &[(&str, Json)]| -> Vec<u8> {
        events
            .iter()
            .map(|(name, data)| format!("event: {name}\ndata: {data}\n\n"))
            .collect::<String>()
            .into_bytes()
    };
    let stream = sse(&[
        (
            "image_generation.partial_image",
            json!({ "type": "image_generation.partial_image", "b64_json": "cDA=", "partial_image_index": 0 }),
        ),
        (
            "image_generation.partial_image",
            json!({ "type": "image_generation.partial_image", "b64_json": "cDE=", "partial_image_index": 1 }),
        ),
        (
            "image_generation.completed",
            json!({ "type": "image_generation.completed", "b64_json": "ZmluYWw=", "usage": { "input_tokens": 10, "output_tokens": 200, "input_tokens_details": { "text_tokens": 10, "image_tokens": 0 } } }),
        ),
    ]);
    // Cut into awkward pieces: events span chunks.
    let chunks: Vec<Vec<u8>> = stream.chunks(11).map(<[u8]>::to_vec).collect();
    let io = Scripted::streaming(vec![(200, chunks, Ok(()))]);
    let opts = SubmitOptions {
        partial_images: Some(2),
        ..Default::default()
    };
    let mut partials: Vec<PartialImage> = Vec::new();
    let c = client(providers::OPENAI);
    let h = run(c.submit_streaming(
        &io,
        &json!({ "prompt": "x", "quality": "low" }),
        &opts,
        &mut no_progress,
        &mut |p| partials.push(p.clone()),
    ))
    .unwrap();
    assert_eq!(
        partials
            .iter()
            .map(|p| (p.index, p.b64.as_str()))
            .collect::<Vec<_>>(),
        [(0, "cDA="), (1, "cDE=")]
    );
    let job = h.result.unwrap();
    assert_eq!(job.images[0].b64.as_deref(), Some("ZmluYWw="));
    assert!(job.cost.unwrap().exact);
    let sent = io.sent();
    let gpt_image_core::Body::Json(body) = &sent[0].body else {
        panic!("JSON")
    };
    assert_eq!(
        (body["stream"].as_bool(), body["partial_images"].as_u64()),
        (Some(true), Some(2))
    );

    // Cut after a partial image: the image may be billed, so OUTCOME_UNKNOWN, sent once.
    let cut = sse(&[(
        "image_generation.partial_image",
        json!({ "type": "image_generation.partial_image", "b64_json": "cDA=", "partial_image_index": 0 }),
    )]);
    let io = Scripted::streaming(vec![(
        200,
        vec![cut],
        Err(TransportError::Network {
            message: "reset".into(),
            maybe_sent: true,
        }),
    )]);
    let e = run(c.submit_streaming(
        &io,
        &json!({ "prompt": "x" }),
        &opts,
        &mut no_progress,
        &mut |_| {},
    ))
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::OutcomeUnknown);
    assert!(e.handle.is_some());
    assert_eq!(io.sent().len(), 1);

    // An error answer is read like any other; an error event fails the job.
    let refusal = br#"{"error":{"message":"Invalid value","type":"invalid_request_error","param":"size","code":"invalid_value"}}"#.to_vec();
    let failed = sse(&[(
        "error",
        json!({ "type": "error", "error": { "message": "moderation_blocked" } }),
    )]);
    let io = Scripted::streaming(vec![
        (400, vec![refusal], Ok(())),
        (200, vec![failed], Ok(())),
    ]);
    let e = run(c.submit_streaming(
        &io,
        &json!({ "prompt": "x" }),
        &opts,
        &mut no_progress,
        &mut |_| {},
    ))
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidRequest);
    let e = run(c.submit_streaming(
        &io,
        &json!({ "prompt": "x" }),
        &opts,
        &mut no_progress,
        &mut |_| {},
    ))
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::JobFailed);
}

fn prediction(id: &str, created_at: &str, input: Json) -> Json {
    json!({ "id": id, "model": "openai/gpt-image-2", "status": "processing", "created_at": created_at, "input": input, "urls": {} })
}

#[test]
fn replicate_recovers_a_lost_submit_from_its_listing_and_never_resends() {
    let p = providers::REPLICATE;
    // Submitted at 1.8e12 - 1000 ms (2027-01-15T08:00:00Z less a second).
    let mine = json!({ "prompt": "x" });
    let created = "2027-01-15T07:59:59.500Z";
    // Page 1: a prediction with another input, and the next page's cursor.
    let page1 = json!({
        "next": "https://api.replicate.com/v1/predictions?cursor=cD0yMDI3",
        "results": [prediction("other", created, json!({ "prompt": "y" }))],
    });
    // Page 2: the lost one, beside an identical input made long before the submit.
    let page2 = json!({
        "next": null,
        "results": [
            prediction("mine", created, mine.clone()),
            prediction("older", "2027-01-15T07:00:00Z", mine.clone()),
        ],
    });
    let io = Scripted::new(vec![reply(200, page1), reply(200, page2)]);
    let h = lost_submit(p, &io, 1000.0);
    let found = run(client(p).recover(&io, &h)).unwrap();
    assert_eq!(found.job_id.as_deref(), Some("mine"));
    assert!(found.request.is_none());
    let sent = io.sent();
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|r| r.method == "GET"), "{sent:?}");
    assert!(
        sent[0].url.starts_with(
            "https://api.replicate.com/v1/predictions?created_after=2027-01-15T07%3A54%3A59"
        ),
        "{}",
        sent[0].url
    );
    assert_eq!(
        sent[1].url,
        "https://api.replicate.com/v1/predictions?cursor=cD0yMDI3"
    );
    assert_eq!(
        sent[0].header("authorization"),
        Some("Bearer sk-SECRET-7f3a")
    );

    // Not listed: OUTCOME_UNKNOWN, and the submit is never sent again.
    let io = Scripted::new(vec![reply(200, json!({ "next": null, "results": [] }))]);
    let h = lost_submit(p, &io, 1000.0);
    let e = run(client(p).recover(&io, &h)).unwrap_err();
    assert_eq!(e.code, ErrorCode::OutcomeUnknown);
    assert!(
        e.message.contains("not sent again") && e.handle.is_some(),
        "{e}"
    );
    assert!(io.sent().iter().all(|r| r.method == "GET"));

    // A hostile `next` cannot send the key elsewhere: only a cursor is kept.
    let io = Scripted::new(vec![reply(
        200,
        json!({ "next": "https://evil.example/steal?cursor=a\"b", "results": [] }),
    )]);
    let h = lost_submit(p, &io, 1000.0);
    run(client(p).recover(&io, &h)).unwrap_err();
    assert_eq!(io.sent().len(), 1);
    // The listing unreadable: still unknown, with why.
    let io = Scripted::new(vec![reply(500, json!({ "detail": "boom" }))]);
    let h = lost_submit(p, &io, 1000.0);
    let e = run(client(p).recover(&io, &h)).unwrap_err();
    assert_eq!(e.code, ErrorCode::OutcomeUnknown);
    assert!(e.message.contains("answered 500"), "{e}");
}

#[test]
fn replicate_submits_carry_the_deadline_as_cancel_after() {
    let p = providers::REPLICATE;
    let io = Scripted::new(vec![reply(
        201,
        prediction("p1", "2027-01-15T08:00:00Z", json!({ "prompt": "a cat" })),
    )]);
    let opts = SubmitOptions {
        deadline_ms: Some(90_000.0),
        ..SubmitOptions::default()
    };
    let h =
        run(client(p).submit(&io, &json!({ "prompt": "a cat" }), &opts, &mut no_progress)).unwrap();
    assert_eq!(h.job_id.as_deref(), Some("p1"));
    let sent = io.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].header("cancel-after"), Some("90s"));
    assert!(sent[0].header("idempotency-key").is_none());
}

#[test]
fn fal_polls_the_status_then_fetches_the_result_once() {
    let p = providers::FAL;
    let io = Scripted::new(vec![
        reply(200, json!({ "request_id": "r1", "status": "IN_QUEUE" })),
        reply(202, json!({ "status": "IN_PROGRESS" })),
        reply(200, json!({ "status": "COMPLETED" })),
        reply(
            200,
            json!({ "images": [{ "url": "https://v3.fal.media/a.png", "width": 1024, "height": 768 }] }),
        ),
    ]);
    let opts = SubmitOptions {
        deadline_ms: Some(120_000.0),
        ..SubmitOptions::default()
    };
    let job = run(client(p).generate(
        &io,
        &json!({ "prompt": "a kite", "quality": "medium", "aspectRatio": "4:3" }),
        &opts,
        &mut no_progress,
    ))
    .unwrap();
    assert_eq!(job.status, gpt_image_core::JobStatus::Succeeded);
    assert_eq!(job.id.as_deref(), Some("r1"));
    // No usage in the answer: priced from the table at the quality asked (1024x768 as
    // 1024x1024: fal's prices do not fall below it), as an estimate.
    let cost = job.cost.unwrap();
    assert!(!cost.exact && cost.usd == Some(0.06), "{cost:?}");
    let sent = io.sent();
    let urls: Vec<&str> = sent.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(
        urls,
        vec![
            "https://queue.fal.run/openai/gpt-image-2",
            "https://queue.fal.run/openai/gpt-image-2/requests/r1/status",
            "https://queue.fal.run/openai/gpt-image-2/requests/r1/status",
            "https://queue.fal.run/openai/gpt-image-2/requests/r1",
        ]
    );
    assert_eq!(sent[0].header("x-fal-request-start-timeout"), Some("120"));
    assert_eq!(sent[0].header("authorization"), Some("Key sk-SECRET-7f3a"));
}
