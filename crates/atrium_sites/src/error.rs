use atrium_core::{ErrorKind, Failure, ValidationErrors};
use atrium_db::DbError;
use atrium_permissions::Denied;

#[derive(Debug, thiserror::Error)]
pub enum SitesError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Denied(#[from] Denied),
    /// `If-Match` names a version that is not the current one (412).
    #[error("the resource changed since it was read")]
    PreconditionFailed,
    /// A write over an existing document without `If-Match` (428).
    #[error("If-Match is required to change an existing resource")]
    PreconditionRequired,
    #[error(transparent)]
    Db(#[from] DbError),
    /// A stored document that no longer reads as JSON: never the client's
    /// fault, and never silently replaced.
    #[error("stored data unreadable: {0}")]
    StoredData(String),
}

impl From<SitesError> for Failure {
    fn from(error: SitesError) -> Self {
        let kind = match error {
            SitesError::Validation(errors) => return errors.into(),
            SitesError::Denied(denied) => return denied.into(),
            SitesError::Db(db) => return db.into(),
            SitesError::NotFound(_) => ErrorKind::NotFound,
            SitesError::Conflict(_) => ErrorKind::Conflict,
            SitesError::PreconditionFailed => ErrorKind::PreconditionFailed,
            SitesError::PreconditionRequired => ErrorKind::PreconditionRequired,
            SitesError::StoredData(_) => ErrorKind::Internal,
        };
        Failure::new(kind, error.to_string())
    }
}
