//! Cancel reasons per month in the merchant figures (`cancel_reasons`) and on the demo
//! shop's `/merchant` page: cancellations made through the API with and without a reason,
//! and older ones in the audit trail, counted in their month. Today is 2026-03-15.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};

async fn figures(app: &TestApp) -> Value {
    let reply = app.get_as("/api/v1/merchant/metrics", MERCHANT_KEY).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()["cancel_reasons"].clone()
}

/// An audit row of a cancellation at `at` with `reason`, as older changes stored them.
fn past_cancel(app: &TestApp, at: &str, reason: Option<&str>) {
    let conn = app.state.db.conn().unwrap();
    conn.execute(
        "INSERT INTO subscription_changes (subscription_id, at, actor, action, before_json,
             after_json, reason)
         SELECT id, ?1, 'customer', 'cancel', NULL, '{}', ?2 FROM subscriptions
         WHERE id = ?3",
        cadence_server::params![at, reason, ADA_SUB],
    )
    .unwrap();
}

#[tokio::test]
async fn cancellations_are_counted_per_month_by_reason() {
    let app = TestApp::new();
    let empty = figures(&app).await;
    assert_eq!(empty["months"].as_array().unwrap().len(), 12);
    assert_eq!(empty["total"]["not_given"], 0);
    assert!(empty["definition"]
        .as_str()
        .unwrap()
        .contains("optional and never pre-selected"));

    // This month, through the API: one with a reason, one without, one with a reason a
    // newer widget sent (read as `other`).
    for (n, reason) in [Some("too_expensive"), None, Some("moved_abroad")]
        .into_iter()
        .enumerate()
    {
        let created = app.subscribe(&fresh_key(), INTENSO_EVERY_2_WEEKS).await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{n}: {}",
            created.text()
        );
        let id = created.json()["id"].as_str().unwrap().to_owned();
        let mut body = json!({"action": "cancel"});
        if let Some(reason) = reason {
            body["reason"] = json!(reason);
        }
        let reply = app.change(&id, &body.to_string()).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    }
    // Earlier months, from the audit trail; one before the months covered.
    past_cancel(&app, "2026-01-20T10:00:00Z", Some("too_much_product"));
    past_cancel(&app, "2026-01-31T23:59:59Z", Some("too_much_product"));
    past_cancel(&app, "2025-11-02T08:00:00Z", Some("no_longer_needed"));
    past_cancel(&app, "2025-03-31T12:00:00Z", Some("too_expensive"));

    let c = figures(&app).await;
    let month = |m: &str| {
        c["months"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["month"] == m)
            .unwrap()["counts"]
            .clone()
    };
    assert_eq!(
        month("2026-03"),
        json!({"too_much_product": 0, "too_expensive": 1, "no_longer_needed": 0,
            "trying_something_else": 0, "other": 1, "not_given": 1})
    );
    assert_eq!(month("2026-01")["too_much_product"], 2);
    assert_eq!(month("2025-11")["no_longer_needed"], 1);
    assert_eq!(
        month("2025-04")["too_expensive"],
        0,
        "2025-03 is not covered"
    );
    assert_eq!(
        c["total"],
        json!({"too_much_product": 2, "too_expensive": 1, "no_longer_needed": 1,
            "trying_something_else": 0, "other": 1, "not_given": 1})
    );
    // They add up to the cancellations of the subscription figures.
    let all = app
        .get_as("/api/v1/merchant/metrics", MERCHANT_KEY)
        .await
        .json();
    let march = all["subscriptions"]["months"][11]["counts"]["cancelled"]
        .as_u64()
        .unwrap();
    assert_eq!(march, 3);

    // The demo shop's page shows them, with their definition and a table.
    let page = send(
        app.shop(),
        Request::get("/merchant").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains(r#"<h2 id="cancel-reasons-heading">Why subscribers cancelled</h2>"#));
    // The definition as the page's template escapes it.
    let definition = cadence_server::metrics::cancel_reasons::DEFINITION;
    assert!(html.contains(&maud::html! { (definition) }.into_string()));
    assert!(html.contains("2026-03, Too expensive: 1"), "bar tooltip");
    assert!(html.contains("2026-01, Too much product: 2"), "bar tooltip");
}
