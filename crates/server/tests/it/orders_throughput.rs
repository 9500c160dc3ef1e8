//! The scheduler's throughput: N deliveries falling due at once (default 5,000; set
//! `CADENCE_SCHEDULER_DELIVERIES=100000` for the figure the README quotes), run by
//! `scheduler::run_due` on this pass's database, printed as orders per second. Run with
//! `--release` and `--nocapture` to see a figure worth quoting; the counts are checked
//! whatever the size.

use crate::common::*;
use crate::orders_support::*;
use cadence_contract::Interval;
use cadence_server::clock::Clock;
use cadence_server::scheduler;
use std::time::Instant;

#[tokio::test]
async fn deliveries_falling_due_at_once_become_orders_at_a_measured_rate() {
    let count: usize = std::env::var("CADENCE_SCHEDULER_DELIVERIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5_000);
    let app = TestApp::new();
    let due = day("2026-03-16");
    bulk_subscriptions(&app.state.db, count, Interval::weeks(4), due);
    // The demo data's own deliveries first, so the timed run is the bulk alone.
    run_on(&app, "2026-03-15").await;
    let started = Instant::now();
    let run = scheduler::run_due(&app.state.db, Clock::fixed_on(due))
        .await
        .unwrap();
    let took = started.elapsed();
    let bulk = app.count("orders WHERE subscription_id LIKE 'sub_bulk_%'");
    assert_eq!(bulk, count as i64);
    assert!(run.orders >= count as u64, "{run:?}");
    assert_eq!(
        app.count("outbox_events WHERE type = 'order.created'"),
        app.count("orders WHERE delivery_date IS NOT NULL")
    );
    println!(
        "scheduler ({:?}, {} build): {} due deliveries → {} orders in {} transactions, \
         {:.2} s, {:.0} orders/s",
        backend(),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        count,
        run.orders,
        run.batches,
        took.as_secs_f64(),
        run.orders as f64 / took.as_secs_f64()
    );
}
