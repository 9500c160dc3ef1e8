//! One SQL interface over SQLite and PostgreSQL: `Connection`, `Row`, `params!`.
//!
//! The domain code writes its SQL once, in the subset both databases speak (`?1`
//! placeholders, `ON CONFLICT`, `CAST(… AS BIGINT)`), and runs it through `Connection`, a
//! trait object that is either a rusqlite connection or a PostgreSQL session (`pg.rs`). The
//! method names are rusqlite's (`execute`, `query_row`, `prepare_cached(…).query_map`), so
//! the code reads as it did when it spoke to SQLite alone. Where the two dialects truly
//! differ, the caller matches on [`Connection::dialect`] and says why.
//!
//! Values cross as [`Value`] (64-bit integers, doubles, text, null): both schemas keep to
//! those types (`INTEGER`/`BIGINT`, `REAL`/`DOUBLE PRECISION`, `TEXT`), booleans included,
//! stored as 0/1.

use super::StoreError;

/// A connection (or open transaction) to either database.
pub type Connection = dyn Backend;

/// A statement's outcome: `StoreError` is the storage layer's one error type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which SQL dialect a connection speaks, for the few statements that differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A bound parameter or a read cell, in the types both schemas use.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// The object-safe core each database implements; callers use the generic methods on
/// `dyn Backend` below.
pub trait Backend {
    fn dialect(&self) -> Dialect;
    /// Runs one statement, returning the number of rows it changed.
    fn execute_values(&self, sql: &str, params: &[Value]) -> Result<usize>;
    /// Runs one query, calling `each` on every row in order.
    fn query_values(
        &self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row<'_>) -> Result<()>,
    ) -> Result<()>;
    /// Runs several statements without parameters (migrations, bulk deletes).
    fn execute_batch(&self, sql: &str) -> Result<()>;
}

/// One result row, from either database.
pub enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a postgres::Row),
    /// Cells already read (a row carried from another thread).
    Values(&'a [Value]),
}

impl Row<'_> {
    /// The value of column `index` (0-based), converted to `T`. The `I` parameter keeps
    /// rusqlite's `row.get::<_, T>(i)` spelling working.
    pub fn get<I: ColumnIndex, T: FromValue>(&self, index: I) -> Result<T> {
        let index = index.index();
        let value = match self {
            Row::Sqlite(row) => sqlite_value(row, index)?,
            Row::Postgres(row) => super::pg::cell(row, index)?,
            Row::Values(cells) => cells
                .get(index)
                .cloned()
                .ok_or_else(|| StoreError::Corrupt(format!("no column {index}")))?,
        };
        T::from_value(value).map_err(|why| StoreError::Corrupt(format!("column {index}: {why}")))
    }
}

impl<'a> Row<'a> {
    /// How many columns the row has.
    pub fn column_count(&self) -> usize {
        match self {
            Row::Sqlite(row) => row.as_ref().column_count(),
            Row::Postgres(row) => row.len(),
            Row::Values(cells) => cells.len(),
        }
    }

    /// Column `index` as borrowed text, without a copy (the co-occurrence count reads
    /// millions of them).
    pub fn text(&self, index: usize) -> Result<&'a str> {
        match *self {
            Row::Sqlite(row) => {
                let value: rusqlite::types::ValueRef<'a> = row.get_ref(index)?;
                value
                    .as_str()
                    .map_err(|e| StoreError::Corrupt(format!("column {index}: {e}")))
            }
            Row::Postgres(row) => Ok(row.try_get::<_, &'a str>(index)?),
            Row::Values(cells) => match cells.get(index) {
                Some(Value::Text(text)) => Ok(text),
                other => Err(StoreError::Corrupt(format!(
                    "column {index}: expected text, found {other:?}"
                ))),
            },
        }
    }
}

fn sqlite_value(row: &rusqlite::Row<'_>, index: usize) -> Result<Value> {
    use rusqlite::types::ValueRef;
    Ok(match row.get_ref(index)? {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(
            std::str::from_utf8(t)
                .map_err(|e| StoreError::Corrupt(format!("column {index}: {e}")))?
                .to_owned(),
        ),
        ValueRef::Blob(_) => {
            return Err(StoreError::Corrupt(format!(
                "column {index}: a blob where no column holds one"
            )))
        }
    })
}

/// A column position (rusqlite also takes names; nothing here uses them).
pub trait ColumnIndex {
    fn index(self) -> usize;
}

impl ColumnIndex for usize {
    fn index(self) -> usize {
        self
    }
}

/// A Rust value read from a cell.
pub trait FromValue: Sized {
    fn from_value(value: Value) -> std::result::Result<Self, String>;
}

