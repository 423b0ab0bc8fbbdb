//! Refresh tokens (OAuth 2.0 Security BCP §4.14): how a login stays alive
//! past its access token, for tenant users and platform operators alike.
//!
//! - A password login starts a **family** and hands out its first refresh
//!   token: 32 random bytes, base64url. Only the token's SHA-256 is stored.
//! - `grant_type=refresh_token` **rotates**: the presented token is spent
//!   and the next one of the family is issued with a new access token.
//! - **Expiry** is counted from the login: every token of a family expires
//!   when the first one does (`refresh_token_ttl_secs`), so a rotation never
//!   extends a login, and a stolen family dies with it at the latest.
//! - **Reuse** of a spent token means two parties hold the family (the
//!   rightful client and a thief, in an order no one can tell): the whole
//!   family is revoked, the newest token included. Two concurrent uses of
//!   one token are a reuse too: only one of them can spend it (see
//!   `atrium_db::refresh_tokens`), the other revokes the family.
//! - Every refusal (unknown, spent, revoked, expired, another realm's, a
//!   disabled or deleted account) is the same `InvalidRefreshToken`, and
//!   counts against the client address in the login throttle. There is no
//!   name to count: a refresh token is its own secret, and every guess is a
//!   different one, so only the address can be held back.

use std::net::IpAddr;

use atrium_core::{OperatorId, SiteId, UserId};
use atrium_db::refresh_tokens::{self, NewRefreshToken, RefreshTokenRow};
use atrium_db::{operators, users, Access, DbError, PlatformTx, TenantScope, TenantTx};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDateTime;

use crate::secrets::{hash_token, new_token, random_token};
use crate::service::{Identity, IssuedToken};
use crate::tokens::{Realm, Subject};
use crate::IdentityError;

/// Random bytes in a refresh token (256 bits: not guessable, BCP §4.14).
const TOKEN_BYTES: usize = 32;

/// What a rotation found, decided inside its transaction; a reuse must
/// commit its revocation, so it is an `Ok` here and an error after.
enum Rotation {
    Rotated { owner: i64 },
    Refused,
    Reused,
}

