//! Validation issues: what is wrong with a request, where, and why.

use crate::json;
use crate::json::Json;
use std::borrow::Cow;
use std::fmt;

/// The closed set of validation codes. Renaming one is a breaking change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IssueCode {
    /// A required field is missing.
    Required,
    /// A value has the wrong JSON type.
    InvalidType,
    /// A string is blank after trimming.
    Empty,
    /// A string is longer than allowed.
    TooLong,
    /// A value is outside the provider's allowed set (or malformed, like a size).
    NotAllowed,
    /// A number (or a size's geometry) is outside its range.
    OutOfRange,
    /// A number must be a whole number.
    NotInteger,
    /// A string is not a well-formed absolute http(s) URL.
    InvalidUrl,
    /// A URL is not https, carries credentials, or names a private host.
    InsecureUrl,
    /// A list has more items than allowed.
    TooMany,
    /// The provider has no such setting.
    Unsupported,
    /// Two settings contradict each other.
    Conflict,
    /// Not a field of the neutral request at all.
    UnknownField,
    /// A model id of the provider's family that this package does not list
    /// (a warning: judged by the newest listed model's rules).
    UnlistedModel,
}

impl IssueCode {
    /// Every code, for tables and tests.
    pub const ALL: [IssueCode; 14] = [
        IssueCode::Required,
        IssueCode::InvalidType,
        IssueCode::Empty,
        IssueCode::TooLong,
        IssueCode::NotAllowed,
        IssueCode::OutOfRange,
        IssueCode::NotInteger,
        IssueCode::InvalidUrl,
        IssueCode::InsecureUrl,
        IssueCode::TooMany,
        IssueCode::Unsupported,
        IssueCode::Conflict,
        IssueCode::UnknownField,
        IssueCode::UnlistedModel,
    ];

    /// The stable snake_case code JavaScript sees.
    pub fn as_str(self) -> &'static str {
        match self {
            IssueCode::Required => "required",
            IssueCode::InvalidType => "invalid_type",
            IssueCode::Empty => "empty",
            IssueCode::TooLong => "too_long",
            IssueCode::NotAllowed => "not_allowed",
            IssueCode::OutOfRange => "out_of_range",
            IssueCode::NotInteger => "not_integer",
            IssueCode::InvalidUrl => "invalid_url",
            IssueCode::InsecureUrl => "insecure_url",
            IssueCode::TooMany => "too_many",
            IssueCode::Unsupported => "unsupported",
            IssueCode::Conflict => "conflict",
            IssueCode::UnknownField => "unknown_field",
            IssueCode::UnlistedModel => "unlisted_model",
        }
    }
}

impl fmt::Display for IssueCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem with a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    /// Where: a field name, or `references[2]`; empty for the request itself.
    pub path: Cow<'static, str>,
    /// What kind of problem.
    pub code: IssueCode,
    /// A sentence a person can act on.
    pub message: String,
}

impl Issue {
    /// A new issue.
    pub fn new(
        path: impl Into<Cow<'static, str>>,
        code: IssueCode,
        message: impl Into<String>,
    ) -> Issue {
        Issue {
            path: path.into(),
            code,
            message: message.into(),
        }
    }

    /// `{ path, code, message }`
    pub fn to_json(&self) -> Json {
        json!({ "path": self.path.as_ref(), "code": self.code.as_str(), "message": self.message })
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{} ({})", self.message, self.code)
        } else {
            write!(f, "{}: {} ({})", self.path, self.message, self.code)
        }
    }
}
