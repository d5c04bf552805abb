//! The client: submit, poll, wait and generate, over any [`Io`].
//!
//! The rules that keep money safe:
//! - one idempotency key per logical job, reused on every attempt;
//! - a submit whose outcome is unknown (sent, no readable answer) is resent
//!   only to a provider that deduplicates by that key (Apiframe); otherwise it
//!   fails with `OUTCOME_UNKNOWN`, carrying the key and the request;
//! - a request the provider refused (429, 503) or that never left is retried;
//! - every error that concerns a job that exists, or may, carries its handle.

use crate::error::{Error, ErrorCode};
use crate::handle::Handle;
use crate::io::Io;
use crate::job::{Job, JobStatus};
use crate::json::Json;
use crate::multipart;
use crate::price::{self, Cost, PriceOptions};
use crate::provider::{Flow, Provider};
use crate::request::{ImageRequest, ValidateOptions};
use crate::schedule::DurationMemory;
use crate::wire::{self, ParseContext, SubmitPlan};
use crate::{Issue, Target};
use std::cell::RefCell;

mod errors;
mod references;
mod send;
mod stream;
mod sync;
mod wait;

use send::Resend;

use errors::{unknown_with_key, wire_error};

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
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("provider", &self.cfg.target.provider.id())
            .field("origin", &self.cfg.target.origin)
            .field("api_key", &self.cfg.target.api_key)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with this configuration.
    pub fn new(cfg: ClientConfig) -> Client {
        Client {
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

    /// Every error leaves through here: the key is scrubbed from all its text.
    fn seal(&self, e: Error) -> Error {
        e.redact(self.cfg.target.api_key.expose())
    }

    fn parse_context(&self, output_format: Option<&str>) -> ParseContext {
        ParseContext {
            price: self.cfg.price,
            retry_after: None,
            output_format: output_format.map(str::to_string),
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

    fn validate(&self, request: &Json) -> Result<(ImageRequest, Vec<Issue>), Error> {
        let opts = ValidateOptions {
            strict: self.cfg.strict,
            allow_local_urls: self.cfg.target.is_local(),
        };
        crate::checked_request(self.provider(), request, opts)
    }

    fn prepare<I: Io>(
        &self,
        io: &I,
        request: &Json,
        opts: &SubmitOptions,
    ) -> Result<Prepared, Error> {
        let (req, _) = self.validate(request)?;
        let estimate = price::estimate(self.provider(), &req, &self.cfg.price);
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
        let plan = wire::build_submit(t.provider, &req, &t.origin, &t.api_key, Some(&key))?;
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

    async fn submit_inner<I: Io>(
        &self,
        io: &I,
        request: &Json,
        opts: &SubmitOptions,
        on_progress: &mut dyn FnMut(&Job),
        on_partial: Option<OnPartial<'_>>,
    ) -> Result<Handle, Error> {
        if opts.partial_images.is_some_and(|n| n > 3) {
            return Err(self.seal(Error::new(
                ErrorCode::InvalidRequest,
                "option `partialImages` must be 0, 1, 2 or 3",
            )));
        }
        let original = request;
        // Validated and priced before any upload, so a refused request
        // stores nothing; then bytes become URLs where the provider needs them.
        let mut prepared = self.prepare(io, request, opts).map_err(|e| self.seal(e))?;
        let uploaded = self
            .upload_byte_references(io, request)
            .await
            .map_err(|e| self.seal(e))?;
        let request = &uploaded;
        if request != original {
            let opts = SubmitOptions {
                idempotency_key: Some(prepared.key.clone()),
                ..opts.clone()
            };
            prepared = self.prepare(io, request, &opts).map_err(|e| self.seal(e))?;
        }
        let now = io.now_ms();
        let deadline = now + opts.deadline_ms.unwrap_or(DEFAULT_DEADLINE_MS);
        let mut handle = Handle {
            provider: self.provider(),
            job_id: None,
            idempotency_key: prepared.key.clone(),
            submitted_at: now,
            deadline,
            quality: prepared.request.quality.map(str::to_string),
            count: prepared.request.images(),
            output_format: prepared.request.output_format.map(str::to_string),
            estimate: Some(prepared.estimate.clone()),
            result: None,
            request: None,
        };
        let result = match self.provider().flow() {
            Flow::Async => self.submit_job(io, &prepared, deadline).await.map(|job| {
                handle.job_id = job.id.clone();
                on_progress(&job);
            }),
            Flow::Sync => {
                let mut running = Job::new(self.provider(), None, JobStatus::Running, "running");
                running.progress = Some(0);
                on_progress(&running);
                let streaming = opts
                    .partial_images
                    .filter(|_| self.provider() == Provider::Openai)
                    .zip(on_partial);
                self.generate_now(io, &prepared, deadline, &mut handle, streaming)
                    .await
            }
        };
        match result {
            Ok(()) => Ok(handle),
            Err(e) => {
                // Keep what finds the job again: the key, and the request.
                if matches!(
                    e.code,
                    ErrorCode::OutcomeUnknown | ErrorCode::Aborted | ErrorCode::DeadlineExceeded
                ) || handle.result.is_some()
                {
                    if handle.job_id.is_none() {
                        handle.request = Some(request.clone());
                    }
                    let h = handle.to_json();
                    return Err(self.seal(e.with_handle(h)));
                }
                Err(self.seal(e))
            }
        }
    }

    async fn submit_job<I: Io>(
        &self,
        io: &I,
        prepared: &Prepared,
        deadline: f64,
    ) -> Result<Job, Error> {
        let resend = if self.provider().honours_idempotency_key() {
            Resend::Safe
        } else {
            Resend::Unsafe
        };
        let ctx = self.parse_context(prepared.request.output_format);
        let job = self
            .send(
                io,
                &prepared.plan.request,
                self.cfg.timeout_ms,
                deadline,
                resend,
                &ctx,
            )
            .await
            .map_err(|e| unknown_with_key(e, &prepared.key))?;
        if job.id.is_none() {
            return Err(wire_error(
                self.provider(),
                "the submit answer has no job id",
            ));
        }
        Ok(job)
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
