//! Account administration by a tenant's admins, and the caller's own
//! account (`me`). Every method authorizes here, so REST and GraphQL get
//! the same checks.
//!
//! A tenant must keep an active tenant admin: deactivating or deleting the
//! last one is refused, with the check and the write in one transaction
//! (see [`atrium_permissions::tx::is_last_active_tenant_admin`]).

use std::net::IpAddr;

use atrium_audit::{Author, Change};
use atrium_core::{is_email, OperatorId, Page, PageRequest, UserId, ValidationErrors};
use atrium_db::access::{announce, AccessChange};
use atrium_db::users::{self, UserChanges, UserFilter, UserRow};
use atrium_db::{account_tokens, operators, refresh_tokens, Access, DbError, TenantScope};
use atrium_permissions::{authorize, Action, Caller, Denied, Grant, Place};
use chrono::NaiveDateTime;

use crate::password_rules::check_new_password;
use crate::passwords;
use crate::tokens::Realm;
use crate::{ApiClient, Identity, IdentityError, NewAccount};

/// The longest search text a list takes.
const MAX_SEARCH_CHARS: usize = 255;

/// An account as its admins (and its owner) see it: never its password hash.
/// The audit log records this view too.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Account {
    pub id: UserId,
    pub email: String,
    pub username: String,
    pub name: String,
    pub is_active: bool,
    pub email_verified: bool,
    /// False for an account made without a password: it can sign in only
    /// after a password reset.
    pub has_password: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl From<UserRow> for Account {
    fn from(row: UserRow) -> Self {
        Self {
            id: UserId(row.id),
            has_password: !row.password_hash.is_empty(),
            email: row.email,
            username: row.username,
            name: row.name,
            is_active: row.is_active,
            email_verified: row.email_verified,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// An account as an audit entry shows it: the API's view, and whether the
/// change set a new password (the fact only, never the password or hash).
#[derive(serde::Serialize)]
pub(crate) struct AuditedAccount<'a> {
    #[serde(flatten)]
    account: &'a Account,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    password_changed: bool,
}

/// Records a change of an account in the tenant's audit log.
pub(crate) fn record_account(
    tx: &mut atrium_db::TenantTx<'_>,
    author: &Author,
    action: &str,
    user: UserId,
    before: Option<&Account>,
    after: Option<&Account>,
    password_changed: bool,
) -> Result<(), DbError> {
    let after = after.map(|account| AuditedAccount {
        account,
        password_changed,
    });
    atrium_audit::record(
        tx,
        author,
        Change {
            action,
            target_type: "user",
            target_id: user.to_string(),
            before,
            after: after.as_ref(),
        },
    )
}

/// Which accounts a list shows.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    /// A substring of the email, username or name, ignoring case.
    pub q: Option<String>,
    pub is_active: Option<bool>,
}

/// An account made by an admin. Without a password, none verifies until a
/// password reset sets one.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub username: String,
    pub name: String,
    pub password: Option<String>,
}

/// A change by an admin; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountPatch {
    pub email: Option<String>,
    pub username: Option<String>,
    pub name: Option<String>,
    pub is_active: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    User,
    Operator,
    Client,
}

/// The caller, as `me` shows it.
#[derive(Debug, Clone)]
pub struct Me {
    pub kind: CallerKind,
    pub id: i64,
    /// API clients have no email.
    pub email: Option<String>,
    /// Operators and API clients have no username; operators no name.
    pub username: Option<String>,
    pub name: Option<String>,
    pub grants: Vec<Grant>,
    /// An API client's public id, the scopes of this token and its
    /// organization.
    pub client: Option<ApiClient>,
}

/// The caller's change of its own account. A new password needs the
/// current one.
#[derive(Debug, Clone, Default)]
pub struct MePatch {
    pub name: Option<String>,
    pub password: Option<String>,
    pub current_password: Option<String>,
}

