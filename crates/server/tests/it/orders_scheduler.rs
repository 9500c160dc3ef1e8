//! The scheduler: due deliveries become orders exactly once, with their lines, audit row
//! and events; it catches up after downtime, honours skip, pause and cancel, survives a
//! clock set back and a second scheduler on the same database.

use crate::common::*;
use crate::orders_support::*;
use axum::http::StatusCode;
use cadence_contract::{Date, Interval};
use cadence_server::clock::Clock;
use cadence_server::db::{Db, Location};
use cadence_server::scheduler;

#[tokio::test]
async fn a_due_delivery_becomes_one_order_with_its_events_and_audit_row() {
    let app = TestApp::new();
    assert!(
        run_on(&app, "2026-04-01").await.orders > 0,
        "demo owners' deliveries"
    );
    assert!(deliveries(&app, ADA_SUB).is_empty(), "not due yet");

    let run = run_on(&app, "2026-04-02").await;
    assert!(run.orders >= 1, "{run:?}");
    assert_eq!(
        deliveries(&app, ADA_SUB),
        [("2026-04-02".to_owned(), "pending".to_owned())]
    );
    let created = events(&app, "order.created");
    let ada: Vec<_> = created
        .iter()
        .filter(|e| e["data"]["order"]["subscription_id"] == ADA_SUB)
        .collect();
    assert_eq!(ada.len(), 1);
    let order = &ada[0]["data"]["order"];
    assert_eq!(order["customer_id"], "cust_ada");
    assert_eq!(order["delivery_date"], "2026-04-02");
    assert_eq!(order["ordered_on"], "2026-04-02");
    assert_eq!(order["status"], "pending");
    assert_eq!(order["lines"][0]["sku"], "CAPS-INTENSO");
    assert_eq!(order["lines"][0]["quantity"], 2);
    assert_eq!(order["lines"][0]["unit_price"]["amount_minor"], 1575);
    assert_eq!(order["total"]["amount_minor"], 3150);
    assert_eq!(order["total"]["currency"], "EUR");
    assert_eq!(ada[0]["type"], "order.created");
    assert_eq!(ada[0]["timestamp"], "2026-04-02T00:00:00Z");

    let updated: Vec<_> = events(&app, "subscription.updated")
        .into_iter()
        .filter(|e| e["data"]["subscription"]["id"] == ADA_SUB)
        .collect();
    assert_eq!(updated.len(), 1);
    assert_eq!(updated[0]["data"]["change"]["action"], "delivered");
    assert_eq!(updated[0]["data"]["change"]["actor"], "scheduler");
    assert_eq!(
        updated[0]["data"]["subscription"]["next_delivery"],
        "2026-04-30"
    );
    // The order's event comes first in the subscription's sequence.
    assert_eq!(
        updated[0]["sequence"].as_u64().unwrap(),
        ada[0]["sequence"].as_u64().unwrap() + 1
    );

    let history = history_on(&app, "2026-04-02").await;
    assert_eq!(history[0]["action"], "delivered");
    assert_eq!(history[0]["before"]["next_delivery"], "2026-04-02");
    assert_eq!(history[0]["after"]["next_delivery"], "2026-04-30");

    // Again the same day: nothing new at all; the day after, nothing new for Ada.
    let events_before = app.count("outbox_events");
    assert_eq!(run_on(&app, "2026-04-02").await.orders, 0);
    assert_eq!(app.count("outbox_events"), events_before);
    run_on(&app, "2026-04-03").await;
    assert_eq!(deliveries(&app, ADA_SUB).len(), 1);
    assert_eq!(created_for(&app, ADA_SUB).len(), 1);
}

#[tokio::test]
async fn a_server_down_for_a_week_catches_up_every_missed_delivery_in_date_order() {
    let app = TestApp::new();
    bulk_subscriptions(&app.state.db, 3, Interval::days(1), day("2026-03-16"));
    run_on(&app, "2026-03-15").await;
    assert!(deliveries(&app, "sub_bulk_0").is_empty());
    // Down from the 15th to the 22nd: seven daily deliveries missed, each made once.
    run_on(&app, "2026-03-22").await;
    for n in 0..3 {
        let sub = format!("sub_bulk_{n}");
        let dates: Vec<String> = deliveries(&app, &sub).into_iter().map(|(d, _)| d).collect();
        let expected: Vec<String> = (16..=22).map(|d| format!("2026-03-{d}")).collect();
        assert_eq!(dates, expected);
        assert_eq!(created_for(&app, &sub), expected, "events in date order");
    }
    // Ada's 4-weekly plan, down for ten weeks: three deliveries.
    run_on(&app, "2026-06-10").await;
    let ada: Vec<String> = deliveries(&app, ADA_SUB)
        .into_iter()
        .map(|(d, _)| d)
        .collect();
    assert_eq!(ada, ["2026-04-02", "2026-04-30", "2026-05-28"]);
    assert_eq!(created_for(&app, ADA_SUB), ada);
    let (sub, _) = subscription_on(&app, "2026-06-10").await;
    assert_eq!(sub["next_delivery"], "2026-06-25");
    assert_eq!(sub["version"], 4, "one version per delivery");
}

