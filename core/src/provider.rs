//! The four providers and what each one accepts.

use crate::assumptions as assumed;
use crate::json;
use crate::json::Json;

/// A provider that sells GPT Image 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Apiframe: asynchronous jobs, `POST /v2/images/generate`.
    Apiframe,
    /// GPTImage2.ai: asynchronous jobs, `POST /api/generate`.
    Gptimage2ai,
    /// getimg.ai: synchronous, `POST /v2/images/generations`.
    Getimg,
    /// OpenAI's Images API: synchronous, `POST /v1/images/generations` and `/edits`.
    Openai,
}

/// Whether a provider answers with a job to poll or with the finished images.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Submit returns a job id; poll until the job ends.
    Async,
    /// The submit call itself returns the images.
    Sync,
}

/// A neutral request field that a provider may or may not support.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `prompt`
    Prompt,
    /// `references`
    References,
    /// `mask`
    Mask,
    /// `inputFidelity`
    InputFidelity,
    /// `aspectRatio`
    AspectRatio,
    /// `size`
    Size,
    /// `resolution`
    Resolution,
    /// `quality`
    Quality,
    /// `outputFormat`
    OutputFormat,
    /// `outputCompression`
    OutputCompression,
    /// `background`
    Background,
    /// `moderation`
    Moderation,
    /// `count`
    Count,
    /// `style`
    Style,
    /// `lighting`
    Lighting,
    /// `camera`
    Camera,
    /// `negative`
    Negative,
    /// `user`
    User,
    /// `webhookUrl`
    WebhookUrl,
}

impl Field {
    /// Every neutral field, in the order forms show them.
    pub const ALL: [Field; 19] = [
        Field::Prompt,
        Field::References,
        Field::Mask,
        Field::InputFidelity,
        Field::AspectRatio,
        Field::Size,
        Field::Resolution,
        Field::Quality,
        Field::OutputFormat,
        Field::OutputCompression,
        Field::Background,
        Field::Moderation,
        Field::Count,
        Field::Style,
        Field::Lighting,
        Field::Camera,
        Field::Negative,
        Field::User,
        Field::WebhookUrl,
    ];

    /// The camelCase name used in JavaScript.
    pub fn name(self) -> &'static str {
        match self {
            Field::Prompt => "prompt",
            Field::References => "references",
            Field::Mask => "mask",
            Field::InputFidelity => "inputFidelity",
            Field::AspectRatio => "aspectRatio",
            Field::Size => "size",
            Field::Resolution => "resolution",
            Field::Quality => "quality",
            Field::OutputFormat => "outputFormat",
            Field::OutputCompression => "outputCompression",
            Field::Background => "background",
            Field::Moderation => "moderation",
            Field::Count => "count",
            Field::Style => "style",
            Field::Lighting => "lighting",
            Field::Camera => "camera",
            Field::Negative => "negative",
            Field::User => "user",
            Field::WebhookUrl => "webhookUrl",
        }
    }

    /// The field called `name`, if it is a neutral field.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Allowed values and limits of one provider, as forms and validation use them.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Longest prompt, in UTF-16 code units (JavaScript's `string.length`).
    pub prompt_max: usize,
    /// Allowed `aspectRatio` values (empty when the field is unsupported).
    pub aspect_ratios: &'static [&'static str],
    /// Allowed `resolution` values.
    pub resolutions: &'static [&'static str],
    /// Allowed `quality` values.
    pub qualities: &'static [&'static str],
    /// Allowed `outputFormat` values.
    pub output_formats: &'static [&'static str],
    /// Allowed `background` values.
    pub backgrounds: &'static [&'static str],
    /// Allowed `inputFidelity` values.
    pub input_fidelities: &'static [&'static str],
    /// Allowed `moderation` values.
    pub moderations: &'static [&'static str],
    /// Smallest and largest `count`.
    pub count: (u32, u32),
    /// Most reference images.
    pub references_max: usize,
    /// Fields this provider supports.
    pub fields: &'static [Field],
}

const QUALITIES: &[&str] = &["low", "medium", "high", "auto"];
const FORMATS: &[&str] = &["png", "jpeg", "webp"];
const BACKGROUNDS: &[&str] = &["auto", "opaque"];
/// OpenAI's backgrounds: transparent is in preview for gpt-image-2 (png or webp only).
const OPENAI_BACKGROUNDS: &[&str] = &["auto", "opaque", "transparent"];
const MODERATIONS: &[&str] = &["auto", "low"];
const RESOLUTIONS: &[&str] = &["1K", "2K"];
/// The nine ratios getimg.ai serves; OpenAI maps the same set onto sizes.
pub(crate) const NINE_RATIOS: &[&str] = &[
    "1:1", "2:3", "3:2", "4:3", "3:4", "4:5", "16:9", "9:16", "21:9",
];

const HOUR_MS: f64 = 3_600_000.0;
/// Safety margin kept inside a provider's idempotency window.
pub const RECOVERY_MARGIN_MS: f64 = HOUR_MS;

impl Provider {
    /// All providers, in a stable order.
    pub const ALL: [Provider; 4] = [
        Provider::Apiframe,
        Provider::Gptimage2ai,
        Provider::Getimg,
        Provider::Openai,
    ];

