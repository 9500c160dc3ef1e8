//! Cancel and withdraw without signing in (`/cancel`, `/withdraw`) and the widget's
//! withdraw: the statutory fields and buttons in each language, a matching request
//! cancelling at once (form-encoded, no token, no script), an unmatched one recorded and
//! told, bad input refused with nothing stored, a later date carried out by the
//! scheduler on that date, withdrawal within and after the period.

use crate::common::*;
use crate::orders_support::{app_on, run_on};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};

async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> Reply {
    let body = form
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The subscription as `app`'s clock sees it (a token minted on that clock), and its
/// audit rows: what "nothing changed" compares.
async fn seen(app: &TestApp, id: &str) -> (serde_json::Value, i64) {
    let token = app.state.keys.mint("cust_ada", 3600, app.state.clock);
    let reply = app
        .get_as(&format!("/api/v1/me/subscriptions/{id}"), &token)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let audit = app
        .state
        .db
        .conn()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM subscription_changes WHERE subscription_id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    (reply.json(), audit)
}

fn one(app: &TestApp, sql: &str) -> Option<String> {
    let conn = app.state.db.conn().unwrap();
    conn.query_row(sql, [], |r| r.get(0)).ok()
}

fn events(app: &TestApp, kind: &str) -> i64 {
    let conn = app.state.db.conn().unwrap();
    conn.query_row(
        "SELECT count(*) FROM outbox_events WHERE type = ?1",
        [kind],
        |r| r.get(0),
    )
    .unwrap()
}

fn last_event(app: &TestApp, kind: &str) -> serde_json::Value {
    let payload = {
        let conn = app.state.db.conn().unwrap();
        conn.query_row(
            "SELECT payload FROM outbox_events WHERE type = ?1 ORDER BY occurred_at DESC, id DESC LIMIT 1",
            [kind],
            |r| r.get::<_, String>(0),
        )
        .unwrap()
    };
    serde_json::from_str(&payload).unwrap()
}

fn all_events(app: &TestApp, kind: &str) -> Vec<serde_json::Value> {
    let conn = app.state.db.conn().unwrap();
    conn.query_all(
        "SELECT payload FROM outbox_events WHERE type = ?1",
        [kind],
        |r| r.get::<_, String>(0),
    )
    .unwrap()
    .iter()
    .map(|p| serde_json::from_str(p).unwrap())
    .collect()
}

#[tokio::test]
async fn the_form_has_the_statutory_fields_and_the_exact_button_in_each_language() {
    let app = TestApp::new();
    for (lang, button) in [
        ("en", "Cancel now"),
        ("fr", "Résilier maintenant"),
        ("de", "Jetzt kündigen"),
    ] {
        let reply = app.get(&format!("/cancel?lang={lang}")).await;
        assert_eq!(reply.status, StatusCode::OK);
        let html = reply.text();
        assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{html}");
        assert!(html.contains(&format!("<button type=\"submit\">{button}</button>")));
        for field in [
            "name=\"name\"",
            "name=\"email\"",
            "name=\"reference\"",
            "value=\"ordinary\"",
            "value=\"extraordinary\"",
            "name=\"reason\"",
            "type=\"date\"",
        ] {
            assert!(html.contains(field), "{lang}: {field}");
        }
        for id in [
            "name",
            "email",
            "reference",
            "ordinary",
            "extraordinary",
            "reason",
            "date",
        ] {
            assert!(
                html.contains(&format!("label for=\"{id}\"")),
                "{lang}: {id}"
            );
        }
        assert!(!html.contains("<script"));
        let csp = reply.header("content-security-policy").unwrap();
        assert!(
            csp.starts_with("default-src 'none'; style-src 'sha256-"),
            "{csp}"
        );
    }
    // Without `?lang=`, the browser's language.
    let request = Request::get("/cancel")
        .header(header::ACCEPT_LANGUAGE, "de-DE,de;q=0.9")
        .body(Body::empty())
        .unwrap();
    assert!(app.send(request).await.text().contains("Jetzt kündigen"));
    for (lang, button) in [
        ("en", "Withdraw from contract"),
        ("fr", "Me rétracter du contrat"),
        ("de", "Vertrag widerrufen"),
    ] {
        let html = app.get(&format!("/withdraw?lang={lang}")).await.text();
        assert!(
            html.contains(&format!("<button type=\"submit\">{button}</button>")),
            "{html}"
        );
        assert!(html.contains("within 14 days") || lang != "en");
    }
}

#[tokio::test]
async fn a_matching_request_cancels_at_once_without_a_token() {
    let app = TestApp::new();
    let receipts = app.count("receipt_queue");
    let reply = post_form(
        &app,
        "/cancel?lang=en",
        &[
            ("name", "Ada Lovelace"),
            ("email", "ADA@example.com"),
            ("reference", ADA_SUB),
            ("termination", "ordinary"),
            ("reason", ""),
            ("date", ""),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let html = reply.text();
    assert!(html.contains("is cancelled as of 15 March 2026"), "{html}");
    assert!(
        html.contains("Received on 15 March 2026, 00:00 (UTC, UTC+00:00)"),
        "{html}"
    );
    assert!(html.contains("A confirmation e-mail follows."));
    let (sub, _) = app.subscription(ADA_SUB).await;
    assert_eq!(sub["status"], "cancelled");
    let history = app.history(ADA_SUB).await;
    assert_eq!(history[0]["action"], "cancel");
    assert_eq!(
        one(&app, "SELECT outcome FROM cancellation_requests").as_deref(),
        Some("cancelled")
    );
    assert_eq!(events(&app, "cancellation.requested"), 1);
    let event = last_event(&app, "cancellation.requested");
    assert_eq!(event["data"]["outcome"], "cancelled");
    assert_eq!(event["data"]["subscription_id"], ADA_SUB);
    assert_eq!(event["data"]["termination"], "ordinary");
    let updated = last_event(&app, "subscription.updated");
    assert_eq!(updated["data"]["change"]["action"], "cancel");
    assert_eq!(updated["data"]["change"]["via"], "cancel_page");
    // The receipt is queued by the outbox, as for any cancel.
    assert_eq!(app.count("receipt_queue"), receipts + 1);

    // Again: already cancelled, nothing changes.
    let (before, audit) = app.state_of(ADA_SUB).await;
    let again = post_form(
        &app,
        "/cancel?lang=de",
        &[
            ("name", "Ada"),
            ("email", "ada@example.com"),
            ("reference", ADA_SUB),
        ],
    )
    .await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(
        again
            .text()
            .contains("war bereits am 15. März 2026 gekündigt"),
        "{}",
        again.text()
    );
    assert_eq!(app.state_of(ADA_SUB).await, (before, audit));
}

#[tokio::test]
async fn an_order_number_finds_its_subscription_and_the_zone_is_the_customers() {
    let app = TestApp::new();
    app.state
        .db
        .conn()
        .unwrap()
        .execute(
            "UPDATE customers SET time_zone = 'Europe/Berlin' WHERE id = 'cust_ada'",
            [],
        )
        .unwrap();
    let reply = post_form(
        &app,
        "/cancel?lang=fr",
        &[
            ("name", "Ada"),
            ("email", "ada@example.com"),
            ("reference", "ord_ada_sub_1"),
        ],
    )
    .await;
    let html = reply.text();
    assert!(
        html.contains("Reçue le 15 mars 2026, 01:00 (Europe/Berlin, UTC+01:00)"),
        "{html}"
    );
    assert_eq!(app.subscription(ADA_SUB).await.0["status"], "cancelled");
}

#[tokio::test]
async fn an_unmatched_request_changes_nothing_and_is_passed_on() {
    let app = TestApp::new();
    let (before, audit) = app.state_of(ADA_SUB).await;
    for (email, reference) in [
        ("nobody@example.com", ADA_SUB),
        ("ada@example.com", "sub_someone_else"),
        // An order of no subscription.
        ("ada@example.com", "ord_ada_1"),
    ] {
        let reply = post_form(
            &app,
            "/cancel",
            &[("name", "Ada"), ("email", email), ("reference", reference)],
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK);
        let html = reply.text();
        assert!(
            html.contains("Your request was received on 15 March 2026, 00:00 (UTC, UTC+00:00) and passed to Cadence, who will confirm it."),
            "{html}"
        );
        assert!(!html.contains("e-mail follows"));
    }
    assert_eq!(app.state_of(ADA_SUB).await, (before, audit));
    assert_eq!(
        one(&app, "SELECT DISTINCT outcome FROM cancellation_requests").as_deref(),
        Some("unmatched")
    );
    assert_eq!(app.count("cancellation_requests"), 3);
    assert_eq!(events(&app, "cancellation.requested"), 3);
    let all = all_events(&app, "cancellation.requested");
    assert!(
        all.iter()
            .all(|e| e["data"]["outcome"] == "unmatched"
                && e["data"].get("subscription_id").is_none())
    );
    // The merchant hears whose address it was, when it is a customer's.
    let known = all
        .iter()
        .filter(|e| e["data"]["customer_id"] == "cust_ada")
        .count();
    assert_eq!(known, 2);
}

#[tokio::test]
async fn bad_input_is_a_422_page_refilled_and_nothing_is_stored() {
    let app = TestApp::new();
    let events_before = app.count("outbox_events");
    let reply = post_form(
        &app,
        "/cancel?lang=en",
        &[
            ("name", ""),
            ("email", "not-an-address"),
            ("reference", ADA_SUB),
            ("termination", "sometimes"),
            ("date", "2026-03-01"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = reply.text();
    assert!(html.contains("role=\"alert\""));
    assert!(
        html.contains("value=\"not-an-address\""),
        "refilled: {html}"
    );
    for id in ["name", "email", "date"] {
        assert!(html.contains(&format!("id=\"{id}-error\"")), "{id}");
        assert!(html.contains(&format!("aria-describedby=\"{id}")), "{id}");
    }
    assert!(html.contains("id=\"termination-error\""));
    // No form at all: the same.
    let request = Request::post("/cancel").body(Body::empty()).unwrap();
    assert_eq!(
        app.send(request).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(app.count("cancellation_requests"), 0);
    assert_eq!(app.count("outbox_events"), events_before);
    assert_eq!(app.subscription(ADA_SUB).await.0["status"], "active");
}

#[tokio::test]
async fn a_later_date_cancels_on_that_date_and_not_before() {
    let app = TestApp::new();
    let reply = post_form(
        &app,
        "/cancel?lang=en",
        &[
            ("name", "Ada"),
            ("email", "ada@example.com"),
            ("reference", ADA_SUB),
            ("termination", "extraordinary"),
            ("reason", "Moving abroad"),
            ("date", "2026-04-20"),
        ],
    )
    .await;
    let html = reply.text();
    assert!(
        html.contains("will be cancelled on 20 April 2026"),
        "{html}"
    );
    assert!(html.contains("Moving abroad"));
    let event = last_event(&app, "cancellation.requested");
    assert_eq!(event["data"]["outcome"], "scheduled");
    assert_eq!(event["data"]["effective_on"], "2026-04-20");
    assert_eq!(event["data"]["reason"], "Moving abroad");
    assert_eq!(app.subscription(ADA_SUB).await.0["status"], "active");

    // The day before: still active, and its deliveries ship.
    let summary = run_on(&app, "2026-04-19").await;
    assert_eq!(summary.cancellations, 0);
    assert!(summary.orders > 0, "deliveries before the date still ship");
    let eve = app_on(&app, "2026-04-19");
    assert_eq!(seen(&eve, ADA_SUB).await.0["status"], "active");

    // On the day: cancelled, once, however often the pass runs.
    assert_eq!(run_on(&app, "2026-04-20").await.cancellations, 1);
    assert_eq!(run_on(&app, "2026-04-20").await.cancellations, 0);
    let on = app_on(&app, "2026-04-20");
    let (sub, _) = seen(&on, ADA_SUB).await;
    assert_eq!(sub["status"], "cancelled");
    assert_eq!(sub["cancelled_on"], "2026-04-20");
    assert_eq!(
        one(&app, "SELECT outcome FROM cancellation_requests").as_deref(),
        Some("cancelled")
    );
    let cancels: Vec<_> = all_events(&app, "subscription.updated")
        .into_iter()
        .filter(|e| e["data"]["change"]["action"] == "cancel")
        .collect();
    assert_eq!(cancels.len(), 1);
    assert_eq!(cancels[0]["data"]["change"]["via"], "cancel_page");
}

#[tokio::test]
async fn withdrawal_within_the_period_withdraws_and_after_it_changes_nothing() {
    let app = TestApp::new();
    let created = app.subscribe(&fresh_key(), INTENSO_EVERY_2_WEEKS).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(created.json()["withdrawable_until"], "2026-03-29");
    // The old one's period is long over: no withdrawal offered.
    assert!(app
        .subscription(ADA_SUB)
        .await
        .0
        .get("withdrawable_until")
        .is_none());

    // After the period (day 15): out of period, nothing changed, a link to /cancel.
    let late = app_on(&app, "2026-03-30");
    let (before, audit) = seen(&late, &id).await;
    assert!(before.get("withdrawable_until").is_none());
    let reply = post_form(
        &late,
        "/withdraw?lang=en",
        &[
            ("name", "Ada"),
            ("email", "ada@example.com"),
            ("reference", &id),
        ],
    )
    .await;
    let html = reply.text();
    assert!(
        html.contains("withdrawal period of your subscription"),
        "{html}"
    );
    assert!(html.contains("ended on 29 March 2026"), "{html}");
    assert!(html.contains("href=\"/cancel?lang=en\""));
    assert_eq!(seen(&late, &id).await, (before, audit));
    assert_eq!(
        last_event(&app, "withdrawal.requested")["data"]["outcome"],
        "out_of_period"
    );

    // On its last day: withdrawn, a cancel recorded as a withdrawal.
    let within = app_on(&app, "2026-03-29");
    let reply = post_form(
        &within,
        "/withdraw?lang=de",
        &[
            ("name", "Ada"),
            ("email", "ada@example.com"),
            ("reference", &id),
        ],
    )
    .await;
    assert!(
        reply.text().contains("Sie haben Ihr Abo"),
        "{}",
        reply.text()
    );
    assert_eq!(seen(&within, &id).await.0["status"], "cancelled");
    let event = all_events(&app, "withdrawal.requested")
        .into_iter()
        .find(|e| e["data"]["outcome"] == "withdrawn")
        .expect("the withdrawal's event");
    assert_eq!(event["data"]["withdrawal_period_ends"], "2026-03-29");
    let cancel = all_events(&app, "subscription.updated")
        .into_iter()
        .find(|e| e["data"]["change"]["action"] == "cancel")
        .expect("the withdrawal's cancel");
    assert_eq!(cancel["data"]["change"]["via"], "withdrawal");
    let origin = one(
        &app,
        "SELECT origin FROM subscription_changes WHERE action = 'cancel'",
    );
    assert_eq!(origin.as_deref(), Some("withdrawal"));
}

async fn withdraw(app: &TestApp, id: &str, key: &str) -> Reply {
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/me/subscriptions/{id}/withdraw"))
        .header(
            header::AUTHORIZATION,
            format!(
                "Bearer {}",
                app.state.keys.mint("cust_ada", 3600, app.state.clock)
            ),
        )
        .header("idempotency-key", key)
        .body(Body::empty())
        .unwrap();
    app.send(request).await
}

#[tokio::test]
async fn the_widgets_withdraw_works_within_the_period_only() {
    let app = TestApp::new();
    let id = app
        .subscribe(&fresh_key(), INTENSO_EVERY_2_WEEKS)
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // After the period: 409 saying when it ended, nothing changed.
    let late = app_on(&app, "2026-03-30");
    let (before, audit) = seen(&late, &id).await;
    let problem = withdraw(&late, &id, &fresh_key())
        .await
        .problem(StatusCode::CONFLICT);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("ended on 29 March 2026"),
        "{problem}"
    );
    assert_eq!(seen(&late, &id).await, (before, audit));
    // Someone else's, or an old one: 404 / 409.
    withdraw(&app, "sub_nope", &fresh_key())
        .await
        .problem(StatusCode::NOT_FOUND);
    withdraw(&app, ADA_SUB, &fresh_key())
        .await
        .problem(StatusCode::CONFLICT);

    // Within: withdrawn, replayed with the same key.
    let key = fresh_key();
    let reply = withdraw(&app, &id, &key).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["status"], "cancelled");
    assert!(reply.json().get("withdrawable_until").is_none());
    let again = withdraw(&app, &id, &key).await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(events(&app, "withdrawal.requested"), 1);
    assert_eq!(
        one(&app, "SELECT outcome FROM cancellation_requests").as_deref(),
        Some("withdrawn")
    );
    // Withdrawn once: a second key finds it cancelled.
    withdraw(&app, &id, &fresh_key())
        .await
        .problem(StatusCode::CONFLICT);
}

#[tokio::test]
async fn every_email_links_the_cancellation_page() {
    let app = TestApp::new();
    app.change(ADA_SUB, r#"{"action":"pause"}"#).await;
    cadence_server::notify::plan::run(
        &app.state.db,
        &cadence_server::notify::Notifier {
            key: [7; 32],
            public_url: API_URL.to_owned(),
        },
        clock(),
    )
    .await
    .unwrap();
    let payload = one(
        &app,
        "SELECT payload FROM notifications WHERE kind = 'receipt'",
    )
    .unwrap();
    let data: serde_json::Value = serde_json::from_str(&payload).unwrap();
    let link = format!("{API_URL}/cancel?lang=en");
    assert!(data["message"]["text"].as_str().unwrap().contains(&link));
    assert!(data["message"]["html"].as_str().unwrap().contains(&link));
}
