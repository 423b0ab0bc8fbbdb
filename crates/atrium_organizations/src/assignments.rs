//! Role assignments as the API manages them: who holds which role where,
//! granted and revoked by those the matrix lets grant that role at that
//! place. `Action::Grant(role)` at the grant's place is the whole rule: it
//! is what keeps anyone from granting above their own role or outside
//! their own subtree, since the roles that may grant a role hold only on
//! their own organization's subtree (or course).
//!
//! Every change announces the account's access change in its transaction,
//! so the grant or revocation is seen on the next request on every
//! replica, and writes its audit entry there too.

use std::collections::HashMap;

use atrium_audit::{Author, Change};
use atrium_core::{OrganizationId, Page, PageRequest, TenantId, UserId, ValidationErrors};
use atrium_db::access::{announce, AccessChange};
use atrium_db::{creator_requests, organizations, Access, DbError, TenantScope, TenantTx};
use atrium_permissions::tx::{self as grants, AssignmentFilter, Visible};
use atrium_permissions::{
    authorize, may, Action, Caller, Denied, GrantScope, Level, Lineage, Place, Role,
};
use chrono::NaiveDateTime;
use serde::Serialize;

use crate::creator_requests::CourseCreatorRequest;
use crate::tx::all_lineages;
use crate::{ContentCheck, Organizations, OrganizationsError};

/// A grant as the API shows it. `role` and `scope` are kept as stored, so
/// a row written by a newer version still lists.
#[derive(Debug, Clone, Serialize)]
pub struct RoleAssignment {
    pub id: i64,
    pub user_id: UserId,
    pub role: String,
    pub scope: String,
    pub created_at: NaiveDateTime,
}

impl From<grants::Assignment> for RoleAssignment {
    fn from(row: grants::Assignment) -> Self {
        Self {
            id: row.id,
            user_id: UserId(row.user_id),
            role: row.role,
            scope: row.scope,
            created_at: row.created_at,
        }
    }
}

/// `POST /api/v1/role-assignments`, as sent.
#[derive(Debug, Clone)]
pub struct NewRoleAssignment {
    pub user_id: i64,
    pub role: String,
    pub scope: String,
}

/// The filters of a listing of grants, as sent.
#[derive(Debug, Clone, Default)]
pub struct RoleAssignmentQuery {
    pub user_id: Option<i64>,
    pub role: Option<String>,
    pub scope: Option<String>,
}

/// Reads a role and a scope as sent, each bad one a field error.
fn parse_role_and_scope(role: &str, scope: &str) -> Result<(Role, GrantScope), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let parsed_role = Role::parse(role);
    if parsed_role.is_none() {
        let known: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        errors.add("role", format!("must be one of {}", known.join(", ")));
    }
    let parsed_scope = GrantScope::decode(scope);
    if parsed_scope.is_none() {
        errors.add(
            "scope",
            "must be `tenant`, `org:SHORT_NAME`, `course:course-v1:ORG+NUMBER+RUN` or `course:lib:ORG:SLUG`",
        );
    }
    errors.into_result()?;
    match (parsed_role, parsed_scope) {
        (Some(role), Some(scope)) => Ok((role, scope)),
        _ => Err(ValidationErrors::single("role", "is invalid")),
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Tenant => "the tenant (`tenant`)",
        Level::Organization => "an organization (`org:SHORT_NAME`)",
        Level::Course => "a course (`course:COURSE_KEY`)",
    }
}

/// The organization a scope lies in, with its lineage; `NotFound` when the
/// tenant has no organization of that short name (another tenant's looks
/// the same).
pub(crate) fn resolve_scope(
    tx: &mut TenantTx<'_>,
    scope: &GrantScope,
) -> Result<Option<(OrganizationId, Lineage)>, OrganizationsError> {
    let Some(short_name) = scope.organization_short_name() else {
        return Ok(None);
    };
    let org = organizations::find_by_short_name(tx, short_name)?
        .ok_or(OrganizationsError::NotFound("organization"))?;
    let lineage = crate::tx::lineage(tx, OrganizationId(org.id))?
        .ok_or(OrganizationsError::NotFound("organization"))?;
    Ok(Some((OrganizationId(org.id), lineage)))
}

/// Where a grant on `scope` happens, for `authorize`.
fn place_of<'a>(
    tenant: TenantId,
    scope: &'a GrantScope,
    lineage: Option<&'a Lineage>,
) -> Option<Place<'a>> {
    match (scope, lineage) {
        (GrantScope::Tenant, _) => Some(Place::Tenant(tenant)),
        (GrantScope::Organization(_), Some(lineage)) => Some(Place::Organization(lineage)),
        (GrantScope::Course(key), Some(lineage)) => Some(Place::Course(lineage, key)),
        _ => None,
    }
}

