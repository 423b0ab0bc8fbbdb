//! The identity service: accounts, logins and the authentication of requests.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use atrium_core::{
    is_email, CacheCounters, CacheReport, OperatorId, SiteId, TenantId, UserId, ValidationErrors,
};
use atrium_db::users::UserRow;
use atrium_db::{operators, users, Access, Db, DbError, TenantScope};
use atrium_permissions::{Caller, Grant, GrantScope};
use atrium_sites::ConfigHelpers;

use crate::keys::{Jwks, KeyStore};
use crate::password_rules::check_new_password;
use crate::passwords;
use crate::throttle::{Attempt, LoginThrottle, ThrottleLimits};
use crate::tokens::{self, Realm, Subject};
use crate::IdentityError;

/// How long a user's grants (and an operator's state) stay cached. Every
/// change is announced to every replica (see `access.rs`), which drops the
/// entry at once; this only bounds the damage of a bug in that.
const GRANTS_TTL: Duration = Duration::from_secs(30);

/// The grants cache's bound, in bytes as [`grants_weight`] counts them: a
/// user may hold a grant on each of thousands of courses, so a count of
/// users would not bound the memory.
const GRANTS_CACHE_BYTES: u64 = 64 << 20;

/// What a user's cached grants cost: each grant and the name in its scope,
/// and moka's bookkeeping of the entry (about 200 bytes).
fn grants_weight(grants: &Option<Arc<[Grant]>>) -> u32 {
    let grants = grants.as_deref().unwrap_or_default();
    let names: usize = grants
        .iter()
        .map(|grant| match &grant.scope {
            GrantScope::Tenant => 0,
            GrantScope::Organization(name) | GrantScope::Course(name) => name.len(),
        })
        .sum();
    let bytes = 200 + std::mem::size_of_val(grants) + names;
    u32::try_from(bytes).unwrap_or(u32::MAX)
}

/// `(tenant, user)` → the grants of an active user, at most `max_bytes` of
/// them.
fn grants_cache(max_bytes: u64) -> moka::sync::Cache<(TenantId, UserId), Option<Arc<[Grant]>>> {
    moka::sync::Cache::builder()
        .max_capacity(max_bytes)
        .weigher(|_, grants| grants_weight(grants))
        .time_to_live(GRANTS_TTL)
        .build()
}

/// An access token as the token endpoint answers it.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: u64,
    /// The next refresh token of the login's family (`sessions`).
    pub refresh_token: Option<String>,
}

/// A new account, validated by [`NewAccount::validate`].
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: String,
    pub username: String,
    pub name: String,
    pub password: String,
}

impl NewAccount {
    /// Field errors for every rule the account breaks; normalizes the email
    /// to lowercase.
    pub fn validate(&mut self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        self.email = crate::accounts::check_email(&mut errors, &self.email);
        crate::accounts::check_username(&mut errors, &self.username);
        crate::accounts::check_name(&mut errors, &self.name);
        check_new_password(
            &mut errors,
            "password",
            &self.password,
            &[&self.username, &self.email],
        );
        errors.into_result()
    }
}

pub struct Identity {
    pub(crate) db: Db,
    pub(crate) keys: Arc<KeyStore>,
    /// Where a site's registration gate (and mail settings) are read.
    pub(crate) site_config: Arc<ConfigHelpers>,
    access_ttl_secs: u64,
    /// `refresh_token_ttl_secs`: how long a login's refresh tokens live.
    pub(crate) refresh_ttl_secs: u64,
    /// `(tenant, user)` → the grants of an active user, `None` for an
    /// account that no longer exists or was deactivated.
    pub(crate) grants: moka::sync::Cache<(TenantId, UserId), Option<Arc<[Grant]>>>,
    /// Operator → whether it exists and is active.
    pub(crate) operators: moka::sync::Cache<OperatorId, bool>,
    /// Tokens whose signature and claims were checked already: a signature
    /// check costs more than the rest of a cached request.
    pub(crate) verified: moka::sync::Cache<Arc<str>, tokens::Verified>,
    /// Failed logins and registrations per name and client address.
    pub(crate) throttle: LoginThrottle,
    /// API clients' scopes, per `(tenant, client)` (see [`crate::clients`]).
    pub(crate) clients: crate::clients::ClientCache,
    /// Lifetime of a client credentials token (`client_token_ttl_secs`).
    pub(crate) client_ttl_secs: u64,
    /// Counts access changes heard (see `access.rs`).
    pub(crate) access_epoch: std::sync::atomic::AtomicU64,
    /// Password resets and email verification (`recovery.rs`).
    pub(crate) recovery: crate::recovery::RecoveryOptions,
    /// Hits and misses of the caches above, for `/metrics`.
    pub(crate) counters: IdentityCacheCounters,
}

