//! Price changes in the database (`price_changes`, migration 0015): a merchant's change of
//! one subscription's agreed unit price from a date on, scheduled, then applied or void.
//! What they mean and when they apply is `price_change.rs`.

use super::StoreError;
use crate::db::{Connection, OptionalExtension, Row};
use crate::params;
use cadence_contract::{Date, Money};
use serde::Serialize;

/// One subscription's price change, as the admin API lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PriceChange {
    /// Cadence's id of the change.
    pub id: i64,
    pub subscription_id: String,
    /// The merchant's customer id.
    pub customer_id: String,
    /// The subscription's product.
    pub sku: String,
    /// The unit price agreed before, before the subscription's discount.
    pub unit_price_before: Money,
    /// The unit price from `effective_on` on, before the subscription's discount.
    pub unit_price_after: Money,
    /// The first delivery date the new price applies to.
    pub effective_on: Date,
    /// `scheduled` (announced, still ahead), `applied`, or `void` (the shopper cancelled
    /// before the date, or swapped to another product: it never applied).
    #[schema(example = "scheduled")]
    pub state: String,
    /// When it was announced (RFC 3339 UTC).
    pub created_at: String,
    /// When it was applied or became void.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settled_at: Option<String>,
}

const SELECT: &str = "SELECT c.id, c.subscription_id, s.customer_id, s.sku,
        c.old_unit_price_minor, c.new_unit_price_minor, p.currency, c.effective_on, c.state,
        c.created_at, c.settled_at
     FROM price_changes c JOIN subscriptions s ON s.id = c.subscription_id
     JOIN products p ON p.sku = s.sku";

/// A row as read, its date still text (the row closure cannot fail with a `StoreError`).
struct Raw {
    id: i64,
    ids: [String; 3],
    prices: (i64, i64, String),
    effective_on: String,
    state: String,
    created_at: String,
    settled_at: Option<String>,
}

fn change(row: &Row<'_>) -> crate::db::sql::Result<Raw> {
    Ok(Raw {
        id: row.get(0)?,
        ids: [row.get(1)?, row.get(2)?, row.get(3)?],
        prices: (row.get(4)?, row.get(5)?, row.get(6)?),
        effective_on: row.get(7)?,
        state: row.get(8)?,
        created_at: row.get(9)?,
        settled_at: row.get(10)?,
    })
}

fn with_date(raw: Raw) -> Result<PriceChange, StoreError> {
    let [subscription_id, customer_id, sku] = raw.ids;
    let (before, after, currency) = raw.prices;
    Ok(PriceChange {
        effective_on: raw.effective_on.parse().map_err(|_| {
            StoreError::Corrupt(format!("price change {}: bad effective_on", raw.id))
        })?,
        id: raw.id,
        subscription_id,
        customer_id,
        sku,
        unit_price_before: Money::new(before, currency.clone()),
        unit_price_after: Money::new(after, currency),
        state: raw.state,
        created_at: raw.created_at,
        settled_at: raw.settled_at,
    })
}

/// The subscription's scheduled change, if it has one (at most one: a unique index).
pub fn scheduled(conn: &Connection, subscription: &str) -> Result<Option<PriceChange>, StoreError> {
    let sql = format!("{SELECT} WHERE c.subscription_id = ?1 AND c.state = 'scheduled'");
    let found = conn
        .prepare_cached(&sql)?
        .query_row([subscription], change)
        .optional()?;
    found.map(with_date).transpose()
}

/// A change by id.
pub fn find(conn: &Connection, id: i64) -> Result<Option<PriceChange>, StoreError> {
    let sql = format!("{SELECT} WHERE c.id = ?1");
    let found = conn
        .prepare_cached(&sql)?
        .query_row([id], change)
        .optional()?;
    found.map(with_date).transpose()
}

/// Schedules a change of `subscription`'s unit price from `old` to `new` on `on`; its id.
pub fn insert(
    conn: &Connection,
    subscription: &str,
    old: i64,
    new: i64,
    on: Date,
    now: &str,
) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO price_changes (subscription_id, old_unit_price_minor,
            new_unit_price_minor, effective_on, state, created_at)
         VALUES (?1, ?2, ?3, ?4, 'scheduled', ?5)",
    )?
    .execute(params![subscription, old, new, on.to_string(), now])?;
    conn.prepare_cached(
        "SELECT id FROM price_changes WHERE subscription_id = ?1 AND state = 'scheduled'",
    )?
    .query_row([subscription], |row| row.get(0))
}

/// Marks scheduled change `id` `applied` or `void` at `now`.
pub fn settle(conn: &Connection, id: i64, state: &str, now: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE price_changes SET state = ?2, settled_at = ?3 WHERE id = ?1 AND state = 'scheduled'",
    )?
    .execute(params![id, state, now])?;
    Ok(())
}

/// Up to `limit` subscriptions whose scheduled change applies on `today` or earlier.
pub fn due(conn: &Connection, today: Date, limit: u32) -> Result<Vec<String>, StoreError> {
    conn.prepare_cached(
        "SELECT subscription_id FROM price_changes WHERE state = 'scheduled' AND effective_on <= ?1
         ORDER BY effective_on, id LIMIT ?2",
    )?
    .query_map(params![today.to_string(), limit], |row| row.get(0))?
    .collect()
}

/// Changes announced after the change `after` (by id), oldest first, at most `limit`.
pub fn list(conn: &Connection, after: i64, limit: u32) -> Result<Vec<PriceChange>, StoreError> {
    let sql = format!("{SELECT} WHERE c.id > ?1 ORDER BY c.id LIMIT ?2");
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(params![after, limit], change)?
        .collect::<crate::db::sql::Result<Vec<_>>>()?;
    rows.into_iter().map(with_date).collect()
}
