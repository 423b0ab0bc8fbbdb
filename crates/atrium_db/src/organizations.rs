//! Organizations of a tenant (a tree through `parent_id`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::connection::DbConnection;

use crate::error::DbResult;
use crate::now;
use crate::schema::organizations;
use crate::tenancy::TenantTx;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizations)]
pub struct OrganizationRow {
    pub id: i64,
    pub short_name: String,
    pub name: String,
    pub description: String,
    pub parent_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub logo_url: String,
    pub is_active: bool,
    /// The organization made at provisioning: it cannot be deleted.
    pub is_root: bool,
}

pub struct NewOrganization<'a> {
    pub short_name: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub parent_id: Option<i64>,
    pub logo_url: &'a str,
    pub is_root: bool,
}

pub fn insert(tx: &mut TenantTx<'_>, new: NewOrganization<'_>) -> DbResult<OrganizationRow> {
    let created_at = now();
    let id = diesel::insert_into(organizations::table)
        .values((
            organizations::tenant_id.eq(tx.tenant()),
            organizations::short_name.eq(new.short_name),
            organizations::name.eq(new.name),
            organizations::description.eq(new.description),
            organizations::parent_id.eq(new.parent_id),
            organizations::logo_url.eq(new.logo_url),
            organizations::is_root.eq(new.is_root),
            organizations::created_at.eq(created_at),
            organizations::updated_at.eq(created_at),
        ))
        .returning(organizations::id)
        .get_result(tx.conn)?;
    Ok(OrganizationRow {
        id,
        short_name: new.short_name.to_owned(),
        name: new.name.to_owned(),
        description: new.description.to_owned(),
        parent_id: new.parent_id,
        created_at,
        updated_at: created_at,
        logo_url: new.logo_url.to_owned(),
        is_active: true,
        is_root: new.is_root,
    })
}

/// The organizations among `short_names` that exist in this tenant.
pub fn find_by_short_names(
    tx: &mut TenantTx<'_>,
    short_names: &[String],
) -> DbResult<Vec<OrganizationRow>> {
    Ok(organizations::table
        .filter(organizations::tenant_id.eq(tx.tenant()))
        .filter(organizations::short_name.eq_any(short_names))
        .select(OrganizationRow::as_select())
        .load(tx.conn)?)
}

/// The organization of this tenant whose short name is `short_name`.
pub fn find_by_short_name(
    tx: &mut TenantTx<'_>,
    short_name: &str,
) -> DbResult<Option<OrganizationRow>> {
    Ok(organizations::table
        .filter(organizations::tenant_id.eq(tx.tenant()))
        .filter(organizations::short_name.eq(short_name))
        .select(OrganizationRow::as_select())
        .first(tx.conn)
        .optional()?)
}

/// The organizations among `ids` that exist in this tenant.
pub fn find_by_ids(tx: &mut TenantTx<'_>, ids: &[i64]) -> DbResult<Vec<OrganizationRow>> {
    Ok(organizations::table
        .filter(organizations::tenant_id.eq(tx.tenant()))
        .filter(organizations::id.eq_any(ids))
        .select(OrganizationRow::as_select())
        .load(tx.conn)?)
}

/// The deepest a lineage is followed: the tree is at most 8 deep, so this
/// only stops a cycle that a bug let in from looping forever.
const MAX_CHAIN: i64 = 64;