/// One [`CacheCounters`] per cache every authenticated request reads.
#[derive(Debug, Default)]
pub(crate) struct IdentityCacheCounters {
    pub(crate) verified_tokens: CacheCounters,
    pub(crate) grants: CacheCounters,
    pub(crate) operators: CacheCounters,
    pub(crate) api_clients: CacheCounters,
}

impl Identity {
    pub fn new(
        db: Db,
        keys: Arc<KeyStore>,
        site_config: Arc<ConfigHelpers>,
        access_ttl_secs: u64,
        refresh_ttl_secs: u64,
        limits: ThrottleLimits,
    ) -> Self {
        let grants = grants_cache(GRANTS_CACHE_BYTES);
        let operators = moka::sync::Cache::builder()
            .max_capacity(10_000)
            .time_to_live(GRANTS_TTL)
            .build();
        let verified = moka::sync::Cache::builder()
            .max_capacity(50_000)
            .time_to_idle(Duration::from_secs(120))
            .build();
        Self {
            throttle: LoginThrottle::new(&db, limits),
            db,
            keys,
            site_config,
            access_ttl_secs,
            refresh_ttl_secs,
            grants,
            operators,
            verified,
            clients: crate::clients::client_cache(),
            client_ttl_secs: access_ttl_secs,
            access_epoch: Default::default(),
            recovery: Default::default(),
            counters: Default::default(),
        }
    }

    /// Sets the lifetime of client credentials tokens (the access tokens'
    /// lifetime until then).
    pub fn with_client_token_ttl(mut self, secs: u64) -> Self {
        self.client_ttl_secs = secs;
        self
    }

    /// The public keys that verify tokens now.
    pub fn jwks(&self) -> Jwks {
        self.keys.jwks()
    }

    /// The caches that authenticate requests, for `/metrics`:
    /// `verified_tokens` (a miss is a signature check), `grants`,
    /// `operators` and `api_clients` (a miss is a database read).
    pub fn cache_reports(&self) -> [CacheReport; 4] {
        fn entries<K, V>(cache: &moka::sync::Cache<K, V>) -> u64
        where
            K: std::hash::Hash + Eq + Send + Sync + 'static,
            V: Clone + Send + Sync + 'static,
        {
            cache.run_pending_tasks();
            cache.entry_count()
        }
        let counters = &self.counters;
        [
            (counters.verified_tokens).report("verified_tokens", entries(&self.verified)),
            (counters.grants).report("grants", entries(&self.grants)),
            (counters.operators).report("operators", entries(&self.operators)),
            (counters.api_clients).report("api_clients", entries(&self.clients)),
        ]
    }

    /// This replica's signing keys.
    pub fn keys(&self) -> &KeyStore {
        &self.keys
    }

    /// Creates a platform operator.
    pub async fn create_operator(
        &self,
        email: &str,
        password: &str,
    ) -> Result<OperatorId, IdentityError> {
        create_operator(
            &self.db,
            email,
            password,
            &atrium_audit::Author::command_line(),
        )
        .await
    }

