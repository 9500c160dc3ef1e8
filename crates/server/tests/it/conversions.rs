//! Recommendation conversions counted by the server: a click is the widget's event, a
//! conversion the action the server accepted (a subscribe, an add-once or a swap carrying
//! `recommendation`), counted in that action's transaction for the signed-in customer,
//! once per shopper, recommendation and day, after that shopper's impression. So
//! click-through and conversion differ, a refused action converts nothing, and a replay
//! nothing more.

use crate::common::*;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use std::net::SocketAddr;

/// A beacon batch from a shop page, from `ip` when given (else in process).
fn events(ip: Option<&str>, events: Value) -> Request<Body> {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/events")
        .header(header::CONTENT_TYPE, "text/plain;charset=UTF-8")
        .header(header::ORIGIN, SHOP_ORIGIN)
        .body(Body::from(json!({ "events": events }).to_string()))
        .unwrap();
    from(&mut request, ip);
    request
}

fn from(request: &mut Request<Body>, ip: Option<&str>) {
    if let Some(ip) = ip {
        let addr: SocketAddr = format!("{ip}:5000").parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(addr));
    }
}

fn event(kind: &str, sku: &str, reason: &str) -> Value {
    json!({"kind": kind, "sku": sku, "reason": reason, "context": "account"})
}

fn add_once_from(reason: &str) -> String {
    json!({
        "action": "add_once", "sku": "WATER-FILTER", "quantity": 1,
        "recommendation": {"reason": reason, "context": "account"}
    })
    .to_string()
}

/// Ada's change to her subscription, from `ip` when given.
async fn change_from(app: &TestApp, ip: Option<&str>, key: &str, body: &str) -> Reply {
    let (_, etag) = app.subscription(ADA_SUB).await;
    let mut request = change_request(&app.token("cust_ada"), ADA_SUB, Some(&etag), key, body);
    from(&mut request, ip);
    app.send(request).await
}

