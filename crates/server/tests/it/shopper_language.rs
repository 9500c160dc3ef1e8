//! What the server writes for shoppers is in their language: a refusal's reason in the
//! language the widget asked for (`Accept-Language`), the calendar feed in the customer's
//! own (`locale`), with dates and prices written as that language writes them.

use crate::admin_support::{capsules, machine, put};
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

/// GET `uri` as `customer` (or anonymous) in `language`.
async fn get_in(app: &TestApp, uri: &str, customer: Option<&str>, language: &str) -> Reply {
    let mut request = Request::get(uri).header(header::ACCEPT_LANGUAGE, language);
    if let Some(customer) = customer {
        request = request.header(
            header::AUTHORIZATION,
            format!("Bearer {}", app.token(customer)),
        );
    }
    let reply = app.send(request.body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply
}

#[tokio::test]
async fn the_merchants_own_translations_reach_product_pages_accounts_and_calendars() {
    let app = TestApp::new();
    let mut caps = capsules("Aurora capsules");
    caps["translations"] = json!({
        "fr": {"name": "Capsules Aurora", "usage_prompt": "Combien de tasses par jour ?",
               "usage_unit": "tasses par jour"},
        "de": {"name": "Aurora-Kapseln"}
    });
    assert!(put(&app, "/api/v1/admin/products/AURORA-CAPS", &caps)
        .await
        .status
        .is_success());
    let mut aurora = machine(&["AURORA-CAPS"], "AURORA-CAPS");
    aurora["translations"] =
        json!({"fr": {"name": "Machine Aurora", "maintenance": {"Descale": "Détartrage"}}});
    let saved = put(&app, "/api/v1/admin/products/AURORA", &aurora).await;
    assert!(saved.status.is_success(), "{}", saved.text());
    // The admin API gives the record back as written.
    let stored = crate::admin_support::get(&app, "/api/v1/admin/products/AURORA")
        .await
        .json();
    assert_eq!(stored["product"]["translations"], aurora["translations"]);
    let put_owned = put(
        &app,
        "/api/v1/admin/customers/cust_ada/owned/AURORA",
        &json!({"purchased_on": "2026-03-01"}),
    )
    .await;
    assert!(put_owned.status.is_success(), "{}", put_owned.text());

    // A French shopper reads the French texts, with what was not translated as written.
    let caps_fr = get_in(&app, "/api/v1/products/AURORA-CAPS", None, "fr")
        .await
        .json();
    assert_eq!(caps_fr["name"], "Capsules Aurora");
    assert_eq!(caps_fr["description"], "Fifty capsules.");
    assert_eq!(caps_fr["usage"]["prompt"], "Combien de tasses par jour ?");
    assert_eq!(caps_fr["usage"]["unit"], "tasses par jour");
    let caps_de = get_in(&app, "/api/v1/products/AURORA-CAPS", None, "de")
        .await
        .json();
    assert_eq!(caps_de["name"], "Aurora-Kapseln");
    assert_eq!(caps_de["usage"]["prompt"], "How many cups a day?");
    let caps_en = get_in(&app, "/api/v1/products/AURORA-CAPS", None, "en")
        .await
        .json();
    assert_eq!(caps_en["name"], "Aurora capsules");

    let machine_fr = get_in(&app, "/api/v1/products/AURORA", Some("cust_ada"), "fr")
        .await
        .json();
    assert_eq!(machine_fr["name"], "Machine Aurora");
    assert_eq!(machine_fr["routines"][0]["name"], "Détartrage");
    assert_eq!(
        machine_fr["routines"][0]["consumable_name"],
        "Capsules Aurora"
    );
    assert_eq!(machine_fr["ownership"]["model_name"], "Machine Aurora");
    assert_eq!(
        machine_fr["ownership"]["routines"][0]["routine"]["name"],
        "Détartrage"
    );
    // The capsules' page shows the machine they fit, with its own translated routines.
    let caps_owner = get_in(&app, "/api/v1/products/AURORA-CAPS", Some("cust_ada"), "fr")
        .await
        .json();
    assert_eq!(caps_owner["ownership"]["model_name"], "Machine Aurora");
    assert_eq!(
        caps_owner["ownership"]["routines"][0]["routine"]["name"],
        "Détartrage"
    );
    assert_eq!(
        caps_owner["ownership"]["routines"][0]["routine"]["consumable_name"],
        "Capsules Aurora"
    );
    // The account's maintenance list too.
    let me = get_in(&app, "/api/v1/me", Some("cust_ada"), "fr")
        .await
        .json();
    let task = me["routines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["model_sku"] == "AURORA")
        .unwrap()
        .clone();
    assert_eq!(
        (&task["name"], &task["model_name"]),
        (&json!("Détartrage"), &json!("Machine Aurora"))
    );
    // And a French customer's calendar.
    let ada = json!({"name": "Ada Lovelace", "email": "ada@example.com", "locale": "fr"});
    assert!(put(&app, "/api/v1/admin/customers/cust_ada", &ada)
        .await
        .status
        .is_success());
    let calendar = feed(&app).await;
    assert!(
        calendar.contains("SUMMARY:Détartrage: Machine Aurora"),
        "{calendar}"
    );
}

#[tokio::test]
async fn translations_are_checked_and_a_bad_one_changes_nothing() {
    let app = TestApp::new();
    let mut aurora = machine(&[], "CAPS-INTENSO");
    aurora["translations"] = json!({
        "it": {"name": "Macchina"},
        "fr": {"name": " ", "usage_prompt": "Combien ?", "maintenance": {"Polish": "Polir"}}
    });
    let reply = put(&app, "/api/v1/admin/products/AURORA", &aurora).await;
    let problem = reply.problem(StatusCode::UNPROCESSABLE_ENTITY);
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        [
            "/translations/fr/name",
            "/translations/fr/usage_prompt",
            "/translations/fr/maintenance/Polish",
            "/translations/it",
        ]
    );
    let missing = crate::admin_support::get(&app, "/api/v1/admin/products/AURORA").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