/// Trims and lowercases an email, adding an error when it is none.
pub(crate) fn check_email(errors: &mut ValidationErrors, email: &str) -> String {
    let email = email.trim().to_lowercase();
    if !is_email(&email) {
        errors.add("email", "must be an email address");
    }
    email
}

pub(crate) fn check_username(errors: &mut ValidationErrors, username: &str) {
    let valid = (2..=30).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !valid {
        errors.add(
            "username",
            "must be 2 to 30 letters, digits, '_', '.' or '-'",
        );
    }
}

pub(crate) fn check_name(errors: &mut ValidationErrors, name: &str) {
    if name.chars().count() > 255 || name.chars().any(char::is_control) {
        errors.add(
            "name",
            "must be at most 255 characters, without control characters",
        );
    }
}

/// A write's unique violation as the field it concerns.
pub(crate) fn account_write_error(error: DbError) -> IdentityError {
    match error {
        ref unique @ DbError::UniqueViolation { .. } if unique.is_unique_violation_of("email") => {
            IdentityError::Taken("email")
        }
        DbError::UniqueViolation { .. } => IdentityError::Taken("username"),
        DbError::NotFound => IdentityError::NotFound("account"),
        other => other.into(),
    }
}

fn not_found(error: DbError) -> IdentityError {
    match error {
        DbError::NotFound => IdentityError::NotFound("account"),
        other => other.into(),
    }
}

/// Refuses to take the tenant's last active tenant admin away.
/// An API client with `users:write` manages learners' accounts, not those
/// of role holders: changing an admin's email (then resetting its password)
/// or deactivating admins would give a client what its scopes never grant.
fn refuse_a_client_on_a_role_holder(
    tx: &mut atrium_db::TenantTx<'_>,
    caller: &Caller,
    user: UserId,
) -> Result<(), IdentityError> {
    if matches!(caller, Caller::Client { .. })
        && !atrium_permissions::tx::grants_of(tx, user)?.is_empty()
    {
        return Err(Denied::Forbidden("change an account that holds a role".into()).into());
    }
    Ok(())
}

fn keep_an_admin(
    tx: &mut atrium_db::TenantTx<'_>,
    user: UserId,
    what: &'static str,
) -> Result<(), IdentityError> {
    if atrium_permissions::tx::is_last_active_tenant_admin(tx, user)? {
        return Err(IdentityError::LastAdmin(what));
    }
    Ok(())
}

