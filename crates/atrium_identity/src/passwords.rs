//! Password hashing with argon2id (the crate's default parameters, which
//! follow OWASP's minimum). Hashing costs tens of milliseconds of CPU by
//! design, so it always runs on the blocking pool.

use std::sync::LazyLock;

use tokio::sync::Semaphore;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::IdentityError;

pub const MIN_PASSWORD_LENGTH: usize = 10;
pub const MAX_PASSWORD_LENGTH: usize = 1024;

/// Verified when the account does not exist, so that a wrong username takes
/// as long as a wrong password and existence does not leak through timing.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_now("atrium-dummy-password").unwrap_or_default());

/// Hashes at once: about one per core. Each takes ~19 MiB and tens of
/// milliseconds, so a flood of logins queues here instead of starving the
/// blocking pool (and the database work on it) or the memory.
static HASHING: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

fn hash_now(password: &str) -> Result<String, IdentityError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| IdentityError::Key(format!("password hashing failed: {e}")))
}

pub async fn hash(password: String) -> Result<String, IdentityError> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|e| IdentityError::Key(e.to_string()))?;
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .unwrap_or_else(|join| std::panic::resume_unwind(join.into_panic()))
}

/// Whether `password` matches `stored` (or, with no stored hash, a dummy
/// check of the same cost that always fails).
pub async fn verify(password: String, stored: Option<String>) -> bool {
    let Ok(_permit) = HASHING.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        let (stored, real) = match stored {
            Some(stored) => (stored, true),
            None => (DUMMY_HASH.clone(), false),
        };
        let matches = PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        matches && real
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn hashes_verify_and_are_salted() {
        let first = super::hash("correct horse battery".into()).await.unwrap();
        let second = super::hash("correct horse battery".into()).await.unwrap();
        assert!(first.starts_with("$argon2id$"));
        assert_ne!(first, second);
        assert!(super::verify("correct horse battery".into(), Some(first.clone())).await);
        assert!(!super::verify("wrong password!".into(), Some(first)).await);
        assert!(!super::verify("atrium-dummy-password".into(), None).await);
    }
}