impl FromValue for i64 {
    fn from_value(value: Value) -> std::result::Result<Self, String> {
        match value {
            Value::Int(i) => Ok(i),
            other => Err(format!("expected an integer, found {other:?}")),
        }
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(value: Value) -> std::result::Result<Self, String> {
                let i = i64::from_value(value)?;
                <$t>::try_from(i).map_err(|_| format!("{i} is out of range for {}", stringify!($t)))
            }
        }
    )*};
}
from_int!(i32, u8, u16, u32, u64, usize);

impl FromValue for bool {
    fn from_value(value: Value) -> std::result::Result<Self, String> {
        Ok(i64::from_value(value)? != 0)
    }
}

impl FromValue for f64 {
    fn from_value(value: Value) -> std::result::Result<Self, String> {
        match value {
            Value::Real(f) => Ok(f),
            // SQLite hands back a whole REAL as an integer when it was stored as one.
            Value::Int(i) => Ok(i as f64),
            other => Err(format!("expected a number, found {other:?}")),
        }
    }
}

impl FromValue for String {
    fn from_value(value: Value) -> std::result::Result<Self, String> {
        match value {
            Value::Text(s) => Ok(s),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: Value) -> std::result::Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

impl FromValue for Value {
    fn from_value(value: Value) -> std::result::Result<Self, String> {
        Ok(value)
    }
}

/// A Rust value bound as a parameter.
pub trait ToValue {
    fn to_value(&self) -> Value;
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

macro_rules! to_int {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Int(i64::from(*self))
            }
        }
    )*};
}
to_int!(i64, i32, u8, u16, u32, bool);

/// Sizes and counts: saturating, since no count here comes near `i64::MAX`.
impl ToValue for usize {
    fn to_value(&self) -> Value {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl ToValue for u64 {
    fn to_value(&self) -> Value {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

/// What a statement's parameters can be given as: `params![a, b]`, `[a, b]` (one type),
/// `[]`, or a slice of values.
pub trait Params {
    fn values(self) -> Vec<Value>;
}

impl Params for &[&dyn ToValue] {
    fn values(self) -> Vec<Value> {
        self.iter().map(|v| v.to_value()).collect()
    }
}

impl Params for [&dyn ToValue; 0] {
    fn values(self) -> Vec<Value> {
        Vec::new()
    }
}

impl Params for &[Value] {
    fn values(self) -> Vec<Value> {
        self.to_vec()
    }
}

impl Params for Vec<Value> {
    fn values(self) -> Vec<Value> {
        self
    }
}

macro_rules! array_params {
    ($($n:literal)*) => {$(
        impl<T: ToValue> Params for [T; $n] {
            fn values(self) -> Vec<Value> {
                self.iter().map(ToValue::to_value).collect()
            }
        }
    )*};
}
array_params!(1 2 3 4 5 6 7 8);

/// Parameters of mixed types, as rusqlite's macro of the same name.
#[macro_export]
macro_rules! params {
    () => { &[] as &[&dyn $crate::db::sql::ToValue] };
    ($($p:expr),+ $(,)?) => { &[$(&$p as &dyn $crate::db::sql::ToValue),+] as &[&dyn $crate::db::sql::ToValue] };
}
pub use crate::params;

impl dyn Backend {
    /// Runs one statement; the number of rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.execute_values(sql, &params.values())
    }

    /// The first row's `map`, or [`StoreError::NoRows`] (see [`OptionalExtension`]).
    pub fn query_row<T, P, F>(&self, sql: &str, params: P, map: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        let mut map = Some(map);
        let mut found = None;
        self.query_values(sql, &params.values(), &mut |row| {
            if let Some(map) = map.take() {
                found = Some(map(row)?);
            }
            Ok(())
        })?;
        found.ok_or(StoreError::NoRows)
    }

    /// Every row, mapped.
    pub fn query_all<T, P, F>(&self, sql: &str, params: P, mut map: F) -> Result<Vec<T>>
    where
        P: Params,
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        let mut rows = Vec::new();
        self.query_values(sql, &params.values(), &mut |row| {
            rows.push(map(row)?);
            Ok(())
        })?;
        Ok(rows)
    }

    /// A statement to run (several times); rusqlite's spelling. Both backends cache the
    /// prepared statement per connection.
    pub fn prepare_cached<'c>(&'c self, sql: &str) -> Result<Statement<'c>> {
        Ok(Statement {
            conn: self,
            sql: sql.to_owned(),
        })
    }

    /// Lifts the per-statement timeout for the rest of this transaction, for background
    /// work that reads a whole table (the co-occurrence count, the scheduler's catch-up).
    /// PostgreSQL cancels a request's statement after 5 s (`pg.rs`), which is right for a
    /// request and wrong for a rebuild; SQLite has no such timeout.
    pub fn allow_long_statements(&self) -> Result<()> {
        match self.dialect() {
            Dialect::Sqlite => Ok(()),
            Dialect::Postgres => self.execute_batch("SET LOCAL statement_timeout = '10min'"),
        }
    }

