//! OpenAI Images API: `POST /v1/images/generations` (JSON) and `POST /v1/images/edits`
//! (multipart, or JSON with images by data URL or URL), synchronous, images inline as
//! `b64_json`, billed from token usage.

use std::sync::Arc;

use base64::Engine;
use hyper::{Response, StatusCode};
use serde_json::{json, Map, Value};

use super::{authenticate_bearer, Incoming, JobFault, Problem};
use crate::app::App;
use crate::config::Provider;
use crate::http::{json, Body};
use crate::images::{self, Format, ImageSpec};
use crate::multipart;
use crate::schedule::generation_ms;

/// Accepted model ids: gpt-image-2 and its snapshot (the OpenAPI document), and the
/// later models (ASSUMED from third-party write-ups for 2.5, OpenAI's model page for 2.6).
pub const MODELS: [&str; 5] = [
    "gpt-image-2",
    "gpt-image-2-2026-04-21",
    "gpt-image-2.5-flare",
    "gpt-image-2.5-sunburst",
    "gpt-image-2.6-sunburst",
];

/// Whether a model takes `quality` xhigh and max (gpt-image-2.5 and later, ASSUMED).
fn has_extra_qualities(model: &str) -> bool {
    model.starts_with("gpt-image-2.5") || model.starts_with("gpt-image-2.6")
}
/// Longest prompt in characters.
pub const MAX_PROMPT_CHARS: usize = 32_000;
/// Most images per request.
pub const MAX_N: i64 = 10;
/// Most input images per edit.
pub const MAX_EDIT_IMAGES: usize = 16;
/// Every input image must be smaller than this.
pub const MAX_IMAGE_BYTES: usize = 50 * 1024 * 1024;

/// Micro-dollars per token: text input $5/M, image input $8/M, image output $30/M.
pub const TEXT_INPUT_MICRO_USD: i64 = 5;
/// See [`TEXT_INPUT_MICRO_USD`].
pub const IMAGE_INPUT_MICRO_USD: i64 = 8;
/// See [`TEXT_INPUT_MICRO_USD`].
pub const IMAGE_OUTPUT_MICRO_USD: i64 = 30;

/// Output tokens of one 1024x1024 image per quality: the published per-image prices
/// (low $0.006, medium $0.053, high $0.211) divided by $30 per million tokens; for the
/// later models' xhigh and max, which have no published price, ASSUMED twice and three
/// times high.
pub fn output_tokens_1024(quality: &str) -> f64 {
    match quality {
        "low" => 200.0,
        "medium" => 1767.0,
        "xhigh" => 2.0 * 7033.0,
        "max" => 3.0 * 7033.0,
        _ => 7033.0,
    }
}

/// Output tokens of one image: scaled by area; non-square sizes of the same area cost
/// slightly less (ASSUMED factor 0.97; the documents only say "slightly").
pub fn output_tokens(quality: &str, width: u32, height: u32) -> u64 {
    let area = f64::from(width) * f64::from(height) / 1_048_576.0;
    let shape = if width == height { 1.0 } else { 0.97 };
    (output_tokens_1024(quality) * area * shape).round() as u64
}

/// Text tokens of a prompt: about four characters per token.
pub fn text_tokens(prompt: &str) -> u64 {
    (prompt.chars().count() as u64).div_ceil(4).max(1)
}

/// Image input tokens of an uploaded image. ASSUMED (OpenAI publishes no rule for
/// image models): its vision tiling. The image is scaled down to fit 2048x2048, then
/// so that its shorter side is at most 768; it costs 85 plus 170 per 512x512 tile it
/// covers (at most 8 tiles, 1,445 tokens). With `input_fidelity: "high"` it costs four
/// times that (ASSUMED, from fal's published gpt-image-1 figures: about 3,050 tokens
/// for a 1024x1024 image at high fidelity).
pub fn image_input_tokens(width: u32, height: u32, high_fidelity: bool) -> u64 {
    let (mut w, mut h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    let fit = (2048.0 / w.max(h)).min(1.0);
    w *= fit;
    h *= fit;
    let shorter = (768.0 / w.min(h)).min(1.0);
    w = (w * shorter).round().max(1.0);
    h = (h * shorter).round().max(1.0);
    let tiles = (w / 512.0).ceil() as u64 * (h / 512.0).ceil() as u64;
    let tokens = 85 + 170 * tiles;
    if high_fidelity {
        tokens * 4
    } else {
        tokens
    }
}

/// Image output tokens each partial image of a stream adds (ASSUMED from OpenAI's
/// image generation guide: "each partial image adds 100 image output tokens").
pub const PARTIAL_IMAGE_OUTPUT_TOKENS: u64 = 100;

/// An error in OpenAI's `{"error": {"message", "type", "param", "code"}}` shape.
pub fn error(
    status: StatusCode,
    kind: &str,
    message: &str,
    param: Option<&str>,
    code: Option<&str>,
) -> Response<Body> {
    json(
        status,
        &json!({"error": {"message": message, "type": kind, "param": param, "code": code}}),
    )
}

/// A 400 `invalid_request_error` naming the parameter at fault.
#[derive(Debug, PartialEq)]
pub(crate) struct Invalid {
    pub message: String,
    pub param: String,
    pub code: &'static str,
}

impl Invalid {
    fn response(&self) -> Response<Body> {
        error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            &self.message,
            Some(&self.param),
            Some(self.code),
        )
    }
}

