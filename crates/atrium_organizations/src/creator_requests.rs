//! Studio's course-creator requests: a user asks to become a course
//! creator in an organization; an org admin above it or a tenant admin
//! grants (which makes the grant, in the same transaction) or denies it.
//! Requests are never deleted, so the history stays; revoking the grant
//! later marks the request `revoked` (see `assignments`).

use std::collections::HashMap;

use atrium_audit::{Author, Change};
use atrium_core::{OrganizationId, Page, PageRequest, UserId, ValidationErrors};
use atrium_db::creator_requests::{self, CreatorRequestRow, RequestFilter, Visible};
use atrium_db::{organizations, Access, DbError, TenantScope, TenantTx};
use atrium_permissions::{
    authorize, holds_at, may, Action, Caller, Denied, GrantScope, Place, Role,
};
use chrono::NaiveDateTime;
use serde::Serialize;

use crate::assignments::{organizations_where, write_grant_unless_held};
use crate::tx::all_lineages;
use crate::{Organizations, OrganizationsError};

/// The states a request goes through: `pending`, then `granted` or
/// `denied`; a granted one becomes `revoked` when its grant is revoked.
pub const STATES: [&str; 4] = ["pending", "granted", "denied", "revoked"];

/// The longest message or reason kept.
const MAX_TEXT: usize = 2000;

