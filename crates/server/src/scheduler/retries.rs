//! Payment retries: when a failed charge's retry falls due, the order becomes
//! `payment_retry_due` and `order.updated` (with `retry: n`) tells the merchant's billing
//! to charge again. The schedule of retries is `orders::RETRY_AFTER_DAYS`.

use super::BATCH;
use crate::db::{orders, Connection, StoreError};
use crate::orders::outcome::stream;
use crate::orders::{OrderEventData, OrderStatus};
use crate::outbox;
use cadence_webhooks::EventType;

/// One batch of retries due at `now`, in one transaction: (found, flagged).
pub fn flag_batch(tx: &Connection, now: &str, unix: i64) -> Result<(u64, u64), StoreError> {
    let ids = orders::retries_due(tx, now, BATCH)?;
    let mut flagged = 0;
    for id in &ids {
        let Some(order) = orders::find(tx, id)? else {
            continue;
        };
        if order.status != OrderStatus::PaymentFailed {
            // Only a failed charge plans a retry; anything else has no business here.
            orders::set_status(
                tx,
                id,
                order.status,
                order.failed_payments,
                None,
                order.failure_reason.as_deref(),
                now,
            )?;
            continue;
        }
        orders::set_status(
            tx,
            id,
            OrderStatus::PaymentRetryDue,
            order.failed_payments,
            None,
            order.failure_reason.as_deref(),
            now,
        )?;
        let after = orders::find(tx, id)?
            .ok_or_else(|| StoreError::Corrupt(format!("order {id} vanished")))?;
        outbox::enqueue(
            tx,
            EventType::OrderUpdated,
            &stream(&after),
            unix,
            &OrderEventData {
                order: &after,
                previous_status: Some(OrderStatus::PaymentFailed),
                retry: Some(order.failed_payments),
                payment_problem: false,
            },
        )?;
        flagged += 1;
    }
    Ok((ids.len() as u64, flagged))
}