/// The organizations at which `caller` may take `action`.
pub(crate) fn organizations_where(
    caller: &Caller,
    action: Action,
    lineages: &HashMap<OrganizationId, Lineage>,
) -> Result<Vec<i64>, Denied> {
    let mut found = Vec::new();
    for (id, lineage) in lineages {
        if may(caller, action, Place::Organization(lineage))? {
            found.push(id.0);
        }
    }
    Ok(found)
}

fn announce_user(tx: &mut TenantTx<'_>, user: UserId) -> Result<(), DbError> {
    let tenant = tx.tenant_id();
    announce(tx, &AccessChange::User { tenant, user })
}

/// Writes a new grant with its audit entry and announcement, in the
/// caller's transaction (also the way a granted creator request grants).
pub(crate) fn write_grant(
    tx: &mut TenantTx<'_>,
    author: &Author,
    user: UserId,
    role: Role,
    scope: &GrantScope,
    organization: Option<OrganizationId>,
) -> Result<RoleAssignment, OrganizationsError> {
    let row = grants::grant_row(tx, user, role, scope, organization).map_err(|e| match e {
        DbError::UniqueViolation { .. } => {
            OrganizationsError::Conflict("the user already holds this role on this scope".into())
        }
        other => grant_error(other),
    })?;
    record_grant(tx, author, user, row)
}

/// [`write_grant`], or `None` (no grant, no entry) when the user already
/// holds it, even through a grant a concurrent request just committed.
pub(crate) fn write_grant_unless_held(
    tx: &mut TenantTx<'_>,
    author: &Author,
    user: UserId,
    role: Role,
    scope: &GrantScope,
    organization: Option<OrganizationId>,
) -> Result<Option<RoleAssignment>, OrganizationsError> {
    match grants::grant_row_unless_held(tx, user, role, scope, organization).map_err(grant_error)? {
        Some(row) => record_grant(tx, author, user, row).map(Some),
        None => Ok(None),
    }
}

fn grant_error(error: DbError) -> OrganizationsError {
    match error {
        DbError::ForeignKeyViolation { .. } => OrganizationsError::NotFound("user"),
        other => other.into(),
    }
}

/// The audit entry and access announcement of a new grant.
fn record_grant(
    tx: &mut TenantTx<'_>,
    author: &Author,
    user: UserId,
    row: grants::Assignment,
) -> Result<RoleAssignment, OrganizationsError> {
    let assignment = RoleAssignment::from(row);
    atrium_audit::record(
        tx,
        author,
        Change::<(), _> {
            action: "role_assignment.create",
            target_type: "role_assignment",
            target_id: assignment.id.to_string(),
            before: None,
            after: Some(&assignment),
        },
    )?;
    announce_user(tx, user)?;
    Ok(assignment)
}

