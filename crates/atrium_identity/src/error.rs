use atrium_core::ValidationErrors;
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
    /// A unique field (email, username) is taken.
    #[error("{0} is already taken")]
    Taken(&'static str),
    #[error("signing key: {0}")]
    Key(String),
    #[error(transparent)]
    Db(#[from] DbError),
}
