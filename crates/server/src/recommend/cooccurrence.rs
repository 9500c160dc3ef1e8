//! Item-to-item co-occurrence from real orders, rebuilt in the background (at start, after
//! seeding and every [`REFRESH_EVERY`]) so no request ever pays for counting pairs. The
//! same rebuild refreshes the community signal (`db::plan::compute_community`, migration
//! 0006), the other per-request aggregate moved off the request path.

use crate::db::StoreError;
use crate::db::{plan, Db};
use crate::db::{Connection, OptionalExtension};
use crate::params;
use std::collections::HashMap;
use std::time::Duration;

/// Fewest distinct orders holding both products before a pair counts: with fewer, one
/// customer's habit would drive what everybody sees.
pub const MIN_SUPPORT: i64 = 3;

pub const REFRESH_EVERY: Duration = Duration::from_secs(600);

/// One row of the table: products `a` and `b` share `orders` orders.
pub type Pair = (String, String, i64);

/// The pairs with at least [`MIN_SUPPORT`] shared orders, both directions, sorted. Every
/// order counts once per pair, whatever the quantities. Read-only: one pass over the
/// `order_lines` primary key (order, SKU), counted in memory. On 1M generated orders (2.1M
/// lines, release build) the SQL self-join with GROUP BY it replaces took 4.5 s, this
/// 0.7 s.
pub fn compute(conn: &Connection) -> Result<Vec<Pair>, StoreError> {
    let mut skus: Vec<String> = Vec::new();
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut counts: HashMap<(u32, u32), u32> = HashMap::new();
    let count_basket = |basket: &[u32], counts: &mut HashMap<(u32, u32), u32>| {
        for &a in basket {
            for &b in basket {
                if a != b {
                    *counts.entry((a, b)).or_insert(0) += 1;
                }
            }
        }
    };
    let mut order = String::new();
    let mut basket: Vec<u32> = Vec::new();
    let sql = "SELECT order_id, sku FROM order_lines ORDER BY order_id";
    conn.query_values(sql, &[], &mut |row| {
        let order_id = row.text(0)?;
        if order_id != order {
            count_basket(&basket, &mut counts);
            basket.clear();
            order.clear();
            order.push_str(order_id);
        }
        let sku = row.text(1)?;
        let id = match ids.get(sku) {
            Some(id) => *id,
            None => {
                let id = skus.len() as u32;
                skus.push(sku.to_owned());
                ids.insert(sku.to_owned(), id);
                id
            }
        };
        basket.push(id);
        Ok(())
    })?;
    count_basket(&basket, &mut counts);
    let mut pairs: Vec<Pair> = counts
        .into_iter()
        .filter(|(_, n)| i64::from(*n) >= MIN_SUPPORT)
        .map(|((a, b), n)| {
            (
                skus[a as usize].clone(),
                skus[b as usize].clone(),
                i64::from(n),
            )
        })
        .collect();
    pairs.sort();
    Ok(pairs)
}

/// Replaces the table's rows with `pairs`; callers run it inside a transaction so readers
/// see the old or the new pairs, never half.
pub fn replace(conn: &Connection, pairs: &[Pair]) -> Result<usize, StoreError> {
    conn.execute("DELETE FROM cooccurrence", [])?;
    let mut insert =
        conn.prepare_cached("INSERT INTO cooccurrence (sku_a, sku_b, orders) VALUES (?1, ?2, ?3)")?;
    for (a, b, n) in pairs {
        insert.execute(params![a, b, n])?;
    }
    Ok(pairs.len())
}

/// Computes and replaces both background tables (co-occurrence pairs and community
/// choices) in one go, inside the caller's transaction (seeding); returns the pairs.
pub fn refresh(conn: &Connection) -> Result<usize, StoreError> {
    let pairs = replace(conn, &compute(conn)?)?;
    plan::replace_community(conn, &plan::compute_community(conn)?)?;
    Ok(pairs)
}

/// Rebuilds the background tables as the server does, at start and every
/// [`REFRESH_EVERY`]: the pairs and the community choices are computed on one read
/// snapshot (WAL: writers are not blocked meanwhile), and only the replacement takes the
/// write lock, so self-service changes never wait for the count. Orders and subscriptions
/// written in between count at the next rebuild. Returns the pairs.
pub async fn refresh_db(db: &Db) -> Result<usize, StoreError> {
    let (pairs, community) = db
        // One read transaction: both tables describe the same moment.
        .read(|conn| {
            conn.allow_long_statements()?;
            Ok::<_, StoreError>((compute(conn)?, plan::compute_community(conn)?))
        })
        .await?;
    db.write(move |tx| {
        tx.allow_long_statements()?;
        plan::replace_community(tx, &community)?;
        replace(tx, &pairs)
    })
    .await
}

