//! Cancellations asked for a later date, carried out on it by the scheduler's pass (before
//! it turns due deliveries into orders, so a late pass never ships past that date). The
//! wished date is the contract's last day: deliveries up to and on it ship, as for a cancel
//! made that day. Each batch claims its rows in one write transaction (on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`), cancels and marks them done there: a pass run twice, or on
//! several servers at once, cancels each once.

use super::{Match, Outcome, VIA_CANCEL_PAGE};
use crate::db::{subscriptions, Connection, Dialect, StoreError};
use crate::error::ApiError;
use crate::selfservice::At;
use cadence_contract::{Date, SubscriptionStatus};

/// Up to `limit` scheduled cancellations due on `at.today` or before, in `tx`: how many
/// were found and how many cancelled a subscription.
pub fn run_batch(tx: &Connection, at: &At, cap: u32, limit: u32) -> Result<(u64, u64), ApiError> {
    let lock = match tx.dialect() {
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => "",
    };
    let sql = format!(
        "SELECT id, customer_id, subscription_id, effective_on FROM cancellation_requests
         WHERE outcome = 'scheduled' AND effective_on <= ?1
         ORDER BY effective_on LIMIT ?2{lock}"
    );
    let due: Vec<(String, Option<String>, Option<String>, String)> =
        tx.query_all(&sql, crate::params![at.today.to_string(), limit], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?;
    let mut cancelled = 0;
    for (id, customer, subscription, on) in &due {
        let on: Date = on
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("bad effective_on in {id}")))?;
        let outcome = match (customer, subscription) {
            (Some(customer), Some(subscription)) => {
                let found = Match {
                    customer: customer.clone(),
                    subscription: subscription.clone(),
                };
                cancel_on(tx, &found, on, at, cap)?
            }
            // The customer or subscription was deleted meanwhile: nothing left to cancel.
            _ => Outcome::AlreadyCancelled,
        };
        cancelled += u64::from(outcome == Outcome::Cancelled);
        super::mark_done(tx, id, outcome, at.unix)?;
    }
    Ok((due.len() as u64, cancelled))
}

/// Cancels as of `on` (the wished date: what was due up to it ships, nothing after), or
/// finds it cancelled already.
fn cancel_on(
    tx: &Connection,
    found: &Match,
    on: Date,
    at: &At,
    cap: u32,
) -> Result<Outcome, ApiError> {
    let Some(row) = subscriptions::load(tx, &found.customer, &found.subscription)? else {
        return Ok(Outcome::AlreadyCancelled);
    };
    if row.schedule.status == SubscriptionStatus::Cancelled {
        return Ok(Outcome::AlreadyCancelled);
    }
    let as_of = At {
        today: on.min(at.today),
        now: at.now.clone(),
        unix: at.unix,
    };
    super::cancel(tx, found, VIA_CANCEL_PAGE, &as_of, cap)?;
    Ok(Outcome::Cancelled)
}
