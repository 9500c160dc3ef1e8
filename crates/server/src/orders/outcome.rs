//! One outcome the merchant reports for an order (paid, payment failed, fulfilled), inside
//! the caller's transaction: the status machine's step, the retry plan of a failed charge,
//! the subscription's payment problem, and `order.updated` in the outbox.

use super::{next_retry, step, Order, OrderEventData, OrderStatus, Reported, Step};
use crate::clock::Clock;
use crate::db::orders;
use crate::error::ApiError;
use crate::outbox;
use crate::selfservice::At;
use cadence_webhooks::EventType;

/// The stream an order's events go to: its subscription's (so a receiver orders them with
/// the subscription's own events), else its customer's.
pub fn stream(order: &Order) -> String {
    match &order.subscription_id {
        Some(subscription) => outbox::subscription_stream(subscription),
        None => outbox::customer_stream(&order.customer_id),
    }
}

/// Applies `reported` (with the merchant's `reason` for a failed charge) to order `id` and
/// returns the order as it is after. A repeated report returns the order unchanged and
/// writes nothing; a report the order's status does not allow is a 409.
pub fn report(
    tx: &crate::db::Connection,
    id: &str,
    reported: Reported,
    reason: Option<&str>,
    at: &At,
) -> Result<Order, ApiError> {
    let order =
        orders::find_for_update(tx, id)?.ok_or(ApiError::NotFound("No order has this id."))?;
    let status = match step(order.status, reported) {
        Step::Unchanged => return Ok(order),
        Step::Refused(why) => return Err(ApiError::conflict(why)),
        Step::To(status) => status,
    };
    let mut failed = order.failed_payments;
    let mut failure_reason = order.failure_reason.as_deref();
    let mut next_retry_at = None;
    let mut payment_problem = false;
    if status == OrderStatus::PaymentFailed {
        failed += 1;
        failure_reason = reason;
        next_retry_at = next_retry(failed, at.unix).map(|secs| Clock::Fixed(secs).timestamp());
        // The subscriber hears of it only through their subscription.
        payment_problem = next_retry_at.is_none() && order.subscription_id.is_some();
    }
    orders::set_status(
        tx,
        id,
        status,
        failed,
        next_retry_at.as_deref(),
        failure_reason,
        &at.now,
    )?;
    let after = orders::find(tx, id)?
        .ok_or_else(|| ApiError::Internal("an order vanished while reporting".into()))?;
    if let Some(subscription) = &after.subscription_id {
        if payment_problem {
            orders::set_payment_problem(tx, subscription, id)?;
        }
        if status == OrderStatus::Paid {
            orders::clear_payment_problem(tx, subscription, &after)?;
        }
    }
    outbox::enqueue(
        tx,
        EventType::OrderUpdated,
        &stream(&after),
        at.unix,
        &OrderEventData {
            order: &after,
            previous_status: Some(order.status),
            retry: None,
            payment_problem,
        },
    )?;
    Ok(after)
}
