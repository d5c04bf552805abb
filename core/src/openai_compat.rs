//! OpenAI's Images API in front of any provider: a body of
//! `POST /v1/images/generations` (or `/edits`) read into the neutral request,
//! a finished job written as OpenAI's answer, a refusal as OpenAI's error,
//! and the models list. Pure: the route does the I/O.

use crate::issue::Issue;
use crate::json;
use crate::json::{Json, Map};
use crate::provider::{Field, Provider};

/// A refusal in OpenAI's shape: the HTTP status its clients map to their
/// error classes, and `{ error: { message, type, param, code } }`.
#[derive(Clone, Debug, PartialEq)]
pub struct OpenAiError {
    /// 400, 401, 403, 404, 429, 500 or 502.
    pub status: u16,
    /// The words.
    pub message: String,
    /// The parameter at fault, OpenAI's name.
    pub param: Option<String>,
    /// OpenAI's `code` (`invalid_value`, `unknown_parameter`, `insufficient_quota`, …).
    pub code: Option<String>,
}

impl OpenAiError {
    /// A 400 about `param`.
    pub fn bad(param: &str, code: &str, message: impl Into<String>) -> OpenAiError {
        OpenAiError {
            status: 400,
            message: message.into(),
            param: Some(param.to_string()),
            code: Some(code.to_string()),
        }
    }

    /// `{ error: { message, type, param, code } }`.
    pub fn to_json(&self) -> Json {
        let kind = match self.status {
            401 => "authentication_error",
            403 => "permission_error",
            404 => "not_found_error",
            429 => "rate_limit_error",
            400..=499 => "invalid_request_error",
            _ => "server_error",
        };
        json!({ "error": { "message": self.message, "type": kind, "param": self.param, "code": self.code } })
    }
}

/// What a caller asked for besides the neutral request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OpenAiAsk {
    /// `stream: true`: OpenAI's events.
    pub stream: bool,
    /// `partial_images` (0..3).
    pub partial_images: u8,
    /// `response_format: "url"` (else `b64_json`).
    pub urls: bool,
}

/// The neutral field an OpenAI parameter maps to (and back, for issues).
const PARAMS: [(&str, &str); 10] = [
    ("prompt", "prompt"),
    ("model", "model"),
    ("n", "count"),
    ("quality", "quality"),
    ("background", "background"),
    ("output_format", "outputFormat"),
    ("output_compression", "outputCompression"),
    ("moderation", "moderation"),
    ("input_fidelity", "inputFidelity"),
    ("user", "user"),
];

/// Parameters read here that have no neutral field of their own.
const OWN: [&str; 4] = ["size", "stream", "partial_images", "response_format"];

/// Sizes that are one aspect ratio at 1K, for providers that take ratios.
const SIZE_RATIOS: [(&str, &str); 3] = [
    ("1024x1024", "1:1"),
    ("1536x1024", "3:2"),
    ("1024x1536", "2:3"),
];

/// The OpenAI parameter a neutral path names (`count` → `n`, `references[0]` → `image`).
pub fn param_of(path: &str) -> String {
    let head = crate::text::before_any(path, b"[.");
    if head == "references" {
        return "image".to_string();
    }
    if head == "aspectRatio" || head == "resolution" || head == "size" {
        return "size".to_string();
    }
    PARAMS
        .iter()
        .find(|(_, neutral)| *neutral == head)
        .map_or_else(|| head.to_string(), |(openai, _)| (*openai).to_string())
}

/// The first validation issue as OpenAI's 400, named by OpenAI's parameter.
pub fn issue_error(issue: &Issue) -> OpenAiError {
    OpenAiError::bad(
        &param_of(&issue.path),
        "invalid_value",
        issue.message.clone(),
    )
}

