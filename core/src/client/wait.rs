//! Finding and following a job: polling it once (`get_job`), waiting for it
//! (`wait_for`: polls planned from how long such jobs take, through passing
//! outages, until it ends or the deadline), and finding the job of a submit
//! that got no answer (`recover`) where a resend cannot bill twice.

use super::errors::{aborted_error, deadline_error, wire_error};
use super::send::Resend;
use super::{Client, SubmitOptions, WaitOptions, DEFAULT_DEADLINE_MS};
use crate::assumptions;
use crate::error::{Error, ErrorCode};
use crate::handle::Handle;
use crate::io::Io;
use crate::job::{Job, JobStatus};
use crate::schedule::{retry_delay, PollPlanner, MAX_POLL_MS};
use crate::wire::{self, ParseContext};

/// How far in the future a handle's `submittedAt` may lie (clocks differ).
const FUTURE_SKEW_MS: f64 = 300_000.0;

/// Most pages of a provider's job listing read to find one lost submit.
const LIST_PAGES_MAX: usize = 10;

/// Whether the target's provider lists its jobs, so a lost submit can be looked for.
fn p_lists(t: &crate::Target) -> bool {
    t.provider
        .wire()
        .list_since(t, Vec::new(), 0.0, None)
        .is_some()
}

impl Client {
    /// [`Client::get_job`], its errors not yet sealed.
    pub(super) async fn read_job<I: Io>(&self, io: &I, handle: &Handle) -> Result<Job, Error> {
        self.check_handle(handle)?;
        if let Some(job) = &handle.result {
            return Ok(job.clone());
        }
        if handle.job_id.is_none() {
            // A read never sends the submit again: that is `recover`.
            return Err(Error::new(
                ErrorCode::OutcomeUnknown,
                "this handle names no job yet: its submit got no answer. recover(handle) finds the job where that is safe; nothing was sent",
            )
            .with_provider(self.provider())
            .with_handle(handle.to_json()));
        }
        let deadline = io.now_ms() + DEFAULT_DEADLINE_MS;
        self.poll(io, handle, deadline)
            .await
            .map_err(|e| e.with_handle(handle.to_json()))
    }

    /// [`Client::recover`], its errors not yet sealed (`wait` uses it too).
    pub(super) async fn find_again<I: Io>(&self, io: &I, handle: &Handle) -> Result<Handle, Error> {
        self.check_handle(handle)?;
        if handle.job_id.is_some() || handle.result.is_some() {
            return Ok(handle.clone());
        }
        let p = self.provider();
        let unknown = |why: String| {
            Error::new(
                ErrorCode::OutcomeUnknown,
                format!(
                    "this handle names no job: its submit got no answer, and {why}; nothing was sent. Look for a job submitted at {} ms with idempotency key {}",
                    crate::json::number_text(handle.submitted_at),
                    handle.idempotency_key
                ),
            )
            .with_provider(p)
            .with_handle(handle.to_json())
        };
        let Some(request) = &handle.request else {
            return Err(unknown("the handle does not carry its request".to_string()));
        };
        let Some(window) = p.recovery_window_ms() else {
            // Never resent; where the provider lists its jobs, looked for there.
            let listed = self.find_in_listing(io, handle, request).await;
            return match listed {
                Ok(Some(job_id)) => {
                    let mut found = handle.clone();
                    found.job_id = Some(job_id);
                    found.request = None;
                    Ok(found)
                }
                Ok(None) if p_lists(&self.cfg.target) => Err(unknown(format!(
                    "no job {} lists since it was submitted was made by this request (it was not created, or is not listed yet); {} does not promise to deduplicate a resent submit, so it is not sent again",
                    p.display_name(),
                    p.display_name()
                ))),
                Ok(None) => Err(unknown(format!(
                    "{} does not promise to deduplicate a resent submit, so sending it again could bill twice",
                    p.display_name()
                ))),
                Err(why) => Err(unknown(why)),
            };
        };
        let age = io.now_ms() - handle.submitted_at;
        if age < -FUTURE_SKEW_MS {
            return Err(unknown(
                "its submittedAt lies in the future, so its age, and whether a resend is safe, cannot be known"
                    .to_string(),
            ));
        }
        if age > window {
            return Err(unknown(format!(
                "it was submitted {} ago, outside the {} h in which {} replays an idempotency key (this client resends only within {} h), so sending it again could bill a new job",
                describe_age(age),
                crate::json::number_text(p.idempotency_window_ms().unwrap_or(window) / 3_600_000.0),
                p.display_name(),
                crate::json::number_text(window / 3_600_000.0),
            )));
        }
        let opts = SubmitOptions {
            idempotency_key: Some(handle.idempotency_key.clone()),
            ..SubmitOptions::default()
        };
        let prepared = self.prepare(io, request, &opts)?;
        let deadline = io.now_ms() + DEFAULT_DEADLINE_MS;
        let job = self.submit_job(io, &prepared, deadline).await?;
        let mut found = handle.clone();
        found.job_id = job.id;
        found.request = None;
        Ok(found)
    }

