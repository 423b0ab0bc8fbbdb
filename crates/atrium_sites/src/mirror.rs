//! An in-memory mirror of database reads that any write drops whole.
//!
//! Dropping everything is cheap and always right; what needs care is a
//! read that started before a write and finishes after it: its answer is
//! stale and must not outlive the invalidation. Checking a generation
//! counter before storing is not enough: an invalidation can fall between
//! the check and the store (and moka's `invalidate_all` only hides entries
//! written before it). So each entry carries the generation its load
//! started in, and a read takes only entries of the current generation: a
//! stale store may still land, but nothing ever reads it, in every order of
//! load, store and invalidation.

use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};

use atrium_core::{CacheCounters, CacheReport};

#[derive(Clone)]
struct Stamped<V> {
    generation: u64,
    value: V,
}

pub(crate) struct Mirror<K, V> {
    entries: moka::sync::Cache<K, Stamped<V>>,
    generation: AtomicU64,
    /// Counted by [`Mirror::get_or_load`], or by the owner where it alone
    /// knows what a lookup saved (see [`Mirror::counters`]).
    counters: CacheCounters,
}

/// The generation a load started in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket(u64);

impl<K, V> Mirror<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// At most `capacity` entries, so that made-up keys cannot grow it
    /// without end.
    pub(crate) fn new(capacity: u64) -> Self {
        Self::from_builder(moka::sync::Cache::builder().max_capacity(capacity))
    }

    /// At most `max_bytes` bytes, as `weigh` counts an entry.
    pub(crate) fn weighted(
        max_bytes: u64,
        weigh: impl Fn(&K, &V) -> u32 + Send + Sync + 'static,
    ) -> Self {
        Self::from_builder(
            moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(move |key, stamped: &Stamped<V>| weigh(key, &stamped.value)),
        )
    }

    fn from_builder(
        builder: moka::sync::CacheBuilder<K, Stamped<V>, moka::sync::Cache<K, Stamped<V>>>,
    ) -> Self {
        Self {
            entries: builder.build(),
            generation: AtomicU64::new(0),
            counters: CacheCounters::default(),
        }
    }

    /// To be taken before a load whose answer goes to [`Mirror::store`].
    pub(crate) fn ticket(&self) -> Ticket {
        Ticket(self.generation.load(Ordering::Acquire))
    }

    /// The cached value of `key`, if stored since the last invalidation.
    pub(crate) fn get(&self, key: &K) -> Option<V> {
        let current = self.generation.load(Ordering::Acquire);
        self.entries
            .get(key)
            .filter(|entry| entry.generation == current)
            .map(|entry| entry.value)
    }

    /// Keeps what a load that started at `ticket` read; invisible if an
    /// invalidation came after the ticket, whenever this store lands.
    pub(crate) fn store(&self, ticket: Ticket, key: K, value: V) {
        if ticket.0 == self.generation.load(Ordering::Acquire) {
            self.entries.insert(
                key,
                Stamped {
                    generation: ticket.0,
                    value,
                },
            );
        }
    }

    /// The cached value of `key`, or what `load` reads.
    pub(crate) async fn get_or_load<E, F>(&self, key: K, load: F) -> Result<V, E>
    where
        F: Future<Output = Result<V, E>>,
    {
        if let Some(hit) = self.get(&key) {
            self.counters.hit();
            return Ok(hit);
        }
        self.counters.miss();
        let ticket = self.ticket();
        let value = load.await?;
        self.store(ticket, key, value.clone());
        Ok(value)
    }

    pub(crate) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        // Frees the memory; correctness rests on the generation alone.
        self.entries.invalidate_all();
    }

    /// The hit and miss counts, for an owner that reads with
    /// [`Mirror::get`] and loads itself.
    pub(crate) fn counters(&self) -> &CacheCounters {
        &self.counters
    }

    /// This mirror as `/metrics` shows it, named `cache`.
    pub(crate) fn report(&self, cache: &'static str) -> CacheReport {
        self.entries.run_pending_tasks();
        self.counters.report(cache, self.entries.entry_count())
    }

    /// Entries and their total weight, after pending maintenance.
    #[cfg(test)]
    pub(crate) fn footprint(&self) -> (u64, u64) {
        self.entries.run_pending_tasks();
        (self.entries.entry_count(), self.entries.weighted_size())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::sync::oneshot;

    use super::Mirror;

    /// A load of "stale" (the value before a write) that finishes only
    /// when `release` fires.
    async fn held_load(release: oneshot::Receiver<()>) -> Result<&'static str, ()> {
        release.await.expect("released");
        Ok("stale")
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    /// After an invalidation, the next read loads again: whatever a load
    /// that began before it read is never served.
    fn assert_reloads(mirror: &Mirror<u8, &'static str>, rt: &tokio::runtime::Runtime) {
        let loads = AtomicUsize::new(0);
        let value = rt
            .block_on(mirror.get_or_load(1, async {
                loads.fetch_add(1, Ordering::SeqCst);
                Ok::<_, ()>("fresh")
            }))
            .unwrap();
        assert_eq!(value, "fresh");
        assert_eq!(loads.load(Ordering::SeqCst), 1, "a stale entry was served");
    }

    #[test]
    fn an_invalidation_during_a_load_wins() {
        let rt = runtime();
        let mirror = Mirror::new(10);
        let (release, held) = oneshot::channel();
        rt.block_on(async {
            let load = mirror.get_or_load(1, held_load(held));
            let invalidate_then_release = async {
                tokio::task::yield_now().await;
                mirror.invalidate();
                release.send(()).unwrap();
            };
            let (value, ()) = tokio::join!(load, invalidate_then_release);
            assert_eq!(value, Ok("stale"), "the caller still gets its answer");
        });
        assert_reloads(&mirror, &rt);
    }

    #[test]
    fn an_invalidation_between_the_load_and_its_store_wins() {
        let rt = runtime();
        let mirror = Mirror::new(10);
        // The window get_or_load goes through: ticket, load, store.
        let ticket = mirror.ticket();
        let loaded = "stale";
        mirror.invalidate();
        mirror.store(ticket, 1, loaded);
        assert_reloads(&mirror, &rt);
    }

    #[test]
    fn a_store_that_lands_after_the_invalidation_is_never_read() {
        // The store's own check passes, then the invalidation runs, then
        // the insert lands: the order a check-then-insert cannot refuse.
        let rt = runtime();
        let mirror = Mirror::new(10);
        let ticket = mirror.ticket();
        let stale_generation = ticket.0;
        mirror.invalidate();
        mirror.entries.insert(
            1,
            super::Stamped {
                generation: stale_generation,
                value: "stale",
            },
        );
        assert_reloads(&mirror, &rt);
    }

    #[test]
    fn an_invalidation_after_the_store_wins() {
        let rt = runtime();
        let mirror = Mirror::new(10);
        let (release, held) = oneshot::channel();
        release.send(()).unwrap();
        rt.block_on(mirror.get_or_load(1, held_load(held))).unwrap();
        assert_eq!(mirror.get(&1), Some("stale"));
        mirror.invalidate();
        assert_eq!(mirror.get(&1), None);
        assert_reloads(&mirror, &rt);
    }

    #[test]
    fn loads_count_as_misses_and_answers_from_memory_as_hits() {
        let rt = runtime();
        let mirror = Mirror::new(10);
        let load = || async { Ok::<_, ()>("value") };
        for _ in 0..3 {
            rt.block_on(mirror.get_or_load(1, load())).unwrap();
        }
        mirror.invalidate();
        rt.block_on(mirror.get_or_load(1, load())).unwrap();
        let report = mirror.report("test");
        assert_eq!((report.hits, report.misses, report.entries), (2, 2, 1));
    }

    #[test]
    fn a_weighted_mirror_stays_within_its_bytes() {
        let mirror: Mirror<String, ()> =
            Mirror::weighted(4096, |key: &String, _: &()| key.len() as u32);
        let rt = runtime();
        for n in 0..10_000 {
            let key = format!("host-{n:05}.example.org");
            rt.block_on(mirror.get_or_load(key, async { Ok::<_, ()>(()) }))
                .unwrap();
        }
        let (entries, bytes) = mirror.footprint();
        assert!(bytes <= 4096, "{bytes} bytes in {entries} entries");
        assert!(entries <= 4096 / 22, "{entries} entries");
    }
}