fn invalid(message: String, param: &str, code: &'static str) -> Invalid {
    Invalid {
        message,
        param: param.to_string(),
        code,
    }
}

/// Shared failures in OpenAI's shape.
pub fn problem(problem: &Problem) -> Response<Body> {
    match problem {
        Problem::Unauthorized { missing: true } => error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            None,
            Some("invalid_api_key"),
        ),
        Problem::Unauthorized { missing: false } => error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            "Incorrect API key provided.",
            None,
            Some("invalid_api_key"),
        ),
        Problem::RateLimited { .. } => error(
            StatusCode::TOO_MANY_REQUESTS,
            "requests",
            "Rate limit reached for requests. Please try again shortly.",
            None,
            Some("rate_limit_exceeded"),
        ),
        Problem::Upstream(code) => error(
            StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "server_error",
            "The server had an error while processing your request. Sorry about that!",
            None,
            None,
        ),
        Problem::InvalidBody(message) => error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            &format!("We could not parse the JSON body of your request. ({message})"),
            None,
            None,
        ),
        Problem::TooLarge => error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request_error",
            "Request body too large.",
            None,
            None,
        ),
    }
}

/// Validated generation settings, shared by both endpoints (and by the
/// providers that speak OpenAI's Images API).
#[derive(Debug, PartialEq)]
pub(crate) struct Settings {
    pub prompt: String,
    pub n: u32,
    pub quality: &'static str,
    pub width: u32,
    pub height: u32,
    pub background: &'static str,
    pub format: Format,
    pub compression: Option<u8>,
    /// `stream: true`: answer with server-sent events.
    pub stream: bool,
    /// Partial images to stream before each final one (0..3).
    pub partial_images: u8,
    /// `input_fidelity: "high"` (edits).
    pub high_fidelity: bool,
}

/// Who answers a generation: OpenAI, or a provider that serves its models
/// with OpenAI's Images API and answers in its own shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// OpenAI itself; events named `image_generation.*` or `image_edit.*`.
    OpenAi(&'static str),
    /// Azure OpenAI: images with content filter results, no streaming.
    Azure,
    /// OpenRouter: `media_type` per image, `usage.cost`, data-only events ended by `[DONE]`.
    OpenRouter,
}

impl Dialect {
    fn problem(self, p: &Problem) -> Response<Body> {
        match self {
            Dialect::OpenAi(_) => problem(p),
            Dialect::Azure => super::azure::problem(p),
            Dialect::OpenRouter => super::openrouter::problem(p),
        }
    }

    /// The answer when the key's balance cannot pay.
    fn out_of_money(self) -> Response<Body> {
        match self {
            Dialect::OpenAi(_) => error(
                StatusCode::TOO_MANY_REQUESTS,
                "insufficient_quota",
                "You exceeded your current quota, please check your plan and billing details.",
                None,
                Some("insufficient_quota"),
            ),
            Dialect::Azure => super::azure::error(
                StatusCode::TOO_MANY_REQUESTS,
                "429",
                "Your resource's quota is exhausted.",
            ),
            Dialect::OpenRouter => super::openrouter::error(
                StatusCode::PAYMENT_REQUIRED,
                "Insufficient credits. Add more using https://openrouter.ai/credits",
            ),
        }
    }

    /// `usage` of one answer: tokens, and for OpenRouter the cost in dollars.
    fn usage(self, input_text: u64, input_image: u64, output: u64, micro_usd: i64) -> Value {
        match self {
            Dialect::OpenRouter => json!({
                "prompt_tokens": input_text + input_image,
                "completion_tokens": output,
                "total_tokens": input_text + input_image + output,
                "cost": micro_usd as f64 / 1e6,
            }),
            _ => json!({
                "input_tokens": input_text + input_image,
                "input_tokens_details": {"image_tokens": input_image, "text_tokens": input_text},
                "output_tokens": output,
                "total_tokens": input_text + input_image + output,
            }),
        }
    }

    /// One image of `data`.
    fn image(self, b64: String, s: &Settings) -> Value {
        match self {
            Dialect::OpenAi(_) => json!({ "b64_json": b64 }),
            Dialect::Azure => {
                json!({ "b64_json": b64, "content_filter_results": super::azure::clean_filters() })
            }
            Dialect::OpenRouter => json!({ "b64_json": b64, "media_type": s.format.mime() }),
        }
    }

    /// One server-sent event.
    fn event(self, kind: &str, data: &Value) -> bytes::Bytes {
        match self {
            Dialect::OpenRouter => bytes::Bytes::from(format!("data: {data}\n\n")),
            _ => event(kind, data),
        }
    }
}

/// Text fields of a multipart edit (`CreateImageEditRequest`: no `moderation`).
const MULTIPART_EDIT_FIELDS: [&str; 12] = [
    "model",
    "prompt",
    "n",
    "quality",
    "size",
    "background",
    "output_format",
    "output_compression",
    "input_fidelity",
    "user",
    "stream",
    "partial_images",
];