    /// The job a lost submit made, looked for in the provider's listing of
    /// jobs created since the submit (less the clocks' skew), page by page
    /// (at most [`LIST_PAGES_MAX`]), by the body it sent. `Err` says why the
    /// listing could not be read.
    async fn find_in_listing<I: Io>(
        &self,
        io: &I,
        handle: &Handle,
        request: &crate::json::Json,
    ) -> Result<Option<String>, String> {
        let t = &self.cfg.target;
        if !p_lists(t) {
            return Ok(None);
        }
        let p = self.provider();
        let prepared = self
            .prepare(io, request, &SubmitOptions::default())
            .map_err(|e| format!("its request no longer validates ({})", e.message))?;
        let crate::http::Body::Json(sent) = &prepared.plan.request.body else {
            return Ok(None);
        };
        let since = handle.submitted_at - FUTURE_SKEW_MS;
        let mut cursor: Option<String> = None;
        for _ in 0..LIST_PAGES_MAX {
            let headers = wire::auth_headers(t);
            let Some(req) = p.wire().list_since(t, headers, since, cursor.as_deref()) else {
                return Ok(None);
            };
            let resp = io
                .send(&req, self.cfg.timeout_ms)
                .await
                .map_err(|_| format!("{}'s listing of jobs could not be read", p.display_name()))?;
            let body = resp.body.redacted(&self.guard);
            let list = match (resp.status, body.json()) {
                (200..=299, Some(v)) => v.clone(),
                (status, _) => {
                    return Err(format!(
                        "{}'s listing of jobs answered {status}",
                        p.display_name()
                    ))
                }
            };
            let found = p.wire().find_in_list(&list, sent, since);
            if found.job_id.is_some() {
                return Ok(found.job_id);
            }
            match found.next {
                Some(next) => cursor = Some(next),
                None => return Ok(None),
            }
        }
        Ok(None)
    }

    /// Poll the handle's job once, retrying what is safe to retry.
    async fn poll<I: Io>(&self, io: &I, handle: &Handle, deadline: f64) -> Result<Job, Error> {
        let id = handle.job_id.as_deref().unwrap_or_default();
        let req = wire::build_poll(&self.cfg.target, id)?;
        let ctx = ParseContext {
            quality: handle.quality.clone(),
            ..self.parse_context(handle.output_format.as_deref(), None)
        };
        let mut job = self
            .send(io, &req, self.cfg.timeout_ms, deadline, Resend::Safe, &ctx)
            .await?;
        // A provider whose poll says only that the job is done: its result.
        let t = &self.cfg.target;
        let segment = crate::http::encode_segment(id);
        let headers = wire::auth_headers(t);
        if let Some(result) = self.provider().wire().result(t, headers, &segment, &job) {
            job = self
                .send(
                    io,
                    &result,
                    self.cfg.timeout_ms,
                    deadline,
                    Resend::Safe,
                    &ctx,
                )
                .await?;
        }
        if job.id.is_none() {
            job.id = Some(id.to_string());
        }
        Ok(job)
    }

    /// Refuse a handle of another provider.
    fn check_handle(&self, handle: &Handle) -> Result<(), Error> {
        if handle.provider != self.provider() {
            return Err(Error::new(
                ErrorCode::InvalidRequest,
                format!(
                    "the handle is for {}, this client for {}",
                    handle.provider.display_name(),
                    self.provider().display_name()
                ),
            )
            .with_provider(self.provider()));
        }
        Ok(())
    }

