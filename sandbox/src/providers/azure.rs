//! Azure OpenAI: a GPT Image deployment in a customer's resource, synchronous, images as
//! base64 only. Two APIs, each judged by Azure's own document (`spec/azure-openai/`):
//! - the deployments API, `POST /openai/deployments/{deployment}/images/generations` (JSON)
//!   and `.../images/edits` (multipart), `?api-version=2025-04-01-preview` required;
//! - the v1 API, `POST /openai/v1/images/generations`, `api-version` optional (`v1` or
//!   `preview`), the deployment named by `model`.
//!
//! The key goes as `api-key`; `Authorization: Bearer <token>` stands for an Entra ID token
//! (ASSUMED: the sandbox takes the resource's key as that token). Every deployment runs
//! gpt-image-2 (ASSUMED), billed by OpenAI's token rules at the prices a third-party listing
//! gives for Azure ($5 per million input tokens, $30 per million output tokens; image input
//! at OpenAI's $8).

use std::sync::{Arc, OnceLock};

use hyper::{Response, StatusCode};
use serde_json::{json, Map, Value};

use super::openai::{self, Dialect, Settings};
use super::{Incoming, JobFault, Problem};
use crate::app::App;
use crate::config::Provider;
use crate::http::{json, Body};
use crate::images::Format;
use crate::multipart;
use crate::openapi::{Rejection, RequestSchema};

/// The only dated api-version the sandbox holds a document for.
pub const API_VERSION: &str = "2025-04-01-preview";
/// The api-versions of the v1 API (its document's `AzureAIFoundryModelsApiVersion`).
pub const V1_API_VERSIONS: [&str; 2] = ["v1", "preview"];

const DEPLOYMENTS_DOC: &str = include_str!(
    "../../../spec/azure-openai/2025-04-01-preview/azure-openai-inference-2025-04-01-preview.images.yaml"
);
const V1_DOC: &str =
    include_str!("../../../spec/azure-openai/v1-preview/azure-openai-v1-preview.images.yaml");

/// The three request schemas, compiled once.
struct Schemas {
    generations: RequestSchema,
    edits: RequestSchema,
    v1: RequestSchema,
}

fn schemas() -> &'static Schemas {
    static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
    SCHEMAS.get_or_init(|| Schemas {
        generations: RequestSchema::compile(DEPLOYMENTS_DOC, "imageGenerationsRequest")
            .expect("Azure's document compiles"),
        edits: RequestSchema::compile(DEPLOYMENTS_DOC, "imageEditsRequest")
            .expect("Azure's document compiles"),
        v1: RequestSchema::compile(V1_DOC, "AzureCreateImageRequest")
            .expect("Azure's v1 document compiles"),
    })
}

/// Which API a request came in on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// `/openai/deployments/{deployment}/images/...`.
    Deployments,
    /// `/openai/v1/images/generations`.
    V1,
}

/// An error in Azure's `{"error": {"code", "message"}}` shape.
pub fn error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    json(
        status,
        &json!({"error": {"code": code, "message": message}}),
    )
}

/// A 400 naming the parameter at fault (Azure passes OpenAI's validation errors through).
fn invalid(r: &Rejection) -> Response<Body> {
    json(
        StatusCode::BAD_REQUEST,
        &json!({"error": {"code": "invalid_value", "message": r.message, "param": r.param, "type": "invalid_request_error"}}),
    )
}

fn rejection(param: &str, message: String) -> Rejection {
    Rejection {
        param: param.to_string(),
        message,
    }
}

/// Shared failures in Azure's shape.
pub fn problem(problem: &Problem) -> Response<Body> {
    match problem {
        Problem::Unauthorized { .. } => error(
            StatusCode::UNAUTHORIZED,
            "401",
            "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
        ),
        Problem::RateLimited { retry_after } => error(
            StatusCode::TOO_MANY_REQUESTS,
            "429",
            &format!("Requests to the Images operation have exceeded the call rate limit of your current pricing tier. Please retry after {retry_after} seconds."),
        ),
        Problem::Upstream(code) => error(
            StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "InternalServerError",
            "The server had an error while processing your request.",
        ),
        Problem::InvalidBody(message) => error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("The request body is not valid JSON. ({message})"),
        ),
        Problem::TooLarge => error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            "Request body too large.",
        ),
    }
}

