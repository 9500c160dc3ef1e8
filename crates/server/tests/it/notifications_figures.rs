//! The messages' figures, printed (`--nocapture`): reminders made (rendered in three
//! languages, signed links, events) per second; e-mails handed to a real SMTP server
//! (aiosmtpd) per second; and the time from a due moment to the SMTP server's acceptance:
//! for a batch of reminders all due at once, and for receipts of changes made one by one
//! through the API with the server's own background tasks running.

use crate::common::*;
use crate::smtp_server::SmtpServer;
use cadence_contract::{Date, Interval};
use cadence_server::clock::Clock;
use cadence_server::db::subscriptions::{self, NewRow};
use cadence_server::notify::mailer::{MailSettings, Mailer};
use cadence_server::notify::{plan, Notifier};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// Reminders due at once: enough for a rate, small enough for a debug build in CI.
const REMINDERS: usize = 600;
const RECEIPTS: usize = 40;

fn notifier() -> Notifier {
    Notifier {
        key: *cadence_server::auth::JwtKeys::new(SECRET).link_key(),
        public_url: API_URL.to_owned(),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Milliseconds from `start` to each received message's arrival (its file's mtime).
fn arrivals_ms(smtp: &SmtpServer, start: SystemTime, skip: usize) -> Vec<f64> {
    let mut ms: Vec<f64> = smtp
        .arrival_times()
        .into_iter()
        .skip(skip)
        .map(|t| t.duration_since(start).unwrap_or_default().as_secs_f64() * 1000.0)
        .collect();
    ms.sort_by(f64::total_cmp);
    ms
}

/// The wall clock, not the server's `Clock`: arrivals are the modification times of files
/// another process (aiosmtpd) wrote.
#[allow(clippy::disallowed_methods)]
fn wall_clock() -> SystemTime {
    SystemTime::now()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notification_figures() {
    let smtp = SmtpServer::start();
    let app = TestApp::new();
    let next: Date = "2026-03-20".parse().unwrap();
    app.state
        .db
        .write_blocking(|tx| {
            for n in 0..REMINDERS {
                subscriptions::insert(
                    tx,
                    &NewRow {
                        id: &format!("sub_fig_{n}"),
                        customer_id: "cust_ada",
                        sku: "CAPS-INTENSO",
                        quantity: 1,
                        interval: Interval::weeks(4),
                        anchor_date: next,
                        next_delivery: next,
                        discount_percent: 10,
                        unit_price_minor: 1_750,
                        now: "2026-02-01T10:00:00Z",
                    },
                )?;
            }
            Ok::<_, cadence_server::db::StoreError>(())
        })
        .unwrap();
    // 9:00 UTC three days before: every reminder falls due at this moment.
    let due = next.add_days(-3).unwrap().to_days() * 86_400 + 9 * 3600;
    let started = (wall_clock(), Instant::now());
    let made = plan::run(&app.state.db, &notifier(), Clock::Fixed(due))
        .await
        .unwrap();
    let making = started.1.elapsed();
    assert!(made.delivery_reminders >= REMINDERS as u64, "{made:?}");
    let queued = made.emails as usize;

    let mailer = Arc::new(
        Mailer::new(
            app.state.db.clone(),
            MailSettings::new(smtp.url(), "cadence@shop.example".parse().unwrap()),
            Arc::new(move || due),
        )
        .unwrap(),
    );
    let sending = Instant::now();
    while mailer.round().await.unwrap() > 0 {}
    let sent = sending.elapsed();
    let received = smtp.wait_for(queued);
    assert_eq!(received.len(), queued, "every message once");
    let latency = arrivals_ms(&smtp, started.0, 0);
    println!(
        "notifications: {queued} reminders due at once: made (rendered, signed, logged) in \
         {:.2} s = {:.0}/s; handed to SMTP in {:.2} s = {:.0}/s; due → accepted p50 {:.0} ms, \
         p99 {:.0} ms, max {:.0} ms",
        making.as_secs_f64(),
        queued as f64 / making.as_secs_f64(),
        sent.as_secs_f64(),
        queued as f64 / sent.as_secs_f64(),
        percentile(&latency, 0.5),
        percentile(&latency, 0.99),
        latency.last().unwrap(),
    );

    // Receipts with the server's own background tasks: a change answered, then its receipt
    // made by the planning task and sent by the mailer. A fresh shop (Ada is at her
    // subscription cap above).
    let smtp = SmtpServer::start();
    let app = TestApp::new();
    plan::spawn(
        app.state.db.clone(),
        notifier(),
        clock(),
        Duration::from_secs(3600),
    );
    Mailer::new(
        app.state.db.clone(),
        MailSettings::new(smtp.url(), "cadence@shop.example".parse().unwrap()),
        Arc::new(|| TODAY_SECS),
    )
    .unwrap()
    .spawn();
    let mut latencies = Vec::new();
    for _ in 0..RECEIPTS {
        let before = smtp.received().len();
        let answered = app.subscribe(&fresh_key(), INTENSO_EVERY_2_WEEKS).await;
        assert_eq!(answered.status, axum::http::StatusCode::CREATED);
        let at = wall_clock();
        smtp.wait_for(before + 1);
        let ms = arrivals_ms(&smtp, at, before);
        assert_eq!(ms.len(), 1, "one receipt per subscription");
        latencies.push(ms[0]);
    }
    latencies.sort_by(f64::total_cmp);
    println!(
        "notifications: {RECEIPTS} receipts, change answered → accepted by SMTP: p50 {:.0} ms, \
         p99 {:.0} ms, max {:.0} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().unwrap(),
    );
}
