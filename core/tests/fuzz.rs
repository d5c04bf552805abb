//! A fuzz harness (proptest at scale) over everything that reads untrusted
//! text: provider answers (`parse_job`, every provider, every status class),
//! validation, the URL parser, and the route's body reader
//! (`route::Policy::prepare`). Nothing may panic (a panic in WebAssembly
//! kills the module), every refusal is a coded error, and what is accepted
//! keeps its invariants.
//!
//! `make test` runs `FUZZ_CASES` (default 1000) per target. A long run:
//!     FUZZ_CASES=200000 cargo test --release -p gpt-image-core --test fuzz -- --nocapture

use gpt_image_core::route::Policy;
use gpt_image_core::url::{check, special_range, UrlProblem};
use gpt_image_core::{
    json, parse_job, validate_request, Json, ParseContext, PriceOptions, Provider, ResponseBody,
    ValidateOptions,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000)
}

/// Cases that got past every check (a harness that only ever sees
/// refusals tests little): counted per target and printed.
static ACCEPTED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn accepted() {
    ACCEPTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

fn run<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    ACCEPTED.store(0, std::sync::atomic::Ordering::Relaxed);
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let start = std::time::Instant::now();
    let result = runner.run(&strategy, test);
    let ok = ACCEPTED.load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "{name}: {} cases in {:.1?}, {ok} accepted results",
        cases(),
        start.elapsed()
    );
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

/// Field names the four providers use in answers and requests.
const KEYS: &[&str] = &[
    "id",
    "status",
    "progress",
    "result",
    "images",
    "image",
    "data",
    "url",
    "urls",
    "b64_json",
    "seed",
    "error",
    "message",
    "code",
    "type",
    "usage",
    "input_tokens",
    "output_tokens",
    "input_tokens_details",
    "image_tokens",
    "text_tokens",
    "creditCost",
    "credits",
    "cost",
    "task_id",
    "taskId",
    "jobId",
    "state",
    "output",
    "imageUrl",
    "image_url",
    "created",
    "prompt",
    "quality",
    "size",
    "aspectRatio",
    "count",
    "references",
    "outputFormat",
    "background",
    "model",
    "webhook_url",
    "details",
    "retry_after",
    "percentage",
    "cdn",
    "COMPLETED",
    "FAILED",
    "PROCESSING",
    "succeeded",
    "failed",
    "pending",
    "queued",
];

const STRINGS: &[&str] = &[
    "COMPLETED",
    "FAILED",
    "PROCESSING",
    "PENDING",
    "STAGED",
    "succeeded",
    "failed",
    "queued",
    "running",
    "completed",
    "error",
    "https://cdn.example.com/a.png",
    "http://127.0.0.1/x.png",
    "data:image/png;base64,aGk=",
    "aGk=",
    "low",
    "medium",
    "high",
    "auto",
    "1024x1024",
    "3:2",
    "png",
    "jpeg",
    "webp",
    "",
    "11111111-2222-3333-4444-555555555555",
    "🙂",
    "\u{0}",
];

/// JSON shaped like provider answers and requests: known names, plausible
/// values, and some of everything else.
fn shaped() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        prop_oneof![
            -5.0..200.0f64,
            any::<f64>(),
            Just(f64::MAX),
            Just(-0.0),
            Just(9007199254740993.0)
        ]
        .prop_map(Json::Number),
        (0u32..200).prop_map(|n| Json::Number(f64::from(n))),
        prop::sample::select(STRINGS).prop_map(|s| Json::String(s.to_string())),
        ".{0,12}".prop_map(Json::String),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Json::Array),
            prop::collection::vec(
                (
                    prop_oneof![4 => prop::sample::select(KEYS).prop_map(str::to_string), 1 => "[a-zA-Z_]{1,8}"],
                    inner
                ),
                0..7
            )
            .prop_map(|pairs| Json::Object(gpt_image_core::Map::from_pairs(pairs))),
        ]
    })
}

