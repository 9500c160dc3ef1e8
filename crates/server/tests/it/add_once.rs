//! `add_once` through the changes endpoint: extras on the next delivery, idempotent,
//! If-Match guarded, moved by skip, shipped by ship_now, refused when not allowed.

use crate::common::{fresh_key, TestApp, ADA_SUB};
use axum::http::StatusCode;

const FILTER_TWICE: &str = r#"{"action":"add_once","sku":"WATER-FILTER","quantity":2}"#;

#[tokio::test]
async fn extras_ride_with_the_next_delivery_and_move_with_a_skip() {
    let app = TestApp::new();
    let reply = app.change(ADA_SUB, FILTER_TWICE).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let sub = reply.json();
    assert_eq!(sub["next_delivery"], "2026-04-02");
    let first = &sub["upcoming"][0];
    assert_eq!(first["date"], "2026-04-02");
    assert_eq!(first["extras"][0]["sku"], "WATER-FILTER");
    assert_eq!(first["extras"][0]["quantity"], 2);
    assert_eq!(first["extras"][0]["price"]["amount_minor"], 990);
    assert!(sub["upcoming"][1].get("extras").is_none());

    let reply = app
        .change(ADA_SUB, r#"{"action":"skip","date":"2026-04-02"}"#)
        .await;
    let sub = reply.json();
    assert_eq!(sub["upcoming"][0]["skipped"], true);
    assert!(sub["upcoming"][0].get("extras").is_none());
    assert_eq!(sub["upcoming"][1]["date"], sub["next_delivery"]);
    assert_eq!(sub["upcoming"][1]["extras"][0]["quantity"], 2);

    let history = app.history(ADA_SUB).await;
    assert_eq!(history[1]["action"], "add_once");
}

#[tokio::test]
async fn add_once_is_idempotent_and_needs_the_current_etag() {
    let app = TestApp::new();
    let (_, etag) = app.subscription(ADA_SUB).await;
    let key = fresh_key();
    let first = app
        .change_with(ADA_SUB, Some(&etag), &key, FILTER_TWICE)
        .await;
    assert_eq!(first.status, StatusCode::OK);
    let again = app
        .change_with(ADA_SUB, Some(&etag), &key, FILTER_TWICE)
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body, first.body);
    let (sub, audit) = app.state_of(ADA_SUB).await;
    assert_eq!(sub["upcoming"][0]["extras"][0]["quantity"], 2);
    // A new key with the stale ETag: 412, nothing added.
    app.change_with(ADA_SUB, Some(&etag), &fresh_key(), FILTER_TWICE)
        .await
        .problem(StatusCode::PRECONDITION_FAILED);
    app.change_with(ADA_SUB, None, &fresh_key(), FILTER_TWICE)
        .await
        .problem(StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(app.state_of(ADA_SUB).await, (sub, audit));
}

#[tokio::test]
async fn refusals_change_nothing() {
    let app = TestApp::new();
    let before = app.state_of(ADA_SUB).await;
    for (body, status) in [
        (
            r#"{"action":"add_once","sku":"CAPS-INTENSO","quantity":1}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            r#"{"action":"add_once","sku":"NOPE","quantity":1}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            r#"{"action":"add_once","sku":"WATER-FILTER","quantity":0}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            r#"{"action":"add_once","sku":"WATER-FILTER","quantity":21}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        app.change(ADA_SUB, body).await.problem(status);
    }
    app.state
        .db
        .conn()
        .unwrap()
        .execute(
            "UPDATE products SET in_stock = 0 WHERE sku = 'MILK-FROTHER'",
            [],
        )
        .unwrap();
    app.change(
        ADA_SUB,
        r#"{"action":"add_once","sku":"MILK-FROTHER","quantity":1}"#,
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.state_of(ADA_SUB).await, before);
    app.change(ADA_SUB, r#"{"action":"pause"}"#).await;
    app.change(ADA_SUB, FILTER_TWICE)
        .await
        .problem(StatusCode::CONFLICT);
}

#[tokio::test]
async fn ship_now_ships_the_extras_and_clears_them() {
    let app = TestApp::new();
    app.change(ADA_SUB, FILTER_TWICE).await;
    let sub = app.change(ADA_SUB, r#"{"action":"ship_now"}"#).await.json();
    assert!(sub["upcoming"][0].get("extras").is_none(), "{sub}");
    let shipped: i64 = app
        .state
        .db
        .conn()
        .unwrap()
        .query_row(
            "SELECT quantity FROM order_lines l JOIN orders o ON o.id = l.order_id
             WHERE o.subscription_id = ?1 AND o.ordered_on = '2026-03-15' AND l.sku = 'WATER-FILTER'",
            [ADA_SUB],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(shipped, 2);
    assert_eq!(app.count("subscription_extras"), 0);
}
