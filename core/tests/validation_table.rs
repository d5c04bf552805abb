//! Every validation code, for every provider: each row is a request, the issue
//! it must produce (path, code, error or warning), and nothing else.

use gpt_image_core::providers;
use gpt_image_core::{json, Json as Value};
use gpt_image_core::{validate_request, IssueCode, Provider, ValidateOptions};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Severity {
    Error,
    Warning,
}
use Severity::*;

struct Row {
    provider: Provider,
    request: Value,
    strict: bool,
    path: &'static str,
    code: IssueCode,
    severity: Severity,
}

fn row(provider: Provider, request: Value, path: &'static str, code: IssueCode) -> Row {
    Row {
        provider,
        request,
        strict: false,
        path,
        code,
        severity: Error,
    }
}

fn long(n: usize) -> String {
    "a".repeat(n)
}

fn refs(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("https://cdn.example.com/{i}.png"))
        .collect()
}

/// Rows that apply the same way to every provider.
fn common_rows(p: Provider) -> Vec<Row> {
    use IssueCode::*;
    let max_refs = p.limits().references_max;
    let prompt_max = p.limits().prompt_max;
    vec![
        row(p, json!({}), "prompt", Required),
        row(p, json!({ "prompt": null }), "prompt", Required),
        row(p, json!({ "prompt": 42 }), "prompt", InvalidType),
        row(p, json!("a cat"), "", InvalidType),
        row(
            p,
            json!({ "prompt": "ok", "references": "https://x.example.com/a.png" }),
            "references",
            InvalidType,
        ),
        row(
            p,
            json!({ "prompt": "ok", "references": [7] }),
            "references[0]",
            InvalidType,
        ),
        row(p, json!({ "prompt": "   \n\t " }), "prompt", Empty),
        row(
            p,
            json!({ "prompt": long(prompt_max + 1) }),
            "prompt",
            TooLong,
        ),
        row(
            p,
            json!({ "prompt": "ok", "references": [format!("https://x.example.com/{}", long(2100))] }),
            "references[0]",
            TooLong,
        ),
        row(
            p,
            json!({ "prompt": "ok", "aspectRatio": "5:7" }),
            "aspectRatio",
            NotAllowed,
        ),
        row(
            p,
            json!({ "prompt": "ok", "count": 0 }),
            "count",
            OutOfRange,
        ),
        row(
            p,
            json!({ "prompt": "ok", "count": 2.5 }),
            "count",
            NotInteger,
        ),
        row(
            p,
            json!({ "prompt": "ok", "count": "3" }),
            "count",
            InvalidType,
        ),
        row(
            p,
            json!({ "prompt": "ok", "references": ["not a url"] }),
            "references[0]",
            InvalidUrl,
        ),
        row(
            p,
            json!({ "prompt": "ok", "references": ["https://ex ample.com/a.png"] }),
            "references[0]",
            InvalidUrl,
        ),
        row(
            p,
            json!({ "prompt": "ok", "references": ["http://cdn.example.com/a.png"] }),
            "references[0]",
            InsecureUrl,
        ),
        row(
            p,
            json!({ "prompt": "ok", "references": ["https://169.254.169.254/latest"] }),
            "references[0]",
            InsecureUrl,
        ),
        row(
            p,
            json!({ "prompt": "ok", "references": ["https://user:pw@cdn.example.com/a.png"] }),
            "references[0]",
            InsecureUrl,
        ),
        row(
            p,
            json!({ "prompt": "ok", "references": refs(max_refs + 1) }),
            "references",
            TooMany,
        ),
        row(
            p,
            json!({ "prompt": "ok", "size": "1024x1024", "aspectRatio": "1:1" }),
            "size",
            Conflict,
        ),
        row(
            p,
            json!({ "prompt": "ok", "aspect_ratio": "1:1" }),
            "aspect_ratio",
            UnknownField,
        ),
        row(
            p,
            json!({ "prompt": "ok", "model": "dall-e-3" }),
            "model",
            NotAllowed,
        ),
        row(
            p,
            json!({ "prompt": "ok", "model": 2 }),
            "model",
            InvalidType,
        ),
    ]
}

