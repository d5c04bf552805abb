//! OpenAI Images API: `POST /v1/images/generations` (JSON), and
//! `POST /v1/images/edits` as JSON (images by URL or data URL, which OpenAI
//! fetches itself) where that form can say the request, else as multipart
//! (the images downloaded or decoded here and uploaded).

use super::{bearer, decode_error, mime_of, post_json, MultipartPlan, ParseContext, SubmitPlan};
use crate::error::Error;
use crate::http::{ApiKey, Body, HttpRequest, ResponseBody};
use crate::issue::{Issue, IssueCode};
use crate::job::{Image, Job, JobStatus};
use crate::json;
use crate::json::Json;
use crate::multipart::{self, FilePart};
use crate::price::openai_cost_from_usage;
use crate::provider::Provider;
use crate::request::{ImageRequest, Size};

// OpenAI's size rules live with the request and the provider's facts, which
// validation and pricing read without the wire formats; here too by name.
pub use crate::provider::JSON_EDIT_SIZES;
pub use crate::request::{effective_size, json_edit_possible, RATIO_SIZES_1K};

/// Which body an OpenAI request goes as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `POST /v1/images/generations`, JSON.
    Generation,
    /// `POST /v1/images/edits`, JSON with `images: [{ image_url }]`.
    JsonEdit,
    /// `POST /v1/images/edits`, multipart with the images uploaded.
    MultipartEdit,
}

/// The body a request goes as.
pub fn form(req: &ImageRequest) -> Form {
    if req.references.is_empty() {
        Form::Generation
    } else if json_edit_possible(
        req.size.unwrap_or(Size::Auto),
        req.aspect_ratio,
        req.resolution,
        &req.references,
        req.mask.as_deref(),
    ) {
        Form::JsonEdit
    } else {
        Form::MultipartEdit
    }
}

/// The generation parameters of `form`, as `(name, JSON value)` pairs.
fn params(req: &ImageRequest, form: Form) -> Vec<(&'static str, Json)> {
    let mut out = vec![
        ("model", json!("gpt-image-2")),
        ("prompt", json!(req.prompt)),
    ];
    if let Some(n) = req.count {
        out.push(("n", json!(n)));
    }
    let size = effective_size(req);
    if req.size.is_some() || size != Size::Auto {
        out.push(("size", json!(size.to_wire())));
    }
    // Multipart edits take no `moderation` (validation refuses it there).
    let moderation = req.moderation.filter(|_| form != Form::MultipartEdit);
    // `input_fidelity` is an edit setting.
    let fidelity = req.input_fidelity.filter(|_| form != Form::Generation);
    for (k, v) in [
        ("quality", req.quality),
        ("background", req.background),
        ("output_format", req.output_format),
        ("moderation", moderation),
        ("input_fidelity", fidelity),
    ] {
        if let Some(v) = v {
            out.push((k, json!(v)));
        }
    }
    if let Some(c) = req.output_compression {
        out.push(("output_compression", json!(c)));
    }
    if let Some(u) = &req.user {
        out.push(("user", json!(u)));
    }
    out
}

/// The JSON body of a generation, or of a JSON edit.
pub fn body(req: &ImageRequest) -> Json {
    let form = match form(req) {
        Form::MultipartEdit => Form::JsonEdit,
        f => f,
    };
    let mut body = crate::json::Map::new();
    for (k, v) in params(req, form) {
        body.insert(k, v);
    }
    if form == Form::JsonEdit {
        let image = |u: &String| json!({ "image_url": u });
        body.insert(
            "images",
            Json::Array(req.references.iter().map(image).collect()),
        );
        if let Some(m) = &req.mask {
            body.insert("mask", image(m));
        }
    }
    Json::Object(body)
}

pub(crate) fn submit(req: &ImageRequest, origin: &str, key: &ApiKey) -> SubmitPlan {
    let form = form(req);
    if form != Form::MultipartEdit {
        let path = if form == Form::Generation {
            "generations"
        } else {
            "edits"
        };
        return SubmitPlan {
            request: post_json(format!("{origin}/v1/images/{path}"), bearer(key), body(req)),
            calls: 1,
            multipart: None,
        };
    }
    let fields = crate::json::to_vec(&mut params(req, form).into_iter().map(|(k, v)| {
        let text = match v {
            Json::String(s) => s,
            other => crate::json::number_text(other.as_f64().unwrap_or(0.0)),
        };
        (k.to_string(), text)
    }));
    let mut headers = bearer(key);
    headers.push(("Accept".to_string(), "application/json".to_string()));
    SubmitPlan {
        request: HttpRequest {
            method: "POST",
            url: format!("{origin}/v1/images/edits"),
            headers,
            body: Body::Empty,
        },
        calls: 1,
        multipart: Some(MultipartPlan {
            fields,
            files: req.references.clone(),
            mask: req.mask.clone(),
        }),
    }
}

/// Ask for a streamed answer with `partial_images` partial images before the
/// final one: two more JSON fields, or, for a multipart edit (`fields` are its
/// text fields), two more form fields.
pub(crate) fn ask_to_stream(
    body: &mut Body,
    fields: Option<&mut Vec<(String, String)>>,
    partial_images: u8,
) {
    match (fields, body) {
        (Some(f), _) => {
            f.push(("stream".into(), "true".into()));
            f.push(("partial_images".into(), partial_images.to_string()));
        }
        (None, Body::Json(b)) => {
            b.set("stream", Json::Bool(true));
            b.set("partial_images", json!(partial_images));
        }
        _ => {}
    }
}

