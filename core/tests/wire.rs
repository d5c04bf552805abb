//! Requests built for each provider, and every answer each one can send.

mod support;

use gpt_image_core::providers;
use gpt_image_core::{
    build_poll_request, build_submit_request, parse_job, Body, ErrorCode, JobStatus, ParseContext,
    Plan, PriceOptions, Provider, ResponseBody, Target,
};
use gpt_image_core::{json, Json as Value};

fn target(p: Provider, base: Option<&str>) -> Target {
    support::target(p, "KEY123", base)
}

fn body_json(body: &Body) -> Value {
    match body {
        Body::Json(v) => v.clone(),
        other => panic!("expected JSON text, got {:?}", matches!(other, Body::Empty)),
    }
}

fn parse(
    p: Provider,
    status: u16,
    body: Value,
) -> Result<gpt_image_core::Job, gpt_image_core::Error> {
    parse_job(
        p,
        status,
        &ResponseBody::Json(body),
        &ParseContext::default(),
    )
}

#[test]
fn apiframe_submit_and_poll() {
    let t = target(providers::APIFRAME, None);
    let req = json!({
        "prompt": " infographic ", "quality": "high", "aspectRatio": "3:2", "count": 2,
        "references": ["https://cdn.example.com/a.png"], "webhookUrl": "https://hooks.example.com/af",
        "outputFormat": "png", "background": "opaque", "moderation": "low",
    });
    let (plan, warnings) = build_submit_request(&t, &req, false, Some("idem-1")).unwrap();
    assert!(warnings.is_empty());
    let r = &plan.request;
    assert_eq!(
        (r.method, r.url.as_str()),
        ("POST", "https://api.apiframe.ai/v2/images/generate")
    );
    assert_eq!(r.header("x-api-key"), Some("KEY123"));
    assert_eq!(r.header("idempotency-key"), Some("idem-1"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        body_json(&r.body),
        json!({
            "model": "gpt-image-2", "prompt": "infographic",
            "gptImage2Params": {
                "quality": "high", "aspect_ratio": "3:2", "number_of_images": 2,
                "input_images": ["https://cdn.example.com/a.png"], "output_format": "png",
                "background": "opaque", "moderation": "low"
            },
            "webhookUrl": "https://hooks.example.com/af"
        })
    );
    let poll = build_poll_request(&t, "b2c3d4e5-f6a7-8901-bcde-f23456789012").unwrap();
    assert_eq!(
        poll.url,
        "https://api.apiframe.ai/v2/jobs/b2c3d4e5-f6a7-8901-bcde-f23456789012"
    );
    assert_eq!(poll.method, "GET");
    assert_eq!(poll.header("X-API-Key"), Some("KEY123"));
    // Ids are path-encoded: no way to walk to another path.
    let poll = build_poll_request(&t, "../me?x=1").unwrap();
    assert_eq!(poll.url, "https://api.apiframe.ai/v2/jobs/..%2Fme%3Fx%3D1");
}

#[test]
fn base_url_keeps_the_documented_path() {
    let cases = [
        (providers::APIFRAME, "/v2/images/generate"),
        (providers::GPTIMAGE2AI, "/api/generate"),
        (providers::GETIMG, "/v2/images/generations"),
        (providers::OPENAI, "/v1/images/generations"),
    ];
    for (p, path) in cases {
        let t = target(p, Some("http://127.0.0.1:4010"));
        let (plan, _) = build_submit_request(&t, &json!({ "prompt": "x" }), false, None).unwrap();
        assert_eq!(plan.request.url, format!("http://127.0.0.1:4010{path}"));
    }
}

#[test]
fn gptimage2ai_submit_and_poll() {
    let t = target(providers::GPTIMAGE2AI, None);
    let req = json!({
        "prompt": "espresso cup", "aspectRatio": "4:3", "count": 3, "style": "studio-product",
        "lighting": "soft", "camera": "85mm", "negative": "text",
        "references": ["https://cdn.example.com/a.png", "https://cdn.example.com/b.png"],
    });
    let (plan, _) = build_submit_request(&t, &req, false, Some("idem-2")).unwrap();
    let r = &plan.request;
    assert_eq!(r.url, "https://gptimage2.ai/api/generate");
    assert_eq!(r.header("authorization"), Some("Bearer KEY123"));
    assert_eq!(r.header("idempotency-key"), Some("idem-2"));
    assert_eq!(
        body_json(&r.body),
        json!({
            "prompt": "espresso cup", "mode": "image-to-image", "ratio": "4:3", "count": 3,
            "imageUrls": ["https://cdn.example.com/a.png", "https://cdn.example.com/b.png"],
            "style": "studio-product", "lighting": "soft", "camera": "85mm", "negative": "text"
        })
    );
    let (plan, _) = build_submit_request(&t, &json!({ "prompt": "x" }), false, None).unwrap();
    assert_eq!(
        body_json(&plan.request.body),
        json!({ "prompt": "x", "mode": "text-to-image" })
    );
    assert_eq!(plan.request.header("idempotency-key"), None);
    let poll = build_poll_request(&t, "8b93b17d").unwrap();
    assert_eq!(poll.url, "https://gptimage2.ai/api/generate/8b93b17d");
    assert_eq!(poll.header("Authorization"), Some("Bearer KEY123"));
}

#[test]
fn getimg_submit_is_one_call_per_image() {
    let t = target(providers::GETIMG, None);
    let req = json!({ "prompt": "voxel", "aspectRatio": "4:5", "resolution": "2K", "outputFormat": "jpeg", "count": 3,
                      "references": ["https://cdn.example.com/a.png"] });
    let (plan, _) = build_submit_request(&t, &req, false, Some("idem-3")).unwrap();
    assert_eq!(plan.calls, 3);
    assert_eq!(
        plan.request.header("idempotency-key"),
        None,
        "getimg documents no idempotency"
    );
    assert_eq!(
        body_json(&plan.request.body),
        json!({ "model": "gpt-image-2", "prompt": "voxel", "aspect_ratio": "4:5", "resolution": "2K",
                "output_format": "jpeg", "images": [{ "url": "https://cdn.example.com/a.png" }] })
    );
    assert_eq!(
        build_poll_request(&t, "x").unwrap_err().code,
        ErrorCode::InvalidRequest
    );
}

#[test]
fn openai_generation_and_edit() {
    let t = target(providers::OPENAI, None);
    let req = json!({ "prompt": "a cat", "size": "1536x1024", "quality": "low", "count": 2,
                      "outputFormat": "webp", "outputCompression": 60, "background": "opaque", "moderation": "low" });
    let (plan, _) = build_submit_request(&t, &req, false, Some("idem-4")).unwrap();
    assert_eq!(
        plan.request.url,
        "https://api.openai.com/v1/images/generations"
    );
    assert_eq!(plan.request.header("authorization"), Some("Bearer KEY123"));
    assert_eq!(
        body_json(&plan.request.body),
        json!({ "model": "gpt-image-2", "prompt": "a cat", "n": 2, "size": "1536x1024", "quality": "low",
                "output_format": "webp", "output_compression": 60, "background": "opaque", "moderation": "low" })
    );
    // aspectRatio + resolution become a size.
    let (plan, _) = build_submit_request(
        &t,
        &json!({ "prompt": "x", "aspectRatio": "16:9", "resolution": "2K" }),
        false,
        None,
    )
    .unwrap();
    assert_eq!(body_json(&plan.request.body)["size"], "3072x1728");
    // References make it an edit: as JSON where that form takes the size...
    let req = json!({ "prompt": "hat", "references": ["https://cdn.example.com/a.png"], "quality": "high", "inputFidelity": "high" });
    let (plan, _) = build_submit_request(&t, &req, false, None).unwrap();
    assert_eq!(plan.request.url, "https://api.openai.com/v1/images/edits");
    assert_eq!(
        body_json(&plan.request.body),
        json!({ "model": "gpt-image-2", "prompt": "hat", "quality": "high", "input_fidelity": "high",
                "images": [{ "image_url": "https://cdn.example.com/a.png" }] })
    );
    // ...else multipart, with the files still to download.
    let req = json!({ "prompt": "hat", "references": ["https://cdn.example.com/a.png", "https://cdn.example.com/b.jpg"], "quality": "high", "size": "2048x1152" });
    let (plan, _) = build_submit_request(&t, &req, false, None).unwrap();
    assert_eq!(plan.request.url, "https://api.openai.com/v1/images/edits");
    assert!(matches!(plan.request.body, Body::Empty));
    let mp = plan.multipart.unwrap();
    assert_eq!(
        mp.files,
        [
            "https://cdn.example.com/a.png",
            "https://cdn.example.com/b.jpg"
        ]
    );
    assert_eq!(
        mp.fields,
        [
            ("model", "gpt-image-2"),
            ("prompt", "hat"),
            ("size", "2048x1152"),
            ("quality", "high")
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
}

#[test]
fn openai_ratio_sizes_are_all_valid_sizes() {
    for (ratio, w, h) in gpt_image_core::providers::openai::RATIO_SIZES_1K {
        for scale in [1, 2] {
            let size = format!("{}x{}", w * scale, h * scale);
            let v = gpt_image_core::validate_request(
                providers::OPENAI,
                &json!({ "prompt": "x", "size": size }),
                Default::default(),
            );
            assert!(v.ok(), "{ratio} {size}: {:?}", v.errors);
        }
    }
}

#[test]
fn unsupported_fields_are_reported_and_not_sent() {
    let t = target(providers::GPTIMAGE2AI, None);
    let (plan, warnings) = build_submit_request(
        &t,
        &json!({ "prompt": "x", "quality": "high" }),
        false,
        None,
    )
    .unwrap();
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].path, "quality");
    assert!(!body_json(&plan.request.body).to_string().contains("high"));
    let e = build_submit_request(&t, &json!({ "prompt": "x", "quality": "high" }), true, None)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidRequest);
}

