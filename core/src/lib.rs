//! The pure core of `gpt-image-edge`: one provider-neutral GPT Image 2 request,
//! validated, priced and written to the wire for Apiframe, GPTImage2.ai,
//! getimg.ai and OpenAI, and every answer they send read back into one job.
//!
//! Nothing here does I/O: requests are built as [`http::HttpRequest`] values and
//! responses are parsed from status and body, so everything is tested natively.
//!
//! ```
//! use gpt_image_core::{validate_request, estimate_cost, Provider, ValidateOptions, PriceOptions};
//! use gpt_image_core::json;
//!
//! let req = json!({ "prompt": "a lighthouse at dusk", "quality": "medium", "count": 4 });
//! let v = validate_request(Provider::Apiframe, &req, ValidateOptions::default());
//! assert!(v.ok());
//! let cost = estimate_cost(Provider::Apiframe, &req, ValidateOptions::default(), &PriceOptions::default()).unwrap();
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
pub mod price;
pub mod provider;
pub mod request;
pub mod route;
pub mod schedule;
pub mod sse;
pub mod text;
pub mod url;
pub mod webhook;
pub mod wire;

pub use error::{Error, ErrorCode};
pub use http::{ApiKey, Body, HttpRequest, HttpResponse, ResponseBody};
pub use issue::{Issue, IssueCode};
pub use job::{Image, Job, JobError, JobStatus};
pub use json::{Json, Map};
pub use price::{Cost, Plan, PriceOptions};
pub use provider::{provider_info, Field, Flow, Provider};
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
#[derive(Clone, Debug)]
pub struct Target {
    /// The provider.
    pub provider: Provider,
    /// `scheme://host[:port]`.
    pub origin: String,
    /// The key.
    pub api_key: ApiKey,
}

impl Target {
    /// A target for `provider`, optionally at another origin (a proxy, the sandbox).
    pub fn new(
        provider: Provider,
        api_key: ApiKey,
        base_url: Option<&str>,
    ) -> Result<Target, Error> {
        Ok(Target {
            provider,
            origin: http::origin(provider, base_url)?,
            api_key,
        })
    }

    /// Whether requests go to this machine; URLs on loopback are then allowed
    /// in requests (the sandbox serves its reference images there).
    pub fn is_local(&self) -> bool {
        http::is_loopback_origin(&self.origin)
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
    let opts = ValidateOptions {
        strict,
        allow_local_urls: target.is_local(),
    };
    let (req, warnings) = checked_request(target.provider, request, opts)?;
    let plan = wire::build_submit(
        target.provider,
        &req,
        &target.origin,
        &target.api_key,
        idempotency_key,
    )?;
    Ok((plan, warnings))
}

/// Build the request that polls `job_id` once.
pub fn build_poll_request(target: &Target, job_id: &str) -> Result<HttpRequest, Error> {
    wire::build_poll(target.provider, &target.origin, &target.api_key, job_id)
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
