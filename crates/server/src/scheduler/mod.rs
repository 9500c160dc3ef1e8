//! The scheduler inside the server: every `--scheduler-interval-secs` it turns each
//! delivery whose date has come into an order (`deliver.rs`), and asks the merchant's
//! billing to charge again when a failed payment's retry falls due (`retries.rs`), after
//! cancelling the subscriptions a shopper asked to end on a date that has come
//! (`notify/cancel/scheduled.rs`).
//!
//! Exactly once per (subscription, delivery date): the order, the schedule moving on, the
//! audit row and the events commit in one transaction, so a crash leaves all or nothing;
//! the unique index `orders_by_delivery` refuses a second order for a date whatever runs
//! it; and a subscription's next delivery only moves forward past a delivered date. On
//! PostgreSQL, several servers split the due rows between them with `FOR UPDATE SKIP
//! LOCKED` rather than waiting on (or failing against) each other. `run_due` is the whole
//! pass, callable directly so tests move months forward without waiting.

pub mod deliver;
pub mod retries;

use crate::clock::Clock;
use crate::db::{Connection, Db, Dialect, StoreError};
use crate::params;
use crate::selfservice::At;
use cadence_contract::Date;
use std::time::Duration;

/// Subscriptions (or retries) per transaction: each holds the write lock for a moment
/// only, so shoppers' changes never queue behind 100,000 due deliveries.
pub const BATCH: u32 = 200;

/// What one pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RunSummary {
    /// Orders created.
    pub orders: u64,
    /// Subscriptions whose due deliveries were looked at.
    pub subscriptions: u64,
    /// Failed payments whose retry fell due (`order.updated`, `payment_retry_due`).
    pub retries_due: u64,
    /// Subscriptions cancelled on the date a shopper asked for (the public cancellation
    /// page).
    pub cancellations: u64,
    /// Transactions committed.
    pub batches: u64,
}

/// The instant of a pass, read once so every batch of it agrees on "today".
pub fn at(clock: Clock) -> At {
    At {
        today: clock.today(),
        now: clock.timestamp(),
        unix: clock.unix_seconds(),
    }
}

/// Up to `limit` subscriptions with a delivery dated `today` or earlier, soonest first; on
/// PostgreSQL locked, skipping those another server holds (it is delivering them). SQLite
/// has one writer at a time and no SKIP LOCKED.
fn due_subscriptions(tx: &Connection, at: &At, limit: u32) -> Result<Vec<String>, StoreError> {
    let lock = match tx.dialect() {
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => "",
    };
    // Ordered by the indexed date alone: the index hands the rows out in that order, where a
    // tie-break on `id` sorted every due row for each batch (100,000 due deliveries on
    // SQLite: 25 s with it, 20 s without).
    let sql = format!(
        "SELECT id FROM subscriptions WHERE next_delivery <= ?1
         ORDER BY next_delivery LIMIT ?2{lock}"
    );
    tx.prepare_cached(&sql)?
        .query_map(params![at.today.to_string(), limit], |row| row.get(0))?
        .collect()
}

/// One batch of due subscriptions, in one transaction: their ids, and the orders made.
fn deliver_batch(tx: &Connection, at: &At) -> Result<(Vec<String>, u64), StoreError> {
    let ids = due_subscriptions(tx, at, BATCH)?;
    let mut choices = crate::db::subscriptions::Choices::default();
    let mut orders = 0;
    for id in &ids {
        orders += u64::from(deliver::deliver_due_with(tx, id, at, &mut choices)?);
    }
    Ok((ids, orders))
}

