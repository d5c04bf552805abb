//! The pure core of `gpt-image-edge`: one provider-neutral GPT Image request,
//! validated, priced and written to the wire for every provider in
//! [`providers`], and every answer they send read back into one job.
//!
//! Nothing here does I/O: requests are built as [`http::HttpRequest`] values and
//! responses are parsed from status and body, so everything is tested natively.
//!
//! ```
//! use gpt_image_core::{validate_request, estimate_cost, Provider, ValidateOptions, PriceOptions};
//! use gpt_image_core::json;
//!
//! let apiframe = Provider::from_id("apiframe").unwrap();
//! let req = json!({ "prompt": "a lighthouse at dusk", "quality": "medium", "count": 4 });
//! let v = validate_request(apiframe, &req, ValidateOptions::default());
//! assert!(v.ok());
//! let cost = estimate_cost(apiframe, &req, ValidateOptions::default(), &PriceOptions::default()).unwrap();
//! assert_eq!(cost.credits, Some(36));
//! assert_eq!(cost.usd, Some(0.36));
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod assumptions;
pub mod client;
pub mod error;
pub mod handle;
pub mod http;
pub mod image;
pub mod io;
pub mod issue;
pub mod job;
pub mod json;
pub mod multipart;
pub mod openai_compat;
pub mod price;
pub mod provider;
pub mod providers;
pub mod redact;
pub mod request;
pub mod route;
pub mod schedule;
pub mod sse;
pub mod text;
pub mod time;
pub mod typescript;
pub mod url;
pub mod webhook;
pub mod wire;

pub use error::{Error, ErrorCode};
pub use http::{ApiKey, Body, HttpRequest, HttpResponse, ResponseBody};
pub use issue::{Issue, IssueCode};
pub use job::{Image, Job, JobError, JobStatus};
pub use json::{Json, Map};
pub use price::{Cost, Plan, PriceOptions};
pub use provider::{provider_info, Field, Flow, Model, Provider};
// `TargetOptions` is defined below, beside `Target`.
pub use request::{ImageRequest, Size, ValidateOptions, Validation};
pub use wire::{MultipartPlan, ParseContext, SubmitPlan};

/// Validate a neutral request (any JSON value) for `provider`.
pub fn validate_request(provider: Provider, request: &Json, opts: ValidateOptions) -> Validation {
    request::validate(provider, request, opts)
}

/// Validate, then return the typed request and the warnings, or `INVALID_REQUEST`.
pub fn checked_request(
    provider: Provider,
    request: &Json,
    opts: ValidateOptions,
) -> Result<(ImageRequest, Vec<Issue>), Error> {
    let v = request::validate(provider, request, opts);
    match v.request {
        Some(r) if v.errors.is_empty() => Ok((r, v.warnings)),
        _ => Err(Error::invalid_request(provider, v.errors)),
    }
}

/// Price a neutral request before sending it; an invalid request is an error.
pub fn estimate_cost(
    provider: Provider,
    request: &Json,
    opts: ValidateOptions,
    price: &PriceOptions,
) -> Result<Cost, Error> {
    let (req, _) = checked_request(provider, request, opts)?;
    Ok(price::estimate(provider, &req, price))
}

/// Where and how to send requests.
#[derive(Clone)]
pub struct Target {
    /// The provider.
    pub provider: Provider,
    /// The API root requests go to (`https://api.openai.com/v1`, or a gateway's
    /// root): the provider's paths are appended to it.
    pub root: String,
    /// The key (empty when a caller's header carries the credential instead,
    /// as an Entra ID token does for Azure).
    pub api_key: ApiKey,
    /// The caller's own headers, on every request to the provider (a
    /// gateway's `cf-aig-authorization`, tracing): secrets, never printed.
    pub headers: Vec<(String, String)>,
    /// The provider's settings (Azure's `deployment`), defaults filled in.
    pub settings: Vec<(&'static str, String)>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Target")
            .field("provider", &self.provider)
            .field("root", &self.root)
            .field("api_key", &self.api_key)
            .field("headers", &names)
            .field("settings", &self.settings)
            .finish()
    }
}

/// What a client is set up with, as the caller wrote it: [`Target::build`] checks it.
#[derive(Default)]
pub struct TargetOptions {
    /// `apiKey`.
    pub api_key: Option<String>,
    /// `baseUrl`.
    pub base_url: Option<String>,
    /// `headers`.
    pub headers: Vec<(String, String)>,
    /// The provider's settings by name (`deployment`, `apiVersion`).
    pub settings: Vec<(String, String)>,
}

impl Target {
    /// A target for `provider` with a key, optionally at another base URL (a
    /// gateway, a proxy, the sandbox): see [`http::api_root`]. Settings take
    /// their defaults; a provider with required settings needs [`Target::build`].
    pub fn new(
        provider: Provider,
        api_key: ApiKey,
        base_url: Option<&str>,
    ) -> Result<Target, Error> {
        Target::build(
            provider,
            TargetOptions {
                api_key: Some(api_key.expose().to_string()),
                base_url: base_url.map(str::to_string),
                ..TargetOptions::default()
            },
        )
    }

