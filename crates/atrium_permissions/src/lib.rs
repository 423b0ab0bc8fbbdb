//! Who may do what. One [`authorize`] function, called by the domain
//! services (never by handlers), so REST and GraphQL cannot disagree.
//!
//! The structure:
//! - Platform operators manage tenants from the platform host, and nothing
//!   inside a tenant: they hold no grants.
//! - Inside a tenant, a user's grants are `(role, scope)` pairs ([`roles`]).
//!   `tenant_admin` holds on the whole tenant; an organization role holds
//!   on its organization and every organization below it; a course role on
//!   its course; and `org_staff`/`org_instructor` hold on every course of
//!   their organizations' subtrees. Every account is a learner.
//! - Which of those may take which [`Action`] is data: the [`matrix`].
//!   [`authorize`] finds the columns that hold where the action happens
//!   (its [`Place`], carrying the organization's [`Lineage`] for
//!   inheritance) and reads their cells.
//! - API clients (integrators' machines) hold no roles: each holds
//!   [`Scope`]s, and every action a client may take needs one
//!   ([`Action::scope`]). A client limited to an organization acts only
//!   inside its subtree; resources of the whole tenant (sites, accounts) lie
//!   inside no organization, so such a client is refused them whatever its
//!   scopes. Scopes and organization only narrow, never widen.

pub mod lineage;
pub mod matrix;
pub mod roles;
pub mod scopes;
pub mod tx;

use std::sync::Arc;

use atrium_core::{ApiClientId, ErrorKind, Failure, OperatorId, OrganizationId, TenantId, UserId};

pub use lineage::{Lineage, Place};
pub use matrix::{render_markdown, Action, Column};
pub use roles::{course_organization, Grant, GrantScope, Level, Role};
pub use scopes::{Scope, ScopeSet};

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
    /// The tenant the caller belongs to; `None` for operators and
    /// anonymous callers.
    pub fn tenant(&self) -> Option<TenantId> {
        match self {
            Caller::User { tenant, .. } | Caller::Client { tenant, .. } => Some(*tenant),
            Caller::Anonymous | Caller::Operator { .. } => None,
        }
    }

    /// The user's grants; none for every other caller.
    pub fn grants(&self) -> &[Grant] {
        match self {
            Caller::User { grants, .. } => grants,
            _ => &[],
        }
    }
}

/// Whether `grant` holds at `place`: a tenant grant anywhere in its
/// tenant; an organization grant on its organization's subtree (the place's
/// lineage names it); a course grant on its course.
pub fn holds_at(grant: &Grant, place: Place<'_>) -> bool {
    match (&grant.scope, place) {
        (GrantScope::Tenant, _) => true,
        (GrantScope::Organization(_), Place::Organization(lineage) | Place::Course(lineage, _)) => {
            grant.organization.is_some_and(|org| lineage.contains(org))
        }
        (GrantScope::Course(key), Place::Course(_, course)) => key == course,
        _ => false,
    }
}

/// The columns of the matrix that hold for a user with `grants` at `place`
/// of its own tenant.
fn columns_at<'a>(grants: &'a [Grant], place: Place<'a>) -> impl Iterator<Item = Column> + 'a {
    grants
        .iter()
        .filter(move |grant| holds_at(grant, place))
        .map(|grant| Column::Role(grant.role))
        .chain(std::iter::once(Column::Learner))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// No credentials: the answer is 401.
    #[error("authentication required")]
    Unauthenticated,
    /// Credentials, but not enough: the answer is 403.
    #[error("not allowed to {0}")]
    Forbidden(String),
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

/// That the caller presented credentials: the services that look up what
/// an action is on before [`authorize`] can decide call this first, so
/// that an anonymous request is a 401 whether or not the target exists.
pub fn authenticated(caller: &Caller) -> Result<(), Denied> {
    match caller {
        Caller::Anonymous => Err(Denied::Unauthenticated),
        _ => Ok(()),
    }
}

/// The one authorization decision of Atrium: may `caller` take `action` at
/// `place`? A place of another tenant is refused like any other (the
/// services answer 404 for what another tenant owns before they get here).
pub fn authorize(caller: &Caller, action: Action, place: Place<'_>) -> Result<(), Denied> {
    if may(caller, action, place)? {
        Ok(())
    } else {
        Err(Denied::Forbidden(action.describe()))
    }
}

/// [`authorize`] as a yes or no, for filtering what a list shows; an
/// anonymous caller is still an error (401).
pub fn may(caller: &Caller, action: Action, place: Place<'_>) -> Result<bool, Denied> {
    Ok(match caller {
        Caller::Anonymous => return Err(Denied::Unauthenticated),
        Caller::Operator { .. } => place == Place::Platform && action.allows(Column::Operator),
        Caller::User { tenant, grants, .. } => {
            place.tenant() == Some(*tenant)
                && columns_at(grants, place).any(|column| action.allows(column))
        }
        Caller::Client {
            tenant,
            scopes,
            organization,
            ..
        } => {
            place.tenant() == Some(*tenant)
                && action.scope().is_some_and(|needed| scopes.contains(needed))
                && organization.is_none_or(|org| place.lineage().is_some_and(|l| l.contains(org)))
        }
    })
}

#[cfg(test)]
mod tests;
