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

/// Which accounts a list shows.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// A lowercase substring of the email, username or name.
    pub search: Option<String>,
    pub is_active: Option<bool>,
}

/// `%`, `_` and the escape character itself match literally.
fn like_pattern(search: &str) -> String {
    let mut pattern = String::with_capacity(search.len() + 2);
    pattern.push('%');
    for c in search.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Accounts in id order after `after`, at most `limit`.
pub fn list(
    tx: &mut TenantTx<'_>,
    filter: &UserFilter,
    after: Option<i64>,
    limit: i64,
) -> DbResult<Vec<UserRow>> {
    let mut query = users::table
        .filter(users::tenant_id.eq(tx.tenant()))
        .filter(users::id.gt(after.unwrap_or(0)))
        .into_boxed();
    if let Some(search) = &filter.search {
        let pattern = like_pattern(search);
        query = query.filter(
            lower(users::email)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(users::username).like(pattern.clone()).escape('\\'))
                .or(lower(users::name).like(pattern).escape('\\')),
        );
    }
    if let Some(active) = filter.is_active {
        query = query.filter(users::is_active.eq(active));
    }
    Ok(query
        .order(users::id)
        .limit(limit)
        .select(UserRow::as_select())
        .load(tx.conn)?)
}

/// The columns a change may set; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges<'a> {
    pub email: Option<&'a str>,
    pub username: Option<&'a str>,
    pub name: Option<&'a str>,
    pub is_active: Option<bool>,
    pub password_hash: Option<&'a str>,
}

/// Applies `changes` to an account and reads it back; `NotFound` when the
/// tenant has no such account. A taken email or username is a unique
/// violation naming the column.
pub fn update(tx: &mut TenantTx<'_>, id: i64, changes: &UserChanges<'_>) -> DbResult<UserRow> {
    let changed = diesel::update(
        users::table
            .filter(users::tenant_id.eq(tx.tenant()))
            .filter(users::id.eq(id)),
    )
    .set((changes, users::updated_at.eq(now())))
    .execute(tx.conn)?;
    if changed == 0 {
        return Err(crate::DbError::NotFound);
    }
    get(tx, id)
}

/// Deletes an account; its role assignments and tokens go with it (foreign
/// keys cascade). `NotFound` when the tenant has no such account.
pub fn delete(tx: &mut TenantTx<'_>, id: i64) -> DbResult<()> {
    let deleted = diesel::delete(
        users::table
            .filter(users::tenant_id.eq(tx.tenant()))
            .filter(users::id.eq(id)),
    )
    .execute(tx.conn)?;
    if deleted == 0 {
        return Err(crate::DbError::NotFound);
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_match_wildcards_literally() {
        assert_eq!(super::like_pattern("a_b%c\\"), "%a\\_b\\%c\\\\%");
    }
}
