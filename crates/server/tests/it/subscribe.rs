//! `POST /api/v1/me/subscriptions`: creation, validation, body errors and idempotency.

use crate::common::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};

#[tokio::test]
async fn subscribing_creates_and_shows_in_the_account() {
    let app = TestApp::new();
    let reply = app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let sub = reply.json();
    let id = sub["id"].as_str().unwrap();
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["version"], 1);
    assert_eq!(sub["next_delivery"], "2026-03-29", "today + 2 weeks");
    assert_eq!(sub["price_per_delivery"]["amount_minor"], 1575);
    assert_eq!(reply.header("etag"), Some(format!("\"{id}.v1\"").as_str()));
    assert_eq!(
        reply.header("location"),
        Some(format!("/api/v1/me/subscriptions/{id}").as_str())
    );

    let account = app
        .get_as("/api/v1/me", &app.token("cust_ada"))
        .await
        .json();
    let ids: Vec<_> = account["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].clone())
        .collect();
    assert!(ids.contains(&sub["id"]));

    let one = app
        .get_as(
            &format!("/api/v1/me/subscriptions/{id}"),
            &app.token("cust_ada"),
        )
        .await;
    assert_eq!(one.json(), sub);
    assert_eq!(one.header("etag"), reply.header("etag"));
    let other = app
        .get_as(
            &format!("/api/v1/me/subscriptions/{id}"),
            &app.token("cust_grace"),
        )
        .await;
    other.problem(StatusCode::NOT_FOUND);
}

/// Each invalid body → 422 with exactly these pointers, and nothing written.
#[tokio::test]
async fn validation_errors_point_at_fields_and_write_nothing() {
    let app = TestApp::new();
    let before = (
        app.count("subscriptions"),
        app.count("subscription_changes"),
        app.count("idempotency_keys"),
    );
    let cases: &[(&str, &[&str])] = &[
        (
            r#"{"sku":"NOPE","quantity":1,"interval":{"count":2,"unit":"week"}}"#,
            &["/sku"],
        ),
        (
            r#"{"sku":"BARISTA-ONE","quantity":1,"interval":{"count":2,"unit":"week"}}"#,
            &["/sku"],
        ),
        (
            r#"{"sku":"CAPS-INTENSO","quantity":1,"interval":{"count":3,"unit":"week"}}"#,
            &["/interval"],
        ),
        (
            r#"{"sku":"CAPS-INTENSO","quantity":1,"interval":{"count":0,"unit":"day"}}"#,
            &["/interval"],
        ),
        (
            r#"{"sku":"CAPS-INTENSO","quantity":0,"interval":{"count":2,"unit":"week"}}"#,
            &["/quantity"],
        ),
        (
            r#"{"sku":"CAPS-INTENSO","quantity":21,"interval":{"count":2,"unit":"week"}}"#,
            &["/quantity"],
        ),
        (
            r#"{"sku":"NOPE","quantity":0,"interval":{"count":2,"unit":"week"}}"#,
            &["/quantity", "/sku"],
        ),
    ];
    for (body, pointers) in cases {
        let problem = app
            .subscribe(KEY_1, body)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        let got: Vec<_> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["pointer"].as_str().unwrap())
            .collect();
        assert_eq!(&got, pointers, "{body}");
    }
    let after = (
        app.count("subscriptions"),
        app.count("subscription_changes"),
        app.count("idempotency_keys"),
    );
    assert_eq!(before, after);
    // A refused request does not burn its key.
    assert_eq!(
        app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn malformed_bodies_and_headers_are_problems() {
    let app = TestApp::new();
    let before = app.count("subscriptions");
    app.subscribe(KEY_1, "{\"sku\": ")
        .await
        .problem(StatusCode::BAD_REQUEST);
    app.subscribe(KEY_1, r#"{"sku":"CAPS-INTENSO","quantity":1}"#)
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    app.subscribe(KEY_1, &INTENSO_EVERY_2_WEEKS.replace('}', r#","price":0}"#))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    app.subscribe("not-a-uuid", INTENSO_EVERY_2_WEEKS)
        .await
        .problem(StatusCode::BAD_REQUEST);

    let base = || {
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/me/subscriptions")
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", app.token("cust_ada")),
            )
    };
    let no_key = base()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(INTENSO_EVERY_2_WEEKS));
    app.send(no_key.unwrap())
        .await
        .problem(StatusCode::BAD_REQUEST);
    let text = base()
        .header(header::CONTENT_TYPE, "text/plain")
        .header("idempotency-key", KEY_1);
    app.send(text.body(Body::from(INTENSO_EVERY_2_WEEKS)).unwrap())
        .await
        .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let untyped = base()
        .header("idempotency-key", KEY_1)
        .body(Body::from(INTENSO_EVERY_2_WEEKS));
    app.send(untyped.unwrap())
        .await
        .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(app.count("subscriptions"), before);
}

#[tokio::test]
async fn retries_replay_the_first_response() {
    let app = TestApp::new();
    let before = app.count("subscriptions");
    let first = app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS).await;
    // Same request, formatted differently: still the same request.
    let spaced =
        r#"{ "interval": {"unit": "week", "count": 2}, "quantity": 1, "sku": "CAPS-INTENSO" }"#;
    let second = app.subscribe(&KEY_1.to_uppercase(), spaced).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(second.status, StatusCode::CREATED);
    assert_eq!(second.body, first.body);
    assert_eq!(second.header("etag"), first.header("etag"));
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.count("subscriptions"), before + 1);
    assert_eq!(app.count("idempotency_keys"), 1);
}

#[tokio::test]
async fn reusing_a_key_for_another_body_is_refused() {
    let app = TestApp::new();
    assert_eq!(
        app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS).await.status,
        StatusCode::CREATED
    );
    let other = INTENSO_EVERY_2_WEEKS.replace("\"quantity\":1", "\"quantity\":3");
    let problem = app
        .subscribe(KEY_1, &other)
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["type"],
        "urn:cadence:problem:idempotency-key-reused"
    );
    assert_eq!(
        app.subscribe(KEY_2, &other).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_retries_create_one_subscription() {
    let app = TestApp::new();
    let before = app.count("subscriptions");
    let (a, b, c) = tokio::join!(
        app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS),
        app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS),
        app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS),
    );
    assert!([&a, &b, &c].iter().all(|r| r.status == StatusCode::CREATED));
    assert!(a.body == b.body && b.body == c.body);
    assert_eq!(app.count("subscriptions"), before + 1);
}