#[derive(Debug, Clone, Serialize)]
pub struct CourseCreatorRequest {
    pub id: i64,
    pub user_id: UserId,
    /// The organization's short name.
    pub organization: String,
    pub state: String,
    pub message: String,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl CourseCreatorRequest {
    pub(crate) fn from_row(row: CreatorRequestRow, short_names: &HashMap<i64, String>) -> Self {
        Self {
            id: row.id,
            user_id: UserId(row.user_id),
            organization: short_names
                .get(&row.organization_id)
                .cloned()
                .unwrap_or_default(),
            state: row.state,
            message: row.message,
            decided_by: row.decided_by.map(UserId),
            decided_at: row.decided_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// `POST /api/v1/course-creator-requests`, as sent.
#[derive(Debug, Clone)]
pub struct NewCreatorRequest {
    pub organization: String,
    pub message: String,
}

/// A decision, as sent: `granted` or `denied`, with an optional reason
/// (kept in the audit entry).
#[derive(Debug, Clone)]
pub struct CreatorDecision {
    pub state: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct CreatorRequestQuery {
    pub state: Option<String>,
    /// A short name.
    pub organization: Option<String>,
}

fn check_text(errors: &mut ValidationErrors, field: &str, text: &str) {
    if text.chars().count() > MAX_TEXT {
        errors.add(field, format!("must be at most {MAX_TEXT} characters"));
    }
}

/// The short names of the organizations `rows` name, in one query.
fn short_names_of(
    tx: &mut TenantTx<'_>,
    rows: &[CreatorRequestRow],
) -> Result<HashMap<i64, String>, DbError> {
    let mut ids: Vec<i64> = rows.iter().map(|r| r.organization_id).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(organizations::find_by_ids(tx, &ids)?
        .into_iter()
        .map(|org| (org.id, org.short_name))
        .collect())
}

fn user_of(caller: &Caller) -> Option<UserId> {
    match caller {
        Caller::User { id, .. } => Some(*id),
        _ => None,
    }
}

fn record_request(
    tx: &mut TenantTx<'_>,
    author: &Author,
    action: &str,
    before: Option<&CourseCreatorRequest>,
    after: &impl Serialize,
    id: i64,
) -> Result<(), DbError> {
    atrium_audit::record(
        tx,
        author,
        Change {
            action,
            target_type: "course_creator_request",
            target_id: id.to_string(),
            before,
            after: Some(after),
        },
    )
}

impl Organizations {
    /// The caller asks to become a course creator in `organization`.
    pub async fn request_course_creator(
        &self,
        caller: &Caller,
        scope: TenantScope,
        new: NewCreatorRequest,
    ) -> Result<CourseCreatorRequest, OrganizationsError> {
        atrium_permissions::authenticated(caller)?;
        let mut errors = ValidationErrors::default();
        if !crate::is_short_name(&new.organization) {
            errors.add(
                "organization",
                "must be an organization's short name (1 to 64 letters, digits, '_', '.' or '-')",
            );
        }
        check_text(&mut errors, "message", &new.message);
        errors.into_result()?;
        let author = Author::of(caller);
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                crate::tx::hold_tree(tx)?;
                let org = organizations::find_by_short_name(tx, &new.organization)?
                    .ok_or(OrganizationsError::NotFound("organization"))?;
                let lineage = crate::tx::lineage(tx, OrganizationId(org.id))?
                    .ok_or(OrganizationsError::NotFound("organization"))?;
                authorize(
                    &caller,
                    Action::RequestCourseCreator,
                    Place::Organization(&lineage),
                )?;
                let user = user_of(&caller)
                    .ok_or_else(|| Denied::Forbidden(Action::RequestCourseCreator.describe()))?;
                // Read fresh, not from the caller's cached grants.
                let already = atrium_permissions::tx::grants_of(tx, user)?
                    .iter()
                    .any(|g| {
                        g.role == Role::CourseCreator && holds_at(g, Place::Organization(&lineage))
                    });
                if already {
                    return Err(OrganizationsError::Conflict(
                        "you are already a course creator in this organization".into(),
                    ));
                }
                let row = creator_requests::insert(tx, user.0, org.id, &new.message).map_err(
                    |e| match e {
                        DbError::UniqueViolation { .. } => OrganizationsError::Conflict(
                            "you already have a pending request for this organization".into(),
                        ),
                        other => other.into(),
                    },
                )?;
                let short_names = HashMap::from([(org.id, org.short_name)]);
                let request = CourseCreatorRequest::from_row(row, &short_names);
                record_request(
                    tx,
                    &author,
                    "course_creator_request.create",
                    None,
                    &request,
                    request.id,
                )?;
                Ok(request)
            })
            .await
    }

    /// A page of the requests the caller may see: its own, and those it
    /// may decide (all of them for a tenant admin).
    pub async fn list_course_creator_requests(
        &self,
        caller: &Caller,
        scope: TenantScope,
        query: CreatorRequestQuery,
        page: PageRequest,
    ) -> Result<Page<CourseCreatorRequest>, OrganizationsError> {
        atrium_permissions::authenticated(caller)?;
        let tenant = scope.tenant_id();
        let everything = may(
            caller,
            Action::DecideCourseCreatorRequests,
            Place::Tenant(tenant),
        )?;
        if query.state.as_deref().is_some_and(|s| !STATES.contains(&s)) {
            return Err(ValidationErrors::single(
                "state",
                format!("must be one of {}", STATES.join(", ")),
            )
            .into());
        }
        if query
            .organization
            .as_deref()
            .is_some_and(|name| !crate::is_short_name(name))
        {
            return Err(ValidationErrors::single(
                "organization",
                "must be an organization's short name (1 to 64 letters, digits, '_', '.' or '-')",
            )
            .into());
        }
        let caller = caller.clone();
        let (rows, short_names) = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                let organization_id = match &query.organization {
                    Some(short_name) => match organizations::find_by_short_name(tx, short_name)? {
                        Some(org) => Some(org.id),
                        // No such organization here: nothing to list.
                        None => return Ok((Vec::new(), HashMap::new())),
                    },
                    None => None,
                };
                let visible = if everything {
                    Visible {
                        everything,
                        ..Visible::default()
                    }
                } else {
                    let lineages = all_lineages(tx)?;
                    let organizations = organizations_where(
                        &caller,
                        Action::DecideCourseCreatorRequests,
                        &lineages,
                    )?;
                    let user_id = user_of(&caller).map(|u| u.0);
                    if user_id.is_none() && organizations.is_empty() {
                        return Err(Denied::Forbidden(
                            Action::DecideCourseCreatorRequests.describe(),
                        )
                        .into());
                    }
                    Visible {
                        everything,
                        user_id,
                        organizations,
                    }
                };
                let filter = RequestFilter {
                    state: query.state,
                    organization_id,
                };
                let rows =
                    creator_requests::list(tx, &visible, &filter, page.after, page.fetch_limit())?;
                let short_names = short_names_of(tx, &rows)?;
                Ok::<_, OrganizationsError>((rows, short_names))
            })
            .await?;
        Ok(Page::from_rows(rows, page, |row| row.id)
            .map(|row| CourseCreatorRequest::from_row(row, &short_names)))
    }

    /// One request: the requester's own, or one the caller may decide.
    pub async fn get_course_creator_request(
        &self,
        caller: &Caller,
        scope: TenantScope,
        id: i64,
    ) -> Result<CourseCreatorRequest, OrganizationsError> {
        atrium_permissions::authenticated(caller)?;
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Read, move |tx| {
                let row = creator_requests::find(tx, id)?
                    .ok_or(OrganizationsError::NotFound("course creator request"))?;
                if user_of(&caller) != Some(UserId(row.user_id)) {
                    let lineage = crate::tx::lineage(tx, OrganizationId(row.organization_id))?
                        .ok_or(OrganizationsError::NotFound("organization"))?;
                    authorize(
                        &caller,
                        Action::DecideCourseCreatorRequests,
                        Place::Organization(&lineage),
                    )?;
                }
                let short_names = short_names_of(tx, std::slice::from_ref(&row))?;
                Ok(CourseCreatorRequest::from_row(row, &short_names))
            })
            .await
    }