#[test]
fn idempotency_keys_are_checked() {
    let t = target(providers::APIFRAME, None);
    for bad in ["", "has space", &"k".repeat(256), "naïve"] {
        let e = build_submit_request(&t, &json!({ "prompt": "x" }), false, Some(bad)).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidRequest, "{bad:?}");
    }
    assert!(
        build_submit_request(&t, &json!({ "prompt": "x" }), false, Some(&"k".repeat(255))).is_ok()
    );
}

#[test]
fn apiframe_answers() {
    let p = providers::APIFRAME;
    let job = parse(p, 202, json!({ "jobId": "j1", "status": "QUEUED" })).unwrap();
    assert_eq!(
        (job.id.as_deref(), job.status),
        (Some("j1"), JobStatus::Queued)
    );
    let running = json!({ "id": "j1", "status": "PROCESSING", "model": "gpt-image-2", "progress": 42,
        "error": null, "creditCost": null, "webhookStatus": null, "createdAt": "2026-11-22T00:00:00Z", "completedAt": null });
    let job = parse(p, 200, running).unwrap();
    assert_eq!(
        (job.status, job.progress, job.cost.is_none()),
        (JobStatus::Running, Some(42), true)
    );

    // The three shapes of `result`, all read the same way.
    let url = "https://cdn2.apiframe.ai/images/a.webp";
    for result in [json!(url), json!([url]), json!({ "images": [url] })] {
        let done = json!({ "id": "j1", "status": "COMPLETED", "model": "gpt-image-2", "progress": 100,
            "error": null, "creditCost": 23, "webhookStatus": null, "createdAt": "x", "completedAt": "y", "result": result });
        let job = parse(p, 200, done).unwrap();
        assert_eq!(job.status, JobStatus::Succeeded);
        assert_eq!(job.images.len(), 1);
        assert_eq!(job.images[0].url.as_deref(), Some(url));
        assert_eq!(job.images[0].mime_type.as_deref(), Some("image/webp"));
        let cost = job.cost.unwrap();
        assert_eq!(
            (cost.credits, cost.usd, cost.exact),
            (Some(23), Some(0.23), true)
        );
    }
    // Growth plan pricing of the reported creditCost.
    let ctx = ParseContext {
        price: PriceOptions {
            plan: Plan::Growth,
            credit_price_usd: None,
            ..PriceOptions::default()
        },
        ..Default::default()
    };
    let done = json!({ "id": "j1", "status": "COMPLETED", "creditCost": 46, "result": [url, url] });
    let job = parse_job(p, 200, &ResponseBody::Json(done), &ctx).unwrap();
    assert_eq!(
        (job.images.len(), job.cost.unwrap().usd),
        (2, Some(0.17618))
    );

    let failed = json!({ "id": "j1", "status": "FAILED", "error": "Content policy violation", "progress": 10 });
    let job = parse(p, 200, failed).unwrap();
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(job.error.unwrap().message, "Content policy violation");

    let job = parse(p, 200, json!({ "id": "j1", "status": "CANCELLED" })).unwrap();
    assert_eq!(job.status, JobStatus::Cancelled);

    // A status the documents do not list is kept, and the job is still running.
    let job = parse(
        p,
        200,
        json!({ "id": "j1", "status": "ARCHIVING", "progress": 250 }),
    )
    .unwrap();
    assert_eq!(
        (job.status, job.raw_status.as_str(), job.progress),
        (JobStatus::Running, "ARCHIVING", Some(100))
    );

    // An unknown result shape is not a crash: no images.
    let job = parse(
        p,
        200,
        json!({ "id": "j1", "status": "COMPLETED", "result": { "weird": 1 } }),
    )
    .unwrap();
    assert!(job.images.is_empty());
    let job = parse(
        p,
        200,
        json!({ "id": "j1", "status": "COMPLETED", "expired": true, "result": null }),
    )
    .unwrap();
    assert!(job.expired);
}

