//! `TtlCache`: one value computed at most once per time window, with single flight (callers
//! arriving while it is being computed wait for that computation instead of starting
//! their own). The demo shop's `/merchant` page keeps its rendered figures in one, so a
//! burst of page loads costs one computation of the merchant figures.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long the demo shop's `/merchant` page shows the same figures: they describe
/// months, and a page a few seconds old is as good as a fresh one.
pub const MERCHANT_PAGE_TTL: Duration = Duration::from_secs(30);

/// A value and when it was computed, recomputed once `ttl` has passed.
pub struct TtlCache<T> {
    ttl: Duration,
    /// Held for the whole computation: that is the single flight. Tokio's mutex queues
    /// waiters fairly and may be held across `.await`.
    slot: Mutex<Option<(Instant, Arc<T>)>>,
    computations: AtomicU64,
}

impl<T> TtlCache<T> {
    pub fn new(ttl: Duration) -> Self {
        TtlCache {
            ttl,
            slot: Mutex::new(None),
            computations: AtomicU64::new(0),
        }
    }

    /// The cached value if it was computed less than `ttl` before `now`, else the result of
    /// `compute` (kept when it is `Ok`; an error is returned and the next caller tries
    /// again). Concurrent callers share one computation.
    pub async fn get_or_compute<E, F, Fut>(&self, now: Instant, compute: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some((at, value)) = slot.as_ref() {
            // `now` may be earlier than `at` for a caller that queued behind the
            // computation: such a value is fresh for it too.
            if now.saturating_duration_since(*at) < self.ttl {
                return Ok(value.clone());
            }
        }
        self.computations.fetch_add(1, Ordering::Relaxed);
        let value = Arc::new(compute().await?);
        *slot = Some((now, value.clone()));
        Ok(value)
    }

    /// How many times a value was computed (successfully or not) since the cache was made.
    pub fn computations(&self) -> u64 {
        self.computations.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn computes_once_per_window_and_not_after_an_error() {
        let cache = TtlCache::new(Duration::from_secs(30));
        let start = Instant::now();
        let ok = |n: u32| async move { Ok::<_, ()>(n) };
        assert_eq!(*cache.get_or_compute(start, || ok(1)).await.unwrap(), 1);
        let later = start + Duration::from_secs(29);
        assert_eq!(*cache.get_or_compute(later, || ok(2)).await.unwrap(), 1);
        assert_eq!(cache.computations(), 1);
        let expired = start + Duration::from_secs(30);
        assert_eq!(*cache.get_or_compute(expired, || ok(3)).await.unwrap(), 3);
        // A failed computation stores nothing, and the next caller computes again.
        let again = expired + Duration::from_secs(31);
        assert!(cache
            .get_or_compute(again, || async { Err::<u32, ()>(()) })
            .await
            .is_err());
        assert_eq!(*cache.get_or_compute(again, || ok(4)).await.unwrap(), 4);
        assert_eq!(cache.computations(), 4);
    }
}
