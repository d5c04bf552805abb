//! The client's own errors: the few it makes itself rather than reads from
//! an answer (deadline, abort, an unusable answer, an unknown outcome).

use crate::error::{Error, ErrorCode};
use crate::provider::Provider;

/// The overall deadline passed (the job may still finish).
pub(super) fn deadline_error(p: Provider) -> Error {
    Error::new(
        ErrorCode::DeadlineExceeded,
        "the deadline passed before the job finished; it may still finish: resume with waitFor(handle)",
    )
    .with_provider(p)
}

/// The caller's signal aborted the call.
pub(super) fn aborted_error(p: Provider) -> Error {
    Error::new(ErrorCode::Aborted, "aborted by the caller's signal").with_provider(p)
}

/// An answer the client could not use (not retried).
pub(super) fn wire_error(p: Provider, why: &str) -> Error {
    Error::new(ErrorCode::Decode, format!("{}: {why}", p.display_name()))
        .with_provider(p)
        .retryable(false)
}

/// A submit was sent, its outcome is unknown (`cause`): never sent again.
pub(super) fn outcome_unknown(p: Provider, cause: &Error) -> Error {
    let mut e = Error::new(
        ErrorCode::OutcomeUnknown,
        format!(
            "the submit was sent but its outcome is unknown ({}); the job may exist and be billed, so it was not sent again",
            cause.message
        ),
    )
    .with_provider(p)
    .retryable(false);
    e.status = cause.status;
    e
}

/// Name the key in an unknown-outcome error: with it, the job can be found.
pub(super) fn unknown_with_key(mut e: Error, key: &str) -> Error {
    if e.code == ErrorCode::OutcomeUnknown {
        e.message = format!("{} (idempotency key {key})", e.message);
    }
    e
}