/// Answers each provider really sends (as in `wire.rs`), for templates.
fn answers() -> Vec<Json> {
    let url = "https://cdn.example.com/a.png";
    vec![
        json!({ "jobId": "j1", "status": "QUEUED" }),
        json!({ "id": "j1", "status": "PROCESSING", "model": "gpt-image-2", "progress": 42 }),
        json!({ "id": "j1", "status": "COMPLETED", "progress": 100, "creditCost": 9, "result": { "images": [url] } }),
        json!({ "id": "j1", "status": "COMPLETED", "creditCost": 46, "result": [url, url] }),
        json!({ "id": "j1", "status": "FAILED", "error": "Content policy violation", "progress": 10 }),
        json!({ "error": "Insufficient credits", "creditsRequired": 23, "creditsAvailable": 4 }),
        json!({ "jobId": "g1", "status": "succeeded", "balance": { "paidCredits": 490 }, "results": [
            { "imageUrl": "https://file.gptimage2.ai/generated/a.png", "finalPrompt": "cup", "seed": 7 } ] }),
        json!({ "jobId": "g1", "status": "running" }),
        json!({ "id": "gi_1", "model": "gpt-image-2", "status": "completed",
            "data": [{ "url": "https://cdn.getimg.ai/a.jpeg", "mime_type": "image/jpeg", "width": 1024, "height": 1024, "seed": 7 }],
            "usage": { "billable_unit": "image", "quantity": 1, "unit_price": 0.06, "total_cost": 0.06 } }),
        json!({ "created": 1, "data": [{ "b64_json": "aGk=" }], "usage": { "input_tokens": 10, "output_tokens": 200,
            "input_tokens_details": { "text_tokens": 10, "image_tokens": 0 } } }),
        json!({ "error": { "type": "invalid_request_error", "message": "bad", "code": "moderation_blocked" } }),
    ]
}

/// A real answer with a few of its values (at any depth) replaced by shaped
/// ones, or removed.
fn answer() -> impl Strategy<Value = Json> {
    let edits = prop::collection::vec(
        (any::<prop::sample::Index>(), prop::option::of(shaped())),
        0..4,
    );
    (prop::sample::select(answers()), edits).prop_map(|(mut v, edits)| {
        for (at, with) in edits {
            let mut paths = Vec::new();
            collect_paths(&v, &mut Vec::new(), &mut paths);
            if paths.is_empty() {
                break;
            }
            replace_at(&mut v, &paths[at.index(paths.len())], with);
        }
        v
    })
}

/// Every path to a value inside `v`, as child positions.
fn collect_paths(v: &Json, here: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    let children: Vec<&Json> = match v {
        Json::Object(m) => m.iter().map(|(_, x)| x).collect(),
        Json::Array(a) => a.iter().collect(),
        _ => Vec::new(),
    };
    for (i, child) in children.into_iter().enumerate() {
        here.push(i);
        out.push(here.clone());
        collect_paths(child, here, out);
        here.pop();
    }
}

fn child(v: &mut Json, i: usize) -> Option<&mut Json> {
    match v {
        Json::Object(m) => m.values_mut().nth(i),
        Json::Array(a) => a.get_mut(i),
        _ => None,
    }
}

