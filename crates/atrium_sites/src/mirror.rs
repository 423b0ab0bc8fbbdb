//! An in-memory mirror of database reads that any write drops whole.
//!
//! Dropping everything is cheap and always right; what needs care is a
//! read that started before a write and finishes after it: its answer is
//! stale and must not go back into the cache. A generation counter, bumped
//! by every invalidation, tells.

use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};

pub(crate) struct Mirror<K, V> {
    entries: moka::sync::Cache<K, V>,
    generation: AtomicU64,
}

impl<K, V> Mirror<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// At most `capacity` entries, so that made-up keys cannot grow it
    /// without end.
    pub(crate) fn new(capacity: u64) -> Self {
        Self {
            entries: moka::sync::Cache::builder().max_capacity(capacity).build(),
            generation: AtomicU64::new(0),
        }
    }

    /// The cached value of `key`, or what `load` reads (kept unless an
    /// invalidation happened meanwhile).
    pub(crate) async fn get_or_load<E, F>(&self, key: K, load: F) -> Result<V, E>
    where
        F: Future<Output = Result<V, E>>,
    {
        if let Some(hit) = self.entries.get(&key) {
            return Ok(hit);
        }
        let generation = self.generation.load(Ordering::Acquire);
        let value = load.await?;
        if self.generation.load(Ordering::Acquire) == generation {
            self.entries.insert(key, value.clone());
        }
        Ok(value)
    }

    pub(crate) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries.invalidate_all();
    }
}
