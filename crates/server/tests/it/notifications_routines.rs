//! Maintenance reminders: an owner asks to be reminded of a task (the account API), gets
//! one message when it falls due at the shop's hour of their day, and its one-click links
//! mark the task done, add its part to the next delivery, or stop the reminders. An owner
//! who did not ask gets nothing.

use crate::common::*;
use crate::smtp_server::SmtpServer;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use cadence_contract::Date;
use cadence_server::clock::Clock;
use cadence_server::notify::mailer::{MailSettings, Mailer};
use cadence_server::notify::{plan, Notifier};
use serde_json::{json, Value};
use std::sync::Arc;

fn notifier() -> Notifier {
    Notifier {
        key: *cadence_server::auth::JwtKeys::new(SECRET).link_key(),
        public_url: API_URL.to_owned(),
    }
}

async fn plan_at(app: &TestApp, day: Date, seconds: i64) {
    plan::run(
        &app.state.db,
        &notifier(),
        Clock::Fixed(day.to_days() * 86_400 + seconds),
    )
    .await
    .unwrap();
}

fn count(app: &TestApp, sql: &str) -> i64 {
    app.state
        .db
        .conn()
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

async fn remind(app: &TestApp, routine: &str, key: &str, remind: bool) -> Reply {
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/me/routines/{routine}/reminders"))
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", app.token("cust_ada")),
        )
        .header(header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", key)
        .body(Body::from(json!({ "remind": remind }).to_string()))
        .unwrap();
    app.send(request).await
}

async fn press(app: &TestApp, path: &str) -> Reply {
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .body(Body::empty())
        .unwrap();
    app.send(request).await
}

fn link(text: &str, label_start: &str) -> String {
    text.lines()
        .find(|l| l.starts_with(label_start))
        .and_then(|l| l.split(": ").last())
        .and_then(|url| url.strip_prefix(API_URL))
        .unwrap_or_else(|| panic!("no {label_start:?} link in:\n{text}"))
        .to_owned()
}

#[tokio::test]
async fn a_maintenance_reminder_goes_when_due_and_its_links_work() {
    let smtp = SmtpServer::start();
    let app = TestApp::new();
    let me = app
        .get_as("/api/v1/me", &app.token("cust_ada"))
        .await
        .json();
    let task: &Value = &me["routines"][0];
    let routine = task["routine_id"].as_str().unwrap().to_owned();
    let due: Date = task["next_due"].as_str().unwrap().parse().unwrap();
    let name = task["name"].as_str().unwrap().to_owned();

    // Ada has not asked: the task falls due, nothing is sent.
    plan_at(&app, due, 10 * 3600).await;
    let routine_messages = "SELECT count(*) FROM notifications WHERE kind = 'routine_due'";
    assert_eq!(count(&app, routine_messages), 0);

    // She asks (once, whatever the retries), for her machine only.
    let key = fresh_key();
    let asked = remind(&app, &routine, &key, true).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.text());
    assert_eq!(asked.json()["remind"], true);
    assert_eq!(asked.json()["next_due"], due.to_string());
    // The account shows it, so the widget's "Remind me" shows as pressed.
    let me = app
        .get_as("/api/v1/me", &app.token("cust_ada"))
        .await
        .json();
    assert_eq!(me["routines"][0]["reminded"], true);
    let again = remind(&app, &routine, &key, true).await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    remind(&app, "999999", &fresh_key(), true)
        .await
        .problem(StatusCode::NOT_FOUND);

    // 9:00 on the due day (UTC: Ada gave no zone), once.
    plan_at(&app, due, 9 * 3600 - 1).await;
    assert_eq!(count(&app, routine_messages), 0);
    plan_at(&app, due, 9 * 3600).await;
    plan_at(&app, due, 12 * 3600).await;
    assert_eq!(count(&app, routine_messages), 1);
    let events = crate::orders_support::events(&app, "notification.routine_due");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["task"]["name"], name.as_str());

    let mailer = Arc::new(
        Mailer::new(
            app.state.db.clone(),
            MailSettings::new(smtp.url(), "cadence@shop.example".parse().unwrap()),
            Arc::new(move || due.to_days() * 86_400 + 12 * 3600),
        )
        .unwrap(),
    );
    mailer.round().await.unwrap();
    let mail = smtp
        .received()
        .into_iter()
        .filter(|r| r.rcpt == ["ada@example.com"])
        .map(|r| r.raw)
        .find(|raw| String::from_utf8_lossy(raw).contains("Due now"))
        .expect("Ada's maintenance reminder");
    let parsed = mail_parser::MessageParser::default().parse(&mail).unwrap();
    let subject = parsed.subject().unwrap().to_owned();
    assert!(
        subject.starts_with(&format!("Due now: {name} (")),
        "{subject}"
    );
    let text = parsed.body_text(0).unwrap().into_owned();
    let done = link(&text, "Mark as done");
    let add = link(&text, "Add ");
    let stop = link(&text, "Stop reminders for this task");

    // "Done" asks first, then re-plans the task from today.
    let asked = app.get(&done).await;
    assert!(
        asked
            .text()
            .contains(&format!("Mark “{name}” as done today?")),
        "{}",
        asked.text()
    );
    let pressed = press(&app, &done).await;
    assert_eq!(pressed.status, StatusCode::OK, "{}", pressed.text());
    assert!(pressed
        .text()
        .contains(&format!("Recorded: {name} done today.")));
    let me = app
        .get_as("/api/v1/me", &app.token("cust_ada"))
        .await
        .json();
    let after = me["routines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["routine_id"] == routine.as_str())
        .unwrap()
        .clone();
    assert_eq!(after["last_done"], "2026-03-15");

    // The part goes with the next delivery, once.
    let extras = "SELECT count(*) FROM subscription_extras";
    let before = count(&app, extras);
    assert_eq!(press(&app, &add).await.status, StatusCode::OK);
    assert_eq!(count(&app, extras), before + 1);
    assert!(press(&app, &add).await.text().contains("already used"));
    assert_eq!(count(&app, extras), before + 1);

    // Stop: no more reminders for this task.
    assert_eq!(press(&app, &stop).await.status, StatusCode::OK);
    assert_eq!(count(&app, "SELECT count(*) FROM routine_reminders"), 0);
    let next: Date = after["next_due"].as_str().unwrap().parse().unwrap();
    plan_at(&app, next, 10 * 3600).await;
    assert_eq!(count(&app, routine_messages), 1);
}
