//! Token rules through the API: per-customer revocation (tokens and calendar link) that
//! leaves every other customer signed in, the maximum token lifetime, and the headers
//! every customer-specific or failed answer carries.

use crate::common::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use cadence_server::clock::Clock;

async fn revoke(app: &TestApp, customer: &str, key: &str) -> Reply {
    app.send(
        Request::builder()
            .method(Method::POST)
            .uri(format!("/api/v1/merchant/customers/{customer}/revoke"))
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// The path of the customer's calendar feed, as `GET /me/calendar` hands it out.
async fn feed_path(app: &TestApp, token: &str) -> String {
    let reply = app.get_as("/api/v1/me/calendar", token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let url = reply.json()["feed_url"].as_str().unwrap().to_owned();
    url.strip_prefix(API_URL).unwrap().to_owned()
}

#[tokio::test]
async fn revoking_one_customer_leaves_everyone_else_signed_in() {
    let app = TestApp::new();
    let ada = app.token("cust_ada");
    let grace = app.token("cust_grace");
    let ada_feed = feed_path(&app, &ada).await;
    let grace_feed = feed_path(&app, &grace).await;
    assert_eq!(app.get(&ada_feed).await.status, StatusCode::OK);

    revoke(&app, "cust_ada", "wrong-key-0123456789")
        .await
        .problem(StatusCode::UNAUTHORIZED);
    // Any id a customer can have is revoked, loaded or not (tests/it/unloaded_customers.rs).
    revoke(&app, &"x".repeat(129), MERCHANT_KEY)
        .await
        .problem(StatusCode::NOT_FOUND);
    let reply = revoke(&app, "cust_ada", MERCHANT_KEY).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["customer_id"], "cust_ada");
    assert_eq!(reply.header("cache-control"), Some("private, no-store"));

    // Ada's token and calendar link stop working...
    let problem = app
        .get_as("/api/v1/me", &ada)
        .await
        .problem(StatusCode::UNAUTHORIZED);
    assert_eq!(problem["type"], "urn:cadence:problem:invalid-token");
    app.get(&ada_feed).await.problem(StatusCode::NOT_FOUND);
    // ...Grace's do not.
    assert_eq!(
        app.get_as("/api/v1/me", &grace).await.status,
        StatusCode::OK
    );
    assert_eq!(app.get(&grace_feed).await.status, StatusCode::OK);

    // A token the merchant issues after the revocation works, with a new feed link; the
    // old link stays dead.
    let later = app
        .state
        .keys
        .mint("cust_ada", 3600, Clock::Fixed(TODAY_SECS + 1));
    assert_eq!(
        app.get_as("/api/v1/me", &later).await.status,
        StatusCode::OK
    );
    let new_feed = feed_path(&app, &later).await;
    assert_ne!(new_feed, ada_feed);
    assert_eq!(app.get(&new_feed).await.status, StatusCode::OK);
    app.get(&ada_feed).await.problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_token_that_lives_too_long_is_refused() {
    let app = TestApp::new();
    let two_days = app
        .state
        .keys
        .mint("cust_ada", 2 * 24 * 3600, Clock::Fixed(TODAY_SECS));
    let problem = app
        .get_as("/api/v1/me", &two_days)
        .await
        .problem(StatusCode::UNAUTHORIZED);
    assert_eq!(
        problem["detail"],
        "The customer token lives longer than this server allows."
    );
    let one_day = app
        .state
        .keys
        .mint("cust_ada", 24 * 3600, Clock::Fixed(TODAY_SECS));
    assert_eq!(
        app.get_as("/api/v1/me", &one_day).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn personal_and_failed_answers_are_never_stored_and_carry_security_headers() {
    let app = TestApp::new();
    let token = app.token("cust_ada");
    // A personalised product page, a stale If-Match (its 412 carries the subscription),
    // and a plain 404: none may be kept by a cache.
    let personal = app.get_as("/api/v1/products/CAPS-INTENSO", &token).await;
    assert_eq!(personal.header("cache-control"), Some("private, no-store"));
    let (_, etag) = app.subscription(ADA_SUB).await;
    let first = app
        .change_with(
            ADA_SUB,
            Some(&etag),
            &fresh_key(),
            r#"{"action":"set_quantity","quantity":3}"#,
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let stale = app
        .change_with(
            ADA_SUB,
            Some(&etag),
            &fresh_key(),
            r#"{"action":"set_quantity","quantity":1}"#,
        )
        .await;
    stale.problem(StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.header("cache-control"), Some("private, no-store"));
    let missing = app.get("/api/v1/products/NOPE").await;
    assert_eq!(missing.header("cache-control"), Some("private, no-store"));
    // Every API answer: no sniffing, no framing, no scripts, no referrer, same-origin CORP.
    for reply in [&personal, &stale, &missing] {
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(reply.header("x-frame-options"), Some("DENY"));
        assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(
            reply.header("cross-origin-resource-policy"),
            Some("same-origin")
        );
        assert!(reply
            .header("content-security-policy")
            .is_some_and(|csp| csp.contains("default-src 'none'")));
    }
    // The widget's files stay loadable from any shop.
    let asset = app.get("/widget/cadence.js").await;
    assert_eq!(asset.status, StatusCode::OK);
    assert_eq!(
        asset.header("cross-origin-resource-policy"),
        Some("cross-origin")
    );
    assert_eq!(asset.header("x-content-type-options"), Some("nosniff"));
}
