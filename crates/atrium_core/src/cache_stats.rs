//! How well an in-memory cache serves: its hits and misses, counted where
//! it is read, and its size, for `/metrics`.
//!
//! Counting sits on every request's path, so it is two relaxed atomic
//! adds and nothing else: no lock, no allocation, no label lookup. The
//! gateway turns the totals into Prometheus series when it is scraped.

use std::sync::atomic::{AtomicU64, Ordering};

/// Hits and misses of one cache.
#[derive(Debug, Default)]
pub struct CacheCounters {
    hits: AtomicU64,
    misses: AtomicU64,
}

impl CacheCounters {
    /// Counts a lookup answered from memory.
    pub fn hit(&self) {
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a lookup that had to do the work the cache saves (a database
    /// read, a signature check).
    pub fn miss(&self) {
        self.misses.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts `found` as a hit when it is `Some`, a miss when `None`.
    pub fn count<T>(&self, found: Option<T>) -> Option<T> {
        match found {
            Some(_) => self.hit(),
            None => self.miss(),
        }
        found
    }

    /// The report of this cache, holding `entries` now.
    pub fn report(&self, cache: &'static str, entries: u64) -> CacheReport {
        CacheReport {
            cache,
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries,
        }
    }
}

/// One cache as `/metrics` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheReport {
    /// A stable name: the value of the `cache` label.
    pub cache: &'static str,
    /// Lookups answered from memory since the process started.
    pub hits: u64,
    /// Lookups that did the work the cache saves, since the process started.
    pub misses: u64,
    /// Entries held now (moka's count, after its pending maintenance).
    pub entries: u64,
}

#[cfg(test)]
mod tests {
    use super::CacheCounters;

    #[test]
    fn counts_hits_and_misses_apart() {
        let counters = CacheCounters::default();
        assert_eq!(counters.count(Some(1)), Some(1));
        assert_eq!(counters.count(None::<u8>), None);
        counters.hit();
        let report = counters.report("hosts", 7);
        assert_eq!(
            (report.cache, report.hits, report.misses, report.entries),
            ("hosts", 2, 1, 7)
        );
    }
}