#[test]
fn error_answers_get_codes_in_every_shape() {
    let ctx = |retry: Option<&str>| ParseContext {
        retry_after: retry.map(str::to_string),
        ..Default::default()
    };
    let cases: Vec<(Provider, u16, Value, ErrorCode, bool)> = vec![
        (
            providers::APIFRAME,
            400,
            json!({ "error": "Validation failed", "details": { "prompt": ["Required"] } }),
            ErrorCode::InvalidRequest,
            false,
        ),
        (
            providers::APIFRAME,
            401,
            json!({ "error": "Invalid API key" }),
            ErrorCode::Unauthorized,
            false,
        ),
        (
            providers::APIFRAME,
            402,
            json!({ "error": "Insufficient credits", "creditsRequired": 23, "creditsAvailable": 4 }),
            ErrorCode::InsufficientCredits,
            false,
        ),
        (
            providers::APIFRAME,
            403,
            json!({ "error": "Key inactive" }),
            ErrorCode::Forbidden,
            false,
        ),
        (
            providers::APIFRAME,
            404,
            json!({ "error": "Job not found" }),
            ErrorCode::NotFound,
            false,
        ),
        (
            providers::APIFRAME,
            429,
            json!({ "error": "Too many requests" }),
            ErrorCode::RateLimited,
            true,
        ),
        (
            providers::APIFRAME,
            503,
            json!({ "error": "Queue unavailable" }),
            ErrorCode::ProviderError,
            true,
        ),
        (
            providers::APIFRAME,
            501,
            json!({ "error": "Not implemented" }),
            ErrorCode::ProviderError,
            false,
        ),
        (
            providers::GPTIMAGE2AI,
            400,
            json!({ "error": "prompt_required" }),
            ErrorCode::InvalidRequest,
            false,
        ),
        (
            providers::GPTIMAGE2AI,
            401,
            json!({ "error": "unauthorized" }),
            ErrorCode::Unauthorized,
            false,
        ),
        (
            providers::GETIMG,
            402,
            json!({ "error": { "type": "payment_required", "message": "Not enough balance" } }),
            ErrorCode::InsufficientCredits,
            false,
        ),
        (
            providers::GETIMG,
            502,
            json!({ "error": { "message": "Bad gateway" } }),
            ErrorCode::ProviderError,
            true,
        ),
        (
            providers::OPENAI,
            400,
            json!({ "error": { "message": "Invalid size", "type": "invalid_request_error", "param": "size", "code": null } }),
            ErrorCode::InvalidRequest,
            false,
        ),
        (
            providers::OPENAI,
            401,
            json!({ "error": { "message": "Incorrect API key provided", "type": "invalid_request_error", "code": "invalid_api_key" } }),
            ErrorCode::Unauthorized,
            false,
        ),
        (
            providers::OPENAI,
            500,
            json!({ "error": { "message": "The server had an error" } }),
            ErrorCode::ProviderError,
            true,
        ),
    ];
    for (p, status, body, code, retryable) in cases {
        let e = parse_job(
            p,
            status,
            &ResponseBody::Json(body.clone()),
            &ctx(Some("2")),
        )
        .unwrap_err();
        assert_eq!(
            (e.code, e.status, e.retryable, e.provider),
            (code, Some(status), retryable, Some(p)),
            "{p:?} {status} {body}"
        );
        assert!(e.message.contains(&status.to_string()), "{}", e.message);
        assert_eq!(e.retry_after_ms, Some(2000));
    }
    let e = parse_job(providers::APIFRAME, 402, &ResponseBody::Json(json!({ "error": "Insufficient credits", "creditsRequired": 23, "creditsAvailable": 4 })), &ctx(None)).unwrap_err();
    assert_eq!(e.details.as_ref().unwrap()["creditsRequired"], 23);
    let e = parse_job(providers::APIFRAME, 400, &ResponseBody::Json(json!({ "error": "bad", "details": { "gptImage2Params.aspect_ratio": ["Invalid enum value"] } })), &ctx(None)).unwrap_err();
    assert_eq!(
        e.details.as_ref().unwrap()["fields"]["gptImage2Params.aspect_ratio"][0],
        "Invalid enum value"
    );
    // HTML from a proxy: still a coded error, with a short clean snippet.
    let e = parse_job(
        providers::OPENAI,
        502,
        &ResponseBody::from_text("<html>\n<b>Bad Gateway</b></html>"),
        &ctx(None),
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::ProviderError);
    assert!(!e.message.contains('\n'));
}

