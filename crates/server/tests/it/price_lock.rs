//! Price lock (issue 19): a subscription pays the price it was agreed at. A catalog change
//! leaves existing subscriptions' price, version and history alone (new subscribers get
//! it); a merchant's price change needs the notice period, sends its notice (event and a
//! real e-mail, without List-Unsubscribe), shows as the coming price, applies on its date
//! and not before (deliveries before it at the old price, from it at the new), is made
//! once however often it is asked, and never reaches a shopper who cancelled before it.

use crate::admin_support::{admin, changed, get, put, snapshot};
use crate::common::*;
use crate::orders_support::{app_on, change_on, events, history_on, run_on, subscription_on};
use crate::smtp_server::SmtpServer;
use axum::http::{Method, StatusCode};
use cadence_server::clock::Clock;
use cadence_server::notify::mailer::{MailSettings, Mailer};
use cadence_server::notify::{plan, Notifier};
use serde_json::{json, Value};
use std::sync::atomic::AtomicI64;
use std::sync::Arc;

fn stored_price(app: &TestApp, subscription: &str) -> i64 {
    let conn = app.state.db.conn().unwrap();
    conn.query_row(
        "SELECT unit_price_minor FROM subscriptions WHERE id = ?1",
        [subscription],
        |r| r.get(0),
    )
    .unwrap()
}

/// The unit price of the order line of `subscription`'s delivery on `date`.
fn line_price(app: &TestApp, subscription: &str, date: &str) -> i64 {
    let conn = app.state.db.conn().unwrap();
    conn.query_row(
        "SELECT l.unit_price_minor FROM order_lines l JOIN orders o ON o.id = l.order_id
         WHERE o.subscription_id = ?1 AND o.delivery_date = ?2",
        [subscription, date],
        |r| r.get(0),
    )
    .unwrap()
}

fn count(app: &TestApp, sql: &str) -> i64 {
    let conn = app.state.db.conn().unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

async fn price_change(app: &TestApp, body: Value) -> Reply {
    admin(
        app,
        Method::POST,
        "/api/v1/admin/price-changes",
        Some(&body),
    )
    .await
}

/// Ada's subscription's change, as the merchant sends it: CAPS-INTENSO at €20.00 from
/// 30 April 2026 (46 days after the tests' today, 15 March).
fn to_twenty_on(date: &str) -> Value {
    json!({"sku": "CAPS-INTENSO", "unit_price_minor": 2000, "effective_on": date})
}

#[tokio::test]
async fn a_catalog_price_change_leaves_existing_subscriptions_alone() {
    let app = TestApp::new();
    let (before, etag) = subscription_on(&app, "2026-03-15").await;
    assert_eq!(before["price_per_delivery"]["amount_minor"], 3150);
    assert!(before.get("coming_price").is_none());
    let history = history_on(&app, "2026-03-15").await;
    // Every subscription records the price it was agreed at (migration 0015's backfill).
    assert_eq!(stored_price(&app, ADA_SUB), 1750);

    let mut product = get(&app, "/api/v1/admin/products/CAPS-INTENSO")
        .await
        .json()["product"]
        .clone();
    product["price"]["amount_minor"] = json!(2000);
    let reply = put(&app, "/api/v1/admin/products/CAPS-INTENSO", &product).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());

    let (after, etag_after) = subscription_on(&app, "2026-03-15").await;
    assert_eq!(
        after, before,
        "price, version and everything else unchanged"
    );
    assert_eq!(etag_after, etag);
    assert_eq!(history_on(&app, "2026-03-15").await, history);
    assert_eq!(stored_price(&app, ADA_SUB), 1750);

    // A new subscriber agrees to the catalog's new price, and keeps it.
    let created = app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let new = created.json();
    assert_eq!(
        new["price_per_delivery"]["amount_minor"], 1800,
        "2000 less 10%"
    );
    let new_id = new["id"].as_str().unwrap().to_owned();
    assert_eq!(stored_price(&app, &new_id), 2000);

    // The existing subscriber's delivery is ordered at the price agreed.
    run_on(&app, "2026-04-02").await;
    assert_eq!(line_price(&app, ADA_SUB, "2026-04-02"), 1575);

    // The agreed prices are minor units of the product's currency: while it has
    // subscribers, the catalog cannot change that currency under them.
    let mut in_dollars = product.clone();
    in_dollars["price"]["currency"] = json!("USD");
    let refused = put(&app, "/api/v1/admin/products/CAPS-INTENSO", &in_dollars).await;
    let problem = refused.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["pointer"], "/price/currency");
    assert!(problem["errors"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("Subscribers pay this product in EUR"));
    let stored = get(&app, "/api/v1/admin/products/CAPS-INTENSO")
        .await
        .json();
    assert_eq!(stored["product"]["price"]["currency"], "EUR");
}

