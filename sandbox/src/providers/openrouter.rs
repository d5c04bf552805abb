//! OpenRouter's image API: `POST /api/v1/images` (JSON), synchronous, model
//! `openai/gpt-image-2`, bodies judged by OpenRouter's own document
//! (`spec/openrouter/openrouter-images.openapi.yaml`, `ImageGenerationRequest`); the cost
//! of each call in `usage.cost`; `stream: true` answers with data-only server-sent events
//! (partial images, then the completed image with its usage) ended by `data: [DONE]`.
//! `GET /api/v1/images/models` lists the model.
//!
//! ASSUMED where the document is silent: the model is billed at OpenAI's token prices
//! (OpenRouter publishes none for it); a stream sends two partial images per image (the
//! document takes no count); aspect ratios and resolutions gpt-image-2 cannot make are
//! refused rather than clamped, so a client never gets another size than it asked.

use std::sync::{Arc, OnceLock};

use hyper::{Response, StatusCode};
use serde_json::{json, Value};

use super::openai::{self, Dialect, Settings};
use super::{authenticate_bearer, Incoming, JobFault, Problem};
use crate::app::App;
use crate::config::Provider;
use crate::http::{json, Body};
use crate::images::Format;
use crate::openapi::{Rejection, RequestSchema};

/// The one model the sandbox serves.
pub const MODEL: &str = "openai/gpt-image-2";
/// Partial images a stream sends before each image (ASSUMED: the document takes no count).
pub const STREAM_PARTIAL_IMAGES: u8 = 2;

const DOC: &str = include_str!("../../../spec/openrouter/openrouter-images.openapi.yaml");

fn schema() -> &'static RequestSchema {
    static SCHEMA: OnceLock<RequestSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        RequestSchema::compile(DOC, "ImageGenerationRequest")
            .expect("OpenRouter's document compiles")
    })
}

/// gpt-image-2's size for an aspect ratio at 1K (2K doubles both edges).
const RATIO_SIZES_1K: [(&str, u32, u32); 9] = [
    ("1:1", 1024, 1024),
    ("3:2", 1536, 1024),
    ("2:3", 1024, 1536),
    ("4:3", 1152, 864),
    ("3:4", 864, 1152),
    ("4:5", 1024, 1280),
    ("16:9", 1536, 864),
    ("9:16", 864, 1536),
    ("21:9", 1680, 720),
];

/// An error in OpenRouter's `{"error": {"code", "message"}}` shape (`code` is the status).
pub fn error(status: StatusCode, message: &str) -> Response<Body> {
    json(
        status,
        &json!({"error": {"code": status.as_u16(), "message": message}}),
    )
}

fn invalid(r: &Rejection) -> Response<Body> {
    json(
        StatusCode::BAD_REQUEST,
        &json!({"error": {"code": 400, "message": r.message, "metadata": {"param": r.param}}}),
    )
}

fn rejection(param: &str, message: String) -> Rejection {
    Rejection {
        param: param.to_string(),
        message,
    }
}

/// Shared failures in OpenRouter's shape.
pub fn problem(problem: &Problem) -> Response<Body> {
    match problem {
        Problem::Unauthorized { missing: true } => {
            error(StatusCode::UNAUTHORIZED, "Missing Authentication header")
        }
        Problem::Unauthorized { missing: false } => {
            error(StatusCode::UNAUTHORIZED, "User not found.")
        }
        Problem::RateLimited { .. } => error(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded"),
        Problem::Upstream(code) => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let message = if *code == 502 {
                "Provider returned error"
            } else {
                "Internal Server Error"
            };
            error(status, message)
        }
        Problem::InvalidBody(message) => error(
            StatusCode::BAD_REQUEST,
            &format!("Invalid request parameters: {message}"),
        ),
        Problem::TooLarge => error(StatusCode::PAYLOAD_TOO_LARGE, "Request payload too large"),
    }
}

