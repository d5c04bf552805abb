//! What a provider is: its spec as data (fields and values, defaults,
//! limits, the models it sells, how it bills, what it can do) and its wire
//! (the [`Wire`] it implements). Each provider is one module under
//! `crate::providers`, listed once in its registry; shared code asks a
//! [`Provider`] for capabilities and never which one it is.

use crate::error::Error;
use crate::http::{ApiKey, Body, HttpRequest};
use crate::issue::Issue;
use crate::job::Job;
use crate::json;
use crate::json::Json;
use crate::price::Plan;
use crate::request::ImageRequest;
use crate::wire::{ParseContext, StreamStep, SubmitPlan};
use crate::{ResponseBody, Target};

/// A provider that sells GPT Image models: a handle on its spec.
#[derive(Clone, Copy)]
pub struct Provider(&'static Spec);

impl PartialEq for Provider {
    fn eq(&self, other: &Provider) -> bool {
        self.0.id == other.0.id
    }
}

impl Eq for Provider {}

impl std::hash::Hash for Provider {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.id.hash(state);
    }
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.id)
    }
}

/// Whether a provider answers with a job to poll or with the finished images.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Submit returns a job id; poll until the job ends.
    Async,
    /// The submit call itself returns the images.
    Sync,
}

/// How the key goes with each request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer <key>`.
    Bearer,
    /// The key as the value of this header (`X-API-Key`, `api-key`).
    Header(&'static str),
    /// `Authorization: <scheme> <key>` (fal's `Key`).
    Scheme(&'static str),
}

impl Auth {
    /// The headers that carry `key`.
    pub fn headers(self, key: &ApiKey) -> Vec<(String, String)> {
        let (name, value) = match self {
            Auth::Bearer => ("Authorization", format!("Bearer {}", key.expose())),
            Auth::Header(name) => (name, key.expose().to_string()),
            Auth::Scheme(scheme) => ("Authorization", format!("{scheme} {}", key.expose())),
        };
        vec![(name.to_string(), value)]
    }

    /// The header that carries the key.
    pub fn header_name(self) -> &'static str {
        match self {
            Auth::Bearer | Auth::Scheme(_) => "Authorization",
            Auth::Header(name) => name,
        }
    }
}

/// How a provider takes reference images.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum References {
    /// By URL only: bytes go through the caller's `uploadReference` first.
    UrlsOnly,
    /// Bytes too: sent as data URLs or uploaded in a multipart body.
    Bytes,
}

/// How a provider signs the webhooks it sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Webhooks {
    /// It sends none, or signs none.
    None,
    /// `X-Webhook-Signature: sha256=<hex>`, an HMAC-SHA256 of the raw body
    /// keyed with SHA-256 of the API key (Apiframe).
    HmacOfKeyDigest,
    /// Standard Webhooks: `webhook-id`, `webhook-timestamp` and
    /// `webhook-signature` (`v1,<base64>` entries), an HMAC-SHA256 of
    /// `id.timestamp.body` keyed with a `whsec_` secret (Replicate).
    StandardWebhooks,
    /// Ed25519 over four lines (request id, user id, timestamp, hex SHA-256
    /// of the body), checked against any key of a JWKS (fal).
    Ed25519Jwks,
}

/// How a provider takes a deadline for a job, so a job nobody waits for any
/// more is not run (and billed) anyway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deadline {
    /// It takes none.
    None,
    /// `Cancel-After: <seconds>s` on the submit (Replicate).
    CancelAfter,
    /// `X-Fal-Request-Start-Timeout: <seconds>`: a job not started by then
    /// is not run (fal; it bounds the wait in the queue, not the run).
    StartTimeout,
}

/// What a provider does with an `Idempotency-Key`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Idempotency {
    /// Whether the client sends the header at all.
    pub sends_key: bool,
    /// How long a replayed key returns the first job instead of a new one,
    /// where the provider documents that it does: a submit whose outcome is
    /// unknown may then be sent again within that window (less a margin).
    pub replay_window_ms: Option<f64>,
}

