//! "Remind me" for a machine's maintenance from its product page: signed in (one toggle for
//! all its tasks, ownership declared from today when there was none), and by e-mail with
//! double opt-in through a real SMTP server (the same answer for known and unknown
//! addresses, nothing kept without the click, requests forgotten after two days). Then
//! the reminders arrive as for any owner, and the merchant's repurchase figures put
//! followers beside owners who do not follow.

use crate::common::*;
use crate::smtp_server::SmtpServer;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use cadence_contract::Date;
use cadence_server::clock::Clock;
use cadence_server::i18n::Lang;
use cadence_server::notify::mailer::{MailSettings, Mailer};
use cadence_server::notify::{follow, plan, settings, Notifier};
use serde_json::{json, Value};
use std::sync::Arc;

const MACHINE: &str = "BARISTA-ONE";

fn notifier() -> Notifier {
    Notifier {
        key: *cadence_server::auth::JwtKeys::new(SECRET).link_key(),
        public_url: API_URL.to_owned(),
    }
}

fn count(app: &TestApp, sql: &str, customer: &str) -> i64 {
    app.state
        .db
        .conn()
        .unwrap()
        .query_row(sql, [customer], |r| r.get(0))
        .unwrap()
}

fn customer_of(app: &TestApp, email: &str) -> Option<String> {
    use cadence_server::db::OptionalExtension;
    app.state
        .db
        .conn()
        .unwrap()
        .query_row("SELECT id FROM customers WHERE email = ?1", [email], |r| {
            r.get(0)
        })
        .optional()
        .unwrap()
}

const REMINDERS: &str = "SELECT count(*) FROM routine_reminders WHERE customer_id = ?1";
const OWNED: &str = "SELECT count(*) FROM owned_products WHERE customer_id = ?1";
const CONFIRMATIONS: &str =
    "SELECT count(*) FROM notifications WHERE kind = 'follow_confirm' AND customer_id = ?1";

async fn toggle(app: &TestApp, customer: &str, sku: &str, remind: bool) -> Reply {
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/me/products/{sku}/reminders"))
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", app.token(customer)),
        )
        .header(header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", fresh_key())
        .body(Body::from(json!({ "remind": remind }).to_string()))
        .unwrap();
    app.send(request).await
}

async fn ask(app: &TestApp, sku: &str, body: Value, language: &str) -> Reply {
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/products/{sku}/reminders"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT_LANGUAGE, language)
        .body(Body::from(body.to_string()))
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

fn routines_of_machine(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT count(*) FROM maintenance_routines WHERE durable_sku = ?1",
        MACHINE,
    )
}

