//! What the admin data tests share: requests with an admin credential, a whole-database
//! snapshot (what "nothing written" and "nothing changed" compare), and a key with fewer
//! scopes.

use crate::common::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use cadence_server::db::sql::Value as SqlValue;
use cadence_server::db::Dialect;
use serde_json::Value;

/// A request to `uri` with `key` as the admin credential and `body` as JSON (or none).
pub fn admin_request_as(
    key: &str,
    method: Method,
    uri: &str,
    body: Option<&Value>,
) -> Request<Body> {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {key}"));
    match body {
        Some(body) => request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
        None => request.body(Body::empty()).unwrap(),
    }
}

/// As the operator's merchant key (every scope).
pub async fn admin(app: &TestApp, method: Method, uri: &str, body: Option<&Value>) -> Reply {
    app.send(admin_request_as(MERCHANT_KEY, method, uri, body))
        .await
}

pub async fn put(app: &TestApp, uri: &str, body: &Value) -> Reply {
    admin(app, Method::PUT, uri, Some(body)).await
}

pub async fn get(app: &TestApp, uri: &str) -> Reply {
    admin(app, Method::GET, uri, None).await
}

/// Asserts a 200 or 201 and returns the JSON body.
pub fn ok(reply: &Reply) -> Value {
    assert!(
        matches!(reply.status, StatusCode::OK | StatusCode::CREATED),
        "{}: {}",
        reply.status,
        reply.text()
    );
    reply.json()
}

/// `POST /admin/imports` with this body and content type.
pub async fn import(app: &TestApp, dry_run: bool, content_type: &str, body: String) -> Reply {
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/admin/imports?dry_run={dry_run}"))
        .header(header::AUTHORIZATION, format!("Bearer {MERCHANT_KEY}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

/// NDJSON of these records.
pub fn ndjson(records: &[Value]) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

/// A key with only these scopes, made by the operator.
pub async fn key_with(app: &TestApp, scopes: &[&str]) -> String {
    let reply = admin(
        app,
        Method::POST,
        "/api/v1/admin/keys",
        Some(&serde_json::json!({"name": "test", "scopes": scopes})),
    )
    .await;
    ok(&reply)["secret"].as_str().unwrap().to_owned()
}

/// Every table's rows, sorted: equal snapshots mean nothing was written.
pub fn snapshot(app: &TestApp) -> Vec<(String, Vec<String>)> {
    let conn = app.state.db.conn().unwrap();
    let sql = match conn.dialect() {
        Dialect::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        Dialect::Postgres => "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
    };
    let tables: Vec<String> = conn.query_all(sql, [], |row| row.get(0)).unwrap();
    tables
        .into_iter()
        .map(|table| {
            let mut rows = conn
                .query_all(&format!("SELECT * FROM {table}"), [], |row| {
                    let cells: Vec<String> = (0..row.column_count())
                        .map(|i| row.get::<_, SqlValue>(i).map(|v| format!("{v:?}")))
                        .collect::<Result<_, _>>()?;
                    Ok(cells.join("\u{1f}"))
                })
                .unwrap();
            rows.sort();
            (table, rows)
        })
        .collect()
}

/// The tables two snapshots differ in.
pub fn changed(before: &[(String, Vec<String>)], after: &[(String, Vec<String>)]) -> Vec<String> {
    before
        .iter()
        .zip(after)
        .filter(|(b, a)| b != a)
        .map(|(b, _)| b.0.clone())
        .collect()
}

/// A consumable with a subscription offer and a usage question.
pub fn capsules(name: &str) -> Value {
    serde_json::json!({
        "name": name,
        "kind": "consumable",
        "description": "Fifty capsules.",
        "price": {"amount_minor": 1800, "currency": "EUR"},
        "units_per_pack": 50,
        "subscription": {
            "intervals": [{"count": 6, "unit": "week"}, {"count": 3, "unit": "week"}],
            "default_interval": {"count": 3, "unit": "week"},
            "discount_percent": 15
        },
        "swap_group": "aurora-capsules",
        "usage": {"prompt": "How many cups a day?", "unit": "cups a day", "min": 1, "max": 8,
                  "default": 2, "units_per_use": 1}
    })
}

/// A durable that `fits` fit, with one maintenance task using `consumable`.
pub fn machine(fits: &[&str], consumable: &str) -> Value {
    serde_json::json!({
        "name": "Aurora machine",
        "kind": "durable",
        "price": {"amount_minor": 29900, "currency": "EUR"},
        "compatible": fits,
        "maintenance": [{"name": "Descale", "every_days": 60, "consumable_sku": consumable,
                         "guide_url": "/guides/aurora-descale"}]
    })
}
