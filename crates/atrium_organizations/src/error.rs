//! The organizations domain's one error type, mapped to HTTP (and GraphQL)
//! by the gateway through [`Failure`].

use atrium_core::{ErrorKind, Failure, ValidationErrors};
use atrium_db::DbError;
use atrium_permissions::Denied;

#[derive(Debug, thiserror::Error)]
pub enum OrganizationsError {
    /// Absent, or another tenant's (the same answer: 404).
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    #[error("an organization with this short name exists")]
    ShortNameTaken,
    /// A state that forbids the change; the text says what holds it.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<OrganizationsError> for Failure {
    fn from(error: OrganizationsError) -> Self {
        let kind = match error {
            OrganizationsError::Validation(errors) => return errors.into(),
            OrganizationsError::Denied(denied) => return denied.into(),
            OrganizationsError::Db(db) => return db.into(),
            OrganizationsError::NotFound(_) => ErrorKind::NotFound,
            OrganizationsError::ShortNameTaken | OrganizationsError::Conflict(_) => {
                ErrorKind::Conflict
            }
        };
        Failure::new(kind, error.to_string())
    }
}
