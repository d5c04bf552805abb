//! Azure OpenAI (`azure`): OpenAI's image models deployed in the customer's
//! own Azure resource, synchronous, images as base64 only. Two APIs, chosen
//! by `apiVersion`:
//!
//! - the deployments API (a dated `api-version`, by default
//!   `2025-04-01-preview`): `POST {endpoint}/openai/deployments/{deployment}/images/generations`
//!   (JSON) and `.../images/edits` (multipart, with a mask), the version as a
//!   query parameter (`spec/azure-openai/2025-04-01-preview/`);
//! - the v1 API (`apiVersion: "v1"` or `"preview"`): `POST {endpoint}/openai/v1/images/generations`
//!   with the deployment as `model` and `moderation`, and no edits in its
//!   document (`spec/azure-openai/v1-preview/`).
//!
//! Neither document has `partial_images`, `stream` or `input_fidelity`. The
//! key goes as `api-key`; an Entra ID token may go as `Authorization` instead.

use crate::error::Error;
use crate::http::{encode_segment, Body, HttpRequest};
use crate::job::Job;
use crate::json;
use crate::json::Json;
use crate::provider::{
    Auth, Deadline, Field, Flow, Headers, Idempotency, Limits, Model, ModelFamily, PartialImages,
    References, Setting, Setup, SizeRules, Source, Spec, Surface, Tariff, TokenTariff, Webhooks,
    Wire,
};
use crate::request::{effective_size, ImageRequest, Size};
use crate::wire::{images_api, post_json, MultipartPlan, ParseContext, SubmitPlan};
use crate::Target;

/// The `api-version` used when none is given: the newest dated version whose
/// document covers GPT Image models (with edits and masks).
pub const DEFAULT_API_VERSION: &str = "2025-04-01-preview";

/// ASSUMED: as OpenAI's (Azure publishes no typical time; high quality can
/// take two minutes).
const TYPICAL_DURATION_MS: f64 = 30_000.0;

/// The sizes both documents list for GPT Image models (`auto` aside; the
/// others are DALL-E's).
const SIZES_ONLY: [(u32, u32); 3] = [(1024, 1024), (1536, 1024), (1024, 1536)];

const RATIO_SIZES_1K: [(&str, u32, u32); 3] = [
    ("1:1", 1024, 1024),
    ("3:2", 1536, 1024),
    ("2:3", 1024, 1536),
];

static SIZES: SizeRules = SizeRules {
    multiple_of: 16,
    max_edge: 1536,
    min_pixels: 1024 * 1024,
    max_pixels: 1536 * 1024,
    max_ratio: 2,
    ratio_sizes_1k: &RATIO_SIZES_1K,
    auto_priced_as: (1536, 1024),
    only: &SIZES_ONLY,
};

/// The deployments API: `imageGenerationsRequest` and `imageEditsRequest`.
static DEPLOYMENTS_LIMITS: Limits = Limits {
    fields: &[
        Field::Prompt,
        Field::Model,
        Field::References,
        Field::Mask,
        Field::AspectRatio,
        Field::Size,
        Field::Resolution,
        Field::Quality,
        Field::OutputFormat,
        Field::OutputCompression,
        Field::Background,
        Field::Count,
        Field::User,
    ],
    // Its edits take no output_format, output_compression or background.
    edit_fields: Some(&[
        Field::Prompt,
        Field::Model,
        Field::References,
        Field::Mask,
        Field::AspectRatio,
        Field::Size,
        Field::Resolution,
        Field::Quality,
        Field::Count,
        Field::User,
    ]),
    prompt_max: 32_000,
    aspect_ratios: &["1:1", "3:2", "2:3"],
    resolutions: &["1K"],
    qualities: &["low", "medium", "high", "auto"],
    output_formats: &["png", "jpeg"],
    backgrounds: &["auto", "opaque", "transparent"],
    input_fidelities: &[],
    moderations: &[],
    count: (1, 10),
    // ASSUMED: OpenAI's limit (the document gives none).
    references_max: 16,
    size: Some(&SIZES),
    // "Must be a valid PNG file, less than 4MB".
    mask_max_bytes: crate::image::MASK_MAX_BYTES,
};