    /// The provider id used in JavaScript: `apiframe`, `gptimage2ai`, `getimg`, `openai`.
    pub fn id(self) -> &'static str {
        match self {
            Provider::Apiframe => "apiframe",
            Provider::Gptimage2ai => "gptimage2ai",
            Provider::Getimg => "getimg",
            Provider::Openai => "openai",
        }
    }

    /// The provider with this id.
    pub fn from_id(id: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.id() == id)
    }

    /// A human name for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Provider::Apiframe => "Apiframe",
            Provider::Gptimage2ai => "GPTImage2.ai",
            Provider::Getimg => "getimg.ai",
            Provider::Openai => "OpenAI",
        }
    }

    /// The production base URL (scheme, host, port only).
    pub fn default_base_url(self) -> &'static str {
        match self {
            Provider::Apiframe => "https://api.apiframe.ai",
            Provider::Gptimage2ai => "https://gptimage2.ai",
            Provider::Getimg => "https://api.getimg.ai",
            Provider::Openai => "https://api.openai.com",
        }
    }

    /// Whether jobs are polled or answered in the submit call.
    pub fn flow(self) -> Flow {
        match self {
            Provider::Apiframe | Provider::Gptimage2ai => Flow::Async,
            Provider::Getimg | Provider::Openai => Flow::Sync,
        }
    }

    /// Whether the provider documents `Idempotency-Key` as deduplicating a
    /// replayed submit, so a submit with an unknown outcome may be retried.
    pub fn honours_idempotency_key(self) -> bool {
        matches!(self, Provider::Apiframe)
    }

    /// How long the provider replays an `Idempotency-Key` instead of making
    /// (and billing) a new job, where it documents one. Apiframe: 24 hours
    /// (its API reference: "Replaying the same key within 24 hours returns the
    /// original job rather than creating a duplicate").
    pub fn idempotency_window_ms(self) -> Option<f64> {
        match self {
            Provider::Apiframe => Some(24.0 * HOUR_MS),
            _ => None,
        }
    }

    /// How long after its submit a lost submit may be sent again: the
    /// provider's idempotency window less an hour of safety margin (clocks
    /// differ, and the window may be counted from the provider's receipt).
    pub fn recovery_window_ms(self) -> Option<f64> {
        self.idempotency_window_ms()
            .filter(|_| self.honours_idempotency_key())
            .map(|w| w - RECOVERY_MARGIN_MS)
    }

    /// Whether the client sends an `Idempotency-Key` header at all.
    pub fn sends_idempotency_key(self) -> bool {
        match self {
            Provider::Apiframe => true,
            Provider::Gptimage2ai => assumed::GPTIMAGE2AI_SENDS_IDEMPOTENCY_KEY,
            Provider::Getimg | Provider::Openai => false,
        }
    }

    /// Whether polls report a rising `progress` (Apiframe's 0..100).
    pub fn reports_progress(self) -> bool {
        matches!(self, Provider::Apiframe)
    }

    /// Typical time from submit to finished image, in milliseconds.
    pub fn typical_duration_ms(self) -> f64 {
        match self {
            Provider::Apiframe => 15_000.0,
            Provider::Gptimage2ai => assumed::GPTIMAGE2AI_TYPICAL_DURATION_MS,
            Provider::Getimg => assumed::GETIMG_TYPICAL_DURATION_MS,
            Provider::Openai => assumed::OPENAI_TYPICAL_DURATION_MS,
        }
    }

    /// Allowed values and limits.
    pub fn limits(self) -> Limits {
        use Field::*;
        match self {
            Provider::Apiframe => Limits {
                prompt_max: 2000,
                aspect_ratios: &["1:1", "3:2", "2:3"],
                resolutions: &[],
                qualities: QUALITIES,
                output_formats: FORMATS,
                backgrounds: BACKGROUNDS,
                input_fidelities: &[],
                moderations: MODERATIONS,
                count: (1, 10),
                references_max: assumed::UNDOCUMENTED_REFERENCES_MAX,
                fields: &[
                    Prompt,
                    References,
                    AspectRatio,
                    Quality,
                    OutputFormat,
                    Background,
                    Moderation,
                    Count,
                    WebhookUrl,
                ],
            },
            Provider::Gptimage2ai => Limits {
                prompt_max: assumed::UNDOCUMENTED_PROMPT_MAX,
                aspect_ratios: &["1:1", "16:9", "9:16", "4:3", "3:4"],
                resolutions: &[],
                qualities: &[],
                output_formats: &[],
                backgrounds: &[],
                input_fidelities: &[],
                moderations: &[],
                count: (1, 4),
                references_max: assumed::UNDOCUMENTED_REFERENCES_MAX,
                fields: &[
                    Prompt,
                    References,
                    AspectRatio,
                    Count,
                    Style,
                    Lighting,
                    Camera,
                    Negative,
                ],
            },
            Provider::Getimg => Limits {
                prompt_max: assumed::UNDOCUMENTED_PROMPT_MAX,
                aspect_ratios: NINE_RATIOS,
                resolutions: RESOLUTIONS,
                qualities: &[],
                output_formats: FORMATS,
                backgrounds: &[],
                input_fidelities: &[],
                moderations: &[],
                count: (1, assumed::GETIMG_COUNT_MAX),
                references_max: 10,
                fields: &[
                    Prompt,
                    References,
                    AspectRatio,
                    Resolution,
                    OutputFormat,
                    Count,
                ],
            },
            Provider::Openai => Limits {
                prompt_max: 32_000,
                aspect_ratios: NINE_RATIOS,
                resolutions: RESOLUTIONS,
                qualities: QUALITIES,
                output_formats: FORMATS,
                backgrounds: OPENAI_BACKGROUNDS,
                input_fidelities: &["high", "low"],
                moderations: MODERATIONS,
                count: (1, 10),
                references_max: 16,
                fields: &[
                    Prompt,
                    References,
                    Mask,
                    InputFidelity,
                    AspectRatio,
                    Size,
                    Resolution,
                    Quality,
                    OutputFormat,
                    OutputCompression,
                    Background,
                    Moderation,
                    Count,
                    User,
                ],
            },
        }
    }

    /// Whether this provider supports `field`.
    pub fn supports(self, field: Field) -> bool {
        self.limits().fields.contains(&field)
    }

    /// The allowed values of `field` when they form a closed set (quality,
    /// formats, ...), or `None` for open fields (prompt, count, URLs, size).
    pub fn closed_values(self, field: Field) -> Option<&'static [&'static str]> {
        let l = self.limits();
        let values = match field {
            Field::AspectRatio => l.aspect_ratios,
            Field::Resolution => l.resolutions,
            Field::Quality => l.qualities,
            Field::OutputFormat => l.output_formats,
            Field::Background => l.backgrounds,
            Field::InputFidelity => l.input_fidelities,
            Field::Moderation => l.moderations,
            _ => return None,
        };
        (self.supports(field) && !values.is_empty()).then_some(values)
    }

    /// What the provider uses for a closed-set `field` a request leaves out,
    /// where its documents say. Apiframe: `quality` auto, `output_format` webp
    /// (its API reference); OpenAI: `quality`, `background`, `moderation` auto
    /// and `output_format` png (`CreateImageRequest` in its OpenAPI document).
    /// OpenAI's `input_fidelity` defaults to low (its API reference). `None`:
    /// not documented.
    pub fn documented_default(self, field: Field) -> Option<&'static str> {
        match (self, field) {
            (Provider::Apiframe, Field::Quality) => Some("auto"),
            (Provider::Apiframe, Field::OutputFormat) => Some("webp"),
            (Provider::Openai, Field::Quality | Field::Background | Field::Moderation) => {
                Some("auto")
            }
            (Provider::Openai, Field::OutputFormat) => Some("png"),
            (Provider::Openai, Field::InputFidelity) => Some("low"),
            _ => None,
        }
    }
}

