//! The database file across restarts: migrations run once, demo data is inserted once.

mod common;

use cadence_server::db::{Db, MIGRATIONS};
use cadence_server::seed;
use common::*;

#[test]
fn reopening_runs_no_migration_twice_and_does_not_reseed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cadence.db");

    let (db, applied) = Db::open(&path).unwrap();
    assert_eq!(applied.len(), MIGRATIONS.len());
    assert!(seed::seed_on_first_start(&mut db.conn().unwrap(), clock()).unwrap());
    // The merchant removes a demo routine; a restart must not bring it back.
    db.conn()
        .unwrap()
        .execute(
            "DELETE FROM maintenance_routines WHERE name = 'Descale'",
            [],
        )
        .unwrap();
    drop(db);

    let (db, applied) = Db::open(&path).unwrap();
    assert!(applied.is_empty(), "already applied: {applied:?}");
    assert!(!seed::seed_on_first_start(&mut db.conn().unwrap(), clock()).unwrap());
    let conn = db.conn().unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM maintenance_routines"), 1);
    assert_eq!(count("SELECT count(*) FROM customers"), 2);
    assert_eq!(count("PRAGMA user_version"), MIGRATIONS.len() as i64);
}

#[test]
fn every_connection_gets_the_pragmas() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = Db::open(&dir.path().join("cadence.db")).unwrap();
    let conn = db.conn().unwrap();
    let pragma = |name: &str| -> String {
        conn.query_row(&format!("PRAGMA {name}"), [], |r| {
            r.get::<_, rusqlite::types::Value>(0)
        })
        .map(|v| format!("{v:?}"))
        .unwrap()
    };
    assert_eq!(pragma("journal_mode"), r#"Text("wal")"#);
    assert_eq!(pragma("foreign_keys"), "Integer(1)");
    assert_eq!(pragma("synchronous"), "Integer(2)", "FULL");
    assert_eq!(pragma("busy_timeout"), "Integer(5000)");
}
