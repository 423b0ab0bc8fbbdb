use atrium_core::ValidationErrors;
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