    /// [`Client::wait_for`], its errors not yet sealed: poll as the planner
    /// says, through passing outages, until the job ends or the deadline.
    pub(super) async fn wait<I: Io>(
        &self,
        io: &I,
        handle: &Handle,
        opts: &WaitOptions,
        on_progress: &mut dyn FnMut(&Job),
    ) -> Result<Job, Error> {
        self.check_handle(handle)?;
        let p = self.provider();
        let mut handle = handle.clone();
        if let Some(ms) = opts.deadline_ms {
            handle.deadline = io.now_ms() + ms;
        }
        if let Some(job) = &handle.result {
            on_progress(job);
            return finished(job.clone(), &handle);
        }
        if handle.job_id.is_none() {
            handle = self.find_again(io, &handle).await?;
        }
        let attach = |e: Error, h: &Handle| {
            e.with_handle(h.to_json())
                .with_job_id(h.job_id.clone().unwrap_or_default())
        };
        let quality = handle.quality.clone();
        let mut planner = PollPlanner::new(
            self.expected_ms(quality.as_deref()),
            handle.submitted_at,
            p.reports_progress(),
        );
        let mut delay = planner.first_delay(io.now_ms());
        let mut last_seen: Option<(JobStatus, Option<u8>, String)> = None;
        let mut last_running_poll = handle.submitted_at;
        let mut failures = 0;
        let mut last_error: Option<Error> = None;
        loop {
            let now = io.now_ms();
            if now >= handle.deadline {
                let mut e = deadline_error(p);
                if let Some(last) = last_error.filter(|_| failures > 0) {
                    e.message = format!("{} (the last polls failed: {})", e.message, last.message);
                }
                return Err(attach(e, &handle));
            }
            let wait = delay.min(handle.deadline - now).max(0.0);
            io.sleep(wait.ceil() as u64)
                .await
                .map_err(|_| attach(aborted_error(p), &handle))?;
            let job = match self.poll(io, &handle, handle.deadline).await {
                Ok(job) => {
                    failures = 0;
                    job
                }
                // A passing outage must not abandon a paid job: keep trying,
                // backing off, until the deadline. Final errors end the wait.
                Err(e) if e.retryable && e.code != ErrorCode::DeadlineExceeded => {
                    delay =
                        retry_delay(failures + 1, e.retry_after_ms, io.random()).min(MAX_POLL_MS);
                    failures += 1;
                    last_error = Some(e);
                    continue;
                }
                Err(e) => return Err(attach(e, &handle)),
            };
            let seen = (job.status, job.progress, job.raw_status.clone());
            if last_seen.as_ref() != Some(&seen) {
                on_progress(&job);
                last_seen = Some(seen);
            }
            let polled_at = io.now_ms();
            if job.status.is_terminal() {
                if job.status == JobStatus::Succeeded {
                    // The job ended between the last two polls.
                    let took = 0.5 * (last_running_poll + polled_at) - handle.submitted_at;
                    self.remember(quality.as_deref(), took);
                }
                return finished(job, &handle);
            }
            last_running_poll = polled_at;
            let progress = (job.status == JobStatus::Running)
                .then_some(job.progress)
                .flatten();
            delay = planner.next_delay(polled_at, progress);
        }
    }

    /// How long a job of this quality is expected to take: as jobs here
    /// took, else as configured, else the provider's typical time.
    fn expected_ms(&self, quality: Option<&str>) -> f64 {
        let kind = format!("{}/{}", self.provider().id(), quality.unwrap_or("auto"));
        if let Some(ms) = self.memory.borrow().get(&kind) {
            return ms;
        }
        let base = self
            .cfg
            .typical_duration_ms
            .unwrap_or_else(|| self.provider().typical_duration_ms());
        base * assumptions::quality_duration_factor(quality)
    }

    /// Remember how long a job of this quality took.
    fn remember(&self, quality: Option<&str>, duration_ms: f64) {
        let kind = format!("{}/{}", self.provider().id(), quality.unwrap_or("auto"));
        self.memory.borrow_mut().record(&kind, duration_ms);
    }
}

/// An age for people: "25 h", "40 min", "12 s".
fn describe_age(ms: f64) -> String {
    let (value, unit) = if ms >= 3_600_000.0 {
        (ms / 3_600_000.0, "h")
    } else if ms >= 60_000.0 {
        (ms / 60_000.0, "min")
    } else {
        (ms / 1000.0, "s")
    };
    format!(
        "{} {unit}",
        crate::json::number_text((value * 10.0).round() / 10.0)
    )
}

/// A finished job, or the error its status means.
fn finished(job: Job, handle: &Handle) -> Result<Job, Error> {
    let p = job.provider;
    match job.status {
        JobStatus::Succeeded if job.images.is_empty() && !job.expired => Err(wire_error(
            p,
            "the job succeeded but no image could be read from its answer",
        )
        .with_handle(handle.to_json())
        .with_details(job.to_json())),
        JobStatus::Failed | JobStatus::Cancelled => {
            let why = job.error.as_ref().map_or_else(
                || format!("the job ended {}", job.raw_status),
                |e| e.message.clone(),
            );
            let mut e = Error::new(
                ErrorCode::JobFailed,
                format!("{} job failed: {why}", p.display_name()),
            )
            .with_provider(p)
            .with_handle(handle.to_json())
            .with_details(job.to_json());
            e.job_id = job.id.clone();
            Err(e)
        }
        _ => Ok(job),
    }
}