/// Fields of a JSON edit (`EditImageBodyJsonParam`) besides `images` and `mask`.
const JSON_EDIT_FIELDS: [&str; 13] = [
    "model",
    "prompt",
    "n",
    "quality",
    "size",
    "background",
    "output_format",
    "output_compression",
    "moderation",
    "input_fidelity",
    "user",
    "stream",
    "partial_images",
];

/// Sizes a JSON edit takes.
const JSON_EDIT_SIZES: [&str; 4] = ["auto", "1024x1024", "1536x1024", "1024x1536"];

/// Longest `image_url` a JSON edit takes.
const MAX_IMAGE_URL: usize = 20_971_520;

const GENERATION_FIELDS: [&str; 12] = [
    "model",
    "prompt",
    "n",
    "quality",
    "size",
    "background",
    "output_format",
    "output_compression",
    "moderation",
    "user",
    "stream",
    "partial_images",
];

/// Parses `size`: "auto", or "WxH" with both edges multiples of 16, the longest at most
/// 3840, a ratio within 1:3..3:1 and 655,360..8,294,400 pixels.
pub fn parse_size(size: &str) -> Result<(u32, u32), String> {
    if size == "auto" {
        return Ok((1024, 1024));
    }
    let (w, h) = size
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
        .ok_or_else(|| format!("Invalid size '{size}'. Expected 'auto' or 'WIDTHxHEIGHT'."))?;
    let why = if w % 16 != 0 || h % 16 != 0 {
        Some("both edges must be multiples of 16")
    } else if w.max(h) > 3840 {
        Some("the longest edge must be at most 3840")
    } else if u64::from(w.max(h)) > 3 * u64::from(w.min(h)) {
        Some("the aspect ratio must be between 1:3 and 3:1")
    } else if !(655_360..=8_294_400).contains(&(u64::from(w) * u64::from(h))) {
        Some("the total pixels must be between 655,360 and 8,294,400")
    } else {
        None
    };
    match why {
        Some(reason) => Err(format!("Invalid size '{size}': {reason}.")),
        None => Ok((w, h)),
    }
}