/// The v1 API: `AzureCreateImageRequest` (generations only).
static V1_LIMITS: Limits = Limits {
    fields: &[
        Field::Prompt,
        Field::Model,
        Field::AspectRatio,
        Field::Size,
        Field::Resolution,
        Field::Quality,
        Field::OutputFormat,
        Field::OutputCompression,
        Field::Background,
        Field::Moderation,
        Field::Count,
        Field::User,
    ],
    edit_fields: None,
    output_formats: &["png", "jpeg", "webp"],
    moderations: &["auto", "low"],
    references_max: 0,
    mask_max_bytes: 0,
    ..DEPLOYMENTS_LIMITS
};

/// Whether `v` is a dated `api-version` (`2025-04-01-preview`, `2024-10-21`).
fn is_dated(v: &str) -> bool {
    let date = v.strip_suffix("-preview").unwrap_or(v).as_bytes();
    date.len() == 10
        && date.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

fn is_v1(v: &str) -> bool {
    v == "v1" || v == "preview"
}

static SURFACES: [Surface; 2] = [
    Surface {
        id: "deployments",
        about: "its deployments API, dated api-versions",
        selected_by: is_dated,
        limits: &DEPLOYMENTS_LIMITS,
    },
    Surface {
        id: "v1",
        about: "its v1 API",
        selected_by: is_v1,
        limits: &V1_LIMITS,
    },
];

fn check_deployment(d: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&d.len())
        && d.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && !d.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err("a deployment name is 1 to 64 letters, digits, `-`, `_` or `.`".to_string())
    }
}

fn check_api_version(v: &str) -> Result<(), String> {
    if is_dated(v) || is_v1(v) {
        Ok(())
    } else {
        Err(format!(
            "use a dated api-version such as \"{DEFAULT_API_VERSION}\", or \"v1\" or \"preview\" for the v1 API"
        ))
    }
}

static SETUP: Setup = Setup {
    settings: &[
        Setting {
            name: "deployment",
            default: None,
            about: "the name of your deployment of the image model",
            examples: &["gpt-image-2"],
            check: check_deployment,
        },
        Setting {
            name: "apiVersion",
            default: Some(DEFAULT_API_VERSION),
            about: "a dated api-version for the deployments API, or \"v1\" / \"preview\" for the v1 API",
            examples: &[DEFAULT_API_VERSION, "v1", "preview"],
            check: check_api_version,
        },
    ],
    surfaces: &SURFACES,
    surface_setting: "apiVersion",
    auth_alternatives: &["Authorization"],
    base_url_required: true,
};

/// ASSUMED: a third-party listing of Azure's gpt-image-2 ($5 per million
/// input tokens, $30 per million output tokens; Azure's pricing page is not
/// in the project's documents); image input at OpenAI's $8, cached at $2,
/// and OpenAI's output tokens per quality.
static TOKENS: TokenTariff = TokenTariff {
    text_in_per_m: 5.0,
    image_in_per_m: 8.0,
    cached_image_in_per_m: 2.0,
    image_out_per_m: 30.0,
    output_tokens_1024: &[("low", 200), ("medium", 1767), ("high", 7034)],
    auto_priced_as: "high",
    partial_image_tokens: 0,
    smaller_priced_as_1024: false,
    source: "a third-party listing of Azure's gpt-image-2 prices, with OpenAI's tokens per quality",
};

static MODELS: [Model; 1] = [Model {
    id: "gpt-image-2",
    wire_id: "gpt-image-2",
    source: Source::Official,
    limits: &DEPLOYMENTS_LIMITS,
    defaults: &[
        (Field::Quality, "auto"),
        (Field::Background, "auto"),
        (Field::OutputFormat, "png"),
    ],
    tariff: Tariff::Tokens(&TOKENS),
}];

