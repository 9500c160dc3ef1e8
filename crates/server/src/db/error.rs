//! `StoreError`: how storage and the computations over it fail, without HTTP. The API layer
//! turns it into a problem document (`impl From<StoreError> for ApiError` in `error.rs`);
//! start-up, the background rebuilds and the command-line tools log or print it.

/// Why a read, a write or a computation over the database failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No pooled connection came free within the pool's wait (or none could be opened):
    /// the database is saturated or unreachable. Worth retrying.
    #[error("connection pool: {0}")]
    Unavailable(#[from] r2d2::Error),
    /// The database said "not now": SQLite stayed busy or locked past `busy_timeout`;
    /// PostgreSQL is down, restarting, out of connections, or a statement ran past its
    /// timeout. Worth retrying.
    #[error("database busy or unreachable: {0}")]
    Busy(String),
    /// PostgreSQL chose this transaction to fail so another could win (serialization
    /// failure, deadlock), more times in a row than `Db::write` retries. Worth retrying.
    #[error("postgres: transaction conflict: {0}")]
    Conflict(String),
    /// Any other SQLite failure.
    #[error("sqlite: {0}")]
    Sqlite(rusqlite::Error),
    /// Any other PostgreSQL failure, with the server's message and SQLSTATE.
    #[error("postgres: {0}")]
    Postgres(String),
    /// A query that must return a row returned none (`.optional()` turns it into `None`).
    #[error("query returned no rows")]
    NoRows,
    /// A stored value this server cannot read back, or a rule the data must keep that it
    /// does not (a bug, or a hand-edited file).
    #[error("{0}")]
    Corrupt(String),
    /// Stored JSON (replayed responses) that cannot be written or read back.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// The blocking task running the work panicked or was cancelled.
    #[error("blocking task: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The request does not fit what is stored: `detail` is about the field at `pointer`
    /// (a JSON pointer into the request body), in words for the shopper.
    #[error("{pointer}: {detail}")]
    Invalid {
        pointer: &'static str,
        detail: String,
    },
    /// An idempotency key already used for a different request.
    #[error("idempotency key reused with a different request")]
    IdempotencyKeyReused,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                StoreError::Busy(e.to_string())
            }
            _ => StoreError::Sqlite(e),
        }
    }
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        // `postgres::Error` displays as "db error" alone: the server's words are inside.
        let text = match e.as_db_error() {
            Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
            None => super::pg::error_chain(&e),
        };
        if super::pg::is_conflict(&e) {
            StoreError::Conflict(text)
        } else if super::pg::is_unavailable(&e) {
            StoreError::Busy(text)
        } else {
            StoreError::Postgres(text)
        }
    }
}