#[test]
fn malformed_success_bodies_are_decode_errors() {
    for &p in Provider::all() {
        for body in [
            ResponseBody::from_text("{\"jobId\": \"abc\", \"sta"),
            ResponseBody::from_text("not json"),
            ResponseBody::Json(json!([1, 2])),
            ResponseBody::Json(json!({ "unexpected": true })),
        ] {
            let e = parse_job(p, 200, &body, &ParseContext::default()).unwrap_err();
            assert_eq!(e.code, ErrorCode::Decode, "{p:?} {body:?}");
            assert!(e.retryable);
        }
    }
    // Text that is JSON is parsed.
    let job = parse_job(
        providers::APIFRAME,
        202,
        &ResponseBody::from_text("{\"jobId\":\"j9\",\"status\":\"QUEUED\"}"),
        &ParseContext::default(),
    )
    .unwrap();
    assert_eq!(job.id.as_deref(), Some("j9"));
}

#[test]
fn gptimage2ai_answers() {
    let p = providers::GPTIMAGE2AI;
    let balance = json!({ "paidCredits": 490, "totalImages": 49 });
    let job = parse(
        p,
        200,
        json!({ "jobId": "g1", "status": "pending", "balance": balance }),
    )
    .unwrap();
    assert_eq!(job.status, JobStatus::Queued);
    let job = parse(
        p,
        202,
        json!({ "jobId": "g1", "status": "running", "balance": balance }),
    )
    .unwrap();
    assert_eq!(job.status, JobStatus::Running);
    let job = parse(p, 200, json!({ "jobId": "g1", "status": "succeeded", "balance": balance, "results": [
        { "imageUrl": "https://file.gptimage2.ai/generated/a.png", "finalPrompt": "cup, soft light", "seed": "1" },
        { "imageUrl": "https://file.gptimage2.ai/generated/b.png", "finalPrompt": "cup", "seed": 7 },
    ] })).unwrap();
    assert_eq!(job.status, JobStatus::Succeeded);
    assert_eq!(job.images.len(), 2);
    assert_eq!(
        job.images[0].final_prompt.as_deref(),
        Some("cup, soft light")
    );
    assert_eq!(job.images[1].seed.as_deref(), Some("7"));
    let cost = job.cost.unwrap();
    assert_eq!((cost.credits, cost.usd), (Some(20), None));
    let job = parse(
        p,
        200,
        json!({ "jobId": "g1", "status": "failed", "error": "upstream_timeout" }),
    )
    .unwrap();
    let err = job.error.unwrap();
    assert_eq!(
        (job.status, err.code.as_str()),
        (JobStatus::Failed, "upstream_timeout")
    );
    let job = parse(p, 202, json!({ "jobId": "g1", "status": "paused" })).unwrap();
    assert_eq!(
        (job.status, job.raw_status.as_str()),
        (JobStatus::Running, "paused")
    );
}

#[test]
fn getimg_and_openai_answers() {
    let job = parse(providers::GETIMG, 200, json!({
        "id": "gi_1", "model": "gpt-image-2", "status": "completed",
        "data": [{ "url": "https://cdn.getimg.ai/a.jpeg", "mime_type": "image/jpeg", "deletes_at": "2026-11-23T00:00:00Z", "width": 1024, "height": 1024 }],
        "usage": { "billable_unit": "image", "quantity": 1, "unit_price": 0.06, "total_cost": 0.06 }
    })).unwrap();
    assert_eq!(job.status, JobStatus::Succeeded);
    let img = &job.images[0];
    assert_eq!(
        (img.width, img.height, img.mime_type.as_deref()),
        (Some(1024), Some(1024), Some("image/jpeg"))
    );
    assert_eq!(img.expires_at.as_deref(), Some("2026-11-23T00:00:00Z"));
    let cost = job.cost.unwrap();
    assert_eq!((cost.usd, cost.exact), (Some(0.06), true));

    let job = parse(providers::OPENAI, 200, json!({
        "created": 1_790_000_000, "output_format": "jpeg", "size": "1536x1024",
        "data": [{ "b64_json": "aGVsbG8=" }],
        "usage": { "input_tokens": 12, "output_tokens": 1767, "input_tokens_details": { "text_tokens": 12, "image_tokens": 0 } }
    })).unwrap();
    assert_eq!((job.id, job.status), (None, JobStatus::Succeeded));
    assert_eq!(job.images[0].b64.as_deref(), Some("aGVsbG8="));
    assert_eq!(job.images[0].mime_type.as_deref(), Some("image/jpeg"));
    assert_eq!(
        (job.images[0].width, job.images[0].height),
        (Some(1536), Some(1024))
    );
    assert_eq!(job.cost.unwrap().usd, Some(0.05307));
}

