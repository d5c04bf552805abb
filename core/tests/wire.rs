//! Requests built for each provider, and every answer each one can send.

use gpt_image_core::{
    build_poll_request, build_submit_request, parse_job, ApiKey, Body, ErrorCode, JobStatus,
    ParseContext, Plan, PriceOptions, Provider, ResponseBody, Target,
};
use gpt_image_core::{json, Json as Value};

fn target(p: Provider, base: Option<&str>) -> Target {
    Target::new(p, ApiKey::new("KEY123"), base).unwrap()
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
    let t = target(Provider::Apiframe, None);
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
        (Provider::Apiframe, "/v2/images/generate"),
        (Provider::Gptimage2ai, "/api/generate"),
        (Provider::Getimg, "/v2/images/generations"),
        (Provider::Openai, "/v1/images/generations"),
    ];
    for (p, path) in cases {
        let t = target(p, Some("http://127.0.0.1:4010"));
        let (plan, _) = build_submit_request(&t, &json!({ "prompt": "x" }), false, None).unwrap();
        assert_eq!(plan.request.url, format!("http://127.0.0.1:4010{path}"));
    }
}

#[test]
fn gptimage2ai_submit_and_poll() {
    let t = target(Provider::Gptimage2ai, None);
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
    let t = target(Provider::Getimg, None);
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
    let t = target(Provider::Openai, None);
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
    for (ratio, w, h) in gpt_image_core::wire::openai::RATIO_SIZES_1K {
        for scale in [1, 2] {
            let size = format!("{}x{}", w * scale, h * scale);
            let v = gpt_image_core::validate_request(
                Provider::Openai,
                &json!({ "prompt": "x", "size": size }),
                Default::default(),
            );
            assert!(v.ok(), "{ratio} {size}: {:?}", v.errors);
        }
    }
}

#[test]
fn unsupported_fields_are_reported_and_not_sent() {
    let t = target(Provider::Gptimage2ai, None);
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
    let t = target(Provider::Apiframe, None);
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
    let p = Provider::Apiframe;
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
            Provider::Apiframe,
            400,
            json!({ "error": "Validation failed", "details": { "prompt": ["Required"] } }),
            ErrorCode::InvalidRequest,
            false,
        ),
        (
            Provider::Apiframe,
            401,
            json!({ "error": "Invalid API key" }),
            ErrorCode::Unauthorized,
            false,
        ),
        (
            Provider::Apiframe,
            402,
            json!({ "error": "Insufficient credits", "creditsRequired": 23, "creditsAvailable": 4 }),
            ErrorCode::InsufficientCredits,
            false,
        ),
        (
            Provider::Apiframe,
            403,
            json!({ "error": "Key inactive" }),
            ErrorCode::Forbidden,
            false,
        ),
        (
            Provider::Apiframe,
            404,
            json!({ "error": "Job not found" }),
            ErrorCode::NotFound,
            false,
        ),
        (
            Provider::Apiframe,
            429,
            json!({ "error": "Too many requests" }),
            ErrorCode::RateLimited,
            true,
        ),
        (
            Provider::Apiframe,
            503,
            json!({ "error": "Queue unavailable" }),
            ErrorCode::ProviderError,
            true,
        ),
        (
            Provider::Apiframe,
            501,
            json!({ "error": "Not implemented" }),
            ErrorCode::ProviderError,
            false,
        ),
        (
            Provider::Gptimage2ai,
            400,
            json!({ "error": "prompt_required" }),
            ErrorCode::InvalidRequest,
            false,
        ),
        (
            Provider::Gptimage2ai,
            401,
            json!({ "error": "unauthorized" }),
            ErrorCode::Unauthorized,
            false,
        ),
        (
            Provider::Getimg,
            402,
            json!({ "error": { "type": "payment_required", "message": "Not enough balance" } }),
            ErrorCode::InsufficientCredits,
            false,
        ),
        (
            Provider::Getimg,
            502,
            json!({ "error": { "message": "Bad gateway" } }),
            ErrorCode::ProviderError,
            true,
        ),
        (
            Provider::Openai,
            400,
            json!({ "error": { "message": "Invalid size", "type": "invalid_request_error", "param": "size", "code": null } }),
            ErrorCode::InvalidRequest,
            false,
        ),
        (
            Provider::Openai,
            401,
            json!({ "error": { "message": "Incorrect API key provided", "type": "invalid_request_error", "code": "invalid_api_key" } }),
            ErrorCode::Unauthorized,
            false,
        ),
        (
            Provider::Openai,
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
    let e = parse_job(Provider::Apiframe, 402, &ResponseBody::Json(json!({ "error": "Insufficient credits", "creditsRequired": 23, "creditsAvailable": 4 })), &ctx(None)).unwrap_err();
    assert_eq!(e.details.as_ref().unwrap()["creditsRequired"], 23);
    let e = parse_job(Provider::Apiframe, 400, &ResponseBody::Json(json!({ "error": "bad", "details": { "gptImage2Params.aspect_ratio": ["Invalid enum value"] } })), &ctx(None)).unwrap_err();
    assert_eq!(
        e.details.as_ref().unwrap()["fields"]["gptImage2Params.aspect_ratio"][0],
        "Invalid enum value"
    );
    // HTML from a proxy: still a coded error, with a short clean snippet.
    let e = parse_job(
        Provider::Openai,
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
    for p in Provider::ALL {
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
        Provider::Apiframe,
        202,
        &ResponseBody::from_text("{\"jobId\":\"j9\",\"status\":\"QUEUED\"}"),
        &ParseContext::default(),
    )
    .unwrap();
    assert_eq!(job.id.as_deref(), Some("j9"));
}

#[test]
fn gptimage2ai_answers() {
    let p = Provider::Gptimage2ai;
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
    let job = parse(Provider::Getimg, 200, json!({
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

    let job = parse(Provider::Openai, 200, json!({
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
        Provider::Gptimage2ai,
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
    use gpt_image_core::wire::openai::{stream_step, StreamStep};
    let ctx = gpt_image_core::ParseContext::default();
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
