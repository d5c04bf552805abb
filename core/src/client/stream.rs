//! OpenAI's streamed generation: the answer read as server-sent events, each
//! partial image handed on as it arrives, then the finished job. A stream is
//! sent once and never resent.

use super::errors::{aborted_error, outcome_unknown, wire_error};
use super::{Client, OnPartial, PartialImage};
use crate::error::{Error, ErrorCode};
use crate::http::HttpRequest;
use crate::io::{Io, StreamPart, TransportError};
use crate::job::Job;
use crate::wire::openai::{self, StreamStep};
use crate::wire::{self, ParseContext};

impl Client {
    /// One streamed OpenAI generation: partial images to `on_partial` as they
    /// come, then the job. Sent once: a stream cut after the request went out
    /// is `OUTCOME_UNKNOWN`, never resent.
    pub(super) async fn stream_once<I: Io>(
        &self,
        io: &I,
        request: &HttpRequest,
        timeout: u64,
        ctx: &ParseContext,
        on_partial: OnPartial<'_>,
    ) -> Result<Job, Error> {
        let p = self.provider();
        let key = self.cfg.target.api_key.expose();
        let mut parser = crate::sse::Parser::new();
        let mut status = 0u16;
        let mut error_body: Vec<u8> = Vec::new();
        let mut outcome: Option<Result<Job, Error>> = None;
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
                        outcome = Some(Err(wire_error(p, "a stream event is too large")));
                        false
                    }
                    Ok(events) => {
                        for mut event in events {
                            // Redact before anything reads the event (image data aside).
                            if event.data.len() <= crate::error::REDACT_SCAN_MAX {
                                if let Some(clean) = crate::error::without(&event.data, key) {
                                    event.data = clean;
                                }
                            }
                            let data = io.parse_answer(&event.data);
                            match openai::stream_step(&event.name, &data, ctx) {
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
                                StreamStep::Completed(job) => outcome = Some(Ok(job)),
                                StreamStep::Failed(e) => outcome = Some(Err(e)),
                                StreamStep::Other => {}
                            }
                        }
                        outcome.is_none()
                    }
                },
            })
            .await;
        if let Some(result) = outcome {
            return result;
        }
        if status != 0 && status != 200 {
            let text = String::from_utf8_lossy(&error_body);
            let body = io.parse_answer(&text).redacted(key);
            return match wire::parse_response(p, status, &body, ctx) {
                Err(e) => Err(e),
                Ok(_) => Err(wire_error(p, "an error status with a job")),
            };
        }
        let cause = match sent {
            Err(TransportError::Aborted) => return Err(aborted_error(p)),
            Err(TransportError::Network {
                maybe_sent: false,
                message,
            }) if status == 0 => {
                return Err(Error::new(
                    ErrorCode::Network,
                    format!("the request to {} failed: {message}", p.display_name()),
                )
                .with_provider(p)
                .retryable(true))
            }
            Err(TransportError::Timeout) => "the stream did not end in time".to_string(),
            Err(TransportError::Network { message, .. }) => format!("the stream broke: {message}"),
            Err(TransportError::TooLarge) => "the stream was too large to read".to_string(),
            Ok(()) => "the stream ended before the image".to_string(),
        };
        Err(outcome_unknown(p, &wire_error(p, &cause)))
    }
}