#[test]
fn job_json_round_trips() {
    let job = parse(
        providers::GPTIMAGE2AI,
        200,
        json!({ "jobId": "g1", "status": "succeeded", "results": [
        { "imageUrl": "https://file.gptimage2.ai/a.png", "finalPrompt": "cup", "seed": "1" }] }),
    )
    .unwrap();
    let back = gpt_image_core::Job::from_json(&job.to_json()).unwrap();
    assert_eq!(back, job);
}

#[test]
fn openai_stream_events_become_partial_images_then_the_job() {
    use gpt_image_core::sse::Parser;
    use gpt_image_core::wire::StreamStep;
    let ctx = gpt_image_core::ParseContext::default();
    let p = providers::OPENAI;
    let stream_step = |name: &str, data: &ResponseBody, ctx: &ParseContext| {
        p.wire().stream_step(p, name, data, ctx)
    };
    let stream = concat!(
        "event: image_generation.partial_image\n",
        "data: {\"type\":\"image_generation.partial_image\",\"b64_json\":\"cGFydA==\",\"partial_image_index\":0,\"size\":\"1024x1024\",\"output_format\":\"webp\"}\n\n",
        ": heartbeat\n\n",
        "event: image_generation.completed\n",
        "data: {\"type\":\"image_generation.completed\",\"b64_json\":\"ZmluYWw=\",\"size\":\"1024x1024\",\"output_format\":\"webp\",",
        "\"usage\":{\"input_tokens\":10,\"output_tokens\":200,\"total_tokens\":210,\"input_tokens_details\":{\"text_tokens\":10,\"image_tokens\":0}}}\n\n",
    );
    let mut parser = Parser::new();
    let mut steps = Vec::new();
    for chunk in stream.as_bytes().chunks(7) {
        for e in parser.push(chunk).unwrap() {
            steps.push(stream_step(
                &e.name,
                &ResponseBody::from_text(&e.data),
                &ctx,
            ));
        }
    }
    assert_eq!(steps.len(), 2);
    assert_eq!(
        steps[0],
        StreamStep::Partial {
            index: 0,
            b64: "cGFydA==".into(),
            mime_type: "image/webp".into(),
            size: Some("1024x1024".into())
        }
    );
    let StreamStep::Completed(job) = &steps[1] else {
        panic!("{:?}", steps[1])
    };
    assert_eq!(job.images[0].b64.as_deref(), Some("ZmluYWw="));
    assert_eq!(job.images[0].mime_type.as_deref(), Some("image/webp"));
    let cost = job.cost.as_ref().unwrap();
    assert!(
        cost.exact && (cost.usd.unwrap() - 0.00605).abs() < 1e-9,
        "{cost:?}"
    );
    // An error event ends the job; an unknown event is skipped.
    let error = gpt_image_core::sse::Event {
        name: "error".into(),
        data: "{\"type\":\"error\",\"error\":{\"message\":\"moderation_blocked\"}}".into(),
    };
    assert!(
        matches!(stream_step(&error.name, &ResponseBody::from_text(&error.data), &ctx), StreamStep::Failed(e) if e.code == ErrorCode::JobFailed)
    );
    let later = gpt_image_core::sse::Event {
        name: "image_generation.started".into(),
        data: "{\"type\":\"image_generation.started\"}".into(),
    };
    assert_eq!(
        stream_step(&later.name, &ResponseBody::from_text(&later.data), &ctx),
        StreamStep::Other
    );
}

fn azure(
    settings: &[(&str, &str)],
    headers: &[(&str, &str)],
    key: Option<&str>,
) -> Result<Target, gpt_image_core::Error> {
    Target::build(
        providers::AZURE,
        gpt_image_core::TargetOptions {
            api_key: key.map(str::to_string),
            base_url: Some("https://res.openai.azure.com".into()),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            settings: settings
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        },
    )
}

