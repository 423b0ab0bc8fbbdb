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
    /// The password matched, but the account's email is not verified yet
    /// (a site requiring verification).
    #[error("the email address of this account is not verified yet")]
    EmailNotVerified,
    /// A mail could not be composed (an address the mail library refuses).
    #[error("mail: {0}")]
    Mail(String),
    #[error("signing key: {0}")]
    Key(String),
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
            IdentityError::Site(site) => return (*site).into(),
            IdentityError::InvalidCredentials
            | IdentityError::InvalidToken(_)
            | IdentityError::EmailNotVerified => ErrorKind::Unauthenticated,
            IdentityError::RegistrationClosed => ErrorKind::Forbidden,
            IdentityError::Taken(_) => ErrorKind::Conflict,
            IdentityError::Throttled { retry_after_secs } => {
                ErrorKind::TooManyRequests { retry_after_secs }
            }
            IdentityError::Overloaded { retry_after_secs } => {
                ErrorKind::Overloaded { retry_after_secs }
            }
            IdentityError::Key(_) | IdentityError::Mail(_) => ErrorKind::Internal,
        };
        Failure::new(kind, error.to_string())
    }
}
