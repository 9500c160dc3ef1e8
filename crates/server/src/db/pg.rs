//! The PostgreSQL side of `sql.rs`: a pooled session with its prepared statements, how
//! values are bound and read, and which failures are worth a retry.
//!
//! The synchronous `postgres` client keeps the domain code as it is (closures run on the
//! blocking pool, as with SQLite); each pooled connection caches its prepared statements,
//! so a hot query is parsed once per connection, not once per request.

use super::sql::{self, Backend, Dialect, Row, Value};
use super::StoreError;
use bytes::BytesMut;
use postgres::error::SqlState;
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Settings every session starts with. A statement that runs longer than this is cancelled
/// and answered 503 (a runaway query must not hold a connection the others need); a
/// transaction left idle (a crashed handler) is ended by the server.
const SESSION_SETTINGS: &str = "SET statement_timeout = '5s';
SET lock_timeout = '4s';
SET idle_in_transaction_session_timeout = '30s';";

/// How long opening a TCP connection to PostgreSQL may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Opens sessions for r2d2, and remembers when opening one last failed (`Health`).
#[derive(Debug)]
pub struct Manager {
    config: postgres::Config,
    health: Arc<Health>,
}

/// Whether PostgreSQL could be reached lately, shared by the manager and the pool.
#[derive(Debug, Default)]
struct Health {
    /// When a connection last failed to open, and why (the whole error chain: "error
    /// connecting to server" alone hides the "Connection refused" under it).
    last_failure: Mutex<Option<(Instant, String)>>,
    /// When that was last logged, and how many failures since.
    logged: Mutex<(Option<Instant>, u64)>,
}

/// Failures to connect are logged at most this often (an outage is one line per 10 s per
/// server, not one per attempt).
const LOG_EVERY: Duration = Duration::from_secs(10);

/// A connect failure this recent means "down": requests fail at once rather than each
/// waiting out the pool's 5 s.
const DOWN_FOR: Duration = Duration::from_secs(2);

impl Health {
    fn failed(&self, why: String) {
        let now = Instant::now();
        let mut logged = self.logged.lock().unwrap_or_else(|p| p.into_inner());
        logged.1 += 1;
        if logged
            .0
            .is_none_or(|at| now.duration_since(at) >= LOG_EVERY)
        {
            tracing::error!(error = %why, failures = logged.1, "cannot connect to PostgreSQL");
            *logged = (Some(now), 0);
        }
        *self.last_failure.lock().unwrap_or_else(|p| p.into_inner()) = Some((now, why));
    }

    fn recovered(&self) {
        let mut last = self.last_failure.lock().unwrap_or_else(|p| p.into_inner());
        if last.take().is_some() {
            tracing::info!("connected to PostgreSQL again");
        }
    }

    /// Why PostgreSQL counts as down now, if it does.
    fn down(&self) -> Option<String> {
        let last = self.last_failure.lock().unwrap_or_else(|p| p.into_inner());
        last.as_ref()
            .filter(|(at, _)| at.elapsed() < DOWN_FOR)
            .map(|(_, why)| why.clone())
    }
}

/// `e` and its sources, joined: what actually went wrong.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

impl Manager {
    pub fn new(url: &str) -> Result<Manager, postgres::Error> {
        let mut config: postgres::Config = url.parse()?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.application_name("cadence-server");
        Ok(Manager {
            config,
            health: Arc::default(),
        })
    }

    /// Where it connects, for log lines (no password).
    pub fn describe(&self) -> String {
        let hosts: Vec<String> = self
            .config
            .get_hosts()
            .iter()
            .map(|h| match h {
                postgres::config::Host::Tcp(name) => name.clone(),
                postgres::config::Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        let db = self.config.get_dbname().unwrap_or("(default)");
        format!("postgres://{}:{port}/{db}", hosts.join(","))
    }
}

/// A pooled PostgreSQL connection and the statements prepared on it.
pub struct PgConn {
    /// `None` only while being dropped.
    client: Option<postgres::Client>,
    statements: HashMap<String, postgres::Statement>,
}

/// Closing a client runs its event loop once more, which may not happen on a thread that
/// drives async tasks (a pool dropped at the end of a `#[tokio::test]`, or at shutdown):
/// the client is closed on a thread of its own.
impl Drop for PgConn {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            std::thread::spawn(move || drop(client));
        }
    }
}

