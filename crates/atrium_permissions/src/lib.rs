//! Who may do what. One [`authorize`] function, called by the domain
//! services (never by handlers), so REST and GraphQL cannot disagree.
//!
//! The structure: platform operators manage tenants from the platform host
//! and nothing inside a tenant; inside a tenant, grants are
//! `(role, scope)` pairs, where the scope is the tenant itself or a node of
//! its organization tree (later: a course). A tenant admin may do anything
//! within the tenant.

pub mod tx;

use std::sync::Arc;

use atrium_core::{ErrorKind, Failure, OperatorId, TenantId, UserId};
use serde::Serialize;

/// A role a user holds, on a scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub role: Role,
    pub scope: GrantScope,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything within one tenant.
    TenantAdmin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::TenantAdmin => "tenant_admin",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "tenant_admin" => Some(Role::TenantAdmin),
            _ => None,
        }
    }
}

/// Where a grant applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "key", rename_all = "snake_case")]
pub enum GrantScope {
    Tenant,
    Organization(String),
}

impl GrantScope {
    /// The stored form: `tenant` or `org:SHORT_NAME`.
    pub fn encode(&self) -> String {
        match self {
            GrantScope::Tenant => "tenant".into(),
            GrantScope::Organization(short_name) => format!("org:{short_name}"),
        }
    }

    pub fn decode(value: &str) -> Option<Self> {
        match value {
            "tenant" => Some(GrantScope::Tenant),
            _ => value
                .strip_prefix("org:")
                .map(|s| GrantScope::Organization(s.to_owned())),
        }
    }
}

/// The authenticated party of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Anonymous,
    Operator {
        id: OperatorId,
    },
    User {
        tenant: TenantId,
        id: UserId,
        grants: Arc<[Grant]>,
    },
}

impl Caller {
    fn is_tenant_admin_of(&self, tenant: TenantId) -> bool {
        matches!(self, Caller::User { tenant: t, grants, .. }
            if *t == tenant && grants.iter().any(|g| g.role == Role::TenantAdmin && g.scope == GrantScope::Tenant))
    }
}

/// Everything a caller can ask to do; the resource's tenant travels with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Provision, list, suspend and delete tenants (platform host).
    ManageTenants,
    /// Read a tenant's sites, configurations, themes and their history.
    ViewSites(TenantId),
    /// Create, change and delete a tenant's sites, configurations, themes.
    ManageSites(TenantId),
    /// List and read a tenant's accounts.
    ViewUsers(TenantId),
    /// Create, change, deactivate and delete a tenant's accounts.
    ManageUsers(TenantId),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// No credentials: the answer is 401.
    #[error("authentication required")]
    Unauthenticated,
    /// Credentials, but not enough: the answer is 403.
    #[error("not allowed to {0}")]
    Forbidden(&'static str),
}

impl From<Denied> for Failure {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Unauthenticated => Failure::new(
                ErrorKind::Unauthenticated,
                "this endpoint needs a bearer token",
            ),
            Denied::Forbidden(what) => Failure::new(
                ErrorKind::Forbidden,
                format!("you are not allowed to {what}"),
            ),
        }
    }
}

/// The one authorization decision of Atrium.
pub fn authorize(caller: &Caller, action: Action) -> Result<(), Denied> {
    if *caller == Caller::Anonymous {
        return Err(Denied::Unauthenticated);
    }
    let allowed = match action {
        Action::ManageTenants => matches!(caller, Caller::Operator { .. }),
        Action::ViewSites(tenant)
        | Action::ManageSites(tenant)
        | Action::ViewUsers(tenant)
        | Action::ManageUsers(tenant) => caller.is_tenant_admin_of(tenant),
    };
    if allowed {
        Ok(())
    } else {
        Err(Denied::Forbidden(describe(action)))
    }
}

fn describe(action: Action) -> &'static str {
    match action {
        Action::ManageTenants => "manage tenants",
        Action::ViewSites(_) => "view this tenant's sites",
        Action::ManageSites(_) => "manage this tenant's sites",
        Action::ViewUsers(_) => "view this tenant's accounts",
        Action::ManageUsers(_) => "manage this tenant's accounts",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin_of(tenant: i64) -> Caller {
        Caller::User {
            tenant: TenantId(tenant),
            id: UserId(1),
            grants: Arc::from(vec![Grant {
                role: Role::TenantAdmin,
                scope: GrantScope::Tenant,
            }]),
        }
    }

    #[test]
    fn tenant_admin_manages_only_its_own_tenant() {
        assert_eq!(
            authorize(&admin_of(1), Action::ManageSites(TenantId(1))),
            Ok(())
        );
        assert!(matches!(
            authorize(&admin_of(1), Action::ManageSites(TenantId(2))),
            Err(Denied::Forbidden(_))
        ));
        assert!(matches!(
            authorize(&admin_of(1), Action::ManageTenants),
            Err(Denied::Forbidden(_))
        ));
    }

    #[test]
    fn operators_manage_tenants_but_not_their_content() {
        let operator = Caller::Operator { id: OperatorId(1) };
        assert_eq!(authorize(&operator, Action::ManageTenants), Ok(()));
        assert!(authorize(&operator, Action::ViewSites(TenantId(1))).is_err());
        assert_eq!(
            authorize(&Caller::Anonymous, Action::ManageTenants),
            Err(Denied::Unauthenticated)
        );
    }

    #[test]
    fn only_a_tenant_admin_manages_its_accounts() {
        let tenant = TenantId(1);
        for action in [Action::ViewUsers(tenant), Action::ManageUsers(tenant)] {
            assert_eq!(authorize(&admin_of(1), action), Ok(()));
            assert!(matches!(
                authorize(&admin_of(2), action),
                Err(Denied::Forbidden(_))
            ));
            assert!(matches!(
                authorize(&Caller::Operator { id: OperatorId(1) }, action),
                Err(Denied::Forbidden(_))
            ));
            assert_eq!(
                authorize(&Caller::Anonymous, action),
                Err(Denied::Unauthenticated)
            );
        }
    }

    #[test]
    fn a_user_without_grants_is_forbidden() {
        let learner = Caller::User {
            tenant: TenantId(1),
            id: UserId(2),
            grants: Arc::from(Vec::new()),
        };
        assert!(matches!(
            authorize(&learner, Action::ViewSites(TenantId(1))),
            Err(Denied::Forbidden(_))
        ));
    }

    #[test]
    fn scopes_round_trip() {
        for scope in [GrantScope::Tenant, GrantScope::Organization("MIT".into())] {
            assert_eq!(GrantScope::decode(&scope.encode()), Some(scope));
        }
    }
}