/// The content filter results of an image that passed every filter.
pub fn clean_filters() -> Value {
    let safe = json!({"filtered": false, "severity": "safe"});
    json!({"hate": safe, "self_harm": safe, "sexual": safe, "violence": safe})
}

/// The caller's key, from `api-key` or (standing for an Entra ID token) `Authorization: Bearer`.
fn authenticate(app: &App, req: &Incoming<'_>) -> Result<String, Problem> {
    let key = req
        .header("api-key")
        .map(str::trim)
        .or_else(|| req.bearer());
    match key {
        Some(k) if app.state().key_provider(k) == Some(Provider::Azure) => Ok(k.to_string()),
        Some(_) => Err(Problem::Unauthorized { missing: false }),
        None => Err(Problem::Unauthorized { missing: true }),
    }
}

/// The `api-version` query parameter.
fn api_version<'a>(req: &'a Incoming<'_>) -> Option<&'a str> {
    req.query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("api-version="))
}

/// Checks the api-version of a request on `api`: `Some` answer when it is refused.
fn refuse_version(req: &Incoming<'_>, api: Api) -> Option<Response<Body>> {
    let version = api_version(req);
    let ok = match api {
        Api::Deployments => version == Some(API_VERSION),
        Api::V1 => version.is_none_or(|v| V1_API_VERSIONS.contains(&v)),
    };
    if ok {
        return None;
    }
    Some(match version {
        None => error(
            StatusCode::NOT_FOUND,
            "404",
            "Resource not found: the api-version query parameter is required.",
        ),
        Some(v) => error(
            StatusCode::NOT_FOUND,
            "404",
            &format!("Resource not found: api-version '{v}' is not one the sandbox simulates ({API_VERSION} for deployments; v1 or preview for the v1 API)."),
        ),
    })
}

/// The settings of a body the document accepted. Values its words reserve for DALL-E
/// (sizes, `hd`/`standard`, `style`, URLs) are refused: every deployment here runs a GPT
/// Image model.
fn settings(body: &Map<String, Value>) -> Result<Settings, Rejection> {
    let text = |k: &str| body.get(k).and_then(Value::as_str);
    let prompt = text("prompt").unwrap_or_default();
    if prompt.chars().count() > openai::MAX_PROMPT_CHARS {
        return Err(rejection(
            "prompt",
            format!(
                "Invalid 'prompt': longer than {} characters.",
                openai::MAX_PROMPT_CHARS
            ),
        ));
    }
    let dalle = |param: &str, value: &str| {
        rejection(
            param,
            format!("Invalid '{param}': '{value}' is supported for dall-e-3 only, not for this gpt-image deployment."),
        )
    };
    if let Some(style) = text("style") {
        return Err(dalle("style", style));
    }
    if text("response_format") == Some("url") {
        return Err(dalle("response_format", "url"));
    }
    let quality = match text("quality").unwrap_or("auto") {
        q @ ("hd" | "standard") => return Err(dalle("quality", q)),
        "low" => "low",
        "medium" => "medium",
        "high" => "high",
        _ => "auto",
    };
    let size = text("size").unwrap_or("auto");
    let (width, height) = match size {
        "auto" => (1024, 1024),
        "1024x1024" => (1024, 1024),
        "1536x1024" => (1536, 1024),
        "1024x1536" => (1024, 1536),
        other => return Err(dalle("size", other)),
    };
    let format = Format::parse(text("output_format").unwrap_or("png")).unwrap_or(Format::Png);
    let background = match text("background").unwrap_or("auto") {
        "transparent" => "transparent",
        "opaque" => "opaque",
        _ => "auto",
    };
    if background == "transparent" && format == Format::Jpeg {
        return Err(rejection(
            "background",
            "Transparent background requires output_format 'png' or 'webp'.".into(),
        ));
    }
    let compression = match body.get("output_compression").and_then(Value::as_u64) {
        Some(_) if format == Format::Png => {
            return Err(rejection(
                "output_compression",
                "output_compression is only supported with output_format 'jpeg' or 'webp'.".into(),
            ))
        }
        c => c.map(|c| c as u8),
    };
    Ok(Settings {
        prompt: prompt.to_string(),
        n: body.get("n").and_then(Value::as_u64).unwrap_or(1) as u32,
        quality,
        width,
        height,
        background,
        format,
        compression,
        stream: false,
        partial_images: 0,
        high_fidelity: false,
    })
}