#[tokio::test]
async fn signed_in_one_toggle_turns_every_task_of_the_machine_on_and_off() {
    let app = TestApp::new();
    let tasks = routines_of_machine(&app);
    assert!(tasks >= 2, "the demo machine has several routines");

    // A customer the shop never loaded, who owns no machine here: asking says they own
    // one, from today.
    let on = toggle(&app, "cust_new_owner", MACHINE, true).await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.text());
    let body = on.json();
    assert_eq!(body["remind"], true);
    let next_due: Date = body["next_due"].as_str().unwrap().parse().unwrap();
    assert!(next_due > clock().today());
    assert_eq!(count(&app, REMINDERS, "cust_new_owner"), tasks);
    assert_eq!(count(&app, OWNED, "cust_new_owner"), 1);
    let product = app
        .get_as(
            &format!("/api/v1/products/{MACHINE}"),
            &app.token("cust_new_owner"),
        )
        .await
        .json();
    assert_eq!(product["ownership"]["reminded"], true);
    assert_eq!(
        product["ownership"]["purchased_on"],
        clock().today().to_string()
    );

    // Off: every task stops; the machine stays theirs.
    let off = toggle(&app, "cust_new_owner", MACHINE, false).await;
    assert_eq!(off.json()["remind"], false);
    assert!(off.json().get("next_due").is_none());
    assert_eq!(count(&app, REMINDERS, "cust_new_owner"), 0);
    let product = app
        .get_as(
            &format!("/api/v1/products/{MACHINE}"),
            &app.token("cust_new_owner"),
        )
        .await
        .json();
    assert!(product["ownership"].get("reminded").is_none());

    // An owner keeps the purchase date they had: no new ownership row.
    let owned_before = count(&app, OWNED, "cust_grace");
    assert_eq!(
        toggle(&app, "cust_grace", MACHINE, true).await.status,
        StatusCode::OK
    );
    assert_eq!(count(&app, OWNED, "cust_grace"), owned_before);

    // Only machines with maintenance.
    for sku in ["CAPS-INTENSO", "NO-SUCH-SKU"] {
        toggle(&app, "cust_ada", sku, true)
            .await
            .problem(StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn by_email_nothing_happens_until_the_link_in_the_confirmation_is_pressed() {
    let smtp = SmtpServer::start();
    let app = TestApp::new();
    let tasks = routines_of_machine(&app);

    // Unknown and known addresses get the same answer.
    let unknown = ask(
        &app,
        MACHINE,
        json!({ "email": "Noor@Example.org" }),
        "fr-FR,fr;q=0.9",
    )
    .await;
    assert_eq!(unknown.status, StatusCode::ACCEPTED, "{}", unknown.text());
    let known = ask(&app, MACHINE, json!({ "email": "ada@example.com" }), "en").await;
    assert_eq!(known.status, StatusCode::ACCEPTED);
    assert_eq!(unknown.json(), known.json());
    assert_eq!(unknown.json()["status"], "confirmation_sent");

    // Bad input changes nothing.
    ask(&app, MACHINE, json!({ "email": "not an address" }), "en")
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    ask(
        &app,
        "CAPS-INTENSO",
        json!({ "email": "x@example.org" }),
        "en",
    )
    .await
    .problem(StatusCode::NOT_FOUND);
    assert!(customer_of(&app, "x@example.org").is_none());

    // Asked, not confirmed: a record to hold the request, no ownership, no reminders.
    let noor = customer_of(&app, "Noor@Example.org").expect("a record for the request");
    assert_eq!(count(&app, REMINDERS, &noor), 0);
    assert_eq!(count(&app, OWNED, &noor), 0);
    assert_eq!(count(&app, CONFIRMATIONS, &noor), 1);

    // The confirmation, in French (the page's language), from a real SMTP server.
    let now = TODAY_SECS + 60;
    let mailer = Arc::new(
        Mailer::new(
            app.state.db.clone(),
            MailSettings::new(smtp.url(), "cadence@shop.example".parse().unwrap()),
            Arc::new(move || now),
        )
        .unwrap(),
    );
    mailer.round().await.unwrap();
    let received = smtp.received();
    let mail = received
        .iter()
        .find(|r| r.rcpt == ["Noor@Example.org"])
        .expect("Noor's confirmation");
    let parsed = mail.parsed();
    let subject = parsed.subject().unwrap().to_owned();
    assert!(
        subject.starts_with("Confirmez vos rappels d'entretien pour "),
        "{subject}"
    );
    assert!(
        parsed.header("List-Unsubscribe").is_none(),
        "a confirmation is no list"
    );
    let text = parsed.body_text(0).unwrap().into_owned();
    let path = text
        .lines()
        .find_map(|l| l.split(": ").last().and_then(|u| u.strip_prefix(API_URL)))
        .filter(|p| p.starts_with("/links/"))
        .unwrap_or_else(|| panic!("a link in:\n{text}"))
        .to_owned();
    // Ada, a known customer, got hers in her own language.
    assert!(received.iter().any(|r| r.rcpt == ["ada@example.com"]));

    // Opening the link asks; it changes nothing.
    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("Vous rappeler par e-mail l'entretien"),
        "{}",
        page.text()
    );
    assert_eq!(count(&app, REMINDERS, &noor), 0);

    // Pressing confirms, once.
    let done = press(&app, &path).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    assert!(done.text().contains("C'est fait"), "{}", done.text());
    // And their calendar: the machine's maintenance dates, as a feed that stays current.
    let page = done.text();
    let feed = page
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|u| u.contains("/calendar/"))
        .unwrap_or_else(|| panic!("a calendar link in {page}"))
        .to_owned();
    assert!(page.contains("Ajouter les dates d'entretien à votre agenda"));
    let ics = app.get(feed.strip_prefix(API_URL).unwrap()).await;
    assert_eq!(ics.status, StatusCode::OK, "{}", ics.text());
    assert!(ics.text().starts_with("BEGIN:VCALENDAR"));
    assert!(ics.text().contains("SUMMARY:"), "{}", ics.text());
    assert_eq!(count(&app, REMINDERS, &noor), tasks);
    assert_eq!(count(&app, OWNED, &noor), 1);
    let again = press(&app, &path).await;
    assert!(again.text().contains("déjà"), "{}", again.text());
    assert_eq!(count(&app, REMINDERS, &noor), tasks);

    // From here Noor is an owner like any other: the first task's reminder goes on its
    // due day, by e-mail, with its one-click stop.
    let first_due: Date = app.get_as("/api/v1/me", &app.token(&noor)).await.json()["routines"][0]
        ["next_due"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    plan::run(
        &app.state.db,
        &notifier(),
        Clock::Fixed(first_due.to_days() * 86_400 + 10 * 3600),
    )
    .await
    .unwrap();
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM notifications WHERE kind = 'routine_due' AND customer_id = ?1",
            &noor
        ),
        1
    );
}

