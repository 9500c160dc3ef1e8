//! The shop's order history as the merchant loads it: an `orders` row of origin
//! `merchant` with its lines, written and read as one record. Orders Cadence placed
//! (origin `cadence`) are read here but never written: the caller refuses them first.

use crate::admin::records::{OrderLineRecord, OrderOrigin, OrderRecord, StoredOrder};
use crate::db::{Connection, OptionalExtension, StoreError};
use crate::params;
use cadence_contract::{Date, Money};

/// Stores `record` (checked) as the merchant's order `id`; `true` when it is new. Lines
/// are replaced as a whole, so the same order written twice is the same state.
pub fn write(conn: &Connection, id: &str, record: &OrderRecord) -> Result<bool, StoreError> {
    let existed = conn
        .prepare_cached("SELECT 1 FROM orders WHERE id = ?1")?
        .exists([id])?;
    conn.prepare_cached(
        "INSERT INTO orders (id, customer_id, ordered_on, subscription_id, origin)
         VALUES (?1, ?2, ?3, ?4, 'merchant')
         ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id,
            ordered_on = excluded.ordered_on, subscription_id = excluded.subscription_id",
    )?
    .execute(params![
        id,
        record.customer_id,
        record.ordered_on.to_string(),
        record.subscription_id
    ])?;
    conn.prepare_cached("DELETE FROM order_lines WHERE order_id = ?1")?
        .execute([id])?;
    for line in &record.lines {
        conn.prepare_cached(
            "INSERT INTO order_lines (order_id, sku, quantity, unit_price_minor, currency)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            id,
            line.sku,
            line.quantity,
            line.unit_price.amount_minor,
            line.unit_price.currency
        ])?;
    }
    Ok(!existed)
}

/// Order `id` with its lines (SKU order), whoever placed it.
pub fn read(conn: &Connection, id: &str) -> Result<Option<StoredOrder>, StoreError> {
    let found = conn
        .prepare_cached(
            "SELECT customer_id, ordered_on, subscription_id, origin FROM orders WHERE id = ?1",
        )?
        .query_row([id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, String>(3)?,
            ))
        })
        .optional()?;
    let Some((customer_id, ordered_on, subscription_id, origin)) = found else {
        return Ok(None);
    };
    let lines = conn.query_all(
        "SELECT sku, quantity, unit_price_minor, currency FROM order_lines
         WHERE order_id = ?1 ORDER BY sku",
        [id],
        |row| {
            Ok(OrderLineRecord {
                sku: row.get(0)?,
                quantity: row.get(1)?,
                unit_price: Money::new(row.get(2)?, row.get::<_, String>(3)?),
            })
        },
    )?;
    Ok(Some(StoredOrder {
        id: id.to_owned(),
        order: OrderRecord {
            customer_id,
            ordered_on: parse_date(&ordered_on)?,
            lines,
            subscription_id,
        },
        origin: if origin == "merchant" {
            OrderOrigin::Merchant
        } else {
            OrderOrigin::Cadence
        },
    }))
}

pub(super) fn parse_date(text: &str) -> Result<Date, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("bad date {text:?} in the database")))
}
