//! Integrators' API clients of a tenant: a public `client_id`, the SHA-256
//! hash of the secret (never the secret), space-separated scopes, and the
//! organization the client is limited to, if any.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::error::{DbError, DbResult};
use crate::now;
use crate::schema::api_clients;
use crate::tenancy::TenantTx;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_clients)]
pub struct ApiClientRow {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    pub secret_hash: String,
    pub scopes: String,
    pub organization_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub struct NewApiClient<'a> {
    pub client_id: &'a str,
    pub name: &'a str,
    pub secret_hash: &'a str,
    pub scopes: &'a str,
    pub organization_id: Option<i64>,
}

pub fn insert(tx: &mut TenantTx<'_>, new: NewApiClient<'_>) -> DbResult<ApiClientRow> {
    let created_at = now();
    let id = diesel::insert_into(api_clients::table)
        .values((
            api_clients::tenant_id.eq(tx.tenant()),
            api_clients::client_id.eq(new.client_id),
            api_clients::name.eq(new.name),
            api_clients::secret_hash.eq(new.secret_hash),
            api_clients::scopes.eq(new.scopes),
            api_clients::organization_id.eq(new.organization_id),
            api_clients::created_at.eq(created_at),
        ))
        .returning(api_clients::id)
        .get_result(tx.conn)?;
    Ok(ApiClientRow {
        id,
        client_id: new.client_id.to_owned(),
        name: new.name.to_owned(),
        secret_hash: new.secret_hash.to_owned(),
        scopes: new.scopes.to_owned(),
        organization_id: new.organization_id,
        created_at,
    })
}

pub fn list(tx: &mut TenantTx<'_>, after: Option<i64>, limit: i64) -> DbResult<Vec<ApiClientRow>> {
    Ok(api_clients::table
        .filter(api_clients::tenant_id.eq(tx.tenant()))
        .filter(api_clients::id.gt(after.unwrap_or(0)))
        .order(api_clients::id)
        .limit(limit)
        .select(ApiClientRow::as_select())
        .load(tx.conn)?)
}

pub fn get(tx: &mut TenantTx<'_>, id: i64) -> DbResult<ApiClientRow> {
    Ok(api_clients::table
        .filter(api_clients::tenant_id.eq(tx.tenant()))
        .filter(api_clients::id.eq(id))
        .select(ApiClientRow::as_select())
        .first(tx.conn)?)
}

/// The client whose public id is `client_id`.
pub fn find_by_client_id(tx: &mut TenantTx<'_>, client_id: &str) -> DbResult<Option<ApiClientRow>> {
    Ok(api_clients::table
        .filter(api_clients::tenant_id.eq(tx.tenant()))
        .filter(api_clients::client_id.eq(client_id))
        .select(ApiClientRow::as_select())
        .first(tx.conn)
        .optional()?)
}

pub fn delete(tx: &mut TenantTx<'_>, id: i64) -> DbResult<()> {
    let tenant = tx.tenant();
    let deleted = diesel::delete(
        api_clients::table
            .filter(api_clients::tenant_id.eq(tenant))
            .filter(api_clients::id.eq(id)),
    )
    .execute(tx.conn)?;
    if deleted == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// How many API clients are limited to `organization_id` (they keep it
/// from being deleted: the foreign key would delete them with it).
pub fn count_in_organization(tx: &mut TenantTx<'_>, organization_id: i64) -> DbResult<i64> {
    Ok(api_clients::table
        .filter(api_clients::tenant_id.eq(tx.tenant()))
        .filter(api_clients::organization_id.eq(organization_id))
        .count()
        .get_result(tx.conn)?)
}