impl PgConn {
    fn client(&mut self) -> &mut postgres::Client {
        self.client
            .as_mut()
            .expect("a pooled connection keeps its client until dropped")
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = PgConn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<PgConn, postgres::Error> {
        let opened = self.config.connect(postgres::NoTls).and_then(|mut client| {
            client.batch_execute(SESSION_SETTINGS)?;
            Ok(client)
        });
        match opened {
            Ok(client) => {
                self.health.recovered();
                Ok(PgConn {
                    client: Some(client),
                    statements: HashMap::new(),
                })
            }
            Err(e) => {
                self.health.failed(error_chain(&e));
                Err(e)
            }
        }
    }

    fn is_valid(&self, conn: &mut PgConn) -> Result<(), postgres::Error> {
        conn.client().batch_execute("")
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.client.as_ref().is_none_or(postgres::Client::is_closed)
    }
}

/// The pool of PostgreSQL sessions. Tells "down" from "busy": while PostgreSQL cannot be
/// reached, a request fails in half a second with 503 (r2d2 alone would retry connecting
/// for the whole 5 s wait); while it is merely saturated, a request waits up to 5 s.
#[derive(Clone)]
pub struct Pool {
    inner: r2d2::Pool<Manager>,
    health: Arc<Health>,
    wait: Duration,
}

/// How long a request first waits for a session before asking whether PostgreSQL is down.
const FIRST_WAIT: Duration = Duration::from_millis(500);

impl Pool {
    /// A pool that opens sessions on demand (none now: a database that is down at start is
    /// reported by the first use, and a running server recovers when it returns).
    pub fn new(manager: Manager, size: u32, wait: Duration) -> Pool {
        let health = manager.health.clone();
        let inner = r2d2::Pool::builder()
            .max_size(size)
            .min_idle(Some(0))
            .connection_timeout(wait)
            // Failures are logged by `Health`, once per LOG_EVERY, not per attempt.
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build_unchecked(manager);
        Pool {
            inner,
            health,
            wait,
        }
    }

    pub fn get(&self) -> Result<r2d2::PooledConnection<Manager>, StoreError> {
        if let Some(why) = self.health.down() {
            // One quick try: PostgreSQL may just have come back.
            return self
                .inner
                .get_timeout(Duration::from_millis(50))
                .map_err(|_| StoreError::Busy(format!("PostgreSQL is unreachable: {why}")));
        }
        match self.inner.get_timeout(FIRST_WAIT) {
            Ok(conn) => Ok(conn),
            Err(_) if self.health.down().is_some() => Err(StoreError::Busy(format!(
                "PostgreSQL is unreachable: {}",
                self.health.down().unwrap_or_default()
            ))),
            // Saturated, not down: wait out the rest like any pool.
            Err(_) => self
                .inner
                .get_timeout(self.wait.saturating_sub(FIRST_WAIT))
                .map_err(StoreError::from),
        }
    }

    pub fn state(&self) -> r2d2::State {
        self.inner.state()
    }