    /// Password grant on the platform host. `client` is the address the
    /// attempt came from, for the limits on guessing.
    pub async fn login_operator(
        &self,
        login: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<IssuedToken, IdentityError> {
        let attempt = self
            .throttle
            .attempt(Realm::Platform, &[login], client)
            .await?;
        let email = login.trim().to_lowercase();
        let found = self
            .db
            .platform(Access::Read, move |tx| operators::find_by_email(tx, &email))
            .await?;
        // A disabled operator is refused like an unknown one (the hash is
        // still checked, so the answer takes as long).
        let (id, hash) = match found {
            Some(row) => (row.is_active.then_some(row.id), Some(row.password_hash)),
            None => (None, None),
        };
        let matches = passwords::verify(password.to_owned(), hash).await;
        if !self.unless_abandoned(matches, &attempt).await? {
            return Err(IdentityError::InvalidCredentials);
        }
        let id = id.ok_or(IdentityError::InvalidCredentials)?;
        self.throttle.succeeded(attempt).await?;
        self.start_session(None, id).await
    }

    /// Password grant on a tenant host (its site `site`): `login` is a
    /// username or an email; `client` as for [`Identity::login_operator`].
    pub async fn login_user(
        &self,
        scope: TenantScope,
        site: SiteId,
        login: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<IssuedToken, IdentityError> {
        let realm = Realm::Tenant(scope.tenant_id());
        let attempt = self.throttle.attempt(realm, &[login], client).await?;
        let login = login.trim().to_owned();
        let found = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                users::find_by_login(tx, &login)
            })
            .await?;
        let found = found.filter(|user| user.is_active);
        let (id, hash, verified) = match found {
            Some(row) => (Some(row.id), Some(row.password_hash), row.email_verified),
            None => (None, None, false),
        };
        let matches = passwords::verify(password.to_owned(), hash).await;
        if !self.unless_abandoned(matches, &attempt).await? {
            return Err(IdentityError::InvalidCredentials);
        }
        let id = id.ok_or(IdentityError::InvalidCredentials)?;
        self.throttle.succeeded(attempt).await?;
        // Told only to whoever knows the password.
        if !verified {
            return Err(IdentityError::EmailNotVerified);
        }
        self.membership_gate(scope, site, UserId(id)).await?;
        self.start_session(Some(scope), id).await
    }