/// Read a body of `POST /v1/images/generations` (or, with `images`, of
/// `/edits`) into the neutral request for `provider`. `images` and `mask`
/// are the edit's input images as URLs or data URLs. Anything the provider
/// cannot do is a 400 naming the parameter; nothing is dropped.
pub fn read_request(
    provider: Provider,
    body: &Json,
    images: &[String],
    mask: Option<&str>,
) -> Result<(Json, OpenAiAsk), OpenAiError> {
    let Json::Object(fields) = body else {
        return Err(OpenAiError::bad(
            "body",
            "invalid_type",
            "the body must be a JSON object",
        ));
    };
    let mut out = Map::new();
    for (k, v) in fields.iter() {
        if OWN.contains(&k.as_str()) || v.is_null() {
            continue;
        }
        let Some((_, neutral)) = PARAMS.iter().find(|(openai, _)| openai == k) else {
            return Err(OpenAiError::bad(
                k,
                "unknown_parameter",
                format!("Unrecognized request argument supplied: {k}"),
            ));
        };
        let field = Field::from_name(neutral);
        if field.is_some_and(|f| !provider.ever_supports(f)) {
            return Err(OpenAiError::bad(
                k,
                "unsupported_parameter",
                format!(
                    "`{k}` is not taken by {} (the provider this endpoint fronts)",
                    provider.display_name()
                ),
            ));
        }
        out.insert(*neutral, v.clone());
    }
    if let Some(size) = fields.get("size").filter(|v| !v.is_null()) {
        let Some(size) = size.as_str() else {
            return Err(OpenAiError::bad(
                "size",
                "invalid_type",
                "`size` must be a string such as 1024x1024",
            ));
        };
        if provider.ever_supports(Field::Size) {
            out.insert("size", json!(size));
        } else if size != "auto" {
            let Some((_, ratio)) = SIZE_RATIOS.iter().find(|(s, _)| *s == size) else {
                let sizes: Vec<&str> = SIZE_RATIOS.iter().map(|(s, _)| *s).collect();
                return Err(OpenAiError::bad(
                    "size",
                    "invalid_value",
                    format!(
                        "{} takes sizes {} (or auto) through this endpoint, not {size}",
                        provider.display_name(),
                        crate::text::list(&sizes)
                    ),
                ));
            };
            out.insert("aspectRatio", json!(ratio));
            if provider.supports(Field::Resolution) {
                out.insert("resolution", json!("1K"));
            }
        }
    }
    if !images.is_empty() {
        out.insert("references", json!(images));
    }
    if let Some(m) = mask {
        out.insert("mask", json!(m));
    }
    let mut ask = OpenAiAsk::default();
    match fields.get("stream") {
        None | Some(Json::Null) | Some(Json::Bool(false)) => {}
        Some(Json::Bool(true)) => ask.stream = true,
        Some(_) => {
            return Err(OpenAiError::bad(
                "stream",
                "invalid_type",
                "`stream` must be true or false",
            ))
        }
    }
    match fields.get("partial_images") {
        None | Some(Json::Null) => {}
        Some(v) => match v.as_u64().filter(|n| *n <= 3) {
            Some(n) => ask.partial_images = n as u8,
            None => {
                return Err(OpenAiError::bad(
                    "partial_images",
                    "invalid_value",
                    "`partial_images` must be 0, 1, 2 or 3",
                ))
            }
        },
    }
    if ask.partial_images > 0 && !ask.stream {
        return Err(OpenAiError::bad(
            "partial_images",
            "invalid_value",
            "`partial_images` needs `stream: true`",
        ));
    }
    match fields.get("response_format").and_then(Json::as_str) {
        None | Some("b64_json") => {}
        Some("url") => ask.urls = true,
        Some(_) => {
            return Err(OpenAiError::bad(
                "response_format",
                "invalid_value",
                "`response_format` must be b64_json or url",
            ))
        }
    }
    Ok((Json::Object(out), ask))
}

/// A refusal of the route's own (`{ error: { code, message, issues? } }`
/// at `status`) as OpenAI's: the status its clients map to the right error
/// class, the parameter an issue names, budgets as OpenAI reports quota.
pub fn error_from_route(status: u16, body: &Json) -> OpenAiError {
    let e = body.get("error");
    let code = e
        .and_then(|e| e.get("code"))
        .and_then(Json::as_str)
        .unwrap_or("INTERNAL");
    let message = e
        .and_then(|e| e.get("message"))
        .and_then(Json::as_str)
        .unwrap_or("the request could not be handled")
        .to_string();
    let first = e
        .and_then(|e| e.get("issues"))
        .and_then(Json::as_array)
        .and_then(|l| l.first());
    let param = first
        .and_then(|i| i.get("path"))
        .and_then(Json::as_str)
        .map(param_of);
    // The first issue says what is wrong better than the summary does.
    let message = match first.and_then(|i| i.get("message")).and_then(Json::as_str) {
        Some(m) => format!("{message}: {m}"),
        None => message,
    };
    let (status, code) = match (status, code) {
        (_, "BUDGET_EXCEEDED" | "INSUFFICIENT_CREDITS") | (402, _) => {
            (429, "insufficient_quota".to_string())
        }
        (415, _) => (400, "invalid_content_type".to_string()),
        (s, c) => (s, c.to_ascii_lowercase()),
    };
    OpenAiError {
        status,
        message,
        param,
        code: Some(code),
    }
}