#[tokio::test]
async fn a_swap_is_a_new_agreement_at_the_new_products_price_in_the_history() {
    let app = TestApp::new();
    let reply = change_on(
        &app,
        "2026-03-15",
        r#"{"action":"swap","sku":"CAPS-LUNGO"}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(stored_price(&app, ADA_SUB), 1650);
    let history = history_on(&app, "2026-03-15").await;
    assert_eq!(history[0]["action"], "swap");
    assert_eq!(
        history[0]["before"]["price_per_delivery"]["amount_minor"],
        3150
    );
    assert_eq!(
        history[0]["after"]["price_per_delivery"]["amount_minor"],
        reply.json()["price_per_delivery"]["amount_minor"]
    );
}

#[tokio::test]
async fn a_price_change_sooner_than_the_notice_period_is_refused_and_changes_nothing() {
    let app = TestApp::new();
    let before = snapshot(&app);
    // 29 days ahead: one short of the default 30.
    let reply = price_change(&app, to_twenty_on("2026-04-13")).await;
    let problem = reply.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["pointer"], "/effective_on");
    assert!(
        problem["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("2026-04-14"),
        "{problem}"
    );
    // Bad shapes are 422s too, and none writes anything.
    for body in [
        json!({"sku": "CAPS-INTENSO", "unit_price_minor": -1, "effective_on": "2026-06-01"}),
        json!({"sku": "NOPE", "unit_price_minor": 2000, "effective_on": "2026-06-01"}),
        json!({"sku": "CAPS-INTENSO", "unit_price_minor": 2000, "effective_on": "2026-06-01",
               "subscription_id": "sub_nope"}),
        json!({"sku": "CAPS-INTENSO", "unit_price_minor": 2000, "effective_on": "2026-06-01",
               "surprise": true}),
        json!({"sku": "CAPS-INTENSO", "unit_price_minor": 2000, "effective_on": "1 June"}),
    ] {
        price_change(&app, body)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(changed(&before, &snapshot(&app)), Vec::<String>::new());

    // The merchant may give more notice, never less than 30 days.
    let settings = |days: u32| json!({"price_notice_days": days});
    let reply = put(&app, "/api/v1/admin/notifications/settings", &settings(29)).await;
    assert_eq!(
        reply.problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["pointer"],
        "/price_notice_days"
    );
    let reply = put(&app, "/api/v1/admin/notifications/settings", &settings(60)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let reply = price_change(&app, to_twenty_on("2026-04-30")).await;
    assert_eq!(
        reply.problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["pointer"],
        "/effective_on"
    );
    assert_eq!(count(&app, "SELECT count(*) FROM price_changes"), 0);
}

#[tokio::test]
async fn a_price_change_with_notice_is_announced_once_and_applies_on_its_date_not_before() {
    let smtp = SmtpServer::start();
    let app = TestApp::new();
    let (before, _) = subscription_on(&app, "2026-03-15").await;

    let reply = price_change(&app, to_twenty_on("2026-04-30")).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let outcome = reply.json();
    let ours: Vec<&Value> = outcome["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["subscription_id"] == ADA_SUB)
        .collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0]["state"], "scheduled");
    assert_eq!(ours[0]["unit_price_before"]["amount_minor"], 1750);
    assert_eq!(ours[0]["unit_price_after"]["amount_minor"], 2000);
    let created = outcome["created"].as_u64().unwrap();
    assert!(created >= 1);

    // The shopper sees the coming price; the price itself has not moved.
    let (now, _) = subscription_on(&app, "2026-03-15").await;
    assert_eq!(now["price_per_delivery"]["amount_minor"], 3150);
    assert_eq!(
        now["coming_price"]["price_per_delivery"]["amount_minor"],
        3600
    );
    assert_eq!(now["coming_price"]["effective_on"], "2026-04-30");
    assert_eq!(now["version"], before["version"].as_u64().unwrap() + 1);
    let history = history_on(&app, "2026-03-15").await;
    assert_eq!(history[0]["action"], "price_change_scheduled");
    assert_eq!(history[0]["actor"], "merchant");

    // The notice: made in the announcement's transaction, once, as an event…
    let notices = events(&app, "notification.price_change");
    let notice: Vec<&Value> = notices
        .iter()
        .filter(|e| e["data"]["subscription"]["id"] == ADA_SUB)
        .collect();
    assert_eq!(notice.len(), 1);
    let data = &notice[0]["data"];
    assert_eq!(data["kind"], "price_change");
    assert_eq!(data["price_change"]["price_before"]["amount_minor"], 3150);
    assert_eq!(data["price_change"]["price_after"]["amount_minor"], 3600);
    assert_eq!(data["price_change"]["effective_on"], "2026-04-30");
    assert!(data["links"].get("unsubscribe").is_none());
    // …and an e-mail, through a real SMTP server, with no way to unsubscribe from it.
    let clock = Arc::new(AtomicI64::new(TODAY_SECS));
    let now_fn = Arc::clone(&clock);
    let mailer = Arc::new(
        Mailer::new(
            app.state.db.clone(),
            MailSettings::new(smtp.url(), "cadence@shop.example".parse().unwrap()),
            Arc::new(move || now_fn.load(std::sync::atomic::Ordering::SeqCst)),
        )
        .unwrap(),
    );
    assert!(mailer.round().await.unwrap() >= 1);
    let received = smtp.wait_for(1);
    let mail = received
        .iter()
        .find(|m| m.rcpt == ["ada@example.com"])
        .expect("Ada's notice")
        .parsed();
    assert_eq!(
        mail.subject(),
        Some("New price for your Espresso Intenso capsules subscription from 30 April 2026")
    );
    let text = mail.body_text(0).unwrap();
    assert!(text.contains("Price now: €31.50"), "{text}");
    assert!(text.contains("New price: €36.00"), "{text}");
    assert!(text.contains("cancel before 30 April 2026"), "{text}");
    assert!(mail.header("List-Unsubscribe").is_none());

    // The same request again: nothing new, the same changes.
    let messages = count(&app, "SELECT count(*) FROM notifications");
    let reply = price_change(&app, to_twenty_on("2026-04-30")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["created"], 0);
    assert_eq!(reply.json()["changes"], outcome["changes"]);
    assert_eq!(
        count(&app, "SELECT count(*) FROM price_changes"),
        created as i64
    );
    assert_eq!(count(&app, "SELECT count(*) FROM notifications"), messages);
    // Another change while this one is coming: refused, nothing written.
    let before_conflict = snapshot(&app);
    let reply = price_change(&app, to_twenty_on("2026-05-31")).await;
    reply.problem(StatusCode::CONFLICT);
    assert_eq!(
        changed(&before_conflict, &snapshot(&app)),
        Vec::<String>::new()
    );
    // Announced changes are listed.
    let list = get(&app, "/api/v1/admin/price-changes").await.json();
    assert_eq!(list["changes"].as_array().unwrap().len(), created as usize);

    // Before the date: the old price, for deliveries and in the account.
    run_on(&app, "2026-04-02").await;
    assert_eq!(line_price(&app, ADA_SUB, "2026-04-02"), 1575);
    run_on(&app, "2026-04-29").await;
    let (eve, _) = subscription_on(&app, "2026-04-29").await;
    assert_eq!(eve["price_per_delivery"]["amount_minor"], 3150);
    assert_eq!(eve["coming_price"]["effective_on"], "2026-04-30");
    assert_eq!(stored_price(&app, ADA_SUB), 1750);

    // On the date: the delivery of that day is ordered at the new price.
    run_on(&app, "2026-04-30").await;
    assert_eq!(
        line_price(&app, ADA_SUB, "2026-04-30"),
        1800,
        "2000 less 10%"
    );
    assert_eq!(stored_price(&app, ADA_SUB), 2000);
    let (on, _) = subscription_on(&app, "2026-04-30").await;
    assert_eq!(on["price_per_delivery"]["amount_minor"], 3600);
    assert!(on.get("coming_price").is_none());
    let history = history_on(&app, "2026-04-30").await;
    let applied = history
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["action"] == "price_changed")
        .expect("the change is in the history");
    assert_eq!(applied["actor"], "merchant");
    assert_eq!(
        applied["before"]["price_per_delivery"]["amount_minor"],
        3150
    );
    assert_eq!(applied["after"]["price_per_delivery"]["amount_minor"], 3600);
    let state = get(&app, "/api/v1/admin/price-changes").await.json();
    let ada = state["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["subscription_id"] == ADA_SUB)
        .unwrap()
        .clone();
    assert_eq!(ada["state"], "applied");
    // Applying it is recorded for the shopper too: a receipt of the new price.
    let notifier = Notifier {
        key: *cadence_server::auth::JwtKeys::new(SECRET).link_key(),
        public_url: API_URL.to_owned(),
    };
    let at = Clock::fixed_on("2026-04-30".parse().unwrap());
    plan::receipts_due(&app.state.db, &notifier, at)
        .await
        .unwrap();
    let receipts = events(&app, "notification.receipt");
    assert!(receipts
        .iter()
        .any(|e| e["data"]["change"]["action"] == "price_changed"
            && e["data"]["subscription"]["id"] == ADA_SUB));
    assert!(!receipts
        .iter()
        .any(|e| e["data"]["change"]["action"] == "price_change_scheduled"));
}

#[tokio::test]
async fn a_shopper_who_cancels_before_the_date_never_pays_the_new_price() {
    let app = TestApp::new();
    let mut body = to_twenty_on("2026-04-30");
    body["subscription_id"] = json!(ADA_SUB);
    let reply = price_change(&app, body.clone()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    assert_eq!(reply.json()["created"], 1, "only the one subscription");

    let reply = change_on(&app, "2026-04-10", r#"{"action":"cancel"}"#).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(reply.json().get("coming_price").is_none());
    for date in ["2026-04-30", "2026-05-28", "2026-06-25"] {
        run_on(&app, date).await;
    }
    assert_eq!(stored_price(&app, ADA_SUB), 1750);
    let conn = app.state.db.conn().unwrap();
    let (state, after_cancel): (String, i64) = conn
        .query_row(
            "SELECT c.state, (SELECT count(*) FROM orders o WHERE o.subscription_id = ?1
                AND o.ordered_on >= '2026-04-10')
             FROM price_changes c WHERE c.subscription_id = ?1",
            [ADA_SUB],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((state.as_str(), after_cancel), ("void", 0));
    // A cancelled subscription is not the target of a new change.
    let on = app_on(&app, "2026-04-10");
    body["effective_on"] = json!("2026-06-30");
    let reply = price_change(&on, body).await;
    assert_eq!(
        reply.problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["pointer"],
        "/subscription_id"
    );
}
