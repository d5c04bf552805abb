//! The client: submit, poll, wait and generate, over any [`Io`].
//!
//! The rules that keep money safe:
//! - one idempotency key per logical job, reused on every attempt;
//! - a submit whose outcome is unknown (sent, no readable answer) is resent
//!   only to a provider that deduplicates by that key (Apiframe); otherwise it
//!   fails with `OUTCOME_UNKNOWN`, carrying the key and the request;
//! - a request the provider refused (429, 503) or that never left is retried;
//! - every error that concerns a job that exists, or may, carries its handle.
//!
//! This file holds the client's types and its public methods; the work is in
//! one file per job, each an `impl Client` block:
//! - `submit.rs`: a submit, from the neutral request to the handle;
//! - `sync.rs`: the synchronous providers' generation (getimg.ai's calls at
//!   once, OpenAI's single call or multipart edit);
//! - `stream.rs`: OpenAI's streamed generation, partial images as they come;
//! - `references.rs`: reference images uploaded, decoded or downloaded;
//! - `send.rs`: one request sent, retried only where that cannot bill twice;
//! - `wait.rs`: polling, waiting, and finding the job of an unanswered submit;
//! - `errors.rs`: the errors the client makes itself.
//!
//! Every error leaves through a public method and is sealed on its way out
//! (the key scrubbed from its text). What goes on the wire (paths, fields,
//! forms, answers) is `crate::wire`'s: the client only orchestrates.

use crate::error::{Error, ErrorCode};
use crate::handle::Handle;
use crate::io::Io;
use crate::issue::Issue;
use crate::job::{Job, JobStatus};
use crate::json::Json;
use crate::multipart;
use crate::price::{self, Cost, PriceOptions};
use crate::provider::Provider;
use crate::redact::KeyGuard;
use crate::request::ImageRequest;
use crate::schedule::DurationMemory;
use crate::wire::{self, ParseContext, SubmitPlan};
use crate::Target;
use std::cell::RefCell;

mod errors;
mod references;
mod send;
mod stream;
mod submit;
mod sync;
mod wait;

/// Per-request timeout unless set.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;
/// How long `generate` and `waitFor` wait for a job unless told.
pub const DEFAULT_DEADLINE_MS: f64 = 600_000.0;
/// Retries of one request unless set.
pub const DEFAULT_MAX_RETRIES: u32 = 3;
/// How a client is set up.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Provider, origin and key.
    pub target: Target,
    /// Timeout of one HTTP request (synchronous generations use the deadline).
    pub timeout_ms: u64,
    /// Retries of one request.
    pub max_retries: u32,
    /// How to turn credits into dollars.
    pub price: PriceOptions,
    /// Refuse fields the provider lacks instead of leaving them out.
    pub strict: bool,
    /// How long jobs usually take, when known better than the provider's figure.
    pub typical_duration_ms: Option<f64>,
    /// The most bytes one reference download may hold (at most, and by
    /// default, OpenAI's 50 MB per image).
    pub max_reference_bytes: usize,
}

impl ClientConfig {
    /// A configuration with the defaults.
    pub fn new(target: Target) -> ClientConfig {
        ClientConfig {
            target,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            max_retries: DEFAULT_MAX_RETRIES,
            price: PriceOptions::default(),
            strict: false,
            typical_duration_ms: None,
            max_reference_bytes: multipart::MAX_IMAGE_BYTES,
        }
    }
}

/// Options of one submit (and of `generate`).
#[derive(Clone, Debug, Default)]
pub struct SubmitOptions {
    /// Overall deadline from now, in ms (default 10 minutes).
    pub deadline_ms: Option<f64>,
    /// Refuse before any request when the estimate is higher.
    pub max_cost_usd: Option<f64>,
    /// The logical job's key (default: a fresh UUID).
    pub idempotency_key: Option<String>,
    /// OpenAI: stream the generation, with this many partial images (0..3)
    /// before the final one (see [`Client::submit_streaming`]).
    pub partial_images: Option<u8>,
}