/// The rules of an explicit `WxH` size (OpenAI's `size`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SizeRules {
    /// Both edges are multiples of this.
    pub multiple_of: u32,
    /// The longest edge.
    pub max_edge: u32,
    /// Fewest pixels.
    pub min_pixels: u64,
    /// Most pixels.
    pub max_pixels: u64,
    /// Largest ratio of the long edge to the short one.
    pub max_ratio: u32,
    /// The size an `aspectRatio` stands for at 1K (2K doubles both edges).
    pub ratio_sizes_1k: &'static [(&'static str, u32, u32)],
    /// What `size: "auto"` is priced as (the largest standard size).
    pub auto_priced_as: (u32, u32),
    /// The only sizes taken, where the API lists them (empty: any size
    /// within the rules above).
    pub only: &'static [(u32, u32)],
}

/// Allowed values and limits of one model at one provider.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Request fields the model takes.
    pub fields: &'static [Field],
    /// The fields an edit takes, where an edit takes fewer than a generation
    /// (Azure's dated API has no `output_format` on edits).
    pub edit_fields: Option<&'static [Field]>,
    /// Longest prompt, in UTF-16 code units (JavaScript's `string.length`).
    pub prompt_max: usize,
    /// Allowed `aspectRatio` values.
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
    /// Rules of `size`, where it is a field.
    pub size: Option<&'static SizeRules>,
    /// Largest mask, in bytes, where `mask` is a field (a PNG with alpha).
    pub mask_max_bytes: usize,
}

/// What a model costs, as data; `crate::price` works it out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tariff {
    /// Credits per image by quality (a quality not listed costs the last
    /// entry), at the plans' prices per credit.
    CreditsPerQuality {
        /// `(quality, credits)`.
        credits: &'static [(&'static str, u64)],
        /// What a request that names no quality is priced as.
        default_quality: &'static str,
        /// `(plan, USD per credit, words)`.
        plans: &'static [(Plan, f64, &'static str)],
    },
    /// The same credits for every image; no published price per credit.
    CreditsPerImage(u64),
    /// US dollars per image by resolution (the first entry when none is asked).
    UsdPerResolution(&'static [(&'static str, f64)]),
    /// US dollars per image by quality (a quality not listed costs the last
    /// entry), from figures the provider does not state in its API.
    UsdPerQuality {
        /// `(quality, USD)`.
        usd: &'static [(&'static str, f64)],
        /// What a request that names no quality is priced as.
        default_quality: &'static str,
        /// Where the figures come from, for the estimate's words.
        source: &'static str,
    },
    /// Billed in tokens: an estimate before the call, exact from `usage` after.
    Tokens(&'static TokenTariff),
}

/// Token prices and the published per-image figures they are estimated from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TokenTariff {
    /// USD per million text input tokens.
    pub text_in_per_m: f64,
    /// USD per million image input tokens.
    pub image_in_per_m: f64,
    /// USD per million cached image input tokens.
    pub cached_image_in_per_m: f64,
    /// USD per million image output tokens.
    pub image_out_per_m: f64,
    /// Output tokens of one 1024x1024 image by quality (a quality not
    /// listed is priced as the last entry).
    pub output_tokens_1024: &'static [(&'static str, u64)],
    /// What `quality: "auto"` is priced as.
    pub auto_priced_as: &'static str,
    /// Output tokens each partial image of a stream adds.
    pub partial_image_tokens: u64,
    /// Whether an image smaller than 1024x1024 is priced as one (fal's
    /// per-image table does not fall with the area below that size).
    pub smaller_priced_as_1024: bool,
    /// Where these figures come from, for the estimate's words.
    pub source: &'static str,
}

/// Where a model's rules come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The provider's own documents.
    Official,
    /// Third-party write-ups only: the rules are assumptions, and say so.
    ThirdParty(&'static str),
}

