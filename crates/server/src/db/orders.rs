//! Orders placed by the subscription machinery (ship now).

use super::StoreError;
use crate::db::Connection;
use crate::params;
use cadence_contract::{Date, Money};

/// Records a one-line subscription delivery ordered on `on`; returns the order id.
pub fn insert_delivery(
    conn: &Connection,
    customer: &str,
    subscription_id: &str,
    on: Date,
    sku: &str,
    quantity: u32,
    unit_price: &Money,
) -> Result<String, StoreError> {
    let id = format!("ord_{}", uuid::Uuid::new_v4().simple());
    conn.prepare_cached(
        "INSERT INTO orders (id, customer_id, ordered_on, subscription_id) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![id, customer, on.to_string(), subscription_id])?;
    conn.prepare_cached(
        "INSERT INTO order_lines (order_id, sku, quantity, unit_price_minor, currency)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        id,
        sku,
        quantity,
        unit_price.amount_minor,
        unit_price.currency
    ])?;
    Ok(id)
}
