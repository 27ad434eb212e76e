//! A short-lived cache with request coalescing: while a lookup for a name runs, every other
//! request for that name waits for the same result instead of starting its own (one upstream
//! resolve per name at a time); a successful result is then served for `ttl`.
//!
//! The lookup runs in its own task, so a client that disconnects does not cancel it for the
//! others waiting. Failures are shared with the waiters but never cached.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use futures::{
    FutureExt,
    future::{BoxFuture, Shared},
};
use tokio::time::Instant;

use crate::error::AdapterError;

type SharedLookup<V> = Shared<BoxFuture<'static, Result<V, AdapterError>>>;

enum Slot<V> {
    Ready(V, Instant),
    Pending(SharedLookup<V>),
}

/// How a value was obtained (for metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Served from the cache.
    Hit,
    /// Joined a lookup already running for the same key.
    Joined,
    /// Started a new lookup.
    Fetched,
}

/// The cache. Cheap to share behind an `Arc`.
pub struct Coalescer<K, V> {
    ttl: Duration,
    max_items: usize,
    slots: Mutex<HashMap<K, Slot<V>>>,
}

impl<K, V> Coalescer<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// A cache keeping successes for `ttl` (zero: coalescing only) and at most `max_items`.
    pub fn new(ttl: Duration, max_items: usize) -> Self {
        Self { ttl, max_items: max_items.max(1), slots: Mutex::new(HashMap::new()) }
    }

    /// The cached value for `key`, the result of the lookup running for it, or the result of
    /// `fetch`, started now in its own task.
    pub async fn get_or_fetch(
        self: &Arc<Self>,
        key: K,
        fetch: impl FnOnce() -> BoxFuture<'static, Result<V, AdapterError>>,
    ) -> (Result<V, AdapterError>, Outcome) {
        let (lookup, outcome) = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            match slots.get(&key) {
                Some(Slot::Ready(v, at)) if at.elapsed() < self.ttl => {
                    return (Ok(v.clone()), Outcome::Hit);
                }
                Some(Slot::Pending(lookup)) => (lookup.clone(), Outcome::Joined),
                _ => {
                    let lookup = self.spawn(key.clone(), fetch());
                    if slots.len() >= self.max_items {
                        self.evict(&mut slots);
                    }
                    slots.insert(key, Slot::Pending(lookup.clone()));
                    (lookup, Outcome::Fetched)
                }
            }
        };
        (lookup.await, outcome)
    }

    fn spawn(
        self: &Arc<Self>,
        key: K,
        fetch: BoxFuture<'static, Result<V, AdapterError>>,
    ) -> SharedLookup<V> {
        let this = Arc::clone(self);
        // The task cannot finish before the caller inserts the Pending slot: `complete` takes
        // the lock the caller holds.
        let task = tokio::spawn(async move {
            let result = fetch.await;
            this.complete(&key, &result);
            result
        });
        async move {
            task.await.unwrap_or_else(|e| Err(AdapterError::Internal(format!("lookup task: {e}"))))
        }
        .boxed()
        .shared()
    }

    fn complete(&self, key: &K, result: &Result<V, AdapterError>) {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        match result {
            Ok(v) if !self.ttl.is_zero() => {
                slots.insert(key.clone(), Slot::Ready(v.clone(), Instant::now()));
            }
            _ => {
                slots.remove(key);
            }
        }
    }

    /// Drops expired entries, then every ready one if that was not enough; running lookups
    /// stay (their waiters need them).
    fn evict(&self, slots: &mut HashMap<K, Slot<V>>) {
        slots.retain(|_, s| match s {
            Slot::Ready(_, at) => at.elapsed() < self.ttl,
            Slot::Pending(_) => true,
        });
        if slots.len() >= self.max_items {
            slots.retain(|_, s| matches!(s, Slot::Pending(_)));
        }
    }

    /// Entries held (ready or pending).
    pub fn len(&self) -> usize {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn counting(
        calls: &Arc<AtomicUsize>,
        value: u32,
    ) -> BoxFuture<'static, Result<u32, AdapterError>> {
        let calls = Arc::clone(calls);
        async move {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(value)
        }
        .boxed()
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_lookups_for_one_key_share_one_fetch() {
        let cache = Arc::new(Coalescer::new(Duration::from_secs(3), 10));
        let calls = Arc::new(AtomicUsize::new(0));
        let (a, b, c) = tokio::join!(
            cache.get_or_fetch("k", || counting(&calls, 1)),
            cache.get_or_fetch("k", || counting(&calls, 2)),
            cache.get_or_fetch("k", || counting(&calls, 3)),
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!((a.0, b.0, c.0), (Ok(1), Ok(1), Ok(1)));
        assert_eq!((a.1, b.1, c.1), (Outcome::Fetched, Outcome::Joined, Outcome::Joined));
    }

    #[tokio::test(start_paused = true)]
    async fn lookups_for_different_keys_do_not_share() {
        let cache = Arc::new(Coalescer::new(Duration::from_secs(3), 10));
        let calls = Arc::new(AtomicUsize::new(0));
        let (a, b) = tokio::join!(
            cache.get_or_fetch("a", || counting(&calls, 1)),
            cache.get_or_fetch("b", || counting(&calls, 2)),
        );
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!((a.0, b.0), (Ok(1), Ok(2)));
    }

    #[tokio::test(start_paused = true)]
    async fn value_is_served_until_ttl_then_fetched_again() {
        let cache = Arc::new(Coalescer::new(Duration::from_secs(3), 10));
        let calls = Arc::new(AtomicUsize::new(0));
        assert_eq!(cache.get_or_fetch("k", || counting(&calls, 1)).await.1, Outcome::Fetched);
        tokio::time::advance(Duration::from_millis(2_900)).await;
        assert_eq!(cache.get_or_fetch("k", || counting(&calls, 2)).await, (Ok(1), Outcome::Hit));
        tokio::time::advance(Duration::from_millis(200)).await;
        assert_eq!(
            cache.get_or_fetch("k", || counting(&calls, 2)).await,
            (Ok(2), Outcome::Fetched)
        );
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn failures_are_shared_but_not_cached() {
        let cache: Arc<Coalescer<&str, u32>> = Arc::new(Coalescer::new(Duration::from_secs(3), 10));
        let fail = || async { Err(AdapterError::Unreachable("down".into())) }.boxed();
        assert!(cache.get_or_fetch("k", fail).await.0.is_err());
        assert!(cache.is_empty());
        let calls = Arc::new(AtomicUsize::new(0));
        assert_eq!(cache.get_or_fetch("k", || counting(&calls, 5)).await.0, Ok(5));
    }

    #[tokio::test(start_paused = true)]
    async fn zero_ttl_coalesces_but_never_serves_from_cache() {
        let cache = Arc::new(Coalescer::new(Duration::ZERO, 10));
        let calls = Arc::new(AtomicUsize::new(0));
        let _ = cache.get_or_fetch("k", || counting(&calls, 1)).await;
        assert_eq!(cache.get_or_fetch("k", || counting(&calls, 2)).await.1, Outcome::Fetched);
        assert!(cache.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn cache_stays_within_max_items() {
        let cache = Arc::new(Coalescer::new(Duration::from_secs(3), 4));
        let calls = Arc::new(AtomicUsize::new(0));
        for k in 0..20u32 {
            let _ = cache.get_or_fetch(k, || counting(&calls, k)).await;
        }
        assert!(cache.len() <= 4, "{}", cache.len());
    }
}
