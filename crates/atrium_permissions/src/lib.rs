//! Who may do what. One [`authorize`] function, called by the domain
//! services (never by handlers), so REST and GraphQL cannot disagree.
//!
//! The structure: platform operators manage tenants from the platform host
//! and nothing inside a tenant; inside a tenant, grants are
//! `(role, scope)` pairs, where the scope is the tenant itself or a node of
//! its organization tree (later: a course). A tenant admin may do anything
//! within the tenant.
//!
//! API clients (integrators' machines) hold no roles: each holds [`Scope`]s,
//! and every [`Action`] needs one scope ([`Action::scope`]); the actions
//! that need none (managing tenants, managing API clients themselves) are
//! never a client's. A client may also be limited to one organization: it
//! may then act only inside that organization's subtree. Resources that
//! belong to the whole tenant (sites, accounts, API clients) are outside
//! every organization's subtree, so an organization-limited client is
//! refused them all, whatever its scopes; it is the actions on an
//! organization's own things (courses, enrollments: later issues) that it
//! will be granted.

pub mod tx;

use std::sync::Arc;

use atrium_core::{ApiClientId, ErrorKind, Failure, OperatorId, OrganizationId, TenantId, UserId};
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

/// What an API client may be allowed to do, in OAuth's `scope` syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    SitesRead,
    SitesWrite,
    UsersRead,
    UsersWrite,
    OrganizationsRead,
    OrganizationsWrite,
    CoursesRead,
    CoursesWrite,
    EnrollmentsRead,
    EnrollmentsWrite,
}

impl Scope {
    pub const ALL: [Scope; 10] = [
        Scope::SitesRead,
        Scope::SitesWrite,
        Scope::UsersRead,
        Scope::UsersWrite,
        Scope::OrganizationsRead,
        Scope::OrganizationsWrite,
        Scope::CoursesRead,
        Scope::CoursesWrite,
        Scope::EnrollmentsRead,
        Scope::EnrollmentsWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::SitesRead => "sites:read",
            Scope::SitesWrite => "sites:write",
            Scope::UsersRead => "users:read",
            Scope::UsersWrite => "users:write",
            Scope::OrganizationsRead => "organizations:read",
            Scope::OrganizationsWrite => "organizations:write",
            Scope::CoursesRead => "courses:read",
            Scope::CoursesWrite => "courses:write",
            Scope::EnrollmentsRead => "enrollments:read",
            Scope::EnrollmentsWrite => "enrollments:write",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == value)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of [`Scope`]s; written as OAuth writes it, space-separated
/// (RFC 6749 §3.3), in a fixed order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ScopeSet(u16);

impl ScopeSet {
    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    pub fn insert(&mut self, scope: Scope) {
        self.0 |= scope.bit();
    }

    pub fn intersection(self, other: ScopeSet) -> ScopeSet {
        ScopeSet(self.0 & other.0)
    }

