//! Exports over a time range (`GET /api/v1/admin/exports/…`): subscription changes with
//! their cancel reasons, cancellations per month, orders; NDJSON or CSV, page by page.

use crate::admin_support::*;
use crate::common::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

async fn export(app: &TestApp, uri: &str, accept: Option<&str>) -> Reply {
    let mut request = Request::builder()
        .method(Method::GET)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {MERCHANT_KEY}"));
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    let reply = app.send(request.body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text());
    reply
}

fn records(reply: &Reply) -> Vec<Value> {
    assert_eq!(reply.header("content-type"), Some("application/x-ndjson"));
    reply
        .text()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// Every record of an export, following its `Link` headers page by page.
async fn every_page(app: &TestApp, first: &str) -> (Vec<Value>, usize) {
    let mut uri = first.to_owned();
    let mut all = Vec::new();
    let mut pages = 0;
    loop {
        let reply = export(app, &uri, None).await;
        pages += 1;
        all.extend(records(&reply));
        let Some(link) = reply.header("link") else {
            return (all, pages);
        };
        uri = link
            .strip_prefix('<')
            .and_then(|l| l.split_once(">; rel=\"next\""))
            .unwrap()
            .0
            .to_owned();
        assert!(pages < 100, "the cursor moves on");
    }
}

#[tokio::test]
async fn changes_come_with_their_cancel_reasons_in_ndjson_csv_and_pages() {
    let app = TestApp::new();
    for body in [
        r#"{"action":"skip","date":"2026-04-02"}"#,
        r#"{"action":"set_quantity","quantity":3}"#,
        r#"{"action":"cancel","reason":"too_expensive"}"#,
    ] {
        let reply = app.change(ADA_SUB, body).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    }
    let reply = export(&app, "/api/v1/admin/exports/changes?since=2026-03-15", None).await;
    let rows = records(&reply);
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["skip", "set_quantity", "cancel"]);
    let cancel = &rows[2];
    assert_eq!(cancel["reason"], "too_expensive");
    assert_eq!(cancel["customer_id"], "cust_ada");
    assert_eq!(cancel["subscription_id"], ADA_SUB);
    assert_eq!(cancel["actor"], "customer");
    assert_eq!(cancel["after"]["status"], "cancelled");
    assert!(reply.header("link").is_none(), "one page holds them");

    // The same range by pages of one: the same rows, each once, in order.
    let (paged, pages) = every_page(
        &app,
        "/api/v1/admin/exports/changes?since=2026-03-15&limit=1",
    )
    .await;
    assert_eq!(paged, rows);
    assert_eq!(pages, 4, "three full pages, then an empty one");

    // Nothing before the range's start or at its end.
    let earlier = export(
        &app,
        "/api/v1/admin/exports/changes?since=2000-01-01&until=2026-03-15",
        None,
    )
    .await;
    assert!(records(&earlier)
        .iter()
        .all(|r| r["at"].as_str().unwrap() < "2026-03-15"));

    let csv = export(
        &app,
        "/api/v1/admin/exports/changes?since=2026-03-15T00:00:00Z",
        Some("text/csv"),
    )
    .await;
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let text = csv.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "id,at,subscription_id,customer_id,actor,action,reason,via,sku,quantity,interval,status,next_delivery"
    );
    assert_eq!(lines.len(), 4);
    assert!(
        lines[3].contains(",cust_ada,customer,cancel,too_expensive,,CAPS-INTENSO,3,4w,cancelled,"),
        "{}",
        lines[3]
    );
}

#[tokio::test]
async fn cancel_reasons_are_counted_per_month() {
    let app = TestApp::new();
    let conn = app.state.db.conn().unwrap();
    for (at, reason) in [
        ("2026-01-05T10:00:00Z", Some("too_expensive")),
        ("2026-01-20T10:00:00Z", Some("too_expensive")),
        ("2026-01-21T10:00:00Z", None),
        ("2026-02-02T10:00:00Z", Some("no_longer_needed")),
        ("2025-12-31T23:59:59Z", Some("other")),
    ] {
        conn.execute(
            "INSERT INTO subscription_changes (subscription_id, actor, action, after_json, reason, at)
             VALUES (?1, 'customer', 'cancel', '{}', ?2, ?3)",
            cadence_server::params![ADA_SUB, reason, at],
        )
        .unwrap();
    }
    let reply = export(
        &app,
        "/api/v1/admin/exports/cancel-reasons?since=2026-01-01&until=2026-03-01",
        None,
    )
    .await;
    assert_eq!(
        records(&reply),
        [
            json!({"month": "2026-01", "cancellations": 1}),
            json!({"month": "2026-01", "reason": "too_expensive", "cancellations": 2}),
            json!({"month": "2026-02", "reason": "no_longer_needed", "cancellations": 1}),
        ]
    );
    let csv = export(
        &app,
        "/api/v1/admin/exports/cancel-reasons?since=2026-01-01&until=2026-03-01",
        Some("text/csv, */*;q=0.1"),
    )
    .await
    .text();
    assert_eq!(
        csv,
        "month,reason,cancellations\r\n2026-01,,1\r\n2026-01,too_expensive,2\r\n2026-02,no_longer_needed,1\r\n"
    );
}

#[tokio::test]
async fn orders_come_by_date_with_their_lines_page_by_page() {
    let app = TestApp::new();
    for (id, day) in [
        ("h-3", "2024-06-03"),
        ("h-1", "2024-06-01"),
        ("h-2", "2024-06-01"),
    ] {
        let order = json!({"customer_id": "cust_grace", "ordered_on": day, "lines": [
            {"sku": "WATER-FILTER", "quantity": 1, "unit_price": {"amount_minor": 990, "currency": "EUR"}},
            {"sku": "CAPS-LUNGO", "quantity": 2, "unit_price": {"amount_minor": 1650, "currency": "EUR"}}]});
        ok(&put(&app, &format!("/api/v1/admin/orders/{id}"), &order).await);
    }
    let range = "since=2024-06-01&until=2024-06-04";
    let (orders, pages) = every_page(
        &app,
        &format!("/api/v1/admin/exports/orders?{range}&limit=2"),
    )
    .await;
    assert_eq!(pages, 2);
    let ids: Vec<&str> = orders.iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["h-1", "h-2", "h-3"]);
    assert_eq!(orders[0]["origin"], "merchant");
    assert_eq!(orders[0]["lines"].as_array().unwrap().len(), 2);
    assert_eq!(orders[0]["lines"][0]["sku"], "CAPS-LUNGO");

    let csv = export(
        &app,
        &format!("/api/v1/admin/exports/orders?{range}"),
        Some("text/csv"),
    )
    .await
    .text();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 6, "a header and a row per line");
    assert_eq!(
        lines[1],
        "h-1,cust_grace,2024-06-01,,merchant,CAPS-LUNGO,2,1650,EUR"
    );
}
