//! Schema migrations: embedded SQL files applied in order, one set per database.
//!
//! SQLite keeps how many it applied in `PRAGMA user_version`; PostgreSQL in a
//! `schema_migrations` table, written under an advisory lock so several servers starting
//! at once on one database migrate it once. Both sets hold the same tables, columns and
//! indexes (a test compares them).

use super::sql::{Connection, Dialect};
use super::{Db, OpenError, StoreError};

/// A migration: its name, the SQLite text and the PostgreSQL text.
pub struct Migration {
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

macro_rules! migrations {
    ($($name:literal),* $(,)?) => {
        &[$(Migration {
            name: $name,
            sqlite: include_str!(concat!("../../migrations/", $name, ".sql")),
            postgres: include_str!(concat!("../../migrations/postgres/", $name, ".sql")),
        }),*]
    };
}

/// Every migration, in order; the schema version = how many of them were applied.
/// Append only: never edit or reorder a migration that has shipped.
pub const MIGRATIONS: &[Migration] = migrations![
    "0001_initial",
    "0002_selfservice",
    "0003_plan",
    "0004_recommend",
    "0005_metrics",
    "0006_hot_paths",
    "0007_hardening",
    "0008_operations",
    "0009_webhooks",
    "0010_orders",
    "0011_admin_data",
    "0012_routines",
    "0013_translations",
    "0014_notifications",
    "0015_price_lock",
    "0016_routine_follows",
    "0017_cancellation",
    "0018_consent",
];

/// Any number, the same in every server: the advisory lock migrations take on PostgreSQL.
const MIGRATION_LOCK: i64 = 0x00ca_de0c_e001;

/// The schema version the database has now.
pub(super) fn version(conn: &Connection) -> Result<i64, StoreError> {
    match conn.dialect() {
        Dialect::Sqlite => conn.query_row("PRAGMA user_version", [], |row| row.get(0)),
        Dialect::Postgres => conn.query_row(
            "SELECT CAST(coalesce(max(version), 0) AS BIGINT) FROM schema_migrations",
            [],
            |row| row.get(0),
        ),
    }
}

/// Applies the migrations the database has not seen yet, each in its own transaction
/// together with its version bump, so a crash never leaves one half-applied.
pub(super) fn migrate(db: &Db) -> Result<Vec<&'static str>, OpenError> {
    // On PostgreSQL, a session-level advisory lock held on a connection of its own around
    // the whole loop: a transaction-level one would be taken after the transaction's
    // snapshot, which would then not see the migration another server just committed.
    let lock = match db.dialect() {
        Dialect::Sqlite => None,
        Dialect::Postgres => {
            let conn = db.conn()?;
            conn.query_row(
                "SELECT 1 FROM pg_advisory_lock(?1)",
                [MIGRATION_LOCK],
                |_| Ok(()),
            )?;
            conn.execute_batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                     version BIGINT PRIMARY KEY,
                     name    TEXT NOT NULL
                 )",
            )?;
            Some(conn)
        }
    };
    let applied = apply_pending(db);
    if let Some(conn) = lock {
        conn.query_row(
            "SELECT 1 FROM pg_advisory_unlock(?1)",
            [MIGRATION_LOCK],
            |_| Ok(()),
        )?;
    }
    applied
}

fn apply_pending(db: &Db) -> Result<Vec<&'static str>, OpenError> {
    let mut applied = Vec::new();
    loop {
        let step = db.write_blocking(|conn| -> Result<Option<&'static str>, OpenError> {
            let version = version(conn)?;
            let done = usize::try_from(version)
                .ok()
                .filter(|done| *done <= MIGRATIONS.len())
                .ok_or(OpenError::TooNew {
                    found: version,
                    known: MIGRATIONS.len(),
                })?;
            let Some(migration) = MIGRATIONS.get(done) else {
                return Ok(None);
            };
            match conn.dialect() {
                Dialect::Sqlite => {
                    conn.execute_batch(migration.sqlite)?;
                    conn.execute_batch(&format!("PRAGMA user_version = {}", done + 1))?;
                }
                Dialect::Postgres => {
                    conn.execute_batch(migration.postgres)?;
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)",
                        super::sql::params![done + 1, migration.name],
                    )?;
                }
            }
            Ok(Some(migration.name))
        })?;
        let Some(name) = step else {
            return Ok(applied);
        };
        tracing::info!(migration = name, "applied database migration");
        applied.push(name);
    }
}
