//! What the orders tests share: the scheduler run at a date, the app as of a date, the
//! orders and outbox events in the database, the admin API called as the merchant, and a
//! batch of due subscriptions made by hand.
#![allow(dead_code)] // Each orders test module uses its own part.

use crate::common::*;
use axum::body::Body;
use axum::http::{header, Method, Request};
use cadence_contract::{Date, Interval};
use cadence_server::clock::Clock;
use cadence_server::db::subscriptions::{self, NewRow};
use cadence_server::db::{Connection, Db};
use cadence_server::scheduler::{self, RunSummary};
use serde_json::Value;

pub fn day(text: &str) -> Date {
    text.parse().unwrap()
}

/// The scheduler's whole pass as of midnight UTC of `date`.
pub async fn run_on(app: &TestApp, date: &str) -> RunSummary {
    scheduler::run_due(&app.state.db, Clock::fixed_on(day(date)))
        .await
        .unwrap()
}

/// The app as of midnight UTC of `date`: same database, clock moved.
pub fn app_on(app: &TestApp, date: &str) -> TestApp {
    let mut state = app.state.clone();
    state.clock = Clock::fixed_on(day(date));
    TestApp {
        dir: tempfile::tempdir().unwrap(),
        state,
    }
}

/// A subscription's orders that are deliveries: (delivery date, status), by date.
pub fn deliveries(app: &TestApp, subscription: &str) -> Vec<(String, String)> {
    let conn = app.state.db.conn().unwrap();
    conn.query_all(
        "SELECT delivery_date, status FROM orders
         WHERE subscription_id = ?1 AND delivery_date IS NOT NULL ORDER BY delivery_date",
        [subscription],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

/// The outbox's events of one type (the whole envelope), oldest first.
pub fn events(app: &TestApp, event_type: &str) -> Vec<Value> {
    let conn = app.state.db.conn().unwrap();
    conn.query_all(
        "SELECT payload FROM outbox_events WHERE type = ?1 ORDER BY position",
        [event_type],
        |r| r.get::<_, String>(0),
    )
    .unwrap()
    .iter()
    .map(|p| serde_json::from_str(p).unwrap())
    .collect()
}

/// The `order.created` events of one subscription's deliveries: their delivery dates.
pub fn created_for(app: &TestApp, subscription: &str) -> Vec<String> {
    events(app, "order.created")
        .into_iter()
        .filter(|e| e["data"]["order"]["subscription_id"] == subscription)
        .filter_map(|e| {
            e["data"]["order"]["delivery_date"]
                .as_str()
                .map(str::to_owned)
        })
        .collect()
}

/// One column of one row, as text (numbers written out), for "nothing changed" checks.
pub fn snapshot(app: &TestApp, sql: &str) -> Vec<String> {
    let conn = app.state.db.conn().unwrap();
    conn.query_all(sql, [], |r| {
        Ok((0..r.column_count())
            .map(|i| {
                format!(
                    "{:?}",
                    r.get::<_, cadence_server::db::sql::Value>(i).unwrap()
                )
            })
            .collect::<Vec<_>>()
            .join("|"))
    })
    .unwrap()
}

/// A request to the admin API with the merchant key (or `key`).
pub fn admin_request(method: Method, uri: &str, key: &str, body: Option<&str>) -> Request<Body> {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {key}"));
    match body {
        Some(body) => request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap(),
        None => request.body(Body::empty()).unwrap(),
    }
}

/// Reports `body` as order `id`'s outcome, as the merchant.
pub async fn report(app: &TestApp, id: &str, body: &str) -> Reply {
    app.send(admin_request(
        Method::POST,
        &format!("/api/v1/admin/orders/{id}/outcome"),
        MERCHANT_KEY,
        Some(body),
    ))
    .await
}

/// The id of the order of `subscription`'s delivery on `date`.
pub fn order_id(app: &TestApp, subscription: &str, date: &str) -> String {
    let conn = app.state.db.conn().unwrap();
    conn.query_row(
        "SELECT id FROM orders WHERE subscription_id = ?1 AND delivery_date = ?2",
        [subscription, date],
        |r| r.get(0),
    )
    .unwrap()
}

/// Inserts `count` subscriptions of cust_ada (`sub_bulk_0`, …) to CAPS-INTENSO every
/// `interval`, each with its next delivery on `next`, in one transaction per 5,000.
pub fn bulk_subscriptions(db: &Db, count: usize, interval: Interval, next: Date) {
    for start in (0..count).step_by(5_000) {
        let end = (start + 5_000).min(count);
        db.write_blocking(|tx: &Connection| {
            for n in start..end {
                subscriptions::insert(
                    tx,
                    &NewRow {
                        id: &format!("sub_bulk_{n}"),
                        customer_id: "cust_ada",
                        sku: "CAPS-INTENSO",
                        quantity: 1,
                        interval,
                        anchor_date: next,
                        next_delivery: next,
                        discount_percent: 10,
                        unit_price_minor: 1_750,
                        now: "2026-01-01T00:00:00Z",
                    },
                )?;
            }
            Ok::<_, cadence_server::db::StoreError>(())
        })
        .unwrap();
    }
}

/// Ada's token, minted by the app's own clock (a token from another day is expired or
/// not valid yet).
pub fn ada(app: &TestApp) -> String {
    app.state.keys.mint("cust_ada", 3600, app.state.clock)
}

/// Ada's subscription and its ETag as her widget reads them on `date`.
pub async fn subscription_on(app: &TestApp, date: &str) -> (Value, String) {
    let on = app_on(app, date);
    let reply = on
        .get_as(&format!("/api/v1/me/subscriptions/{ADA_SUB}"), &ada(&on))
        .await;
    assert_eq!(reply.status, axum::http::StatusCode::OK, "{}", reply.text());
    let etag = reply.header("etag").unwrap().to_owned();
    (reply.json(), etag)
}

/// One change of Ada's on `date`, against the ETag she sees then.
pub async fn change_on(app: &TestApp, date: &str, body: &str) -> Reply {
    let (_, etag) = subscription_on(app, date).await;
    let on = app_on(app, date);
    on.send(change_request(
        &ada(&on),
        ADA_SUB,
        Some(&etag),
        &fresh_key(),
        body,
    ))
    .await
}

/// Ada's recent changes as she sees them on `date`.
pub async fn history_on(app: &TestApp, date: &str) -> Value {
    let on = app_on(app, date);
    let reply = on
        .get_as(
            &format!("/api/v1/me/subscriptions/{ADA_SUB}/changes"),
            &ada(&on),
        )
        .await;
    assert_eq!(reply.status, axum::http::StatusCode::OK, "{}", reply.text());
    reply.json()
}
