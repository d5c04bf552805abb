//! getimg.ai: synchronous `POST /v2/images/generations`.

use std::sync::Arc;

use hyper::{Response, StatusCode};
use serde_json::{json, Map, Value};

use super::{authenticate_bearer, is_http_url, Incoming, JobFault, Problem};
use crate::app::App;
use crate::config::Provider;
use crate::http::{json, Body};
use crate::images::{size_for_ratio, Format, ImageSpec};
use crate::schedule::generation_ms;
use crate::state::MICRO_USD;

/// Accepted `aspect_ratio` values.
pub const ASPECT_RATIOS: [&str; 9] = [
    "1:1", "2:3", "3:2", "4:3", "3:4", "4:5", "16:9", "9:16", "21:9",
];

/// Most reference images per request.
pub const MAX_REFERENCES: usize = 10;

/// Fields the documents show. ASSUMED: others are rejected rather than ignored.
const KNOWN_FIELDS: [&str; 6] = [
    "model",
    "prompt",
    "aspect_ratio",
    "resolution",
    "output_format",
    "images",
];

/// Price per image in micro-dollars: 1K $0.06, 2K $0.12.
pub fn micro_usd_per_image(resolution: &str) -> i64 {
    if resolution == "2K" {
        120_000
    } else {
        60_000
    }
}

/// Status reported under the `unknown_status` fault: not the documented `completed`.
pub const UNKNOWN_STATUS: &str = "processing";

/// getimg's error body. ASSUMED: undocumented; every getimg error goes through here so the
/// shape is one edit away from the real one.
pub fn error(status: StatusCode, kind: &str, message: &str) -> Response<Body> {
    json(
        status,
        &json!({"error": {"type": kind, "message": message}}),
    )
}

/// Shared failures in getimg's (assumed) shape.
pub fn problem(problem: &Problem) -> Response<Body> {
    match problem {
        Problem::Unauthorized { missing: true } => error(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "Missing API key",
        ),
        Problem::Unauthorized { missing: false } => error(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "Invalid API key",
        ),
        Problem::RateLimited { .. } => error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_error",
            "Too many requests",
        ),
        Problem::Upstream(code) => error(
            StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "server_error",
            "The server had an error processing the request",
        ),
        Problem::InvalidBody(message) => error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            &format!("Malformed JSON body: {message}"),
        ),
        Problem::TooLarge => error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request_error",
            "Request body too large",
        ),
    }
}

fn invalid(message: String) -> Response<Body> {
    error(StatusCode::BAD_REQUEST, "invalid_request_error", &message)
}

/// A validated request.
#[derive(Debug)]
struct Request {
    prompt: String,
    ratio: (u32, u32),
    resolution: &'static str,
    format: Format,
}

fn text<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, String> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("'{name}' must be a string")),
    }
}

fn parse(body: &Value) -> Result<Request, String> {
    let obj = body
        .as_object()
        .ok_or("The request body must be a JSON object")?;
    if let Some(unknown) = obj.keys().find(|k| !KNOWN_FIELDS.contains(&k.as_str())) {
        return Err(format!("Unknown parameter '{unknown}'"));
    }
    match text(obj, "model")? {
        None => return Err("'model' is required".into()),
        Some("gpt-image-2") => {}
        Some(other) => {
            return Err(format!(
                "The sandbox simulates model 'gpt-image-2' only, not '{other}'"
            ))
        }
    }
    let prompt = text(obj, "prompt")?
        .filter(|p| !p.trim().is_empty())
        .ok_or("'prompt' is required")?;
    let ratio = text(obj, "aspect_ratio")?.unwrap_or("1:1");
    if !ASPECT_RATIOS.contains(&ratio) {
        return Err(format!(
            "Invalid aspect_ratio '{ratio}'; expected one of {}",
            ASPECT_RATIOS.join(", ")
        ));
    }
    let (w, h) = ratio.split_once(':').unwrap_or(("1", "1"));
    let resolution = match text(obj, "resolution")?.unwrap_or("1K") {
        "1K" => "1K",
        "2K" => "2K",
        other => return Err(format!("Invalid resolution '{other}'; expected 1K or 2K")),
    };
    let format = match text(obj, "output_format")? {
        None => Format::Png,
        Some(f) => Format::parse(f)
            .ok_or_else(|| format!("Invalid output_format '{f}'; expected png, jpeg or webp"))?,
    };
    if let Some(images) = obj.get("images").filter(|v| !v.is_null()) {
        let images = images
            .as_array()
            .ok_or("'images' must be an array of {\"url\": ...}")?;
        if images.len() > MAX_REFERENCES {
            return Err(format!(
                "At most {MAX_REFERENCES} reference images are allowed"
            ));
        }
        for (i, image) in images.iter().enumerate() {
            let url = image
                .as_object()
                .filter(|o| o.len() == 1)
                .and_then(|o| o.get("url"))
                .and_then(Value::as_str)
                .ok_or_else(|| format!("images[{i}] must be an object with a single 'url'"))?;
            if !is_http_url(url) {
                return Err(format!("images[{i}].url must be an http(s) URL"));
            }
        }
    }
    Ok(Request {
        prompt: prompt.to_string(),
        ratio: (w.parse().unwrap_or(1), h.parse().unwrap_or(1)),
        resolution,
        format,
    })
}

