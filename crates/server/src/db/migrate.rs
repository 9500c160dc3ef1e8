//! Schema migrations: embedded SQL files applied in order, tracked with `PRAGMA user_version`.

use super::OpenError;
use rusqlite::{Connection, TransactionBehavior};

/// Every migration, in order; `user_version` = how many of them the file has applied.
/// Append only: never edit or reorder a migration that has shipped.
pub const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_initial",
        include_str!("../../migrations/0001_initial.sql"),
    ),
    (
        "0002_selfservice",
        include_str!("../../migrations/0002_selfservice.sql"),
    ),
    ("0003_plan", include_str!("../../migrations/0003_plan.sql")),
    (
        "0004_recommend",
        include_str!("../../migrations/0004_recommend.sql"),
    ),
    (
        "0005_metrics",
        include_str!("../../migrations/0005_metrics.sql"),
    ),
    (
        "0006_hot_paths",
        include_str!("../../migrations/0006_hot_paths.sql"),
    ),
    (
        "0007_hardening",
        include_str!("../../migrations/0007_hardening.sql"),
    ),
];

/// Applies the migrations the database has not seen yet, each in its own transaction
/// together with its `user_version` bump, so a crash never leaves one half-applied.
pub fn migrate(conn: &mut Connection) -> Result<Vec<&'static str>, OpenError> {
    let mut applied = Vec::new();
    loop {
        // Re-read under the write lock: another process may be migrating the same file.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        let Ok(done) = usize::try_from(version) else {
            return Err(OpenError::TooNew {
                found: version,
                known: MIGRATIONS.len(),
            });
        };
        if done > MIGRATIONS.len() {
            return Err(OpenError::TooNew {
                found: version,
                known: MIGRATIONS.len(),
            });
        }
        let Some((name, sql)) = MIGRATIONS.get(done) else {
            return Ok(applied);
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", done as i64 + 1)?;
        tx.commit()?;
        tracing::info!(migration = name, "applied database migration");
        applied.push(*name);
    }
}