/// An image a multipart edit uploads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EditImage {
    /// The reference at this index, sent as an `image[]` part.
    Reference(usize),
    /// The mask, sent as the `mask` part: a PNG under 4 MB.
    Mask,
}

/// The file part of an image of a multipart edit: `url` is where its bytes
/// were downloaded from (none for a `data:` URL's), `content_type` the type
/// they were sniffed as. A mask that is not a PNG under 4 MB is refused.
pub(crate) fn edit_part(
    image: EditImage,
    url: Option<&str>,
    content_type: &'static str,
    bytes: Vec<u8>,
) -> Result<FilePart, Error> {
    let (field, stem, index) = match image {
        EditImage::Reference(i) => ("image[]", "reference", i),
        EditImage::Mask => ("mask", "mask", 0),
    };
    if image == EditImage::Mask
        && (content_type != "image/png" || bytes.len() > crate::image::MASK_MAX_BYTES)
    {
        return Err(Error::invalid_request(
            Provider::Openai,
            vec![Issue::new(
                "mask",
                IssueCode::NotAllowed,
                "the mask must be a PNG under 4 MB",
            )],
        ));
    }
    // A downloaded image keeps its URL's file name; decoded bytes get one.
    let filename = match url {
        Some(url) => multipart::filename_for(url, index, content_type),
        None => {
            let ext = crate::text::after_last(content_type, b'/');
            format!("{stem}-{index}.{ext}")
        }
    };
    Ok(FilePart {
        field: field.to_string(),
        filename,
        content_type: content_type.to_string(),
        bytes,
    })
}

/// Give a multipart edit its body: the text `fields`, then the `files`,
/// between boundaries made unique by `id`.
pub(crate) fn encode_edit(
    request: &mut HttpRequest,
    fields: &[(String, String)],
    files: &[FilePart],
    id: &str,
) {
    let boundary = format!("gpt-image-edge-{id}");
    request.body = Body::Bytes(multipart::encode(fields, files, &boundary));
    request.headers.push((
        "Content-Type".to_string(),
        multipart::content_type(&boundary),
    ));
}

pub(crate) fn parse(v: &Json, ctx: &ParseContext) -> Result<Job, Error> {
    let p = Provider::Openai;
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
    let images: Vec<Image> = crate::json::to_vec(&mut data.iter().filter_map(|d| {
        let b64 = d.get("b64_json").and_then(Json::as_str).map(str::to_string);
        let url = d.get("url").and_then(Json::as_str).map(str::to_string);
        if b64.is_none() && url.is_none() {
            return None;
        }
        Some(Image {
            url,
            b64,
            mime_type: mime_of(format),
            width,
            height,
            final_prompt: d
                .get("revised_prompt")
                .and_then(Json::as_str)
                .map(str::to_string),
            ..Image::default()
        })
    }));
    if images.is_empty() {
        return Err(decode_error(p, 200, "`data` holds no images"));
    }
    let mut job = Job::new(p, None, JobStatus::Succeeded, "completed");
    job.progress = Some(100);
    job.cost = v
        .get("usage")
        .and_then(|u| openai_cost_from_usage(u, images.len() as u32));
    job.usage = v.get("usage").and_then(crate::job::TokenUsage::from_openai);
    job.images = images;
    Ok(job)
}

/// What one server-sent event of a streamed generation or edit says.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamStep {
    /// A partial image: its index (from 0) and base64 bytes.
    Partial {
        /// `partial_image_index`.
        index: u32,
        /// `b64_json`.
        b64: String,
        /// From `output_format`.
        mime_type: String,
        /// `size` as the event reports it.
        size: Option<String>,
    },
    /// The finished image, with the exact cost from `usage`.
    Completed(Job),
    /// The stream ended the job with an error.
    Failed(Error),
    /// Anything else (a future event type): skipped.
    Other,
}

/// Read one event of OpenAI's image stream (`image_generation.*` or `image_edit.*`).
/// `name` is the event's name, `data` its data read as JSON.
pub fn stream_step(name: &str, data: &ResponseBody, ctx: &ParseContext) -> StreamStep {
    let p = Provider::Openai;
    let ResponseBody::Json(v) = data else {
        return StreamStep::Failed(decode_error(p, 200, "a stream event is not JSON"));
    };
    let kind = v.get("type").and_then(Json::as_str).unwrap_or(name);
    if kind == "error" || v.get("error").is_some_and(|e| !e.is_null()) {
        let said =
            super::provider_message(v).unwrap_or_else(|| "the stream reported an error".into());
        return StreamStep::Failed(
            Error::new(
                crate::error::ErrorCode::JobFailed,
                format!("OpenAI ended the stream: {said}"),
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
        answer.insert(
            "data",
            json!([{ "b64_json": v.get("b64_json").cloned().unwrap_or_default() }]),
        );
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
        return match parse(&Json::Object(answer), ctx) {
            Ok(job) => StreamStep::Completed(job),
            Err(e) => StreamStep::Failed(e),
        };
    }
    StreamStep::Other
}
