//! `POST /me/subscriptions/{id}/changes`: every action's happy path, and refusals that
//! change nothing. Today is 2026-03-15; Ada's subscription delivers 04-02, 04-30, 05-28…

use crate::common::*;
use axum::http::StatusCode;
use serde_json::{json, Value};

async fn ok(app: &TestApp, body: Value) -> Value {
    let reply = app.change(ADA_SUB, &body.to_string()).await;
    assert_eq!(reply.status, StatusCode::OK, "{body}: {}", reply.text());
    let sub = reply.json();
    assert_eq!(
        reply.header("etag"),
        Some(format!("\"{ADA_SUB}.v{}\"", sub["version"]).as_str())
    );
    sub
}

fn dates(sub: &Value) -> Vec<&str> {
    let up = sub["upcoming"].as_array().unwrap();
    up.iter().map(|u| u["date"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn account_shows_the_self_service_fields() {
    let app = TestApp::new();
    let account = app
        .get_as("/api/v1/me", &app.token("cust_ada"))
        .await
        .json();
    let sub = &account["subscriptions"][0];
    assert_eq!(sub["next_delivery"], "2026-04-02");
    assert_eq!(
        dates(sub),
        [
            "2026-04-02",
            "2026-04-30",
            "2026-05-28",
            "2026-06-25",
            "2026-07-23",
            "2026-08-20"
        ]
    );
    assert_eq!(sub["allowed_intervals"].as_array().unwrap().len(), 4);
    assert_eq!(
        sub["swap_options"],
        json!([{"sku": "CAPS-LUNGO", "name": "Lungo Dolce capsules",
                "price": {"amount_minor": 1485, "currency": "EUR"}}])
    );
    assert_eq!(sub["max_pause_until"], "2026-09-11");
    assert!(sub.get("paused_until").is_none() && sub.get("cancelled_on").is_none());
}

#[tokio::test]
async fn skip_and_unskip() {
    let app = TestApp::new();
    let sub = ok(&app, json!({"action": "skip", "date": "2026-04-02"})).await;
    assert_eq!(
        (sub["version"].as_u64(), &sub["next_delivery"]),
        (Some(2), &json!("2026-04-30"))
    );
    assert_eq!(
        sub["upcoming"][0],
        json!({"date": "2026-04-02", "skipped": true})
    );
    let sub = ok(&app, json!({"action": "unskip", "date": "2026-04-02"})).await;
    assert_eq!(
        (sub["version"].as_u64(), &sub["next_delivery"]),
        (Some(3), &json!("2026-04-02"))
    );
}

#[tokio::test]
async fn pauses_and_resume() {
    let app = TestApp::new();
    let sub = ok(&app, json!({"action": "pause_for", "deliveries": 2})).await;
    assert_eq!(
        (&sub["status"], &sub["paused_until"]),
        (&json!("paused"), &json!("2026-05-28"))
    );
    assert_eq!(sub["next_delivery"], "2026-05-28");
    let sub = ok(&app, json!({"action": "pause_until", "date": "2026-05-01"})).await;
    assert_eq!(dates(&sub)[..2], ["2026-05-01", "2026-05-29"]);
    let sub = ok(&app, json!({"action": "pause"})).await;
    assert_eq!(sub["status"], "paused");
    assert!(sub.get("next_delivery").is_none() && sub.get("paused_until").is_none());
    assert_eq!(sub["upcoming"], json!([]));
    let sub = ok(&app, json!({"action": "resume"})).await;
    assert_eq!(
        (&sub["status"], &sub["next_delivery"]),
        (&json!("active"), &json!("2026-03-16"))
    );
}

#[tokio::test]
async fn reschedule_ship_now_and_interval() {
    let app = TestApp::new();
    let sub = ok(&app, json!({"action": "reschedule", "date": "2026-03-20"})).await;
    assert_eq!(dates(&sub)[..2], ["2026-03-20", "2026-04-17"]);
    let orders = app.count("orders");
    let sub = ok(&app, json!({"action": "ship_now"})).await;
    assert_eq!(
        sub["next_delivery"], "2026-04-12",
        "one interval from today"
    );
    assert_eq!(app.count("orders"), orders + 1);
    let conn = app.state.db.conn().unwrap();
    let (on, qty, price): (String, u32, i64) = conn
        .query_row(
            "SELECT o.ordered_on, l.quantity, l.unit_price_minor FROM orders o
             JOIN order_lines l ON l.order_id = o.id
             WHERE o.subscription_id = ?1 ORDER BY o.ordered_on DESC LIMIT 1",
            [ADA_SUB],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((on.as_str(), qty, price), ("2026-03-15", 2, 1575));
    let sub = ok(
        &app,
        json!({"action": "set_interval", "interval": {"count": 2, "unit": "week"}}),
    )
    .await;
    assert_eq!(
        dates(&sub)[..2],
        ["2026-04-12", "2026-04-26"],
        "next date kept"
    );
}

#[tokio::test]
async fn quantity_and_swap_reprice() {
    let app = TestApp::new();
    let sub = ok(&app, json!({"action": "set_quantity", "quantity": 3})).await;
    assert_eq!(sub["price_per_delivery"]["amount_minor"], 4725);
    let sub = ok(&app, json!({"action": "swap", "sku": "CAPS-LUNGO"})).await;
    assert_eq!(
        (&sub["sku"], &sub["product_name"]),
        (&json!("CAPS-LUNGO"), &json!("Lungo Dolce capsules"))
    );
    assert_eq!(sub["price_per_delivery"]["amount_minor"], 3 * 1485);
    assert_eq!(sub["swap_options"][0]["sku"], "CAPS-INTENSO");
}

#[tokio::test]
async fn cancel_with_reason_and_reactivate() {
    let app = TestApp::new();
    let sub = ok(&app, json!({"action": "cancel", "reason": "too_expensive"})).await;
    assert_eq!(sub["status"], "cancelled");
    assert_eq!(
        (&sub["cancelled_on"], &sub["reactivate_until"]),
        (&json!("2026-03-15"), &json!("2026-04-14"))
    );
    assert!(sub.get("next_delivery").is_none());
    let reason: String = app
        .state
        .db
        .conn()
        .unwrap()
        .query_row(
            "SELECT reason FROM subscription_changes WHERE action = 'cancel'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(reason, "too_expensive");
    let sub = ok(&app, json!({"action": "reactivate"})).await;
    assert_eq!(
        (&sub["status"], &sub["next_delivery"]),
        (&json!("active"), &json!("2026-04-02"))
    );
    assert!(sub.get("cancelled_on").is_none());
}

/// Each refused change: the expected status (and pointer), and nothing changed.
#[tokio::test]
async fn refusals_change_nothing() {
    let app = TestApp::new();
    let cases: &[(Value, u16, Option<&str>)] = &[
        (
            json!({"action": "skip", "date": "2026-04-03"}),
            422,
            Some("/date"),
        ),
        (
            json!({"action": "skip", "date": "2026-09-17"}),
            422,
            Some("/date"),
        ),
        (
            json!({"action": "unskip", "date": "2026-04-02"}),
            422,
            Some("/date"),
        ),
        (
            json!({"action": "pause_for", "deliveries": 0}),
            422,
            Some("/deliveries"),
        ),
        (
            json!({"action": "pause_for", "deliveries": 7}),
            422,
            Some("/deliveries"),
        ),
        (
            json!({"action": "pause_until", "date": "2026-03-15"}),
            422,
            Some("/date"),
        ),
        (
            json!({"action": "pause_until", "date": "2026-09-12"}),
            422,
            Some("/date"),
        ),
        (
            json!({"action": "reschedule", "date": "2026-03-15"}),
            422,
            Some("/date"),
        ),
        (
            json!({"action": "reschedule", "date": "2026-06-14"}),
            422,
            Some("/date"),
        ),
        (
            json!({"action": "set_interval", "interval": {"count": 3, "unit": "week"}}),
            422,
            Some("/interval"),
        ),
        (
            json!({"action": "set_quantity", "quantity": 0}),
            422,
            Some("/quantity"),
        ),
        (
            json!({"action": "set_quantity", "quantity": 21}),
            422,
            Some("/quantity"),
        ),
        (
            json!({"action": "swap", "sku": "DESCALE-KIT"}),
            422,
            Some("/sku"),
        ),
        (
            json!({"action": "swap", "sku": "CAPS-INTENSO"}),
            422,
            Some("/sku"),
        ),
        (json!({"action": "teleport"}), 422, None),
        (json!({"action": "pause", "until": "2026-04-01"}), 422, None),
        (json!({"action": "resume"}), 409, None),
        (json!({"action": "reactivate"}), 409, None),
    ];
    let before = app.state_of(ADA_SUB).await;
    for (body, status, pointer) in cases {
        let reply = app.change(ADA_SUB, &body.to_string()).await;
        let problem = reply.problem(StatusCode::from_u16(*status).unwrap());
        if let Some(pointer) = pointer {
            assert_eq!(problem["errors"][0]["pointer"], *pointer, "{body}");
        }
        assert_eq!(app.state_of(ADA_SUB).await, before, "{body}");
    }
}

#[tokio::test]
async fn paused_and_cancelled_refuse_what_does_not_apply() {
    let app = TestApp::new();
    ok(&app, json!({"action": "pause"})).await;
    let paused = app.state_of(ADA_SUB).await;
    for body in [
        json!({"action": "skip", "date": "2026-04-02"}),
        json!({"action": "ship_now"}),
        json!({"action": "pause"}),
        json!({"action": "reschedule", "date": "2026-04-01"}),
    ] {
        app.change(ADA_SUB, &body.to_string())
            .await
            .problem(StatusCode::CONFLICT);
        assert_eq!(app.state_of(ADA_SUB).await, paused, "{body}");
    }
    // Allowed while paused.
    ok(&app, json!({"action": "set_quantity", "quantity": 1})).await;
    ok(&app, json!({"action": "cancel"})).await;
    let cancelled = app.state_of(ADA_SUB).await;
    for body in [
        json!({"action": "set_quantity", "quantity": 2}),
        json!({"action": "resume"}),
        json!({"action": "cancel"}),
        json!({"action": "skip", "date": "2026-04-02"}),
    ] {
        let problem = app
            .change(ADA_SUB, &body.to_string())
            .await
            .problem(StatusCode::CONFLICT);
        assert_eq!(problem["type"], "urn:cadence:problem:change-not-allowed");
        assert_eq!(app.state_of(ADA_SUB).await, cancelled, "{body}");
    }
    // Cancelled while paused open-ended: reactivating delivers tomorrow.
    let sub = ok(&app, json!({"action": "reactivate"})).await;
    assert_eq!(sub["next_delivery"], "2026-03-16");
}
