//! Accounts of a tenant. Emails and usernames are unique per tenant,
//! ignoring case.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::error::DbResult;
use crate::now;
use crate::schema::users;
use crate::tenancy::TenantTx;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub username: String,
    pub name: String,
    pub password_hash: String,
    pub is_active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// False while a site that requires verification waits for the owner
    /// to follow the mailed link.
    pub email_verified: bool,
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

pub struct NewUser<'a> {
    pub email: &'a str,
    pub username: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
}

pub fn insert(tx: &mut TenantTx<'_>, new: NewUser<'_>) -> DbResult<UserRow> {
    let created_at = now();
    let id = diesel::insert_into(users::table)
        .values((
            users::tenant_id.eq(tx.tenant()),
            users::email.eq(new.email),
            users::username.eq(new.username),
            users::name.eq(new.name),
            users::password_hash.eq(new.password_hash),
            users::is_active.eq(true),
            users::created_at.eq(created_at),
            users::updated_at.eq(created_at),
        ))
        .returning(users::id)
        .get_result(tx.conn)?;
    Ok(UserRow {
        id,
        email: new.email.to_owned(),
        username: new.username.to_owned(),
        name: new.name.to_owned(),
        password_hash: new.password_hash.to_owned(),
        is_active: true,
        created_at,
        updated_at: created_at,
        email_verified: true,
    })
}

/// The account whose username or email is `login`, ignoring case.
pub fn find_by_login(tx: &mut TenantTx<'_>, login: &str) -> DbResult<Option<UserRow>> {
    let login = login.to_lowercase();
    Ok(users::table
        .filter(users::tenant_id.eq(tx.tenant()))
        .filter(
            lower(users::username)
                .eq(&login)
                .or(lower(users::email).eq(&login)),
        )
        .select(UserRow::as_select())
        .first(tx.conn)
        .optional()?)
}

pub fn get(tx: &mut TenantTx<'_>, id: i64) -> DbResult<UserRow> {
    Ok(users::table
        .filter(users::tenant_id.eq(tx.tenant()))
        .filter(users::id.eq(id))
        .select(UserRow::as_select())
        .first(tx.conn)?)
}

/// Sets a new password hash (a reset, or a change by its owner).
pub fn set_password_hash(tx: &mut TenantTx<'_>, id: i64, password_hash: &str) -> DbResult<()> {
    diesel::update(
        users::table
            .filter(users::tenant_id.eq(tx.tenant()))
            .filter(users::id.eq(id)),
    )
    .set((
        users::password_hash.eq(password_hash),
        users::updated_at.eq(now()),
    ))
    .execute(tx.conn)?;
    Ok(())
}

/// Marks whether the owner has shown the email address is theirs.
pub fn set_email_verified(tx: &mut TenantTx<'_>, id: i64, verified: bool) -> DbResult<()> {
    diesel::update(
        users::table
            .filter(users::tenant_id.eq(tx.tenant()))
            .filter(users::id.eq(id)),
    )
    .set(users::email_verified.eq(verified))
    .execute(tx.conn)?;
    Ok(())
}