/// The `meta` key holding when a server last claimed a periodic rebuild (unix seconds).
const CLAIM_KEY: &str = "background_rebuild_claimed_at";

/// Claims this round of the periodic rebuild for this server, unless another server on the
/// same database claimed one less than a round ago: three servers then rebuild once per
/// [`REFRESH_EVERY`] between them, not three times. The claim is one write transaction
/// (SQLite's single writer, PostgreSQL's SERIALIZABLE), so two servers cannot both win
/// it; a server that dies after claiming only delays the next rebuild by one round.
pub async fn claim_round(db: &Db, now: i64) -> Result<bool, StoreError> {
    // A little under a round, so a server's own next tick is never refused by its own
    // previous claim.
    let fresh_for = REFRESH_EVERY.as_secs() as i64 - 30;
    db.write(move |tx| {
        let last: Option<String> = tx
            .query_row("SELECT value FROM meta WHERE key = ?1", [CLAIM_KEY], |r| {
                r.get(0)
            })
            .optional()?;
        let last = last.and_then(|v| v.parse::<i64>().ok());
        if last.is_some_and(|at| now - at < fresh_for && at <= now) {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![CLAIM_KEY, now.to_string()],
        )?;
        Ok(true)
    })
    .await
}

/// Rebuilds both tables every `REFRESH_EVERY` for the life of the process, in the rounds
/// this server claims (the start-up rebuild is `serve`'s, unconditional).
pub fn spawn_refresh(db: Db, clock: crate::clock::Clock) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(REFRESH_EVERY);
        tick.tick().await; // the first tick is now: serve has just rebuilt
        loop {
            tick.tick().await;
            match claim_round(&db, clock.unix_seconds()).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::debug!("another server rebuilt the background tables this round");
                    continue;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim the background rebuild");
                    continue;
                }
            }
            match refresh_db(&db).await {
                Ok(pairs) => tracing::debug!(pairs, "co-occurrence and community refreshed"),
                Err(e) => tracing::warn!(error = %e, "background tables refresh failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The straightforward SQL the in-memory count replaced, as the reference.
    fn by_self_join(conn: &Connection) -> Vec<Pair> {
        let mut stmt = conn
            .prepare(
                "SELECT a.sku, b.sku, count(*) FROM order_lines a
                 JOIN order_lines b ON b.order_id = a.order_id AND b.sku <> a.sku
                 GROUP BY a.sku, b.sku HAVING count(*) >= ?1 ORDER BY 1, 2",
            )
            .unwrap();
        stmt.query_map([MIN_SUPPORT], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn counts_agree_with_the_self_join() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let conn: &Connection = &conn;
        conn.execute_batch(
            "CREATE TABLE order_lines (order_id TEXT, sku TEXT, PRIMARY KEY (order_id, sku));",
        )
        .unwrap();
        // Baskets over five SKUs, from a fixed pseudo-random sequence.
        let mut x: u32 = 12_345;
        for order in 0..400 {
            for sku in ["A", "B", "C", "D", "E"] {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                if (x >> 16) % 3 == 0 {
                    conn.execute(
                        "INSERT INTO order_lines VALUES (?1, ?2)",
                        params![format!("o{order}"), sku],
                    )
                    .unwrap();
                }
            }
        }
        let pairs = compute(conn).unwrap();
        assert!(!pairs.is_empty());
        assert_eq!(pairs, by_self_join(conn));
    }

    /// Several servers on one database: one claim per round between them.
    #[tokio::test]
    async fn one_server_claims_each_round() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(&dir.path().join("t.db")).unwrap();
        let round = REFRESH_EVERY.as_secs() as i64;
        assert!(claim_round(&db, 1_000_000).await.unwrap());
        assert!(
            !claim_round(&db, 1_000_001).await.unwrap(),
            "another server's turn was taken"
        );
        assert!(!claim_round(&db, 1_000_000 + round - 60).await.unwrap());
        assert!(
            claim_round(&db, 1_000_000 + round).await.unwrap(),
            "the next round"
        );
        // A clock set back never blocks the rebuild for good.
        assert!(claim_round(&db, 10).await.unwrap());
    }
}