fn one_of(value: &str, param: &str, allowed: &[&'static str]) -> Result<&'static str, Invalid> {
    allowed
        .iter()
        .find(|a| **a == value)
        .copied()
        .ok_or_else(|| {
            let quoted: Vec<String> = allowed.iter().map(|a| format!("'{a}'")).collect();
            invalid(
                format!(
                    "Invalid value: '{value}'. Supported values are: {}.",
                    quoted.join(", ")
                ),
                param,
                "invalid_value",
            )
        })
}

/// Parses the settings from JSON (`from_form` false) or form text fields (all strings).
fn parse_settings(
    fields: &Map<String, Value>,
    from_form: bool,
    allowed: &[&str],
) -> Result<Settings, Invalid> {
    if let Some(unknown) = fields.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(invalid(
            format!("Unknown parameter: '{unknown}'."),
            unknown,
            "unknown_parameter",
        ));
    }
    let text = |name: &str| -> Result<Option<&str>, Invalid> {
        match fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(invalid(
                format!(
                    "Invalid type for '{name}': expected a string, but got {} instead.",
                    type_word(other)
                ),
                name,
                "invalid_type",
            )),
        }
    };
    let integer = |name: &str| -> Result<Option<i64>, Invalid> {
        let bad = |v: &Value| {
            invalid(
                format!(
                    "Invalid type for '{name}': expected an integer, but got {} instead.",
                    type_word(v)
                ),
                name,
                "invalid_type",
            )
        };
        match fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) if !from_form => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| bad(&Value::Number(n.clone()))),
            Some(Value::String(s)) if from_form => {
                s.trim().parse().map(Some).map_err(|_| bad(&json!(s)))
            }
            Some(other) => Err(bad(other)),
        }
    };

    let model = text("model")?.unwrap_or_default();
    match text("model")? {
        Some(m) if MODELS.contains(&m) => {}
        Some(m) => {
            return Err(invalid(
                format!("The sandbox simulates {} only; model '{m}' is not simulated.", MODELS.join(" and ")),
                "model",
                "invalid_value",
            ))
        }
        None => {
            return Err(invalid(
                "The sandbox simulates gpt-image-2 only; without 'model' OpenAI uses dall-e-2, which is not simulated.".into(),
                "model",
                "invalid_value",
            ))
        }
    }
    let prompt = text("prompt")?.ok_or_else(|| {
        invalid(
            "Missing required parameter: 'prompt'.".into(),
            "prompt",
            "missing_required_parameter",
        )
    })?;
    let chars = prompt.chars().count();
    if chars == 0 {
        return Err(invalid(
            "Invalid 'prompt': empty string. Expected a string with minimum length 1, but got an empty string instead.".into(),
            "prompt",
            "empty_string",
        ));
    }
    if chars > MAX_PROMPT_CHARS {
        return Err(invalid(
            format!("Invalid 'prompt': string too long. Expected a string with maximum length {MAX_PROMPT_CHARS}, but got a string with length {chars} instead."),
            "prompt",
            "string_above_max_length",
        ));
    }
    let n = integer("n")?.unwrap_or(1);
    if n < 1 {
        return Err(invalid(
            format!("Invalid 'n': integer below minimum value. Expected a value >= 1, but got {n} instead."),
            "n",
            "integer_below_min_value",
        ));
    }
    if n > MAX_N {
        return Err(invalid(
            format!("Invalid 'n': integer above maximum value. Expected a value <= {MAX_N}, but got {n} instead."),
            "n",
            "integer_above_max_value",
        ));
    }
    let qualities: &[&'static str] = if has_extra_qualities(model) {
        &["low", "medium", "high", "xhigh", "max", "auto"]
    } else {
        &["low", "medium", "high", "auto"]
    };
    let quality = one_of(text("quality")?.unwrap_or("auto"), "quality", qualities)?;
    let background = one_of(
        text("background")?.unwrap_or("auto"),
        "background",
        &["auto", "opaque", "transparent"],
    )?;
    let format_name = one_of(
        text("output_format")?.unwrap_or("png"),
        "output_format",
        &["png", "jpeg", "webp"],
    )?;
    if background == "transparent" && format_name == "jpeg" {
        return Err(invalid(
            "Transparent background requires output_format 'png' or 'webp'.".into(),
            "background",
            "invalid_value",
        ));
    }
    let format = Format::parse(format_name).unwrap_or(Format::Png);
    one_of(
        text("moderation")?.unwrap_or("auto"),
        "moderation",
        &["auto", "low"],
    )?;
    let compression = match integer("output_compression")? {
        None => None,
        Some(_) if format == Format::Png => {
            return Err(invalid(
                "output_compression is only supported with output_format 'jpeg' or 'webp'.".into(),
                "output_compression",
                "invalid_value",
            ))
        }
        Some(c) if !(0..=100).contains(&c) => {
            return Err(invalid(
                format!("Invalid 'output_compression': expected a value between 0 and 100, but got {c} instead."),
                "output_compression",
                "invalid_value",
            ))
        }
        Some(c) => Some(c as u8),
    };
    let size = text("size")?.unwrap_or("auto");
    let (width, height) = parse_size(size).map_err(|m| invalid(m, "size", "invalid_value"))?;
    let high_fidelity = if allowed.contains(&"input_fidelity") {
        one_of(
            text("input_fidelity")?.unwrap_or("low"),
            "input_fidelity",
            &["high", "low"],
        )? == "high"
    } else {
        false
    };
    if let Some(user) = text("user")? {
        if user.chars().count() > 256 {
            return Err(invalid(
                "Invalid 'user': string too long.".into(),
                "user",
                "string_above_max_length",
            ));
        }
    }
    let stream = match fields.get("stream") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::Bool(true)) => true,
        Some(Value::String(s)) if from_form && (s == "true" || s == "false") => s == "true",
        Some(other) => {
            return Err(invalid(
                format!(
                    "Invalid type for 'stream': expected a boolean, but got {} instead.",
                    type_word(other)
                ),
                "stream",
                "invalid_type",
            ))
        }
    };
    let partial_images = match integer("partial_images")? {
        None => 0,
        Some(p) if (0..=3).contains(&p) => p as u8,
        Some(p) => {
            return Err(invalid(
                format!(
                "Invalid 'partial_images': expected a value between 0 and 3, but got {p} instead."
            ),
                "partial_images",
                "invalid_value",
            ))
        }
    };
    Ok(Settings {
        prompt: prompt.to_string(),
        n: n as u32,
        quality,
        width,
        height,
        background,
        format,
        compression,
        stream,
        partial_images,
        high_fidelity,
    })
}

fn type_word(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a decimal",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `POST /v1/images/generations`.
pub async fn generations(app: &Arc<App>, req: &Incoming<'_>, fault: JobFault) -> Response<Body> {
    let key = match authenticate_bearer(app, req, Provider::OpenAi) {
        Ok(k) => k,
        Err(p) => return problem(&p),
    };
    let body: Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(e) => return problem(&Problem::InvalidBody(e.to_string())),
    };
    let Some(fields) = body.as_object() else {
        return problem(&Problem::InvalidBody(
            "the body must be a JSON object".into(),
        ));
    };
    match parse_settings(fields, false, &GENERATION_FIELDS) {
        Ok(settings) => {
            generate(
                app,
                &key,
                settings,
                0,
                fault,
                Dialect::OpenAi(GENERATION_EVENTS),
            )
            .await
        }
        Err(e) => e.response(),
    }
}

