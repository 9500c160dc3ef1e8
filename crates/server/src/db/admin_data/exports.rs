//! The exports' reads: one page of subscription changes or orders in a time range, after
//! a cursor (keyset pagination: each page is one short read, however large the range), and
//! cancellations per month and reason.

use super::history::parse_date;
use crate::db::{Connection, StoreError};
use crate::params;
use cadence_contract::{Date, SubscriptionSnapshot};
use serde::Serialize;

/// One audit row of a subscription, as exported.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ChangeRow {
    /// Increases with every change: the cursor (`after`) of the next page.
    pub id: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    pub subscription_id: String,
    pub customer_id: String,
    /// `customer`, `merchant` or `system`.
    pub actor: String,
    /// `create`, `import`, or a change's action (`skip`, `pause`, `cancel`, …).
    pub action: String,
    /// The cancel reason (`too_expensive`, …) when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `cancel_offer` when the change was the cancel confirmation's offer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// The subscription after the change (absent for rows too old to hold one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<SubscriptionSnapshot>,
}

/// Changes with `since <= at < until` and an id above `after`, at most `limit`, by id.
pub fn changes(
    conn: &Connection,
    since: &str,
    until: &str,
    after: i64,
    limit: u32,
) -> Result<Vec<ChangeRow>, StoreError> {
    conn.query_all(
        "SELECT c.id, c.at, c.subscription_id, s.customer_id, c.actor, c.action, c.reason,
                c.via, c.after_json
         FROM subscription_changes c JOIN subscriptions s ON s.id = c.subscription_id
         WHERE c.at >= ?1 AND c.at < ?2 AND c.id > ?3
         ORDER BY c.id LIMIT ?4",
        params![since, until, after, limit],
        |row| {
            let after: Option<String> = row.get(8)?;
            Ok(ChangeRow {
                id: row.get(0)?,
                at: row.get(1)?,
                subscription_id: row.get(2)?,
                customer_id: row.get(3)?,
                actor: row.get(4)?,
                action: row.get(5)?,
                reason: row.get::<_, Option<String>>(6)?.filter(|r| !r.is_empty()),
                via: row.get(7)?,
                // Audit rows from before 0002 stored other shapes: shown without.
                after: after.and_then(|json| serde_json::from_str(&json).ok()),
            })
        },
    )
}

/// Cancellations in one month for one reason.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CancelReasonRow {
    /// `YYYY-MM` (UTC).
    pub month: String,
    /// The reason as stored (`too_much_product`, `too_expensive`, `no_longer_needed`,
    /// `trying_something_else`, `other`, or a name a newer widget sent); absent: none given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub cancellations: u64,
}

/// Cancellations with `since <= at < until`, per month and reason, oldest month first.
pub fn cancel_reasons(
    conn: &Connection,
    since: &str,
    until: &str,
) -> Result<Vec<CancelReasonRow>, StoreError> {
    conn.query_all(
        "SELECT substr(at, 1, 7), coalesce(reason, ''), count(*) FROM subscription_changes
         WHERE action = 'cancel' AND at >= ?1 AND at < ?2
         GROUP BY 1, 2 ORDER BY 1, 2",
        params![since, until],
        |row| {
            Ok(CancelReasonRow {
                month: row.get(0)?,
                reason: Some(row.get::<_, String>(1)?).filter(|r| !r.is_empty()),
                cancellations: row.get(2)?,
            })
        },
    )
}

/// One order line, with its order, as exported (a CSV row; NDJSON groups them by order).
#[derive(Clone, Debug, PartialEq)]
pub struct OrderLineRow {
    pub order_id: String,
    pub customer_id: String,
    pub ordered_on: Date,
    pub subscription_id: Option<String>,
    /// `cadence` or `merchant`.
    pub origin: String,
    pub sku: Option<String>,
    pub quantity: Option<u32>,
    pub unit_price_minor: Option<i64>,
    pub currency: Option<String>,
}

/// The lines of at most `limit` orders with `since <= ordered_on < until` after the order
/// `after` (its date and id), by date, id and SKU. Uses `orders_by_ordered_on` (0010).
pub fn orders(
    conn: &Connection,
    since: Date,
    until: Date,
    after: Option<(Date, &str)>,
    limit: u32,
) -> Result<Vec<OrderLineRow>, StoreError> {
    let (after_date, after_id) = match after {
        Some((date, id)) => (date.to_string(), id.to_owned()),
        None => (String::new(), String::new()),
    };
    let rows = conn.query_all(
        "SELECT o.id, o.customer_id, o.ordered_on, o.subscription_id, o.origin,
                l.sku, l.quantity, l.unit_price_minor, l.currency
         FROM (SELECT id, customer_id, ordered_on, subscription_id, origin FROM orders
               WHERE ordered_on >= ?1 AND ordered_on < ?2
                 AND (ordered_on > ?3 OR (ordered_on = ?3 AND id > ?4))
               ORDER BY ordered_on, id LIMIT ?5) o
         LEFT JOIN order_lines l ON l.order_id = o.id
         ORDER BY o.ordered_on, o.id, l.sku",
        params![
            since.to_string(),
            until.to_string(),
            after_date,
            after_id,
            limit
        ],
        |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, Option<String>>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, Option<String>>(5)?,
                row.get::<_, Option<u32>>(6)?,
                row.get::<_, Option<i64>>(7)?,
                row.get::<_, Option<String>>(8)?,
            ))
        },
    )?;
    rows.into_iter()
        .map(|r| {
            Ok(OrderLineRow {
                order_id: r.0,
                customer_id: r.1,
                ordered_on: parse_date(&r.2)?,
                subscription_id: r.3,
                origin: r.4,
                sku: r.5,
                quantity: r.6,
                unit_price_minor: r.7,
                currency: r.8,
            })
        })
        .collect()
}
