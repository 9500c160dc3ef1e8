//! A customer's data through the admin API: the export holds everything Cadence keeps about
//! them; erasure removes it all but the consent records (and scrubs their messages'
//! events), touches nobody else, and a shopper can retire their own calendar feed URL
//! without touching anyone else's.

use crate::common::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use cadence_server::clock::Clock;
use cadence_server::notify::{plan, Notifier};
use serde_json::Value;

async fn admin(app: &TestApp, method: Method, uri: &str) -> Reply {
    app.send(
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {MERCHANT_KEY}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

fn count(app: &TestApp, sql: &str) -> i64 {
    app.state
        .db
        .conn()
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

#[tokio::test]
async fn the_export_holds_what_cadence_keeps_and_erasure_keeps_only_the_consent_records() {
    let app = TestApp::new();
    // A change, and the receipt it makes: a message event with Ada's name and address.
    let changed = app
        .change(ADA_SUB, r#"{"action":"set_quantity","quantity":3}"#)
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text());
    let notifier = Notifier {
        key: *cadence_server::auth::JwtKeys::new(SECRET).link_key(),
        public_url: API_URL.to_owned(),
    };
    plan::run(&app.state.db, &notifier, Clock::Fixed(TODAY_SECS + 60))
        .await
        .unwrap();
    let with_address = "SELECT count(*) FROM outbox_events WHERE payload LIKE '%ada@example.com%'";
    assert!(count(&app, with_address) > 0);

    let export = admin(&app, Method::GET, "/api/v1/admin/customers/cust_ada/export").await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.text());
    assert_eq!(export.header("cache-control"), Some("private, no-store"));
    let data: Value = export.json();
    assert_eq!(data["customer"][0]["email"], "ada@example.com");
    assert_eq!(data["customer"][0]["name"], "Ada Lovelace");
    let subs: Vec<&str> = data["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(subs.contains(&ADA_SUB), "{subs:?}");
    for table in [
        "owned_products",
        "subscription_changes",
        "orders",
        "order_lines",
        "notifications",
        "consent_records",
    ] {
        assert!(
            !data[table].as_array().unwrap().is_empty(),
            "{table} in {data}"
        );
    }
    assert!(data["consent_records"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["action"] == "set_quantity" && c["quantity"] == "3"));
    admin(
        &app,
        Method::GET,
        "/api/v1/admin/customers/cust_nobody/export",
    )
    .await
    .problem(StatusCode::NOT_FOUND);
    app.get("/api/v1/admin/customers/cust_ada/export")
        .await
        .problem(StatusCode::UNAUTHORIZED);

    let grace_before = count(
        &app,
        "SELECT count(*) FROM subscriptions WHERE customer_id = 'cust_grace'",
    );
    let consents = count(
        &app,
        "SELECT count(*) FROM consent_records WHERE customer_id = 'cust_ada'",
    );
    let erased = admin(&app, Method::DELETE, "/api/v1/admin/customers/cust_ada").await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.text());
    let report = erased.json();
    assert_eq!(report["customer_id"], "cust_ada");
    assert_eq!(report["erased"]["customer"], 1);
    assert!(report["erased"]["subscriptions"].as_u64().unwrap() >= 1);
    assert!(report["erased"]["message_events"].as_u64().unwrap() >= 1);
    assert_eq!(report["kept"]["consent_records"], consents);

    // Nothing of Ada is left but her agreements, which name her by id only.
    for sql in [
        "SELECT count(*) FROM customers WHERE id = 'cust_ada'",
        "SELECT count(*) FROM subscriptions WHERE customer_id = 'cust_ada'",
        "SELECT count(*) FROM orders WHERE customer_id = 'cust_ada'",
        "SELECT count(*) FROM notifications WHERE customer_id = 'cust_ada'",
        "SELECT count(*) FROM owned_products WHERE customer_id = 'cust_ada'",
        "SELECT count(*) FROM ui_events WHERE customer_id = 'cust_ada'",
        with_address,
    ] {
        assert_eq!(count(&app, sql), 0, "{sql}");
    }
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM consent_records WHERE customer_id = 'cust_ada'"
        ),
        consents
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM subscriptions WHERE customer_id = 'cust_grace'"
        ),
        grace_before
    );
    admin(&app, Method::DELETE, "/api/v1/admin/customers/cust_ada")
        .await
        .problem(StatusCode::NOT_FOUND);
    admin(&app, Method::GET, "/api/v1/admin/customers/cust_ada/export")
        .await
        .problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_shopper_retires_their_calendar_feed_and_nobody_elses() {
    let app = TestApp::new();
    let feed = |customer: &'static str| {
        let app = &app;
        async move {
            let reply = app
                .get_as("/api/v1/me/calendar", &app.token(customer))
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
            reply.json()["feed_url"]
                .as_str()
                .unwrap()
                .strip_prefix(API_URL)
                .unwrap()
                .to_owned()
        }
    };
    let ada = feed("cust_ada").await;
    let grace = feed("cust_grace").await;
    assert_eq!(app.get(&ada).await.status, StatusCode::OK);

    let request = Request::builder()
        .method(Method::DELETE)
        .uri("/api/v1/me/calendar")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", app.token("cust_ada")),
        )
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::NO_CONTENT);

    app.get(&ada).await.problem(StatusCode::NOT_FOUND);
    assert_eq!(app.get(&grace).await.status, StatusCode::OK);
    let renewed = feed("cust_ada").await;
    assert_ne!(renewed, ada);
    assert_eq!(app.get(&renewed).await.status, StatusCode::OK);
}