    /// Same as [`prepare_cached`](Self::prepare_cached).
    pub fn prepare<'c>(&'c self, sql: &str) -> Result<Statement<'c>> {
        self.prepare_cached(sql)
    }
}

/// SQL bound to a connection, run by its methods.
pub struct Statement<'c> {
    conn: &'c Connection,
    sql: String,
}

impl Statement<'_> {
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        self.conn.execute(&self.sql, params)
    }

    pub fn query_row<T, P, F>(&mut self, params: P, map: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        self.conn.query_row(&self.sql, params, map)
    }

    /// Every row mapped, as an iterator of results like rusqlite's (the rows are read
    /// first, so `map` may not run another statement on this connection meanwhile).
    pub fn query_map<T, P, F>(
        &mut self,
        params: P,
        mut map: F,
    ) -> Result<std::vec::IntoIter<Result<T>>>
    where
        P: Params,
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        let mut rows = Vec::new();
        self.conn
            .query_values(&self.sql, &params.values(), &mut |row| {
                rows.push(map(row));
                Ok(())
            })?;
        Ok(rows.into_iter())
    }

    /// Whether the query returns any row.
    pub fn exists<P: Params>(&mut self, params: P) -> Result<bool> {
        let mut any = false;
        self.conn
            .query_values(&self.sql, &params.values(), &mut |_| {
                any = true;
                Ok(())
            })?;
        Ok(any)
    }
}

/// `.optional()`: "no row" as `None`, as rusqlite's trait of the same name.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(StoreError::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl Backend for rusqlite::Connection {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute_values(&self, sql: &str, params: &[Value]) -> Result<usize> {
        let mut stmt = self.prepare_cached(sql)?;
        Ok(stmt.execute(rusqlite::params_from_iter(params.iter().map(sqlite_param)))?)
    }

    fn query_values(
        &self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter().map(sqlite_param)))?;
        while let Some(row) = rows.next()? {
            each(&Row::Sqlite(row))?;
        }
        Ok(())
    }

    fn execute_batch(&self, sql: &str) -> Result<()> {
        Ok(rusqlite::Connection::execute_batch(self, sql)?)
    }
}

fn sqlite_param(value: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match value {
        Value::Null => V::Null,
        Value::Int(i) => V::Integer(*i),
        Value::Real(f) => V::Real(*f),
        Value::Text(s) => V::Text(s.clone()),
    }
}

/// `?1`/`?` placeholders → PostgreSQL's `$1`, outside quoted text.
pub(crate) fn to_postgres_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    let mut next_bare = 0;
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                out.push('$');
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    digits.push(d);
                    chars.next();
                }
                if digits.is_empty() {
                    next_bare += 1;
                    out.push_str(&next_bare.to_string());
                } else {
                    out.push_str(&digits);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollars_outside_quotes() {
        assert_eq!(
            to_postgres_placeholders("SELECT a FROM t WHERE b = ?1 AND c = ?12 AND d = '?3'"),
            "SELECT a FROM t WHERE b = $1 AND c = $12 AND d = '?3'"
        );
        assert_eq!(
            to_postgres_placeholders("INSERT INTO t VALUES (?, ?, 'it''s?')"),
            "INSERT INTO t VALUES ($1, $2, 'it''s?')"
        );
    }

    #[test]
    fn the_same_calls_read_and_write_sqlite() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let conn: &Connection = &conn;
        conn.execute_batch("CREATE TABLE t (a INTEGER, b TEXT, c REAL)")
            .unwrap();
        conn.execute("INSERT INTO t VALUES (?1, ?2, ?3)", params![7, "x", 0.5])
            .unwrap();
        conn.execute(
            "INSERT INTO t VALUES (?1, ?2, ?3)",
            params![8, None::<String>, 1.0],
        )
        .unwrap();
        let rows: Vec<(u16, Option<String>, f64)> = conn
            .prepare_cached("SELECT a, b, c FROM t ORDER BY a")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(rows, [(7, Some("x".into()), 0.5), (8, None, 1.0)]);
        let none = conn
            .query_row("SELECT a FROM t WHERE a = ?1", [99], |r| r.get::<_, i64>(0))
            .optional()
            .unwrap();
        assert_eq!(none, None);
        let bad = conn.query_row("SELECT b FROM t WHERE a = 7", [], |r| r.get::<_, i64>(0));
        assert!(matches!(bad, Err(StoreError::Corrupt(_))), "{bad:?}");
    }
}
