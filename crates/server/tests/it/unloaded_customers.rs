//! A valid token for a customer the merchant never loaded: the merchant's backend vouched
//! for them, so they are signed in with an empty account, and their record is created with
//! the first thing stored for them (filled from the token's profile claims), never by a
//! read or a refused request.

use crate::admin_support::*;
use crate::common::*;
use axum::http::StatusCode;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

fn token_with(claims: serde_json::Value) -> String {
    let mut all = json!({"sub": "cust_new", "iat": TODAY_SECS, "exp": TODAY_SECS + 600});
    all.as_object_mut()
        .unwrap()
        .extend(claims.as_object().unwrap().clone());
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &all,
        &EncodingKey::from_secret(SECRET),
    )
    .unwrap()
}

#[tokio::test]
async fn a_customer_never_loaded_signs_in_and_is_recorded_with_their_first_subscription() {
    let app = TestApp::new();
    let token = token_with(json!({"name": "Noor", "email": "noor@example.com", "locale": "fr-BE"}));
    let before = snapshot(&app);

    // Reading writes nothing.
    let me = app.get_as("/api/v1/me", &token).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text());
    let me = me.json();
    assert_eq!(me["customer"], json!({"id": "cust_new", "name": "Noor"}));
    assert_eq!(me["subscriptions"], json!([]));
    let product = app.get_as("/api/v1/products/CAPS-INTENSO", &token).await;
    assert_eq!(product.status, StatusCode::OK);
    assert!(product.json().get("ownership").is_none());
    // Nor does a refused write.
    let refused = app
        .send(
            axum::http::Request::post("/api/v1/me/subscriptions")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .header("idempotency-key", fresh_key())
                .body(axum::body::Body::from(
                    r#"{"sku":"NO-SUCH-SKU","quantity":1,"interval":{"count":4,"unit":"week"}}"#,
                ))
                .unwrap(),
        )
        .await;
    refused.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(changed(&before, &snapshot(&app)), Vec::<String>::new());
    assert_eq!(
        get(&app, "/api/v1/admin/customers/cust_new").await.status,
        StatusCode::NOT_FOUND
    );

    // Subscribing stores the subscription and, with it, the customer.
    let subscribed = app
        .send(
            axum::http::Request::post("/api/v1/me/subscriptions")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .header("idempotency-key", fresh_key())
                .body(axum::body::Body::from(INTENSO_EVERY_2_WEEKS))
                .unwrap(),
        )
        .await;
    assert_eq!(
        subscribed.status,
        StatusCode::CREATED,
        "{}",
        subscribed.text()
    );
    assert_eq!(
        ok(&get(&app, "/api/v1/admin/customers/cust_new").await),
        json!({"id": "cust_new",
               "customer": {"name": "Noor", "email": "noor@example.com", "locale": "fr-BE"},
               "origin": "token", "owned": []})
    );
    let me = app.get_as("/api/v1/me", &token).await.json();
    assert_eq!(me["subscriptions"].as_array().unwrap().len(), 1);

    // The merchant's record wins from then on, whatever later tokens say.
    ok(&put(
        &app,
        "/api/v1/admin/customers/cust_new",
        &json!({"name": "Noor A."}),
    )
    .await);
    let later = token_with(json!({"name": "Someone else"}));
    let me = app.get_as("/api/v1/me", &later).await.json();
    assert_eq!(me["customer"]["name"], "Noor A.");
    assert_eq!(
        ok(&get(&app, "/api/v1/admin/customers/cust_new").await)["origin"],
        "merchant"
    );
}

#[tokio::test]
async fn the_calendar_link_records_the_customer_and_odd_claims_are_left_out() {
    let app = TestApp::new();
    // Another customer's address, and a name no record takes: left out, not refused.
    let token = token_with(json!({"email": "ada@example.com", "name": "\u{7}"}));
    let reply = app.get_as("/api/v1/me/calendar", &token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let record = ok(&get(&app, "/api/v1/admin/customers/cust_new").await);
    assert_eq!(
        record,
        json!({"id": "cust_new", "customer": {}, "origin": "token", "owned": []})
    );
    let feed = reply.json()["feed_url"]
        .as_str()
        .unwrap()
        .replace(API_URL, "");
    assert_eq!(app.get(&feed).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_merchant_can_revoke_a_customer_they_never_loaded() {
    let app = TestApp::new();
    let token = token_with(json!({}));
    assert_eq!(
        app.get_as("/api/v1/me", &token).await.status,
        StatusCode::OK
    );
    let revoked = app
        .send(admin_request_as(
            MERCHANT_KEY,
            axum::http::Method::POST,
            "/api/v1/merchant/customers/cust_new/revoke",
            None,
        ))
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text());
    app.get_as("/api/v1/me", &token)
        .await
        .problem(StatusCode::UNAUTHORIZED);
    // A token issued after the revocation works again, as for any customer.
    let fresh = token_with(json!({"iat": TODAY_SECS + 1}));
    assert_eq!(
        app.get_as("/api/v1/me", &fresh).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_subject_no_record_can_have_is_still_refused() {
    let app = TestApp::new();
    for sub in [
        "x".repeat(129),
        " padded".to_owned(),
        "tab\there".to_owned(),
    ] {
        let token = token_with(json!({"sub": sub}));
        app.get_as("/api/v1/me", &token)
            .await
            .problem(StatusCode::UNAUTHORIZED);
    }
}