/// One model a provider sells.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Model {
    /// The id callers name (`gpt-image-2`).
    pub id: &'static str,
    /// The id sent on the wire, where the provider names it otherwise.
    pub wire_id: &'static str,
    /// Where its rules come from.
    pub source: Source,
    /// Its values and limits.
    pub limits: &'static Limits,
    /// What the provider uses for a closed-set field a request leaves out,
    /// where its documents say.
    pub defaults: &'static [(Field, &'static str)],
    /// What it costs.
    pub tariff: Tariff,
}

/// Model ids a provider may have released since this package was made:
/// accepted with a warning, judged by the rules of `newest`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelFamily {
    /// The prefix of every id of the family (`gpt-image-`).
    pub prefix: &'static str,
    /// The listed model whose rules an unlisted one is judged by.
    pub newest: &'static str,
    /// What goes before the id on the wire (OpenRouter's `openai/`).
    pub wire_prefix: &'static str,
}

/// A setting a provider needs besides its key and base URL (Azure's
/// `deployment` and `apiVersion`), given as a client option of that name.
#[derive(Clone, Copy, Debug)]
pub struct Setting {
    /// The option's name in JavaScript.
    pub name: &'static str,
    /// Its value when none is given; `None`: it is required.
    pub default: Option<&'static str>,
    /// What it is, for errors, forms and types.
    pub about: &'static str,
    /// Example values, for forms and types.
    pub examples: &'static [&'static str],
    /// Checks a value: `Err` says what is wrong.
    pub check: fn(&str) -> Result<(), String>,
}

/// One API of a provider that offers several (Azure's dated deployments API
/// and its v1 API), chosen by the value of one setting: each takes its own
/// fields and values.
#[derive(Clone, Copy, Debug)]
pub struct Surface {
    /// A short id (`deployments`, `v1`).
    pub id: &'static str,
    /// What it is, for messages.
    pub about: &'static str,
    /// Whether a value of the choosing setting selects it.
    pub selected_by: fn(&str) -> bool,
    /// Its fields, values and limits (for every model of the provider).
    pub limits: &'static Limits,
}

impl PartialEq for Surface {
    fn eq(&self, other: &Surface) -> bool {
        self.id == other.id
    }
}

impl Eq for Surface {}

/// What setting up a client for a provider takes beyond a key: required
/// settings, several APIs, credentials other than the key.
#[derive(Clone, Copy, Debug)]
pub struct Setup {
    /// Settings the provider needs.
    pub settings: &'static [Setting],
    /// Its APIs, where it has several; the first is the default.
    pub surfaces: &'static [Surface],
    /// The setting whose value chooses among `surfaces`.
    pub surface_setting: &'static str,
    /// Headers of the caller that may carry the credential instead of the
    /// key (Azure: `Authorization` with an Entra ID token).
    pub auth_alternatives: &'static [&'static str],
    /// Whether there is no shared API root: each customer has their own
    /// (Azure's `https://{resource}.openai.azure.com`), so `baseUrl` is required.
    pub base_url_required: bool,
}

impl Setup {
    /// A provider with one public API, taking a key only.
    pub const NONE: Setup = Setup {
        settings: &[],
        surfaces: &[],
        surface_setting: "",
        auth_alternatives: &[],
        base_url_required: false,
    };
}

/// Whether and how a provider streams partial images before the final ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartialImages {
    /// It does not.
    None,
    /// It sends as many as asked (0..3; OpenAI's `partial_images`).
    AsAsked,
    /// It streams when asked, but its API takes no count: it sends what it
    /// decides, priced as up to this many per image.
    Uncounted(u8),
}