#[derive(QueryableByName)]
struct ChainLink {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// `organization` and its ancestors, root first, in one recursive query
/// (both backends); empty when the tenant has no such organization.
pub fn lineage(tx: &mut TenantTx<'_>, organization: i64) -> DbResult<Vec<i64>> {
    const SQL: &str = "WITH RECURSIVE chain (id, parent_id, depth) AS ( \
           SELECT id, parent_id, 0 FROM organizations WHERE tenant_id = $1 AND id = $2 \
           UNION ALL \
           SELECT o.id, o.parent_id, c.depth + 1 FROM organizations o \
             JOIN chain c ON o.id = c.parent_id \
            WHERE o.tenant_id = $3 AND c.depth < $4) \
         SELECT id FROM chain ORDER BY depth DESC";
    let tenant = tx.tenant();
    let query = diesel::sql_query(SQL)
        .bind::<BigInt, _>(tenant)
        .bind::<BigInt, _>(organization)
        .bind::<BigInt, _>(tenant)
        .bind::<BigInt, _>(MAX_CHAIN);
    // SQLite reads `$N` as a named parameter, numbered in order of first
    // appearance: each appears once, in order, so the binds line up.
    let links: Vec<ChainLink> = match &mut *tx.conn {
        DbConnection::Postgres(pg) => query.load(pg)?,
        DbConnection::Sqlite(sqlite) => query.load(sqlite)?,
    };
    Ok(links.into_iter().map(|link| link.id).collect())
}

/// Every organization of the tenant as `(id, parent_id)`: the tree's
/// shape, small enough to walk in memory (subtrees, depth checks).
pub fn shape(tx: &mut TenantTx<'_>) -> DbResult<Vec<(i64, Option<i64>)>> {
    Ok(organizations::table
        .filter(organizations::tenant_id.eq(tx.tenant()))
        .select((organizations::id, organizations::parent_id))
        .load(tx.conn)?)
}

/// The children of any of `parents`, in id order (a GraphQL loader's batch).
pub fn children_of(tx: &mut TenantTx<'_>, parents: &[i64]) -> DbResult<Vec<OrganizationRow>> {
    Ok(organizations::table
        .filter(organizations::tenant_id.eq(tx.tenant()))
        .filter(organizations::parent_id.eq_any(parents))
        .order(organizations::id)
        .select(OrganizationRow::as_select())
        .load(tx.conn)?)
}

/// What a change writes; `None` leaves a field as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = organizations)]
pub struct OrganizationChanges<'a> {
    pub name: Option<&'a str>,
    pub description: Option<&'a str>,
    pub logo_url: Option<&'a str>,
    pub is_active: Option<bool>,
    pub parent_id: Option<Option<i64>>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn update(
    tx: &mut TenantTx<'_>,
    id: i64,
    mut changes: OrganizationChanges<'_>,
) -> DbResult<OrganizationRow> {
    changes.updated_at = Some(now());
    let changed = diesel::update(
        organizations::table
            .filter(organizations::tenant_id.eq(tx.tenant()))
            .filter(organizations::id.eq(id)),
    )
    .set(&changes)
    .execute(tx.conn)?;
    if changed == 0 {
        return Err(crate::DbError::NotFound);
    }
    find_by_ids(tx, &[id])?
        .pop()
        .ok_or(crate::DbError::NotFound)
}

/// Deletes an organization; its memberships go with it (cascade).
pub fn delete(tx: &mut TenantTx<'_>, id: i64) -> DbResult<usize> {
    Ok(diesel::delete(
        organizations::table
            .filter(organizations::tenant_id.eq(tx.tenant()))
            .filter(organizations::id.eq(id)),
    )
    .execute(tx.conn)?)
}

/// How a transaction takes the tenant's tree lock (see [`lock_tree`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeLock {
    /// Changes the tree: creates, moves or deletes an organization.
    Change,
    /// Writes a reference to an organization that must not be deleted
    /// meanwhile (a site's `course_org_filter`, an API client, a
    /// course-creator request, a grant).
    Refer,
}

/// Advisory-lock class of "a tenant's organization tree" (PostgreSQL): the
/// second key is the tenant.
const TREE_LOCK: i32 = 0x6f72_6773;

/// Serializes the writes that check the tree's shape and then change it,
/// so that two of them cannot each pass their checks on the tree as it was
/// (two crossing moves making a cycle, a move and a create past the depth
/// limit) and so that a deletion's "nothing holds it" stays true until it
/// commits. Checks and references share the lock; changes take it alone.
/// On SQLite a write transaction holds the database's write lock from
/// `BEGIN IMMEDIATE`, which serializes all of them already.
pub fn lock_tree(tx: &mut TenantTx<'_>, lock: TreeLock) -> DbResult<()> {
    tx.lock_tenant(TREE_LOCK, lock == TreeLock::Refer)
}
