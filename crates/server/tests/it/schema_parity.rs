//! The SQLite and PostgreSQL migrations build the same schema: every table with the same
//! columns in the same order, of corresponding types and nullability, the same primary
//! keys, and the same explicitly created indexes on the same columns. The server sends one
//! SQL text to both, so a drift here is a bug on one of them.

use crate::common::*;
use cadence_server::db::{Connection, Db, Dialect, Location};
use std::collections::BTreeMap;

/// One column: name, type (in PostgreSQL's words), NOT NULL, position in the primary key.
type Column = (String, String, bool, i64);

#[derive(Debug, Default, PartialEq)]
struct Schema {
    tables: BTreeMap<String, Vec<Column>>,
    /// index name → (table, columns in order).
    indexes: BTreeMap<String, (String, Vec<String>)>,
}

fn sqlite_type(declared: &str) -> String {
    match declared.to_ascii_uppercase().as_str() {
        "INTEGER" => "bigint",
        "TEXT" => "text",
        "REAL" => "double precision",
        "BLOB" => "bytea",
        other => panic!("a SQLite column type this test does not map: {other}"),
    }
    .to_owned()
}

fn read_sqlite(conn: &Connection) -> Schema {
    let mut schema = Schema::default();
    let tables: Vec<String> = conn
        .query_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             ORDER BY name",
            [],
            |r| r.get(0),
        )
        .unwrap();
    for table in tables {
        let columns = conn
            .query_all(&format!("PRAGMA table_info({table})"), [], |r| {
                let pk: i64 = r.get(5)?;
                let notnull: i64 = r.get(3)?;
                // A primary key column is NOT NULL on PostgreSQL whatever it says.
                Ok((
                    r.get::<_, String>(1)?,
                    sqlite_type(&r.get::<_, String>(2)?),
                    notnull == 1 || pk > 0,
                    pk,
                ))
            })
            .unwrap();
        let indexes: Vec<String> = conn
            .query_all(&format!("PRAGMA index_list({table})"), [], |r| r.get(1))
            .unwrap();
        for index in indexes.into_iter().filter(|i| !i.starts_with("sqlite_")) {
            let cols = conn
                .query_all(&format!("PRAGMA index_info({index})"), [], |r| r.get(2))
                .unwrap();
            schema.indexes.insert(index, (table.clone(), cols));
        }
        schema.tables.insert(table, columns);
    }
    schema
}

fn read_postgres(conn: &Connection) -> Schema {
    let mut schema = Schema::default();
    let rows: Vec<(String, String, String, String, i64)> = conn
        .query_all(
            // The catalogue itself, not information_schema: its views scan every schema's
            // constraints per column, and the test cluster holds hundreds of schemas, which
            // took longer than the 5 s statement timeout on a loaded CI machine.
            "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod),
                    CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END,
                    CAST(coalesce(array_position(p.conkey, a.attnum), 0) AS BIGINT)
             FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             LEFT JOIN pg_constraint p ON p.conrelid = c.oid AND p.contype = 'p'
             WHERE n.nspname = current_schema() AND c.relkind = 'r'
               AND c.relname <> 'schema_migrations'
             ORDER BY c.relname, a.attnum",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    for (table, column, kind, nullable, pk) in rows {
        schema
            .tables
            .entry(table)
            .or_default()
            .push((column, kind, nullable == "NO", pk));
    }
    // Explicit indexes only: those behind a PRIMARY KEY or UNIQUE constraint are named by
    // each database its own way (compared through the columns above and the tests).
    let indexes: Vec<(String, String, String)> = conn
        .query_all(
            "SELECT i.relname::text, t.relname::text, a.attname::text
             FROM pg_index ix
             JOIN pg_class i ON i.oid = ix.indexrelid
             JOIN pg_class t ON t.oid = ix.indrelid
             JOIN pg_namespace n ON n.oid = t.relnamespace
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(ix.indkey)
             WHERE n.nspname = current_schema()
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid)
             ORDER BY i.relname, array_position(ix.indkey::int2[], a.attnum)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    for (index, table, column) in indexes {
        schema
            .indexes
            .entry(index)
            .or_insert_with(|| (table, Vec::new()))
            .1
            .push(column);
    }
    schema
}

#[test]
fn sqlite_and_postgresql_migrations_build_the_same_schema() {
    let dir = tempfile::tempdir().unwrap();
    let (sqlite, _) = Db::open(&dir.path().join("parity.db")).unwrap();
    let (postgres, _) = Db::connect(&Location::Postgres(fresh_pg_schema()), 2).unwrap();
    assert_eq!(postgres.dialect(), Dialect::Postgres);
    let lite = read_sqlite(&sqlite.conn().unwrap());
    let pg = read_postgres(&postgres.conn().unwrap());
    assert!(lite.tables.len() > 20, "{:?}", lite.tables.keys());
    for (table, columns) in &lite.tables {
        assert_eq!(
            Some(columns),
            pg.tables.get(table),
            "table {table}: SQLite (left) and PostgreSQL (right) differ"
        );
    }
    assert_eq!(
        lite.tables.keys().collect::<Vec<_>>(),
        pg.tables.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    assert_eq!(lite.indexes, pg.indexes, "the same explicit indexes");
}