/// Everything a provider is, as data.
pub struct Spec {
    /// The id used in JavaScript (`apiframe`).
    pub id: &'static str,
    /// A human name for messages.
    pub name: &'static str,
    /// The API root: an origin, and the path a base URL with a path replaces
    /// (OpenAI: `https://api.openai.com/v1`, as openai-node's `baseURL`).
    pub api_root: &'static str,
    /// How the key goes.
    pub auth: Auth,
    /// Jobs to poll, or images in the answer.
    pub flow: Flow,
    /// What it does with an `Idempotency-Key`.
    pub idempotency: Idempotency,
    /// Whether polls report a rising `progress` (0..100).
    pub reports_progress: bool,
    /// Typical time from submit to finished image, in milliseconds.
    pub typical_duration_ms: f64,
    /// How it signs webhooks.
    pub webhooks: Webhooks,
    /// How it takes a deadline for a job.
    pub deadline: Deadline,
    /// How it takes reference images.
    pub references: References,
    /// Whether a generation can stream partial images before the final ones.
    pub partial_images: PartialImages,
    /// Most images one call makes.
    pub images_per_call: u32,
    /// Whether finished images come as URLs it hosts (else as base64).
    pub images_hosted: bool,
    /// The models it sells, the default first.
    pub models: &'static [Model],
    /// Unlisted model ids it accepts, if any.
    pub model_family: Option<ModelFamily>,
    /// Example values of `style`, where it has that field.
    pub style_examples: &'static [&'static str],
    /// Settings, APIs and credentials beyond the key.
    pub setup: &'static Setup,
    /// Problems of a typed request that only this provider has (combinations
    /// of fields its API takes only in some forms), on the surface where it
    /// has several. Its wire format is not here but in [`Provider::wire`]:
    /// a table of trait objects would keep every provider's wire code in
    /// builds that only validate and price (a browser's).
    pub check: Option<CheckFn>,
}

/// See [`Spec::check`].
pub type CheckFn = fn(Provider, &ImageRequest, Option<&'static Surface>, &mut Vec<Issue>);

/// A provider's wire format, sans-IO: requests out, answers in. Only the
/// provider's own module knows its paths, fields and answer shapes.
pub trait Wire: Sync {
    /// The submit of `req` (validated for this provider) to `target`, with
    /// `headers` (its auth and the caller's own) on every request.
    fn submit(&self, target: &Target, req: &ImageRequest, headers: Headers) -> SubmitPlan;

    /// The request that polls `job_id` (already a path segment) once
    /// (`None`: nothing to poll).
    fn poll(&self, _target: &Target, _headers: Headers, _job_id: &str) -> Option<HttpRequest> {
        None
    }

    /// Read a 2xx answer (already JSON, already redacted) into a job.
    fn parse(&self, p: Provider, v: &Json, ctx: &ParseContext) -> Result<Job, Error>;

    /// Read one event of a streamed answer.
    fn stream_step(
        &self,
        _p: Provider,
        _name: &str,
        _data: &ResponseBody,
        _ctx: &ParseContext,
    ) -> StreamStep {
        StreamStep::Other
    }

    /// Ask for a streamed answer with `partial_images` partial images (JSON
    /// body, or the text `fields` of a multipart one).
    fn ask_to_stream(
        &self,
        _body: &mut Body,
        _fields: Option<&mut Vec<(String, String)>>,
        _partial_images: u8,
    ) {
    }

    /// The job a verified webhook event is about.
    fn webhook_job_id<'a>(&self, _event: &'a Json) -> Option<&'a str> {
        None
    }

    /// Where a job that a poll reported finished keeps its result, when the
    /// poll does not carry it (fal's queue: the status, then the result).
    fn result(
        &self,
        _target: &Target,
        _headers: Headers,
        _job_id: &str,
        _polled: &Job,
    ) -> Option<HttpRequest> {
        None
    }

    /// Where a provider that does not deduplicate lists the jobs created
    /// since `since_ms` (ms since the epoch), so a submit that got no answer
    /// can be found by what it sent (`None`: it lists none). `cursor` names
    /// a later page, as [`ListMatch::next`] gave it.
    fn list_since(
        &self,
        _target: &Target,
        _headers: Headers,
        _since_ms: f64,
        _cursor: Option<&str>,
    ) -> Option<HttpRequest> {
        None
    }

    /// In a listing `list_since` fetched, the id of the job `sent` (the
    /// submit's body) made, created at or after `since_ms`; and the cursor
    /// of the next page when there is one.
    fn find_in_list(&self, _list: &Json, _sent: &Json, _since_ms: f64) -> ListMatch {
        ListMatch::default()
    }
}

