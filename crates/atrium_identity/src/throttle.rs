//! Limits on password guessing: failed logins (and registrations) counted
//! per login name within a realm and per client address, in fixed windows.
//! Past a limit every attempt is refused before any password is hashed, for
//! names that exist and names that do not alike, until the window closes.
//! A successful login clears its name's counter (and does not count against
//! its address).
//!
//! Attempts are counted when they start, not when they fail, so that a
//! burst of concurrent guesses cannot all pass the check before the first
//! failure is written; a success then gives its attempt back.
//!
//! On PostgreSQL the counters live in a table that every replica shares; on
//! SQLite (one process) in memory.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use atrium_core::net::canonical;
use atrium_db::login_throttle::{self, ThrottleKey};
use atrium_db::{Backend, Db};

use crate::tokens::Realm;
use crate::IdentityError;

/// Realm of the keys that span realms: client addresses.
const ANY_REALM: &str = "*";

/// Login names are counted up to this length: a longer one is no more of a
/// name, and keys stay small.
const MAX_NAME_CHARS: usize = 320;

/// How many attempts between two purges of closed windows (PostgreSQL).
const PURGE_EVERY: u64 = 1024;

/// The limits (`login_max_failures_per_name`, `…_per_address`,
/// `login_failure_window_secs`); a limit of 0 switches that one off.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleLimits {
    pub per_name: u32,
    pub per_address: u32,
    pub window_secs: u64,
}

pub struct LoginThrottle {
    limits: ThrottleLimits,
    store: Store,
    attempts: AtomicU64,
}

enum Store {
    /// Window start and attempts per key, for this process alone.
    Process(moka::sync::Cache<ThrottleKey, (Instant, u32)>),
    Shared(Db),
}

/// An attempt that passed the limits: hand it back to
/// [`LoginThrottle::succeeded`] when the password was right.
#[must_use]
#[derive(Debug, Default)]
pub struct Attempt {
    names: Vec<ThrottleKey>,
    addresses: Vec<ThrottleKey>,
}

/// A login name as counted: trimmed, lowercase.
fn normalized(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .chars()
        .take(MAX_NAME_CHARS)
        .collect()
}

/// An IPv6 client is counted by its /64: one host is usually given a
/// whole /64, so single addresses would cost an attacker nothing.
fn address_subject(address: IpAddr) -> String {
    match canonical(address) {
        IpAddr::V4(v4) => format!("address:{v4}"),
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & (u128::MAX << 64);
            format!("address:{}/64", std::net::Ipv6Addr::from(prefix))
        }
    }
}

fn realm_name(realm: Realm) -> String {
    match realm {
        Realm::Platform => "platform".into(),
        Realm::Tenant(id) => format!("tenant:{id}"),
    }
}

impl LoginThrottle {
    pub fn new(db: &Db, limits: ThrottleLimits) -> Self {
        let store = match db.backend() {
            Backend::Postgres => Store::Shared(db.clone()),
            Backend::Sqlite => Store::Process(
                moka::sync::Cache::builder()
                    .max_capacity(200_000)
                    .time_to_live(Duration::from_secs(limits.window_secs.max(1)))
                    .build(),
            ),
        };
        Self {
            limits,
            store,
            attempts: AtomicU64::new(0),
        }
    }

    /// Counts an attempt for `names` in `realm` and for `client`, or
    /// refuses it (`Throttled`) when any of them is past its limit.
    pub async fn attempt(
        &self,
        realm: Realm,
        names: &[&str],
        client: Option<IpAddr>,
    ) -> Result<Attempt, IdentityError> {
        let mut attempt = Attempt::default();
        if self.limits.per_name > 0 {
            attempt.names = names
                .iter()
                .map(|name| ThrottleKey {
                    realm: realm_name(realm),
                    subject: format!("name:{}", normalized(name)),
                })
                .collect();
        }
        if self.limits.per_address > 0 {
            attempt.addresses = client
                .map(|address| ThrottleKey {
                    realm: ANY_REALM.into(),
                    subject: address_subject(address),
                })
                .into_iter()
                .collect();
        }
        let counted = self.count(&attempt).await?;
        let retry_after_secs = counted
            .into_iter()
            .filter(|(key, attempts, _)| {
                let limit = if key.realm == ANY_REALM {
                    self.limits.per_address
                } else {
                    self.limits.per_name
                };
                *attempts > u64::from(limit)
            })
            .map(|(_, _, retry_after)| retry_after)
            .max();
        match retry_after_secs {
            Some(retry_after_secs) => Err(IdentityError::Throttled { retry_after_secs }),
            None => Ok(attempt),
        }
    }