/// `POST /v1/images/edits`.
pub async fn edits(app: &Arc<App>, req: &Incoming<'_>, fault: JobFault) -> Response<Body> {
    let key = match authenticate_bearer(app, req, Provider::OpenAi) {
        Ok(k) => k,
        Err(p) => return problem(&p),
    };
    let content_type = req.header("content-type").unwrap_or_default();
    if content_type.starts_with("application/json") {
        return json_edit(app, req, &key, fault).await;
    }
    let Some(boundary) = multipart::boundary(content_type) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            &format!("Invalid Content-Type header ({content_type}), expected multipart/form-data."),
            None,
            None,
        );
    };
    let parts = match multipart::parse(&req.body, &boundary) {
        Ok(p) => p,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                &format!("Could not parse the multipart form: {e}"),
                None,
                None,
            )
        }
    };
    let mut fields = Map::new();
    let mut images = Vec::new();
    let mut mask = None;
    for part in parts {
        match part.name.as_str() {
            "image" | "image[]" => images.push(part.data),
            "mask" => mask = Some(part.data),
            name if part.filename.is_none() => match String::from_utf8(part.data) {
                Ok(text) => {
                    fields.insert(name.to_string(), Value::String(text));
                }
                Err(_) => {
                    return invalid(
                        format!("Field '{name}' is not UTF-8 text."),
                        name,
                        "invalid_value",
                    )
                    .response()
                }
            },
            name => {
                return invalid(
                    format!("Unknown parameter: '{name}'."),
                    name,
                    "unknown_parameter",
                )
                .response()
            }
        }
    }
    let settings = match parse_settings(&fields, true, &MULTIPART_EDIT_FIELDS) {
        Ok(s) => s,
        Err(e) => return e.response(),
    };
    let image_tokens = match check_edit_images(&images, mask.as_deref(), settings.high_fidelity) {
        Ok(tokens) => tokens,
        Err(e) => return e.response(),
    };
    generate(
        app,
        &key,
        settings,
        image_tokens,
        fault,
        Dialect::OpenAi(EDIT_EVENTS),
    )
    .await
}

/// `POST /v1/images/edits` as JSON: `images: [{ image_url }]` and `mask: { image_url }`,
/// each a `data:` URL or a URL of one of the sandbox's own images (ASSUMED: the
/// sandbox fetches nothing else; the real API fetches any public URL).
async fn json_edit(
    app: &Arc<App>,
    req: &Incoming<'_>,
    key: &str,
    fault: JobFault,
) -> Response<Body> {
    let body: Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(e) => return problem(&Problem::InvalidBody(e.to_string())),
    };
    let Some(fields) = body.as_object() else {
        return problem(&Problem::InvalidBody(
            "the body must be a JSON object".into(),
        ));
    };
    let mut rest = fields.clone();
    let images_v = rest.remove("images");
    let mask_v = rest.remove("mask");
    let settings = match parse_settings(&rest, false, &JSON_EDIT_FIELDS) {
        Ok(s) => s,
        Err(e) => return e.response(),
    };
    let size = rest.get("size").and_then(Value::as_str).unwrap_or("auto");
    if !JSON_EDIT_SIZES.contains(&size) {
        return one_of(size, "size", &JSON_EDIT_SIZES)
            .err()
            .map(|e| e.response())
            .unwrap_or_else(|| problem(&Problem::Upstream(500)));
    }
    let Some(Value::Array(refs)) = images_v else {
        return invalid(
            "Missing required parameter: 'images'.".into(),
            "images",
            "missing_required_parameter",
        )
        .response();
    };
    if refs.is_empty() || refs.len() > MAX_EDIT_IMAGES {
        return invalid(
            format!(
                "Invalid 'images': expected 1 to {MAX_EDIT_IMAGES} images, got {}.",
                refs.len()
            ),
            "images",
            "invalid_value",
        )
        .response();
    }
    let mut images = Vec::with_capacity(refs.len());
    for (i, r) in refs.iter().enumerate() {
        match image_ref(app, r, &format!("images[{i}]")).await {
            Ok(bytes) => images.push(bytes),
            Err(e) => return e.response(),
        }
    }
    let mask = match mask_v {
        None | Some(Value::Null) => None,
        Some(m) => match image_ref(app, &m, "mask").await {
            Ok(bytes) => Some(bytes),
            Err(e) => return e.response(),
        },
    };
    let image_tokens = match check_edit_images(&images, mask.as_deref(), settings.high_fidelity) {
        Ok(tokens) => tokens,
        Err(e) => return e.response(),
    };
    generate(
        app,
        key,
        settings,
        image_tokens,
        fault,
        Dialect::OpenAi(EDIT_EVENTS),
    )
    .await
}

/// The bytes an `ImageRefParam` (`{ image_url }`) names.
async fn image_ref(app: &Arc<App>, v: &Value, param: &str) -> Result<Vec<u8>, Invalid> {
    let bad = |why: String| {
        invalid(
            format!("Invalid '{param}': {why}."),
            param,
            "invalid_image_url",
        )
    };
    let obj = v
        .as_object()
        .ok_or_else(|| bad("expected an object with `image_url`".into()))?;
    if obj.contains_key("file_id") {
        return Err(bad("the sandbox does not simulate the Files API".into()));
    }
    if let Some(extra) = obj.keys().find(|k| *k != "image_url") {
        return Err(invalid(
            format!("Unknown parameter: '{param}.{extra}'."),
            param,
            "unknown_parameter",
        ));
    }
    let url = obj
        .get("image_url")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("`image_url` must be a string".into()))?;
    image_bytes(app, url).await.map_err(bad)
}

