//! Submitting: one request validated, priced and keyed, then sent as a job
//! to poll (Apiframe, GPTImage2.ai) or made at once (getimg.ai, OpenAI; see
//! `sync.rs`), its handle carrying what finds the job again.

use super::errors::{unknown_with_key, wire_error};
use super::send::Resend;
use super::{Client, OnPartial, Prepared, SubmitOptions, DEFAULT_DEADLINE_MS};
use crate::error::{Error, ErrorCode};
use crate::handle::Handle;
use crate::io::Io;
use crate::job::{Job, JobStatus};
use crate::json::Json;
use crate::provider::Flow;

impl Client {
    /// [`Client::submit`] and [`Client::submit_streaming`]: validated and
    /// priced, byte references uploaded where the provider needs URLs, then
    /// sent (asynchronous providers) or made now (synchronous ones). Errors
    /// that leave a job behind, or may, carry the handle to find it.
    pub(super) async fn submit_inner<I: Io>(
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
        if opts.partial_images.is_some_and(|n| n > 0) && !self.provider().streams_partial_images() {
            return Err(self.seal(Error::new(
                ErrorCode::InvalidRequest,
                format!(
                    "{} does not stream partial images; leave out `partialImages`",
                    self.provider().display_name()
                ),
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
        crate::wire::add_deadline(self.provider(), &mut prepared.plan.request, deadline - now);
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
                    .filter(|_| self.provider().streams_partial_images())
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

    /// Send the submit of an asynchronous provider: resent on an unknown
    /// outcome only where the provider deduplicates by the key.
    pub(super) async fn submit_job<I: Io>(
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
        let ctx = self.parse_context(prepared.request.output_format, Some(prepared.request.rules));
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
}