/// What one page of a provider's job listing says about a lost submit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListMatch {
    /// The job the submit made, when it is on this page.
    pub job_id: Option<String>,
    /// The cursor of the next (older) page, when there is one: only a
    /// cursor, never a URL, so a listing cannot send the key elsewhere.
    pub next: Option<String>,
}

/// Header name/value pairs.
pub type Headers = Vec<(String, String)>;

/// A neutral request field that a provider may or may not support.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `prompt`
    Prompt,
    /// `model`
    Model,
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
    pub const ALL: [Field; 20] = [
        Field::Prompt,
        Field::Model,
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
            Field::Model => "model",
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

/// Safety margin kept inside a provider's idempotency window.
pub const RECOVERY_MARGIN_MS: f64 = 3_600_000.0;

/// The model a request names, as a provider judges it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ModelChoice {
    /// A model the provider lists.
    Listed(&'static Model),
    /// An id of the provider's family this package does not list: judged by
    /// the rules of the newest listed one.
    Unlisted(&'static Model),
    /// Not a model the provider sells.
    Unknown,
}

impl Provider {
    /// The provider of a spec (each provider's module makes its own).
    pub const fn of(spec: &'static Spec) -> Provider {
        Provider(spec)
    }

    /// Every provider, in a stable order.
    pub fn all() -> &'static [Provider] {
        crate::providers::ALL
    }

    /// The provider with this id.
    pub fn from_id(id: &str) -> Option<Provider> {
        Provider::all().iter().copied().find(|p| p.id() == id)
    }

    /// Its spec.
    pub fn spec(self) -> &'static Spec {
        self.0
    }

    /// The provider id used in JavaScript.
    pub fn id(self) -> &'static str {
        self.0.id
    }

    /// A human name for messages.
    pub fn display_name(self) -> &'static str {
        self.0.name
    }

    /// Its wire format (code, reached only from code that talks to providers).
    pub fn wire(self) -> &'static dyn Wire {
        crate::providers::wire_of(self.0)
    }

    /// The API root requests go to unless a base URL says otherwise.
    pub fn default_base_url(self) -> &'static str {
        self.0.api_root
    }

    /// Whether jobs are polled or answered in the submit call.
    pub fn flow(self) -> Flow {
        self.0.flow
    }

    /// Whether the provider deduplicates a replayed `Idempotency-Key`, so a
    /// submit with an unknown outcome may be sent again.
    pub fn honours_idempotency_key(self) -> bool {
        self.0.idempotency.replay_window_ms.is_some()
    }

    /// How long the provider replays an `Idempotency-Key`, where it documents it.
    pub fn idempotency_window_ms(self) -> Option<f64> {
        self.0.idempotency.replay_window_ms
    }

    /// How long after its submit a lost submit may be sent again: the
    /// provider's idempotency window less an hour of safety margin.
    pub fn recovery_window_ms(self) -> Option<f64> {
        self.idempotency_window_ms().map(|w| w - RECOVERY_MARGIN_MS)
    }

    /// Whether the client sends an `Idempotency-Key` header at all.
    pub fn sends_idempotency_key(self) -> bool {
        self.0.idempotency.sends_key
    }

    /// Whether the provider signs the webhooks it sends.
    pub fn signs_webhooks(self) -> bool {
        self.0.webhooks != Webhooks::None
    }

    /// How it signs webhooks.
    pub fn webhooks(self) -> Webhooks {
        self.0.webhooks
    }

    /// How it takes a deadline for a job.
    pub fn deadline(self) -> Deadline {
        self.0.deadline
    }

    /// Whether a generation can stream partial images before its final ones.
    pub fn streams_partial_images(self) -> bool {
        self.0.partial_images != PartialImages::None
    }

    /// How it streams partial images.
    pub fn partial_images(self) -> PartialImages {
        self.0.partial_images
    }

    /// What setting it up takes beyond a key.
    pub fn setup(self) -> &'static Setup {
        self.0.setup
    }

    /// The API a value of its choosing setting selects (`None`: the
    /// setting's default), where it has several; `None` when it has one, or
    /// when no API answers to `value`.
    pub fn surface(self, value: Option<&str>) -> Option<&'static Surface> {
        let setup = self.0.setup;
        let value = value.or_else(|| {
            setup
                .settings
                .iter()
                .find(|s| s.name == setup.surface_setting)
                .and_then(|s| s.default)
        })?;
        setup.surfaces.iter().find(|s| (s.selected_by)(value))
    }

    /// Whether reference images given as bytes go to the provider as they are.
    pub fn takes_reference_bytes(self) -> bool {
        self.0.references == References::Bytes
    }

    /// Whether finished images come as URLs the provider hosts (else as base64).
    pub fn hosts_images(self) -> bool {
        self.0.images_hosted
    }

    /// Whether polls report a rising `progress` (0..100).
    pub fn reports_progress(self) -> bool {
        self.0.reports_progress
    }

    /// Typical time from submit to finished image, in milliseconds.
    pub fn typical_duration_ms(self) -> f64 {
        self.0.typical_duration_ms
    }

    /// The model a request that names none gets.
    pub fn default_model(self) -> &'static Model {
        &self.0.models[0]
    }

    /// The model `id` names at this provider.
    pub fn model(self, id: &str) -> ModelChoice {
        if let Some(m) = self.0.models.iter().find(|m| m.id == id) {
            return ModelChoice::Listed(m);
        }
        match self.0.model_family {
            Some(f) if id.len() > f.prefix.len() && id.starts_with(f.prefix) => self
                .0
                .models
                .iter()
                .find(|m| m.id == f.newest)
                .map_or(ModelChoice::Unknown, ModelChoice::Unlisted),
            _ => ModelChoice::Unknown,
        }
    }

    /// Values and limits of the default model (on the default API, where
    /// there are several), as forms use them.
    pub fn limits(self) -> &'static Limits {
        self.surface(None)
            .map_or(self.default_model().limits, |s| s.limits)
    }

    /// Whether the default model supports `field`.
    pub fn supports(self, field: Field) -> bool {
        self.limits().fields.contains(&field)
    }

    /// Whether any model of the provider supports `field`, on any of its APIs.
    pub fn ever_supports(self, field: Field) -> bool {
        self.0
            .models
            .iter()
            .map(|m| m.limits)
            .chain(self.0.setup.surfaces.iter().map(|s| s.limits))
            .any(|l| l.fields.contains(&field))
    }

    /// The allowed values of `field` when they form a closed set (the model
    /// ids, and the default model's qualities, formats, ...), or `None` for
    /// open fields.
    pub fn closed_values(self, field: Field) -> Option<Vec<&'static str>> {
        if field == Field::Model {
            return Some(self.0.models.iter().map(|m| m.id).collect());
        }
        self.limits().closed_values(field).map(<[_]>::to_vec)
    }

    /// What the provider uses for a closed-set `field` a request leaves out,
    /// where its documents say (for the default model; for `model`, its id).
    pub fn documented_default(self, field: Field) -> Option<&'static str> {
        if field == Field::Model {
            return Some(self.default_model().id);
        }
        self.default_model().documented_default(field)
    }
}

