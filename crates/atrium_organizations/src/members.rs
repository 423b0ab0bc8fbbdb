//! Memberships: which users belong to which organization (Tahoe's
//! user ↔ organization mapping, first class here).
//!
//! Adding a member who is one already changes only its `is_active` (when
//! sent) and answers the membership as it now is, so that a client can
//! repeat the call safely; the gateway tells the two apart (`201` made,
//! `200` existed). A user the tenant does not have is a `404`.

use std::collections::HashMap;

use atrium_audit::{Author, Change};
use atrium_core::{OrganizationId, Page, PageRequest, UserId};
use atrium_db::memberships::{self, MembershipRow};
use atrium_db::{organizations, Access, TenantScope};
use atrium_permissions::{authorize, Action, Caller, Place};
use chrono::NaiveDateTime;

use crate::tree::{find, lineage_of};
use crate::{Organizations, OrganizationsError};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Membership {
    pub organization_id: OrganizationId,
    /// The organization's short name.
    pub organization: String,
    pub user_id: UserId,
    pub is_active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Membership {
    pub(crate) fn from_row(row: MembershipRow, organization: String) -> Self {
        Self {
            organization_id: OrganizationId(row.organization_id),
            organization,
            user_id: UserId(row.user_id),
            is_active: row.is_active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn no_user() -> OrganizationsError {
    OrganizationsError::NotFound("user")
}

impl Organizations {
    /// A page of an organization's members, in user id order.
    pub async fn list_members(
        &self,
        caller: &Caller,
        scope: TenantScope,
        short_name: String,
        page: PageRequest,
    ) -> Result<Page<Membership>, OrganizationsError> {
        atrium_permissions::authenticated(caller)?;
        let caller = caller.clone();
        let rows = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                let org = find(tx, &short_name)?;
                authorize(
                    &caller,
                    Action::ViewMembers,
                    Place::Organization(&lineage_of(tx, &org)?),
                )?;
                let rows =
                    memberships::of_organization(tx, org.id.0, page.after, page.fetch_limit())?;
                Ok::<_, OrganizationsError>(
                    rows.into_iter()
                        .map(|row| Membership::from_row(row, org.short_name.clone()))
                        .collect::<Vec<_>>(),
                )
            })
            .await?;
        Ok(Page::from_rows(rows, page, |m| m.user_id.0))
    }

    /// Adds `user` to an organization, or changes whether its membership is
    /// active; answers the membership and whether it is new.
    pub async fn add_member(
        &self,
        caller: &Caller,
        scope: TenantScope,
        short_name: String,
        user: UserId,
        is_active: Option<bool>,
    ) -> Result<(Membership, bool), OrganizationsError> {
        atrium_permissions::authenticated(caller)?;
        let author = Author::of(caller);
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                let org = find(tx, &short_name)?;
                authorize(
                    &caller,
                    Action::ManageMembers,
                    Place::Organization(&lineage_of(tx, &org)?),
                )?;
                if !memberships::user_exists(tx, user.0)? {
                    return Err(no_user());
                }
                let target_id = format!("{}:{}", org.short_name, user.0);
                // `Err`: a member already, or since a concurrent add
                // committed between the look-up and the insert.
                let added = match memberships::find(tx, org.id.0, user.0)? {
                    Some(current) => Err(current),
                    None => match memberships::insert_unless_member(
                        tx,
                        org.id.0,
                        user.0,
                        is_active.unwrap_or(true),
                    )? {
                        Some(row) => Ok(row),
                        None => Err(memberships::find(tx, org.id.0, user.0)?
                            .ok_or(OrganizationsError::NotFound("membership"))?),
                    },
                };
                let (row, created, before) = match added {
                    Ok(row) => (row, true, None),
                    Err(current) => match is_active {
                        Some(active) if active != current.is_active => {
                            let row = memberships::set_active(tx, org.id.0, user.0, active)?;
                            (row, false, Some(current))
                        }
                        // Nothing changes: no write, no entry.
                        _ => return Ok((Membership::from_row(current, org.short_name), false)),
                    },
                };
                let before = before.map(|row| Membership::from_row(row, org.short_name.clone()));
                let membership = Membership::from_row(row, org.short_name.clone());
                atrium_audit::record(
                    tx,
                    &author,
                    Change {
                        action: if created {
                            "membership.create"
                        } else {
                            "membership.update"
                        },
                        target_type: "membership",
                        target_id,
                        before: before.as_ref(),
                        after: Some(&membership),
                    },
                )?;
                Ok((membership, created))
            })
            .await
    }

    pub async fn remove_member(
        &self,
        caller: &Caller,
        scope: TenantScope,
        short_name: String,
        user: UserId,
    ) -> Result<(), OrganizationsError> {
        atrium_permissions::authenticated(caller)?;
        let author = Author::of(caller);
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                let org = find(tx, &short_name)?;
                authorize(
                    &caller,
                    Action::ManageMembers,
                    Place::Organization(&lineage_of(tx, &org)?),
                )?;
                let current = memberships::find(tx, org.id.0, user.0)?
                    .ok_or(OrganizationsError::NotFound("membership"))?;
                memberships::delete(tx, org.id.0, user.0)?;
                let before = Membership::from_row(current, org.short_name.clone());
                atrium_audit::record(
                    tx,
                    &author,
                    Change::<_, ()> {
                        action: "membership.delete",
                        target_type: "membership",
                        target_id: format!("{}:{}", org.short_name, user.0),
                        before: Some(&before),
                        after: None,
                    },
                )?;
                Ok(())
            })
            .await
    }

    /// A page of `user`'s memberships, in organization id order: for the
    /// tenant's user administrators, and for the user itself.
    pub async fn organizations_of_user(
        &self,
        caller: &Caller,
        scope: TenantScope,
        user: UserId,
        page: PageRequest,
    ) -> Result<Page<Membership>, OrganizationsError> {
        atrium_permissions::authenticated(caller)?;
        let own = matches!(caller, Caller::User { tenant, id, .. }
            if *tenant == scope.tenant_id() && *id == user);
        if !own {
            authorize(caller, Action::ViewUsers, Place::Tenant(scope.tenant_id()))?;
        }
        let rows = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                if !memberships::user_exists(tx, user.0)? {
                    return Err(no_user());
                }
                let rows = memberships::of_user(tx, user.0, page.after, page.fetch_limit())?;
                let ids: Vec<i64> = rows.iter().map(|row| row.organization_id).collect();
                let names: HashMap<i64, String> = organizations::find_by_ids(tx, &ids)?
                    .into_iter()
                    .map(|org| (org.id, org.short_name))
                    .collect();
                Ok(rows
                    .into_iter()
                    .map(|row| {
                        let name = names.get(&row.organization_id).cloned().unwrap_or_default();
                        Membership::from_row(row, name)
                    })
                    .collect::<Vec<_>>())
            })
            .await?;
        Ok(Page::from_rows(rows, page, |m| m.organization_id.0))
    }
}
