//! The courses domain's one error type, mapped to HTTP (and GraphQL) by the
//! gateway through [`Failure`].

use atrium_core::{ErrorKind, Failure, ValidationErrors};
use atrium_db::DbError;
use atrium_organizations::OrganizationsError;
use atrium_permissions::Denied;

#[derive(Debug, thiserror::Error)]
pub enum CoursesError {
    /// Absent, another tenant's, or one the caller may not see (the same
    /// answer: 404).
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// A state that forbids the change (a taken key, active enrollments, a
    /// full course); the text says which.
    #[error("{0}")]
    Conflict(String),
    /// `If-Match` named a version that is no longer current.
    #[error("the resource changed since the version sent in If-Match")]
    PreconditionFailed,
    #[error(transparent)]
    Denied(#[from] Denied),
    /// A grant or revocation that the organizations domain refused (the
    /// course team is kept as role assignments).
    #[error(transparent)]
    Organizations(#[from] OrganizationsError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<CoursesError> for Failure {
    fn from(error: CoursesError) -> Self {
        let kind = match error {
            CoursesError::Validation(errors) => return errors.into(),
            CoursesError::Denied(denied) => return denied.into(),
            CoursesError::Organizations(error) => return error.into(),
            CoursesError::Db(db) => return db.into(),
            CoursesError::NotFound(_) => ErrorKind::NotFound,
            CoursesError::Conflict(_) => ErrorKind::Conflict,
            CoursesError::PreconditionFailed => ErrorKind::PreconditionFailed,
        };
        Failure::new(kind, error.to_string())
    }
}
