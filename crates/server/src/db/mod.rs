//! The SQLite connection pool: per-connection pragmas, migrations, and running blocking
//! queries off the async runtime.

pub mod calendar;
pub mod changes;
pub mod customers;
mod error;
pub mod extras;
pub mod idempotency;
mod migrate;
pub mod orders;
pub mod plan;
pub mod products;
pub mod subscriptions;

pub use error::StoreError;
pub use migrate::{migrate, MIGRATIONS};

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;
use std::sync::{Arc, Mutex};

pub type Pool = r2d2::Pool<SqliteConnectionManager>;

/// A cheap-to-clone handle to the database.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    /// Held around every write transaction: SQLite has one writer at a time, and writers
    /// of this process queue here (woken as soon as the lock is free) instead of in
    /// SQLite's busy handler, which sleeps and retries and so gave concurrent mutations a
    /// tail of over a second. `busy_timeout` still covers other processes.
    writer: Arc<Mutex<()>>,
}

/// How long a request waits for a pooled connection before it is answered 503.
const POOL_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Set on every connection: the pool may open new ones at any time.
/// `busy_timeout` comes first so the other pragmas wait rather than fail while another
/// connection holds a lock; `synchronous=FULL` because a confirmed subscription change
/// must survive a power cut.
const PRAGMAS: &str = "PRAGMA busy_timeout = 5000;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA foreign_keys = ON;";

impl Db {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    /// Returns the handle and the names of the migrations applied now.
    pub fn open(path: &Path) -> Result<(Db, Vec<&'static str>), OpenError> {
        // WAL is a property of the file: switch it once, alone, before the pool opens its
        // connections in parallel (a new file would otherwise see them race for the lock).
        Connection::open(path)?.execute_batch(PRAGMAS)?;
        let manager = SqliteConnectionManager::file(path)
            .with_init(|conn: &mut Connection| conn.execute_batch(PRAGMAS));
        // SQLite has one writer at a time; a handful of readers is plenty on WAL.
        // A request waits at most POOL_WAIT for a connection, then is answered 503 with
        // Retry-After (r2d2's default wait is 30 s: a saturated server looked hung).
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .connection_timeout(POOL_WAIT)
            .build(manager)?;
        let applied = {
            let mut conn = pool.get()?;
            migrate(&mut conn)?
        };
        Ok((
            Db {
                pool,
                writer: Arc::default(),
            },
            applied,
        ))
    }

    /// Runs read-only `work` on a pooled connection, on the blocking thread pool.
    ///
    /// `work` fails with any error a `StoreError` converts into: storage code uses
    /// `StoreError` itself, and a route may refuse from inside (a validation error, a 409)
    /// with its `ApiError`.
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let conn = pool.get().map_err(StoreError::from)?;
            work(&conn)
        })
        .await
        .map_err(StoreError::from)?
    }

    /// Runs `work` inside one `BEGIN IMMEDIATE` transaction: it takes the write lock up
    /// front, so read-then-write logic cannot be overtaken by another writer. The
    /// transaction commits only if `work` returns `Ok`. `work` fails as in [`Db::read`].
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T, E> + Send + 'static,
    {
        let pool = self.pool.clone();
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || {
            // Taken before a pooled connection, so queued writers do not hold connections
            // readers need. A panic in another writer poisons nothing: it guards no data.
            let _turn = writer
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let mut conn = pool.get().map_err(StoreError::from)?;
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(StoreError::from)?;
            let value = work(&tx)?;
            tx.commit().map_err(StoreError::from)?;
            Ok(value)
        })
        .await
        .map_err(StoreError::from)?
    }

    /// A pooled connection for synchronous callers (start-up, tests).
    pub fn conn(&self) -> Result<r2d2::PooledConnection<SqliteConnectionManager>, r2d2::Error> {
        self.pool.get()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("could not open the database: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the database schema (version {found}) is newer than this server knows ({known})")]
    TooNew { found: i64, known: usize },
}