impl Identity {
    /// A page of the tenant's accounts, in creation order.
    pub async fn list_users(
        &self,
        caller: &Caller,
        scope: TenantScope,
        filter: AccountFilter,
        page: PageRequest,
    ) -> Result<Page<Account>, IdentityError> {
        authorize(caller, Action::ViewUsers, Place::Tenant(scope.tenant_id()))?;
        // Checked as sent: trimming or lowercasing changes the length.
        if filter.q.as_ref().is_some_and(|q| {
            q.chars().count() > MAX_SEARCH_CHARS || q.chars().any(char::is_control)
        }) {
            return Err(ValidationErrors::single(
                "q",
                format!(
                    "must be at most {MAX_SEARCH_CHARS} characters, without control characters"
                ),
            )
            .into());
        }
        let search = filter
            .q
            .map(|q| q.trim().to_lowercase())
            .filter(|q| !q.is_empty());
        let filter = UserFilter {
            search,
            is_active: filter.is_active,
        };
        let rows = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                users::list(tx, &filter, page.after, page.fetch_limit())
            })
            .await?;
        Ok(Page::from_rows(rows, page, |row| row.id).map(Account::from))
    }

    pub async fn get_user(
        &self,
        caller: &Caller,
        scope: TenantScope,
        id: UserId,
    ) -> Result<Account, IdentityError> {
        authorize(caller, Action::ViewUsers, Place::Tenant(scope.tenant_id()))?;
        let row = self
            .db
            .tenant(scope, Access::Read, move |tx| users::get(tx, id.0))
            .await
            .map_err(not_found)?;
        Ok(row.into())
    }

    /// Creates an account, with the password given or with none.
    pub async fn create_user(
        &self,
        caller: &Caller,
        scope: TenantScope,
        new: NewUser,
    ) -> Result<Account, IdentityError> {
        authorize(
            caller,
            Action::ManageUsers,
            Place::Tenant(scope.tenant_id()),
        )?;
        let mut errors = ValidationErrors::default();
        let email = check_email(&mut errors, &new.email);
        check_username(&mut errors, &new.username);
        check_name(&mut errors, &new.name);
        if let Some(password) = &new.password {
            check_new_password(&mut errors, "password", password, &[&new.username, &email]);
        }
        errors.into_result()?;
        let hash = match new.password {
            Some(password) => passwords::hash(password).await?,
            // No password verifies against an empty hash.
            None => String::new(),
        };
        let account = NewAccount {
            email,
            username: new.username,
            name: new.name,
            password: String::new(),
        };
        let author = Author::of(caller);
        let created = self
            .db
            .tenant(scope, Access::Write, move |tx| {
                let created = Account::from(crate::tx::insert_account(tx, &account, &hash)?);
                record_account(
                    tx,
                    &author,
                    "user.create",
                    created.id,
                    None,
                    Some(&created),
                    false,
                )?;
                Ok::<_, IdentityError>(created)
            })
            .await?;
        Ok(created)
    }

    /// Changes an account. Deactivating it ends its access at once.
    pub async fn update_user(
        &self,
        caller: &Caller,
        scope: TenantScope,
        id: UserId,
        patch: AccountPatch,
    ) -> Result<Account, IdentityError> {
        authorize(
            caller,
            Action::ManageUsers,
            Place::Tenant(scope.tenant_id()),
        )?;
        let mut errors = ValidationErrors::default();
        let email = patch.email.map(|email| check_email(&mut errors, &email));
        if let Some(username) = &patch.username {
            check_username(&mut errors, username);
        }
        if let Some(name) = &patch.name {
            check_name(&mut errors, name);
        }
        errors.into_result()?;
        let deactivating = patch.is_active == Some(false);
        let author = Author::of(caller);
        let caller = caller.clone();
        let row = self
            .db
            .tenant(scope, Access::Write, move |tx| {
                let current = users::get(tx, id.0).map_err(not_found)?;
                refuse_a_client_on_a_role_holder(tx, &caller, id)?;
                if deactivating && current.is_active {
                    keep_an_admin(tx, id, "the last active tenant admin cannot be deactivated")?;
                }
                let changes = UserChanges {
                    email: email.as_deref(),
                    username: patch.username.as_deref(),
                    name: patch.name.as_deref(),
                    is_active: patch.is_active,
                    password_hash: None,
                };
                let row = users::update(tx, id.0, &changes).map_err(account_write_error)?;
                let email_changed = email.as_deref().is_some_and(|e| e != current.email);
                if deactivating || email_changed {
                    // Its logins do not come back with a reactivation, nor
                    // outlive a change of the address they answer to.
                    refresh_tokens::revoke_user(tx, id.0)?;
                }
                if email_changed {
                    // Links mailed to the old address stop working.
                    account_tokens::spend_all_of(tx, id.0)?;
                }
                if patch.is_active.is_some() {
                    // Every replica forgets what it cached of the account
                    // once this commits: a deactivated one's tokens stop
                    // working, a reactivated one's work again.
                    announce(
                        tx,
                        &AccessChange::User {
                            tenant: scope.tenant_id(),
                            user: id,
                        },
                    )?;
                }
                let after = Account::from(row);
                let before = Account::from(current);
                record_account(
                    tx,
                    &author,
                    "user.update",
                    id,
                    Some(&before),
                    Some(&after),
                    false,
                )?;
                Ok::<_, IdentityError>(after)
            })
            .await?;
        Ok(row)
    }

    /// Deletes an account with its role assignments and tokens; its access
    /// ends at once.
    pub async fn delete_user(
        &self,
        caller: &Caller,
        scope: TenantScope,
        id: UserId,
    ) -> Result<(), IdentityError> {
        authorize(
            caller,
            Action::ManageUsers,
            Place::Tenant(scope.tenant_id()),
        )?;
        let author = Author::of(caller);
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                let before = Account::from(users::get(tx, id.0).map_err(not_found)?);
                refuse_a_client_on_a_role_holder(tx, &caller, id)?;
                keep_an_admin(tx, id, "the last active tenant admin cannot be deleted")?;
                users::delete(tx, id.0).map_err(not_found)?;
                announce(
                    tx,
                    &AccessChange::User {
                        tenant: scope.tenant_id(),
                        user: id,
                    },
                )?;
                record_account(tx, &author, "user.delete", id, Some(&before), None, false)?;
                Ok::<_, IdentityError>(())
            })
            .await
    }

    /// The caller's own account; `scope` is the tenant of the request's
    /// host (`None` on the platform host).
    pub async fn me(
        &self,
        caller: &Caller,
        scope: Option<TenantScope>,
    ) -> Result<Me, IdentityError> {
        match caller {
            Caller::Anonymous => Err(Denied::Unauthenticated.into()),
            Caller::Operator { id } => {
                let id = *id;
                let row = self
                    .db
                    .platform(Access::Read, move |tx| operators::find(tx, id.0))
                    .await?
                    .ok_or(IdentityError::InvalidToken("operator no longer exists"))?;
                Ok(Me {
                    kind: CallerKind::Operator,
                    id: row.id,
                    email: Some(row.email),
                    username: None,
                    name: None,
                    grants: Vec::new(),
                    client: None,
                })
            }
            Caller::User { id, grants, .. } => {
                let row = self.own_account(scope, *id).await?;
                Ok(Me {
                    kind: CallerKind::User,
                    id: row.id,
                    email: Some(row.email),
                    username: Some(row.username),
                    name: Some(row.name),
                    grants: grants.to_vec(),
                    client: None,
                })
            }
            Caller::Client { id, scopes, .. } => {
                let scope = scope.ok_or(IdentityError::InvalidToken(
                    "a client's token on the platform host",
                ))?;
                let mut client = self.calling_client(caller, scope).await?;
                // What this token may do, which a narrowed grant makes less
                // than what the client holds.
                client.scopes = *scopes;
                Ok(Me {
                    kind: CallerKind::Client,
                    id: id.0,
                    email: None,
                    username: None,
                    name: Some(client.name.clone()),
                    grants: Vec::new(),
                    client: Some(client),
                })
            }
        }
    }

    async fn own_account(
        &self,
        scope: Option<TenantScope>,
        id: UserId,
    ) -> Result<UserRow, IdentityError> {
        let scope = scope.ok_or(IdentityError::InvalidToken(
            "a user's token on the platform host",
        ))?;
        self.db
            .tenant(scope, Access::Read, move |tx| users::get(tx, id.0))
            .await
            .map_err(|e| match e {
                DbError::NotFound => IdentityError::InvalidToken("account deleted"),
                other => other.into(),
            })
    }

    /// Changes the caller's own name (users) and password (users and
    /// operators). A new password needs `current_password`; a wrong one is
    /// a field error on `current_password` (400, not 403: the caller is
    /// allowed, the request is not right) and counts as a failed login of
    /// the account's name, so a stolen token cannot guess freely.
    pub async fn update_me(
        &self,
        caller: &Caller,
        scope: Option<TenantScope>,
        patch: MePatch,
        client: Option<IpAddr>,
    ) -> Result<Me, IdentityError> {
        let (realm, login, hash, personal) = match caller {
            Caller::Anonymous => return Err(Denied::Unauthenticated.into()),
            Caller::Client { .. } => {
                return Err(
                    Denied::Forbidden("change an API client (its admin manages it)".into()).into(),
                )
            }
            Caller::Operator { id } => {
                let id = *id;
                let row = self
                    .db
                    .platform(Access::Read, move |tx| operators::find(tx, id.0))
                    .await?
                    .ok_or(IdentityError::InvalidToken("operator no longer exists"))?;
                (
                    Realm::Platform,
                    row.email.clone(),
                    row.password_hash,
                    vec![row.email],
                )
            }
            Caller::User { tenant, id, .. } => {
                let row = self.own_account(scope, *id).await?;
                (
                    Realm::Tenant(*tenant),
                    row.username.clone(),
                    row.password_hash,
                    vec![row.username, row.email],
                )
            }
        };
        let mut errors = ValidationErrors::default();
        if let Some(name) = &patch.name {
            match caller {
                Caller::Operator { .. } => errors.add("name", "operators have no name"),
                _ => check_name(&mut errors, name),
            }
        }
        if let Some(password) = &patch.password {
            let personal: Vec<&str> = personal.iter().map(String::as_str).collect();
            check_new_password(&mut errors, "password", password, &personal);
            if patch.current_password.is_none() {
                errors.add("current_password", "is required to change the password");
            }
        }
        errors.into_result()?;
        let new_hash = match (&patch.password, &patch.current_password) {
            (Some(password), Some(current)) => {
                let attempt = self.throttle.attempt(realm, &[&login], client).await?;
                let matches = passwords::verify(current.clone(), Some(hash)).await;
                if !self.unless_abandoned(matches, &attempt).await? {
                    return Err(ValidationErrors::single(
                        "current_password",
                        "is not the account's current password",
                    )
                    .into());
                }
                self.throttle.succeeded(attempt).await?;
                Some(passwords::hash(password.clone()).await?)
            }
            _ => None,
        };
        let author = Author::of(caller);
        match caller {
            Caller::Operator { id } => {
                if let Some(hash) = new_hash {
                    let id: OperatorId = *id;
                    self.db
                        .platform(Access::Write, move |tx| {
                            operators::set_password_hash(tx, id.0, &hash)?;
                            // A new password ends every login made with
                            // the old one (refresh tokens; access tokens
                            // run out within their short lifetime).
                            refresh_tokens::operators::revoke_operator(tx, id.0)?;
                            atrium_audit::record_platform(
                                tx,
                                &author,
                                Change {
                                    action: "operator.update",
                                    target_type: "operator",
                                    target_id: id.to_string(),
                                    before: None::<&()>,
                                    after: Some(&serde_json::json!({"password_changed": true})),
                                },
                            )
                        })
                        .await?;
                }
            }
            Caller::User { id, .. } if patch.name.is_some() || new_hash.is_some() => {
                let scope = scope.ok_or(IdentityError::InvalidToken(
                    "a user's token on the platform host",
                ))?;
                let id = *id;
                let name = patch.name.clone();
                self.db
                    .tenant(scope, Access::Write, move |tx| {
                        let before = Account::from(users::get(tx, id.0)?);
                        let changes = UserChanges {
                            name: name.as_deref(),
                            password_hash: new_hash.as_deref(),
                            ..UserChanges::default()
                        };
                        let row = users::update(tx, id.0, &changes)?;
                        if changes.password_hash.is_some() {
                            // As for operators: the old password's logins end.
                            refresh_tokens::revoke_user(tx, id.0)?;
                        }
                        let after = Account::from(row);
                        record_account(
                            tx,
                            &author,
                            "user.update",
                            id,
                            Some(&before),
                            Some(&after),
                            changes.password_hash.is_some(),
                        )
                    })
                    .await
                    .map_err(|e| match e {
                        DbError::NotFound => IdentityError::InvalidToken("account deleted"),
                        other => other.into(),
                    })?;
            }
            _ => {}
        }
        self.me(caller, scope).await
    }
}