/// OpenAI: the sizes a JSON edit takes (its OpenAPI schema's enum); other
/// sizes go as multipart.
pub const JSON_EDIT_SIZES: [&str; 4] = ["auto", "1024x1024", "1536x1024", "1024x1536"];

/// Every provider's allowed values and limits, as JSON for building forms.
pub fn provider_info() -> Json {
    let mut out = crate::json::Map::new();
    for p in Provider::ALL {
        let l = p.limits();
        let fields = crate::json::array(&mut l.fields.iter().map(|f| json!(f.name())));
        let mut info = json!({
            "id": p.id(),
            "name": p.display_name(),
            "flow": match p.flow() { Flow::Async => "async", Flow::Sync => "sync" },
            "defaultBaseUrl": p.default_base_url(),
            "fields": fields,
            "promptMaxLength": l.prompt_max,
            "aspectRatios": l.aspect_ratios,
            "resolutions": l.resolutions,
            "qualities": l.qualities,
            "outputFormats": l.output_formats,
            "backgrounds": l.backgrounds,
            "moderations": l.moderations,
            "inputFidelities": l.input_fidelities,
            "count": { "min": l.count.0, "max": l.count.1 },
            "referencesMax": l.references_max,
            "idempotency": p.honours_idempotency_key(),
            "typicalDurationMs": p.typical_duration_ms(),
        });
        if p == Provider::Openai {
            info.set(
                "size",
                json!({
                    "multipleOf": 16,
                    "maxEdge": 3840,
                    "minPixels": 655_360,
                    "maxPixels": 8_294_400,
                    "maxRatio": 3,
                    "outputCompression": { "min": 0, "max": 100, "formats": ["jpeg", "webp"] },
                    "jsonEditSizes": JSON_EDIT_SIZES,
                }),
            );
            info.set(
                "mask",
                json!({ "maxBytes": crate::image::MASK_MAX_BYTES, "format": "png", "alpha": true }),
            );
        }
        if p == Provider::Gptimage2ai {
            info.set(
                "styleExamples",
                json!(["editorial-photo", "studio-product", "cinematic"]),
            );
        }
        out.insert(p.id().to_string(), info);
    }
    Json::Object(out)
}