    /// Each key with its attempts in the current window (this one
    /// included) and the seconds until that window closes.
    async fn count(
        &self,
        attempt: &Attempt,
    ) -> Result<Vec<(ThrottleKey, u64, u64)>, IdentityError> {
        let keys: Vec<ThrottleKey> = attempt
            .names
            .iter()
            .chain(&attempt.addresses)
            .cloned()
            .collect();
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let window = Duration::from_secs(self.limits.window_secs);
        match &self.store {
            Store::Process(cache) => {
                let now = Instant::now();
                Ok(keys
                    .into_iter()
                    .map(|key| {
                        let entry =
                            cache.entry(key.clone()).and_upsert_with(|current| {
                                match current.map(|e| e.into_value()) {
                                    Some((start, n)) if now.duration_since(start) < window => {
                                        (start, n.saturating_add(1))
                                    }
                                    _ => (now, 1),
                                }
                            });
                        let (start, attempts) = entry.into_value();
                        let left = window.saturating_sub(now.duration_since(start));
                        let retry_after = left.as_secs() + u64::from(left.subsec_nanos() > 0);
                        (key, u64::from(attempts), retry_after.max(1))
                    })
                    .collect())
            }
            Store::Shared(db) => {
                if self.attempts.fetch_add(1, Ordering::Relaxed) % PURGE_EVERY == PURGE_EVERY - 1 {
                    login_throttle::purge(db, self.limits.window_secs).await?;
                }
                Ok(login_throttle::count(db, keys, self.limits.window_secs)
                    .await?
                    .into_iter()
                    .map(|c| {
                        let key = ThrottleKey {
                            realm: c.realm,
                            subject: c.subject,
                        };
                        (
                            key,
                            u64::try_from(c.attempts).unwrap_or(0),
                            u64::try_from(c.retry_after_secs).unwrap_or(1).max(1),
                        )
                    })
                    .collect())
            }
        }
    }

    /// The password was right: its names start again from nothing, and the
    /// attempt no longer counts against its address.
    pub async fn succeeded(&self, attempt: Attempt) -> Result<(), IdentityError> {
        let Attempt { names, addresses } = attempt;
        self.settle(names, addresses).await
    }

    /// No password was checked (the hashing queue was full): the attempt
    /// counts against nothing.
    pub async fn abandoned(&self, attempt: &Attempt) -> Result<(), IdentityError> {
        let all = attempt.names.iter().chain(&attempt.addresses).cloned();
        self.settle(Vec::new(), all.collect()).await
    }

    /// Forgets the `forget` keys and takes one attempt off the `relieve`
    /// keys.
    async fn settle(
        &self,
        forget: Vec<ThrottleKey>,
        relieve: Vec<ThrottleKey>,
    ) -> Result<(), IdentityError> {
        if forget.is_empty() && relieve.is_empty() {
            return Ok(());
        }
        match &self.store {
            Store::Process(cache) => {
                for key in &forget {
                    cache.invalidate(key);
                }
                for key in relieve {
                    cache.entry(key).and_compute_with(|current| match current {
                        Some(entry) => {
                            let (start, attempts) = entry.into_value();
                            moka::ops::compute::Op::Put((start, attempts.saturating_sub(1)))
                        }
                        None => moka::ops::compute::Op::Nop,
                    });
                }
                Ok(())
            }
            Store::Shared(db) => Ok(login_throttle::succeeded(db, forget, relieve).await?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_addresses_are_normalized() {
        assert_eq!(normalized("  Ada@Example.ORG "), "ada@example.org");
        assert_eq!(
            address_subject("203.0.113.9".parse().unwrap()),
            "address:203.0.113.9"
        );
        assert_eq!(
            address_subject("::ffff:203.0.113.9".parse().unwrap()),
            "address:203.0.113.9"
        );
        assert_eq!(
            address_subject("2001:db8:1:2:3:4:5:6".parse().unwrap()),
            "address:2001:db8:1:2::/64"
        );
    }
}
