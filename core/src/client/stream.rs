//! OpenAI's streamed generation: the answer read as server-sent events, each
//! partial image handed on as it arrives, then the finished job once every
//! image of the request has come (one `*.completed` event each). A stream is
//! sent once and never resent.

use super::errors::{aborted_error, outcome_unknown, wire_error};
use super::{Client, OnPartial, PartialImage};
use crate::error::{Error, ErrorCode};
use crate::http::HttpRequest;
use crate::io::{Io, StreamPart, TransportError};
use crate::job::Job;
use crate::redact::MARK;
use crate::wire::{self, ParseContext, StreamStep};

/// What a stream gave: the images that came (one job), and why it stopped
/// short when it did. Both may be set: images made before a failure are billed.
pub(super) struct Streamed {
    pub job: Option<Job>,
    pub error: Option<Error>,
}

impl Client {
    /// One streamed OpenAI generation of `images` images: partial images to
    /// `on_partial` as they come, then the job. Sent once: a stream cut after
    /// the request went out is `OUTCOME_UNKNOWN`, never resent.
    pub(super) async fn stream_once<I: Io>(
        &self,
        io: &I,
        request: &HttpRequest,
        timeout: u64,
        ctx: &ParseContext,
        images: u32,
        on_partial: OnPartial<'_>,
    ) -> Streamed {
        let p = self.provider();
        let mut parser = crate::sse::Parser::new();
        let mut status = 0u16;
        let mut error_body: Vec<u8> = Vec::new();
        let mut completed: Vec<Job> = Vec::new();
        let mut failure: Option<Error> = None;
        let sent = io
            .send_streaming(request, timeout, &mut |part| match part {
                StreamPart::Head { status: s } => {
                    status = s;
                    true
                }
                StreamPart::Chunk(bytes) if status != 200 => {
                    error_body.extend_from_slice(bytes);
                    error_body.len() < 1 << 20
                }
                StreamPart::Chunk(bytes) => match parser.push(bytes) {
                    Err(_) => {
                        failure = Some(wire_error(p, "a stream event is too large"));
                        false
                    }
                    Ok(events) => {
                        for event in events {
                            // Decoded first, then redacted: an escape cannot hide the key.
                            let data = io.parse_answer(&event.data).redacted(&self.guard);
                            match p.wire().stream_step(p, &event.name, &data, ctx) {
                                // A partial image that carried the key is withheld.
                                StreamStep::Partial { b64, .. }
                                    if crate::text::contains(&b64, MARK) => {}
                                StreamStep::Partial {
                                    index,
                                    b64,
                                    mime_type,
                                    size,
                                } => on_partial(&PartialImage {
                                    index,
                                    b64,
                                    mime_type,
                                    size,
                                }),
                                StreamStep::Completed(job) => completed.push(job),
                                StreamStep::Failed(e) => failure = Some(e),
                                StreamStep::Other => {}
                            }
                            if failure.is_some() || completed.len() as u32 >= images {
                                return false;
                            }
                        }
                        true
                    }
                },
            })
            .await;
        let job = Job::merge(completed, "completed events' usage").map(|job| {
            let mut job = self.withhold_tainted(job);
            if images > 1 {
                if let Some(cost) = job.cost.as_mut() {
                    // Whether each event's usage counts its own image or the
                    // whole request is not documented: the sum is an upper bound.
                    cost.exact = false;
                }
            }
            job
        });
        let made = job.as_ref().map_or(0, |j| j.images.len() as u32);
        if failure.is_none() && made >= images {
            return Streamed { job, error: None };
        }
        let error = match failure {
            Some(e) => e,
            None => self.stream_failure(io, status, &error_body, ctx, sent, made, images),
        };
        Streamed {
            job,
            error: Some(error),
        }
    }

    /// Why a stream ended without all its images.
    #[allow(clippy::too_many_arguments)]
    fn stream_failure<I: Io>(
        &self,
        io: &I,
        status: u16,
        error_body: &[u8],
        ctx: &ParseContext,
        sent: Result<(), TransportError>,
        made: u32,
        images: u32,
    ) -> Error {
        let p = self.provider();
        if status != 0 && status != 200 {
            let text = String::from_utf8_lossy(error_body);
            let body = io.parse_answer(&text).redacted(&self.guard);
            return match wire::parse_response(p, status, &body, ctx) {
                Err(e) => e,
                Ok(_) => wire_error(p, "an error status with a job"),
            };
        }
        let cause = match sent {
            Err(TransportError::Aborted) => return aborted_error(p),
            Err(TransportError::Network {
                maybe_sent: false,
                message,
            }) if status == 0 => {
                return Error::new(
                    ErrorCode::Network,
                    format!("the request to {} failed: {message}", p.display_name()),
                )
                .with_provider(p)
                .retryable(true)
            }
            Err(TransportError::Timeout) => "the stream did not end in time".to_string(),
            Err(TransportError::Network { message, .. }) => format!("the stream broke: {message}"),
            Err(TransportError::TooLarge) => "the stream was too large to read".to_string(),
            Ok(()) if made > 0 => {
                format!("the stream ended after {made} of {images} images")
            }
            Ok(()) => "the stream ended before the image".to_string(),
        };
        outcome_unknown(p, &wire_error(p, &cause))
    }
}