/// `POST /v2/images/generations`: answers once the image is done.
pub async fn generate(app: &Arc<App>, req: &Incoming<'_>, fault: JobFault) -> Response<Body> {
    let key = match authenticate_bearer(app, req, Provider::Getimg) {
        Ok(key) => key,
        Err(p) => return problem(&p),
    };
    let body: Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(e) => return problem(&Problem::InvalidBody(e.to_string())),
    };
    let request = match parse(&body) {
        Ok(r) => r,
        Err(message) => return invalid(message),
    };
    let price = micro_usd_per_image(request.resolution);
    let delay = {
        let mut state = app.state();
        if let Err(short) = state.reserve(&key, price) {
            return error(
                StatusCode::PAYMENT_REQUIRED,
                "insufficient_balance",
                &format!(
                    "Insufficient balance: ${:.2} required, ${:.2} available",
                    short.required as f64 / MICRO_USD as f64,
                    short.available as f64 / MICRO_USD as f64
                ),
            );
        }
        let median = if request.resolution == "2K" {
            18.0
        } else {
            12.0
        };
        generation_ms(&mut state.rng, median, app.config.time_scale)
    };
    tokio::time::sleep(std::time::Duration::from_millis(delay)).await;

    let now = app.now();
    let mut state = app.state();
    if fault.fail {
        state.refund(&key, price);
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "Image generation failed",
        );
    }
    state.charge(&key, price, 1, price);
    let megapixels = if request.resolution == "2K" { 4.0 } else { 1.0 };
    let (width, height) = size_for_ratio(request.ratio.0, request.ratio.1, megapixels);
    let expires = now.saturating_add(app.asset_ttl_ms());
    let spec = ImageSpec::for_prompt(&request.prompt, 0, width, height, request.format);
    let token = App::add_asset(&mut state, spec, now, expires, None);
    let id = state.rng.uuid_v4();
    drop(state);
    let price_usd = price as f64 / MICRO_USD as f64;
    json(
        StatusCode::OK,
        &json!({
            "id": id,
            "model": "gpt-image-2",
            "status": if fault.unknown_status { UNKNOWN_STATUS } else { "completed" },
            "data": [{
                "url": app.asset_url(&token, request.format),
                "mime_type": request.format.mime(),
                "deletes_at": app.clock.iso(expires),
                "width": width,
                "height": height,
            }],
            "usage": {
                "billable_unit": "image",
                "quantity": 1,
                "unit_price": price_usd,
                "total_cost": price_usd,
            },
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_fields() {
        assert!(parse(&json!({"model": "gpt-image-2", "prompt": "p"})).is_ok());
        let ok = parse(&json!({"model": "gpt-image-2", "prompt": "p", "aspect_ratio": "21:9",
            "resolution": "2K", "output_format": "webp", "images": [{"url": "https://x.test/a.png"}]}))
        .unwrap();
        assert_eq!(
            (ok.ratio, ok.resolution, ok.format),
            ((21, 9), "2K", Format::Webp)
        );
        for bad in [
            json!({"prompt": "p"}),
            json!({"model": "gpt-image-2"}),
            json!({"model": "gpt-image-2", "prompt": "p", "aspect_ratio": "5:4"}),
            json!({"model": "gpt-image-2", "prompt": "p", "resolution": "4K"}),
            json!({"model": "gpt-image-2", "prompt": "p", "output_format": "gif"}),
            json!({"model": "gpt-image-2", "prompt": "p", "n": 2}),
            json!({"model": "gpt-image-2", "prompt": "p", "images": ["https://x.test/a.png"]}),
            json!({"model": "gpt-image-2", "prompt": "p", "images": vec![json!({"url": "https://x.test/a.png"}); 11]}),
        ] {
            assert!(parse(&bad).is_err(), "{bad}");
        }
    }
}