    /// Grants or denies a pending request. Granting makes the
    /// `course_creator` grant on the request's organization in the same
    /// transaction (unless the user holds it already).
    pub async fn decide_course_creator_request(
        &self,
        caller: &Caller,
        scope: TenantScope,
        id: i64,
        decision: CreatorDecision,
    ) -> Result<CourseCreatorRequest, OrganizationsError> {
        atrium_permissions::authenticated(caller)?;
        let mut errors = ValidationErrors::default();
        let granting = match decision.state.as_str() {
            "granted" => true,
            "denied" => false,
            _ => {
                errors.add("state", "must be `granted` or `denied`");
                false
            }
        };
        if let Some(reason) = &decision.reason {
            check_text(&mut errors, "reason", reason);
        }
        errors.into_result()?;
        let author = Author::of(caller);
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                let row = creator_requests::find(tx, id)?
                    .ok_or(OrganizationsError::NotFound("course creator request"))?;
                let org_id = OrganizationId(row.organization_id);
                let lineage = crate::tx::lineage(tx, org_id)?
                    .ok_or(OrganizationsError::NotFound("organization"))?;
                authorize(
                    &caller,
                    Action::DecideCourseCreatorRequests,
                    Place::Organization(&lineage),
                )?;
                let decider = user_of(&caller).ok_or_else(|| {
                    Denied::Forbidden(Action::DecideCourseCreatorRequests.describe())
                })?;
                let short_names = short_names_of(tx, std::slice::from_ref(&row))?;
                let before = CourseCreatorRequest::from_row(row.clone(), &short_names);
                if row.state != "pending" {
                    return Err(OrganizationsError::Conflict(format!(
                        "the request is {}: only a pending request can be decided",
                        row.state
                    )));
                }
                let state = if granting { "granted" } else { "denied" };
                let decided =
                    creator_requests::decide(tx, id, state, decider.0).map_err(|e| match e {
                        DbError::NotFound => {
                            OrganizationsError::Conflict("the request was decided meanwhile".into())
                        }
                        other => other.into(),
                    })?;
                let after = CourseCreatorRequest::from_row(decided, &short_names);
                #[derive(Serialize)]
                struct Decided<'a> {
                    #[serde(flatten)]
                    request: &'a CourseCreatorRequest,
                    reason: Option<&'a str>,
                }
                let action = if granting {
                    "course_creator_request.grant"
                } else {
                    "course_creator_request.deny"
                };
                record_request(
                    tx,
                    &author,
                    action,
                    Some(&before),
                    &Decided {
                        request: &after,
                        reason: decision.reason.as_deref(),
                    },
                    id,
                )?;
                if granting {
                    let user = UserId(row.user_id);
                    let grant_scope = GrantScope::Organization(after.organization.clone());
                    // A user who already holds the role there (granted
                    // directly, before or concurrently with this decision)
                    // keeps that one grant: the request is still granted,
                    // since what it asked for is true.
                    write_grant_unless_held(
                        tx,
                        &author,
                        user,
                        Role::CourseCreator,
                        &grant_scope,
                        Some(org_id),
                    )?;
                }
                Ok(after)
            })
            .await
    }
}
