//! The demo shop's `/back-office` end to end, on a real socket: the shop registers its own
//! webhook endpoint with the API, the dispatcher delivers a shopper's skip to it, the
//! receiver keeps only calls whose signature verifies, the demo clock turns a month of
//! deliveries into orders, and the order queue's buttons report outcomes to the API. Forms
//! from another site are refused and change nothing.

use crate::common::*;
use crate::webhook_harness::{self, admin};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use cadence_server::storefront::{inbox, shop_app};
use serde_json::{json, Value};
use std::future::IntoFuture;
use std::time::Duration;

const SHOP_HOST: &str = "127.0.0.1:8481";

async fn get(shop: &Router, uri: &str) -> Reply {
    send(shop.clone(), Request::get(uri).body(Body::empty()).unwrap()).await
}

/// A form post as the shop's own page sends it, or as `origin`'s page would.
async fn post_form(shop: &Router, uri: &str, form: &str, origin: &str) -> Reply {
    let site = if origin.ends_with(SHOP_HOST) {
        "same-origin"
    } else {
        "cross-site"
    };
    let request = Request::post(uri)
        .header(header::HOST, SHOP_HOST)
        .header(header::ORIGIN, origin)
        .header("sec-fetch-site", site)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_owned()))
        .unwrap();
    send(shop.clone(), request).await
}

/// Polls the page's webhook fragment until it shows `needle`.
async fn wait_for_event(shop: &Router, needle: &str) -> String {
    for _ in 0..250 {
        let fragment = get(shop, "/back-office/events").await;
        assert_eq!(fragment.status, StatusCode::OK);
        let html = fragment.text();
        if html.contains(needle) {
            return html;
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    panic!("the back office never showed {needle}");
}

async fn orders_with(app: &TestApp, status: &str) -> Vec<Value> {
    let reply = admin(
        app,
        Method::GET,
        &format!("/orders?status={status}&limit=100"),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()["orders"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_back_office_shows_verified_webhooks_and_reports_order_outcomes() {
    let mut app = webhook_harness::app();
    app.state.clock = clock().movable();
    let state = app.shop_state();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}{}",
        listener.local_addr().unwrap(),
        inbox::RECEIVER_PATH
    );
    inbox::register(&state.inbox, state.merchant.as_ref().unwrap(), &url).await;
    assert_eq!(state.inbox.status(), Ok(()), "the shop holds its secret");
    let shop = shop_app(state.clone());
    tokio::spawn(axum::serve(listener, shop.clone()).into_future());
    let _dispatcher = webhook_harness::dispatch_on_app_clock(&app);

    let page = get(&shop, "/back-office").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let html = page.text();
    assert!(html.contains("Today is <strong data-back-office=\"today\">2026-03-15</strong>"));
    assert!(html.contains("No webhook yet"), "{html}");

    // The shopper skips a delivery: the shop hears it, signed, within moments.
    let skip = app
        .change(ADA_SUB, r#"{"action":"skip","date":"2026-04-02"}"#)
        .await;
    assert_eq!(skip.status, StatusCode::OK, "{}", skip.text());
    let events = wait_for_event(&shop, r#"data-event-type="subscription.updated""#).await;
    assert!(events.contains("Signature verified"), "{events}");
    assert!(
        events.contains("cust_ada: skip on") && events.contains("(by the customer)"),
        "{events}"
    );

    // Calls that are not signed by the API are refused and not shown.
    let forged = Request::post(inbox::RECEIVER_PATH)
        .header("webhook-id", "msg_forged")
        .header("webhook-timestamp", state.clock.unix_seconds().to_string())
        .header("webhook-signature", "v1,bm90IGEgc2lnbmF0dXJl")
        .body(Body::from(r#"{"id":"msg_forged"}"#))
        .unwrap();
    assert_eq!(
        send(shop.clone(), forged).await.status,
        StatusCode::UNAUTHORIZED
    );
    let unsigned = Request::post(inbox::RECEIVER_PATH)
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(
        send(shop.clone(), unsigned).await.status,
        StatusCode::BAD_REQUEST
    );
    let events = get(&shop, "/back-office/events").await.text();
    assert!(events.contains("2 call(s) refused"), "{events}");
    assert!(!events.contains("msg_forged"));

    // Another site's form cannot move the clock.
    let own = format!("http://{SHOP_HOST}");
    let cross = post_form(
        &shop,
        "/back-office/clock",
        "days=30",
        "http://evil.example",
    )
    .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    assert_eq!(state.clock.today().to_string(), "2026-03-15");
    assert!(orders_with(&app, "pending").await.is_empty());

    // A month passes: the deliveries due meanwhile become orders, and the shop hears of them.
    let moved = post_form(&shop, "/back-office/clock", "days=30", &own).await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.text());
    let pending = orders_with(&app, "pending").await;
    assert!(!pending.is_empty(), "a month of deliveries makes orders");
    assert_eq!(
        moved.header("location"),
        Some(format!("/back-office?done=clock&days=30&orders={}", pending.len()).as_str())
    );
    let page = get(&shop, moved.header("location").unwrap()).await.text();
    assert!(page.contains("Today is <strong data-back-office=\"today\">2026-04-14</strong>"));
    assert!(page.contains(&format!(
        "Moved the clock 30 days: {} new order(s).",
        pending.len()
    )));
    for order in &pending {
        let id = order["id"].as_str().unwrap();
        assert!(
            page.contains(&format!(r#"<tr data-order="{id}">"#)),
            "{page}"
        );
        assert!(page.contains(&format!(r#"aria-label="Paid: {id}""#)));
    }
    wait_for_event(&shop, r#"data-event-type="order.created""#).await;

    // The shop reports one order paid; a cross-site form, a made-up outcome and an unknown
    // order change nothing.
    let id = pending[0]["id"].as_str().unwrap();
    let outcome = format!("/back-office/orders/{id}/outcome");
    let cross = post_form(&shop, &outcome, "outcome=paid", "http://evil.example").await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    let made_up = post_form(&shop, &outcome, "outcome=refunded", &own).await;
    assert_eq!(made_up.status, StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = post_form(
        &shop,
        "/back-office/orders/ord_nope/outcome",
        "outcome=paid",
        &own,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(orders_with(&app, "paid").await.is_empty());

    let paid = post_form(&shop, &outcome, "outcome=paid", &own).await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.text());
    assert_eq!(paid.header("location"), Some("/back-office?done=paid"));
    let now_paid = orders_with(&app, "paid").await;
    assert_eq!(now_paid.len(), 1);
    assert_eq!(now_paid[0]["id"], json!(id));
    let page = get(&shop, "/back-office?done=paid").await.text();
    assert!(page.contains("Reported the order paid."));
    assert!(page.contains(&format!(r#"aria-label="Shipped: {id}""#)));
    wait_for_event(&shop, &format!("order {id} pending → paid")).await;
}

#[tokio::test]
async fn a_shop_without_its_secret_refuses_every_call_and_says_why() {
    let app = TestApp::new();
    let shop = app.shop();
    let call = Request::post(inbox::RECEIVER_PATH)
        .header("webhook-id", "msg_1")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(
        send(shop.clone(), call).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let events = get(&shop, "/back-office/events").await.text();
    assert!(
        events.contains("has not registered its webhook endpoint"),
        "{events}"
    );
}