#[test]
fn azure_goes_to_the_deployment_on_the_api_its_version_names() {
    let t = azure(&[("deployment", "img-prod")], &[], Some("0123456789abcdef")).unwrap();
    let req = json!({ "prompt": "a fox", "quality": "low", "size": "1536x1024", "outputFormat": "jpeg", "outputCompression": 60, "count": 2 });
    let (plan, warnings) = build_submit_request(&t, &req, false, None).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        plan.request.url,
        "https://res.openai.azure.com/openai/deployments/img-prod/images/generations?api-version=2025-04-01-preview"
    );
    assert_eq!(plan.request.header("api-key"), Some("0123456789abcdef"));
    assert_eq!(
        body_json(&plan.request.body),
        json!({ "prompt": "a fox", "n": 2, "size": "1536x1024", "quality": "low", "output_format": "jpeg", "output_compression": 60 })
    );
    // An edit: multipart, the files as `image`, no settings its edits lack.
    let edit = json!({ "prompt": "blue", "references": ["https://cdn.example.com/a.png"], "mask": "https://cdn.example.com/m.png", "outputFormat": "png" });
    let (plan, warnings) = build_submit_request(&t, &edit, false, None).unwrap();
    assert!(plan.request.url.contains("/images/edits?api-version="));
    let mp = plan.multipart.unwrap();
    assert_eq!(
        (mp.file_field, mp.files.len(), mp.mask.is_some()),
        ("image", 1, true)
    );
    assert!(
        mp.fields.iter().all(|(k, _)| k != "output_format"),
        "{:?}",
        mp.fields
    );
    assert_eq!(warnings[0].path, "outputFormat");
    assert!(
        build_submit_request(&t, &edit, true, None).is_err(),
        "strict refuses it"
    );
    // The v1 API: the deployment as `model`, webp and moderation; no edits.
    let v1 = azure(
        &[("deployment", "img-prod"), ("apiVersion", "v1")],
        &[],
        Some("k"),
    )
    .unwrap();
    let (plan, _) = build_submit_request(
        &v1,
        &json!({ "prompt": "x", "outputFormat": "webp", "moderation": "low" }),
        true,
        None,
    )
    .unwrap();
    assert_eq!(
        plan.request.url,
        "https://res.openai.azure.com/openai/v1/images/generations"
    );
    assert_eq!(
        body_json(&plan.request.body),
        json!({ "model": "img-prod", "prompt": "x", "output_format": "webp", "moderation": "low" })
    );
    let e = build_submit_request(&v1, &edit, false, None).unwrap_err();
    assert_eq!(e.issues[0].path, "references");
    let preview = azure(
        &[("deployment", "d"), ("apiVersion", "preview")],
        &[],
        Some("k"),
    )
    .unwrap();
    let (plan, _) = build_submit_request(&preview, &json!({ "prompt": "x" }), true, None).unwrap();
    assert!(plan
        .request
        .url
        .ends_with("/openai/v1/images/generations?api-version=preview"));
    // Sizes are the listed ones.
    let e = build_submit_request(
        &t,
        &json!({ "prompt": "x", "size": "2048x2048" }),
        false,
        None,
    )
    .unwrap_err();
    assert_eq!(e.issues[0].path, "size");
}

#[test]
fn azure_setup_is_checked_and_an_entra_token_stands_in_for_the_key() {
    let message = |r: Result<Target, gpt_image_core::Error>| r.unwrap_err().message.clone();
    assert!(message(azure(&[], &[], Some("k"))).contains("`deployment`"));
    assert!(message(azure(&[("deployment", "a/b")], &[], Some("k"))).contains("`deployment`"));
    assert!(message(azure(
        &[("deployment", "d"), ("apiVersion", "latest")],
        &[],
        Some("k")
    ))
    .contains("`apiVersion`"));
    assert!(message(azure(
        &[("deployment", "d"), ("region", "x")],
        &[],
        Some("k")
    ))
    .contains("`region`"));
    assert!(message(azure(&[("deployment", "d")], &[], None)).contains("`apiKey`"));
    assert!(message(azure(
        &[("deployment", "d")],
        &[("api-key", "other")],
        Some("k")
    ))
    .contains("api-key"));
    let no_base = Target::build(
        providers::AZURE,
        gpt_image_core::TargetOptions {
            api_key: Some("k".into()),
            settings: vec![("deployment".into(), "d".into())],
            ..Default::default()
        },
    );
    assert!(message(no_base).contains("`baseUrl`"));
    // Entra ID: the token in `Authorization`, no `api-key` header at all.
    let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.payload.signature";
    let t = azure(
        &[("deployment", "d")],
        &[("Authorization", &format!("Bearer {token}"))],
        None,
    )
    .unwrap();
    let (plan, _) = build_submit_request(&t, &json!({ "prompt": "x" }), false, None).unwrap();
    assert_eq!(plan.request.header("api-key"), None);
    assert_eq!(
        plan.request
            .header("Authorization")
            .map(|v| v.ends_with(token)),
        Some(true)
    );
    assert!(
        !format!("{t:?} {:?}", plan.request).contains("payload"),
        "the token is not printed"
    );
    // Other providers still refuse a caller's Authorization.
    let other = Target::build(
        providers::OPENAI,
        gpt_image_core::TargetOptions {
            api_key: Some("sk".into()),
            headers: vec![("Authorization".into(), "Bearer x".into())],
            ..Default::default()
        },
    );
    assert!(other.is_err());
}

#[test]
fn azure_answers_are_priced_from_their_token_usage() {
    let job = parse(
        providers::AZURE,
        200,
        json!({ "created": 1, "data": [{ "b64_json": "aW1n", "content_filter_results": {} }],
                "usage": { "input_tokens": 10, "output_tokens": 200, "total_tokens": 210, "input_tokens_details": { "text_tokens": 10, "image_tokens": 0 } } }),
    )
    .unwrap();
    let cost = job.cost.unwrap();
    assert!(
        cost.exact && (cost.usd.unwrap() - 0.00605).abs() < 1e-9,
        "{cost:?}"
    );
    let e = parse(providers::AZURE, 429, json!({ "error": { "code": "429", "message": "Requests have exceeded the call rate limit" } })).unwrap_err();
    assert_eq!(e.code, ErrorCode::RateLimited);
}