impl Organizations {
    /// A page of the grants the caller may view: a tenant admin all of
    /// them; others those on the organizations (and their courses) where
    /// the matrix lets them view grants, and on the courses they instruct.
    pub async fn list_role_assignments(
        &self,
        caller: &Caller,
        scope: TenantScope,
        query: RoleAssignmentQuery,
        page: PageRequest,
    ) -> Result<Page<RoleAssignment>, OrganizationsError> {
        atrium_permissions::authenticated(caller)?;
        let tenant = scope.tenant_id();
        let everything = may(caller, Action::ViewRoleAssignments, Place::Tenant(tenant))?;
        let mut errors = ValidationErrors::default();
        if query
            .role
            .as_deref()
            .is_some_and(|r| Role::parse(r).is_none())
        {
            errors.add("role", "is not a role");
        }
        if query
            .scope
            .as_deref()
            .is_some_and(|s| GrantScope::decode(s).is_none())
        {
            errors.add(
                "scope",
                "must be `tenant`, `org:SHORT_NAME`, `course:course-v1:ORG+NUMBER+RUN` or `course:lib:ORG:SLUG`",
            );
        }
        errors.into_result()?;
        let filter = AssignmentFilter {
            user_id: query.user_id,
            role: query.role,
            scope: query.scope,
        };
        let caller = caller.clone();
        let rows = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                let visible = if everything {
                    Visible {
                        everything,
                        ..Visible::default()
                    }
                } else {
                    let lineages = all_lineages(tx)?;
                    let organizations =
                        organizations_where(&caller, Action::ViewRoleAssignments, &lineages)?;
                    // Course roles that may view grants hold on their own
                    // course only: those courses' grants, by scope.
                    let mut scopes = Vec::new();
                    for grant in caller.grants() {
                        if let (GrantScope::Course(key), Some(org)) =
                            (&grant.scope, grant.organization)
                        {
                            if let Some(lineage) = lineages.get(&org) {
                                if may(
                                    &caller,
                                    Action::ViewRoleAssignments,
                                    Place::Course(lineage, key),
                                )? {
                                    scopes.push(grant.scope.encode());
                                }
                            }
                        }
                    }
                    if organizations.is_empty() && scopes.is_empty() {
                        return Err(
                            Denied::Forbidden(Action::ViewRoleAssignments.describe()).into()
                        );
                    }
                    Visible {
                        everything,
                        organizations,
                        scopes,
                    }
                };
                Ok::<_, OrganizationsError>(grants::list(
                    tx,
                    &visible,
                    &filter,
                    page.after,
                    page.fetch_limit(),
                )?)
            })
            .await?;
        Ok(Page::from_rows(rows, page, |row| row.id).map(RoleAssignment::from))
    }

    /// One grant, for those who may view grants at its place.
    pub async fn get_role_assignment(
        &self,
        caller: &Caller,
        scope: TenantScope,
        id: i64,
    ) -> Result<RoleAssignment, OrganizationsError> {
        atrium_permissions::authenticated(caller)?;
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Read, move |tx| {
                let row =
                    grants::find(tx, id)?.ok_or(OrganizationsError::NotFound("role assignment"))?;
                let lineage = match row.organization_id {
                    Some(org) => crate::tx::lineage(tx, OrganizationId(org))?,
                    None => None,
                };
                let decoded = GrantScope::decode(&row.scope);
                let place = decoded
                    .as_ref()
                    .and_then(|s| place_of(tx.tenant_id(), s, lineage.as_ref()))
                    .unwrap_or(Place::Tenant(tx.tenant_id()));
                authorize(&caller, Action::ViewRoleAssignments, place)?;
                Ok(RoleAssignment::from(row))
            })
            .await
    }

    /// Grants `role` on `scope` to an account of the tenant. The account
    /// and the organization must be the tenant's (`404` otherwise, another
    /// tenant's looking exactly like a missing one); the caller must be
    /// allowed to grant that role at that place (`403`).
    pub async fn grant_role(
        &self,
        caller: &Caller,
        scope: TenantScope,
        new: NewRoleAssignment,
    ) -> Result<RoleAssignment, OrganizationsError> {
        atrium_permissions::authenticated(caller)?;
        let (role, grant_scope) = parse_role_and_scope(&new.role, &new.scope)?;
        if role.level() != grant_scope.level() {
            return Err(ValidationErrors::single(
                "scope",
                format!(
                    "{} is granted on {}",
                    role.as_str(),
                    level_name(role.level())
                ),
            )
            .into());
        }
        let author = Author::of(caller);
        let caller = caller.clone();
        let user = UserId(new.user_id);
        let content = self.content.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                grant_checked(
                    tx,
                    &caller,
                    &author,
                    (user, role, &grant_scope),
                    content.as_ref(),
                )
            })
            .await
    }

    /// Revokes the grant `id`, if the caller may grant its role at its
    /// place. The tenant's last active tenant admin keeps its grant
    /// (`409`). Revoking a course creator marks the creator requests it was
    /// granted through `revoked`.
    pub async fn revoke_role(
        &self,
        caller: &Caller,
        scope: TenantScope,
        id: i64,
    ) -> Result<(), OrganizationsError> {
        atrium_permissions::authenticated(caller)?;
        let author = Author::of(caller);
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                revoke_checked(tx, &caller, &author, id)
            })
            .await
    }
}

/// Grants `role` on `scope` to `user` if `caller` may grant that role
/// there (`403` otherwise): the organization and the account must be the
/// tenant's (`404`), and so must a course scope's course or library when
/// `content` is given (the courses domain, which has located the course
/// already, gives none).
pub(crate) fn grant_checked(
    tx: &mut TenantTx<'_>,
    caller: &Caller,
    author: &Author,
    (user, role, grant_scope): (UserId, Role, &GrantScope),
    content: Option<&ContentCheck>,
) -> Result<RoleAssignment, OrganizationsError> {
    let resolved = resolve_scope(tx, grant_scope)?;
    let seen = match (grant_scope, content) {
        (GrantScope::Course(key), Some(check)) => Some(check(tx, caller, key)?),
        _ => None,
    };
    let (organization, lineage) = match resolved {
        Some((org, lineage)) => (Some(org), Some(lineage)),
        None => (None, None),
    };
    let place = place_of(tx.tenant_id(), grant_scope, lineage.as_ref())
        .ok_or(OrganizationsError::NotFound("organization"))?;
    let allowed = may(caller, Action::Grant(role), place)?;
    // A course or library the caller cannot see answers as one that does
    // not exist, whether or not the grant would be allowed.
    match seen {
        Some(None) => return Err(OrganizationsError::NotFound("course")),
        Some(Some(false)) if !allowed => return Err(OrganizationsError::NotFound("course")),
        _ => {}
    }
    if !allowed {
        return Err(Denied::Forbidden(Action::Grant(role).describe()).into());
    }
    if !grants::account_exists(tx, user)? {
        return Err(OrganizationsError::NotFound("user"));
    }
    write_grant(tx, author, user, role, grant_scope, organization)
}