fn provider_rows() -> Vec<Row> {
    use providers::{
        APIFRAME as Apiframe, AZURE as Azure, FAL as Fal, GETIMG as Getimg,
        GPTIMAGE2AI as Gptimage2ai, OPENAI as Openai, OPENROUTER as Openrouter,
        REPLICATE as Replicate,
    };
    use IssueCode::*;
    let warn = |p, request, path| Row {
        provider: p,
        request,
        strict: false,
        path,
        code: Unsupported,
        severity: Warning,
    };
    let strict = |p, request, path| Row {
        provider: p,
        request,
        strict: true,
        path,
        code: Unsupported,
        severity: Error,
    };
    vec![
        // Apiframe
        row(Apiframe, json!({ "prompt": long(2001) }), "prompt", TooLong),
        row(
            Apiframe,
            json!({ "prompt": "ok", "aspectRatio": "16:9" }),
            "aspectRatio",
            NotAllowed,
        ),
        row(
            Apiframe,
            json!({ "prompt": "ok", "background": "transparent" }),
            "background",
            NotAllowed,
        ),
        row(
            Apiframe,
            json!({ "prompt": "ok", "quality": "ultra" }),
            "quality",
            NotAllowed,
        ),
        row(
            Apiframe,
            json!({ "prompt": "ok", "outputFormat": "gif" }),
            "outputFormat",
            NotAllowed,
        ),
        row(
            Apiframe,
            json!({ "prompt": "ok", "moderation": "none" }),
            "moderation",
            NotAllowed,
        ),
        row(
            Apiframe,
            json!({ "prompt": "ok", "count": 11 }),
            "count",
            OutOfRange,
        ),
        row(
            Apiframe,
            json!({ "prompt": "ok", "webhookUrl": "ftp://hooks.example.com/x" }),
            "webhookUrl",
            InvalidUrl,
        ),
        row(
            Apiframe,
            json!({ "prompt": "ok", "webhookUrl": "http://hooks.example.com/x" }),
            "webhookUrl",
            InsecureUrl,
        ),
        row(
            Apiframe,
            json!({ "prompt": "ok", "webhookUrl": format!("https://hooks.example.com/{}", long(2100)) }),
            "webhookUrl",
            TooLong,
        ),
        row(
            Apiframe,
            json!({ "prompt": "ok", "outputFormat": "png", "outputCompression": 80 }),
            "outputCompression",
            Conflict,
        ),
        warn(
            Apiframe,
            json!({ "prompt": "ok", "size": "1024x1024" }),
            "size",
        ),
        warn(
            Apiframe,
            json!({ "prompt": "ok", "style": "cinematic" }),
            "style",
        ),
        strict(
            Apiframe,
            json!({ "prompt": "ok", "resolution": "2K" }),
            "resolution",
        ),
        row(
            Apiframe,
            json!({ "prompt": "ok", "webhook_url": "https://h.example.com" }),
            "webhook_url",
            UnknownField,
        ),
        // GPTImage2.ai
        row(
            Gptimage2ai,
            json!({ "prompt": "ok", "aspectRatio": "3:2" }),
            "aspectRatio",
            NotAllowed,
        ),
        row(
            Gptimage2ai,
            json!({ "prompt": "ok", "count": 5 }),
            "count",
            OutOfRange,
        ),
        row(
            Gptimage2ai,
            json!({ "prompt": "ok", "style": "Studio Product" }),
            "style",
            NotAllowed,
        ),
        row(
            Gptimage2ai,
            json!({ "prompt": "ok", "style": "  " }),
            "style",
            Empty,
        ),
        row(
            Gptimage2ai,
            json!({ "prompt": "ok", "lighting": "" }),
            "lighting",
            Empty,
        ),
        row(
            Gptimage2ai,
            json!({ "prompt": "ok", "camera": long(1001) }),
            "camera",
            TooLong,
        ),
        row(
            Gptimage2ai,
            json!({ "prompt": "ok", "negative": ["blur"] }),
            "negative",
            InvalidType,
        ),
        row(
            Gptimage2ai,
            json!({ "prompt": "ok", "size": "1024x1024", "resolution": "1K" }),
            "size",
            Conflict,
        ),
        warn(
            Gptimage2ai,
            json!({ "prompt": "ok", "quality": "high" }),
            "quality",
        ),
        warn(
            Gptimage2ai,
            json!({ "prompt": "ok", "webhookUrl": "https://h.example.com/x" }),
            "webhookUrl",
        ),
        strict(
            Gptimage2ai,
            json!({ "prompt": "ok", "outputFormat": "png" }),
            "outputFormat",
        ),
        row(
            Gptimage2ai,
            json!({ "prompt": "ok", "imageUrls": [] }),
            "imageUrls",
            UnknownField,
        ),
        // getimg.ai
        row(
            Getimg,
            json!({ "prompt": "ok", "aspectRatio": "5:4" }),
            "aspectRatio",
            NotAllowed,
        ),
        row(
            Getimg,
            json!({ "prompt": "ok", "resolution": "4K" }),
            "resolution",
            NotAllowed,
        ),
        row(
            Getimg,
            json!({ "prompt": "ok", "resolution": 2 }),
            "resolution",
            InvalidType,
        ),
        row(
            Getimg,
            json!({ "prompt": "ok", "count": 11 }),
            "count",
            OutOfRange,
        ),
        row(
            Getimg,
            json!({ "prompt": "ok", "references": refs(11) }),
            "references",
            TooMany,
        ),
        row(
            Getimg,
            json!({ "prompt": "ok", "outputCompression": 50 }),
            "outputCompression",
            Conflict,
        ),
        warn(
            Getimg,
            json!({ "prompt": "ok", "quality": "low" }),
            "quality",
        ),
        warn(
            Getimg,
            json!({ "prompt": "ok", "background": "opaque" }),
            "background",
        ),
        strict(
            Getimg,
            json!({ "prompt": "ok", "moderation": "low" }),
            "moderation",
        ),
        row(
            Getimg,
            json!({ "prompt": "ok", "images": [] }),
            "images",
            UnknownField,
        ),
        // OpenAI
        row(Openai, json!({ "prompt": long(32_001) }), "prompt", TooLong),
        row(
            Openai,
            json!({ "prompt": "ok", "size": "1024*1024" }),
            "size",
            NotAllowed,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "size": "big" }),
            "size",
            NotAllowed,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "size": "01024x1024" }),
            "size",
            NotAllowed,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "size": 1024 }),
            "size",
            InvalidType,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "size": "1000x1000" }),
            "size",
            OutOfRange,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "size": "3856x2160" }),
            "size",
            OutOfRange,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "size": "3840x1136" }),
            "size",
            OutOfRange,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "size": "512x512" }),
            "size",
            OutOfRange,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "size": "3840x3840" }),
            "size",
            OutOfRange,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "outputCompression": 101, "outputFormat": "jpeg" }),
            "outputCompression",
            OutOfRange,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "outputCompression": 50.5, "outputFormat": "webp" }),
            "outputCompression",
            NotInteger,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "outputCompression": 80, "outputFormat": "png" }),
            "outputCompression",
            Conflict,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "outputCompression": 80 }),
            "outputCompression",
            Conflict,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "size": "1536x1024", "aspectRatio": "3:2" }),
            "size",
            Conflict,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "background": "clear" }),
            "background",
            NotAllowed,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "background": "transparent", "outputFormat": "jpeg" }),
            "background",
            Conflict,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "mask": "https://cdn.example.com/m.png" }),
            "mask",
            Conflict,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "references": ["https://cdn.example.com/a.png"], "inputFidelity": "max" }),
            "inputFidelity",
            NotAllowed,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "references": ["data:image/gif;base64,R0lGODlh"] }),
            "references[0]",
            InvalidUrl,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "user": "u".repeat(257) }),
            "user",
            TooLong,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "references": ["https://cdn.example.com/a.png"], "size": "1536x864", "moderation": "low" }),
            "moderation",
            Conflict,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "count": 11 }),
            "count",
            OutOfRange,
        ),
        row(
            Openai,
            json!({ "prompt": "ok", "references": refs(17) }),
            "references",
            TooMany,
        ),
        warn(
            Openai,
            json!({ "prompt": "ok", "style": "cinematic" }),
            "style",
        ),
        warn(
            Openai,
            json!({ "prompt": "ok", "webhookUrl": "https://h.example.com/x" }),
            "webhookUrl",
        ),
        strict(
            Openai,
            json!({ "prompt": "ok", "negative": "blur" }),
            "negative",
        ),
        row(Openai, json!({ "prompt": "ok", "n": 2 }), "n", UnknownField),
        // A gpt-image-* id OpenAI may have released since: a warning, an error when strict.
        Row {
            provider: Openai,
            request: json!({ "prompt": "ok", "model": "gpt-image-9" }),
            strict: false,
            path: "model",
            code: UnlistedModel,
            severity: Warning,
        },
        Row {
            provider: Openai,
            request: json!({ "prompt": "ok", "model": "gpt-image-9" }),
            strict: true,
            path: "model",
            code: UnlistedModel,
            severity: Error,
        },
        // A model another provider sells is not Apiframe's.
        row(
            Apiframe,
            json!({ "prompt": "ok", "model": "gpt-image-2.5-flare" }),
            "model",
            NotAllowed,
        ),
        // A 2.5 model's own values: xhigh, which gpt-image-2 has not.
        row(
            Openai,
            json!({ "prompt": "ok", "quality": "xhigh" }),
            "quality",
            NotAllowed,
        ),
        // Azure (its default API, the dated deployments API)
        warn(Azure, json!({ "prompt": "ok", "style": "vivid" }), "style"),
        strict(
            Azure,
            json!({ "prompt": "ok", "moderation": "low" }),
            "moderation",
        ),
        // Its edits take no output format: left out with a warning, refused when strict.
        warn(
            Azure,
            json!({ "prompt": "ok", "references": ["https://cdn.example.com/a.png"], "outputFormat": "png" }),
            "outputFormat",
        ),
        strict(
            Azure,
            json!({ "prompt": "ok", "references": ["https://cdn.example.com/a.png"], "background": "opaque" }),
            "background",
        ),
        row(
            Azure,
            json!({ "prompt": "ok", "outputFormat": "webp" }),
            "outputFormat",
            NotAllowed,
        ),
        row(
            Azure,
            json!({ "prompt": "ok", "size": "2048x2048" }),
            "size",
            NotAllowed,
        ),
        row(
            Azure,
            json!({ "prompt": "ok", "resolution": "2K" }),
            "resolution",
            NotAllowed,
        ),
        row(
            Azure,
            json!({ "prompt": "ok", "quality": "hd" }),
            "quality",
            NotAllowed,
        ),
        warn(
            Azure,
            json!({ "prompt": "ok", "inputFidelity": "high", "references": ["https://cdn.example.com/a.png"] }),
            "inputFidelity",
        ),
        Row {
            provider: Azure,
            request: json!({ "prompt": "ok", "model": "gpt-image-3" }),
            strict: false,
            path: "model",
            code: UnlistedModel,
            severity: Warning,
        },
        Row {
            provider: Azure,
            request: json!({ "prompt": "ok", "model": "gpt-image-3" }),
            strict: true,
            path: "model",
            code: UnlistedModel,
            severity: Error,
        },
        // OpenRouter
        warn(
            Openrouter,
            json!({ "prompt": "ok", "moderation": "low" }),
            "moderation",
        ),
        strict(Openrouter, json!({ "prompt": "ok", "user": "u-1" }), "user"),
        row(
            Openrouter,
            json!({ "prompt": "ok", "mask": "https://cdn.example.com/m.png", "references": ["https://cdn.example.com/a.png"] }),
            "mask",
            Unsupported,
        ),
        row(
            Openrouter,
            json!({ "prompt": "ok", "resolution": "4K" }),
            "resolution",
            NotAllowed,
        ),
        row(
            Openrouter,
            json!({ "prompt": "ok", "outputFormat": "svg" }),
            "outputFormat",
            NotAllowed,
        ),
        row(
            Openrouter,
            json!({ "prompt": "ok", "references": refs(17) }),
            "references",
            TooMany,
        ),
        Row {
            provider: Openrouter,
            request: json!({ "prompt": "ok", "model": "gpt-image-3" }),
            strict: false,
            path: "model",
            code: UnlistedModel,
            severity: Warning,
        },
        Row {
            provider: Openrouter,
            request: json!({ "prompt": "ok", "model": "gpt-image-3" }),
            strict: true,
            path: "model",
            code: UnlistedModel,
            severity: Error,
        },
        // Replicate
        warn(
            Replicate,
            json!({ "prompt": "ok", "size": "1024x1024" }),
            "size",
        ),
        strict(Replicate, json!({ "prompt": "ok", "user": "u-1" }), "user"),
        row(
            Replicate,
            json!({ "prompt": "ok", "mask": "https://cdn.example.com/m.png", "references": ["https://cdn.example.com/a.png"] }),
            "mask",
            Unsupported,
        ),
        row(
            Replicate,
            json!({ "prompt": "ok", "aspectRatio": "16:9" }),
            "aspectRatio",
            NotAllowed,
        ),
        row(
            Replicate,
            json!({ "prompt": "ok", "background": "transparent" }),
            "background",
            NotAllowed,
        ),
        row(
            Replicate,
            json!({ "prompt": "ok", "count": 11 }),
            "count",
            OutOfRange,
        ),
        row(
            Replicate,
            json!({ "prompt": "ok", "references": refs(17) }),
            "references",
            TooMany,
        ),
        row(
            Replicate,
            json!({ "prompt": "ok", "model": "gpt-image-2.5-flare" }),
            "model",
            NotAllowed,
        ),
        // fal
        warn(
            Fal,
            json!({ "prompt": "ok", "background": "opaque" }),
            "background",
        ),
        strict(
            Fal,
            json!({ "prompt": "ok", "moderation": "low" }),
            "moderation",
        ),
        row(
            Fal,
            json!({ "prompt": "ok", "aspectRatio": "3:2" }),
            "aspectRatio",
            NotAllowed,
        ),
        row(
            Fal,
            json!({ "prompt": "ok", "count": 5 }),
            "count",
            OutOfRange,
        ),
        row(
            Fal,
            json!({ "prompt": "ok", "references": refs(17) }),
            "references",
            TooMany,
        ),
        row(
            Fal,
            json!({ "prompt": "ok", "size": "1000x1000" }),
            "size",
            OutOfRange,
        ),
        row(
            Fal,
            json!({ "prompt": "ok", "outputFormat": "gif" }),
            "outputFormat",
            NotAllowed,
        ),
    ]
}