#[tokio::test]
async fn skips_pauses_and_cancellations_are_honoured() {
    let app = TestApp::new();
    let reply = app
        .change(ADA_SUB, r#"{"action":"skip","date":"2026-04-02"}"#)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    run_on(&app, "2026-04-29").await;
    assert!(deliveries(&app, ADA_SUB).is_empty(), "the skipped date");
    run_on(&app, "2026-04-30").await;
    assert_eq!(deliveries(&app, ADA_SUB).len(), 1);

    // Paused without an end on May 1st: nothing, however long.
    let reply = change_on(&app, "2026-05-01", r#"{"action":"pause"}"#).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    run_on(&app, "2026-08-01").await;
    assert_eq!(deliveries(&app, ADA_SUB).len(), 1);

    // Paused until a date: the schedule restarts from it.
    let body = r#"{"action":"pause_until","date":"2026-08-20"}"#;
    let reply = change_on(&app, "2026-08-01", body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    run_on(&app, "2026-08-19").await;
    assert_eq!(deliveries(&app, ADA_SUB).len(), 1);
    run_on(&app, "2026-08-20").await;
    assert_eq!(deliveries(&app, ADA_SUB).last().unwrap().0, "2026-08-20");

    // Cancelled: nothing more.
    let reply = change_on(
        &app,
        "2026-08-21",
        r#"{"action":"cancel","reason":"other"}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    run_on(&app, "2027-01-01").await;
    assert_eq!(deliveries(&app, ADA_SUB).len(), 2);
    assert_eq!(created_for(&app, ADA_SUB).len(), 2);
}

#[tokio::test]
async fn extras_become_lines_of_their_delivery_and_leave_the_subscription() {
    let app = TestApp::new();
    let reply = app
        .change(
            ADA_SUB,
            r#"{"action":"add_once","sku":"WATER-FILTER","quantity":2}"#,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    run_on(&app, "2026-04-02").await;
    let id = order_id(&app, ADA_SUB, "2026-04-02");
    let created = events(&app, "order.created");
    let order = created
        .iter()
        .map(|e| &e["data"]["order"])
        .find(|o| o["id"] == id.as_str())
        .unwrap();
    let lines: Vec<(String, u64, i64)> = order["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["sku"].as_str().unwrap().to_owned(),
                l["quantity"].as_u64().unwrap(),
                l["unit_price"]["amount_minor"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("CAPS-INTENSO".to_owned(), 2, 1575),
            ("WATER-FILTER".to_owned(), 2, 990)
        ]
    );
    assert_eq!(order["total"]["amount_minor"], 2 * 1575 + 2 * 990);
    assert_eq!(app.count("subscription_extras"), 0);
    let (sub, _) = subscription_on(&app, "2026-04-02").await;
    assert!(sub["upcoming"][0].get("extras").is_none());
}

#[tokio::test]
async fn a_change_after_the_date_came_delivers_first_and_keeps_the_etag_the_shopper_saw() {
    let app = TestApp::new();
    // The scheduler has not run: the shopper sees 04-30 as on its way already.
    let (sub, _) = subscription_on(&app, "2026-05-01").await;
    assert_eq!(sub["next_delivery"], "2026-05-28");
    assert_eq!(sub["version"], 1);
    // Her change, against the version she saw, delivers first and then applies.
    let reply = change_on(
        &app,
        "2026-05-01",
        r#"{"action":"set_quantity","quantity":3}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(
        reply.json()["version"],
        4,
        "two deliveries, then the change"
    );
    // Both missed deliveries are orders, at the quantity they had.
    let dates: Vec<String> = deliveries(&app, ADA_SUB)
        .into_iter()
        .map(|(d, _)| d)
        .collect();
    assert_eq!(dates, ["2026-04-02", "2026-04-30"]);
    let conn = app.state.db.conn().unwrap();
    let quantity: i64 = conn
        .query_row(
            "SELECT l.quantity FROM order_lines l JOIN orders o ON o.id = l.order_id
             WHERE o.subscription_id = ?1 AND o.delivery_date = '2026-04-30'",
            [ADA_SUB],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(quantity, 2);
    run_on(&app, "2026-05-01").await;
    assert_eq!(deliveries(&app, ADA_SUB).len(), 2);
    assert_eq!(created_for(&app, ADA_SUB).len(), 2);
}

#[tokio::test]
async fn a_clock_set_back_creates_nothing_twice() {
    let app = TestApp::new();
    run_on(&app, "2026-04-02").await;
    assert_eq!(deliveries(&app, ADA_SUB).len(), 1);
    // Back to March: the shopper puts the delivered date back on the schedule.
    let body = r#"{"action":"reschedule","date":"2026-04-02"}"#;
    let reply = change_on(&app, "2026-03-20", body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    run_on(&app, "2026-03-25").await;
    run_on(&app, "2026-04-02").await;
    run_on(&app, "2026-04-30").await;
    let dates: Vec<String> = deliveries(&app, ADA_SUB)
        .into_iter()
        .map(|(d, _)| d)
        .collect();
    assert_eq!(dates, ["2026-04-02", "2026-04-30"]);
    assert_eq!(created_for(&app, ADA_SUB), dates);
}

#[tokio::test]
async fn subscriptions_older_than_orders_start_from_the_first_day_the_scheduler_sees() {
    let app = TestApp::new();
    // As a subscription from before migration 0010 can be: its stored next delivery a
    // year old, nothing ever turned its deliveries into orders.
    let conn = app.state.db.conn().unwrap();
    conn.execute(
        "UPDATE subscriptions SET next_delivery = '2025-04-03', predates_orders = 1 WHERE id = ?1",
        [ADA_SUB],
    )
    .unwrap();
    run_on(&app, "2026-03-20").await;
    assert!(
        deliveries(&app, ADA_SUB).is_empty(),
        "no year of back orders"
    );
    let next: String = conn
        .query_row(
            "SELECT next_delivery FROM subscriptions WHERE id = ?1",
            [ADA_SUB],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(next, "2026-04-02");
    run_on(&app, "2026-04-02").await;
    assert_eq!(deliveries(&app, ADA_SUB).len(), 1);
}

#[tokio::test]
async fn ship_now_is_an_order_with_its_event_and_not_a_scheduled_delivery() {
    let app = TestApp::new();
    let reply = app
        .change(
            ADA_SUB,
            r#"{"action":"add_once","sku":"WATER-FILTER","quantity":1}"#,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = app.change(ADA_SUB, r#"{"action":"ship_now"}"#).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let created = events(&app, "order.created");
    assert_eq!(created.len(), 1);
    let order = &created[0]["data"]["order"];
    assert_eq!(order["ordered_on"], "2026-03-15");
    assert!(order.get("delivery_date").is_none());
    assert_eq!(order["lines"].as_array().unwrap().len(), 2, "{order}");
    assert_eq!(order["status"], "pending");
    // The shipped delivery moved the schedule: the next scheduled one is 4 weeks on.
    run_on(&app, "2026-04-11").await;
    assert!(deliveries(&app, ADA_SUB).is_empty());
    run_on(&app, "2026-04-12").await;
    assert_eq!(deliveries(&app, ADA_SUB)[0].0, "2026-04-12");
}

/// Two databases handles, as two servers have.
fn two_handles(app: &TestApp) -> (Db, Db) {
    match backend() {
        Backend::Sqlite => {
            let path = app.dir.path().join("two.db");
            (Db::open(&path).unwrap().0, Db::open(&path).unwrap().0)
        }
        Backend::Postgres => {
            let url = fresh_pg_schema();
            let open = || Db::connect(&Location::Postgres(url.clone()), 8).unwrap().0;
            (open(), open())
        }
    }
}

#[tokio::test]
async fn two_schedulers_on_one_database_deliver_each_date_once() {
    let app = TestApp::unseeded();
    let (one, two) = two_handles(&app);
    cadence_server::demo_data::insert_on_first_start(&one, clock()).unwrap();
    // 400 weekly subscriptions, each two deliveries behind: 800 orders, four batches.
    bulk_subscriptions(&one, 400, Interval::weeks(1), day("2026-03-05"));
    let at = Clock::fixed_on(day("2026-03-12"));
    let (a, b) = tokio::join!(scheduler::run_due(&one, at), scheduler::run_due(&two, at));
    let (a, b) = (a.unwrap(), b.unwrap());
    let conn = one.conn().unwrap();
    let one_value = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let bulk_orders =
        one_value("SELECT count(*) FROM orders WHERE subscription_id LIKE 'sub_bulk_%'");
    assert_eq!(bulk_orders, 800);
    assert_eq!(
        one_value(
            "SELECT count(DISTINCT subscription_id || delivery_date) FROM orders
             WHERE subscription_id LIKE 'sub_bulk_%'"
        ),
        800
    );
    assert_eq!(
        one_value("SELECT count(*) FROM outbox_events WHERE type = 'order.created'"),
        one_value("SELECT count(*) FROM orders WHERE delivery_date IS NOT NULL")
    );
    assert_eq!(
        a.orders + b.orders,
        one_value("SELECT count(*) FROM orders WHERE delivery_date IS NOT NULL") as u64
    );
    assert_eq!(
        one_value("SELECT count(*) FROM subscriptions WHERE next_delivery <= '2026-03-12'"),
        0
    );
}

#[tokio::test]
async fn repurchase_counts_the_orders_the_scheduler_creates() {
    use cadence_server::db::subscriptions::{self, NewRow};
    use cadence_server::metrics::repurchase::{self, FirstOrders};
    let app = TestApp::new();
    let conn = app.state.db.conn().unwrap();
    // A new customer: a shop order on March 1st, then a subscription due March 20th.
    conn.execute_batch(
        "INSERT INTO customers (id, name, email) VALUES ('cust_new', 'New', 'new@example.com');
         INSERT INTO orders (id, customer_id, ordered_on) VALUES ('ord_new_1', 'cust_new', '2026-03-01');
         INSERT INTO order_lines (order_id, sku, quantity, unit_price_minor, currency)
             VALUES ('ord_new_1', 'BARISTA-ONE', 1, 34900, 'EUR');",
    )
    .unwrap();
    subscriptions::insert(
        &conn,
        &NewRow {
            id: "sub_new",
            customer_id: "cust_new",
            sku: "CAPS-INTENSO",
            quantity: 1,
            interval: Interval::weeks(4),
            anchor_date: day("2026-03-20"),
            next_delivery: day("2026-03-20"),
            discount_percent: 10,
            unit_price_minor: 1_750,
            now: "2026-03-01T10:00:00Z",
        },
    )
    .unwrap();
    let theirs = |conn: &cadence_server::db::Connection| -> Vec<FirstOrders> {
        repurchase::read(conn, day("2026-03-01"), day("2026-04-15"))
            .unwrap()
            .into_iter()
            .filter(|f| f.first == day("2026-03-01"))
            .collect()
    };
    let dates = |orders: Vec<FirstOrders>| -> Vec<(Date, Option<Date>)> {
        orders.iter().map(|f| (f.first, f.next)).collect()
    };
    let repurchased = (day("2026-03-01"), Some(day("2026-03-20")));
    assert!(!dates(theirs(&conn)).contains(&repurchased));
    run_on(&app, "2026-03-20").await;
    assert!(
        dates(theirs(&conn)).contains(&repurchased),
        "the delivery is a repurchase"
    );
    // Counted in the 30-day window of March's cohort.
    let months = [cadence_server::metrics::Month::of(day("2026-03-01"))];
    let figures = repurchase::compute(&theirs(&conn), day("2026-04-15"), &months);
    assert_eq!(figures.all[0].days, 30);
    assert!(figures.all[0].repurchased >= 1);
}

#[tokio::test]
async fn the_lag_is_how_long_the_oldest_due_delivery_has_waited() {
    let app = TestApp::new();
    let conn = app.state.db.conn().unwrap();
    assert_eq!(scheduler::lag_seconds(&conn, clock()).unwrap(), 0.0);
    run_on(&app, "2026-04-01").await;
    // Ada's delivery of April 2nd, waiting since midnight, at noon.
    let noon = Clock::Fixed(Clock::fixed_on(day("2026-04-02")).unix_seconds() + 12 * 3600);
    assert_eq!(scheduler::lag_seconds(&conn, noon).unwrap(), 12.0 * 3600.0);
    scheduler::run_due(&app.state.db, noon).await.unwrap();
    assert_eq!(scheduler::lag_seconds(&conn, noon).unwrap(), 0.0);
}