/// `POST .../images/generations` on either API.
pub async fn generations(
    app: &Arc<App>,
    req: &Incoming<'_>,
    fault: JobFault,
    api: Api,
) -> Response<Body> {
    let key = match authenticate(app, req) {
        Ok(k) => k,
        Err(p) => return problem(&p),
    };
    if let Some(response) = refuse_version(req, api) {
        return response;
    }
    let body: Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(e) => return problem(&Problem::InvalidBody(e.to_string())),
    };
    let schema = match api {
        Api::Deployments => &schemas().generations,
        Api::V1 => &schemas().v1,
    };
    if let Err(r) = schema.check(&body) {
        return invalid(&r);
    }
    let Some(fields) = body.as_object() else {
        return problem(&Problem::InvalidBody(
            "the body must be a JSON object".into(),
        ));
    };
    match settings(fields) {
        Ok(s) => openai::generate(app, &key, s, 0, fault, Dialect::Azure).await,
        Err(r) => invalid(&r),
    }
}

/// `POST /openai/deployments/{deployment}/images/edits`: multipart, `image` (one or more,
/// `image[]` too, as OpenAI's clients name them) and `mask` files beside the text fields.
/// The document declares a JSON body whose images are binary, which JSON cannot carry; the
/// sandbox takes the multipart form every client sends (ASSUMED, as Azure's how-to shows).
pub async fn edits(app: &Arc<App>, req: &Incoming<'_>, fault: JobFault) -> Response<Body> {
    let key = match authenticate(app, req) {
        Ok(k) => k,
        Err(p) => return problem(&p),
    };
    if let Some(response) = refuse_version(req, Api::Deployments) {
        return response;
    }
    let content_type = req.header("content-type").unwrap_or_default();
    let Some(boundary) = multipart::boundary(content_type) else {
        return invalid(&rejection(
            "",
            format!("Invalid Content-Type header ({content_type}): send the images as multipart/form-data."),
        ));
    };
    let parts = match multipart::parse(&req.body, &boundary) {
        Ok(p) => p,
        Err(e) => {
            return invalid(&rejection(
                "",
                format!("Could not parse the multipart form: {e}"),
            ))
        }
    };
    let mut fields = Vec::new();
    let mut images = Vec::new();
    let mut mask = None;
    for part in parts {
        match part.name.as_str() {
            "image" | "image[]" => images.push(part.data),
            "mask" => mask = Some(part.data),
            name => match String::from_utf8(part.data) {
                Ok(text) if part.filename.is_none() => fields.push((name.to_string(), text)),
                _ => {
                    return invalid(&rejection(
                        name,
                        format!("Invalid '{name}': expected a text field."),
                    ))
                }
            },
        }
    }
    let schema = &schemas().edits;
    let mut body = schema.typed_fields(&fields);
    if let Some(obj) = body.as_object_mut() {
        // The files, as the document's binary strings, for its verdict on the whole.
        obj.insert("image".into(), json!("<binary>"));
        if mask.is_some() {
            obj.insert("mask".into(), json!("<binary>"));
        }
    }
    if let Err(r) = schema.check(&body) {
        return invalid(&r);
    }
    let Some(obj) = body.as_object() else {
        return problem(&Problem::Upstream(500));
    };
    let settings = match settings(obj) {
        Ok(s) => s,
        Err(r) => return invalid(&r),
    };
    let image_tokens = match openai::check_edit_images(&images, mask.as_deref(), false) {
        Ok(tokens) => tokens,
        Err(e) => return invalid(&rejection(&e.param, e.message)),
    };
    openai::generate(app, &key, settings, image_tokens, fault, Dialect::Azure).await
}
