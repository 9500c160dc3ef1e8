//! The consent record: subscribing and every change to what a subscriber pays or how often
//! add a record of what was agreed (price, frequency, terms in their language, the moment
//! with their zone, who acted); other changes add none; records are never changed or
//! deleted (the database refuses), survive 1,000 later changes and the erasure of the
//! customer, and the merchant's export holds them.

use crate::common::*;
use axum::http::{header, Request, StatusCode};
use cadence_contract::{ChangeRequest, SubscriptionChange};
use cadence_server::selfservice::At;
use serde_json::Value;

async fn consents(app: &TestApp, id: &str, query: &str) -> Reply {
    app.get_as(
        &format!("/api/v1/me/subscriptions/{id}/consents{query}"),
        &app.token("cust_ada"),
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
async fn subscribing_and_each_change_to_price_or_frequency_add_a_record_others_do_not() {
    let app = TestApp::new();
    let created = app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_owned();

    let reply = consents(&app, &id, "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.header("cache-control"), Some("private, no-store"));
    assert!(reply
        .header("content-disposition")
        .unwrap()
        .contains(&format!("consents-{id}.json")));
    let list = reply.json();
    let records = list["consents"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{list}");
    let first = &records[0];
    assert_eq!(first["action"], "create");
    assert_eq!(first["channel"], "customer");
    assert_eq!(first["sku"], "CAPS-INTENSO");
    assert_eq!(first["interval_count"], 2);
    assert_eq!(first["interval_unit"], "week");
    assert_eq!(first["unit_price"]["amount_minor"], 1750);
    assert_eq!(first["discount_percent"], 10);
    assert_eq!(
        first["price_per_delivery"],
        created.json()["price_per_delivery"],
        "the price the subscription states"
    );
    assert_eq!(
        first["terms_version"],
        cadence_server::consent::TERMS_VERSION
    );
    let terms = first["terms_text"].as_str().unwrap();
    for part in [
        "every 2 weeks",
        "until you cancel",
        "€15.75",
        "withdraw",
        "14 days",
    ] {
        assert!(terms.contains(part), "{part:?} in {terms}");
    }
    assert_eq!(first["language"], "en");
    assert!(first["agreed_at"].as_str().unwrap().ends_with('Z'));
    // The moment in the shopper's zone, with its offset.
    let local = first["agreed_at_local"].as_str().unwrap();
    assert!(local.len() == 25 && local.contains('T'), "{local}");
    assert!(first["time_zone"].is_string());

    // A skip or a pause agrees to nothing new.
    let next = created.json()["next_delivery"].as_str().unwrap().to_owned();
    let skip = format!(r#"{{"action":"skip","date":"{next}"}}"#);
    assert_eq!(app.change(&id, &skip).await.status, StatusCode::OK);
    assert_eq!(
        app.change(&id, r#"{"action":"pause"}"#).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.change(&id, r#"{"action":"resume"}"#).await.status,
        StatusCode::OK
    );
    // What they pay per delivery, or how often: each a new record, the old kept.
    let quantity = app
        .change(&id, r#"{"action":"set_quantity","quantity":3}"#)
        .await;
    assert_eq!(quantity.status, StatusCode::OK, "{}", quantity.text());
    let interval = app
        .change(
            &id,
            r#"{"action":"set_interval","interval":{"count":4,"unit":"week"}}"#,
        )
        .await;
    assert_eq!(interval.status, StatusCode::OK, "{}", interval.text());
    let list = consents(&app, &id, "").await.json();
    let records = list["consents"].as_array().unwrap();
    let actions: Vec<&str> = records
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "set_quantity", "set_interval"]);
    assert_eq!(records[0], *first, "the first record as it was");
    assert_eq!(records[1]["quantity"], 3);
    assert_eq!(
        records[2]["price_per_delivery"],
        interval.json()["price_per_delivery"]
    );
    assert!(records[2]["terms_text"]
        .as_str()
        .unwrap()
        .contains("every 4 weeks"));

    // Someone else's subscription is not theirs to read.
    let other = app
        .get_as(
            &format!("/api/v1/me/subscriptions/{id}/consents"),
            &app.token("cust_grace"),
        )
        .await;
    other.problem(StatusCode::NOT_FOUND);
    consents(&app, &id, "?limit=0")
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    consents(&app, &id, "?page=2")
        .await
        .problem(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn records_are_never_changed_or_deleted_and_outlive_1000_changes_and_erasure() {
    let app = TestApp::new();
    let created = app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS).await;
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let first = consents(&app, &id, "").await.json()["consents"][0].clone();

    // The database refuses to change or delete one, whoever asks.
    let conn = app.state.db.conn().unwrap();
    assert!(conn
        .execute("UPDATE consent_records SET terms_text = 'nothing'", [])
        .is_err());
    assert!(conn.execute("DELETE FROM consent_records", []).is_err());
    drop(conn);

    // 1,000 more agreements (quantity back and forth), in batches of 100 per transaction.
    for batch in 0..10 {
        let id = id.clone();
        app.state
            .db
            .write(move |tx| {
                for n in 0..100 {
                    let request = ChangeRequest {
                        change: SubscriptionChange::SetQuantity {
                            quantity: 2 + (batch * 100 + n) % 2,
                        },
                        via: None,
                        recommendation: None,
                    };
                    let at = At {
                        today: clock().today(),
                        now: clock().timestamp(),
                        unix: TODAY_SECS,
                    };
                    cadence_server::selfservice::apply(
                        tx,
                        "cust_ada",
                        &id,
                        &request,
                        &at,
                        25,
                        |_| Ok(()),
                    )?;
                }
                Ok::<_, cadence_server::error::ApiError>(())
            })
            .await
            .unwrap();
    }
    let sql = format!("SELECT count(*) FROM consent_records WHERE subscription_id = '{id}'");
    assert_eq!(count(&app, &sql), 1_001);
    // Every page, oldest first; the first record as it was made.
    let (mut after, mut seen) = (0_i64, Vec::new());
    loop {
        let page = consents(&app, &id, &format!("?limit=500&after={after}"))
            .await
            .json();
        seen.extend(page["consents"].as_array().unwrap().iter().cloned());
        match page["next_after"].as_i64() {
            Some(next) => after = next,
            None => break,
        }
    }
    assert_eq!(seen.len(), 1_001);
    assert_eq!(seen[0], first);

    // Erasing Ada (her record and everything hanging from it) leaves her agreements.
    let conn = app.state.db.conn().unwrap();
    conn.execute("DELETE FROM customers WHERE id = 'cust_ada'", [])
        .unwrap();
    drop(conn);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM subscriptions WHERE customer_id = 'cust_ada'"
        ),
        0
    );
    assert_eq!(count(&app, &sql), 1_001);

    // The merchant's export holds it, in NDJSON and CSV.
    let export = app
        .get_as(
            "/api/v1/admin/exports/consents?since=2020-01-01&limit=10000",
            MERCHANT_KEY,
        )
        .await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.text());
    let lines: Vec<Value> = export
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ours: Vec<&Value> = lines
        .iter()
        .filter(|r| r["subscription_id"] == id.as_str())
        .collect();
    assert_eq!(ours.len(), 1_001);
    assert_eq!(*ours[0], first);
    let csv = app
        .send(
            Request::get("/api/v1/admin/exports/consents?since=2020-01-01&limit=10000")
                .header(header::AUTHORIZATION, format!("Bearer {MERCHANT_KEY}"))
                .header(header::ACCEPT, "text/csv")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    let text = csv.text();
    assert!(text.starts_with("id,agreed_at,agreed_at_local,time_zone,subscription_id"));
    assert!(text.contains(&id));
}