/// Replace (or, with `None`, remove) the value at `path`.
fn replace_at(v: &mut Json, path: &[usize], with: Option<Json>) {
    let Some((&last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = v;
    for &i in parents {
        match child(cur, i) {
            Some(next) => cur = next,
            None => return,
        }
    }
    match (cur, with) {
        (Json::Object(m), None) => {
            let key = m.keys().nth(last).cloned();
            if let Some(k) = key {
                m.remove(&k);
            }
        }
        (Json::Array(a), None) if last < a.len() => {
            a.remove(last);
        }
        (cur, Some(w)) => {
            if let Some(slot) = child(cur, last) {
                *slot = w;
            }
        }
        _ => {}
    }
}

/// Requests: known fields with values some provider allows, sometimes junk.
fn request() -> impl Strategy<Value = Json> {
    fn pick(v: &'static [&'static str]) -> BoxedStrategy<Json> {
        prop::sample::select(v).prop_map(|s| json!(s)).boxed()
    }
    fn field(
        name: &'static str,
        good: BoxedStrategy<Json>,
    ) -> BoxedStrategy<(&'static str, Option<Json>)> {
        prop::option::weighted(0.5, prop_oneof![6 => good, 1 => shaped()])
            .prop_map(move |v| (name, v))
            .boxed()
    }
    (
        prop_oneof![8 => "[a-z ]{1,40}".prop_map(|s| json!(s)), 1 => shaped()],
        field("quality", pick(&["low", "medium", "high", "auto"])),
        field(
            "aspectRatio",
            pick(&["1:1", "3:2", "2:3", "16:9", "4:5", "21:9"]),
        ),
        field(
            "size",
            pick(&["1024x1024", "1536x1024", "1024x1536", "auto"]),
        ),
        field("count", (0u32..12).prop_map(|n| json!(n)).boxed()),
        field("outputFormat", pick(&["png", "jpeg", "webp"])),
        field(
            "references",
            prop::collection::vec(
                pick(&[
                    "https://cdn.example.com/a.png",
                    "http://10.0.0.1/x.png",
                    "https://[64:ff9b::a9fe:a9fe]/x",
                ]),
                0..3,
            )
            .prop_map(Json::Array)
            .boxed(),
        ),
        field("resolution", pick(&["1K", "2K", "4K"])),
    )
        .prop_map(|(prompt, a, b, c, d, e, f, g)| {
            let mut m = gpt_image_core::Map::new();
            m.insert("prompt", prompt);
            for (k, v) in [a, b, c, d, e, f, g] {
                if let Some(v) = v {
                    m.insert(k, v);
                }
            }
            Json::Object(m)
        })
}

/// Text: shaped JSON as written, damaged by a few edits, or raw junk.
fn text() -> impl Strategy<Value = String> {
    let edit = (
        0usize..4,
        any::<prop::sample::Index>(),
        "[\"\\\\{}\\[\\]:,0-9eE.\\-u ]",
    );
    prop_oneof![
        4 => (shaped(), prop::collection::vec(edit, 0..3)).prop_map(|(v, edits)| {
            let mut t = v.to_string();
            for (kind, at, with) in edits {
                if t.is_empty() {
                    break;
                }
                let mut i = at.index(t.len());
                while !t.is_char_boundary(i) {
                    i -= 1;
                }
                let next = t[i..].chars().next().map_or(0, char::len_utf8);
                match kind {
                    0 => t.replace_range(i..i + next, ""),
                    1 => t.insert_str(i, &with),
                    2 => t.replace_range(i..i + next, &with),
                    _ => t.truncate(i),
                }
            }
            t
        }),
        4 => answer().prop_map(|v| v.to_string()),
        2 => request().prop_map(|v| v.to_string()),
        1 => ".{0,64}",
        1 => Just("[".repeat(300)),
        1 => (0usize..100).prop_map(|n| format!("{{{}}}", (0..n).map(|i| format!("\"k{i}\":{i}")).collect::<Vec<_>>().join(","))),
    ]
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        3 => prop::sample::select(vec![200u16, 201, 202]),
        2 => prop::sample::select(vec![
            200u16, 201, 202, 204, 400, 401, 402, 403, 404, 408, 409, 422, 429, 500, 502, 503, 504
        ]),
        1 => 0u16..1000,
    ]
}

#[test]
fn parse_job_reads_any_answer_from_any_provider() {
    run(
        "parse_job",
        (text(), status(), prop::option::of("[0-9a-zA-Z ,:-]{0,30}")),
        |(text, status, retry_after)| {
            let ctx = ParseContext {
                retry_after,
                ..ParseContext::default()
            };
            for body in [
                ResponseBody::from_text(&text),
                ResponseBody::NotJson(text.clone()),
            ] {
                for &p in Provider::all() {
                    match parse_job(p, status, &body, &ctx) {
                        Ok(job) => {
                            accepted();
                            prop_assert!(
                                (200..300).contains(&status),
                                "{p:?} {status} accepted {text:?}"
                            );
                            prop_assert!(job.progress.is_none_or(|x| x <= 100));
                            let again = gpt_image_core::Job::from_json(&job.to_json());
                            prop_assert!(again.is_some(), "a job's JSON reads back");
                        }
                        Err(e) => prop_assert!(!e.message.is_empty()),
                    }
                }
            }
            Ok(())
        },
    );
}