#[test]
fn openrouter_sends_its_own_fields_and_reads_its_stated_cost() {
    let t = target(providers::OPENROUTER, None);
    let req = json!({ "prompt": "x", "aspectRatio": "16:9", "resolution": "2K", "quality": "high", "count": 2,
                      "outputFormat": "jpeg", "background": "opaque", "references": ["https://cdn.example.com/a.png"] });
    let (plan, warnings) = build_submit_request(&t, &req, true, None).unwrap();
    assert!(warnings.is_empty());
    assert_eq!(plan.request.url, "https://openrouter.ai/api/v1/images");
    assert_eq!(plan.request.header("Authorization"), Some("Bearer KEY123"));
    assert_eq!(
        body_json(&plan.request.body),
        json!({ "model": "openai/gpt-image-2", "prompt": "x", "n": 2, "aspect_ratio": "16:9", "resolution": "2K", "quality": "high",
                "output_format": "jpeg", "background": "opaque",
                "input_references": [{ "type": "image_url", "image_url": { "url": "https://cdn.example.com/a.png" } }] })
    );
    // A newer model id goes with OpenRouter's author prefix.
    let (plan, warnings) = build_submit_request(
        &t,
        &json!({ "prompt": "x", "model": "gpt-image-3" }),
        false,
        None,
    )
    .unwrap();
    assert_eq!(
        body_json(&plan.request.body)["model"],
        json!("openai/gpt-image-3")
    );
    assert_eq!(warnings[0].path, "model");
    // The bill is `usage.cost`, exact.
    let job = parse(providers::OPENROUTER, 200, json!({ "created": 1, "data": [{ "b64_json": "aW1n", "media_type": "image/webp" }],
        "usage": { "prompt_tokens": 0, "completion_tokens": 4175, "total_tokens": 4175, "cost": 0.04 } })).unwrap();
    assert_eq!(job.images[0].mime_type.as_deref(), Some("image/webp"));
    let cost = job.cost.unwrap();
    assert!(cost.exact && cost.usd == Some(0.04), "{cost:?}");
    // Its stream: data-only events, then [DONE].
    use gpt_image_core::wire::StreamStep;
    let ctx = ParseContext::default();
    let step = |data: &str| {
        providers::OPENROUTER.wire().stream_step(
            providers::OPENROUTER,
            "",
            &ResponseBody::from_text(data),
            &ctx,
        )
    };
    assert!(matches!(
        step(
            r#"{"type":"image_generation.partial_image","b64_json":"cA==","partial_image_index":0}"#
        ),
        StreamStep::Partial { index: 0, .. }
    ));
    assert!(
        matches!(step(r#"{"type":"image_generation.completed","b64_json":"aW1n","created":1,"usage":{"cost":0.05}}"#), StreamStep::Completed(j) if j.cost.as_ref().unwrap().usd == Some(0.05))
    );
    assert_eq!(step("[DONE]"), StreamStep::Other);
    assert!(matches!(
        step(r#"{"type":"error","error":{"message":"upstream"}}"#),
        StreamStep::Failed(_)
    ));
    // Its errors: `{ error: { code: <status>, message } }`.
    let e = parse(
        providers::OPENROUTER,
        402,
        json!({ "error": { "code": 402, "message": "Insufficient credits" } }),
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientCredits);
}

#[test]
fn partial_images_on_openrouter_are_priced_as_the_most_it_may_send() {
    let req = json!({ "prompt": "x", "quality": "low" });
    let price = |n: u8| {
        gpt_image_core::estimate_cost(
            providers::OPENROUTER,
            &req,
            Default::default(),
            &PriceOptions {
                partial_images: n,
                ..Default::default()
            },
        )
        .unwrap()
        .usd
        .unwrap()
    };
    assert!(price(1) > price(0));
    assert_eq!(
        price(1),
        price(3),
        "no count is taken: one or three, it may send three"
    );
}

#[test]
fn replicate_submit_poll_and_predictions() {
    let p = providers::REPLICATE;
    let t = target(p, None);
    let req = json!({
        "prompt": "a poster", "quality": "high", "aspectRatio": "3:2", "count": 2,
        "outputFormat": "jpeg", "outputCompression": 80, "background": "opaque", "moderation": "low",
        "references": ["https://cdn.example.com/a.png", "https://cdn.example.com/b.png"],
        "webhookUrl": "https://hooks.example.com/r",
    });
    let (plan, warnings) = build_submit_request(&t, &req, false, Some("idem-1")).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let r = &plan.request;
    assert_eq!(
        (r.method, r.url.as_str()),
        (
            "POST",
            "https://api.replicate.com/v1/models/openai/gpt-image-2/predictions"
        )
    );
    assert_eq!(r.header("authorization"), Some("Bearer KEY123"));
    // Replicate documents no idempotency: no key is sent.
    assert_eq!(r.header("idempotency-key"), None);
    assert_eq!(
        body_json(&r.body),
        json!({
            "input": {
                "prompt": "a poster", "quality": "high", "aspect_ratio": "3:2", "number_of_images": 2,
                "output_format": "jpeg", "output_compression": 80, "background": "opaque", "moderation": "low",
                "input_images": ["https://cdn.example.com/a.png", "https://cdn.example.com/b.png"],
            },
            "webhook": "https://hooks.example.com/r",
            "webhook_events_filter": ["completed"],
        })
    );
    let poll = build_poll_request(&t, "abc123").unwrap();
    assert_eq!(poll.url, "https://api.replicate.com/v1/predictions/abc123");

    // Starting, processing, then succeeded: outputs expire an hour after creation.
    let base = json!({ "id": "abc123", "created_at": "2026-12-02T06:10:26.907244Z", "input": { "prompt": "a poster", "quality": "medium" } });
    let with = |status: &str, extra: Value| {
        let mut v = base.clone();
        v.set("status", json!(status));
        if let (Value::Object(o), Value::Object(e)) = (&mut v, extra) {
            for (k, x) in e.iter() {
                o.insert(k.clone(), x.clone());
            }
        }
        v
    };
    assert_eq!(
        parse(p, 201, with("starting", json!({}))).unwrap().status,
        JobStatus::Queued
    );
    assert_eq!(
        parse(p, 200, with("processing", json!({}))).unwrap().status,
        JobStatus::Running
    );
    let done = parse(
        p,
        200,
        with("succeeded", json!({ "output": ["https://replicate.delivery/a/out-0.png", "https://replicate.delivery/a/out-1.png"] })),
    )
    .unwrap();
    assert_eq!(done.status, JobStatus::Succeeded);
    assert_eq!(done.images.len(), 2);
    assert_eq!(done.images[0].mime_type.as_deref(), Some("image/png"));
    assert_eq!(
        done.images[0].expires_at.as_deref(),
        Some("2026-12-02T07:10:26.907Z")
    );
    let cost = done.cost.unwrap();
    assert_eq!((cost.usd, cost.exact), (Some(0.094), false));
    assert!(cost.basis.contains("third-party"), "{}", cost.basis);
    // Failed, canceled and aborted (a deadline that passed before it started).
    let failed = parse(
        p,
        200,
        with("failed", json!({ "error": "NSFW content detected" })),
    )
    .unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    for s in ["canceled", "aborted"] {
        assert_eq!(
            parse(p, 200, with(s, json!({}))).unwrap().status,
            JobStatus::Cancelled
        );
    }
    // Succeeded with no output, or no id: a decode error, never an empty success.
    let e = parse(p, 200, with("succeeded", json!({ "output": [] }))).unwrap_err();
    assert_eq!(e.code, ErrorCode::Decode);
    let e = parse(p, 200, json!({ "status": "starting" })).unwrap_err();
    assert_eq!(e.code, ErrorCode::Decode);
}

#[test]
fn fal_generations_edits_status_and_results() {
    let p = providers::FAL;
    let t = target(p, None);
    // No quality asked: `high` is sent, as fal would pick, so the bill is the one estimated.
    let (plan, warnings) = build_submit_request(
        &t,
        &json!({ "prompt": "a kite", "aspectRatio": "16:9" }),
        false,
        Some("k"),
    )
    .unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let r = &plan.request;
    assert_eq!(
        (r.method, r.url.as_str()),
        ("POST", "https://queue.fal.run/openai/gpt-image-2")
    );
    assert_eq!(r.header("authorization"), Some("Key KEY123"));
    assert_eq!(r.header("idempotency-key"), None);
    assert_eq!(
        body_json(&r.body),
        json!({ "prompt": "a kite", "image_size": "landscape_16_9", "quality": "high" })
    );
    // An edit with references and a mask goes to /edit; a size as width and height; the webhook as a query.
    let req = json!({
        "prompt": "make it blue", "references": ["https://cdn.example.com/a.png"], "mask": "https://cdn.example.com/m.png",
        "size": "1536x1024", "quality": "low", "count": 2, "outputFormat": "webp", "webhookUrl": "https://hooks.example.com/fal?x=1",
    });
    let (plan, _) = build_submit_request(&t, &req, false, None).unwrap();
    assert_eq!(
        plan.request.url,
        "https://queue.fal.run/openai/gpt-image-2/edit?fal_webhook=https%3A%2F%2Fhooks.example.com%2Ffal%3Fx%3D1"
    );
    assert_eq!(
        body_json(&plan.request.body),
        json!({
            "prompt": "make it blue", "image_size": { "width": 1536, "height": 1024 }, "quality": "low",
            "num_images": 2, "output_format": "webp", "image_urls": ["https://cdn.example.com/a.png"],
            "mask_url": "https://cdn.example.com/m.png",
        })
    );
    // Status and result: both under the model's own id.
    let poll = build_poll_request(&t, "req-1").unwrap();
    assert_eq!(
        poll.url,
        "https://queue.fal.run/openai/gpt-image-2/requests/req-1/status"
    );
    let accepted = parse(
        p,
        200,
        json!({ "request_id": "req-1", "status_url": "x", "response_url": "y" }),
    )
    .unwrap();
    assert_eq!(
        (accepted.id.as_deref(), accepted.status),
        (Some("req-1"), JobStatus::Queued)
    );
    assert_eq!(
        parse(p, 202, json!({ "status": "IN_PROGRESS" }))
            .unwrap()
            .status,
        JobStatus::Running
    );
    // COMPLETED without images: the result is fetched next (see client_rules).
    let done = parse(p, 200, json!({ "status": "COMPLETED" })).unwrap();
    assert_eq!((done.status, done.images.len()), (JobStatus::Succeeded, 0));
    let failed = parse(
        p,
        200,
        json!({ "status": "COMPLETED", "error": "content policy" }),
    )
    .unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    let result = parse(
        p,
        200,
        json!({ "images": [{ "url": "https://v3.fal.media/a.png", "width": 1024, "height": 1024, "content_type": "image/png" }],
                "usage": { "input_tokens": 20, "output_tokens": 7000, "input_tokens_details": { "text_tokens": 20, "image_tokens": 0 } } }),
    )
    .unwrap();
    assert_eq!(result.images[0].width, Some(1024));
    let cost = result.cost.unwrap();
    assert!(cost.exact && cost.usd == Some(0.2101), "{cost:?}");
    let e = parse(p, 200, json!({ "images": [] })).unwrap_err();
    assert_eq!(e.code, ErrorCode::Decode);
}
