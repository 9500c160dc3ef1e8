//! Reading the API: health, products, the signed-in account, and token checks.

use crate::common::*;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use cadence_server::auth::JwtKeys;
use cadence_server::clock::Clock;

#[tokio::test]
async fn health_is_ok() {
    let reply = TestApp::new().get("/api/v1/health").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), serde_json::json!({ "status": "ok" }));
}

#[tokio::test]
async fn product_has_its_subscription_offer_and_discounted_price() {
    let reply = TestApp::new().get("/api/v1/products/CAPS-INTENSO").await;
    assert_eq!(reply.status, StatusCode::OK);
    let product = reply.json();
    assert_eq!(product["name"], "Espresso Intenso capsules");
    assert_eq!(product["kind"], "consumable");
    assert_eq!(product["units_per_pack"], 50);
    assert_eq!(
        product["price"],
        serde_json::json!({ "amount_minor": 1750, "currency": "EUR" })
    );
    let offer = &product["subscription"];
    assert_eq!(offer["discount_percent"], 10);
    assert_eq!(offer["price"]["amount_minor"], 1575);
    assert_eq!(
        offer["default_interval"],
        serde_json::json!({ "count": 4, "unit": "week" })
    );
    let counts: Vec<_> = offer["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [2, 4, 6, 8]);
}

#[tokio::test]
async fn durable_products_have_no_offer() {
    let product = TestApp::new()
        .get("/api/v1/products/BARISTA-ONE")
        .await
        .json();
    assert_eq!(product["price"]["amount_minor"], 34_900);
    assert!(product.get("subscription").is_none());
}

#[tokio::test]
async fn unknown_product_is_a_404_problem() {
    let reply = TestApp::new().get("/api/v1/products/NOPE-123").await;
    let problem = reply.problem(StatusCode::NOT_FOUND);
    assert!(
        !problem["detail"].as_str().unwrap().contains("NOPE-123"),
        "details never echo input"
    );
}

#[tokio::test]
async fn account_lists_the_customers_subscriptions() {
    let app = TestApp::new();
    let reply = app.get_as("/api/v1/me", &app.token("cust_ada")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("cache-control"), Some("private, no-store"));
    let account = reply.json();
    assert_eq!(
        account["customer"],
        serde_json::json!({ "id": "cust_ada", "name": "Ada Lovelace" })
    );
    let subs = account["subscriptions"].as_array().unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0]["sku"], "CAPS-INTENSO");
    assert_eq!(subs[0]["quantity"], 2);
    assert_eq!(subs[0]["status"], "active");
    assert_eq!(subs[0]["next_delivery"], "2026-04-02");
    assert_eq!(subs[0]["price_per_delivery"]["amount_minor"], 3150);

    let grace = app
        .get_as("/api/v1/me", &app.token("cust_grace"))
        .await
        .json();
    assert_eq!(grace["subscriptions"], serde_json::json!([]));
}

fn assert_unauthorized(reply: &Reply) {
    reply.problem(StatusCode::UNAUTHORIZED);
    assert!(reply
        .header("www-authenticate")
        .unwrap()
        .starts_with("Bearer"));
}

#[tokio::test]
async fn bad_tokens_are_401_problems() {
    let app = TestApp::new();
    assert_unauthorized(&app.get("/api/v1/me").await);

    let basic = Request::get("/api/v1/me")
        .header(header::AUTHORIZATION, "Basic YWRhOnB3")
        .body(Body::empty());
    assert_unauthorized(&app.send(basic.unwrap()).await);

    let expired = app
        .state
        .keys
        .mint("cust_ada", 60, Clock::Fixed(TODAY_SECS - 7200));
    assert_unauthorized(&app.get_as("/api/v1/me", &expired).await);

    let forged = JwtKeys::new(b"not-the-secret-not-the-secret-!!").mint("cust_ada", 3600, clock());
    assert_unauthorized(&app.get_as("/api/v1/me", &forged).await);

    let ada = app.token("cust_ada");
    let grace = app.token("cust_grace");
    let (a, g): (Vec<_>, Vec<_>) = (ada.split('.').collect(), grace.split('.').collect());
    let tampered = format!("{}.{}.{}", a[0], g[1], a[2]);
    assert_unauthorized(&app.get_as("/api/v1/me", &tampered).await);

    // A customer the merchant never loaded is signed in (tests/it/unloaded_customers.rs);
    // a subject no customer record can have is not.
    assert_unauthorized(
        &app.get_as("/api/v1/me", &app.token("cust\u{1}nobody"))
            .await,
    );
}
