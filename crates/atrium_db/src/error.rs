use atrium_core::{ErrorKind, Failure};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// What can go wrong below the domain: callers map each variant to one
/// outcome (a missing row is a 404, a unique violation a 409, an exhausted
/// pool a 503) and nothing is ever swallowed into `None`.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("row not found")]
    NotFound,
    #[error("unique constraint violated ({constraint})")]
    UniqueViolation { constraint: String },
    #[error("foreign key violated ({constraint})")]
    ForeignKeyViolation { constraint: String },
    /// Text the database cannot store (PostgreSQL refuses NUL characters).
    #[error("text the database cannot store: {0}")]
    InvalidText(String),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("invalid database configuration: {0}")]
    Config(String),
    #[error("migration failed: {0}")]
    Migration(String),
    /// `atrium distribute` refused: no Citus, or a schema Citus would not take.
    #[error("{0}")]
    Distribution(String),
    #[error("database error: {0}")]
    Query(DieselError),
}

pub type DbResult<T> = Result<T, DbError>;

impl From<DieselError> for DbError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => DbError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                DbError::UniqueViolation {
                    constraint: info
                        .constraint_name()
                        .map(str::to_owned)
                        .unwrap_or_else(|| info.message().to_owned()),
                }
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                DbError::ForeignKeyViolation {
                    constraint: info
                        .constraint_name()
                        .map(str::to_owned)
                        .unwrap_or_else(|| info.message().to_owned()),
                }
            }
            // SQLSTATE 22021 (character_not_in_repertoire): diesel has no
            // kind for it, so it is known by its message.
            DieselError::DatabaseError(_, info)
                if info.message().contains("invalid byte sequence") =>
            {
                DbError::InvalidText(info.message().to_owned())
            }
            // SQLSTATE 57014 (query_canceled) after `statement_timeout`:
            // the server's limit, not the client's fault.
            DieselError::DatabaseError(_, info) if info.message().contains("statement timeout") => {
                DbError::Unavailable(info.message().to_owned())
            }
            // The connection is gone: libpq found it closed, or could not
            // send on it (a read's first statement, with no BEGIN before
            // it). diesel marks such a connection broken, so the pool
            // closes it and opens another once the database is back.
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => DbError::Unavailable(info.message().to_owned()),
            other => DbError::Query(other),
        }
    }
}

impl DbError {
    /// Whether a unique violation concerns the named constraint or columns.
    /// PostgreSQL names the constraint; SQLite names the columns
    /// (`UNIQUE constraint failed: sites.tenant_id, sites.domain`).
    pub fn is_unique_violation_of(&self, needle: &str) -> bool {
        matches!(self, DbError::UniqueViolation { constraint } if constraint.contains(needle))
    }
}

/// Where a database error is classified, once: domain crates wrap a
/// `DbError` in their own error and map it here, so it never reaches the
/// gateway as such.
impl From<DbError> for Failure {
    fn from(error: DbError) -> Self {
        let (kind, message) = match &error {
            DbError::NotFound => (ErrorKind::NotFound, "resource not found".to_owned()),
            DbError::UniqueViolation { .. } => (
                ErrorKind::Conflict,
                "a resource with these values exists".to_owned(),
            ),
            DbError::ForeignKeyViolation { .. } => (
                ErrorKind::Conflict,
                "the resource is still referenced".to_owned(),
            ),
            DbError::InvalidText(_) => (
                ErrorKind::BadRequest,
                "the request contains characters that cannot be stored (such as NUL)".to_owned(),
            ),
            DbError::Unavailable(message) => (ErrorKind::Unavailable, message.clone()),
            DbError::Config(_)
            | DbError::Migration(_)
            | DbError::Distribution(_)
            | DbError::Query(_) => (ErrorKind::Internal, error.to_string()),
        };
        Failure::new(kind, message)
    }
}
