//! `POST /api/v1/tenants`: a tenant, its primary site, root organization,
//! admin account and optional settings, in one transaction.

use atrium_core::{UserId, ValidationErrors};
use atrium_db::{tenants, Access, DbError};
use atrium_identity::{Account, Identity, NewAccount};
use atrium_organizations::{NewOrganization, Organization};
use atrium_permissions::{authorize, Action, Caller, GrantScope, Place, Role};
use atrium_sites::{NewSite, Site};
use serde::Serialize;

use crate::service::{check_tenant_name, Tenant, TenantService};
use crate::TenantsError;

#[derive(Debug, Clone)]
pub struct ProvisionRequest {
    pub slug: String,
    pub name: String,
    pub domain: String,
    pub organization: NewOrganization,
    pub admin: NewAccount,
    pub configuration: Option<serde_json::Map<String, serde_json::Value>>,
    pub theme: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AdminAccount {
    pub id: UserId,
    pub email: String,
    pub username: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Provisioned {
    pub tenant: Tenant,
    pub site: Site,
    pub organization: Organization,
    pub admin: AdminAccount,
}

fn is_slug(value: &str) -> bool {
    let bytes = value.as_bytes();
    (2..=63).contains(&bytes.len())
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

impl TenantService {
    /// Provisions a tenant, all or nothing.
    pub async fn provision(
        &self,
        caller: &Caller,
        mut request: ProvisionRequest,
    ) -> Result<Provisioned, TenantsError> {
        authorize(caller, Action::ManageTenants, Place::Platform)?;
        let Caller::Operator { .. } = *caller else {
            return Err(TenantsError::Denied(atrium_permissions::Denied::Forbidden(
                "provision tenants".into(),
            )));
        };
        self.validate(&mut request)?;
        let password_hash = Identity::hash_password(request.admin.password.clone()).await?;
        let author = atrium_audit::Author::of(caller);
        let provisioned = self
            .db
            .platform(Access::Write, move |tx| {
                let tenant =
                    tenants::insert(tx, &request.slug, &request.name).map_err(|e| match e {
                        DbError::UniqueViolation { .. } => {
                            TenantsError::Conflict("a tenant with this slug exists".into())
                        }
                        other => other.into(),
                    })?;
                let mut scoped = tx.enter_tenant(&tenant)?;
                let site = atrium_sites::tx::insert_site(
                    &mut scoped,
                    &NewSite {
                        domain: request.domain.clone(),
                        name: request.name.clone(),
                        is_primary: true,
                    },
                    &author,
                )?;
                if let Some(values) = &request.configuration {
                    atrium_sites::tx::insert_configuration(&mut scoped, site.id, values, &author)?;
                }
                if let Some(theme) = &request.theme {
                    atrium_sites::tx::insert_theme(&mut scoped, site.id, theme, &author)?;
                }
                // Inside the tenant, what it starts with is recorded as its
                // services record it, so its log holds every change.
                let organization = atrium_organizations::tx::insert_root(
                    &mut scoped,
                    &request.organization,
                    &author,
                )?;
                let admin = atrium_identity::tx::insert_account(
                    &mut scoped,
                    &request.admin,
                    &password_hash,
                )?;
                atrium_identity::tx::record_created(
                    &mut scoped,
                    &author,
                    &Account::from(admin.clone()),
                )?;
                atrium_organizations::tx::grant(
                    &mut scoped,
                    &author,
                    UserId(admin.id),
                    Role::TenantAdmin,
                    &GrantScope::Tenant,
                    None,
                )?;
                let provisioned = Provisioned {
                    tenant: tenant.into(),
                    site,
                    organization,
                    admin: AdminAccount {
                        id: UserId(admin.id),
                        email: admin.email,
                        username: admin.username,
                        name: admin.name,
                    },
                };
                // One platform entry for the whole provisioning, showing
                // what it made (the answer of the request: no password).
                atrium_audit::record_platform(
                    tx,
                    &author,
                    atrium_audit::Change {
                        action: "tenant.create",
                        target_type: "tenant",
                        target_id: provisioned.tenant.slug.clone(),
                        before: None::<&()>,
                        after: Some(&provisioned),
                    },
                )?;
                Ok::<_, TenantsError>(provisioned)
            })
            .await?;
        self.directory.invalidate();
        Ok(provisioned)
    }

    fn validate(&self, request: &mut ProvisionRequest) -> Result<(), TenantsError> {
        let mut errors = ValidationErrors::default();
        if !is_slug(&request.slug) {
            errors.add("slug", "must match ^[a-z0-9][a-z0-9-]{1,62}$");
        }
        check_tenant_name(&mut errors, &request.name);
        request.domain = self
            .sites
            .check_domain(&mut errors, "domain", &request.domain);
        if let Err(e) = request.organization.validate() {
            errors.extend(e.nested("organization"));
        }
        if let Err(e) = request.admin.validate() {
            errors.extend(e.nested("admin"));
        }
        if let Some(values) = &request.configuration {
            if let Err(e) = atrium_sites::settings::validate_configuration(values) {
                errors.extend(e.nested("configuration"));
            }
            // The root organization is the only one a new tenant has.
            if atrium_sites::course_org_filter(values)
                .iter()
                .any(|o| *o != request.organization.short_name)
            {
                errors.add(
                    "configuration.values.course_org_filter",
                    "may only name the new root organization",
                );
            }
        }
        if let Some(theme) = &request.theme {
            if let Err(e) = atrium_sites::settings::validate_theme(theme) {
                errors.extend(e.nested("theme"));
            }
        }
        Ok(errors.into_result()?)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_follow_the_contract() {
        for ok in ["acme", "a1", "0-university", "x-y-z"] {
            assert!(super::is_slug(ok), "{ok}");
        }
        for bad in ["a", "-acme", "Acme", "acme_u", "acme.u", &"a".repeat(64)] {
            assert!(!super::is_slug(bad), "{bad}");
        }
    }
}
