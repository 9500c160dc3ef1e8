//! Subscriptions moved from another app: created with their own id, schedule, discount and
//! agreed price, and an audit row (`import`, by the merchant) so their history starts with
//! where they came from. The caller creates only ids Cadence does not hold yet.

use crate::admin::records::SubscriptionRecord;
use crate::db::changes::{self, NewChange};
use crate::db::products::unit_to_sql;
use crate::db::Connection;
use crate::db::StoreError;
use crate::params;
use cadence_contract::{Date, Schedule, SubscriptionSnapshot, SubscriptionStatus};

/// The schedule `record` describes as of `today` (the caller checked its dates): deliveries
/// fall on the next delivery + n × interval, as a subscription made here anchors them.
pub fn schedule(record: &SubscriptionRecord, today: Date) -> Schedule {
    let tomorrow = today.add_days(1).unwrap_or(today);
    let (paused_until, cancelled_on) = match record.status {
        SubscriptionStatus::Paused => (record.paused_until, None),
        SubscriptionStatus::Cancelled => (None, Some(record.cancelled_on.unwrap_or(today))),
        _ => (None, None),
    };
    let anchor = record
        .next_delivery
        .or(paused_until)
        .or(cancelled_on)
        .unwrap_or(tomorrow);
    Schedule {
        status: record.status,
        sku: record.sku.clone(),
        quantity: record.quantity,
        interval: record.interval,
        anchor,
        skipped: Vec::new(),
        paused_until,
        cancelled_on,
        // The other app's reactivation window does not carry over.
        reactivate_until: None,
    }
}

/// Creates subscription `record.id` (checked, not yet in Cadence) at `discount_percent`,
/// at its agreed price, or, without one, the catalog's price of this moment (locked in).
pub fn create(
    conn: &Connection,
    record: &SubscriptionRecord,
    discount_percent: u8,
    today: Date,
    now: &str,
) -> Result<(), StoreError> {
    let schedule = schedule(record, today);
    let status = match record.status {
        SubscriptionStatus::Active => "active",
        SubscriptionStatus::Paused => "paused",
        SubscriptionStatus::Cancelled => "cancelled",
        SubscriptionStatus::Unknown => {
            return Err(StoreError::Corrupt("an unknown status to import".into()))
        }
    };
    let next_delivery = schedule.next_delivery(today);
    let date = |d: Option<Date>| d.map(|d| d.to_string());
    conn.prepare_cached(
        "INSERT INTO subscriptions (id, customer_id, sku, quantity, interval_count, interval_unit,
            status, anchor_date, next_delivery, discount_percent, version, created_at,
            updated_at, paused_until, cancelled_on, unit_price_minor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11, ?12, ?13, ?14,
            coalesce(?15, (SELECT p.price_minor FROM products p WHERE p.sku = ?3)))",
    )?
    .execute(params![
        record.id,
        record.customer_id,
        record.sku,
        record.quantity,
        record.interval.count,
        unit_to_sql(record.interval.unit),
        status,
        schedule.anchor.to_string(),
        date(next_delivery),
        discount_percent,
        record
            .started_on
            .map_or_else(|| now.to_owned(), |d| format!("{d}T00:00:00Z")),
        now,
        date(schedule.paused_until),
        date(schedule.cancelled_on),
        record.unit_price.as_ref().map(|p| p.amount_minor),
    ])?;
    // The price as the subscription's view states it (agreed price, discount, quantity).
    let price = crate::db::subscriptions::find(conn, &record.customer_id, &record.id, today)?
        .map(|s| s.price_per_delivery);
    changes::record(
        conn,
        &NewChange {
            subscription_id: &record.id,
            actor: "merchant",
            action: "import",
            before: None,
            after: &SubscriptionSnapshot {
                sku: record.sku.clone(),
                quantity: record.quantity,
                interval: record.interval,
                status: record.status,
                next_delivery,
                price_per_delivery: price,
            },
            reason: None,
            at: now,
        },
    )
}
