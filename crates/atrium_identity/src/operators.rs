//! Platform operators' administration: list, disable, enable, delete, from
//! the platform API (as an operator) and from the CLI (as whoever runs
//! it). The last active operator cannot be disabled or deleted, so the
//! platform always keeps a way in; every change is announced, so a
//! disabled operator's token stops working on every replica at once.

use atrium_audit::{record_platform, Author, Change};
use atrium_core::{OperatorId, Page, PageRequest};
use atrium_db::access::{announce_platform, AccessChange};
use atrium_db::operators::{self, OperatorRow};
use atrium_db::{refresh_tokens, Access, Db, DbError, PlatformTx};
use atrium_permissions::{authorize, Action, Caller, Place};
use chrono::NaiveDateTime;

use crate::{Identity, IdentityError};

/// A platform operator as administration shows it (never its hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Operator {
    pub id: OperatorId,
    pub email: String,
    pub is_active: bool,
    pub created_at: NaiveDateTime,
}

impl From<OperatorRow> for Operator {
    fn from(row: OperatorRow) -> Self {
        Self {
            id: OperatorId(row.id),
            email: row.email,
            is_active: row.is_active,
            created_at: row.created_at,
        }
    }
}

/// Which operator: the API names it by id, the CLI by email.
#[derive(Debug, Clone)]
pub enum OperatorRef {
    Id(OperatorId),
    Email(String),
}

fn find(tx: &mut PlatformTx<'_>, which: &OperatorRef) -> Result<OperatorRow, IdentityError> {
    match which {
        OperatorRef::Id(id) => operators::find(tx, id.0)?,
        OperatorRef::Email(email) => operators::find_by_email(tx, &email.trim().to_lowercase())?,
    }
    .ok_or(IdentityError::UnknownOperator)
}

/// Refuses to take away the last active operator; checked under row locks
/// inside the write (see `operators::other_active_locked`).
fn keep_one_active(tx: &mut PlatformTx<'_>, row: &OperatorRow) -> Result<(), IdentityError> {
    if row.is_active && operators::other_active_locked(tx, row.id)? == 0 {
        return Err(IdentityError::LastOperator);
    }
    Ok(())
}

/// Enables or disables an operator; `409` for the last active one.
pub async fn set_operator_active(
    db: &Db,
    which: OperatorRef,
    active: bool,
    author: &Author,
) -> Result<Operator, IdentityError> {
    let author = author.clone();
    db.platform(Access::Write, move |tx| {
        let row = find(tx, &which)?;
        if !active {
            keep_one_active(tx, &row)?;
        }
        let before = Operator::from(row.clone());
        let row = operators::set_active(tx, row.id, active)?;
        if !active {
            // Its logins do not come back with a re-enabling.
            refresh_tokens::operators::revoke_operator(tx, row.id)?;
        }
        announce_platform(tx, &AccessChange::Operator(OperatorId(row.id)))?;
        let after = Operator::from(row);
        record_platform(
            tx,
            &author,
            Change {
                action: "operator.update",
                target_type: "operator",
                target_id: after.id.to_string(),
                before: Some(&before),
                after: Some(&after),
            },
        )?;
        Ok(after)
    })
    .await
}

/// Deletes an operator; `409` for the last active one.
pub async fn delete_operator(
    db: &Db,
    which: OperatorRef,
    author: &Author,
) -> Result<Operator, IdentityError> {
    let author = author.clone();
    db.platform(Access::Write, move |tx| {
        let row = find(tx, &which)?;
        keep_one_active(tx, &row)?;
        operators::delete(tx, row.id).map_err(|e| match e {
            DbError::NotFound => IdentityError::UnknownOperator,
            other => other.into(),
        })?;
        announce_platform(tx, &AccessChange::Operator(OperatorId(row.id)))?;
        let before = Operator::from(row);
        record_platform(
            tx,
            &author,
            Change {
                action: "operator.delete",
                target_type: "operator",
                target_id: before.id.to_string(),
                before: Some(&before),
                after: None::<&()>,
            },
        )?;
        Ok(before)
    })
    .await
}

/// A page of operators, by id.
pub async fn list_operators(db: &Db, page: PageRequest) -> Result<Page<Operator>, IdentityError> {
    let rows = db
        .platform(Access::Read, move |tx| {
            operators::list(tx, page.after, page.fetch_limit())
        })
        .await?;
    Ok(Page::from_rows(rows, page, |row| row.id).map(Operator::from))
}

impl Identity {
    pub async fn list_operators(
        &self,
        caller: &Caller,
        page: PageRequest,
    ) -> Result<Page<Operator>, IdentityError> {
        authorize(caller, Action::ManageOperators, Place::Platform)?;
        list_operators(&self.db, page).await
    }

    /// Disables or re-enables an operator: a disabled one's tokens are
    /// refused on the next request, on every replica.
    pub async fn set_operator_active(
        &self,
        caller: &Caller,
        id: OperatorId,
        active: bool,
    ) -> Result<Operator, IdentityError> {
        authorize(caller, Action::ManageOperators, Place::Platform)?;
        set_operator_active(&self.db, OperatorRef::Id(id), active, &Author::of(caller)).await
    }

    pub async fn delete_operator(
        &self,
        caller: &Caller,
        id: OperatorId,
    ) -> Result<(), IdentityError> {
        authorize(caller, Action::ManageOperators, Place::Platform)?;
        delete_operator(&self.db, OperatorRef::Id(id), &Author::of(caller)).await?;
        Ok(())
    }
}