/// Delivers everything due at `clock`'s today and flags the payment retries due at its
/// now, batch by batch, until nothing is left.
pub async fn run_due(db: &Db, clock: Clock) -> Result<RunSummary, StoreError> {
    let at = at(clock);
    let mut summary = RunSummary::default();
    // Cancellations asked for a date that has come, first: a delivery after that date
    // must not become an order because this pass ran late.
    loop {
        let batch_at = At {
            now: at.now.clone(),
            ..at
        };
        let (found, cancelled) = db
            .write(move |tx| {
                crate::notify::cancel::scheduled::run_batch(tx, &batch_at, u32::MAX, BATCH)
            })
            .await
            .map_err(|e: crate::error::ApiError| StoreError::Corrupt(e.to_string()))?;
        summary.cancellations += cancelled;
        summary.batches += 1;
        if found < u64::from(BATCH) {
            break;
        }
    }
    let mut previous = Vec::new();
    loop {
        let batch_at = At {
            now: at.now.clone(),
            ..at
        };
        let (ids, orders) = db.write(move |tx| deliver_batch(tx, &batch_at)).await?;
        summary.subscriptions += ids.len() as u64;
        summary.orders += orders;
        summary.batches += 1;
        // A short batch was the last. A full one moved each of its subscriptions past
        // today, unless one cannot move (a row whose schedule this server cannot read
        // fails its batch instead): the same rows twice means stop, not loop.
        if ids.len() < BATCH as usize || ids == previous {
            break;
        }
        previous = ids;
    }
    // Price changes whose date has come, for subscriptions with no delivery today (those
    // with one had theirs folded in before it).
    loop {
        let batch_at = At {
            now: at.now.clone(),
            ..at
        };
        let (found, _) = db
            .write(move |tx| crate::price_change::apply_batch(tx, &batch_at, BATCH))
            .await?;
        summary.batches += 1;
        if found < u64::from(BATCH) {
            break;
        }
    }
    loop {
        let now = at.now.clone();
        let (found, flagged) = db
            .write(move |tx| retries::flag_batch(tx, &now, at.unix))
            .await?;
        summary.retries_due += flagged;
        summary.batches += 1;
        if found < u64::from(BATCH) || flagged == 0 {
            break;
        }
    }
    Ok(summary)
}

/// How late the scheduler is at `clock`, in seconds: now minus the moment the oldest
/// delivery (midnight UTC of its date) or payment retry still waiting for a pass fell
/// due; 0 when nothing waits. Read from the database, so every server on it reports the
/// same; two lookups of an indexed minimum.
pub fn lag_seconds(conn: &Connection, clock: Clock) -> Result<f64, StoreError> {
    let delivery: Option<String> =
        conn.query_row("SELECT min(next_delivery) FROM subscriptions", [], |r| {
            r.get(0)
        })?;
    let retry: Option<String> =
        conn.query_row("SELECT min(next_retry_at) FROM orders", [], |r| r.get(0))?;
    let delivery_due = delivery
        .and_then(|d| d.parse::<Date>().ok())
        .map(|d| d.to_days() * 86_400);
    // RFC 3339 UTC as `Clock::timestamp` writes it: the date, then the time of day.
    let retry_due = retry.and_then(|t| {
        let date = t.get(..10)?.parse::<Date>().ok()?;
        let time = t.get(11..19)?;
        let mut parts = time.split(':').map(|p| p.parse::<i64>().ok());
        let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
        Some(date.to_days() * 86_400 + h * 3600 + m * 60 + s)
    });
    let oldest = [delivery_due, retry_due].into_iter().flatten().min();
    Ok(oldest.map_or(0.0, |due| (clock.unix_seconds() - due).max(0) as f64))
}

/// Runs [`run_due`] now and then every `every`, for the life of the process. A failed
/// pass (the database away) is logged and the next one tries again: nothing is lost,
/// since what was due stays due.
pub fn spawn(db: Db, clock: Clock, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match run_due(&db, clock).await {
                Ok(run) if run.orders > 0 || run.retries_due > 0 || run.cancellations > 0 => {
                    tracing::info!(?run, "scheduler: deliveries turned into orders")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "scheduler pass failed; retrying next round"),
            }
        }
    });
}