    pub fn is_subset(self, other: ScopeSet) -> bool {
        self.0 & !other.0 == 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    /// The space-separated form (`sites:read users:write`).
    pub fn encode(self) -> String {
        self.iter().map(Scope::as_str).collect::<Vec<_>>().join(" ")
    }

    /// Reads the space-separated form; `Err` names the first word that is
    /// not a scope.
    pub fn parse(value: &str) -> Result<Self, String> {
        value
            .split_whitespace()
            .try_fold(Self::default(), |mut set, word| {
                let scope = Scope::parse(word).ok_or_else(|| word.to_owned())?;
                set.insert(scope);
                Ok(set)
            })
    }

    /// Reads a stored or signed set, skipping the words this version does
    /// not know (a scope added by a newer replica grants nothing here).
    pub fn parse_known(value: &str) -> Self {
        value.split_whitespace().filter_map(Scope::parse).collect()
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        let mut set = Self::default();
        for scope in iter {
            set.insert(scope);
        }
        set
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
    /// An integrator's API client, with the scopes of its token (never
    /// more than the client holds now) and the organization it is limited
    /// to, if any.
    Client {
        tenant: TenantId,
        id: ApiClientId,
        scopes: ScopeSet,
        organization: Option<OrganizationId>,
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
    /// List, disable, enable and delete platform operators (platform host).
    ManageOperators,
    /// Read a tenant's sites, configurations, themes and their history.
    ViewSites(TenantId),
    /// Create, change and delete a tenant's sites, configurations, themes.
    ManageSites(TenantId),
    /// Read a tenant's accounts.
    ViewUsers(TenantId),
    /// Create, change and delete a tenant's accounts.
    ManageUsers(TenantId),
    /// List, create and delete a tenant's API clients (tenant admins only:
    /// a client never manages clients).
    ManageApiClients(TenantId),
}

impl Action {
    /// The scope an API client needs for this action; `None`: never a
    /// client's.
    pub fn scope(self) -> Option<Scope> {
        match self {
            Action::ManageTenants | Action::ManageOperators | Action::ManageApiClients(_) => None,
            Action::ViewSites(_) => Some(Scope::SitesRead),
            Action::ManageSites(_) => Some(Scope::SitesWrite),
            Action::ViewUsers(_) => Some(Scope::UsersRead),
            Action::ManageUsers(_) => Some(Scope::UsersWrite),
        }
    }

    /// The tenant the action's resource belongs to; `None` for the
    /// platform's own.
    fn tenant(self) -> Option<TenantId> {
        match self {
            Action::ManageTenants | Action::ManageOperators => None,
            Action::ViewSites(tenant)
            | Action::ManageSites(tenant)
            | Action::ViewUsers(tenant)
            | Action::ManageUsers(tenant)
            | Action::ManageApiClients(tenant) => Some(tenant),
        }
    }

    /// Whether the resource lies inside `organization`'s subtree. Every
    /// action so far is on a resource of the whole tenant, which lies
    /// inside no organization; actions on an organization's courses and
    /// enrollments will answer from the organization they carry.
    fn within(self, _organization: OrganizationId) -> bool {
        match self {
            Action::ManageTenants
            | Action::ManageOperators
            | Action::ViewSites(_)
            | Action::ManageSites(_)
            | Action::ViewUsers(_)
            | Action::ManageUsers(_)
            | Action::ManageApiClients(_) => false,
        }
    }
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
    let allowed = match (caller, action) {
        (
            Caller::Client {
                tenant,
                scopes,
                organization,
                ..
            },
            action,
        ) => {
            action.tenant() == Some(*tenant)
                && action.scope().is_some_and(|needed| scopes.contains(needed))
                && organization.is_none_or(|org| action.within(org))
        }
        (_, Action::ManageTenants | Action::ManageOperators) => {
            matches!(caller, Caller::Operator { .. })
        }
        (
            _,
            Action::ViewSites(tenant)
            | Action::ManageSites(tenant)
            | Action::ViewUsers(tenant)
            | Action::ManageUsers(tenant)
            | Action::ManageApiClients(tenant),
        ) => caller.is_tenant_admin_of(tenant),
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
        Action::ManageOperators => "manage platform operators",
        Action::ViewSites(_) => "view this tenant's sites",
        Action::ManageSites(_) => "manage this tenant's sites",
        Action::ViewUsers(_) => "view this tenant's accounts",
        Action::ManageUsers(_) => "manage this tenant's accounts",
        Action::ManageApiClients(_) => "manage this tenant's API clients",
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
        assert_eq!(authorize(&operator, Action::ManageOperators), Ok(()));
        assert!(authorize(&admin_of(1), Action::ManageOperators).is_err());
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

    fn client(tenant: i64, scopes: &str, organization: Option<i64>) -> Caller {
        Caller::Client {
            tenant: TenantId(tenant),
            id: ApiClientId(9),
            scopes: ScopeSet::parse(scopes).unwrap(),
            organization: organization.map(OrganizationId),
        }
    }

    /// Every action a tenant's client could be asked, with its scope.
    fn tenant_actions(tenant: i64) -> Vec<(Action, Option<Scope>)> {
        let t = TenantId(tenant);
        vec![
            (Action::ViewSites(t), Some(Scope::SitesRead)),
            (Action::ManageSites(t), Some(Scope::SitesWrite)),
            (Action::ViewUsers(t), Some(Scope::UsersRead)),
            (Action::ManageUsers(t), Some(Scope::UsersWrite)),
            (Action::ManageApiClients(t), None),
        ]
    }

    #[test]
    fn a_client_may_do_exactly_what_its_scopes_say() {
        for (action, needed) in tenant_actions(1) {
            assert_eq!(action.scope(), needed, "{action:?}");
            for scope in Scope::ALL {
                let caller = client(1, scope.as_str(), None);
                let expected = needed == Some(scope);
                assert_eq!(
                    authorize(&caller, action).is_ok(),
                    expected,
                    "{scope:?} for {action:?}"
                );
            }
        }
        let everything = Scope::ALL.map(Scope::as_str).join(" ");
        let all = client(1, &everything, None);
        assert!(matches!(
            authorize(&all, Action::ManageApiClients(TenantId(1))),
            Err(Denied::Forbidden(_))
        ));
        assert!(matches!(
            authorize(&all, Action::ManageTenants),
            Err(Denied::Forbidden(_))
        ));
        assert!(authorize(&all, Action::ManageUsers(TenantId(1))).is_ok());
    }

    #[test]
    fn a_client_acts_only_in_its_own_tenant() {
        let everything = Scope::ALL.map(Scope::as_str).join(" ");
        let caller = client(1, &everything, None);
        for (action, _) in tenant_actions(2) {
            assert!(authorize(&caller, action).is_err(), "{action:?}");
        }
    }

    #[test]
    fn an_organization_limited_client_gets_nothing_of_the_whole_tenant() {
        let everything = Scope::ALL.map(Scope::as_str).join(" ");
        let caller = client(1, &everything, Some(3));
        for (action, _) in tenant_actions(1) {
            assert!(
                matches!(authorize(&caller, action), Err(Denied::Forbidden(_))),
                "{action:?}"
            );
        }
    }

    #[test]
    fn tenant_admins_manage_api_clients_and_accounts() {
        for (action, _) in tenant_actions(1) {
            assert_eq!(authorize(&admin_of(1), action), Ok(()), "{action:?}");
            assert!(authorize(&admin_of(2), action).is_err(), "{action:?}");
        }
    }

    #[test]
    fn scope_sets_parse_and_print_in_oauth_syntax() {
        let set = ScopeSet::parse("users:write  sites:read").unwrap();
        assert_eq!(set.encode(), "sites:read users:write");
        assert!(set.contains(Scope::UsersWrite) && !set.contains(Scope::UsersRead));
        assert_eq!(
            ScopeSet::parse("sites:read sites:admin"),
            Err("sites:admin".into())
        );
        assert_eq!(
            ScopeSet::parse_known("sites:read sites:admin").encode(),
            "sites:read"
        );
        assert!(ScopeSet::parse("sites:read").unwrap().is_subset(set));
        assert!(!ScopeSet::parse("sites:write").unwrap().is_subset(set));
        assert!(ScopeSet::parse("").unwrap().is_empty());
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
    }

    #[test]
    fn scopes_round_trip() {
        for scope in [GrantScope::Tenant, GrantScope::Organization("MIT".into())] {
            assert_eq!(GrantScope::decode(&scope.encode()), Some(scope));
        }
    }
}