/// The bytes an image URL names: a base64 `data:` URL, or a URL of one of the
/// sandbox's own images (ASSUMED: the sandbox fetches nothing else; the real
/// APIs fetch any public URL). `Err` says why not.
pub(crate) async fn image_bytes(app: &Arc<App>, url: &str) -> Result<Vec<u8>, String> {
    if url.len() > MAX_IMAGE_URL {
        return Err(format!("longer than {MAX_IMAGE_URL} characters"));
    }
    if let Some(rest) = url.strip_prefix("data:") {
        let (meta, data) = rest
            .split_once(',')
            .ok_or_else(|| "a malformed data URL".to_string())?;
        if !meta.ends_with(";base64") {
            return Err("a data URL must be base64".into());
        }
        return base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|_| "the data URL is not valid base64".to_string());
    }
    let own = format!("{}/sandbox/images/", app.base_url);
    let file = url.strip_prefix(&own).ok_or_else(|| {
        "the sandbox can fetch only its own images (or take data URLs)".to_string()
    })?;
    let (token, ext) = file
        .rsplit_once('.')
        .ok_or_else(|| "no such image".to_string())?;
    app.asset_bytes(token, ext)
        .await
        .map(|(bytes, _)| bytes.to_vec())
        .ok_or_else(|| "the image could not be downloaded".to_string())
}

/// Validates edit inputs and returns their image input tokens.
pub(crate) fn check_edit_images(
    images: &[Vec<u8>],
    mask: Option<&[u8]>,
    high_fidelity: bool,
) -> Result<u64, Invalid> {
    if images.is_empty() {
        return Err(invalid(
            "Missing required parameter: 'image'.".into(),
            "image",
            "missing_required_parameter",
        ));
    }
    if images.len() > MAX_EDIT_IMAGES {
        return Err(invalid(
            format!(
                "Invalid 'image': too many images. Expected at most {MAX_EDIT_IMAGES}, but got {}.",
                images.len()
            ),
            "image",
            "too_many_images",
        ));
    }
    let mut tokens = 0;
    let mut first_size = None;
    for (i, data) in images.iter().enumerate() {
        let param = format!("image[{i}]");
        if data.len() >= MAX_IMAGE_BYTES {
            return Err(invalid(
                format!("Invalid '{param}': each image must be smaller than 50 MB."),
                &param,
                "image_too_large",
            ));
        }
        let size = images::sniff(data).and_then(|_| images::dimensions(data)).ok_or_else(|| {
            invalid(
                format!("Invalid '{param}': unsupported or unreadable image. Supported formats are PNG, JPEG and WebP."),
                &param,
                "invalid_image_format",
            )
        })?;
        first_size.get_or_insert(size);
        tokens += image_input_tokens(size.0, size.1, high_fidelity);
    }
    if let Some(mask) = mask {
        let bad = |why: &str| invalid(format!("Invalid 'mask': {why}."), "mask", "invalid_mask");
        if images::sniff(mask) != Some(images::Format::Png) {
            return Err(bad("the mask must be a PNG"));
        }
        if !images::has_alpha(mask) {
            return Err(bad("the mask must have an alpha channel"));
        }
        if images::dimensions(mask) != first_size {
            return Err(bad("the mask must have the same size as the first image"));
        }
    }
    Ok(tokens)
}

/// The prefix of the streamed event types: `image_generation` or `image_edit`.
const GENERATION_EVENTS: &str = "image_generation";
/// See [`GENERATION_EVENTS`].
const EDIT_EVENTS: &str = "image_edit";

/// Prices, waits, renders and answers one generation (streamed when asked),
/// in `dialect`'s shape.
pub(crate) async fn generate(
    app: &Arc<App>,
    key: &str,
    s: Settings,
    image_tokens: u64,
    fault: JobFault,
    dialect: Dialect,
) -> Response<Body> {
    let text = text_tokens(&s.prompt);
    let partials = if s.stream {
        u64::from(s.partial_images) * PARTIAL_IMAGE_OUTPUT_TOKENS
    } else {
        0
    };
    let per_image = output_tokens(s.quality, s.width, s.height) + partials;
    let output = per_image * u64::from(s.n);
    let price = (text as i64) * TEXT_INPUT_MICRO_USD
        + (image_tokens as i64) * IMAGE_INPUT_MICRO_USD
        + (output as i64) * IMAGE_OUTPUT_MICRO_USD;
    let delay = {
        let mut state = app.state();
        if state.reserve(key, price).is_err() {
            return dialect.out_of_money();
        }
        let median = match s.quality {
            "low" => 10.0,
            "medium" => 20.0,
            _ => 45.0,
        };
        let area = f64::from(s.width) * f64::from(s.height) / 1_048_576.0;
        let median = median * area.sqrt() * (1.0 + 0.1 * f64::from(s.n - 1));
        generation_ms(&mut state.rng, median, app.config.time_scale)
    };
    let usage = dialect.usage(text, image_tokens, output, price);
    if s.stream {
        // ASSUMED: a streamed request of n images sends each image's partial images and
        // its own completed event; the first completed event's usage counts the input
        // tokens, and each counts its own image's output tokens.
        let usages = (0..s.n)
            .map(|i| {
                let (text, image) = if i == 0 { (text, image_tokens) } else { (0, 0) };
                let micro_usd = (text as i64) * TEXT_INPUT_MICRO_USD
                    + (image as i64) * IMAGE_INPUT_MICRO_USD
                    + (per_image as i64) * IMAGE_OUTPUT_MICRO_USD;
                dialect.usage(text, image, per_image, micro_usd)
            })
            .collect();
        return stream(app, key, s, price, usages, delay, fault, dialect);
    }
    tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    if fault.fail {
        app.state().refund(key, price);
        return dialect.problem(&Problem::Upstream(500));
    }
    let specs: Vec<ImageSpec> = (0..s.n).map(|i| spec(&s, i, s.width, s.height)).collect();
    let encoded = match render_all(specs).await {
        Some(encoded) => encoded,
        None => {
            app.state().refund(key, price);
            return dialect.problem(&Problem::Upstream(500));
        }
    };
    app.state().charge(key, price, s.n, price);
    let created = app.clock.unix_ms(app.now()) / 1000;
    let data: Vec<Value> = encoded.into_iter().map(|b| dialect.image(b, &s)).collect();
    let answer = match dialect {
        Dialect::OpenRouter => json!({ "created": created, "data": data, "usage": usage }),
        _ => json!({
            "created": created,
            "background": if s.background == "auto" { "opaque" } else { s.background },
            "data": data,
            "output_format": s.format.name(),
            "quality": if s.quality == "auto" { "high" } else { s.quality },
            "size": format!("{}x{}", s.width, s.height),
            "usage": usage,
        }),
    };
    json(StatusCode::OK, &answer)
}

