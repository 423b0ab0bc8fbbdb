//! The kinds of failure every domain shares. Each domain crate maps its own
//! error enum onto a [`Failure`] once; the gateway maps each [`ErrorKind`] to
//! an HTTP status and a GraphQL code once. A new domain therefore adds one
//! mapping, and the two doors cannot disagree about what an error means.

use crate::validation::{FieldError, ValidationErrors};

/// What went wrong, as far as a client is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request cannot be understood or stored as sent.
    BadRequest,
    /// One or more fields break a rule; [`Failure::fields`] names them.
    Validation,
    /// No credentials, or credentials that do not prove who is asking.
    Unauthenticated,
    /// The caller is known but may not do this.
    Forbidden,
    /// The thing does not exist, or not for this caller.
    NotFound,
    /// The request clashes with the current state (a taken name, say).
    Conflict,
    /// Well-formed, but not something that can be done (a reused key).
    Unprocessable,
    /// A conditional write named a version that is no longer current.
    PreconditionFailed,
    /// A write over an existing document must name the version it replaces.
    PreconditionRequired,
    /// A dependency (the database) cannot serve now; retrying may help.
    Unavailable,
    /// Too many attempts (failed logins, say): retry after this many seconds.
    TooManyRequests { retry_after_secs: u64 },
    /// Too much work is waiting already (password hashing): retry after
    /// this many seconds.
    Overloaded { retry_after_secs: u64 },
    /// Never the client's fault; the message is for the log only.
    Internal,
}

/// A classified failure: a kind, a message for the client (for the log
/// only when the kind is `Internal` or `Unavailable`) and field errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub kind: ErrorKind,
    pub message: String,
    pub fields: Vec<FieldError>,
}

impl Failure {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
}

impl From<ValidationErrors> for Failure {
    fn from(errors: ValidationErrors) -> Self {
        Self {
            kind: ErrorKind::Validation,
            message: errors.to_string(),
            fields: errors.errors,
        }
    }
}