    /// `REQUIRE_ORGANIZATION_MEMBERSHIP`: on a site that sets it, only a
    /// user with an active membership in an active organization the site
    /// serves gets (or refreshes) a token. Checked at token time only: an
    /// access token already issued works until it expires.
    pub(crate) async fn membership_gate(
        &self,
        scope: TenantScope,
        site: SiteId,
        user: UserId,
    ) -> Result<(), IdentityError> {
        let Some(served) = self
            .site_config
            .membership_required(scope, site)
            .await
            .map_err(|e| IdentityError::Site(Box::new(e)))?
        else {
            return Ok(());
        };
        let member = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                atrium_organizations::tx::is_member_of_served(tx, user, &served)
            })
            .await?;
        if member {
            Ok(())
        } else {
            Err(IdentityError::NotAMember)
        }
    }

    /// The outcome of a password check; when none ran (the hashing queue
    /// was full), the attempt is given back first, so that a 503 costs no
    /// one a try.
    pub(crate) async fn unless_abandoned<T>(
        &self,
        checked: Result<T, IdentityError>,
        attempt: &Attempt,
    ) -> Result<T, IdentityError> {
        if checked.is_err() {
            self.throttle.abandoned(attempt).await?;
        }
        checked
    }

    /// An access token alone; [`Identity::start_session`] and
    /// [`Identity::refresh`] add the refresh token.
    pub(crate) fn issue(
        &self,
        realm: Realm,
        subject: Subject,
    ) -> Result<IssuedToken, IdentityError> {
        Ok(IssuedToken {
            access_token: tokens::issue(&self.keys, realm, subject, self.access_ttl_secs)?,
            expires_in: self.access_ttl_secs,
            refresh_token: None,
        })
    }

    /// The caller behind a bearer token sent to a host of `realm`. A token
    /// of another realm, or of an account or operator that is gone or
    /// disabled, is invalid.
    pub async fn authenticate(
        &self,
        scope: Option<TenantScope>,
        bearer: &str,
    ) -> Result<Caller, IdentityError> {
        let realm = scope.map_or(Realm::Platform, |s| Realm::Tenant(s.tenant_id()));
        let subject = match self.verify(bearer, realm) {
            // Signed by a key another replica has just added?
            Err(error) => match self.keys.reload_for_unknown(bearer).await {
                Ok(true) => {
                    self.verified.invalidate_all();
                    self.verify(bearer, realm)?
                }
                _ => return Err(error),
            },
            Ok(subject) => subject,
        };
        match (subject, scope) {
            (Subject::Operator(id), None) => {
                if !self.operator_is_active(id).await? {
                    return Err(IdentityError::InvalidToken("operator disabled or deleted"));
                }
                Ok(Caller::Operator { id })
            }
            (Subject::Client { id, scopes }, Some(scope)) => {
                self.client_caller(scope, id, scopes).await
            }
            (Subject::User(id), Some(scope)) => {
                let grants = self.grants_of(scope, id).await?;
                let grants =
                    grants.ok_or(IdentityError::InvalidToken("account disabled or deleted"))?;
                Ok(Caller::User {
                    tenant: scope.tenant_id(),
                    id,
                    grants,
                })
            }
            _ => Err(IdentityError::InvalidToken(
                "token was not issued for this site",
            )),
        }
    }

    fn verify(&self, bearer: &str, realm: Realm) -> Result<Subject, IdentityError> {
        let now = chrono::Utc::now().timestamp();
        if let Some(hit) = self.verified.get(bearer) {
            if hit.realm == realm && hit.expires_at > now {
                self.counters.verified_tokens.hit();
                return Ok(hit.subject);
            }
        }
        self.counters.verified_tokens.miss();
        let verified = tokens::verify_claims(&self.keys, bearer, realm)?;
        self.verified.insert(Arc::from(bearer), verified);
        Ok(verified.subject)
    }

    async fn grants_of(
        &self,
        scope: TenantScope,
        user: UserId,
    ) -> Result<Option<Arc<[Grant]>>, IdentityError> {
        let key = (scope.tenant_id(), user);
        if let Some(cached) = self.counters.grants.count(self.grants.get(&key)) {
            return Ok(cached);
        }
        let epoch = self.access_epoch.load(std::sync::atomic::Ordering::SeqCst);
        let loaded = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                let user = match users::get(tx, user.0) {
                    Ok(row) if row.is_active => row,
                    Ok(_) | Err(DbError::NotFound) => return Ok(None),
                    Err(e) => return Err(e),
                };
                let grants = atrium_permissions::tx::grants_of(tx, UserId(user.id))?;
                Ok(Some(Arc::from(grants)))
            })
            .await?;
        self.remember_unless_changed(epoch, || self.grants.insert(key, loaded.clone()));
        Ok(loaded)
    }

    /// Self-registration on a site: a new account without roles, when the
    /// site's configuration allows it (`ALLOW_PUBLIC_ACCOUNT_CREATION`).
    /// When the site requires email verification, the account starts
    /// unverified and a link is mailed (`recovery.rs`).
    /// Limited like logins: a refused registration (a taken email or
    /// username, say) counts against both names and `client`.
    pub async fn register(
        &self,
        scope: TenantScope,
        site: SiteId,
        mut account: NewAccount,
        client: Option<IpAddr>,
    ) -> Result<UserRow, IdentityError> {
        let open = self
            .site_config
            .registration_open(scope, site)
            .await
            .map_err(|e| IdentityError::Site(Box::new(e)))?;
        if !open {
            return Err(IdentityError::RegistrationClosed);
        }
        account.validate()?;
        let attempt = self
            .throttle
            .attempt(
                Realm::Tenant(scope.tenant_id()),
                &[&account.email, &account.username],
                client,
            )
            .await?;
        let verification = self.pending_verification(scope, site).await?;
        let hash = passwords::hash(account.password.clone()).await;
        let hash = self.unless_abandoned(hash, &attempt).await?;
        // The account does not exist until the entry is written: its maker
        // is nobody the API knows yet.
        let author = atrium_audit::Author::of(&Caller::Anonymous);
        let (user, spooled) = self
            .db
            .tenant(scope, Access::Write, move |tx| {
                let mut user = crate::tx::insert_account(tx, &account, &hash)?;
                if let Some(verification) = &verification {
                    verification.start(tx, &mut user)?;
                }
                let created = crate::Account::from(user.clone());
                crate::accounts::record_account(
                    tx,
                    &author,
                    "user.register",
                    created.id,
                    None,
                    Some(&created),
                    false,
                )?;
                Ok::<_, IdentityError>((user, verification.is_some()))
            })
            .await?;
        if spooled {
            self.mail_spooled();
        }
        self.throttle.succeeded(attempt).await?;
        Ok(user)
    }

    pub async fn hash_password(password: String) -> Result<String, IdentityError> {
        passwords::hash(password).await
    }
}

