//! `POST /api/v1/events`: sendBeacon's text/plain and JSON both accepted; limits and bad
//! input answered with problem+json and nothing stored.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::TestApp;

fn post(content_type: &str, body: String) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri("/api/v1/events")
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap()
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
    let body = r#"{"events":[{"kind":"action","sku":"WATER-FILTER","reason":"due_soon","action":"add_to_next_delivery","context":"account"}]}"#;
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
    let unknown_kind = batch(1).replace("impression", "hover");
    app.send(post("application/json", unknown_kind))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    let extra_field = batch(1).replace(r#""context""#, r#""x":1,"context""#);
    app.send(post("application/json", extra_field))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("ui_events"), 0);
}
