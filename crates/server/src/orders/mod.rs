//! Orders: what a due delivery (or a ship now) becomes, and the outcome the merchant
//! reports for it. The types the admin API and the `order.*` events show, the order's
//! status machine (`step`) and the payment retry schedule; the scheduler that creates
//! orders is `crate::scheduler`, their SQL `db::orders`.

pub mod outcome;

use crate::db::{orders, Connection, StoreError};
use cadence_contract::{Date, Money};
use cadence_webhooks::EventType;
use serde::{Deserialize, Serialize};

/// Where `--update-payment-url` is kept: in the database rather than in each process, so
/// every server on one database shows subscribers the same link (the one started last
/// wrote it) and a subscription's view needs no server state to show it.
const UPDATE_PAYMENT_URL_KEY: &str = "update_payment_url";

/// The merchant's page where a subscriber updates their payment details, if set.
pub fn update_payment_url(conn: &Connection) -> Result<Option<String>, StoreError> {
    use crate::db::OptionalExtension;
    conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([UPDATE_PAYMENT_URL_KEY], |row| row.get(0))
        .optional()
}

/// Stores (or, with `None`, removes) the server's `--update-payment-url`; at start.
pub fn set_update_payment_url(conn: &Connection, url: Option<&str>) -> Result<(), StoreError> {
    match url {
        Some(url) => conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [UPDATE_PAYMENT_URL_KEY, url],
        )?,
        None => conn.execute("DELETE FROM meta WHERE key = ?1", [UPDATE_PAYMENT_URL_KEY])?,
    };
    Ok(())
}

/// Writes `order.created` for the order just created (with its lines), in the caller's
/// transaction; returns the order.
pub fn announce_created(tx: &Connection, id: &str, unix: i64) -> Result<Order, StoreError> {
    let order =
        orders::find(tx, id)?.ok_or_else(|| StoreError::Corrupt(format!("order {id} vanished")))?;
    crate::outbox::enqueue(
        tx,
        EventType::OrderCreated,
        &outcome::stream(&order),
        unix,
        &OrderEventData {
            order: &order,
            previous_status: None,
            retry: None,
            payment_problem: false,
        },
    )?;
    Ok(order)
}

/// Where an order stands. `pending` → `paid` → `fulfilled`; a failed charge is
/// `payment_failed` until its retry falls due (`payment_retry_due`: charge again), then
/// `paid` or `payment_failed` again; after the last retry it stays `payment_failed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Created; the merchant's billing has not reported a charge yet.
    Pending,
    Paid,
    /// The charge failed; `next_retry_at` says when it will be asked for again (absent
    /// after the last retry).
    PaymentFailed,
    /// A retry fell due: the merchant's billing should charge again and report.
    PaymentRetryDue,
    /// Shipped (only a paid order is fulfilled).
    Fulfilled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 5] = [
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::PaymentFailed,
        OrderStatus::PaymentRetryDue,
        OrderStatus::Fulfilled,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::PaymentFailed => "payment_failed",
            OrderStatus::PaymentRetryDue => "payment_retry_due",
            OrderStatus::Fulfilled => "fulfilled",
        }
    }

    pub fn parse(name: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// One product on an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderLine {
    pub sku: String,
    pub quantity: u32,
    /// What one unit costs on this order (the subscriber's price, discount included).
    pub unit_price: Money,
}

/// An order, with the merchant's own ids (customer, subscription, SKUs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Order {
    #[schema(example = "ord_5f0c6d0e2b8a4f67a1c9d3e2f4b5a6c7")]
    pub id: String,
    /// The merchant's customer id.
    pub customer_id: String,
    /// The subscription it delivers, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    /// The scheduled delivery it is: one order per subscription and delivery date. Absent
    /// for a ship now and for orders from the shop's history.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_date: Option<Date>,
    pub ordered_on: Date,
    pub status: OrderStatus,
    pub lines: Vec<OrderLine>,
    /// The lines' sum.
    pub total: Money,
    /// Charges reported failed so far.
    pub failed_payments: u32,
    /// When the next retry falls due (RFC 3339 UTC), while one is planned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_retry_at: Option<String>,
    /// The merchant's reason for the latest failed charge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    /// When Cadence created it (absent for orders from the shop's history).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// When its status last changed (absent for orders from the shop's history).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// `data` of `order.created` and `order.updated`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderEventData<'a> {
    pub order: &'a Order,
    /// On `order.updated`: the status before this change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_status: Option<OrderStatus>,
    /// On `order.updated` to `payment_retry_due`: which retry this is (1, 2, 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry: Option<u32>,
    /// On the last failed charge: the subscription now shows a payment problem to the
    /// subscriber, with the merchant's link to update their payment details.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub payment_problem: bool,
}