/// A partial image of a streamed OpenAI generation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartialImage {
    /// Which partial image (from 0).
    pub index: u32,
    /// The image, base64.
    pub b64: String,
    /// `image/png`, `image/jpeg` or `image/webp`.
    pub mime_type: String,
    /// The size the stream reports.
    pub size: Option<String>,
}

impl PartialImage {
    /// `{ index, b64, mimeType, size }`
    pub fn to_json(&self) -> Json {
        crate::json!({ "index": self.index, "b64": self.b64, "mimeType": self.mime_type, "size": self.size })
    }
}

/// Who hears partial images.
type OnPartial<'a> = &'a mut dyn FnMut(&PartialImage);

/// Options of `wait_for`.
#[derive(Clone, Debug, Default)]
pub struct WaitOptions {
    /// A new deadline from now, in ms (default: the handle's).
    pub deadline_ms: Option<f64>,
}

/// A validated, priced submit, ready to send.
struct Prepared {
    request: ImageRequest,
    plan: SubmitPlan,
    estimate: Cost,
    key: String,
}

/// The GPT Image 2 client for one provider and key.
pub struct Client {
    cfg: ClientConfig,
    memory: RefCell<DurationMemory>,
    /// Hides the key in every answer and error.
    guard: KeyGuard,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("provider", &self.cfg.target.provider.id())
            .field("root", &self.cfg.target.root)
            .field("api_key", &self.cfg.target.api_key)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with this configuration.
    pub fn new(cfg: ClientConfig) -> Client {
        Client {
            guard: KeyGuard::of(&cfg.target.secrets()),
            cfg,
            memory: RefCell::new(DurationMemory::default()),
        }
    }

    /// The provider.
    pub fn provider(&self) -> Provider {
        self.cfg.target.provider
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.cfg
    }

    /// What hides this client's key in any text (the route's reports use it too).
    pub fn guard(&self) -> &KeyGuard {
        &self.guard
    }

    /// Every error leaves through here: the key is scrubbed from all its text.
    fn seal(&self, e: Error) -> Error {
        e.redact(&self.guard)
    }

    /// A job with the images whose URL or data carried the key withheld (the
    /// answer was redacted before it was read, so they hold the redaction
    /// mark); a finished job left with none fails with a code of ours.
    fn withhold_tainted(&self, mut job: Job) -> Job {
        let tainted = |i: &crate::job::Image| {
            [i.url.as_deref(), i.b64.as_deref()]
                .into_iter()
                .flatten()
                .any(|t| crate::text::contains(t, crate::redact::MARK))
        };
        let before = job.images.len();
        job.images.retain(|i| !tainted(i));
        if job.images.len() < before && job.images.is_empty() && job.status == JobStatus::Succeeded
        {
            job.status = JobStatus::Failed;
            job.error = Some(crate::job::JobError {
                code: "key_in_answer".to_string(),
                message: format!(
                    "{}'s answer carried the API key in its image URLs; they were withheld",
                    self.provider().display_name()
                ),
            });
        }
        job
    }

    /// What reading this client's answers needs (`model`: the one asked for).
    fn parse_context(
        &self,
        output_format: Option<&str>,
        model: Option<&'static crate::provider::Model>,
    ) -> ParseContext {
        ParseContext {
            price: self.cfg.price,
            retry_after: None,
            output_format: output_format.map(str::to_string),
            model,
            quality: None,
        }
    }

    /// Validate and price a request the way `submit` would, without sending it.
    pub fn estimate(&self, request: &Json) -> Result<(Cost, Vec<Issue>), Error> {
        let (req, warnings) = self.validate(request).map_err(|e| self.seal(e))?;
        Ok((
            price::estimate(self.provider(), &req, &self.cfg.price),
            warnings,
        ))
    }

    /// Validate as this client is set up (strict or not, local URLs).
    fn validate(&self, request: &Json) -> Result<(ImageRequest, Vec<Issue>), Error> {
        let opts = self.cfg.target.validate_options(self.cfg.strict);
        crate::checked_request(self.provider(), request, opts)
    }

