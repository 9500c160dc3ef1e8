//! The database: SQLite (one file, the default) or PostgreSQL (`--database-url`), each
//! behind a connection pool, migrations, and running blocking work off the async runtime.
//!
//! What differs between the two is here and in `sql.rs`/`pg.rs`: how a transaction starts
//! (SQLite: one writer at a time, queued in-process; PostgreSQL: SERIALIZABLE, retried
//! when another transaction wins), and how a schema version is kept. The domain code sees
//! one `sql::Connection`.

pub mod admin_data;
pub mod calendar;
pub mod changes;
pub mod customers;
mod error;
pub mod extras;
pub mod idempotency;
mod migrate;
pub mod orders;
pub mod pg;
pub mod plan;
pub mod price_changes;
pub mod products;
pub mod routines;
pub mod sql;
pub mod subscriptions;
pub mod translations;

pub use error::StoreError;
pub use migrate::MIGRATIONS;
pub use sql::{Connection, Dialect, OptionalExtension, Row};

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::TransactionBehavior;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where the data lives.
#[derive(Clone, Debug)]
pub enum Location {
    /// A SQLite file, created when missing.
    Sqlite(PathBuf),
    /// A PostgreSQL URL (`postgres://user:password@host:port/database`).
    Postgres(String),
}

impl Location {
    /// What to print about it (a PostgreSQL URL without its password).
    pub fn describe(&self) -> String {
        match self {
            Location::Sqlite(path) => path.display().to_string(),
            Location::Postgres(url) => pg::Manager::new(url)
                .map(|m| m.describe())
                .unwrap_or_else(|_| "postgres://(unparsable URL)".to_owned()),
        }
    }
}

/// A cheap-to-clone handle to the database.
#[derive(Clone)]
pub struct Db {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Sqlite {
        pool: r2d2::Pool<SqliteConnectionManager>,
        /// Held around every write transaction: SQLite has one writer at a time, and
        /// writers of this process queue here (woken as soon as the lock is free) instead
        /// of in SQLite's busy handler, which sleeps and retries and so gave concurrent
        /// mutations a tail of over a second. `busy_timeout` still covers other processes.
        writer: Arc<Mutex<()>>,
    },
    Postgres {
        pool: pg::Pool,
    },
}

/// How long a request waits for a pooled connection before it is answered 503.
const POOL_WAIT: Duration = Duration::from_secs(5);

/// PostgreSQL connections per server process, unless `--database-pool-size` says
/// otherwise: requests run on the blocking pool, each holding one connection for a few
/// milliseconds, so a few more than the cores keeps the database busy without queueing
/// hundreds of sessions on it (see the server README's sizing arithmetic).
pub const PG_POOL_SIZE: u32 = 16;

/// How often a PostgreSQL write transaction is run again after losing a serialization
/// conflict before the request is answered 503: with SERIALIZABLE, a loser re-runs and
/// sees the winner's commit (a 412 for a stale If-Match, the stored answer for a repeated
/// idempotency key), so a few tries settle any realistic contention.
const CONFLICT_RETRIES: u32 = 12;

/// Prepared statements kept per SQLite connection: more than the server has distinct
/// statements on its request paths, so none is parsed twice.
const STATEMENT_CACHE: usize = 256;

/// Set on every connection: the pool may open new ones at any time.
/// `busy_timeout` comes first so the other pragmas wait rather than fail while another
/// connection holds a lock; `synchronous=FULL` because a confirmed subscription change
/// must survive a power cut.
const PRAGMAS: &str = "PRAGMA busy_timeout = 5000;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA foreign_keys = ON;";

impl Db {
    /// Opens (creating if needed) a SQLite file and brings its schema up to date.
    /// Returns the handle and the names of the migrations applied now.
    pub fn open(path: &Path) -> Result<(Db, Vec<&'static str>), OpenError> {
        Db::connect(&Location::Sqlite(path.to_owned()), PG_POOL_SIZE)
    }

