//! Order outcomes through the admin API: paid, payment failed (retried 1, 2 and 4 days
//! apart, then the subscription's payment problem), fulfilled; idempotent, 409 where the
//! status does not allow it, `order.updated` for each change; the order list; the demo
//! clock; and bad input answered with problem+json that writes nothing.

use crate::common::*;
use crate::orders_support::*;
use axum::http::{Method, StatusCode};
use cadence_server::clock::Clock;
use serde_json::Value;

/// An app whose Ada delivery of 2026-04-02 is an order; its id.
async fn with_order() -> (TestApp, String) {
    let app = TestApp::new();
    run_on(&app, "2026-04-02").await;
    let id = order_id(&app, ADA_SUB, "2026-04-02");
    (app, id)
}

fn updates_of(app: &TestApp, id: &str) -> Vec<Value> {
    events(app, "order.updated")
        .into_iter()
        .filter(|e| e["data"]["order"]["id"] == id)
        .collect()
}

#[tokio::test]
async fn outcomes_move_an_order_once_and_repeat_harmlessly() {
    let (app, id) = with_order().await;
    let day = app_on(&app, "2026-04-02");
    let paid = report(&day, &id, r#"{"outcome":"paid"}"#).await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.text());
    assert_eq!(paid.json()["status"], "paid");
    assert_eq!(paid.json()["updated_at"], "2026-04-02T00:00:00Z");
    let updates = updates_of(&app, &id);
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0]["data"]["previous_status"], "pending");
    assert_eq!(updates[0]["data"]["order"]["status"], "paid");

    // The same report again: the same order, no event.
    let again = report(&day, &id, r#"{"outcome":"paid"}"#).await;
    assert_eq!((again.status, again.json()), (StatusCode::OK, paid.json()));
    assert_eq!(updates_of(&app, &id).len(), 1);

    let fulfilled = report(&day, &id, r#"{"outcome":"fulfilled"}"#).await;
    assert_eq!(fulfilled.json()["status"], "fulfilled");
    assert_eq!(updates_of(&app, &id).len(), 2);
    // Paid again after fulfilment: it was; nothing changes.
    assert_eq!(
        report(&day, &id, r#"{"outcome":"paid"}"#).await.status,
        StatusCode::OK
    );

    // A fulfilled (so paid) order cannot fail: 409, nothing written.
    let before = snapshot(&app, "SELECT * FROM orders ORDER BY id");
    let events_before = app.count("outbox_events");
    report(
        &day,
        &id,
        r#"{"outcome":"payment_failed","reason":"card_declined"}"#,
    )
    .await
    .problem(StatusCode::CONFLICT);
    assert_eq!(snapshot(&app, "SELECT * FROM orders ORDER BY id"), before);
    assert_eq!(app.count("outbox_events"), events_before);
}

#[tokio::test]
async fn a_pending_order_is_paid_before_it_is_fulfilled() {
    let (app, id) = with_order().await;
    let problem = report(&app, &id, r#"{"outcome":"fulfilled"}"#)
        .await
        .problem(StatusCode::CONFLICT);
    assert!(problem["detail"].as_str().unwrap().contains("paid"));
    assert_eq!(deliveries(&app, ADA_SUB)[0].1, "pending");
}

/// The subscription as Ada's widget reads it on `date`.
async fn ada_sees(app: &TestApp, date: &str) -> Value {
    subscription_on(app, date).await.0
}

#[tokio::test]
async fn failed_payments_are_retried_then_shown_calmly_until_paid() {
    let (app, id) = with_order().await;
    let conn = app.state.db.conn().unwrap();
    cadence_server::orders::set_update_payment_url(&conn, Some("https://shop.example/pay"))
        .unwrap();
    let fail = r#"{"outcome":"payment_failed","reason":"card_declined"}"#;
    // The first charge fails on April 2nd; retries fall due 1, 2 and 4 days after each
    // failure that is reported the day its retry falls due.
    let mut today = "2026-04-02".to_owned();
    for (n, next_retry) in [
        (1, Some("2026-04-03")),
        (2, Some("2026-04-05")),
        (3, Some("2026-04-09")),
        (4, None),
    ] {
        let reply = report(&app_on(&app, &today), &id, fail).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let order = reply.json();
        assert_eq!(order["status"], "payment_failed");
        assert_eq!(order["failed_payments"], n);
        assert_eq!(order["failure_reason"], "card_declined");
        // Reported twice: counted once.
        assert_eq!(report(&app_on(&app, &today), &id, fail).await.json(), order);
        let Some(next) = next_retry else {
            assert!(order.get("next_retry_at").is_none());
            break;
        };
        assert_eq!(order["next_retry_at"], format!("{next}T00:00:00Z"));
        assert!(!ada_sees(&app, &today).await["payment_problem"].is_boolean());
        // The day before, nothing is due; on the day, the merchant is asked to charge again.
        let before = Clock::fixed_on(day(next)).unix_seconds() - 1;
        let early = cadence_server::scheduler::run_due(&app.state.db, Clock::Fixed(before));
        assert_eq!(early.await.unwrap().retries_due, 0);
        assert_eq!(run_on(&app, next).await.retries_due, 1);
        let updates = updates_of(&app, &id);
        let last = updates.last().unwrap();
        assert_eq!(last["data"]["order"]["status"], "payment_retry_due");
        assert_eq!(last["data"]["retry"], n);
        today = next.to_owned();
    }
    let last = updates_of(&app, &id).pop().unwrap();
    assert_eq!(last["data"]["payment_problem"], true);
    // 4 failures and 3 retries asked for.
    assert_eq!(updates_of(&app, &id).len(), 7);

    let sub = ada_sees(&app, "2026-04-10").await;
    assert_eq!(sub["payment_problem"], true);
    assert_eq!(sub["update_payment_url"], "https://shop.example/pay");
    // Nothing else breaks: the subscriber changes the plan, the next delivery comes.
    let reply = change_on(
        &app,
        "2026-04-10",
        r#"{"action":"set_quantity","quantity":1}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["payment_problem"], true);
    run_on(&app, "2026-04-30").await;
    assert_eq!(deliveries(&app, ADA_SUB).len(), 2);

    // Paid (the merchant charged another way): the notice goes.
    let paid = report(&app_on(&app, "2026-04-30"), &id, r#"{"outcome":"paid"}"#).await;
    assert_eq!(paid.status, StatusCode::OK);
    assert!(paid.json().get("next_retry_at").is_none());
    let sub = ada_sees(&app, "2026-04-30").await;
    assert!(sub.get("payment_problem").is_none(), "{sub}");
    assert!(sub.get("update_payment_url").is_none());
}

#[tokio::test]
async fn a_retry_that_is_paid_ends_the_retries() {
    let (app, id) = with_order().await;
    let fail = r#"{"outcome":"payment_failed","reason":"insufficient_funds"}"#;
    report(&app_on(&app, "2026-04-02"), &id, fail).await;
    assert_eq!(run_on(&app, "2026-04-03").await.retries_due, 1);
    let paid = report(&app_on(&app, "2026-04-03"), &id, r#"{"outcome":"paid"}"#).await;
    assert_eq!(paid.json()["status"], "paid");
    assert_eq!(paid.json()["failed_payments"], 1);
    assert_eq!(run_on(&app, "2026-05-01").await.retries_due, 0);
}

#[tokio::test]
async fn the_order_list_filters_by_date_and_status_a_page_at_a_time() {
    let app = TestApp::new();
    run_on(&app, "2026-05-31").await;
    let list = |query: &str| {
        let uri = format!("/api/v1/admin/orders{query}");
        let app = &app;
        async move {
            let reply = app
                .send(admin_request(Method::GET, &uri, MERCHANT_KEY, None))
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
            reply.json()
        }
    };
    let ada: Vec<Value> = list("?since=2026-04-01&until=2026-05-31&status=pending&limit=500").await
        ["orders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["subscription_id"] == ADA_SUB)
        .cloned()
        .collect();
    let dates: Vec<&str> = ada
        .iter()
        .map(|o| o["delivery_date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2026-04-02", "2026-04-30", "2026-05-28"]);
    // The shop's history is listed too, as fulfilled.
    let history = list("?until=2026-03-15&status=fulfilled").await;
    assert!(history["orders"].as_array().unwrap().len() >= 3);
    assert!(history["orders"][0].get("delivery_date").is_none());

    // Two at a time, the pages together are the whole list.
    let whole = list("?since=2026-03-16").await["orders"]
        .as_array()
        .unwrap()
        .clone();
    assert!(whole.len() > 4);
    let mut paged = Vec::new();
    let mut query = "?since=2026-03-16&limit=2".to_owned();
    loop {
        let page = list(&query).await;
        paged.extend(page["orders"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(next) => query = format!("?since=2026-03-16&limit=2&after={next}"),
            None => break,
        }
    }
    assert_eq!(paged, whole);
}

async fn move_clock(app: &TestApp, body: &str) -> Reply {
    app.send(admin_request(
        Method::POST,
        "/api/v1/admin/demo/clock",
        MERCHANT_KEY,
        Some(body),
    ))
    .await
}

#[tokio::test]
async fn the_demo_clock_moves_a_month_forward_and_delivers() {
    let mut app = TestApp::new();
    // A clock that cannot move (not a --demo server): 404, and time stands.
    move_clock(&app, r#"{"advance_days":30}"#)
        .await
        .problem(StatusCode::NOT_FOUND);
    app.state.clock = clock().movable();
    move_clock(&app, r#"{"advance_days":0}"#)
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    let reply = move_clock(&app, r#"{"advance_days":30}"#).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let moved = reply.json();
    assert_eq!(moved["today"], "2026-04-14");
    assert!(moved["run"]["orders"].as_u64().unwrap() >= 1);
    assert_eq!(deliveries(&app, ADA_SUB).len(), 1);
    // Every part of the server reads the moved clock.
    let reply = app
        .get_as(&format!("/api/v1/me/subscriptions/{ADA_SUB}"), &ada(&app))
        .await;
    assert_eq!(reply.json()["next_delivery"], "2026-04-30");
}

/// A key with only the read scope, made by the merchant key.
async fn read_only_key(app: &TestApp) -> String {
    let reply = app
        .send(admin_request(
            Method::POST,
            "/api/v1/admin/keys",
            MERCHANT_KEY,
            Some(r#"{"name":"reporting","scopes":["read"]}"#),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    reply.json()["secret"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn bad_input_is_problem_json_and_writes_nothing() {
    let (app, id) = with_order().await;
    let reader = read_only_key(&app).await;
    let uri = format!("/api/v1/admin/orders/{id}/outcome");
    let state = || {
        (
            snapshot(&app, "SELECT * FROM orders ORDER BY id"),
            snapshot(
                &app,
                "SELECT id, version, payment_problem_order FROM subscriptions ORDER BY id",
            ),
            app.count("outbox_events"),
        )
    };
    let before = state();
    let post = |key: &str, uri: &str, body: &str| admin_request(Method::POST, uri, key, Some(body));
    let cases: Vec<(axum::http::Request<axum::body::Body>, StatusCode)> = vec![
        (
            post(MERCHANT_KEY, &uri, r#"{"outcome":"shipped"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            post(MERCHANT_KEY, &uri, r#"{"outcome":"payment_failed"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            post(
                MERCHANT_KEY,
                &uri,
                r#"{"outcome":"payment_failed","reason":"  "}"#,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            post(
                MERCHANT_KEY,
                &uri,
                &format!(
                    r#"{{"outcome":"payment_failed","reason":"{}"}}"#,
                    "x".repeat(501)
                ),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            post(
                MERCHANT_KEY,
                &uri,
                r#"{"outcome":"paid","reason":"why not"}"#,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            post(MERCHANT_KEY, &uri, r#"{"outcome":"paid","extra":1}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            post(MERCHANT_KEY, &uri, r#"{"outcome":"paid""#),
            StatusCode::BAD_REQUEST,
        ),
        (
            post(MERCHANT_KEY, &uri, r#"["paid"]"#),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            post(
                MERCHANT_KEY,
                "/api/v1/admin/orders/ord_nope/outcome",
                r#"{"outcome":"paid"}"#,
            ),
            StatusCode::NOT_FOUND,
        ),
        (
            post(&reader, &uri, r#"{"outcome":"paid"}"#),
            StatusCode::FORBIDDEN,
        ),
        (
            post("wrong-key-wrong-key", &uri, r#"{"outcome":"paid"}"#),
            StatusCode::UNAUTHORIZED,
        ),
        (
            axum::http::Request::post(&uri)
                .header("authorization", format!("Bearer {MERCHANT_KEY}"))
                .header("content-type", "text/plain")
                .body(axum::body::Body::from("paid"))
                .unwrap(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            post(
                MERCHANT_KEY,
                "/api/v1/admin/demo/clock",
                r#"{"advance_days":30}"#,
            ),
            StatusCode::NOT_FOUND,
        ),
        (
            post(
                MERCHANT_KEY,
                "/api/v1/admin/demo/clock",
                r#"{"advance_days":-1}"#,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            post(&reader, "/api/v1/admin/demo/clock", r#"{"advance_days":1}"#),
            StatusCode::FORBIDDEN,
        ),
    ];
    for (request, status) in cases {
        let what = format!("{} {}", request.method(), request.uri());
        let reply = app.send(request).await;
        let problem = reply.problem(status);
        assert!(problem["detail"].is_string(), "{what}: {problem}");
        assert_eq!(state(), before, "{what} wrote something");
    }
    for query in [
        "?since=yesterday",
        "?until=2026-02-30",
        "?since=2026-04-01&until=2026-03-01",
        "?status=lost",
        "?limit=0",
        "?limit=501",
        "?limit=ten",
        "?after=nonsense",
        "?after=2026-13-01~ord_1",
    ] {
        let reply = app
            .send(admin_request(
                Method::GET,
                &format!("/api/v1/admin/orders{query}"),
                MERCHANT_KEY,
                None,
            ))
            .await;
        reply.problem(StatusCode::UNPROCESSABLE_ENTITY);
    }
    for query in ["?color=red", "?limit=1&limit=2"] {
        let reply = app
            .send(admin_request(
                Method::GET,
                &format!("/api/v1/admin/orders{query}"),
                MERCHANT_KEY,
                None,
            ))
            .await;
        reply.problem(StatusCode::BAD_REQUEST);
    }
    let reply = app
        .send(admin_request(
            Method::GET,
            "/api/v1/admin/orders",
            &reader,
            None,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "the read scope lists orders");
    assert_eq!(state(), before);
}
