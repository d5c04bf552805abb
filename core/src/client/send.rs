//! Sending one request: retried when that cannot bill twice (refused, or
//! never sent), its answer redacted and read into a job or a coded error.

use super::errors::{aborted_error, deadline_error, outcome_unknown};
use super::Client;
use crate::error::{Error, ErrorCode};
use crate::http::HttpRequest;
use crate::io::{Io, TransportError};
use crate::job::Job;
use crate::provider::Flow;
use crate::schedule::retry_delay;
use crate::wire::{self, ParseContext};

/// Whether resending a request can create a second billed job.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Resend {
    /// Polls, and submits to a provider that honours the idempotency key.
    Safe,
    /// Submits to a provider that does not deduplicate.
    Unsafe,
}

impl Client {
    /// Send one request, retrying what is safe to retry. `Resend::Unsafe`
    /// turns an unknown outcome into `OUTCOME_UNKNOWN` instead of a resend.
    pub(super) async fn send<I: Io>(
        &self,
        io: &I,
        req: &HttpRequest,
        timeout_ms: u64,
        deadline: f64,
        resend: Resend,
        ctx: &ParseContext,
    ) -> Result<Job, Error> {
        let p = self.provider();
        let mut attempt = 0;
        loop {
            let left = deadline - io.now_ms();
            if left <= 0.0 {
                return Err(deadline_error(p));
            }
            let timeout = (timeout_ms as f64).min(left).ceil() as u64;
            let (err, unknown) = match io.send(req, timeout).await {
                Ok(resp) => {
                    let ctx = ParseContext {
                        retry_after: resp.header("retry-after").map(str::to_string),
                        ..ctx.clone()
                    };
                    // Redact first: every cut the parser makes is then of clean text.
                    let body = resp.body.redacted(&self.guard);
                    match wire::parse_response(p, resp.status, &body, &ctx) {
                        Ok(job) => return Ok(self.withhold_tainted(job)),
                        Err(e) => {
                            let status = resp.status;
                            // Refused before any work: safe to send again.
                            let refused = e.code == ErrorCode::RateLimited || status == 503;
                            // A synchronous provider's own error answer is final: no
                            // image was made. Gateways and unreadable successes are not.
                            let gateway = matches!(status, 408 | 502 | 504);
                            let final_answer = p.flow() == Flow::Sync;
                            let unknown = !refused
                                && (e.code == ErrorCode::Decode
                                    || gateway
                                    || (status >= 500 && !final_answer));
                            if !refused && !unknown {
                                return Err(e);
                            }
                            (e, unknown)
                        }
                    }
                }
                Err(TransportError::Aborted) => return Err(aborted_error(p)),
                Err(TransportError::Timeout) if left <= timeout_ms as f64 + 1.0 => {
                    // The overall deadline, not the request timeout, cut it short.
                    let mut e = deadline_error(p);
                    if req.method == "POST" && resend == Resend::Unsafe {
                        e.message = format!(
                            "the deadline passed before {} answered; the generation may still be made and billed",
                            p.display_name()
                        );
                    }
                    return Err(e);
                }
                Err(TransportError::Timeout) => (
                    Error::new(
                        ErrorCode::Timeout,
                        format!("{} did not answer within {timeout} ms", p.display_name()),
                    )
                    .with_provider(p),
                    true,
                ),
                Err(TransportError::Network {
                    message,
                    maybe_sent,
                }) => (
                    Error::new(
                        ErrorCode::Network,
                        format!("the request to {} failed: {message}", p.display_name()),
                    )
                    .with_provider(p),
                    maybe_sent,
                ),
                // Answers are read whole today; a host that limits them
                // reports an answer it could not hold, after it was sent.
                Err(TransportError::TooLarge) => (
                    Error::new(
                        ErrorCode::Decode,
                        format!("{}'s answer was too large to read", p.display_name()),
                    )
                    .with_provider(p),
                    true,
                ),
            };
            if unknown && resend == Resend::Unsafe {
                return Err(outcome_unknown(p, &err));
            }
            if attempt >= self.cfg.max_retries {
                return Err(if unknown && req.method == "POST" {
                    outcome_unknown(p, &err)
                } else {
                    err
                });
            }
            let wait = retry_delay(attempt, err.retry_after_ms, io.random());
            if io.now_ms() + wait >= deadline {
                return Err(err);
            }
            io.sleep(wait.ceil() as u64)
                .await
                .map_err(|_| aborted_error(p))?;
            attempt += 1;
        }
    }
}
