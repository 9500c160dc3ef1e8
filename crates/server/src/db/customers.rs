//! Customer queries.

use crate::error::ApiError;
use cadence_contract::Customer;
use rusqlite::{Connection, OptionalExtension};

/// The customer's display name, if the customer exists.
pub fn name(conn: &Connection, id: &str) -> Result<Option<String>, ApiError> {
    Ok(conn
        .prepare_cached("SELECT name FROM customers WHERE id = ?1")?
        .query_row([id], |row| row.get(0))
        .optional()?)
}

/// Every customer, by name (the demo shop's account picker).
pub fn list(conn: &Connection) -> Result<Vec<Customer>, ApiError> {
    let mut stmt = conn.prepare_cached("SELECT id, name FROM customers ORDER BY name")?;
    let rows = stmt.query_map([], |row| {
        Ok(Customer {
            id: row.get(0)?,
            name: row.get(1)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
