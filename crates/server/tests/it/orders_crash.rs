//! `kill -9` of the real server while its scheduler turns thousands of due deliveries into
//! orders, then a restart on the same database: afterwards every due delivery has exactly
//! one order, with its lines, one `order.created` and one `subscription.updated`, and every
//! subscription's version counts its deliveries (nothing half-written, nothing twice).

use crate::common::{backend, fresh_pg_schema, Backend};
use crate::orders_support::bulk_subscriptions;
use crate::server_process;
use cadence_contract::Interval;
use cadence_server::clock::Clock;
use cadence_server::db::{Db, Dialect, Location};
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

const SECRET: &str = "crash-test-secret-crash-test-secret!";
/// Subscriptions, each three weekly deliveries behind: enough work that the kill lands
/// in the middle of it.
const SUBSCRIPTIONS: usize = 4_000;
const DUE_EACH: i64 = 3;

fn start(db: &Path, url: Option<&str>) -> Child {
    let mut command = server_process::serve(db);
    command.env("CADENCE_JWT_SECRET", SECRET);
    if let Some(url) = url {
        command.env("CADENCE_DATABASE_URL", url);
    }
    let mut child = command.spawn().unwrap();
    server_process::api_address(&mut child);
    child
}

fn one(db: &Db, sql: &str) -> i64 {
    db.conn().unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn bulk_orders(db: &Db) -> i64 {
    one(
        db,
        "SELECT count(*) FROM orders WHERE subscription_id LIKE 'sub_bulk_%'",
    )
}

#[test]
fn a_scheduler_killed_mid_run_delivers_everything_once_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cadence.db");
    let url = (backend() == Backend::Postgres).then(fresh_pg_schema);
    let location = match &url {
        Some(url) => Location::Postgres(url.clone()),
        None => Location::Sqlite(file.clone()),
    };
    let db = Db::connect(&location, 4).unwrap().0;
    cadence_server::demo_data::insert_on_first_start(&db, Clock::System).unwrap();
    let today = Clock::System.today();
    let first = today.add_days(-7 * (DUE_EACH - 1)).unwrap();
    bulk_subscriptions(&db, SUBSCRIPTIONS, Interval::weeks(1), first);
    let total = (SUBSCRIPTIONS as i64) * DUE_EACH;

    // The scheduler starts with the server; kill it once some orders are in.
    let mut child = start(&file, url.as_deref());
    let deadline = Instant::now() + Duration::from_secs(120);
    while bulk_orders(&db) < 200 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL, possibly mid-transaction.
    child.wait().unwrap();
    let at_kill = bulk_orders(&db);
    assert!(
        at_kill > 0 && at_kill < total,
        "the kill should land mid-run: {at_kill} of {total} orders"
    );

    // Restarted, it finishes the work: it catches up at start.
    let mut child = start(&file, url.as_deref());
    let deadline = Instant::now() + Duration::from_secs(300);
    while bulk_orders(&db) < total && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    // A moment for anything that would come twice to show.
    std::thread::sleep(Duration::from_millis(500));
    child.kill().unwrap();
    child.wait().unwrap();

    assert_eq!(bulk_orders(&db), total);
    let today = today.to_string();
    assert_eq!(
        one(
            &db,
            &format!("SELECT count(*) FROM subscriptions WHERE next_delivery <= '{today}'")
        ),
        0,
        "nothing left due"
    );
    // One order per subscription and date, each with its line.
    assert_eq!(
        one(
            &db,
            "SELECT count(*) FROM (SELECT subscription_id, delivery_date FROM orders
             WHERE subscription_id LIKE 'sub_bulk_%' GROUP BY subscription_id, delivery_date) d"
        ),
        total
    );
    assert_eq!(
        one(
            &db,
            "SELECT count(*) FROM orders o WHERE NOT EXISTS
             (SELECT 1 FROM order_lines l WHERE l.order_id = o.id)"
        ),
        0
    );
    // Every delivery's order has exactly one order.created, and nothing else has one.
    let order_id = match db.dialect() {
        Dialect::Sqlite => "json_extract(e.payload, '$.data.order.id')",
        Dialect::Postgres => "(e.payload::json -> 'data' -> 'order' ->> 'id')",
    };
    let deliveries = one(
        &db,
        "SELECT count(*) FROM orders WHERE delivery_date IS NOT NULL",
    );
    assert_eq!(
        one(
            &db,
            "SELECT count(*) FROM outbox_events e WHERE e.type = 'order.created'"
        ),
        deliveries
    );
    assert_eq!(
        one(
            &db,
            &format!(
                "SELECT count(*) FROM orders o JOIN
                   (SELECT {order_id} AS id, count(*) AS n FROM outbox_events e
                    WHERE e.type = 'order.created' GROUP BY 1) e ON e.id = o.id
                 WHERE o.delivery_date IS NOT NULL AND e.n = 1"
            )
        ),
        deliveries,
        "each delivery's order has its one event"
    );
    // Each delivery moved its subscription on once, with its audit row and event.
    assert_eq!(
        one(
            &db,
            &format!(
                "SELECT count(*) FROM subscriptions s WHERE s.id LIKE 'sub_bulk_%' AND (
                   s.version <> 1 + {DUE_EACH}
                   OR {DUE_EACH} <> (SELECT count(*) FROM subscription_changes c
                       WHERE c.subscription_id = s.id AND c.action = 'delivered')
                   OR {DUE_EACH} <> (SELECT count(*) FROM outbox_events e
                       WHERE e.stream = s.id AND e.type = 'subscription.updated'))"
            )
        ),
        0
    );
}