/// (impressions, clicks, conversions, unmatched) of one reason, summed over the days.
fn daily(app: &TestApp, reason: &str) -> (i64, i64, i64, i64) {
    app.state
        .db
        .conn()
        .unwrap()
        .query_row(
            "SELECT CAST(coalesce(sum(impressions), 0) AS BIGINT),
                    CAST(coalesce(sum(clicks), 0) AS BIGINT),
                    CAST(coalesce(sum(actions), 0) AS BIGINT),
                    CAST(coalesce(sum(unmatched), 0) AS BIGINT)
             FROM ui_event_daily WHERE reason = ?1",
            [reason],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
}

/// The raw conversions stored: (customer, kind, sku, reason, action, context).
fn conversions(app: &TestApp) -> Vec<(String, String, String, String, String, String)> {
    app.state
        .db
        .conn()
        .unwrap()
        .query_all(
            "SELECT customer_id, kind, sku, reason, action, context FROM ui_events
             WHERE kind = 'action' ORDER BY id",
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .unwrap()
}

async fn metrics(app: &TestApp) -> Value {
    let reply = app.get_as("/api/v1/merchant/metrics", MERCHANT_KEY).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()
}

#[tokio::test]
async fn click_through_and_conversion_differ_as_defined() {
    let app = TestApp::new();
    // Ten shoppers see the due-soon water filter, four open it, one of them (Ada, from
    // her browser) adds it to her next delivery. An older widget's `action` on a press
    // counts for nothing.
    for n in 1..=10 {
        let ip = format!("198.51.100.{n}");
        let mut batch = vec![event("impression", "WATER-FILTER", "due_soon")];
        if n <= 4 {
            batch.push(event("click", "WATER-FILTER", "due_soon"));
            batch.push(
                json!({"kind": "action", "sku": "WATER-FILTER", "reason": "due_soon",
                "action": "add_to_next_delivery", "context": "account"}),
            );
        }
        let reply = app.send(events(Some(&ip), json!(batch))).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    }
    assert_eq!(
        daily(&app, "due_soon"),
        (10, 4, 0, 0),
        "clicks are not conversions"
    );

    let reply = change_from(
        &app,
        Some("198.51.100.1"),
        KEY_1,
        &add_once_from("due_soon"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(daily(&app, "due_soon"), (10, 4, 1, 0));
    assert_eq!(
        conversions(&app),
        [(
            "cust_ada".to_owned(),
            "action".to_owned(),
            "WATER-FILTER".to_owned(),
            "due_soon".to_owned(),
            "add_to_next_delivery".to_owned(),
            "account".to_owned()
        )]
    );
    // Adding it again the same day (from the same recommendation) is no second one.
    let reply = change_from(
        &app,
        Some("198.51.100.1"),
        &fresh_key(),
        &add_once_from("due_soon"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(daily(&app, "due_soon"), (10, 4, 1, 0));

    let figures = metrics(&app).await;
    let r = &figures["recommendations"];
    let due_soon = r["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["reason"] == "due_soon")
        .unwrap();
    assert_eq!(due_soon["click_through"].as_f64(), Some(0.4));
    assert_eq!(due_soon["conversion"].as_f64(), Some(0.1));
    assert_ne!(due_soon["click_through"], due_soon["conversion"]);
    let definition = r["definition"].as_str().unwrap();
    assert!(
        definition.contains("server accepted") && definition.contains("a click"),
        "{definition}"
    );
}

#[tokio::test]
async fn a_conversion_needs_the_shoppers_impression() {
    let app = TestApp::new();
    app.send(events(
        Some("198.51.100.7"),
        json!([event("impression", "WATER-FILTER", "fits_what_you_own")]),
    ))
    .await;
    // From another browser than the one that saw it, and without a token there: unmatched.
    let reply = change_from(
        &app,
        Some("203.0.113.9"),
        KEY_1,
        &add_once_from("fits_what_you_own"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(daily(&app, "fits_what_you_own"), (1, 0, 0, 1));
    assert_eq!(metrics(&app).await["recommendations"]["unmatched"], 1);
}

#[tokio::test]
async fn only_accepted_actions_convert_and_a_replay_converts_nothing_more() {
    let app = TestApp::new();
    app.send(events(
        None,
        json!([
            event("impression", "CAPS-LUNGO", "better_value"),
            event("impression", "DESCALE-KIT", "due_soon")
        ]),
    ))
    .await;
    let from_reco = |interval: Value| {
        json!({"sku": "CAPS-LUNGO", "quantity": 1, "interval": interval,
            "recommendation": {"reason": "better_value", "context": "account"}})
        .to_string()
    };
    // A subscribe the server refuses (an interval Lungo does not offer): no conversion.
    let refused = app
        .subscribe(KEY_1, &from_reco(json!({"count": 3, "unit": "week"})))
        .await;
    refused.problem(StatusCode::UNPROCESSABLE_ENTITY);
    // An add-once the server refuses (the subscription's own product): none either.
    let refused = change_from(
        &app,
        None,
        KEY_2,
        &json!({"action": "add_once", "sku": "CAPS-INTENSO", "quantity": 1,
            "recommendation": {"reason": "due_soon", "context": "account"}})
        .to_string(),
    )
    .await;
    refused.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(daily(&app, "better_value"), (1, 0, 0, 0));
    assert_eq!(daily(&app, "due_soon"), (1, 0, 0, 0));
    assert!(conversions(&app).is_empty());

    // Accepted: one conversion, in the subscribe's transaction.
    let body = from_reco(json!({"count": 4, "unit": "week"}));
    let key = fresh_key();
    let created = app.subscribe(&key, &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(daily(&app, "better_value"), (1, 0, 1, 0));
    // The retry replays the answer and converts nothing more.
    let retry = app.subscribe(&key, &body).await;
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(daily(&app, "better_value"), (1, 0, 1, 0));
    assert_eq!(conversions(&app).len(), 1);
    assert_eq!(conversions(&app)[0].4, "subscribe");
    // A subscribe without a recommendation is no conversion, and hashes as before.
    let plain = app
        .subscribe(
            &fresh_key(),
            r#"{"sku":"DESCALE-KIT","quantity":1,"interval":{"count":3,"unit":"month"}}"#,
        )
        .await;
    assert_eq!(plain.status, StatusCode::CREATED, "{}", plain.text());
    assert_eq!(conversions(&app).len(), 1);

    // A swap from a recommendation converts too (the product swapped to).
    app.send(events(
        None,
        json!([event("impression", "CAPS-LUNGO", "fits_what_you_own")]),
    ))
    .await;
    let reply = change_from(
        &app,
        None,
        &fresh_key(),
        &json!({"action": "swap", "sku": "CAPS-LUNGO",
            "recommendation": {"reason": "fits_what_you_own", "context": "product"}})
        .to_string(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(daily(&app, "fits_what_you_own"), (1, 0, 1, 0));
    assert_eq!(conversions(&app)[1].4, "swap");
    assert_eq!(conversions(&app)[1].5, "product");
}

#[tokio::test]
async fn a_bad_recommendation_is_a_problem_and_changes_nothing() {
    let app = TestApp::new();
    let (before, audit) = app.state_of(ADA_SUB).await;
    let cases = [
        // Only an add-once or a swap can come from a recommendation.
        (
            json!({"action": "pause",
                "recommendation": {"reason": "due_soon", "context": "account"}}),
            "/recommendation",
        ),
        (
            json!({"action": "add_once", "sku": "WATER-FILTER", "quantity": 1,
                "recommendation": {"reason": "trending", "context": "account"}}),
            "/recommendation/reason",
        ),
        (
            json!({"action": "add_once", "sku": "WATER-FILTER", "quantity": 1,
                "recommendation": {"reason": "due_soon", "context": "footer"}}),
            "/recommendation/context",
        ),
        (
            json!({"action": "add_once", "sku": "WATER-FILTER", "quantity": 1,
                "recommendation": "due_soon"}),
            "/recommendation",
        ),
        (
            json!({"action": "add_once", "sku": "WATER-FILTER", "quantity": 1,
                "recommendation": {"reason": "due_soon", "context": "account", "extra": 1}}),
            "/recommendation",
        ),
    ];
    for (body, pointer) in cases {
        let reply = change_from(&app, None, &fresh_key(), &body.to_string()).await;
        let problem = reply.problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["pointer"], pointer, "{body}");
        assert!(!reply.text().contains("footer") && !reply.text().contains("trending"));
    }
    let refused = app
        .subscribe(
            KEY_1,
            &json!({"sku": "CAPS-LUNGO", "quantity": 1, "interval": {"count": 4, "unit": "week"},
                "recommendation": {"reason": "due_soon", "context": "footer"}})
            .to_string(),
        )
        .await;
    assert_eq!(
        refused.problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["pointer"],
        "/recommendation/context"
    );
    assert_eq!(app.state_of(ADA_SUB).await, (before, audit));
    assert_eq!(app.count("ui_events"), 0);
    assert_eq!(app.count("ui_event_daily"), 0);
    assert_eq!(
        app.count("subscriptions"),
        TestApp::new().count("subscriptions")
    );
}
