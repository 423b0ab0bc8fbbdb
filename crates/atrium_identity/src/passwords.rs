//! Password hashing with argon2id (the crate's default parameters, which
//! follow OWASP's minimum). Hashing costs tens of milliseconds of CPU by
//! design, so it always runs on the blocking pool.

use std::sync::LazyLock;

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{Semaphore, SemaphorePermit, TryAcquireError};

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
/// blocking pool (and the database work on it) or the memory. The queue is
/// bounded too ([`set_queue_limit`]): past it a check is refused at once
/// (503 with `Retry-After`) rather than making every tenant's logins wait.
static HASHING: LazyLock<HashQueue> = LazyLock::new(|| {
    HashQueue::new(
        std::thread::available_parallelism().map_or(2, |n| n.get()),
        DEFAULT_QUEUE_LIMIT,
    )
});

const DEFAULT_QUEUE_LIMIT: usize = 64;

/// What a refused check tells the client to wait, in seconds: the queue
/// drains in well under that.
pub const RETRY_AFTER_BUSY_SECS: u64 = 1;

/// Sets how many checks may wait for a hashing slot (the process has one
/// queue, since it has one set of cores; `password_hash_queue`).
pub fn set_queue_limit(limit: usize) {
    HASHING.limit.store(limit, Ordering::Relaxed);
}

/// A semaphore with a bounded number of waiters.
struct HashQueue {
    slots: Semaphore,
    waiting: AtomicUsize,
    limit: AtomicUsize,
}

impl HashQueue {
    fn new(slots: usize, limit: usize) -> Self {
        Self {
            slots: Semaphore::new(slots),
            waiting: AtomicUsize::new(0),
            limit: AtomicUsize::new(limit),
        }
    }

    /// A hashing slot: at once if one is free, after waiting if fewer than
    /// `limit` others wait already, otherwise `Overloaded`.
    async fn slot(&self) -> Result<SemaphorePermit<'_>, IdentityError> {
        match self.slots.try_acquire() {
            Ok(permit) => return Ok(permit),
            Err(TryAcquireError::Closed) => return Err(closed()),
            Err(TryAcquireError::NoPermits) => {}
        }
        let limit = self.limit.load(Ordering::Relaxed);
        let queued = self
            .waiting
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |waiting| {
                (waiting < limit).then_some(waiting + 1)
            });
        if queued.is_err() {
            return Err(IdentityError::Overloaded {
                retry_after_secs: RETRY_AFTER_BUSY_SECS,
            });
        }
        // Leaves the queue however the wait ends (a dropped request too).
        struct Waiting<'q>(&'q AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::AcqRel);
            }
        }
        let _waiting = Waiting(&self.waiting);
        self.slots.acquire().await.map_err(|_| closed())
    }
}

fn closed() -> IdentityError {
    IdentityError::Key("the hashing queue is closed".into())
}

fn hash_now(password: &str) -> Result<String, IdentityError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| IdentityError::Key(format!("password hashing failed: {e}")))
}

pub async fn hash(password: String) -> Result<String, IdentityError> {
    let _permit = HASHING.slot().await?;
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .unwrap_or_else(|join| std::panic::resume_unwind(join.into_panic()))
}

/// Whether `password` matches `stored` (or, with no stored hash or an
/// empty one, a dummy check of the same cost that always fails); `Overloaded` when the
/// hashing queue is full.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, IdentityError> {
    let _permit = HASHING.slot().await?;
    Ok(tokio::task::spawn_blocking(move || {
        // An account made without a password has an empty hash: it gets
        // the dummy check too, so that its answer takes as long as any.
        let (stored, real) = match stored {
            Some(stored) if !stored.is_empty() => (stored, true),
            _ => (DUMMY_HASH.clone(), false),
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
    .unwrap_or(false))
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn hashes_verify_and_are_salted() {
        let first = super::hash("correct horse battery".into()).await.unwrap();
        let second = super::hash("correct horse battery".into()).await.unwrap();
        assert!(first.starts_with("$argon2id$"));
        assert_ne!(first, second);
        assert!(
            super::verify("correct horse battery".into(), Some(first.clone()))
                .await
                .unwrap()
        );
        assert!(!super::verify("wrong password!".into(), Some(first))
            .await
            .unwrap());
        assert!(!super::verify("atrium-dummy-password".into(), None)
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once() {
        use crate::IdentityError;
        use std::sync::Arc;

        let queue = Arc::new(super::HashQueue::new(1, 1));
        let running = queue.slot().await.unwrap();
        // One waits for the running check...
        let waiter = tokio::spawn({
            let queue = Arc::clone(&queue);
            async move { queue.slot().await.map(drop) }
        });
        while queue.waiting.load(super::Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        // ...and the next is refused, without waiting.
        assert!(matches!(
            queue.slot().await,
            Err(IdentityError::Overloaded {
                retry_after_secs: 1
            })
        ));
        drop(running);
        waiter.await.unwrap().unwrap();
        assert_eq!(queue.waiting.load(super::Ordering::Acquire), 0);
        // With the slot free again, a check runs at once.
        drop(queue.slot().await.unwrap());
    }
}