/// OpenAI's answer for a finished generation: `data` as the route made it
/// (`{ b64_json }` or `{ url }` per image), and the settings the images were
/// made with, from the neutral request that was sent.
pub fn answer(request: &Json, created: u64, data: Vec<Json>, usage: Option<Json>) -> Json {
    let text =
        |k: &str, default: &str| json!(request.get(k).and_then(Json::as_str).unwrap_or(default));
    let size = match (
        request.get("size"),
        request.get("aspectRatio").and_then(Json::as_str),
    ) {
        (Some(s), _) => s.clone(),
        (None, Some(ratio)) => SIZE_RATIOS
            .iter()
            .find(|(_, r)| *r == ratio)
            .map_or(json!("auto"), |(s, _)| json!(s)),
        (None, None) => json!("auto"),
    };
    let mut out = json!({
        "created": created,
        "data": Json::Array(data),
        "size": size,
        "quality": text("quality", "auto"),
        "output_format": text("outputFormat", "png"),
        "background": text("background", "auto"),
    });
    if let Some(u) = usage {
        out.set("usage", u);
    }
    out
}

/// `GET /v1/models`: the models `provider` sells.
pub fn models(provider: Provider) -> Json {
    let data: Vec<Json> = provider
        .spec()
        .models
        .iter()
        .map(|m| json!({ "id": m.id, "object": "model", "created": 0, "owned_by": provider.id() }))
        .collect();
    json!({ "object": "list", "data": Json::Array(data) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers;

    #[test]
    fn openai_parameters_become_the_neutral_request() {
        let body = json!({ "model": "gpt-image-2", "prompt": "a kite", "n": 2, "size": "1536x1024", "quality": "low", "output_format": "png", "stream": true, "partial_images": 2 });
        let (req, ask) = read_request(providers::OPENAI, &body, &[], None).unwrap();
        assert_eq!(
            req,
            json!({ "model": "gpt-image-2", "prompt": "a kite", "count": 2, "size": "1536x1024", "quality": "low", "outputFormat": "png" })
        );
        assert_eq!(
            ask,
            OpenAiAsk {
                stream: true,
                partial_images: 2,
                urls: false
            }
        );
        // A provider of ratios: an exact size maps, another is refused naming `size`.
        let (req, _) = read_request(
            providers::APIFRAME,
            &json!({ "prompt": "x", "size": "1536x1024" }),
            &[],
            None,
        )
        .unwrap();
        assert_eq!(req, json!({ "prompt": "x", "aspectRatio": "3:2" }));
        let e = read_request(
            providers::APIFRAME,
            &json!({ "prompt": "x", "size": "1792x1024" }),
            &[],
            None,
        )
        .unwrap_err();
        assert_eq!((e.status, e.param.as_deref()), (400, Some("size")));
        // What the provider never takes, and what OpenAI has no such name for.
        let e = read_request(
            providers::APIFRAME,
            &json!({ "prompt": "x", "input_fidelity": "high" }),
            &[],
            None,
        )
        .unwrap_err();
        assert_eq!(e.param.as_deref(), Some("input_fidelity"));
        let e = read_request(
            providers::OPENAI,
            &json!({ "prompt": "x", "aspect_ratio": "1:1" }),
            &[],
            None,
        )
        .unwrap_err();
        assert_eq!(
            (e.param.as_deref(), e.code.as_deref()),
            (Some("aspect_ratio"), Some("unknown_parameter"))
        );
        let e = read_request(
            providers::OPENAI,
            &json!({ "prompt": "x", "partial_images": 2 }),
            &[],
            None,
        )
        .unwrap_err();
        assert_eq!(e.param.as_deref(), Some("partial_images"));
        // Issues come back under OpenAI's names.
        assert_eq!(param_of("count"), "n");
        assert_eq!(param_of("references[1]"), "image");
        assert_eq!(param_of("aspectRatio"), "size");
        assert_eq!(param_of("outputFormat"), "output_format");
        let e = OpenAiError::bad("prompt", "invalid_value", "empty").to_json();
        assert_eq!(
            e.get("error").and_then(|e| e.get("type")),
            Some(&json!("invalid_request_error"))
        );
    }

    #[test]
    fn models_lists_what_the_provider_sells() {
        let m = models(providers::OPENAI);
        let ids: Vec<&str> = m
            .get("data")
            .and_then(Json::as_array)
            .unwrap()
            .iter()
            .filter_map(|d| d.get("id").and_then(Json::as_str))
            .collect();
        assert!(ids.contains(&"gpt-image-2") && ids.len() == 5, "{ids:?}");
    }
}