    /// Validate, price (refused above `max_cost_usd`), key and plan a submit.
    fn prepare<I: Io>(
        &self,
        io: &I,
        request: &Json,
        opts: &SubmitOptions,
    ) -> Result<Prepared, Error> {
        let (req, _) = self.validate(request)?;
        let price = PriceOptions {
            partial_images: opts.partial_images.unwrap_or(0).min(3),
            ..self.cfg.price
        };
        let estimate = price::estimate(self.provider(), &req, &price);
        if let Some(max) = opts.max_cost_usd {
            let over = match estimate.usd {
                None => Some("its price in dollars is unknown (pass creditPriceUsd)".to_string()),
                Some(usd) if usd > max => Some(format!(
                    "the estimate is ${}, above maxCostUsd ${}",
                    price::fmt_usd(usd),
                    price::fmt_usd(max)
                )),
                Some(_) => None,
            };
            if let Some(why) = over {
                return Err(
                    Error::new(ErrorCode::BudgetExceeded, format!("not sent: {why}"))
                        .with_provider(self.provider())
                        .with_details(
                            crate::json!({ "estimate": estimate.to_json(), "maxCostUsd": max }),
                        ),
                );
            }
        }
        let key = match &opts.idempotency_key {
            Some(k) => k.clone(),
            None => io.new_id(),
        };
        let t = &self.cfg.target;
        let plan = wire::build_submit(t, &req, Some(&key))?;
        Ok(Prepared {
            request: req,
            plan,
            estimate,
            key,
        })
    }

    /// Submit a request. Asynchronous providers answer with a job to poll;
    /// for synchronous ones (getimg.ai, OpenAI) this makes the images, and the
    /// handle carries the finished job.
    pub async fn submit<I: Io>(
        &self,
        io: &I,
        request: &Json,
        opts: &SubmitOptions,
        on_progress: &mut dyn FnMut(&Job),
    ) -> Result<Handle, Error> {
        self.submit_inner(io, request, opts, on_progress, None)
            .await
    }

    /// [`Client::submit`], hearing OpenAI's partial images as they stream
    /// (with `opts.partial_images`). A stream that breaks after the request
    /// was sent is `OUTCOME_UNKNOWN` (the image may be billed): never resent.
    pub async fn submit_streaming<I: Io>(
        &self,
        io: &I,
        request: &Json,
        opts: &SubmitOptions,
        on_progress: &mut dyn FnMut(&Job),
        on_partial: OnPartial<'_>,
    ) -> Result<Handle, Error> {
        self.submit_inner(io, request, opts, on_progress, Some(on_partial))
            .await
    }

    /// Find the job of a handle whose submit got no answer, by sending the
    /// same submit with the same key: only where the provider deduplicates,
    /// and only inside its idempotency window (less a margin), so the resend
    /// can only ever find the first job, never bill a second. Elsewhere it
    /// sends nothing and fails with `OUTCOME_UNKNOWN`. A handle that already
    /// names its job comes back as it is.
    pub async fn recover<I: Io>(&self, io: &I, handle: &Handle) -> Result<Handle, Error> {
        self.find_again(io, handle).await.map_err(|e| self.seal(e))
    }

    /// Poll a job once.
    pub async fn get_job<I: Io>(&self, io: &I, handle: &Handle) -> Result<Job, Error> {
        self.read_job(io, handle).await.map_err(|e| self.seal(e))
    }

    /// Poll until the job ends or the deadline passes; `on_progress` hears
    /// every change of status or progress.
    pub async fn wait_for<I: Io>(
        &self,
        io: &I,
        handle: &Handle,
        opts: &WaitOptions,
        on_progress: &mut dyn FnMut(&Job),
    ) -> Result<Job, Error> {
        self.wait(io, handle, opts, on_progress)
            .await
            .map_err(|e| self.seal(e))
    }

    /// Submit and wait: the finished job with its images and cost.
    pub async fn generate<I: Io>(
        &self,
        io: &I,
        request: &Json,
        opts: &SubmitOptions,
        on_progress: &mut dyn FnMut(&Job),
    ) -> Result<Job, Error> {
        let handle = self.submit(io, request, opts, on_progress).await?;
        self.wait_for(io, &handle, &WaitOptions::default(), on_progress)
            .await
    }
}