/// The image `index` of a generation, at `width`x`height`.
fn spec(s: &Settings, index: u32, width: u32, height: u32) -> ImageSpec {
    ImageSpec {
        jpeg_quality: s.compression.unwrap_or(100).max(1),
        transparent: s.background == "transparent",
        ..ImageSpec::for_prompt(&s.prompt, index, width, height, s.format)
    }
}

/// The images, encoded as base64, rendered off the async threads.
async fn render_all(specs: Vec<ImageSpec>) -> Option<Vec<String>> {
    tokio::task::spawn_blocking(move || {
        specs
            .iter()
            .map(|spec| {
                images::render(spec).map(|b| base64::engine::general_purpose::STANDARD.encode(b))
            })
            .collect::<Result<Vec<String>, String>>()
    })
    .await
    .ok()?
    .ok()
}

/// One server-sent event.
fn event(kind: &str, data: &Value) -> bytes::Bytes {
    bytes::Bytes::from(format!("event: {kind}\ndata: {data}\n\n"))
}

/// `stream: true`: for each of the n images, `partial_images` partial images (a quarter
/// of each edge, spread over the generation time), then its completed event with its
/// `usage`; or an `error` event.
#[allow(clippy::too_many_arguments)]
fn stream(
    app: &Arc<App>,
    key: &str,
    s: Settings,
    price: i64,
    usages: Vec<Value>,
    delay: u64,
    fault: JobFault,
    dialect: Dialect,
) -> Response<Body> {
    // OpenRouter's events carry OpenAI's generation event types.
    let events = match dialect {
        Dialect::OpenAi(events) => events,
        _ => GENERATION_EVENTS,
    };
    let (body, tx) = Body::channel();
    let (app, key) = (app.clone(), key.to_string());
    tokio::spawn(async move {
        let created = app.clock.unix_ms(app.now()) / 1000;
        // ASSUMED: the event schemas list only the classic sizes; others are reported as "auto".
        let size = format!("{}x{}", s.width, s.height);
        let size = if ["1024x1024", "1024x1536", "1536x1024"].contains(&size.as_str()) {
            size
        } else {
            "auto".to_string()
        };
        let meta = if dialect == Dialect::OpenRouter {
            json!({})
        } else {
            json!({
            "created_at": created,
            "size": size,
            "quality": if s.quality == "auto" { "high" } else { s.quality },
            "background": if s.background == "auto" { "opaque" } else { s.background },
            "output_format": s.format.name(),
            })
        };
        let mut tx = Some(tx);
        // Send an event while the client listens; the generation goes on (and is
        // billed) after it leaves.
        let send = |tx: &mut Option<tokio::sync::mpsc::Sender<bytes::Bytes>>,
                    bytes: bytes::Bytes| {
            let sender = tx.take();
            async move {
                match sender {
                    Some(t) if t.send(bytes).await.is_ok() => Some(t),
                    _ => None,
                }
            }
        };
        let parts = u64::from(s.partial_images);
        let step = delay / (u64::from(s.n) * (parts + 1)).max(1);
        let mut finals = Vec::new();
        for image in 0..s.n {
            for i in 0..s.partial_images {
                tokio::time::sleep(std::time::Duration::from_millis(step)).await;
                let small = spec(&s, image, (s.width / 4).max(16), (s.height / 4).max(16));
                let Some(b64) = render_all(vec![small])
                    .await
                    .and_then(|v| v.into_iter().next())
                else {
                    break;
                };
                let mut data = meta.clone();
                data["type"] = json!(format!("{events}.partial_image"));
                data["b64_json"] = json!(b64);
                data["partial_image_index"] = json!(i);
                tx = send(
                    &mut tx,
                    dialect.event(&format!("{events}.partial_image"), &data),
                )
                .await;
            }
            tokio::time::sleep(std::time::Duration::from_millis(step)).await;
            let rendered = if fault.fail {
                None
            } else {
                render_all(vec![spec(&s, image, s.width, s.height)]).await
            };
            let Some(b64) = rendered.and_then(|v| v.into_iter().next()) else {
                app.state().refund(&key, price);
                let e = json!({"type": "error", "error": {"type": "server_error", "message": "The server had an error while processing your request.", "code": null, "param": null}});
                let _ = send(&mut tx, dialect.event("error", &e)).await;
                return;
            };
            finals.push(b64);
        }
        app.state().charge(&key, price, s.n, price);
        for (b64, usage) in finals.into_iter().zip(usages) {
            let mut data = meta.clone();
            data["type"] = json!(format!("{events}.completed"));
            data["b64_json"] = json!(b64);
            data["usage"] = usage;
            if dialect == Dialect::OpenRouter {
                data["created"] = json!(created);
                data["media_type"] = json!(s.format.mime());
            }
            tx = send(
                &mut tx,
                dialect.event(&format!("{events}.completed"), &data),
            )
            .await;
        }
        if dialect == Dialect::OpenRouter {
            let _ = send(&mut tx, bytes::Bytes::from_static(b"data: [DONE]\n\n")).await;
        }
    });
    let mut response = Response::new(body);
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/event-stream"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("auto"), Ok((1024, 1024)));
        assert_eq!(parse_size("1536x1024"), Ok((1536, 1024)));
        assert_eq!(parse_size("3840x2160"), Ok((3840, 2160)));
        assert!(parse_size("1000x1000").is_err()); // not multiples of 16
        assert!(parse_size("3856x2160").is_err()); // longest edge
        assert!(parse_size("2400x784").is_err()); // ratio above 3:1
        assert!(parse_size("768x768").is_err()); // too few pixels
        assert!(parse_size("1024").is_err());
    }

    #[test]
    fn tokens_track_published_prices() {
        assert_eq!(output_tokens("low", 1024, 1024), 200);
        assert_eq!(output_tokens("medium", 1024, 1024), 1767);
        assert_eq!(output_tokens("high", 1024, 1024), 7033);
        assert_eq!(output_tokens("auto", 1024, 1024), 7033);
        assert!(output_tokens("high", 1536, 1024) > 7033);
        assert_eq!(text_tokens("abcdefgh"), 2);
        assert_eq!(image_input_tokens(1024, 1024, false), 85 + 170 * 4);
        // Scaled to fit 2048x2048, then to a shorter side of 768: never above 8 tiles.
        assert_eq!(image_input_tokens(4096, 4096, false), 85 + 170 * 4);
        assert_eq!(image_input_tokens(1000, 3000, false), 85 + 170 * 8);
        assert_eq!(image_input_tokens(512, 512, true), (85 + 170) * 4);
    }

    #[test]
    fn settings_defaults_and_errors() {
        let ok = |v: Value| parse_settings(v.as_object().unwrap(), false, &GENERATION_FIELDS);
        let s = ok(json!({"model": "gpt-image-2", "prompt": "p"})).unwrap();
        assert_eq!(
            (s.n, s.quality, s.width, s.format),
            (1, "auto", 1024, Format::Png)
        );
        for bad in [
            json!({"prompt": "p"}),
            json!({"model": "dall-e-3", "prompt": "p"}),
            json!({"model": "gpt-image-2", "prompt": ""}),
            json!({"model": "gpt-image-2", "prompt": "p", "n": 0}),
            json!({"model": "gpt-image-2", "prompt": "p", "n": 11}),
            json!({"model": "gpt-image-2", "prompt": "p", "n": "2"}),
            json!({"model": "gpt-image-2", "prompt": "p", "quality": "ultra"}),
            json!({"model": "gpt-image-2", "prompt": "p", "background": "transparent", "output_format": "jpeg"}),
            json!({"model": "gpt-image-2", "prompt": "p", "input_fidelity": "high"}),
            json!({"model": "gpt-image-2", "prompt": "p", "output_compression": 50}),
            json!({"model": "gpt-image-2", "prompt": "p", "output_format": "jpeg", "output_compression": 101}),
            json!({"model": "gpt-image-2", "prompt": "p", "moderation": "none"}),
            json!({"model": "gpt-image-2", "prompt": "p", "style": "vivid"}),
            json!({"model": "gpt-image-2", "prompt": "p", "partial_images": 5}),
        ] {
            assert!(ok(bad.clone()).is_err(), "{bad}");
        }
        let clear = ok(
            json!({"model": "gpt-image-2", "prompt": "p", "background": "transparent", "output_format": "webp"}),
        );
        assert_eq!(clear.unwrap().background, "transparent");
        let form = json!({"model": "gpt-image-2", "prompt": "p", "n": "3", "output_format": "jpeg", "output_compression": "40"});
        let s = parse_settings(form.as_object().unwrap(), true, &GENERATION_FIELDS).unwrap();
        assert_eq!((s.n, s.compression), (3, Some(40)));
    }
}
