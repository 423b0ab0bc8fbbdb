//! Content libraries of a tenant, each in one of its organizations.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::{DbError, DbResult};
use crate::now;
use crate::schema::libraries;
use crate::tenancy::{RowLock, TenantTx};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = libraries)]
pub struct LibraryRow {
    pub id: i64,
    pub organization_id: i64,
    pub library_key: String,
    pub slug: String,
    pub display_name: String,
    pub description: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub struct NewLibrary<'a> {
    pub organization_id: i64,
    pub library_key: &'a str,
    pub slug: &'a str,
    pub display_name: &'a str,
    pub description: &'a str,
}

/// Inserts a library (a taken key is a unique violation).
pub fn insert(tx: &mut TenantTx<'_>, new: NewLibrary<'_>) -> DbResult<LibraryRow> {
    let at = now();
    let id = diesel::insert_into(libraries::table)
        .values((
            libraries::tenant_id.eq(tx.tenant()),
            libraries::organization_id.eq(new.organization_id),
            libraries::library_key.eq(new.library_key),
            libraries::slug.eq(new.slug),
            libraries::display_name.eq(new.display_name),
            libraries::description.eq(new.description),
            libraries::version.eq(1),
            libraries::created_at.eq(at),
            libraries::updated_at.eq(at),
        ))
        .returning(libraries::id)
        .get_result(tx.conn)?;
    Ok(LibraryRow {
        id,
        organization_id: new.organization_id,
        library_key: new.library_key.to_owned(),
        slug: new.slug.to_owned(),
        display_name: new.display_name.to_owned(),
        description: new.description.to_owned(),
        version: 1,
        created_at: at,
        updated_at: at,
    })
}

/// Which libraries a listing shows: all of the tenant's, or those of
/// `organizations` and those whose key is one of `keys`.
#[derive(Debug, Clone, Default)]
pub struct Visible {
    pub everything: bool,
    pub organizations: Vec<i64>,
    pub keys: Vec<String>,
}

/// A page of the libraries `visible` shows, in id order.
pub fn list(
    tx: &mut TenantTx<'_>,
    visible: &Visible,
    after: Option<i64>,
    limit: i64,
) -> DbResult<Vec<LibraryRow>> {
    let mut query = libraries::table
        .filter(libraries::tenant_id.eq(tx.tenant()))
        .filter(libraries::id.gt(after.unwrap_or(0)))
        .into_boxed();
    if !visible.everything {
        query = query.filter(
            libraries::organization_id
                .eq_any(visible.organizations.clone())
                .or(libraries::library_key.eq_any(visible.keys.clone())),
        );
    }
    Ok(query
        .order(libraries::id)
        .limit(limit)
        .select(LibraryRow::as_select())
        .load(tx.conn)?)
}

/// What a change of a library sets.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = libraries)]
pub struct LibraryChanges<'a> {
    pub display_name: &'a str,
    pub description: &'a str,
}

/// Writes `changes` over version `version` of library `id` and makes it
/// the next version, in one statement: `NotFound` when the library is no
/// longer at `version` (a concurrent change came first), so an `If-Match`
/// checked against the version read holds.
pub fn update(
    tx: &mut TenantTx<'_>,
    id: i64,
    version: i64,
    changes: &LibraryChanges<'_>,
) -> DbResult<NaiveDateTime> {
    let at = now();
    let updated = diesel::update(
        libraries::table
            .filter(libraries::tenant_id.eq(tx.tenant()))
            .filter(libraries::id.eq(id))
            .filter(libraries::version.eq(version)),
    )
    .set((
        changes,
        libraries::version.eq(version + 1),
        libraries::updated_at.eq(at),
    ))
    .execute(tx.conn)?;
    if updated == 0 {
        return Err(DbError::NotFound);
    }
    Ok(at)
}

/// Deletes library `id` (`NotFound` when the tenant has none).
pub fn delete(tx: &mut TenantTx<'_>, id: i64) -> DbResult<()> {
    let deleted = diesel::delete(
        libraries::table
            .filter(libraries::tenant_id.eq(tx.tenant()))
            .filter(libraries::id.eq(id)),
    )
    .execute(tx.conn)?;
    if deleted == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// The library of this tenant whose key is `key`.
pub fn find_by_key(tx: &mut TenantTx<'_>, key: &str) -> DbResult<Option<LibraryRow>> {
    Ok(libraries::table
        .filter(libraries::tenant_id.eq(tx.tenant()))
        .filter(libraries::library_key.eq(key))
        .select(LibraryRow::as_select())
        .first(tx.conn)
        .optional()?)
}

/// The library of this tenant whose key is `key`, held until the
/// transaction ends as `lock` says (see [`crate::courses::find_by_key_locked`]).
pub fn find_by_key_locked(
    tx: &mut TenantTx<'_>,
    key: &str,
    lock: RowLock,
) -> DbResult<Option<LibraryRow>> {
    let tenant = tx.tenant();
    let query = libraries::table
        .filter(libraries::tenant_id.eq(tenant))
        .filter(libraries::library_key.eq(key))
        .select(LibraryRow::as_select());
    Ok(match &mut *tx.conn {
        DbConnection::Postgres(pg) => match lock {
            RowLock::Update => query.for_update().first(pg).optional()?,
            RowLock::Share => query.for_share().first(pg).optional()?,
        },
        DbConnection::Sqlite(_) => find_by_key(tx, key)?,
    })
}

/// How many libraries `organization` holds, for the check that refuses
/// deleting an organization with libraries.
pub fn count_in_organization(tx: &mut TenantTx<'_>, organization: i64) -> DbResult<i64> {
    Ok(libraries::table
        .filter(libraries::tenant_id.eq(tx.tenant()))
        .filter(libraries::organization_id.eq(organization))
        .count()
        .get_result(tx.conn)?)
}
