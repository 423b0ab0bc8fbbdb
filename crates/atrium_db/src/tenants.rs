//! Tenants (platform table).

use atrium_core::TenantId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::error::DbResult;
use crate::notifications::{notify, ROUTING_CHANNEL};
use crate::now;
use crate::schema::tenants;
use crate::tenancy::PlatformTx;

/// A tenant as read or made here. Its fields are private and it has no
/// public constructor: holding one proves the tenant exists, which is what
/// [`crate::PlatformTx::enter_tenant`] asks for, and its id cannot be
/// changed on the way there.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tenants)]
pub struct TenantRow {
    id: i64,
    slug: String,
    name: String,
    status: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TenantRow {
    pub fn id(&self) -> TenantId {
        TenantId(self.id)
    }

    pub fn slug(&self) -> &str {
        &self.slug
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `active` or `suspended`.
    pub fn status(&self) -> &str {
        &self.status
    }

    pub fn created_at(&self) -> NaiveDateTime {
        self.created_at
    }

    pub fn updated_at(&self) -> NaiveDateTime {
        self.updated_at
    }
}

pub fn insert(tx: &mut PlatformTx<'_>, slug: &str, name: &str) -> DbResult<TenantRow> {
    let created_at = now();
    let id = diesel::insert_into(tenants::table)
        .values((
            tenants::slug.eq(slug),
            tenants::name.eq(name),
            tenants::status.eq("active"),
            tenants::created_at.eq(created_at),
            tenants::updated_at.eq(created_at),
        ))
        .returning(tenants::id)
        .get_result(tx.conn)?;
    Ok(TenantRow {
        id,
        slug: slug.to_owned(),
        name: name.to_owned(),
        status: "active".into(),
        created_at,
        updated_at: created_at,
    })
}

pub fn list(tx: &mut PlatformTx<'_>, after: Option<i64>, limit: i64) -> DbResult<Vec<TenantRow>> {
    Ok(tenants::table
        .filter(tenants::id.gt(after.unwrap_or(0)))
        .order(tenants::id)
        .limit(limit)
        .select(TenantRow::as_select())
        .load(tx.conn)?)
}

pub fn find_by_slug(tx: &mut PlatformTx<'_>, slug: &str) -> DbResult<TenantRow> {
    Ok(tenants::table
        .filter(tenants::slug.eq(slug))
        .select(TenantRow::as_select())
        .first(tx.conn)?)
}

/// The columns an operator may change; `None` leaves a column as it is.
#[derive(Default, AsChangeset)]
#[diesel(table_name = tenants)]
pub struct TenantChanges<'a> {
    pub name: Option<&'a str>,
    pub status: Option<&'a str>,
}

/// Changes name and/or status of `current` (read in the same transaction)
/// in one statement; a status change re-routes every host of the tenant, so
/// replicas are told. Only the version read is touched (same `updated_at`):
/// after a concurrent change the answer is `NotFound`, so an `If-Match`
/// checked against `current` holds.
pub fn update(
    tx: &mut PlatformTx<'_>,
    current: &TenantRow,
    changes: TenantChanges<'_>,
) -> DbResult<TenantRow> {
    let updated = diesel::update(
        tenants::table
            .filter(tenants::id.eq(current.id))
            .filter(tenants::updated_at.eq(current.updated_at)),
    )
    .set((&changes, tenants::updated_at.eq(now())))
    .returning((
        tenants::id,
        tenants::slug,
        tenants::name,
        tenants::status,
        tenants::created_at,
        tenants::updated_at,
    ))
    .get_result::<TenantRow>(tx.conn)?;
    notify(tx.conn, ROUTING_CHANNEL)?;
    Ok(updated)
}

/// Deletes a tenant; every tenant table references `tenants` with
/// `ON DELETE CASCADE`, so all of its rows go with it. Foreign-key
/// cascades run without row-level security: no tenant scope is needed.
pub fn delete(tx: &mut PlatformTx<'_>, slug: &str) -> DbResult<()> {
    let deleted = diesel::delete(tenants::table.filter(tenants::slug.eq(slug))).execute(tx.conn)?;
    if deleted == 0 {
        return Err(crate::DbError::NotFound);
    }
    notify(tx.conn, ROUTING_CHANNEL)
}
