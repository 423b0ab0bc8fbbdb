use atrium_core::ValidationErrors;
use atrium_db::DbError;
use atrium_identity::IdentityError;
use atrium_organizations::OrganizationsError;
use atrium_permissions::Denied;
use atrium_sites::SitesError;

#[derive(Debug, thiserror::Error)]
pub enum TenantsError {
    #[error("tenant not found")]
    NotFound,
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    #[error("{0}")]
    Conflict(String),
    /// The `Idempotency-Key` was used before with another request body.
    #[error("this Idempotency-Key was already used with a different request")]
    IdempotencyMismatch,
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Db(#[from] DbError),
    /// Something that is never the client's fault (a failed hash, say).
    #[error("{0}")]
    Internal(String),
}

impl From<SitesError> for TenantsError {
    fn from(error: SitesError) -> Self {
        match error {
            SitesError::Conflict(message) => TenantsError::Conflict(message),
            SitesError::Validation(errors) => TenantsError::Validation(errors),
            SitesError::Denied(denied) => TenantsError::Denied(denied),
            SitesError::NotFound(_) => TenantsError::NotFound,
            SitesError::Db(db) => TenantsError::Db(db),
            // A new site has no earlier version to race with.
            SitesError::StoredData(_)
            | SitesError::PreconditionFailed
            | SitesError::PreconditionRequired => TenantsError::Internal(error.to_string()),
        }
    }
}

impl From<OrganizationsError> for TenantsError {
    fn from(error: OrganizationsError) -> Self {
        match error {
            OrganizationsError::Validation(errors) => {
                TenantsError::Validation(errors.nested("organization"))
            }
            OrganizationsError::ShortNameTaken => {
                TenantsError::Conflict("organization short name taken".into())
            }
            OrganizationsError::Db(db) => TenantsError::Db(db),
        }
    }
}

impl From<IdentityError> for TenantsError {
    fn from(error: IdentityError) -> Self {
        match error {
            IdentityError::Validation(errors) => TenantsError::Validation(errors.nested("admin")),
            IdentityError::Taken(field) => {
                TenantsError::Conflict(format!("admin {field} is already taken"))
            }
            IdentityError::Db(db) => TenantsError::Db(db),
            other => TenantsError::Internal(other.to_string()),
        }
    }
}