    /// Opens the database at `location` and brings its schema up to date. `pool_size`
    /// applies to PostgreSQL (SQLite has one writer: 8 connections are plenty on WAL).
    pub fn connect(
        location: &Location,
        pool_size: u32,
    ) -> Result<(Db, Vec<&'static str>), OpenError> {
        let db = match location {
            Location::Sqlite(path) => {
                // WAL is a property of the file: switch it once, alone, before the pool
                // opens its connections in parallel (a new file would otherwise see them
                // race for the lock).
                rusqlite::Connection::open(path)?.execute_batch(PRAGMAS)?;
                let manager = SqliteConnectionManager::file(path).with_init(
                    |conn: &mut rusqlite::Connection| {
                        // rusqlite keeps 16 prepared statements per connection by default;
                        // one account read alone runs more than that, so the cache thrashed
                        // and every request parsed its SQL again.
                        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
                        conn.execute_batch(PRAGMAS)
                    },
                );
                // A request waits at most POOL_WAIT for a connection, then is answered 503
                // with Retry-After (r2d2's default wait is 30 s: a saturated server looked
                // hung).
                let pool = r2d2::Pool::builder()
                    .max_size(8)
                    .connection_timeout(POOL_WAIT)
                    .build(manager)?;
                Db {
                    backend: Backend::Sqlite {
                        pool,
                        writer: Arc::default(),
                    },
                }
            }
            Location::Postgres(url) => {
                let manager = pg::Manager::new(url).map_err(OpenError::Postgres)?;
                // Opens connections when asked: a database that is down now is reported by
                // the migration step below (and a running server recovers when it returns).
                let pool = pg::Pool::new(manager, pool_size, POOL_WAIT);
                Db {
                    backend: Backend::Postgres { pool },
                }
            }
        };
        let applied = db.off_runtime(|| migrate::migrate(&db))?;
        Ok((db, applied))
    }

    /// Which database this is.
    pub fn dialect(&self) -> Dialect {
        match self.backend {
            Backend::Sqlite { .. } => Dialect::Sqlite,
            Backend::Postgres { .. } => Dialect::Postgres,
        }
    }

    /// Connections open and idle in the pool, for `/metrics`.
    pub fn pool_state(&self) -> (u32, u32, u32) {
        let (state, max) = match &self.backend {
            Backend::Sqlite { pool, .. } => (pool.state(), pool.max_size()),
            Backend::Postgres { pool } => (pool.state(), pool.max_size()),
        };
        (state.connections, state.idle_connections, max)
    }

