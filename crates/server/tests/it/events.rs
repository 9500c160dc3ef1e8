//! `POST /api/v1/events`: sendBeacon's text/plain and JSON both accepted from the shop's
//! pages only; limits and bad input answered with problem+json and nothing stored; each
//! shopper counted once per recommendation and day; clicks without impressions apart.

use crate::common::{TestApp, SHOP_ORIGIN};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use cadence_server::limits::Limits;
use cadence_server::throttle::Throttle;
use std::net::SocketAddr;
use std::sync::Arc;

/// A batch as a shop page's `sendBeacon` sends it: with the page's `Origin`.
fn post(content_type: &str, body: String) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri("/api/v1/events")
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ORIGIN, SHOP_ORIGIN)
        .body(Body::from(body))
        .unwrap()
}

/// The same, as if it came over a socket from `ip` (what `serve` attaches to requests).
fn post_from(ip: &str, body: String) -> Request<Body> {
    let mut request = post("text/plain;charset=UTF-8", body);
    let addr: SocketAddr = format!("{ip}:5000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(addr));
    request
}

/// (impressions, clicks, actions, unmatched) summed over the daily counts.
fn daily(app: &TestApp) -> (i64, i64, i64, i64) {
    app.state
        .db
        .conn()
        .unwrap()
        .query_row(
            "SELECT CAST(coalesce(sum(impressions), 0) AS BIGINT),
                    CAST(coalesce(sum(clicks), 0) AS BIGINT),
                    CAST(coalesce(sum(actions), 0) AS BIGINT),
                    CAST(coalesce(sum(unmatched), 0) AS BIGINT)
             FROM ui_event_daily",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
}

fn one(kind: &str, sku: &str) -> String {
    format!(
        r#"{{"events":[{{"kind":"{kind}","sku":"{sku}","reason":"fits_what_you_own","context":"account"}}]}}"#
    )
}

fn batch(n: usize) -> String {
    let one = r#"{"kind":"impression","sku":"MILK-FROTHER","reason":"fits_what_you_own","context":"account"}"#;
    format!(r#"{{"events":[{}]}}"#, vec![one; n].join(","))
}

#[tokio::test]
async fn beacon_text_plain_and_json_are_both_stored() {
    let app = TestApp::new();
    let reply = app.send(post("text/plain;charset=UTF-8", batch(2))).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    let reply = app.send(post("application/json", batch(3))).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    assert_eq!(app.count("ui_events"), 5);
}

#[tokio::test]
async fn a_token_attributes_events_and_a_bad_one_is_refused() {
    let app = TestApp::new();
    let body = r#"{"events":[{"kind":"click","sku":"WATER-FILTER","reason":"due_soon","action":"add_to_next_delivery","context":"account"}]}"#;
    let mut request = post("application/json", body.into());
    let token = app.token("cust_ada");
    request.headers_mut().insert(
        header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    assert_eq!(app.send(request).await.status, StatusCode::ACCEPTED);
    let who: String = app
        .state
        .db
        .conn()
        .unwrap()
        .query_row("SELECT customer_id FROM ui_events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(who, "cust_ada");
    let mut request = post("application/json", body.into());
    request
        .headers_mut()
        .insert(header::AUTHORIZATION, "Bearer nope".parse().unwrap());
    app.send(request).await.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("ui_events"), 1);
}

#[tokio::test]
async fn limits_and_bad_input_store_nothing() {
    let app = TestApp::new();
    app.send(post("application/json", batch(51)))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    app.send(post("text/plain", "x".repeat(17 * 1024)))
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE);
    app.send(post("text/plain", "{not json".into()))
        .await
        .problem(StatusCode::BAD_REQUEST);
    app.send(post("application/xml", batch(1)))
        .await
        .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let wrong_context = batch(1).replace("account", "checkout");
    app.send(post("application/json", wrong_context))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    let unknown_sku = batch(1).replace("MILK-FROTHER", "NO-SUCH-SKU");
    let reply = app.send(post("application/json", unknown_sku)).await;
    let problem = reply.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["pointer"], "/events/0/sku");
    let control = batch(1).replace("MILK-FROTHER", "MILK\\u0007FROTHER");
    app.send(post("application/json", control))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    let unknown_kind = batch(1).replace("impression", "hover");
    app.send(post("application/json", unknown_kind))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    let extra_field = batch(1).replace(r#""context""#, r#""x":1,"context""#);
    app.send(post("application/json", extra_field))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("ui_events"), 0);
    assert_eq!(daily(&app), (0, 0, 0, 0));
}

#[tokio::test]
async fn only_the_shops_pages_may_post_events() {
    let app = TestApp::new();
    let mut without = post("text/plain", batch(1));
    without.headers_mut().remove(header::ORIGIN);
    let problem = app.send(without).await.problem(StatusCode::FORBIDDEN);
    assert_eq!(problem["type"], "urn:cadence:problem:origin-not-allowed");
    for origin in [
        "https://evil.example",
        "null",
        "https://shop.example.evil.example",
    ] {
        let mut request = post("text/plain", batch(1));
        request
            .headers_mut()
            .insert(header::ORIGIN, origin.parse().unwrap());
        app.send(request).await.problem(StatusCode::FORBIDDEN);
    }
    assert_eq!(app.count("ui_events"), 0);
    // No Origin but a Referer from a shop page (older browsers): its origin counts.
    let mut referred = post("text/plain", batch(1));
    referred.headers_mut().remove(header::ORIGIN);
    referred.headers_mut().insert(
        header::REFERER,
        format!("{SHOP_ORIGIN}/products/caps?x=1").parse().unwrap(),
    );
    assert_eq!(app.send(referred).await.status, StatusCode::ACCEPTED);
    assert_eq!(app.count("ui_events"), 1);
}

#[tokio::test]
async fn a_shopper_counts_once_per_recommendation_and_day() {
    let app = TestApp::new();
    for _ in 0..3 {
        let reply = app.send(post_from("203.0.113.5", batch(5))).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    }
    assert_eq!(
        daily(&app),
        (1, 0, 0, 0),
        "15 identical impressions, one shopper"
    );
    assert_eq!(app.count("ui_events"), 1, "repeats are not stored either");
    // Another shopper is counted; so is the first one's click after their impression.
    app.send(post_from("203.0.113.6", batch(1))).await;
    app.send(post_from("203.0.113.5", one("click", "MILK-FROTHER")))
        .await;
    assert_eq!(daily(&app), (2, 1, 0, 0));
    // The raw address is never stored, only a keyed hash of it.
    let clients: Vec<String> = {
        let conn = app.state.db.conn().unwrap();
        let mut stmt = conn
            .prepare("SELECT DISTINCT client FROM ui_events")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(clients.len(), 2);
    assert!(clients
        .iter()
        .all(|c| c.starts_with("a:") && !c.contains("203.0")));
}

#[tokio::test]
async fn clicks_without_an_impression_are_counted_apart() {
    let app = TestApp::new();
    for ip in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        app.send(post_from(ip, one("click", "MILK-FROTHER"))).await;
        app.send(post_from(ip, one("action", "MILK-FROTHER"))).await;
    }
    // The actions are not even unmatched: conversions are the server's to count, so a
    // reported `action` is accepted and dropped (tests/it/conversions.rs).
    assert_eq!(daily(&app), (0, 0, 0, 3));
    let figures = app
        .send(
            Request::get("/api/v1/merchant/metrics")
                .header(
                    header::AUTHORIZATION,
                    format!("Bearer {}", crate::common::MERCHANT_KEY),
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .json();
    let r = &figures["recommendations"];
    assert_eq!(r["all"]["clicks"], 0);
    assert_eq!(r["all"]["actions"], 0);
    assert_eq!(r["unmatched"], 3);
}

#[tokio::test]
async fn one_address_is_throttled_and_others_are_not() {
    let mut app = TestApp::new();
    let limits = Limits {
        event_batches_per_second: 1,
        event_batch_burst: 3,
        ..Limits::default()
    };
    app.state.throttle = Arc::new(Throttle::new(&limits));
    for _ in 0..3 {
        let reply = app.send(post_from("192.0.2.66", batch(1))).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED);
    }
    let reply = app.send(post_from("192.0.2.66", batch(1))).await;
    reply.problem(StatusCode::TOO_MANY_REQUESTS);
    assert!(reply.header("retry-after").is_some());
    let other = app.send(post_from("192.0.2.67", batch(1))).await;
    assert_eq!(other.status, StatusCode::ACCEPTED);
}