#[tokio::test]
async fn requests_are_rate_limited_and_unconfirmed_ones_forgotten() {
    let app = TestApp::new();
    for _ in 0..7 {
        let reply = ask(&app, MACHINE, json!({ "email": "flood@example.org" }), "en").await;
        assert_eq!(reply.status, StatusCode::ACCEPTED);
    }
    let flood = customer_of(&app, "flood@example.org").unwrap();
    assert_eq!(
        count(&app, CONFIRMATIONS, &flood),
        5,
        "5 an hour per address"
    );

    // Two days on, the next request (anyone's) forgets the unconfirmed one and the record
    // made for it; a customer the shop knows is never deleted.
    ask(&app, MACHINE, json!({ "email": "grace@example.com" }), "en").await;
    let later = TODAY_SECS + follow::CONFIRM_SECS + 1;
    app.state
        .db
        .write(move |tx| {
            let settings = settings::load(tx)?;
            follow::request(
                tx,
                &notifier(),
                &settings,
                MACHINE,
                "someone.else@example.org",
                Lang::En,
                later,
            )
        })
        .await
        .unwrap();
    assert!(customer_of(&app, "flood@example.org").is_none());
    assert!(customer_of(&app, "grace@example.com").is_some());
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM follow_requests WHERE customer_id = ?1",
            "cust_grace"
        ),
        0
    );
}

#[tokio::test]
async fn repurchase_puts_routine_followers_beside_owners_who_do_not_follow() {
    let app = TestApp::new();
    let groups = |metrics: &Value| -> Vec<(String, u64)> {
        metrics["repurchase"]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["group"].as_str().unwrap().to_owned(),
                    g["customers"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let before = groups(
        &app.get_as("/api/v1/merchant/metrics", MERCHANT_KEY)
            .await
            .json(),
    );
    let names: Vec<&str> = before.iter().map(|(g, _)| g.as_str()).collect();
    assert_eq!(
        names,
        [
            "subscribers",
            "one_time_buyers",
            "routine_followers",
            "owners_not_following"
        ]
    );
    let of =
        |groups: &[(String, u64)], name: &str| groups.iter().find(|(g, _)| g == name).unwrap().1;
    // Every owner with orders in the covered months stops or starts following: they move
    // between the two groups, and the groups' sum stays.
    let owners = of(&before, "routine_followers") + of(&before, "owners_not_following");
    assert!(
        of(&before, "owners_not_following") > 0,
        "the demo has owners who do not follow: {before:?}"
    );
    let conn = app.state.db.conn().unwrap();
    let not_following: Vec<String> = conn
        .query_all(
            "SELECT DISTINCT o.customer_id FROM owned_products o
             WHERE o.sku = ?1 AND NOT EXISTS (SELECT 1 FROM routine_reminders r
                                              WHERE r.customer_id = o.customer_id)",
            [MACHINE],
            |r| r.get(0),
        )
        .unwrap();
    drop(conn);
    for customer in &not_following {
        assert_eq!(
            toggle(&app, customer, MACHINE, true).await.status,
            StatusCode::OK
        );
    }
    let after = groups(
        &app.get_as("/api/v1/merchant/metrics", MERCHANT_KEY)
            .await
            .json(),
    );
    assert_eq!(of(&after, "owners_not_following"), 0);
    assert_eq!(of(&after, "routine_followers"), owners);
    assert_eq!(
        of(&after, "subscribers") + of(&after, "one_time_buyers"),
        of(&before, "subscribers") + of(&before, "one_time_buyers")
    );

    // The merchant's page shows the comparison.
    let page = crate::merchant_metrics::shop_page(&app, "/merchant").await;
    assert!(
        page.text().contains("Follow a maintenance routine"),
        "{}",
        page.text()
    );
}