    /// Runs read-only `work` on a pooled connection, on the blocking thread pool.
    ///
    /// `work` fails with any error a `StoreError` converts into: storage code uses
    /// `StoreError` itself, and a route may refuse from inside (a validation error, a 409)
    /// with its `ApiError`. On PostgreSQL it runs in a READ ONLY REPEATABLE READ
    /// transaction: one snapshot, as a SQLite WAL reader has.
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read_here(work))
            .await
            .map_err(StoreError::from)?
    }

    /// [`Db::read`], blocking the caller (start-up, command-line tools, tests).
    pub fn read_blocking<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send,
        E: From<StoreError> + Send,
        F: FnOnce(&Connection) -> Result<T, E> + Send,
    {
        self.off_runtime(move || self.read_here(work))
    }

    /// The synchronous PostgreSQL client runs its own event loop, which may not start on a
    /// thread that drives async tasks: a blocking caller inside the async runtime
    /// (start-up, a `#[tokio::test]`) gets a thread of its own for the call. SQLite, and
    /// the request paths (already on the blocking pool), run where they are.
    fn off_runtime<R: Send>(&self, run: impl FnOnce() -> R + Send) -> R {
        match self.backend {
            Backend::Sqlite { .. } => run(),
            Backend::Postgres { .. } => std::thread::scope(|scope| {
                scope
                    .spawn(run)
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            }),
        }
    }

    fn read_here<T, E, F>(&self, work: F) -> Result<T, E>
    where
        E: From<StoreError>,
        F: FnOnce(&Connection) -> Result<T, E>,
    {
        match &self.backend {
            Backend::Sqlite { pool, .. } => {
                let conn = pool.get().map_err(StoreError::from)?;
                // A deferred transaction: every query of `work` reads the same snapshot.
                let snapshot = conn.unchecked_transaction().map_err(StoreError::from)?;
                let value = work(&snapshot as &rusqlite::Connection)?;
                snapshot.finish().map_err(StoreError::from)?;
                Ok(value)
            }
            Backend::Postgres { pool } => {
                let session = pg::Session::new(pool.get()?);
                session.begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
                let value = work(&session)?;
                session.commit()?;
                Ok(value)
            }
        }
    }

    /// Runs `work` inside one transaction that commits only if `work` returns `Ok`, such
    /// that read-then-write logic cannot be overtaken by another writer: on SQLite a
    /// `BEGIN IMMEDIATE` (the write lock up front), on PostgreSQL a SERIALIZABLE
    /// transaction, run again from the start when PostgreSQL reports that a concurrent
    /// one won (which is why `work` is `Fn`: it may run more than once, and only the
    /// last run's writes count). `work` fails as in [`Db::read`].
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: Fn(&Connection) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            db.transaction(CONFLICT_RETRIES, &mut |conn| work(conn))
        })
        .await
        .map_err(StoreError::from)?
    }

    /// [`Db::write`] for one customer's data: on PostgreSQL, writes for the same `key` (a
    /// customer id) queue for a session-level advisory lock taken before the transaction
    /// begins, so concurrent changes of one customer wait their turn instead of failing
    /// each other's SERIALIZABLE checks (a customer's requests conflict by nature: the
    /// subscription cap, one If-Match, one idempotency key). The lock is taken before
    /// `BEGIN` so the transaction's snapshot already sees the previous holder's commit;
    /// it is released after the commit, and by PostgreSQL if the server dies. Different
    /// customers never wait for each other. On SQLite, the same as `write`.
    pub async fn write_for<T, E, F>(&self, key: String, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: Fn(&Connection) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            db.transaction_keyed(Some(&key), CONFLICT_RETRIES, &mut |conn| work(conn))
        })
        .await
        .map_err(StoreError::from)?
    }

    /// [`Db::write`], blocking the caller (start-up, command-line tools, tests).
    pub fn write_blocking<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send,
        E: From<StoreError> + Send,
        F: Fn(&Connection) -> Result<T, E> + Send,
    {
        self.off_runtime(move || self.transaction(CONFLICT_RETRIES, &mut |conn| work(conn)))
    }

    /// One write transaction that is not run again after a PostgreSQL conflict (a conflict
    /// is returned as `StoreError::Conflict`): for bulk loads that run alone and carry
    /// state along (the data generator's random numbers).
    pub fn write_once_blocking<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send,
        E: From<StoreError> + Send,
        F: FnOnce(&Connection) -> Result<T, E> + Send,
    {
        let mut work = Some(work);
        self.off_runtime(move || {
            self.transaction(0, &mut |conn| match work.take() {
                Some(work) => work(conn),
                None => Err(StoreError::Conflict("not retried".to_owned()).into()),
            })
        })
    }

    fn transaction<T, E>(
        &self,
        retries: u32,
        work: &mut dyn FnMut(&Connection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        self.transaction_keyed(None, retries, work)
    }

    fn transaction_keyed<T, E>(
        &self,
        key: Option<&str>,
        retries: u32,
        work: &mut dyn FnMut(&Connection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        match &self.backend {
            Backend::Sqlite { pool, writer } => {
                // Taken before a pooled connection, so queued writers do not hold
                // connections readers need. A panic in another writer poisons nothing: it
                // guards no data.
                let _turn = writer
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                let mut conn = pool.get().map_err(StoreError::from)?;
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(StoreError::from)?;
                let value = work(&tx as &rusqlite::Connection)?;
                tx.commit().map_err(StoreError::from)?;
                Ok(value)
            }
            Backend::Postgres { pool } => {
                let mut attempt = 0;
                loop {
                    let session = pg::Session::new(pool.get()?);
                    if let Some(key) = key {
                        session.lock_key(key)?;
                    }
                    session.begin("BEGIN ISOLATION LEVEL SERIALIZABLE")?;
                    let outcome = match work(&session) {
                        Ok(value) => session.commit().map(|()| value).map_err(E::from),
                        Err(e) => Err(e),
                    };
                    if outcome.is_ok() || !session.hit_conflict() || attempt >= retries {
                        return outcome;
                    }
                    drop(session); // rolls back
                    attempt += 1;
                    std::thread::sleep(conflict_backoff(attempt));
                }
            }
        }
    }

    /// A pooled connection outside any transaction (each statement commits on its own),
    /// for start-up checks, the command-line tools and tests.
    pub fn conn(&self) -> Result<DirectConn, StoreError> {
        Ok(match &self.backend {
            Backend::Sqlite { pool, .. } => DirectConn::Sqlite(pool.get()?),
            Backend::Postgres { pool } => {
                DirectConn::Postgres(Box::new(pg::Session::new(self.off_runtime(|| pool.get())?)))
            }
        })
    }

    /// Whether the database answers now, and its schema is the one this server knows.
    pub fn ready(&self) -> Result<(), StoreError> {
        let version = self.read_blocking(migrate::version)?;
        if version == MIGRATIONS.len() as i64 {
            Ok(())
        } else {
            Err(StoreError::Corrupt(format!(
                "schema version {version}, this server needs {}",
                MIGRATIONS.len()
            )))
        }
    }
}

/// Waits between conflict retries: up to 1, 2, 4, … 64 ms, "full jitter" (a random part of
/// that), so losers spread out instead of colliding again in step.
fn conflict_backoff(attempt: u32) -> Duration {
    let cap_us = 1000u64 << attempt.clamp(1, 7).saturating_sub(1);
    Duration::from_micros((uuid::Uuid::new_v4().as_u128() % u128::from(cap_us)) as u64 + 100)
}

/// A connection from [`Db::conn`].
pub enum DirectConn {
    Sqlite(r2d2::PooledConnection<SqliteConnectionManager>),
    Postgres(Box<pg::Session>),
}

impl DirectConn {
    /// Runs `call` on this connection; on PostgreSQL on a thread of its own (see
    /// `Db::off_runtime`: a direct connection is used from start-up code and tests, which
    /// may be inside the async runtime).
    fn hop<R: Send>(&self, call: impl FnOnce(&Connection) -> R + Send) -> R {
        match self {
            DirectConn::Sqlite(conn) => call(&**conn as &rusqlite::Connection),
            DirectConn::Postgres(session) => std::thread::scope(|scope| {
                scope
                    .spawn(|| call(&**session))
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            }),
        }
    }

    fn inner(&self) -> &Connection {
        match self {
            DirectConn::Sqlite(conn) => &**conn as &rusqlite::Connection,
            DirectConn::Postgres(session) => &**session,
        }
    }
}

impl std::ops::Deref for DirectConn {
    type Target = Connection;

    /// Itself, as a `Connection`: every statement goes through the `Backend` impl below.
    fn deref(&self) -> &Connection {
        self
    }
}

/// So `&db.conn()?` is a `&Connection` wherever one is expected.
impl sql::Backend for DirectConn {
    fn dialect(&self) -> Dialect {
        self.inner().dialect()
    }
    fn execute_values(&self, sql: &str, params: &[sql::Value]) -> sql::Result<usize> {
        self.hop(|conn| conn.execute_values(sql, params))
    }
    fn query_values(
        &self,
        sql: &str,
        params: &[sql::Value],
        each: &mut dyn FnMut(&Row<'_>) -> sql::Result<()>,
    ) -> sql::Result<()> {
        match self {
            DirectConn::Sqlite(conn) => {
                (&**conn as &rusqlite::Connection).query_values(sql, params, each)
            }
            // The rows come back to this thread to be read: `each` need not be `Send`.
            DirectConn::Postgres(_) => {
                let rows = self.hop(|conn| -> sql::Result<Vec<Vec<sql::Value>>> {
                    let mut rows = Vec::new();
                    conn.query_values(sql, params, &mut |row| {
                        let cells = (0..row.column_count())
                            .map(|i| row.get::<_, sql::Value>(i))
                            .collect::<sql::Result<Vec<_>>>()?;
                        rows.push(cells);
                        Ok(())
                    })?;
                    Ok(rows)
                })?;
                for cells in &rows {
                    each(&Row::Values(cells))?;
                }
                Ok(())
            }
        }
    }
    fn execute_batch(&self, sql: &str) -> sql::Result<()> {
        self.hop(|conn| conn.execute_batch(sql))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("could not open the database: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {0}")]
    Postgres(postgres::Error),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("the database schema (version {found}) is newer than this server knows ({known})")]
    TooNew { found: i64, known: usize },
}