impl Model {
    /// The allowed values of `field` when they form a closed set.
    pub fn closed_values(&self, field: Field) -> Option<&'static [&'static str]> {
        self.limits.closed_values(field)
    }
}

impl Limits {
    /// The allowed values of `field` when they form a closed set.
    pub fn closed_values(&'static self, field: Field) -> Option<&'static [&'static str]> {
        let l = self;
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
        (l.fields.contains(&field) && !values.is_empty()).then_some(values)
    }
}

impl Model {
    /// What the provider uses for a closed-set `field` a request leaves out.
    pub fn documented_default(&self, field: Field) -> Option<&'static str> {
        self.defaults
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| *v)
    }
}

fn flow_name(f: Flow) -> &'static str {
    match f {
        Flow::Async => "async",
        Flow::Sync => "sync",
    }
}

fn strings(values: &[&str]) -> Json {
    Json::Array(values.iter().map(|v| json!(v)).collect())
}

/// A model's values and limits, as JSON for forms.
fn limits_json(l: &Limits) -> crate::json::Map {
    let mut o = crate::json::Map::new();
    o.insert(
        "fields",
        Json::Array(l.fields.iter().map(|f| json!(f.name())).collect()),
    );
    o.insert("promptMaxLength", json!(l.prompt_max));
    o.insert("aspectRatios", strings(l.aspect_ratios));
    o.insert("resolutions", strings(l.resolutions));
    o.insert("qualities", strings(l.qualities));
    o.insert("outputFormats", strings(l.output_formats));
    o.insert("backgrounds", strings(l.backgrounds));
    o.insert("moderations", strings(l.moderations));
    o.insert("inputFidelities", strings(l.input_fidelities));
    o.insert("count", json!({ "min": l.count.0, "max": l.count.1 }));
    o.insert("referencesMax", json!(l.references_max));
    if let Some(edit) = l.edit_fields {
        o.insert(
            "editFields",
            Json::Array(edit.iter().map(|f| json!(f.name())).collect()),
        );
    }
    if let Some(s) = l.size {
        let ratios: Vec<Json> = s
            .ratio_sizes_1k
            .iter()
            .map(|(r, w, h)| json!({ "aspectRatio": r, "width": w, "height": h }))
            .collect();
        o.insert(
            "size",
            json!({
                "multipleOf": s.multiple_of,
                "maxEdge": s.max_edge,
                "minPixels": s.min_pixels,
                "maxPixels": s.max_pixels,
                "maxRatio": s.max_ratio,
                "ratioSizes1K": ratios,
                "only": Json::Array(s.only.iter().map(|(w, h)| json!(format!("{w}x{h}"))).collect()),
                "outputCompression": { "min": 0, "max": 100, "formats": ["jpeg", "webp"] },
            }),
        );
    }
    if l.fields.contains(&Field::Mask) {
        o.insert(
            "mask",
            json!({ "maxBytes": l.mask_max_bytes, "format": "png", "alpha": true }),
        );
    }
    o
}

