//! Retention: idempotency records and raw widget events past their window are deleted,
//! the daily figures and the audit trail of subscription changes are kept.

use crate::common::*;
use cadence_server::clock::Clock;
use cadence_server::limits::Limits;
use cadence_server::retention::{prune, Pruned};
use std::time::Duration;

#[tokio::test]
async fn records_past_their_window_go_and_the_figures_and_audit_trail_stay() {
    let app = TestApp::new();
    // Something in the audit trail, and a stored idempotent answer.
    let reply = app
        .change(ADA_SUB, r#"{"action":"set_quantity","quantity":3}"#)
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text());
    let conn = app.state.db.conn().unwrap();
    conn.execute_batch(
        "INSERT INTO idempotency_keys
           (customer_id, key, request_hash, response_status, response_body, created_at)
         VALUES ('cust_ada', 'old-key', 'h', 200, '{}', '2026-03-01T00:00:00Z');
         INSERT INTO ui_events (at, kind, sku, reason, context)
         VALUES ('2025-12-01T10:00:00Z', 'impression', 'WATER-FILTER', 'due_soon', 'account'),
                ('2026-03-14T10:00:00Z', 'impression', 'WATER-FILTER', 'due_soon', 'account');
         INSERT INTO ui_event_daily (day, reason, impressions) VALUES ('2025-12-01', 'due_soon', 1);
         INSERT INTO ui_event_firsts (day, client, kind, sku, reason)
         VALUES ('2026-03-10', 'a:1', 'impression', 'WATER-FILTER', 'due_soon'),
                ('2026-03-14', 'a:1', 'impression', 'WATER-FILTER', 'due_soon');",
    )
    .unwrap();
    let audit_before = app.count("subscription_changes");
    let limits = Limits {
        idempotency_retention: Duration::from_secs(7 * 24 * 3600),
        event_retention: Duration::from_secs(90 * 24 * 3600),
        ..Limits::default()
    };
    // Today is 2026-03-15: the key of 03-01 and the event of 2025-12-01 are past.
    let pruned = prune(&app.state.db, &limits, Clock::Fixed(TODAY_SECS))
        .await
        .unwrap();
    assert_eq!(
        pruned,
        Pruned {
            idempotency_keys: 1,
            ui_events: 1,
            ui_event_firsts: 1,
        }
    );
    assert_eq!(
        app.count("idempotency_keys"),
        1,
        "today's change's key stays"
    );
    assert_eq!(app.count("ui_events"), 1);
    assert_eq!(app.count("ui_event_daily"), 1, "the daily counts stay");
    assert_eq!(app.count("subscription_changes"), audit_before);
    // A second run finds nothing more.
    let again = prune(&app.state.db, &limits, Clock::Fixed(TODAY_SECS))
        .await
        .unwrap();
    assert_eq!(again, Pruned::default());
}