/// The payment retry schedule: after the n-th failed charge of an order, the next retry
/// falls due `RETRY_AFTER_DAYS[n - 1]` days later. Three retries, 1, 2 and 4 days apart:
/// the last try comes a week after the first failure (when each retry is charged as it
/// falls due), by which time a card that was only briefly over its limit usually works
/// again. After a fourth failed charge no retry is planned and the subscription shows its
/// payment problem.
pub const RETRY_AFTER_DAYS: [i64; 3] = [1, 2, 4];

/// When the retry after the `failed`-th failed charge falls due (`None`: that was the last
/// try), as Unix seconds.
pub fn next_retry(failed: u32, now_unix: i64) -> Option<i64> {
    let gap = RETRY_AFTER_DAYS.get(usize::try_from(failed).ok()?.checked_sub(1)?)?;
    Some(now_unix + gap * 86_400)
}

/// What the merchant reports about an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reported {
    Paid,
    PaymentFailed,
    Fulfilled,
}

/// What a report does to an order in `current`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The order already says so (a repeated report): nothing changes, no event.
    Unchanged,
    /// The order moves to this status.
    To(OrderStatus),
    /// Not possible from here (409), in words for the merchant.
    Refused(&'static str),
}

/// The order's status machine. Repeating a report is harmless (`Unchanged`), so the
/// merchant's systems may retry their calls; a failed charge counts once per attempt
/// because a new failure is only taken from `pending` or `payment_retry_due` (a retry we
/// asked for).
pub fn step(current: OrderStatus, reported: Reported) -> Step {
    use OrderStatus as S;
    match (current, reported) {
        (S::Pending | S::PaymentFailed | S::PaymentRetryDue, Reported::Paid) => Step::To(S::Paid),
        // A fulfilled order was paid first.
        (S::Paid | S::Fulfilled, Reported::Paid) => Step::Unchanged,
        (S::Pending | S::PaymentRetryDue, Reported::PaymentFailed) => Step::To(S::PaymentFailed),
        (S::PaymentFailed, Reported::PaymentFailed) => Step::Unchanged,
        (S::Paid | S::Fulfilled, Reported::PaymentFailed) => {
            Step::Refused("This order is already paid; a failed charge cannot be reported for it.")
        }
        (S::Paid, Reported::Fulfilled) => Step::To(S::Fulfilled),
        (S::Fulfilled, Reported::Fulfilled) => Step::Unchanged,
        (S::Pending | S::PaymentFailed | S::PaymentRetryDue, Reported::Fulfilled) => {
            Step::Refused("Only a paid order can be fulfilled; report it paid first.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus as S;

    #[test]
    fn repeated_reports_change_nothing_and_wrong_ones_are_refused() {
        for status in OrderStatus::ALL {
            for reported in [Reported::Paid, Reported::PaymentFailed, Reported::Fulfilled] {
                // Applying a report twice ends where applying it once did.
                if let Step::To(after) = step(status, reported) {
                    assert_eq!(
                        step(after, reported),
                        Step::Unchanged,
                        "{status:?} {reported:?}"
                    );
                }
            }
        }
        assert_eq!(
            step(S::Pending, Reported::Fulfilled),
            step(S::PaymentFailed, Reported::Fulfilled)
        );
        assert!(matches!(
            step(S::Paid, Reported::PaymentFailed),
            Step::Refused(_)
        ));
        assert!(matches!(
            step(S::Pending, Reported::Fulfilled),
            Step::Refused(_)
        ));
        assert_eq!(
            step(S::PaymentRetryDue, Reported::PaymentFailed),
            Step::To(S::PaymentFailed)
        );
    }

    #[test]
    fn three_retries_one_two_and_four_days_apart() {
        let day = 86_400;
        assert_eq!(next_retry(0, 0), None);
        assert_eq!(next_retry(1, 0), Some(day));
        assert_eq!(next_retry(2, 10), Some(10 + 2 * day));
        assert_eq!(next_retry(3, 0), Some(4 * day));
        assert_eq!(next_retry(4, 0), None);
    }

    #[test]
    fn status_names_round_trip() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::json!(status.as_str())
            );
        }
    }
}
