use atrium_core::{ErrorKind, Failure, ValidationErrors};
use atrium_db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// Unknown account or wrong password; which of the two is never told.
    #[error("invalid username or password")]
    InvalidCredentials,
    /// A refresh token that is unknown, spent, revoked, expired, another
    /// realm's, or whose account is disabled; which of these is never told.
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    /// Unknown API client or wrong secret (RFC 6749's `invalid_client`).
    #[error("invalid client credentials")]
    InvalidClient,
    /// A client asked for a scope it does not hold (`invalid_scope`).
    #[error("{0}")]
    InvalidScope(String),
    #[error("no such API client")]
    ApiClientNotFound,
    /// A missing, malformed, expired or foreign access token.
    #[error("invalid access token: {0}")]
    InvalidToken(&'static str),
    #[error(transparent)]
    Denied(#[from] atrium_permissions::Denied),
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
    /// The credentials are right, but the site requires a membership in an
    /// organization it serves (`REQUIRE_ORGANIZATION_MEMBERSHIP`) and the
    /// account has none.
    #[error("this account is not a member of an organization this site serves")]
    NotAMember,
    /// A mail could not be composed (an address the mail library refuses).
    #[error("mail: {0}")]
    Mail(String),
    #[error("signing key: {0}")]
    Key(String),
    #[error("no such operator")]
    UnknownOperator,
    /// Disabling or deleting this operator would leave none active.
    #[error("the last active operator cannot be disabled or deleted")]
    LastOperator,
    /// No such thing in this tenant (or in another: never told apart).
    #[error("no such {0}")]
    NotFound(&'static str),
    /// The change would leave the tenant without an active tenant admin.
    #[error("{0}")]
    LastAdmin(&'static str),
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
            IdentityError::Denied(denied) => return denied.into(),
            IdentityError::Db(db) => return db.into(),
            IdentityError::Site(site) => return (*site).into(),
            IdentityError::InvalidCredentials
            | IdentityError::InvalidRefreshToken
            | IdentityError::InvalidToken(_)
            | IdentityError::EmailNotVerified
            | IdentityError::NotAMember
            | IdentityError::InvalidClient => ErrorKind::Unauthenticated,
            IdentityError::InvalidScope(_) => ErrorKind::BadRequest,
            IdentityError::ApiClientNotFound => ErrorKind::NotFound,
            IdentityError::RegistrationClosed => ErrorKind::Forbidden,
            IdentityError::NotFound(_) | IdentityError::UnknownOperator => ErrorKind::NotFound,
            IdentityError::Taken(_) | IdentityError::LastOperator | IdentityError::LastAdmin(_) => {
                ErrorKind::Conflict
            }
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
