//! The audit log's one error type, mapped to HTTP (and GraphQL) by the
//! gateway through [`Failure`].

use atrium_core::{ErrorKind, Failure, ValidationErrors};
use atrium_db::DbError;
use atrium_permissions::Denied;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    #[error(transparent)]
    Denied(#[from] Denied),
    /// An entry whose stored before/after is not JSON: a bug, never the
    /// caller's fault.
    #[error("stored audit entry unreadable: {0}")]
    StoredData(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<AuditError> for Failure {
    fn from(error: AuditError) -> Self {
        match error {
            AuditError::Validation(errors) => errors.into(),
            AuditError::Denied(denied) => denied.into(),
            AuditError::Db(db) => db.into(),
            AuditError::StoredData(_) => Failure::new(ErrorKind::Internal, error.to_string()),
        }
    }
}