/// A tariff as JSON: its kind and figures.
fn tariff_json(t: &Tariff) -> Json {
    match t {
        Tariff::CreditsPerQuality {
            credits,
            plans,
            default_quality,
        } => {
            let per: Vec<Json> = credits.iter().map(|(q, c)| json!([q, c])).collect();
            let plans: Vec<Json> = plans
                .iter()
                .map(|(p, usd, _)| json!({ "plan": p.id(), "usdPerCredit": usd }))
                .collect();
            json!({
                "kind": "creditsPerQuality",
                "credits": per,
                "defaultQuality": default_quality,
                "plans": plans,
                "defaultPlan": crate::price::Plan::default().id(),
            })
        }
        Tariff::CreditsPerImage(c) => json!({ "kind": "creditsPerImage", "credits": c }),
        Tariff::UsdPerResolution(per) => {
            let first = per.first().map(|(r, _)| *r);
            let per: Vec<Json> = per.iter().map(|(r, usd)| json!([r, usd])).collect();
            json!({ "kind": "usdPerResolution", "usd": per, "defaultResolution": first })
        }
        Tariff::UsdPerQuality {
            usd,
            source,
            default_quality,
        } => {
            let per: Vec<Json> = usd.iter().map(|(q, usd)| json!([q, usd])).collect();
            json!({ "kind": "usdPerQuality", "usd": per, "defaultQuality": default_quality, "source": source })
        }
        Tariff::Tokens(t) => json!({
            "kind": "tokens",
            "usdPerMillion": { "textIn": t.text_in_per_m, "imageIn": t.image_in_per_m, "cachedImageIn": t.cached_image_in_per_m, "imageOut": t.image_out_per_m },
        }),
    }
}

