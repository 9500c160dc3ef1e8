//! Customer queries.

use super::StoreError;
use crate::db::{Connection, OptionalExtension};
use cadence_contract::Customer;

/// The customer's display name, if the customer exists.
pub fn name(conn: &Connection, id: &str) -> Result<Option<String>, StoreError> {
    conn.prepare_cached("SELECT name FROM customers WHERE id = ?1")?
        .query_row([id], |row| row.get(0))
        .optional()
}

/// What checking a customer token needs to know about its customer.
pub struct AuthRecord {
    pub name: String,
    /// Tokens issued at or before this instant (Unix seconds) are refused.
    pub tokens_revoked_at: Option<i64>,
    pub feed_generation: i64,
}

pub fn auth_record(conn: &Connection, id: &str) -> Result<Option<AuthRecord>, StoreError> {
    conn.prepare_cached(
        "SELECT name, tokens_revoked_at, feed_generation FROM customers WHERE id = ?1",
    )?
    .query_row([id], |row| {
        Ok(AuthRecord {
            name: row.get(0)?,
            tokens_revoked_at: row.get(1)?,
            feed_generation: row.get(2)?,
        })
    })
    .optional()
}

/// Revokes every token issued to `id` up to `now` and retires its calendar feed (a new
/// feed id is made on the next `GET /me/calendar`). `false` when no such customer.
/// Nobody else's tokens or feeds change.
pub fn revoke_access(conn: &Connection, id: &str, now: i64) -> Result<bool, StoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE customers SET tokens_revoked_at = ?2, feed_generation = feed_generation + 1
             WHERE id = ?1",
        )?
        .execute(crate::params![id, now])?;
    conn.prepare_cached("DELETE FROM calendar_feeds WHERE customer_id = ?1")?
        .execute([id])?;
    Ok(changed == 1)
}

/// Every customer, by name (the demo shop's account picker).
pub fn list(conn: &Connection) -> Result<Vec<Customer>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id, name FROM customers ORDER BY name")?;
    let rows = stmt.query_map([], |row| {
        Ok(Customer {
            id: row.get(0)?,
            name: row.get(1)?,
        })
    })?;
    rows.collect::<crate::db::sql::Result<_>>()
}
