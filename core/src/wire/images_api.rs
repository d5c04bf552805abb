//! The answers of OpenAI's Images API, which Azure OpenAI and OpenRouter
//! speak too: `{ data: [{ b64_json | url }], usage, ... }`, and its stream of
//! `image_generation.*` / `image_edit.*` events. Each provider reads its own
//! `usage` (tokens at its tariff, or a cost it states).

use crate::error::{Error, ErrorCode};
use crate::job::{Image, Job, JobStatus};
use crate::json::Json;
use crate::price::Cost;
use crate::provider::{Model, Provider};
use crate::wire::{decode_error, mime_of, ParseContext, StreamStep};
use crate::ResponseBody;

/// How a provider prices an answer from its `usage`: `(provider, model,
/// usage, images)`.
pub type UsageCost = fn(Provider, &Model, &Json, u32) -> Option<Cost>;

/// Read an answer into a finished job, priced by `cost`.
pub fn parse(p: Provider, v: &Json, ctx: &ParseContext, cost: UsageCost) -> Result<Job, Error> {
    let Some(data) = v.get("data").and_then(Json::as_array) else {
        return Err(decode_error(p, 200, "`data` is missing"));
    };
    let format = v
        .get("output_format")
        .and_then(Json::as_str)
        .or(ctx.output_format.as_deref())
        .unwrap_or("png");
    let (width, height) = v
        .get("size")
        .and_then(Json::as_str)
        .and_then(|s| s.split_once('x'))
        .and_then(|(w, h)| {
            let n = |t: &str| crate::json::parse_digits(t).and_then(|n| u32::try_from(n).ok());
            Some((n(w)?, n(h)?))
        })
        .map_or((None, None), |(w, h)| (Some(w), Some(h)));
    let images: Vec<Image> = data
        .iter()
        .filter_map(|d| {
            let b64 = d.get("b64_json").and_then(Json::as_str).map(str::to_string);
            let url = d.get("url").and_then(Json::as_str).map(str::to_string);
            if b64.is_none() && url.is_none() {
                return None;
            }
            let mime_type = d
                .get("media_type")
                .and_then(Json::as_str)
                .filter(|m| m.starts_with("image/") && m.len() < 32)
                .map(str::to_string)
                .or_else(|| mime_of(format));
            Some(Image {
                url,
                b64,
                mime_type,
                width,
                height,
                final_prompt: d
                    .get("revised_prompt")
                    .and_then(Json::as_str)
                    .map(str::to_string),
                ..Image::default()
            })
        })
        .collect::<Vec<_>>();
    if images.is_empty() {
        return Err(decode_error(p, 200, "`data` holds no images"));
    }
    let mut job = Job::new(p, None, JobStatus::Succeeded, "completed");
    job.progress = Some(100);
    job.cost = v
        .get("usage")
        .and_then(|u| cost(p, ctx.model_of(p), u, images.len() as u32));
    job.usage = v.get("usage").and_then(crate::job::TokenUsage::from_openai);
    job.images = images;
    Ok(job)
}

/// Read one event of a streamed answer (`image_generation.*` or
/// `image_edit.*`, named by the event or by its `type`), priced by `cost`.
pub fn stream_step(
    p: Provider,
    name: &str,
    data: &ResponseBody,
    ctx: &ParseContext,
    cost: UsageCost,
) -> StreamStep {
    let v = match data {
        ResponseBody::Json(v) => v,
        // The end of an OpenRouter stream.
        ResponseBody::NotJson(t) if t.trim() == "[DONE]" => return StreamStep::Other,
        ResponseBody::NotJson(_) => {
            return StreamStep::Failed(decode_error(p, 200, "a stream event is not JSON"))
        }
    };
    let kind = v.get("type").and_then(Json::as_str).unwrap_or(name);
    if kind == "error" || v.get("error").is_some_and(|e| !e.is_null()) {
        let said = crate::wire::provider_message(v)
            .unwrap_or_else(|| "the stream reported an error".into());
        return StreamStep::Failed(
            Error::new(
                ErrorCode::JobFailed,
                format!("{} ended the stream: {said}", p.display_name()),
            )
            .with_provider(p),
        );
    }
    let format = v
        .get("output_format")
        .and_then(Json::as_str)
        .or(ctx.output_format.as_deref())
        .unwrap_or("png");
    if kind.ends_with(".partial_image") {
        let Some(b64) = v.get("b64_json").and_then(Json::as_str) else {
            return StreamStep::Failed(decode_error(p, 200, "a partial image has no `b64_json`"));
        };
        return StreamStep::Partial {
            index: v
                .get("partial_image_index")
                .and_then(Json::as_u64)
                .unwrap_or(0) as u32,
            b64: b64.to_string(),
            mime_type: format!("image/{format}"),
            size: v.get("size").and_then(Json::as_str).map(str::to_string),
        };
    }
    if kind.ends_with(".completed") {
        let mut answer = crate::json::Map::new();
        let mut image = crate::json::Map::new();
        image.insert("b64_json", v.get("b64_json").cloned().unwrap_or_default());
        if let Some(m) = v.get("media_type") {
            image.insert("media_type", m.clone());
        }
        answer.insert("data", Json::Array(vec![Json::Object(image)]));
        for k in [
            "usage",
            "output_format",
            "size",
            "background",
            "quality",
            "created_at",
        ] {
            if let Some(x) = v.get(k) {
                answer.insert(k, x.clone());
            }
        }
        return match parse(p, &Json::Object(answer), ctx, cost) {
            Ok(job) => StreamStep::Completed(job),
            Err(e) => StreamStep::Failed(e),
        };
    }
    StreamStep::Other
}