/// Creates a platform operator (the `atrium operator create` command needs
/// no keys or caches, so this is also a free function).
pub async fn create_operator(
    db: &Db,
    email: &str,
    password: &str,
    author: &atrium_audit::Author,
) -> Result<OperatorId, IdentityError> {
    let author = author.clone();
    let email = email.trim().to_lowercase();
    let mut errors = ValidationErrors::default();
    if !is_email(&email) {
        errors.add("email", "must be an email address");
    }
    check_new_password(&mut errors, "password", password, &[&email]);
    errors.into_result()?;
    let hash = passwords::hash(password.to_owned()).await?;
    db.platform(Access::Write, move |tx| {
        match operators::insert(tx, &email, &hash) {
            Ok(row) => {
                let created = crate::operators::Operator::from(row);
                atrium_audit::record_platform(
                    tx,
                    &author,
                    atrium_audit::Change {
                        action: "operator.create",
                        target_type: "operator",
                        target_id: created.id.to_string(),
                        before: None::<&()>,
                        after: Some(&created),
                    },
                )?;
                Ok(created.id)
            }
            Err(e @ DbError::UniqueViolation { .. }) => {
                tracing::debug!(%e, "operator exists");
                Err(IdentityError::Taken("email"))
            }
            Err(e) => Err(e.into()),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_with_many_grants_stay_within_the_grants_bytes() {
        let bound = 1 << 20;
        let cache = grants_cache(bound);
        let grants: Arc<[Grant]> = (0..2_000)
            .map(|n| Grant {
                role: atrium_permissions::Role::CourseStaff,
                scope: GrantScope::Course(format!("course-v1:Org+Course{n}+2026")),
                organization: None,
            })
            .collect();
        for user in 0..100 {
            cache.insert((TenantId(1), UserId(user)), Some(Arc::clone(&grants)));
        }
        cache.run_pending_tasks();
        let (entries, bytes) = (cache.entry_count(), cache.weighted_size());
        assert!(bytes <= bound, "{bytes} bytes in {entries} entries");
        assert!(entries < 100, "{entries} entries");
    }

    #[test]
    fn validates_accounts_field_by_field() {
        let mut account = NewAccount {
            email: " Ada@Example.ORG ".into(),
            username: "ada".into(),
            name: "Ada".into(),
            password: "long enough pw".into(),
        };
        assert!(account.validate().is_ok());
        assert_eq!(account.email, "ada@example.org");
        let mut bad = NewAccount {
            email: "nope".into(),
            username: "a b".into(),
            name: String::new(),
            password: "short".into(),
        };
        let fields: Vec<_> = bad
            .validate()
            .unwrap_err()
            .errors
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["email", "username", "password"]);
    }
}