    /// A target from what the caller wrote, checked: the key (or a header
    /// that carries the credential where the provider takes one), the base
    /// URL (required where the provider has no shared one), the headers (none
    /// that replaces the provider's auth), and the provider's settings
    /// (required ones present, each value checked). Every refusal is
    /// `INVALID_REQUEST` naming the option.
    pub fn build(provider: Provider, o: TargetOptions) -> Result<Target, Error> {
        let setup = provider.setup();
        let bad = |message: String| {
            Err(Error::new(ErrorCode::InvalidRequest, message).with_provider(provider))
        };
        for (name, value) in &o.headers {
            http::check_extra_header(provider, name, value)?;
        }
        let key = o.api_key.filter(|k| !k.trim().is_empty());
        let alternative = o.headers.iter().any(|(name, _)| {
            setup
                .auth_alternatives
                .iter()
                .any(|a| a.eq_ignore_ascii_case(name))
        });
        if key.is_none() && !alternative {
            let or = match setup.auth_alternatives.first() {
                Some(h) => format!(" (or a `{h}` entry in `headers`)"),
                None => String::new(),
            };
            return bad(format!("option `apiKey` is required{or}"));
        }
        if o.base_url.is_none() && setup.base_url_required {
            return bad(format!(
                "option `baseUrl` is required for {}: {}",
                provider.display_name(),
                provider.default_base_url()
            ));
        }
        let mut settings = Vec::new();
        for (name, _) in &o.settings {
            if !setup.settings.iter().any(|s| s.name == name) {
                return bad(format!(
                    "option `{name}` is not a setting of {}",
                    provider.display_name()
                ));
            }
        }
        for s in setup.settings {
            let given = o
                .settings
                .iter()
                .find(|(n, _)| n == s.name)
                .map(|(_, v)| v.as_str());
            let Some(value) = given.or(s.default) else {
                return bad(format!(
                    "option `{}` is required for {}: {}",
                    s.name,
                    provider.display_name(),
                    s.about
                ));
            };
            if let Err(why) = (s.check)(value) {
                return bad(format!("option `{}`: {why}", s.name));
            }
            if s.name == setup.surface_setting && provider.surface(Some(value)).is_none() {
                return bad(format!(
                    "option `{}`: no API of {} answers to \"{value}\"",
                    s.name,
                    provider.display_name()
                ));
            }
            settings.push((s.name, value.to_string()));
        }
        Ok(Target {
            provider,
            root: http::api_root(provider, o.base_url.as_deref())?,
            api_key: ApiKey::new(key.unwrap_or_default()),
            headers: o.headers,
            settings,
        })
    }

    /// The value of the provider's setting `name`.
    pub fn setting(&self, name: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The API requests go to, where the provider has several.
    pub fn surface(&self) -> Option<&'static provider::Surface> {
        let setup = self.provider.setup();
        if setup.surfaces.is_empty() {
            return None;
        }
        self.provider.surface(self.setting(setup.surface_setting))
    }

    /// How requests to this target are validated.
    pub fn validate_options(&self, strict: bool) -> ValidateOptions {
        ValidateOptions {
            strict,
            allow_local_urls: self.is_local(),
            surface: self.surface(),
        }
    }

    /// Whether requests go to this machine; URLs on loopback are then allowed
    /// in requests (the sandbox serves its reference images there).
    pub fn is_local(&self) -> bool {
        http::is_loopback_origin(&self.root)
    }

    /// Every secret requests to this target carry: the key, and the values
    /// of the caller's headers (long enough to be secrets).
    pub fn secrets(&self) -> Vec<&str> {
        let mut out = vec![self.api_key.expose()];
        out.retain(|k| !k.is_empty());
        out.extend(
            self.headers
                .iter()
                .map(|(_, v)| v.as_str())
                .filter(|v| v.len() >= 8),
        );
        out
    }
}

/// Validate `request` and build its submit plan; the warnings say which
/// fields were left out.
pub fn build_submit_request(
    target: &Target,
    request: &Json,
    strict: bool,
    idempotency_key: Option<&str>,
) -> Result<(SubmitPlan, Vec<Issue>), Error> {
    let opts = target.validate_options(strict);
    let (req, warnings) = checked_request(target.provider, request, opts)?;
    let plan = wire::build_submit(target, &req, idempotency_key)?;
    Ok((plan, warnings))
}

/// Build the request that polls `job_id` once.
pub fn build_poll_request(target: &Target, job_id: &str) -> Result<HttpRequest, Error> {
    wire::build_poll(target, job_id)
}

/// Read any answer a provider sends into a job, or a coded error.
pub fn parse_job(
    provider: Provider,
    status: u16,
    body: &ResponseBody,
    ctx: &ParseContext,
) -> Result<Job, Error> {
    wire::parse_response(provider, status, body, ctx)
}
