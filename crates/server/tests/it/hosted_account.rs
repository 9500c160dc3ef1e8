//! The Cadence-hosted account page: a sign-in link by e-mail (read back from a real SMTP
//! server), used once, expiring, at most five an hour per address, and an answer (and its
//! time) that never tells a known address from an unknown one.

use crate::common::*;
use crate::smtp_server::SmtpServer;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use cadence_server::clock::Clock;
use cadence_server::notify::mailer::{MailSettings, Mailer};
use std::sync::Arc;
use std::time::Instant;

async fn ask_link(app: &TestApp, email: &str) -> Reply {
    let body = format!("email={}", email.replace('@', "%40").replace('+', "%2B"));
    let request = Request::builder()
        .method(Method::POST)
        .uri("/account")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

async fn post(app: &TestApp, path: &str) -> Reply {
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::empty())
        .unwrap();
    app.send(request).await
}

fn sign_ins(app: &TestApp) -> i64 {
    app.state
        .db
        .conn()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM notifications WHERE kind = 'sign_in'",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// The app at `secs` past the tests' today.
fn later(app: &TestApp, secs: i64) -> TestApp {
    let mut state = app.state.clone();
    state.clock = Clock::Fixed(TODAY_SECS + secs);
    TestApp {
        dir: tempfile::tempdir().unwrap(),
        state,
    }
}

async fn send_mail(app: &TestApp, smtp: &SmtpServer) {
    let mailer = Arc::new(
        Mailer::new(
            app.state.db.clone(),
            MailSettings::new(smtp.url(), "cadence@shop.example".parse().unwrap()),
            Arc::new(|| TODAY_SECS + 7200),
        )
        .unwrap(),
    );
    mailer.round().await.unwrap();
}

#[tokio::test]
async fn a_sign_in_link_by_e_mail_opens_the_account_once() {
    let smtp = SmtpServer::start();
    let app = TestApp::new();
    let form = app.get("/account").await;
    assert_eq!(form.status, StatusCode::OK);
    let csp = form.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "{csp}"
    );
    assert!(form
        .text()
        .contains(r#"<input id="email" name="email" type="email" autocomplete="email" required>"#));

    let answer = ask_link(&app, "ada@example.com").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer
        .text()
        .contains("If this address belongs to an account, a sign-in link is on its way."));
    send_mail(&app, &smtp).await;
    let received = smtp.wait_for(1);
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].rcpt, ["ada@example.com"]);
    let mail = received[0].parsed();
    assert_eq!(mail.subject(), Some("Your sign-in link for Cadence"));
    assert!(mail.header("List-Unsubscribe").is_none());
    let text = mail.body_text(0).unwrap().into_owned();
    let url = text
        .lines()
        .find_map(|l| l.strip_prefix("Open my account: "))
        .unwrap_or_else(|| panic!("no link in {text}"));
    let path = url.strip_prefix(API_URL).unwrap().to_owned();
    assert!(path.starts_with("/account/"), "{path}");

    // Opening it signs nobody in: a page with one button.
    let shown = app.get(&path).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.text().contains("Continue to your account?"));
    assert!(!shown.text().contains("cadence-widget"));

    // The button: the account, as the merchant's own page would embed it.
    let signed_in = post(&app, &path).await;
    assert_eq!(signed_in.status, StatusCode::OK);
    let html = signed_in.text();
    assert!(html.contains(r#"<script type="module" src="/widget/cadence.js"></script>"#));
    let token = html
        .split(r#"<cadence-widget view="account" locale="en" customer-token=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no account widget in {html}"));
    let me = app.get_as("/api/v1/me", token).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text());
    assert_eq!(me.json()["customer"]["id"], "cust_ada");

    // Once: a second press, or a second visit, is told to ask again.
    for again in [post(&app, &path).await, app.get(&path).await] {
        assert_eq!(again.status, StatusCode::OK);
        assert!(again.text().contains("This sign-in link was already used."));
        assert!(!again.text().contains("customer-token"));
    }

    // Fifteen minutes, then it only says it expired.
    ask_link(&app, "ada@example.com").await;
    send_mail(&app, &smtp).await;
    let text = smtp.wait_for(2)[1]
        .parsed()
        .body_text(0)
        .unwrap()
        .into_owned();
    let fresh = text
        .lines()
        .find_map(|l| l.strip_prefix("Open my account: "))
        .unwrap()
        .strip_prefix(API_URL)
        .unwrap()
        .to_owned();
    let expired = post(&later(&app, 15 * 60 + 1), &fresh).await;
    assert_eq!(expired.status, StatusCode::GONE);
    assert!(expired.text().contains("This sign-in link has expired."));
    assert!(!expired.text().contains("customer-token"));
    // Edited: refused. And a sign-in link does nothing at the action links' address.
    let (payload, mac) = fresh
        .trim_start_matches("/account/")
        .split_once('.')
        .unwrap();
    let edited = post(&app, &format!("/account/{payload}x.{mac}")).await;
    assert_eq!(edited.status, StatusCode::BAD_REQUEST);
    let elsewhere = post(&app, &format!("/links/{payload}.{mac}")).await;
    assert_eq!(elsewhere.status, StatusCode::BAD_REQUEST);
    // The fresh link still works once.
    assert!(post(&app, &fresh).await.text().contains("customer-token"));
}

#[tokio::test]
async fn the_answer_never_tells_a_known_address_from_an_unknown_one() {
    let app = TestApp::new();
    let known = ask_link(&app, "ada@example.com").await;
    let unknown = ask_link(&app, "nobody@example.com").await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.body, unknown.body, "the same page, byte for byte");
    assert_eq!(sign_ins(&app), 1);

    // Timing: each request does the same write; a known address also makes a message.
    for n in 0..20 {
        let record = format!(r#"{{"name": "T{n}", "email": "t{n}@example.com"}}"#);
        let reply = app
            .send(crate::orders_support::admin_request(
                Method::PUT,
                &format!("/api/v1/admin/customers/cust_t{n}"),
                MERCHANT_KEY,
                Some(&record),
            ))
            .await;
        assert!(reply.status.is_success(), "{}", reply.text());
    }
    let (mut known_ms, mut unknown_ms) = (Vec::new(), Vec::new());
    for n in 0..20 {
        for (address, times) in [
            (format!("u{n}@example.com"), &mut unknown_ms),
            (format!("t{n}@example.com"), &mut known_ms),
        ] {
            let start = Instant::now();
            ask_link(&app, &address).await;
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
    }
    known_ms.sort_by(f64::total_cmp);
    unknown_ms.sort_by(f64::total_cmp);
    assert_eq!(sign_ins(&app), 21, "every known address got its link");
    let (known, unknown) = (known_ms[10], unknown_ms[10]);
    println!("sign-in requests: median {known:.2} ms for a known address, {unknown:.2} ms for an unknown one");
    assert!(
        (known - unknown).abs() < 5.0 + 0.5 * unknown,
        "known {known:.2} ms vs unknown {unknown:.2} ms"
    );
}

#[tokio::test]
async fn at_most_five_links_an_hour_per_address() {
    let app = TestApp::new();
    let first = ask_link(&app, "ada@example.com").await;
    for address in ["ada@example.com", "ADA@example.com", "ada@example.com"] {
        for _ in 0..2 {
            let answer = ask_link(&app, address).await;
            assert_eq!(answer.body, first.body);
        }
    }
    assert_eq!(sign_ins(&app), 5, "7 asked, 5 made");
    // An hour later the address may ask again.
    let next_hour = later(&app, 3601);
    ask_link(&next_hour, "ada@example.com").await;
    assert_eq!(sign_ins(&app), 6);
    // An empty form is a calm 422 page, nothing written.
    let empty = ask_link(&app, "").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(sign_ins(&app), 6);
}
