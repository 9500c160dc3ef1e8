//! What the server writes for shoppers is in their language: a refusal's reason in the
//! language the widget asked for (`Accept-Language`), the calendar feed in the customer's
//! own (`locale`), with dates and prices written as that language writes them.

use crate::admin_support::put;
use crate::common::*;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::json;

/// A change as Ada against the current ETag, in `language`.
async fn change_in(app: &TestApp, language: Option<&str>, body: &str) -> Reply {
    let (_, etag) = app.subscription(ADA_SUB).await;
    let mut request = change_request(
        &app.token("cust_ada"),
        ADA_SUB,
        Some(&etag),
        &fresh_key(),
        body,
    );
    if let Some(language) = language {
        request
            .headers_mut()
            .insert(header::ACCEPT_LANGUAGE, language.parse().unwrap());
    }
    app.send(request).await
}

fn field_detail(reply: &Reply) -> String {
    let problem = reply.problem(StatusCode::UNPROCESSABLE_ENTITY);
    problem["errors"][0]["detail"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_refusal_is_worded_in_the_language_the_widget_asked_for() {
    let app = TestApp::new();
    let (before, _) = app.subscription(ADA_SUB).await;
    // 2026-03-15 is "today"; a delivery date 200 days ahead is past the 90-day limit.
    let body = r#"{"action":"reschedule","date":"2026-10-01"}"#;
    let english = change_in(&app, None, body).await;
    assert_eq!(
        field_detail(&english),
        "Choose a date after today and no later than 13 June 2026."
    );
    assert_eq!(english.header("content-language"), Some("en"));
    let german = change_in(&app, Some("de-AT"), body).await;
    assert_eq!(
        field_detail(&german),
        "Wählen Sie ein Datum nach heute und spätestens am 13. Juni 2026."
    );
    assert_eq!(german.header("content-language"), Some("de"));
    // The heaviest language Cadence speaks wins; one it does not speak is passed over.
    let french = change_in(&app, Some("it, en;q=0.5, fr-CH;q=0.8"), body).await;
    assert_eq!(
        field_detail(&french),
        "Choisissez une date après aujourd’hui et au plus tard le 13 juin 2026."
    );
    // Answers depend on the header: a cache must keep them apart.
    let vary = french
        .header("vary")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(vary.contains("accept-language"), "{vary}");

    // A 409 too: resuming a subscription that runs.
    let conflict = change_in(&app, Some("fr"), r#"{"action":"resume"}"#).await;
    let problem = conflict.problem(StatusCode::CONFLICT);
    assert_eq!(problem["detail"], "Cet abonnement n’est pas en pause.");
    // Nothing was changed by any of them.
    let (after, _) = app.subscription(ADA_SUB).await;
    assert_eq!(after, before);
}

#[tokio::test]
async fn subscribing_is_refused_in_the_shoppers_language_field_by_field() {
    let app = TestApp::new();
    let request = Request::post("/api/v1/me/subscriptions")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", app.token("cust_ada")),
        )
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT_LANGUAGE, "de")
        .header("idempotency-key", fresh_key())
        .body(Body::from(
            r#"{"sku":"NOPE","quantity":0,"interval":{"count":2,"unit":"week"}}"#,
        ))
        .unwrap();
    let reply = app.send(request).await;
    let problem = reply.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["errors"],
        json!([
            {"pointer": "/quantity", "detail": "Wählen Sie eine Menge von 1 bis 20."},
            {"pointer": "/sku", "detail": "Kein Produkt hat diese Artikelnummer."},
        ])
    );
}

/// Ada's calendar feed as a calendar app fetches it (no language of its own), unfolded.
async fn feed(app: &TestApp) -> String {
    let reply = app
        .get_as("/api/v1/me/calendar", &app.token("cust_ada"))
        .await;
    let url = reply.json()["feed_url"].as_str().unwrap().to_owned();
    let feed = app.get(url.strip_prefix(API_URL).unwrap()).await;
    assert_eq!(feed.status, StatusCode::OK);
    feed.text().replace("\r\n ", "")
}

#[tokio::test]
async fn the_calendar_feed_speaks_the_customers_language() {
    let app = TestApp::new();
    let english = feed(&app).await;
    assert!(
        english.contains("SUMMARY:Delivery: 2 × Espresso Intenso capsules"),
        "{english}"
    );
    assert!(english.contains("€"), "{english}");
    let ada = json!({"name": "Ada Lovelace", "email": "ada@example.com", "locale": "de-AT"});
    let saved = put(&app, "/api/v1/admin/customers/cust_ada", &ada).await;
    assert!(saved.status.is_success(), "{}", saved.text());
    let german = feed(&app).await;
    assert!(
        german.contains("SUMMARY:Lieferung: 2 × Espresso Intenso capsules"),
        "{german}"
    );
    assert!(german.contains(" pro Lieferung. Überspringen"), "{german}");
    assert!(!german.contains("Delivery"), "{german}");
}
