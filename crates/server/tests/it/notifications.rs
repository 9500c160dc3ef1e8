//! Messages to shoppers, end to end: receipts, delivery and yearly reminders made once, on
//! the right day in the customer's time zone (daylight saving included), sent through a
//! real SMTP server (aiosmtpd) and read back from what it received; one-click links that
//! ask before they act, act once, and refuse edited or expired tokens; an SMTP server
//! that is down losing nothing; the merchant's settings checked and obeyed.

use crate::common::*;
use crate::orders_support::admin_request;
use crate::smtp_server::{free_port, SmtpServer};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use cadence_contract::{Date, Interval};
use cadence_server::clock::Clock;
use cadence_server::db::subscriptions::{self, NewRow};
use cadence_server::notify::mailer::{MailSettings, Mailer};
use cadence_server::notify::{plan, Notifier};
use mail_parser::MimeHeaders;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

fn notifier() -> Notifier {
    Notifier {
        key: *cadence_server::auth::JwtKeys::new(SECRET).link_key(),
        public_url: API_URL.to_owned(),
    }
}

/// Unix seconds of an RFC 3339 UTC instant, e.g. `2026-03-08T16:00:00Z`.
fn at(instant: &str) -> i64 {
    let date: Date = instant[..10].parse().unwrap();
    let (h, m, s): (i64, i64, i64) = (
        instant[11..13].parse().unwrap(),
        instant[14..16].parse().unwrap(),
        instant[17..19].parse().unwrap(),
    );
    date.to_days() * 86_400 + h * 3600 + m * 60 + s
}

async fn plan_at(app: &TestApp, instant: &str) -> plan::PlanSummary {
    plan::run(&app.state.db, &notifier(), Clock::Fixed(at(instant)))
        .await
        .unwrap()
}

/// A mailer to `url` on a clock the test moves.
fn mailer(app: &TestApp, url: String, now: &Arc<AtomicI64>) -> Arc<Mailer> {
    let now = Arc::clone(now);
    let from = "cadence@shop.example".parse().unwrap();
    Arc::new(
        Mailer::new(
            app.state.db.clone(),
            MailSettings::new(url, from),
            Arc::new(move || now.load(Ordering::SeqCst)),
        )
        .unwrap(),
    )
}

async fn put_customer(app: &TestApp, id: &str, body: Value) {
    let reply = app
        .send(admin_request(
            Method::PUT,
            &format!("/api/v1/admin/customers/{id}"),
            MERCHANT_KEY,
            Some(&body.to_string()),
        ))
        .await;
    assert!(reply.status.is_success(), "{}", reply.text());
}

async fn put_settings(app: &TestApp, body: Value) -> Reply {
    app.send(admin_request(
        Method::PUT,
        "/api/v1/admin/notifications/settings",
        MERCHANT_KEY,
        Some(&body.to_string()),
    ))
    .await
}

/// A subscription of `customer` to CAPS-INTENSO every 4 weeks, next delivery `next`.
fn subscription(app: &TestApp, id: &str, customer: &str, next: &str, created_at: &str) {
    let next: Date = next.parse().unwrap();
    app.state
        .db
        .write_blocking(|tx| {
            subscriptions::insert(
                tx,
                &NewRow {
                    id,
                    customer_id: customer,
                    sku: "CAPS-INTENSO",
                    quantity: 1,
                    interval: Interval::weeks(4),
                    anchor_date: next,
                    next_delivery: next,
                    discount_percent: 10,
                    unit_price_minor: 1_750,
                    now: created_at,
                },
            )
        })
        .unwrap();
}