/// Whether `token` has the shape of one we issue; anything else is not
/// looked up at all.
fn well_formed(token: &str) -> bool {
    token.len() == URL_SAFE_NO_PAD.encode([0u8; TOKEN_BYTES]).len()
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// The refresh tokens of one realm, inside a write transaction: a tenant's
/// users' or the platform's operators'. The rules below are written once
/// for both.
trait Store {
    fn find(&mut self, token_hash: &str) -> Result<Option<RefreshTokenRow>, DbError>;
    /// Whether the account may still sign in (exists and is active).
    fn owner_active(&mut self, owner: i64) -> Result<bool, DbError>;
    fn spend(&mut self, id: i64) -> Result<bool, DbError>;
    fn revoke_family(&mut self, family: &str) -> Result<usize, DbError>;
    fn insert(&mut self, new: NewRefreshToken<'_>) -> Result<(), DbError>;
}

impl Store for TenantTx<'_> {
    fn find(&mut self, token_hash: &str) -> Result<Option<RefreshTokenRow>, DbError> {
        refresh_tokens::find_by_hash(self, token_hash)
    }

    fn owner_active(&mut self, owner: i64) -> Result<bool, DbError> {
        match users::get(self, owner) {
            Ok(user) => Ok(user.is_active),
            Err(DbError::NotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn spend(&mut self, id: i64) -> Result<bool, DbError> {
        refresh_tokens::spend(self, id)
    }

    fn revoke_family(&mut self, family: &str) -> Result<usize, DbError> {
        refresh_tokens::revoke_family(self, family)
    }

    fn insert(&mut self, new: NewRefreshToken<'_>) -> Result<(), DbError> {
        refresh_tokens::insert(self, new)
    }
}

impl Store for PlatformTx<'_> {
    fn find(&mut self, token_hash: &str) -> Result<Option<RefreshTokenRow>, DbError> {
        refresh_tokens::operators::find_by_hash(self, token_hash)
    }

    fn owner_active(&mut self, owner: i64) -> Result<bool, DbError> {
        Ok(operators::find(self, owner)?.is_some_and(|operator| operator.is_active))
    }

    fn spend(&mut self, id: i64) -> Result<bool, DbError> {
        refresh_tokens::operators::spend(self, id)
    }

    fn revoke_family(&mut self, family: &str) -> Result<usize, DbError> {
        refresh_tokens::operators::revoke_family(self, family)
    }

    fn insert(&mut self, new: NewRefreshToken<'_>) -> Result<(), DbError> {
        refresh_tokens::operators::insert(self, new)
    }
}

/// Spends the token hashed `presented` and stores `next_hash` as the next
/// of its family, or says why not.
fn rotate(store: &mut dyn Store, presented: &str, next_hash: &str) -> Result<Rotation, DbError> {
    let Some(row) = store.find(presented)? else {
        return Ok(Rotation::Refused);
    };
    if row.revoked_at.is_some() {
        return Ok(Rotation::Refused);
    }
    if row.spent_at.is_some() {
        store.revoke_family(&row.family)?;
        return Ok(Rotation::Reused);
    }
    if row.expires_at <= now() || !store.owner_active(row.owner)? {
        return Ok(Rotation::Refused);
    }
    if !store.spend(row.id)? {
        // Spent since it was read: a concurrent use of the same token.
        store.revoke_family(&row.family)?;
        return Ok(Rotation::Reused);
    }
    store.insert(NewRefreshToken {
        owner: row.owner,
        family: &row.family,
        token_hash: next_hash,
        // The family's expiry, not a new one: see the module's rules.
        expires_at: row.expires_at,
    })?;
    Ok(Rotation::Rotated { owner: row.owner })
}

fn realm_of(scope: Option<TenantScope>) -> Realm {
    scope.map_or(Realm::Platform, |s| Realm::Tenant(s.tenant_id()))
}

/// A tenant's refresh tokens belong to users, the platform's to operators.
fn subject_of(scope: Option<TenantScope>, owner: i64) -> Subject {
    match scope {
        Some(_) => Subject::User(UserId(owner)),
        None => Subject::Operator(OperatorId(owner)),
    }
}

impl Identity {
    /// Runs `work` on the refresh tokens of a host's realm: a tenant's
    /// (`Some`) or the platform's (`None`).
    async fn with_store<T: Send + 'static>(
        &self,
        scope: Option<TenantScope>,
        work: impl FnOnce(&mut dyn Store) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, IdentityError> {
        Ok(match scope {
            Some(scope) => {
                self.db
                    .tenant(scope, Access::Write, move |tx| work(tx))
                    .await?
            }
            None => self.db.platform(Access::Write, move |tx| work(tx)).await?,
        })
    }

    /// A password login's answer: an access token and the first refresh
    /// token of a new family, for the account `owner` (a user of `scope`,
    /// or with `None` an operator).
    pub(crate) async fn start_session(
        &self,
        scope: Option<TenantScope>,
        owner: i64,
    ) -> Result<IssuedToken, IdentityError> {
        let (token, hash) = new_token(TOKEN_BYTES);
        let family = random_token(16);
        let expires_at = self.refresh_expiry();
        self.with_store(scope, move |store| {
            store.insert(NewRefreshToken {
                owner,
                family: &family,
                token_hash: &hash,
                expires_at,
            })
        })
        .await?;
        let mut issued = self.issue(realm_of(scope), subject_of(scope, owner))?;
        issued.refresh_token = Some(token);
        Ok(issued)
    }

    fn refresh_expiry(&self) -> NaiveDateTime {
        // Capped at about a century, so that no setting overflows a date.
        let secs = self.refresh_ttl_secs.min(100 * 366 * 24 * 3600) as i64;
        now() + chrono::Duration::seconds(secs)
    }

    /// `grant_type=refresh_token` on a host of `scope` (`None`: the
    /// platform host): spends `token` and answers a new access token and
    /// the family's next refresh token. See the module's rules.
    pub async fn refresh(
        &self,
        scope: Option<TenantScope>,
        site: Option<SiteId>,
        token: &str,
        client: Option<IpAddr>,
    ) -> Result<IssuedToken, IdentityError> {
        let realm = realm_of(scope);
        let attempt = self.throttle.attempt(realm, &[], client).await?;
        if !well_formed(token) {
            return Err(IdentityError::InvalidRefreshToken);
        }
        let presented = hash_token(token);
        let (next, next_hash) = new_token(TOKEN_BYTES);
        let rotation = self
            .with_store(scope, move |store| rotate(store, &presented, &next_hash))
            .await?;
        let owner = match rotation {
            Rotation::Rotated { owner } => owner,
            Rotation::Refused => return Err(IdentityError::InvalidRefreshToken),
            Rotation::Reused => {
                tracing::warn!(
                    ?realm,
                    "a spent refresh token was presented again; its family is revoked"
                );
                return Err(IdentityError::InvalidRefreshToken);
            }
        };
        self.throttle.succeeded(attempt).await?;
        // The token is spent by now: a refused member's session ends here.
        if let (Some(scope), Some(site)) = (scope, site) {
            self.membership_gate(scope, site, UserId(owner)).await?;
        }
        let mut issued = self.issue(realm, subject_of(scope, owner))?;
        issued.refresh_token = Some(next);
        Ok(issued)
    }

    /// RFC 7009 revocation on a host of `scope` (`None`: the platform
    /// host): revokes the family of `token` if it is a refresh token of
    /// this realm, and does nothing otherwise, so that the answer tells a
    /// caller nothing about the token. Access tokens are not revocable:
    /// they are short-lived and verified without a database look-up.
    pub async fn revoke(
        &self,
        scope: Option<TenantScope>,
        token: &str,
    ) -> Result<(), IdentityError> {
        if !well_formed(token) {
            return Ok(());
        }
        let hash = hash_token(token);
        let revoked = self
            .with_store(scope, move |store| match store.find(&hash)? {
                Some(row) => store.revoke_family(&row.family),
                None => Ok(0),
            })
            .await?;
        tracing::debug!(revoked, "refresh token revocation");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_base64url_and_stored_as_their_hash() {
        let (token, hash) = new_token(TOKEN_BYTES);
        assert_eq!(token.len(), 43);
        assert!(well_formed(&token));
        assert_eq!(hash, hash_token(&token));
        assert_ne!(hash, token);
        assert_ne!(new_token(TOKEN_BYTES).0, token);
        assert!(!well_formed("short"));
        assert!(!well_formed(&format!("{}=", &token[..42])));
    }
}