fn all_rows() -> Vec<Row> {
    let mut rows: Vec<Row> = Provider::all()
        .iter()
        .copied()
        .flat_map(common_rows)
        .collect();
    rows.extend(provider_rows());
    rows
}

#[test]
fn each_row_yields_exactly_its_issue() {
    let mut failures = Vec::new();
    for r in all_rows() {
        let opts = ValidateOptions {
            strict: r.strict,
            allow_local_urls: false,
            surface: None,
        };
        let v = validate_request(r.provider, &r.request, opts);
        let (hits, others) = match r.severity {
            Error => (&v.errors, &v.warnings),
            Warning => (&v.warnings, &v.errors),
        };
        let found = hits
            .iter()
            .any(|i| i.path == r.path && i.code == r.code && !i.message.is_empty());
        // The row's issue is the only error (warnings may accompany a conflict
        // about a field the provider lacks).
        let stray_errors: Vec<_> = v
            .errors
            .iter()
            .filter(|i| !(i.path == r.path && i.code == r.code))
            .collect();
        let ok = found
            && stray_errors.is_empty()
            && (r.severity == Error || others.is_empty())
            && v.ok() == (r.severity == Warning)
            && v.request.is_some() == v.ok();
        if !ok {
            failures.push(format!(
                "{} {} strict={} expected {:?} {} at {:?}; got errors {:?} warnings {:?}",
                r.provider.id(),
                r.request.to_string().chars().take(80).collect::<String>(),
                r.strict,
                r.severity,
                r.code,
                r.path,
                v.errors,
                v.warnings
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_table_covers_every_code_for_every_provider() {
    let rows = all_rows();
    for &p in Provider::all() {
        for code in IssueCode::ALL {
            if code == IssueCode::UnlistedModel && p.spec().model_family.is_none() {
                continue; // only a provider with a model family has unlisted models
            }
            assert!(
                rows.iter().any(|r| r.provider == p && r.code == code),
                "no row for {} {}",
                p.id(),
                code
            );
        }
        // `unsupported` both ways: a warning by default, an error when strict.
        for sev in [Warning, Error] {
            assert!(rows
                .iter()
                .any(|r| r.provider == p && r.code == IssueCode::Unsupported && r.severity == sev));
        }
    }
}

#[test]
fn all_problems_are_reported_at_once() {
    let req = json!({
        "prompt": "",
        "count": 99,
        "aspectRatio": "7:5",
        "references": ["https://ok.example.com/a.png", "nope", "http://x.example.com/b.png"],
        "quality": "ultra",
        "aspect_ratio": "1:1",
        "size": "1024x1024",
    });
    let v = validate_request(providers::APIFRAME, &req, ValidateOptions::default());
    let got: Vec<(String, &str)> = v
        .errors
        .iter()
        .map(|i| (i.path.to_string(), i.code.as_str()))
        .collect();
    for want in [
        ("prompt", "empty"),
        ("count", "out_of_range"),
        ("aspectRatio", "not_allowed"),
        ("references[1]", "invalid_url"),
        ("references[2]", "insecure_url"),
        ("quality", "not_allowed"),
        ("aspect_ratio", "unknown_field"),
        ("size", "conflict"),
    ] {
        assert!(
            got.contains(&(want.0.to_string(), want.1)),
            "missing {want:?} in {got:?}"
        );
    }
    assert_eq!(v.errors.len(), 8, "{got:?}");
    assert_eq!(
        v.warnings.len(),
        1,
        "size is unsupported on Apiframe: {:?}",
        v.warnings
    );
    assert!(v.request.is_none());
}

#[test]
fn valid_requests_pass_and_are_trimmed() {
    let cases = [
        (
            providers::APIFRAME,
            json!({ "prompt": "  a cat  ", "quality": "medium", "aspectRatio": "3:2", "count": 4, "background": "opaque", "outputFormat": "png", "moderation": "low", "references": ["https://cdn.example.com/a.png"], "webhookUrl": "https://hooks.example.com/x" }),
        ),
        (
            providers::GPTIMAGE2AI,
            json!({ "prompt": "a cat", "aspectRatio": "16:9", "count": 4, "style": "studio-product", "lighting": "soft", "camera": "85mm", "negative": "blur" }),
        ),
        (
            providers::GETIMG,
            json!({ "prompt": "a cat", "aspectRatio": "21:9", "resolution": "2K", "outputFormat": "jpeg", "count": 3, "references": refs(10) }),
        ),
        (
            providers::OPENAI,
            json!({ "prompt": "a cat", "size": "3840x2160", "quality": "high", "outputFormat": "webp", "outputCompression": 0, "background": "auto", "count": 10, "references": refs(16) }),
        ),
        (
            providers::OPENAI,
            json!({ "prompt": "a cat", "size": "auto", "outputCompression": 100, "outputFormat": "jpeg" }),
        ),
        (
            providers::OPENAI,
            json!({ "prompt": "a cat", "aspectRatio": "9:16", "resolution": "2K" }),
        ),
        (
            providers::APIFRAME,
            json!({ "prompt": "a cat", "count": null, "quality": null }),
        ),
        (providers::APIFRAME, json!({ "prompt": "x".repeat(2000) })),
        (providers::APIFRAME, json!({ "prompt": "é".repeat(2000) })),
    ];
    for (p, req) in cases {
        let v = validate_request(p, &req, ValidateOptions::default());
        assert!(v.ok(), "{} {req}: {:?}", p.id(), v.errors);
        assert!(v.warnings.is_empty(), "{:?}", v.warnings);
        let r = v.request.expect("a valid request is typed");
        assert_eq!(r.prompt, r.prompt.trim());
    }
}

#[test]
fn prompt_length_counts_utf16_units_like_javascript() {
    // An emoji is two UTF-16 units: 1001 of them is 2002 units, over Apiframe's 2000.
    let req = json!({ "prompt": "🙂".repeat(1001) });
    let v = validate_request(providers::APIFRAME, &req, ValidateOptions::default());
    assert_eq!(v.errors[0].code, IssueCode::TooLong);
    let req = json!({ "prompt": "🙂".repeat(1000) });
    assert!(validate_request(providers::APIFRAME, &req, ValidateOptions::default()).ok());
}

#[test]
fn local_urls_pass_only_when_allowed() {
    let req = json!({ "prompt": "ok", "references": ["http://127.0.0.1:4010/a.png"] });
    let strictly = validate_request(providers::OPENAI, &req, ValidateOptions::default());
    assert_eq!(strictly.errors[0].code, IssueCode::InsecureUrl);
    let locally = validate_request(
        providers::OPENAI,
        &req,
        ValidateOptions {
            strict: false,
            allow_local_urls: true,
            surface: None,
        },
    );
    assert!(locally.ok());
}

#[test]
fn unknown_fields_suggest_the_neutral_name() {
    let req = json!({ "prompt": "ok", "output_format": "png", "number_of_images": 2, "negativePrompt": "x" });
    let v = validate_request(providers::OPENAI, &req, ValidateOptions::default());
    let msgs: Vec<&str> = v.errors.iter().map(|i| i.message.as_str()).collect();
    assert!(
        msgs.iter().any(|m| m.contains("`outputFormat`")),
        "{msgs:?}"
    );
    assert!(msgs.iter().any(|m| m.contains("`count`")), "{msgs:?}");
    assert!(msgs.iter().any(|m| m.contains("`negative`")), "{msgs:?}");
}

#[test]
fn issue_codes_are_pinned() {
    let codes: Vec<&str> = IssueCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        codes,
        [
            "required",
            "invalid_type",
            "empty",
            "too_long",
            "not_allowed",
            "out_of_range",
            "not_integer",
            "invalid_url",
            "insecure_url",
            "too_many",
            "unsupported",
            "conflict",
            "unknown_field",
            "unlisted_model"
        ]
    );
}

#[test]
fn every_field_is_found_by_its_name_and_by_nothing_else() {
    use gpt_image_core::Field;
    for (i, f) in Field::ALL.into_iter().enumerate() {
        assert_eq!(Field::from_name(f.name()), Some(f));
        // The validator indexes a table by the field: ALL is in declaration order.
        assert_eq!(f as usize, i, "{f:?}");
        assert_eq!(Field::from_name(&f.name().to_uppercase()), None);
        assert_eq!(Field::from_name(&format!("{} ", f.name())), None);
    }
    for name in ["", "models", "Prompt", "webhook_url", "prompt\0"] {
        assert_eq!(Field::from_name(name), None, "{name:?}");
    }
}