/// A provider's settings as JSON: `[{ name, required, default, about, examples }]`.
fn setup_settings_json(setup: &Setup) -> Json {
    Json::Array(
        setup
            .settings
            .iter()
            .map(|s| {
                json!({
                    "name": s.name,
                    "required": s.default.is_none(),
                    "default": s.default,
                    "about": s.about,
                    "examples": strings(s.examples),
                })
            })
            .collect(),
    )
}

/// Every provider's spec, as JSON for building forms: its capabilities, its
/// models (each with its values, limits, defaults and tariff), and, at the
/// top level, the values and limits of its default model.
pub fn provider_info() -> Json {
    let mut out = crate::json::Map::new();
    for p in Provider::all() {
        let s = p.spec();
        let mut info = limits_json(p.limits());
        let models: Vec<Json> = s
            .models
            .iter()
            .map(|m| {
                let mut o = limits_json(m.limits);
                o.insert("id", json!(m.id));
                o.insert(
                    "source",
                    match m.source {
                        Source::Official => json!("official"),
                        Source::ThirdParty(why) => json!(why),
                    },
                );
                let mut defaults = crate::json::Map::new();
                for (f, v) in m.defaults {
                    defaults.insert(f.name(), json!(v));
                }
                o.insert("defaults", Json::Object(defaults));
                o.insert("tariff", tariff_json(&m.tariff));
                Json::Object(o)
            })
            .collect();
        info.insert("id", json!(s.id));
        info.insert("name", json!(s.name));
        info.insert("flow", json!(flow_name(s.flow)));
        info.insert("defaultBaseUrl", json!(s.api_root));
        info.insert("auth", json!(s.auth.header_name()));
        info.insert("defaultModel", json!(p.default_model().id));
        info.insert("models", Json::Array(models));
        info.insert(
            "modelFamily",
            s.model_family.map_or(
                Json::Null,
                |f| json!({ "prefix": f.prefix, "judgedAs": f.newest }),
            ),
        );
        info.insert("idempotency", json!(p.honours_idempotency_key()));
        info.insert("typicalDurationMs", json!(s.typical_duration_ms));
        info.insert("reportsProgress", json!(s.reports_progress));
        info.insert("signsWebhooks", json!(p.signs_webhooks()));
        info.insert(
            "deadline",
            match s.deadline {
                Deadline::None => Json::Null,
                Deadline::CancelAfter => json!("cancelAfter"),
                Deadline::StartTimeout => json!("startTimeout"),
            },
        );
        info.insert("partialImages", json!(p.streams_partial_images()));
        info.insert(
            "partialImagesCounted",
            json!(s.partial_images == PartialImages::AsAsked),
        );
        info.insert("settings", setup_settings_json(s.setup));
        let surfaces: Vec<Json> = s
            .setup
            .surfaces
            .iter()
            .map(|surface| {
                let mut o = limits_json(surface.limits);
                o.insert("id", json!(surface.id));
                o.insert("about", json!(surface.about));
                Json::Object(o)
            })
            .collect();
        info.insert("surfaces", Json::Array(surfaces));
        info.insert("surfaceSetting", json!(s.setup.surface_setting));
        info.insert("baseUrlRequired", json!(s.setup.base_url_required));
        info.insert("referenceBytes", json!(p.takes_reference_bytes()));
        info.insert("imagesPerCall", json!(s.images_per_call));
        if !s.style_examples.is_empty() {
            info.insert("styleExamples", strings(s.style_examples));
        }
        out.insert(s.id.to_string(), Json::Object(info));
    }
    Json::Object(out)
}
