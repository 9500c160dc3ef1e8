//! Calendar feed ids, stored so a feed request finds its customer with one lookup.

use super::StoreError;
use crate::db::{Connection, OptionalExtension};

/// Records `feed_id` as the customer's feed (replacing one made under an older secret).
pub fn save_feed(conn: &Connection, feed_id: &str, customer: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO calendar_feeds (feed_id, customer_id) VALUES (?1, ?2)
         ON CONFLICT (customer_id) DO UPDATE SET feed_id = excluded.feed_id",
    )?
    .execute([feed_id, customer])?;
    Ok(())
}

/// Retires the customer's feed URL: a new generation makes a new id, the old one is
/// forgotten (a 404 from now on). Nobody else's feed changes.
pub fn reset_feed(conn: &Connection, customer: &str) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM calendar_feeds WHERE customer_id = ?1")?
        .execute([customer])?;
    conn.prepare_cached(
        "UPDATE customers SET feed_generation = feed_generation + 1 WHERE id = ?1",
    )?
    .execute([customer])?;
    Ok(())
}

/// The customer whose feed this is, if any, with the customer's feed generation.
pub fn feed_customer(
    conn: &Connection,
    feed_id: &str,
) -> Result<Option<(String, i64)>, StoreError> {
    conn.prepare_cached(
        "SELECT f.customer_id, c.feed_generation
             FROM calendar_feeds f JOIN customers c ON c.id = f.customer_id
             WHERE f.feed_id = ?1",
    )?
    .query_row([feed_id], |row| Ok((row.get(0)?, row.get(1)?)))
    .optional()
}
