use atrium_core::{ErrorKind, Failure, ValidationErrors};
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
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Db(#[from] DbError),
    /// `If-Match` names a version that is not the current one (412).
    #[error("the resource changed since it was read")]
    PreconditionFailed,
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
            OrganizationsError::Denied(denied) => TenantsError::Denied(denied),
            // Provisioning makes a new tree: nothing to miss or to hold it.
            OrganizationsError::NotFound(_) | OrganizationsError::Conflict(_) => {
                TenantsError::Internal(error.to_string())
            }
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

impl From<TenantsError> for Failure {
    fn from(error: TenantsError) -> Self {
        let kind = match error {
            TenantsError::Validation(errors) => return errors.into(),
            TenantsError::Denied(denied) => return denied.into(),
            TenantsError::Db(db) => return db.into(),
            TenantsError::NotFound => ErrorKind::NotFound,
            TenantsError::Conflict(_) => ErrorKind::Conflict,
            TenantsError::PreconditionFailed => ErrorKind::PreconditionFailed,
            TenantsError::Internal(_) => ErrorKind::Internal,
        };
        Failure::new(kind, error.to_string())
    }
}
