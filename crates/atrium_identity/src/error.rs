use atrium_core::{ErrorKind, Failure, ValidationErrors};
use atrium_db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// Unknown account or wrong password; which of the two is never told.
    #[error("invalid username or password")]
    InvalidCredentials,
    /// A missing, malformed, expired or foreign access token.
    #[error("invalid access token: {0}")]
    InvalidToken(&'static str),
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// The site's configuration closes self-registration.
    #[error("public registration is closed on this site")]
    RegistrationClosed,
    /// A unique field (email, username) is taken.
    #[error("{0} is already taken")]
    Taken(&'static str),
    /// Too many failed attempts for this name or client address.
    #[error("too many failed attempts; retry in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    /// Too many password checks are waiting already.
    #[error("too many password checks in progress; retry in {retry_after_secs} s")]
    Overloaded { retry_after_secs: u64 },
    #[error("signing key: {0}")]
    Key(String),
    /// No such thing in this tenant (or in another: never told apart).
    #[error("no such {0}")]
    NotFound(&'static str),
    /// The change would leave the tenant without an active tenant admin.
    #[error("{0}")]
    LastAdmin(&'static str),
    #[error(transparent)]
    Denied(#[from] atrium_permissions::Denied),
    #[error(transparent)]
    Db(#[from] DbError),
    /// A site setting could not be read (the registration gate).
    #[error(transparent)]
    Site(Box<atrium_sites::SitesError>),
}

impl From<IdentityError> for Failure {
    fn from(error: IdentityError) -> Self {
        let kind = match error {
            IdentityError::Validation(errors) => return errors.into(),
            IdentityError::Db(db) => return db.into(),
            IdentityError::Denied(denied) => return denied.into(),
            IdentityError::Site(site) => return (*site).into(),
            IdentityError::InvalidCredentials | IdentityError::InvalidToken(_) => {
                ErrorKind::Unauthenticated
            }
            IdentityError::RegistrationClosed => ErrorKind::Forbidden,
            IdentityError::NotFound(_) => ErrorKind::NotFound,
            IdentityError::Taken(_) | IdentityError::LastAdmin(_) => ErrorKind::Conflict,
            IdentityError::Throttled { retry_after_secs } => {
                ErrorKind::TooManyRequests { retry_after_secs }
            }
            IdentityError::Overloaded { retry_after_secs } => {
                ErrorKind::Overloaded { retry_after_secs }
            }
            IdentityError::Key(_) => ErrorKind::Internal,
        };
        Failure::new(kind, error.to_string())
    }
}