/// (kind, state, dedupe) of every message about `subscription`, oldest first.
fn messages(app: &TestApp, subscription: &str) -> Vec<(String, String, String)> {
    let conn = app.state.db.conn().unwrap();
    conn.query_all(
        "SELECT kind, state, dedupe FROM notifications WHERE subscription_id = ?1
         ORDER BY created_at, id",
        [subscription],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .unwrap()
}

fn count(app: &TestApp, sql: &str) -> i64 {
    app.state
        .db
        .conn()
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

/// The link labelled `label` in a message's text part, as a path on the API.
fn link(text: &str, label: &str) -> String {
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{label}: ")))
        .unwrap_or_else(|| panic!("no {label:?} link in:\n{text}"));
    line.strip_prefix(API_URL)
        .unwrap_or_else(|| panic!("{line} is not on {API_URL}"))
        .to_owned()
}

async fn page(app: &TestApp, method: Method, path: &str) -> Reply {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("List-Unsubscribe=One-Click"))
        .unwrap();
    app.send(request).await
}

#[tokio::test]
async fn a_receipt_reaches_a_real_smtp_server_in_the_customers_language_and_zone() {
    let smtp = SmtpServer::start();
    let app = TestApp::new();
    put_customer(
        &app,
        "cust_ada",
        json!({"name": "Ada Lovelace", "email": "ada@example.com", "locale": "de-DE",
               "time_zone": "Europe/Berlin"}),
    )
    .await;
    let reply = put_settings(
        &app,
        json!({"brand": {"name": "Bean & Leaf", "color": "#2f5d50",
                         "from_address": "hello@bean.example",
                         "account_url": "https://bean.example/account"}}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let created = app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_owned();

    let made = plan::receipts_due(&app.state.db, &notifier(), clock())
        .await
        .unwrap();
    assert_eq!((made.receipts, made.emails), (1, 1));
    assert_eq!(messages(&app, &id)[0].0, "receipt");
    let now = Arc::new(AtomicI64::new(TODAY_SECS));
    assert_eq!(mailer(&app, smtp.url(), &now).round().await.unwrap(), 1);

    let received = smtp.wait_for(1);
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].rcpt, ["ada@example.com"]);
    let mail = received[0].parsed();
    let from = mail.from().unwrap().first().unwrap();
    assert_eq!(from.name(), Some("Bean & Leaf"));
    assert_eq!(from.address(), Some("hello@bean.example"));
    assert_eq!(
        mail.subject(),
        Some("Ihr Abo für Espresso Intenso capsules: abonniert")
    );
    let content_type = mail.content_type().unwrap();
    assert_eq!(
        (content_type.ctype(), content_type.subtype()),
        ("multipart", Some("alternative"))
    );
    let text = mail.body_text(0).unwrap();
    // Subscribed at 00:00 UTC on 15 March: 01:00 in Berlin (CET).
    assert!(
        text.contains("15. März 2026, 01:00 (Europe/Berlin, UTC+01:00)"),
        "{text}"
    );
    assert!(text.contains("Sie können jederzeit in Ihrem Konto bei Bean & Leaf kündigen"));
    assert!(text.contains("Mein Abo verwalten: https://bean.example/account"));
    let html = mail.body_html(0).unwrap();
    assert!(html.contains(r#"<html lang="de">"#), "{html}");
    // The shop's name is text in the HTML: escaped by the template, never markup.
    assert!(html.contains("Bean &amp; Leaf") && !html.contains("Bean & Leaf"));
    // A receipt is the record of an agreement: nobody unsubscribes from it.
    assert!(mail.header("List-Unsubscribe").is_none());
    let message_id = mail.message_id().unwrap();
    assert!(message_id.starts_with("ntf_") && message_id.ends_with("@bean.example"));

    // The merchant's systems got the same message as an event, with the raw facts.
    let events = crate::orders_support::events(&app, "notification.receipt");
    assert_eq!(events.len(), 1);
    let data = &events[0]["data"];
    assert_eq!(data["language"], "de");
    assert_eq!(data["time_zone"], "Europe/Berlin");
    assert_eq!(data["change"]["action"], "create");
    assert_eq!(data["change"]["at"], "2026-03-15T01:00:00+01:00");
    assert_eq!(data["subscription"]["id"], id.as_str());
    assert_eq!(data["email"], "ada@example.com");
    assert_eq!(data["message"]["subject"], mail.subject().unwrap());

    // The log says it was sent, once.
    let log = app
        .send(admin_request(
            Method::GET,
            "/api/v1/admin/notifications?customer_id=cust_ada",
            MERCHANT_KEY,
            None,
        ))
        .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text());
    let entries = log.json()["notifications"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["state"], "sent");
    assert_eq!(entries[0]["attempts"], 1);
    // Nothing left to send.
    assert_eq!(mailer(&app, smtp.url(), &now).round().await.unwrap(), 0);
    assert_eq!(smtp.received().len(), 1);
}

#[tokio::test]
async fn reminders_go_out_at_nine_on_the_customers_own_day_across_daylight_saving() {
    let app = TestApp::new();
    put_customer(
        &app,
        "cust_la",
        json!({"name": "Lin", "email": "lin@example.com", "locale": "en-US",
               "time_zone": "America/Los_Angeles"}),
    )
    .await;
    put_customer(
        &app,
        "cust_akl",
        json!({"name": "Aroha", "email": "aroha@example.com", "locale": "fr-NZ",
               "time_zone": "Pacific/Auckland"}),
    )
    .await;
    // Los Angeles moves to summer time on 8 March 2026: 9:00 that day is 16:00 UTC (the
    // day before, it was 17:00). Auckland leaves summer time on 5 April: 9:00 that day is
    // 21:00 UTC on the 4th (the day before, 20:00 UTC on the 3rd).
    subscription(
        &app,
        "sub_la",
        "cust_la",
        "2026-03-11",
        "2026-02-01T10:00:00Z",
    );
    subscription(
        &app,
        "sub_akl",
        "cust_akl",
        "2026-04-08",
        "2026-02-01T10:00:00Z",
    );

    plan_at(&app, "2026-03-08T15:59:59Z").await;
    assert!(messages(&app, "sub_la").is_empty());
    plan_at(&app, "2026-03-08T16:00:00Z").await;
    assert_eq!(
        messages(&app, "sub_la"),
        [(
            "delivery_reminder".into(),
            "pending".into(),
            "reminder:sub_la:2026-03-11".into()
        )]
    );
    // Once, however often the pass runs, and from whichever server.
    plan_at(&app, "2026-03-08T16:30:00Z").await;
    plan_at(&app, "2026-03-10T08:00:00Z").await;
    assert_eq!(messages(&app, "sub_la").len(), 1);
    let due: i64 = count(
        &app,
        "SELECT due_at FROM notifications WHERE dedupe = 'reminder:sub_la:2026-03-11'",
    );
    assert_eq!(due, at("2026-03-08T16:00:00Z"));

    plan_at(&app, "2026-04-04T20:59:59Z").await;
    assert!(messages(&app, "sub_akl").is_empty());
    plan_at(&app, "2026-04-04T21:00:00Z").await;
    assert_eq!(messages(&app, "sub_akl").len(), 1);

    // Each in its customer's language, dated for them.
    let subjects: Vec<(String, String)> = app
        .state
        .db
        .conn()
        .unwrap()
        .query_all(
            "SELECT subscription_id, payload FROM notifications
             WHERE kind = 'delivery_reminder' ORDER BY subscription_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
        .into_iter()
        .map(|(id, payload): (String, String)| {
            let v: Value = serde_json::from_str(&payload).unwrap();
            (id, v["message"]["subject"].as_str().unwrap().to_owned())
        })
        .filter(|(id, _)| id == "sub_la" || id == "sub_akl")
        .collect();
    assert_eq!(
        subjects,
        [
            (
                "sub_akl".to_owned(),
                "Prochaine livraison : Espresso Intenso capsules, le 8 avril 2026".to_owned()
            ),
            (
                "sub_la".to_owned(),
                "Next delivery of Espresso Intenso capsules: 11 March 2026".to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn no_reminder_for_a_skipped_paused_or_cancelled_delivery() {
    let app = TestApp::new();
    for id in ["sub_skip", "sub_pause", "sub_cancel"] {
        subscription(&app, id, "cust_ada", "2026-03-20", "2026-02-01T10:00:00Z");
    }
    let ok = |reply: Reply| assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    ok(app
        .change("sub_skip", r#"{"action":"skip","date":"2026-03-20"}"#)
        .await);
    ok(app.change("sub_pause", r#"{"action":"pause"}"#).await);
    ok(app.change("sub_cancel", r#"{"action":"cancel"}"#).await);

    // 9:00 UTC (Ada has no zone; the merchant's default is UTC), 3 days before the 20th.
    plan_at(&app, "2026-03-17T09:00:00Z").await;
    for id in ["sub_skip", "sub_pause", "sub_cancel"] {
        let reminders: Vec<_> = messages(&app, id)
            .into_iter()
            .filter(|(kind, _, _)| kind == "delivery_reminder")
            .collect();
        assert!(reminders.is_empty(), "{id}: {reminders:?}");
        // Each change got its receipt.
        assert_eq!(messages(&app, id)[0].0, "receipt", "{id}");
    }
    // The skipped subscription's next delivery is a week later: its reminder comes then.
    plan_at(&app, "2026-04-14T09:00:00Z").await;
    let dedupes: Vec<String> = messages(&app, "sub_skip")
        .into_iter()
        .filter(|(kind, _, _)| kind == "delivery_reminder")
        .map(|(_, _, d)| d)
        .collect();
    assert_eq!(dedupes, ["reminder:sub_skip:2026-04-17"]);
}

#[tokio::test]
async fn one_click_links_ask_first_act_once_and_refuse_edits_and_expiry() {
    let smtp = SmtpServer::start();
    let app = TestApp::new();
    subscription(
        &app,
        "sub_links",
        "cust_ada",
        "2026-03-20",
        "2026-02-01T10:00:00Z",
    );
    plan_at(&app, "2026-03-17T09:00:00Z").await;
    let now = Arc::new(AtomicI64::new(at("2026-03-17T09:00:00Z")));
    mailer(&app, smtp.url(), &now).round().await.unwrap();
    let received = smtp.received();
    // Ada's (other demo customers have deliveries on the 20th too).
    let reminder = received
        .iter()
        .filter(|r| r.rcpt == ["ada@example.com"])
        .map(|r| r.parsed())
        .find(|m| m.subject().is_some_and(|s| s.contains("20 March 2026")))
        .expect("the reminder of sub_links");
    // RFC 8058 one-click unsubscribe on reminders.
    let unsubscribe_header = reminder
        .header_raw("List-Unsubscribe")
        .unwrap()
        .trim()
        .to_owned();
    assert_eq!(
        reminder.header_raw("List-Unsubscribe-Post").map(str::trim),
        Some("List-Unsubscribe=One-Click")
    );
    let text = reminder.body_text(0).unwrap().into_owned();
    let skip = link(&text, "Skip this delivery");
    let unsubscribe = link(&text, "Stop these reminders");
    assert_eq!(unsubscribe_header, format!("<{API_URL}{unsubscribe}>"));

    // Opening the link changes nothing: it asks, with one button, under a strict CSP.
    let before = app.state_of("sub_links").await;
    let shown = page(&app, Method::GET, &skip).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(
        shown.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let csp = shown.header("content-security-policy").unwrap();
    assert!(
        csp.starts_with("default-src 'none'; style-src 'sha256-"),
        "{csp}"
    );
    assert_eq!(shown.header("referrer-policy"), Some("no-referrer"));
    let html = shown.text();
    assert!(
        html.contains("Skip the delivery of 20 March 2026?"),
        "{html}"
    );
    assert!(html.contains(r#"<form method="post"><button type="submit">Skip</button>"#));
    assert_eq!(app.state_of("sub_links").await, before);

    // The button skips it, once.
    let done = page(&app, Method::POST, &skip).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    assert!(done
        .text()
        .contains("Done: the delivery of 20 March 2026 is skipped."));
    let (sub, _) = app.subscription("sub_links").await;
    assert_eq!(sub["next_delivery"], "2026-04-17");
    let after = app.state_of("sub_links").await;
    let again = page(&app, Method::POST, &skip).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.text().contains("This link was already used"));
    assert_eq!(app.state_of("sub_links").await, after);
    assert!(page(&app, Method::GET, &skip)
        .await
        .text()
        .contains("This link was already used"));

    // An edited link (another subscription's id spliced in, or a character changed) is
    // refused with a clear page, and changes nothing.
    let (payload, mac) = skip.trim_start_matches("/links/").split_once('.').unwrap();
    let mut flipped = payload.to_owned().into_bytes();
    flipped[5] = if flipped[5] == b'A' { b'B' } else { b'A' };
    for bad in [
        format!("/links/{}.{mac}", String::from_utf8(flipped).unwrap()),
        format!("/links/{payload}.{}", &mac[1..]),
        "/links/garbage".to_owned(),
    ] {
        for method in [Method::GET, Method::POST] {
            let refused = page(&app, method, &bad).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
            assert!(refused
                .text()
                .contains("This link is not valid. Nothing was changed."));
        }
    }
    assert_eq!(app.state_of("sub_links").await, after);

    // After its delivery's day the skip link has expired.
    let later = crate::orders_support::app_on(&app, "2026-03-22");
    let expired = page(&later, Method::POST, &skip).await;
    assert_eq!(expired.status, StatusCode::GONE);
    assert!(expired.text().contains("This link has expired."));

    // A mail client's one-click unsubscribe acts on the POST at once; reminders stop,
    // receipts do not.
    let stopped = page(&app, Method::POST, &unsubscribe).await;
    assert_eq!(stopped.status, StatusCode::OK, "{}", stopped.text());
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM notification_optouts WHERE customer_id = 'cust_ada'"
        ),
        1
    );
    plan_at(&app, "2026-04-14T09:00:00Z").await;
    let kinds: Vec<String> = messages(&app, "sub_links")
        .into_iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(kinds, ["delivery_reminder", "receipt"]);
}

#[tokio::test]
async fn an_smtp_server_that_is_down_loses_nothing() {
    let port = free_port();
    let app = TestApp::new();
    let now = Arc::new(AtomicI64::new(TODAY_SECS));
    let mailer = mailer(&app, format!("smtp://127.0.0.1:{port}"), &now);
    let id = app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    plan::receipts_due(&app.state.db, &notifier(), clock())
        .await
        .unwrap();

    assert_eq!(mailer.round().await.unwrap(), 1);
    let (state, attempts, error, next): (String, i64, Option<String>, i64) = app
        .state
        .db
        .conn()
        .unwrap()
        .query_row(
            "SELECT state, attempts, last_error, next_attempt_at FROM notifications
             WHERE subscription_id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!((state.as_str(), attempts), ("pending", 1));
    assert!(error.is_some_and(|e| !e.is_empty()));
    assert!(next > TODAY_SECS);
    // Not due again yet.
    assert_eq!(mailer.round().await.unwrap(), 0);

    let smtp = SmtpServer::start_on(port);
    now.store(TODAY_SECS + 3600, Ordering::SeqCst);
    assert_eq!(mailer.round().await.unwrap(), 1);
    assert_eq!(smtp.wait_for(1).len(), 1);
    assert_eq!(mailer.round().await.unwrap(), 0);
    assert_eq!(smtp.received().len(), 1);
    assert_eq!(messages(&app, &id)[0].1, "sent");
}

#[tokio::test]
async fn a_yearly_reminder_goes_on_the_anniversary_once() {
    let app = TestApp::new();
    subscription(
        &app,
        "sub_year",
        "cust_ada",
        "2026-03-27",
        "2025-03-20T10:00:00Z",
    );
    plan_at(&app, "2026-03-20T08:59:59Z").await;
    assert!(messages(&app, "sub_year").is_empty());
    plan_at(&app, "2026-03-20T09:00:00Z").await;
    plan_at(&app, "2026-03-20T12:00:00Z").await;
    plan_at(&app, "2026-03-21T09:00:00Z").await;
    assert_eq!(
        messages(&app, "sub_year"),
        [(
            "yearly_reminder".into(),
            "pending".into(),
            "yearly:sub_year:1".into()
        )]
    );
}

#[tokio::test]
async fn settings_are_checked_and_decide_between_events_and_email() {
    let app = TestApp::new();
    let bad = put_settings(
        &app,
        json!({"reminder_days_ahead": 0, "default_time_zone": "Mars/Olympus",
               "brand": {"name": "", "color": "red", "logo_url": "http://x.example/l.png"}}),
    )
    .await;
    let problem = bad.problem(StatusCode::UNPROCESSABLE_ENTITY);
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        [
            "/reminder_days_ahead",
            "/default_time_zone",
            "/brand/name",
            "/brand/logo_url",
            "/brand/color"
        ]
    );
    let unknown = put_settings(&app, json!({"reminder_days": 3})).await;
    unknown.problem(StatusCode::UNPROCESSABLE_ENTITY);
    let stored = app
        .send(admin_request(
            Method::GET,
            "/api/v1/admin/notifications/settings",
            MERCHANT_KEY,
            None,
        ))
        .await;
    assert_eq!(stored.json()["reminder_days_ahead"], 3);
    assert_eq!(stored.json()["channels"]["receipt"], "both");
    let anonymous = app.get("/api/v1/admin/notifications/settings").await;
    anonymous.problem(StatusCode::UNAUTHORIZED);

    // Events only: no e-mail is queued, the event is in the outbox.
    let reply = put_settings(&app, json!({"channels": {"receipt": "events"}})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let first = app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    plan::receipts_due(&app.state.db, &notifier(), clock())
        .await
        .unwrap();
    assert_eq!(messages(&app, &first)[0].1, "events");
    assert_eq!(
        crate::orders_support::events(&app, "notification.receipt").len(),
        1
    );

    // E-mail only: queued, and no event.
    put_settings(&app, json!({"channels": {"receipt": "email"}})).await;
    let second = app.subscribe(KEY_2, INTENSO_EVERY_2_WEEKS).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    plan::receipts_due(&app.state.db, &notifier(), clock())
        .await
        .unwrap();
    assert_eq!(messages(&app, &second)[0].1, "pending");
    assert_eq!(
        crate::orders_support::events(&app, "notification.receipt").len(),
        1
    );
}
