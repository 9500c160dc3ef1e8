//! Subscription queries and the audit trail of their changes.

use super::products::{unit_from_sql, unit_to_sql};
use crate::error::ApiError;
use cadence_contract::{Date, Interval, Money, Subscription, SubscriptionStatus};
use rusqlite::{params, Connection, OptionalExtension, Row};

const SELECT: &str = "SELECT s.id, s.sku, p.name, s.quantity, s.interval_count, s.interval_unit,
        s.status, s.next_delivery, p.price_minor, p.currency, s.discount_percent, s.version
     FROM subscriptions s JOIN products p ON p.sku = s.sku";

fn status_from_sql(status: &str) -> SubscriptionStatus {
    match status {
        "active" => SubscriptionStatus::Active,
        "paused" => SubscriptionStatus::Paused,
        "cancelled" => SubscriptionStatus::Cancelled,
        _ => SubscriptionStatus::Unknown,
    }
}

/// Columns as read, before fallible conversions that rusqlite's row closure cannot express.
struct Raw {
    id: String,
    sku: String,
    product_name: String,
    quantity: u32,
    interval: (u16, String),
    status: String,
    next_delivery: Option<String>,
    unit_price: Money,
    discount_percent: u8,
    version: u64,
}

fn raw(row: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok(Raw {
        id: row.get(0)?,
        sku: row.get(1)?,
        product_name: row.get(2)?,
        quantity: row.get(3)?,
        interval: (row.get(4)?, row.get(5)?),
        status: row.get(6)?,
        next_delivery: row.get(7)?,
        unit_price: Money::new(row.get(8)?, row.get::<_, String>(9)?),
        discount_percent: row.get(10)?,
        // Versions start at 1 (a CHECK constraint), so the conversion cannot fail.
        version: row.get::<_, i64>(11)?.max(1) as u64,
    })
}

fn convert(raw: Raw) -> Result<Subscription, ApiError> {
    let next_delivery = raw
        .next_delivery
        .map(|d| d.parse::<Date>())
        .transpose()
        .map_err(|_| ApiError::Internal(format!("bad next_delivery in subscription {}", raw.id)))?;
    Ok(Subscription {
        price_per_delivery: raw
            .unit_price
            .discounted(raw.discount_percent)
            .times(raw.quantity),
        interval: Interval {
            count: raw.interval.0,
            unit: unit_from_sql(&raw.interval.1)?,
        },
        status: status_from_sql(&raw.status),
        id: raw.id,
        sku: raw.sku,
        product_name: raw.product_name,
        quantity: raw.quantity,
        next_delivery,
        version: raw.version,
        // Self-service fields: filled in by the self-service work (issue 4).
        upcoming: Vec::new(),
        allowed_intervals: Vec::new(),
        swap_options: Vec::new(),
        paused_until: None,
        cancelled_on: None,
        reactivate_until: None,
        max_pause_until: None,
    })
}

/// A customer's subscriptions, oldest first.
pub fn list_for(conn: &Connection, customer: &str) -> Result<Vec<Subscription>, ApiError> {
    let sql = format!("{SELECT} WHERE s.customer_id = ?1 ORDER BY s.created_at, s.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let raws = stmt
        .query_map([customer], raw)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    raws.into_iter().map(convert).collect()
}

/// One of the customer's subscriptions; another customer's id reads as absent.
pub fn find(conn: &Connection, customer: &str, id: &str) -> Result<Option<Subscription>, ApiError> {
    let sql = format!("{SELECT} WHERE s.customer_id = ?1 AND s.id = ?2");
    let found = conn
        .prepare_cached(&sql)?
        .query_row([customer, id], raw)
        .optional()?;
    found.map(convert).transpose()
}

/// A subscription about to be created.
pub struct NewRow<'a> {
    pub id: &'a str,
    pub customer_id: &'a str,
    pub sku: &'a str,
    pub quantity: u32,
    pub interval: Interval,
    pub anchor_date: Date,
    pub next_delivery: Date,
    pub discount_percent: u8,
    pub now: &'a str,
}

pub fn insert(conn: &Connection, row: &NewRow<'_>) -> Result<(), ApiError> {
    conn.prepare_cached(
        "INSERT INTO subscriptions (id, customer_id, sku, quantity, interval_count, interval_unit,
            status, anchor_date, next_delivery, discount_percent, version, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7, ?8, ?9, 1, ?10, ?10)",
    )?
    .execute(params![
        row.id,
        row.customer_id,
        row.sku,
        row.quantity,
        row.interval.count,
        unit_to_sql(row.interval.unit),
        row.anchor_date.to_string(),
        row.next_delivery.to_string(),
        row.discount_percent,
        row.now,
    ])?;
    Ok(())
}

/// One audit entry: who changed which subscription how, with the JSON before and after.
pub struct Change<'a> {
    pub subscription_id: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub before: Option<&'a Subscription>,
    pub after: Option<&'a Subscription>,
    pub at: &'a str,
}

pub fn record_change(conn: &Connection, change: &Change<'_>) -> Result<(), ApiError> {
    let before = change.before.map(serde_json::to_string).transpose()?;
    let after = change.after.map(serde_json::to_string).transpose()?;
    conn.prepare_cached(
        "INSERT INTO subscription_changes (subscription_id, actor, action, before_json, after_json, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![change.subscription_id, change.actor, change.action, before, after, change.at])?;
    Ok(())
}
