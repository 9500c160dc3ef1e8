//! Item-to-item co-occurrence from real orders, rebuilt in the background (at start, after
//! seeding and every [`REFRESH_EVERY`]) so no request ever pays for the self-join.

use crate::db::Db;
use crate::error::ApiError;
use rusqlite::Connection;
use std::time::Duration;

/// Fewest distinct orders holding both products before a pair counts: with fewer, one
/// customer's habit would drive what everybody sees.
pub const MIN_SUPPORT: i64 = 3;

pub const REFRESH_EVERY: Duration = Duration::from_secs(600);

/// Replaces the table's rows; callers run it inside a transaction so readers see the old
/// or the new pairs, never half. Every order counts once per pair, whatever the quantities.
pub fn refresh(conn: &Connection) -> Result<usize, ApiError> {
    conn.execute("DELETE FROM cooccurrence", [])?;
    let pairs = conn.execute(
        "INSERT INTO cooccurrence (sku_a, sku_b, orders)
         SELECT a.sku, b.sku, count(*) FROM order_lines a
         JOIN order_lines b ON b.order_id = a.order_id AND b.sku <> a.sku
         GROUP BY a.sku, b.sku HAVING count(*) >= ?1",
        [MIN_SUPPORT],
    )?;
    Ok(pairs)
}

/// Rebuilds the table as the server does, at start and every [`REFRESH_EVERY`].
pub async fn refresh_db(db: &Db) -> Result<usize, ApiError> {
    db.write(|tx| refresh(tx)).await
}

/// Rebuilds now and then every `REFRESH_EVERY` for the life of the process.
pub fn spawn_refresh(db: Db) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(REFRESH_EVERY);
        loop {
            tick.tick().await;
            match db.write(|tx| refresh(tx)).await {
                Ok(pairs) => tracing::debug!(pairs, "co-occurrence refreshed"),
                Err(e) => tracing::warn!(error = %e, "co-occurrence refresh failed"),
            }
        }
    });
}
