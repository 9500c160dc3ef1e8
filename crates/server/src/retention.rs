//! Retention: what is deleted when, run hourly in the background. Idempotency records
//! after `--idempotency-retention-days`, raw widget events after `--event-retention-days`
//! (their daily counts stay), the per-day event firsts after two days, and the rate
//! limiters' idle entries. The audit trail of subscription changes is a legal record and
//! is never pruned here.

use crate::app::AppState;
use crate::clock::Clock;
use crate::db::Db;
use crate::db::StoreError;
use crate::limits::Limits;
use std::time::Duration;

/// How often the pruning runs.
const EVERY: Duration = Duration::from_secs(3600);
/// Rows deleted per transaction: each holds the write lock for a moment only, so
/// shoppers' changes never queue behind a large deletion.
const BATCH: i64 = 5_000;

/// Rows deleted by one run, per table.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub idempotency_keys: usize,
    pub ui_events: usize,
    pub ui_event_firsts: usize,
}

/// The instant `age` before `clock`'s now, as the RFC 3339 text the tables store.
fn before(clock: Clock, age: Duration) -> String {
    let secs = clock.unix_seconds() - i64::try_from(age.as_secs()).unwrap_or(i64::MAX / 2);
    Clock::Fixed(secs.max(0)).timestamp()
}

/// Deletes everything past its retention, in small transactions.
pub async fn prune(db: &Db, limits: &Limits, clock: Clock) -> Result<Pruned, StoreError> {
    let keys_before = before(clock, limits.idempotency_retention);
    let events_before = before(clock, limits.event_retention);
    let firsts_before = clock
        .today()
        .add_days(-2)
        .unwrap_or(clock.today())
        .to_string();
    Ok(Pruned {
        idempotency_keys: in_batches(
            db,
            "DELETE FROM idempotency_keys WHERE (customer_id, key) IN
               (SELECT customer_id, key FROM idempotency_keys WHERE created_at < ?1 LIMIT ?2)",
            keys_before,
        )
        .await?,
        ui_events: in_batches(
            db,
            "DELETE FROM ui_events WHERE id IN
               (SELECT id FROM ui_events WHERE at < ?1 LIMIT ?2)",
            events_before,
        )
        .await?,
        ui_event_firsts: in_batches(
            db,
            "DELETE FROM ui_event_firsts WHERE (day, client, kind, sku, reason) IN
               (SELECT day, client, kind, sku, reason FROM ui_event_firsts WHERE day < ?1 LIMIT ?2)",
            firsts_before,
        )
        .await?,
    })
}

async fn in_batches(db: &Db, sql: &'static str, cutoff: String) -> Result<usize, StoreError> {
    let mut total = 0;
    loop {
        let cutoff = cutoff.clone();
        let deleted = db
            .write(move |tx| -> Result<usize, StoreError> {
                tx.prepare_cached(sql)?
                    .execute(crate::params![cutoff, BATCH])
            })
            .await?;
        total += deleted;
        if (deleted as i64) < BATCH {
            return Ok(total);
        }
    }
}

/// Runs `prune` (and forgets idle rate-limiter entries) every `EVERY`, the first time now.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            state.throttle.prune();
            match prune(&state.db, &state.limits, state.clock).await {
                Ok(pruned) if pruned != Pruned::default() => {
                    tracing::info!(?pruned, "pruned records past their retention");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "pruning failed; will retry"),
            }
        }
    });
}