    pub fn max_size(&self) -> u32 {
        self.inner.max_size()
    }
}

/// One checked-out connection as a [`sql::Connection`]. Remembers whether a statement
/// failed for a reason a retry of the whole transaction can cure, and rolls back an open
/// transaction when dropped, so a connection never returns to the pool mid-transaction.
pub struct Session {
    /// A mutex only so a session can be lent to another thread (`DirectConn`); one thread
    /// uses it at a time, and no lock is held while rows are handed to the caller.
    conn: Mutex<r2d2::PooledConnection<Manager>>,
    in_transaction: AtomicBool,
    retryable: AtomicBool,
    /// Whether this session holds advisory locks to release before it goes back.
    locked_key: AtomicBool,
}

impl Session {
    pub fn new(conn: r2d2::PooledConnection<Manager>) -> Session {
        Session {
            conn: Mutex::new(conn),
            in_transaction: AtomicBool::new(false),
            retryable: AtomicBool::new(false),
            locked_key: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, r2d2::PooledConnection<Manager>> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn begin(&self, sql: &str) -> sql::Result<()> {
        self.batch(sql)?;
        self.in_transaction.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// Takes the session-level advisory lock of `key` (waiting for it), released when the
    /// session is dropped. Taken outside any transaction: see `Db::write_for`.
    pub fn lock_key(&self, key: &str) -> sql::Result<()> {
        let statement =
            self.statement("SELECT 1 FROM pg_advisory_lock(hashtextextended(?1, 0))")?;
        let result = self
            .lock()
            .client()
            .query(&statement, &[&Value::Text(key.to_owned())]);
        result.map_err(|e| self.note(e))?;
        self.locked_key.store(true, Ordering::Relaxed);
        Ok(())
    }

    pub fn commit(&self) -> sql::Result<()> {
        let outcome = self.batch("COMMIT");
        self.in_transaction.store(false, Ordering::Relaxed);
        outcome
    }

    pub fn rollback(&self) {
        if self.in_transaction.swap(false, Ordering::Relaxed) {
            if let Err(e) = self.lock().client().batch_execute("ROLLBACK") {
                tracing::warn!(error = %e, "rollback failed");
            }
        }
    }

    /// Whether a statement of this session failed with a serialization failure or a
    /// deadlock: the transaction may be run again from the start.
    pub fn hit_conflict(&self) -> bool {
        self.retryable.load(Ordering::Relaxed)
    }

    fn note(&self, e: postgres::Error) -> StoreError {
        if is_conflict(&e) {
            self.retryable.store(true, Ordering::Relaxed);
        }
        StoreError::from(e)
    }

    fn batch(&self, sql: &str) -> sql::Result<()> {
        let result = self.lock().client().batch_execute(sql);
        result.map_err(|e| self.note(e))
    }

    fn statement(&self, sql: &str) -> sql::Result<postgres::Statement> {
        let mut conn = self.lock();
        if let Some(statement) = conn.statements.get(sql) {
            return Ok(statement.clone());
        }
        let prepared = conn.client().prepare(&sql::to_postgres_placeholders(sql));
        drop(conn);
        let statement = prepared.map_err(|e| self.note(e))?;
        self.lock()
            .statements
            .insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.rollback();
        if self.locked_key.swap(false, Ordering::Relaxed) {
            if let Err(e) = self
                .lock()
                .client()
                .batch_execute("SELECT pg_advisory_unlock_all()")
            {
                tracing::warn!(error = %e, "releasing advisory locks failed");
            }
        }
    }
}

/// PostgreSQL text cannot hold U+0000 (SQLite's can). No stored value has one — every
/// write refuses it here — so a query looking for one finds nothing, as on SQLite, rather
/// than failing (a `%00` in a URL path is a 404, not a 500).
fn has_nul(params: &[Value]) -> bool {
    params
        .iter()
        .any(|v| matches!(v, Value::Text(t) if t.contains('\0')))
}

fn bind(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

impl Backend for Session {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute_values(&self, sql: &str, params: &[Value]) -> sql::Result<usize> {
        if has_nul(params) {
            return Err(StoreError::Invalid {
                pointer: "",
                detail: "Text may not contain the NUL character.".to_owned(),
            });
        }
        let statement = self.statement(sql)?;
        let result = self.lock().client().execute(&statement, &bind(params));
        let changed = result.map_err(|e| self.note(e))?;
        Ok(usize::try_from(changed).unwrap_or(usize::MAX))
    }

    fn query_values(
        &self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row<'_>) -> sql::Result<()>,
    ) -> sql::Result<()> {
        if has_nul(params) {
            return Ok(()); // no row holds one: see `has_nul`
        }
        let statement = self.statement(sql)?;
        let result = self.lock().client().query(&statement, &bind(params));
        // The borrow ends here: `each` may run statements of its own.
        let rows = result.map_err(|e| self.note(e))?;
        for row in &rows {
            each(&Row::Postgres(row))?;
        }
        Ok(())
    }

    fn execute_batch(&self, sql: &str) -> sql::Result<()> {
        self.batch(sql)
    }
}

/// Serialization failures and deadlocks: another transaction won; run this one again.
pub fn is_conflict(e: &postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
    )
}

/// Failures that say "not now" rather than "wrong": the database is down, restarting,
/// out of connections, or a statement ran past its timeout. Answered 503.
pub fn is_unavailable(e: &postgres::Error) -> bool {
    match e.code() {
        None => true, // no SQLSTATE: the connection itself failed (refused, reset, closed)
        Some(c) => {
            *c == SqlState::QUERY_CANCELED
                || *c == SqlState::LOCK_NOT_AVAILABLE
                || *c == SqlState::TOO_MANY_CONNECTIONS
                || *c == SqlState::ADMIN_SHUTDOWN
                || *c == SqlState::CRASH_SHUTDOWN
                || *c == SqlState::CANNOT_CONNECT_NOW
                || c.code().starts_with("08") // connection exceptions
        }
    }
}

/// Binds a [`Value`] to whatever type PostgreSQL inferred for the placeholder: our values
/// are untyped like SQLite's, the server's columns are typed.
impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => Err(format!("cannot bind an integer to a {ty} parameter").into()),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT8 => f.to_sql(ty, out),
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                _ => Err(format!("cannot bind a number to a {ty} parameter").into()),
            },
            Value::Text(s) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    s.as_str().to_sql(ty, out)
                }
                _ => Err(format!("cannot bind text to a {ty} parameter").into()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// Column `index` of a PostgreSQL row as a [`Value`].
pub(super) fn cell(row: &postgres::Row, index: usize) -> sql::Result<Value> {
    let Some(column) = row.columns().get(index) else {
        return Err(StoreError::Corrupt(format!("no column {index}")));
    };
    let value = match *column.type_() {
        Type::INT8 => row.try_get::<_, Option<i64>>(index)?.map(Value::Int),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(index)?
            .map(|i| Value::Int(i.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(index)?
            .map(|i| Value::Int(i.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(index)?
            .map(|b| Value::Int(b.into())),
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(index)?.map(Value::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(index)?
            .map(|f| Value::Real(f.into())),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
            row.try_get::<_, Option<String>>(index)?.map(Value::Text)
        }
        ref other => {
            return Err(StoreError::Corrupt(format!(
                "column {} is {other}, which the server does not read: CAST it to BIGINT, DOUBLE PRECISION or TEXT in the query",
                column.name()
            )))
        }
    };
    Ok(value.unwrap_or(Value::Null))
}
