//! One-time additions to a subscription's next delivery (`add_once`), stored against the
//! delivery date they ride with.

use super::StoreError;
use crate::db::{Connection, OptionalExtension};
use crate::params;
use cadence_contract::{Date, ExtraItem, Money, MAX_QUANTITY};

/// `on`'s query, once per subscription on `/me`: the primary key (subscription_id, sku)
/// finds the subscription's few extras (public so tests can check its plan).
pub const ON_SQL: &str = "SELECT e.sku, p.name, e.quantity, e.unit_price_minor, e.currency
     FROM subscription_extras e JOIN products p ON p.sku = e.sku
     WHERE e.subscription_id = ?1 AND e.ships_on = ?2 ORDER BY e.sku";

/// The extras riding with the delivery on `date`.
pub fn on(conn: &Connection, subscription: &str, date: Date) -> Result<Vec<ExtraItem>, StoreError> {
    let mut stmt = conn.prepare_cached(ON_SQL)?;
    let rows = stmt.query_map(params![subscription, date.to_string()], |row| {
        Ok(ExtraItem {
            sku: row.get(0)?,
            name: row.get(1)?,
            quantity: row.get(2)?,
            price: Money::new(row.get(3)?, row.get::<_, String>(4)?),
        })
    })?;
    rows.collect::<crate::db::sql::Result<_>>()
}

/// Adds `quantity` of `sku` to the delivery on `date`; the same SKU again adds up, to at
/// most `MAX_QUANTITY` (else 422). Extras left on another date have shipped: replaced.
pub fn add(
    conn: &Connection,
    subscription: &str,
    sku: &str,
    quantity: u32,
    price: &Money,
    date: Date,
) -> Result<(), StoreError> {
    let date = date.to_string();
    let already: u32 = conn
        .prepare_cached(
            "SELECT quantity FROM subscription_extras
             WHERE subscription_id = ?1 AND sku = ?2 AND ships_on = ?3",
        )?
        .query_row(params![subscription, sku, date], |row| row.get(0))
        .optional()?
        .unwrap_or(0);
    let total = already + quantity;
    if total > MAX_QUANTITY {
        return Err(StoreError::Invalid {
            pointer: "/quantity",
            detail: format!(
                "The next delivery would hold {total}; at most {MAX_QUANTITY} of one product."
            ),
        });
    }
    conn.prepare_cached(
        "INSERT INTO subscription_extras
           (subscription_id, sku, quantity, unit_price_minor, currency, ships_on)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (subscription_id, sku) DO UPDATE SET quantity = excluded.quantity,
           unit_price_minor = excluded.unit_price_minor, currency = excluded.currency,
           ships_on = excluded.ships_on",
    )?
    .execute(params![
        subscription,
        sku,
        total,
        price.amount_minor,
        price.currency,
        date
    ])?;
    Ok(())
}

/// Moves the extras of the delivery on `from` to `to` (the new next delivery), or drops
/// them when nothing is scheduled any more; extras of past deliveries are cleared.
pub fn follow(
    conn: &Connection,
    subscription: &str,
    from: Option<Date>,
    to: Option<Date>,
) -> Result<(), StoreError> {
    let from = from.map(|d| d.to_string());
    match to {
        Some(to) => {
            conn.prepare_cached(
                "UPDATE subscription_extras SET ships_on = ?3
                 WHERE subscription_id = ?1 AND ships_on = ?2",
            )?
            .execute(params![subscription, from, to.to_string()])?;
            conn.prepare_cached(
                "DELETE FROM subscription_extras WHERE subscription_id = ?1 AND ships_on <> ?2",
            )?
            .execute(params![subscription, to.to_string()])?;
        }
        None => {
            conn.prepare_cached("DELETE FROM subscription_extras WHERE subscription_id = ?1")?
                .execute([subscription])?;
        }
    }
    Ok(())
}