/// The settings of a body the document accepted, for gpt-image-2.
fn settings(body: &serde_json::Map<String, Value>) -> Result<Settings, Rejection> {
    let text = |k: &str| body.get(k).and_then(Value::as_str);
    match text("model") {
        Some(MODEL) => {}
        Some(other) => {
            return Err(rejection(
                "model",
                format!("The sandbox serves {MODEL} only; '{other}' is not simulated."),
            ))
        }
        None => return Err(rejection("model", "Missing model.".into())),
    }
    let prompt = text("prompt").unwrap_or_default();
    if prompt.chars().count() > openai::MAX_PROMPT_CHARS {
        return Err(rejection(
            "prompt",
            format!(
                "Prompt longer than {} characters.",
                openai::MAX_PROMPT_CHARS
            ),
        ));
    }
    let n = body.get("n").and_then(Value::as_i64).unwrap_or(1);
    if !(1..=openai::MAX_N).contains(&n) {
        return Err(rejection(
            "n",
            format!("n must be between 1 and {}, got {n}.", openai::MAX_N),
        ));
    }
    let (width, height) = match (text("size"), text("aspect_ratio"), text("resolution")) {
        (Some(size), ratio, res) => {
            if ratio.is_some() || res.is_some() {
                return Err(rejection(
                    "size",
                    "An explicit pixel size is authoritative: leave out aspect_ratio and resolution.".into(),
                ));
            }
            openai::parse_size(size).map_err(|m| rejection("size", m))?
        }
        (None, None, None) => (1024, 1024),
        (None, ratio, res) => {
            let ratio = ratio.unwrap_or("1:1");
            let scale = match res.unwrap_or("1K") {
                "1K" => 1,
                "2K" => 2,
                other => {
                    return Err(rejection(
                        "resolution",
                        format!("openai/gpt-image-2 makes 1K and 2K images, not {other}."),
                    ))
                }
            };
            let (_, w, h) = RATIO_SIZES_1K
                .iter()
                .find(|(r, _, _)| *r == ratio)
                .ok_or_else(|| {
                    rejection(
                        "aspect_ratio",
                        format!("openai/gpt-image-2 does not make {ratio} images."),
                    )
                })?;
            (w * scale, h * scale)
        }
    };
    let format = match text("output_format").unwrap_or("png") {
        "svg" => {
            return Err(rejection(
                "output_format",
                "openai/gpt-image-2 makes raster images: png, jpeg or webp.".into(),
            ))
        }
        f => Format::parse(f).unwrap_or(Format::Png),
    };
    let background = match text("background").unwrap_or("auto") {
        "transparent" => "transparent",
        "opaque" => "opaque",
        _ => "auto",
    };
    if background == "transparent" && format == Format::Jpeg {
        return Err(rejection(
            "background",
            "transparent requires an output_format that supports alpha (png or webp).".into(),
        ));
    }
    // "Ignored for png".
    let compression = body
        .get("output_compression")
        .and_then(Value::as_i64)
        .filter(|_| format != Format::Png);
    if compression.is_some_and(|c| !(0..=100).contains(&c)) {
        return Err(rejection(
            "output_compression",
            "output_compression is 0 to 100.".into(),
        ));
    }
    let quality = match text("quality").unwrap_or("auto") {
        "low" => "low",
        "medium" => "medium",
        "high" => "high",
        _ => "auto",
    };
    let stream = body.get("stream").and_then(Value::as_bool).unwrap_or(false);
    Ok(Settings {
        prompt: prompt.to_string(),
        n: n as u32,
        quality,
        width,
        height,
        background,
        format,
        compression: compression.map(|c| c as u8),
        stream,
        partial_images: if stream { STREAM_PARTIAL_IMAGES } else { 0 },
        high_fidelity: false,
    })
}

/// `POST /api/v1/images`.
pub async fn images(app: &Arc<App>, req: &Incoming<'_>, fault: JobFault) -> Response<Body> {
    let key = match authenticate_bearer(app, req, Provider::OpenRouter) {
        Ok(k) => k,
        Err(p) => return problem(&p),
    };
    let body: Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(e) => return problem(&Problem::InvalidBody(e.to_string())),
    };
    if let Err(r) = schema().check(&body) {
        return invalid(&r);
    }
    let Some(fields) = body.as_object() else {
        return problem(&Problem::InvalidBody(
            "the body must be a JSON object".into(),
        ));
    };
    let settings = match settings(fields) {
        Ok(s) => s,
        Err(r) => return invalid(&r),
    };
    // Reference images: data URLs, or the sandbox's own image URLs.
    let mut images = Vec::new();
    let refs = fields
        .get("input_references")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (i, r) in refs.iter().enumerate() {
        let url = r
            .pointer("/image_url/url")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match openai::image_bytes(app, url).await {
            Ok(bytes) => images.push(bytes),
            Err(why) => {
                return invalid(&rejection(
                    "input_references",
                    format!("input_references[{i}]: {why}."),
                ))
            }
        }
    }
    let image_tokens = if images.is_empty() {
        0
    } else {
        match openai::check_edit_images(&images, None, false) {
            Ok(tokens) => tokens,
            Err(e) => return invalid(&rejection("input_references", e.message)),
        }
    };
    openai::generate(
        app,
        &key,
        settings,
        image_tokens,
        fault,
        Dialect::OpenRouter,
    )
    .await
}

/// `GET /api/v1/images/models`: the model the sandbox serves, with its parameters.
pub fn models() -> Response<Body> {
    json(
        StatusCode::OK,
        &json!({"data": [{
            "id": MODEL,
            "name": "OpenAI: GPT Image 2 (sandbox)",
            "created": 1_776_729_600,
            "description": "gpt-image-2 as the sandbox serves it.",
            "architecture": {"input_modalities": ["text", "image"], "output_modalities": ["image"]},
            "endpoints": "/api/v1/images/models/openai/gpt-image-2/endpoints",
            "supported_parameters": {
                "aspect_ratio": {"type": "enum", "values": RATIO_SIZES_1K.iter().map(|r| r.0).collect::<Vec<_>>()},
                "resolution": {"type": "enum", "values": ["1K", "2K"]},
                "quality": {"type": "enum", "values": ["auto", "low", "medium", "high"]},
                "output_format": {"type": "enum", "values": ["png", "jpeg", "webp"]},
                "background": {"type": "enum", "values": ["auto", "transparent", "opaque"]},
                "n": {"type": "range", "min": 1, "max": 10},
            },
            "supports_streaming": true,
        }]}),
    )
}