/// Revokes the grant `id` if `caller` may grant its role at its place,
/// with its audit entry and the account's access announcement.
pub(crate) fn revoke_checked(
    tx: &mut TenantTx<'_>,
    caller: &Caller,
    author: &Author,
    id: i64,
) -> Result<(), OrganizationsError> {
    let row = grants::find(tx, id)?.ok_or(OrganizationsError::NotFound("role assignment"))?;
    let assignment = RoleAssignment::from(row.clone());
    let user = UserId(row.user_id);
    let lineage = match row.organization_id {
        Some(org) => crate::tx::lineage(tx, OrganizationId(org))?,
        None => None,
    };
    // A row this version cannot read is for a tenant admin to
    // remove.
    let parsed = Role::parse(&row.role).zip(GrantScope::decode(&row.scope));
    match &parsed {
        Some((role, grant_scope)) => {
            let place = place_of(tx.tenant_id(), grant_scope, lineage.as_ref())
                .unwrap_or(Place::Tenant(tx.tenant_id()));
            authorize(caller, Action::Grant(*role), place)?;
        }
        None => authorize(
            caller,
            Action::Grant(Role::TenantAdmin),
            Place::Tenant(tx.tenant_id()),
        )?,
    }
    if matches!(&parsed, Some((Role::TenantAdmin, GrantScope::Tenant)))
        && grants::is_last_active_tenant_admin(tx, user)?
    {
        return Err(OrganizationsError::Conflict(
            "the last active tenant admin cannot be removed".into(),
        ));
    }
    grants::revoke(tx, id).map_err(|e| match e {
        DbError::NotFound => OrganizationsError::NotFound("role assignment"),
        other => other.into(),
    })?;
    atrium_audit::record(
        tx,
        author,
        Change::<_, ()> {
            action: "role_assignment.delete",
            target_type: "role_assignment",
            target_id: id.to_string(),
            before: Some(&assignment),
            after: None,
        },
    )?;
    if let (Some((Role::CourseCreator, GrantScope::Organization(short_name))), Some(org)) =
        (&parsed, row.organization_id)
    {
        let short_names = HashMap::from([(org, short_name.clone())]);
        for request in creator_requests::revoke_granted(tx, row.user_id, org)? {
            let after = CourseCreatorRequest::from_row(request, &short_names);
            let before = CourseCreatorRequest {
                state: "granted".into(),
                ..after.clone()
            };
            atrium_audit::record(
                tx,
                author,
                Change {
                    action: "course_creator_request.revoke",
                    target_type: "course_creator_request",
                    target_id: after.id.to_string(),
                    before: Some(&before),
                    after: Some(&after),
                },
            )?;
        }
    }
    announce_user(tx, user)?;
    Ok(())
}

/// Removes every grant on `scope` (no authorization: see
/// [`crate::tx::revoke_all_on`]).
pub(crate) fn revoke_scope(
    tx: &mut TenantTx<'_>,
    author: &Author,
    scope: &GrantScope,
) -> Result<Vec<RoleAssignment>, OrganizationsError> {
    let removed: Vec<RoleAssignment> = grants::revoke_on_scope(tx, scope)?
        .into_iter()
        .map(RoleAssignment::from)
        .collect();
    for assignment in &removed {
        atrium_audit::record(
            tx,
            author,
            Change::<_, ()> {
                action: "role_assignment.delete",
                target_type: "role_assignment",
                target_id: assignment.id.to_string(),
                before: Some(assignment),
                after: None,
            },
        )?;
    }
    let mut users: Vec<UserId> = removed.iter().map(|a| a.user_id).collect();
    users.sort_by_key(|u| u.0);
    users.dedup();
    for user in users {
        announce_user(tx, user)?;
    }
    Ok(removed)
}