#[test]
fn validation_judges_any_value() {
    run(
        "validation",
        (text(), shaped(), request()),
        |(text, value, req)| {
            let parsed = Json::parse(&text).unwrap_or(Json::Null);
            let wrapped = json!({ "prompt": "x", "extra": value.clone() });
            for v in [&parsed, &value, &wrapped, &req] {
                for &p in Provider::all() {
                    for strict in [false, true] {
                        let opts = ValidateOptions {
                            strict,
                            allow_local_urls: !strict,
                            surface: None,
                        };
                        let r = validate_request(p, v, opts);
                        prop_assert_eq!(r.request.is_some(), r.ok());
                        if r.ok() {
                            accepted();
                        }
                        for issue in r.errors.iter().chain(&r.warnings) {
                            prop_assert!(!issue.message.is_empty());
                        }
                    }
                }
            }
            Ok(())
        },
    );
}

#[test]
fn the_url_parser_judges_any_text() {
    let url = prop_oneof![
        ".{0,40}",
        (
            prop::sample::select(vec![
                "https://",
                "http://",
                "HTTPS://",
                "https:/",
                "//",
                "https://u:p@"
            ]),
            prop_oneof![
                "[a-z0-9.\\-]{0,20}",
                "[0-9x.]{1,20}",
                "\\[[0-9a-fA-F:.%]{0,40}\\]",
                prop::sample::select(vec![
                    "cdn.example.com",
                    "8.8.8.8",
                    "[2606:4700::1111]",
                    "[::ffff:8.8.8.8]"
                ])
                .prop_map(str::to_string),
                prop::sample::select(vec![
                    "[::1]",
                    "[64:ff9b::a9fe:a9fe]",
                    "0x7f.1",
                    "localhost",
                    "[2002:7f00:1::]"
                ])
                .prop_map(str::to_string),
            ],
            "(:[0-9]{0,6})?",
            "[a-zA-Z0-9/._~%!$&'()*+,;=:@?#\\[\\] é-]{0,30}"
        )
            .prop_map(|(s, h, port, rest)| format!("{s}{h}{port}/{rest}")),
    ];
    run("url", url, |s| {
        for local in [false, true] {
            match check(&s, local) {
                Ok(u) => {
                    accepted();
                    prop_assert!(u.scheme == "https" || u.scheme == "http");
                    prop_assert!(!u.has_userinfo);
                    if !local {
                        prop_assert_eq!(u.scheme, "https");
                        prop_assert!(!u.loopback && !u.private);
                        prop_assert_eq!(special_range(u.host), None, "{}", s);
                    }
                }
                Err(UrlProblem::Invalid(why) | UrlProblem::Insecure(why)) => {
                    prop_assert!(!why.is_empty())
                }
            }
        }
        Ok(())
    });
}

#[test]
fn the_route_reads_any_body() {
    let policies: Vec<Policy> = Provider::all()
        .iter()
        .map(|&p| {
            Policy::new(
                p,
                &Json::Null,
                &Json::Null,
                Some(1.0),
                PriceOptions::default(),
                ValidateOptions::default(),
            )
            .unwrap()
        })
        .collect();
    let body = prop_oneof![
        text(),
        request().prop_map(|v| v.to_string()),
        shaped().prop_map(|v| v.to_string()),
        (
            shaped(),
            prop::sample::select(vec!["low", "medium", "high", "auto"])
        )
            .prop_map(|(v, q)| {
                json!({ "prompt": "a lighthouse", "quality": q, "extra": v }).to_string()
            }),
    ];
    // Bytes as a caller may send them: JSON text with bytes that are not UTF-8 in it.
    let body = prop_oneof![
        body.prop_map(String::into_bytes),
        (
            request().prop_map(|v| v.to_string().into_bytes()),
            0..64usize
        )
            .prop_map(|(mut bytes, at)| {
                let at = at.min(bytes.len());
                bytes.splice(at..at, [0xff, 0xc3]);
                bytes
            }),
        prop::collection::vec(any::<u8>(), 0..300),
    ];
    run("route body", body, |body| {
        for policy in &policies {
            match policy.prepare(&body) {
                Ok(prepared) => {
                    accepted();
                    prop_assert!(prepared.request.is_object());
                    if let Some(usd) = prepared.estimate.usd {
                        prop_assert!((0.0..=1.0).contains(&usd), "{usd}");
                    }
                }
                Err(refusal) => {
                    prop_assert!(
                        [400, 402, 403, 413].contains(&refusal.status),
                        "{}",
                        refusal.status
                    );
                    prop_assert!(refusal.body["error"]["code"]
                        .as_str()
                        .is_some_and(|c| !c.is_empty()));
                }
            }
        }
        Ok(())
    });
}