/// Azure OpenAI, as data.
pub static SPEC: Spec = Spec {
    id: "azure",
    name: "Azure OpenAI",
    api_root: "https://{resource}.openai.azure.com",
    auth: Auth::Header("api-key"),
    flow: Flow::Sync,
    idempotency: Idempotency {
        sends_key: false,
        replay_window_ms: None,
    },
    reports_progress: false,
    typical_duration_ms: TYPICAL_DURATION_MS,
    webhooks: Webhooks::None,
    deadline: Deadline::None,
    references: References::Bytes,
    partial_images: PartialImages::None,
    images_per_call: 10,
    images_hosted: false,
    models: &MODELS,
    model_family: Some(ModelFamily {
        prefix: "gpt-image-",
        newest: "gpt-image-2",
        wire_prefix: "",
    }),
    style_examples: &[],
    setup: &SETUP,
    check: None,
};

/// The settings of a generation, as `(name, JSON value)` pairs: on the v1
/// API with `model` (the deployment) and `moderation`.
fn params(
    req: &ImageRequest,
    v1_deployment: Option<&str>,
    edit: bool,
) -> Vec<(&'static str, Json)> {
    let mut out = Vec::new();
    if let Some(d) = v1_deployment {
        out.push(("model", json!(d)));
    }
    out.push(("prompt", json!(req.prompt)));
    if let Some(n) = req.count {
        out.push(("n", json!(n)));
    }
    let size = effective_size(req);
    if size != Size::Auto {
        out.push(("size", json!(size.to_wire())));
    }
    out.extend(req.quality.map(|q| ("quality", json!(q))));
    if !edit {
        out.extend(req.output_format.map(|f| ("output_format", json!(f))));
        out.extend(
            req.output_compression
                .map(|c| ("output_compression", json!(c))),
        );
        out.extend(req.background.map(|b| ("background", json!(b))));
    }
    if v1_deployment.is_some() {
        out.extend(req.moderation.map(|m| ("moderation", json!(m))));
    }
    out.extend(req.user.as_ref().map(|u| ("user", json!(u))));
    out
}

pub(crate) struct AzureWire;

impl Wire for AzureWire {
    fn submit(&self, target: &Target, req: &ImageRequest, headers: Headers) -> SubmitPlan {
        let root = &target.root;
        let deployment = target.setting("deployment").unwrap_or_default();
        let version = target.setting("apiVersion").unwrap_or(DEFAULT_API_VERSION);
        if target.surface().is_some_and(|s| s.id == "v1") {
            let query = if version == "v1" {
                String::new()
            } else {
                format!("?api-version={}", encode_segment(version))
            };
            let mut body = crate::json::Map::new();
            for (k, v) in params(req, Some(deployment), false) {
                body.insert(k, v);
            }
            return SubmitPlan {
                request: post_json(
                    format!("{root}/openai/v1/images/generations{query}"),
                    headers,
                    Json::Object(body),
                ),
                calls: 1,
                multipart: None,
            };
        }
        let base = format!(
            "{root}/openai/deployments/{}/images",
            encode_segment(deployment)
        );
        let query = format!("?api-version={}", encode_segment(version));
        if req.references.is_empty() {
            let mut body = crate::json::Map::new();
            for (k, v) in params(req, None, false) {
                body.insert(k, v);
            }
            return SubmitPlan {
                request: post_json(
                    format!("{base}/generations{query}"),
                    headers,
                    Json::Object(body),
                ),
                calls: 1,
                multipart: None,
            };
        }
        // Edits upload the images: multipart, as Azure's how-to and every
        // OpenAI client send them (the document declares a JSON body whose
        // image fields are binary, which JSON cannot carry).
        let fields = crate::multipart::text_fields(params(req, None, true));
        let mut headers = headers;
        headers.push(("Accept".to_string(), "application/json".to_string()));
        SubmitPlan {
            request: HttpRequest {
                method: "POST",
                url: format!("{base}/edits{query}"),
                headers,
                body: Body::Empty,
            },
            calls: 1,
            multipart: Some(MultipartPlan {
                fields,
                files: req.references.clone(),
                file_field: "image",
                mask: req.mask.clone(),
            }),
        }
    }

    fn parse(
        &self,
        p: crate::provider::Provider,
        v: &Json,
        ctx: &ParseContext,
    ) -> Result<Job, Error> {
        images_api::parse(p, v, ctx, crate::price::cost_from_usage)
    }
}
