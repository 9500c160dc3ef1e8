//! The database file across restarts: migrations run once, demo data is inserted once.

use crate::common::*;
use cadence_server::db::{Db, MIGRATIONS};
use cadence_server::demo_data;

/// The names of the migrations from index `first` on, as `Db::open` reports them.
fn names_from(first: usize) -> Vec<&'static str> {
    MIGRATIONS[first..].iter().map(|m| m.name).collect()
}

#[test]
fn reopening_runs_no_migration_twice_and_does_not_reseed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cadence.db");

    let (db, applied) = Db::open(&path).unwrap();
    assert_eq!(applied.len(), MIGRATIONS.len());
    assert!(demo_data::insert_on_first_start(&db, clock()).unwrap());
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
    assert!(!demo_data::insert_on_first_start(&db, clock()).unwrap());
    let conn = db.conn().unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM maintenance_routines"), 1);
    // Ada, Grace and the eight anonymous owners behind the community signal.
    assert_eq!(count("SELECT count(*) FROM customers"), 10);
    assert_eq!(count("PRAGMA user_version"), MIGRATIONS.len() as i64);
}

#[test]
fn every_connection_gets_the_pragmas() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = Db::open(&dir.path().join("cadence.db")).unwrap();
    let conn = db.conn().unwrap();
    let pragma = |name: &str| -> String {
        conn.query_row(&format!("PRAGMA {name}"), [], |r| {
            r.get::<_, cadence_server::db::sql::Value>(0)
        })
        .map(|v| format!("{v:?}"))
        .unwrap()
    };
    assert_eq!(pragma("journal_mode"), r#"Text("wal")"#);
    assert_eq!(pragma("foreign_keys"), "Int(1)");
    assert_eq!(pragma("synchronous"), "Int(2)", "FULL");
    assert_eq!(pragma("busy_timeout"), "Int(5000)");
}

/// A database from before self-service (0001 only) gains swap groups and readable
/// schedules when 0002 runs on it.
#[test]
fn migration_0002_upgrades_an_existing_demo_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cadence.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0].sqlite).unwrap();
        conn.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO products (sku, name, kind, description, price_minor, currency, subscribable, discount_percent)
             VALUES ('CAPS-INTENSO', 'Intenso', 'consumable', '', 1750, 'EUR', 1, 10),
                    ('CAPS-LUNGO', 'Lungo', 'consumable', '', 1650, 'EUR', 1, 10);
             INSERT INTO product_intervals VALUES ('CAPS-INTENSO', 4, 'week'), ('CAPS-LUNGO', 4, 'week');
             INSERT INTO customers VALUES ('cust_ada', 'Ada', 'ada@example.com');
             INSERT INTO subscriptions (id, customer_id, sku, quantity, interval_count, interval_unit,
                 status, anchor_date, next_delivery, discount_percent, created_at, updated_at)
             VALUES ('sub_old', 'cust_ada', 'CAPS-INTENSO', 1, 4, 'week', 'active', '2026-03-01',
                 '2026-03-29', 10, '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z');",
        )
        .unwrap();
    }
    let (db, applied) = Db::open(&path).unwrap();
    assert_eq!(applied, names_from(1), "every migration after 0001");
    let conn = db.conn().unwrap();
    let today = "2026-03-15".parse().unwrap();
    let sub = cadence_server::db::subscriptions::find(&conn, "cust_ada", "sub_old", today)
        .unwrap()
        .unwrap();
    assert_eq!(sub.next_delivery, Some("2026-03-29".parse().unwrap()));
    assert_eq!(sub.swap_options.len(), 1);
    assert_eq!(sub.swap_options[0].sku, "CAPS-LUNGO");
}

/// A demo database from before the routine plan (0001 + 0002, seeded) gains the usage
/// questions, shop guides, Ada's maintenance log and the community owners when 0003 runs;
/// a merchant database without the demo gains the tables and nothing else.
#[test]
fn migration_0003_upgrades_an_existing_demo_database_only() {
    let before_0003 = |demo: bool| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cadence.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0].sqlite).unwrap();
        conn.execute_batch(MIGRATIONS[1].sqlite).unwrap();
        conn.execute_batch(
            "PRAGMA user_version = 2;
             INSERT INTO products (sku, name, kind, description, price_minor, currency, units_per_pack, subscribable, discount_percent)
             VALUES ('BARISTA-ONE', 'Barista One', 'durable', '', 34900, 'EUR', NULL, 0, 0),
                    ('CAPS-INTENSO', 'Intenso', 'consumable', '', 1750, 'EUR', 50, 1, 10),
                    ('DESCALE-KIT', 'Descaling kit', 'consumable', '', 1290, 'EUR', 2, 1, 5);
             INSERT INTO product_intervals VALUES ('CAPS-INTENSO', 2, 'week'), ('CAPS-INTENSO', 4, 'week'),
                    ('CAPS-INTENSO', 6, 'week');
             INSERT INTO compatibility VALUES ('BARISTA-ONE', 'CAPS-INTENSO'), ('BARISTA-ONE', 'DESCALE-KIT');
             INSERT INTO maintenance_routines (durable_sku, name, interval_days, consumable_sku, guide_url)
             VALUES ('BARISTA-ONE', 'Descale', 90, 'DESCALE-KIT', 'https://support.example.com/barista-one/descaling');
             INSERT INTO customers VALUES ('cust_ada', 'Ada', 'ada@example.com');",
        )
        .unwrap();
        if demo {
            conn.execute(
                "INSERT INTO meta VALUES ('demo_seeded_on', '2025-01-01')",
                [],
            )
            .unwrap();
        }
        drop(conn);
        let (db, applied) = Db::open(&path).unwrap();
        assert_eq!(applied, names_from(2), "every migration after 0002");
        (dir, db)
    };

    let (_dir, db) = before_0003(true);
    let conn = db.conn().unwrap();
    // `serve` rebuilds the precomputed tables (0006: the community signal) after migrating.
    cadence_server::recommend::cooccurrence::refresh(&conn).unwrap();
    let today = cadence_server::clock::Clock::System.today();
    let product = cadence_server::db::plan::product_for(
        &conn,
        "CAPS-INTENSO",
        None,
        today,
        Default::default(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        product.usage.unwrap().prompt,
        "How many coffees do you make a day?"
    );
    let community = product.community.unwrap();
    assert_eq!((community.owners, community.share_percent), (8, 63));
    let machine = cadence_server::db::plan::product_for(
        &conn,
        "BARISTA-ONE",
        Some("cust_ada"),
        today,
        Default::default(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        machine.routines[0].guide_url.as_deref(),
        Some("/guides/descaling")
    );
    // The merchant's own data (Ada never bought the machine here) stays as it was.
    assert!(machine.ownership.is_none());
    let logged: i64 = conn
        .query_row("SELECT count(*) FROM maintenance_log", [], |r| r.get(0))
        .unwrap();
    assert_eq!(logged, 1);

    let (_dir, db) = before_0003(false);
    let conn = db.conn().unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM customers"), 1);
    assert_eq!(count("SELECT count(*) FROM usage_questions"), 0);
    assert_eq!(count("SELECT count(*) FROM subscriptions"), 0);
    assert_eq!(count("SELECT count(*) FROM maintenance_log"), 0);
}
