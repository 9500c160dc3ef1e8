//! Receivers that fail: one down for two days of the server's clock gets everything
//! afterwards, in order per subscription; one that hangs does not delay another endpoint;
//! one that keeps failing for five days, or answers 410 Gone, is disabled and says why.

use crate::common::*;
use crate::webhook_harness::*;
use crate::webhook_receiver::Receiver;
use crate::webhooks_delivery::assert_in_order;
use axum::http::{Method, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};

/// Subscribes Ada `n` more times (one `subscription.created` each, each its own stream).
async fn subscribe_many(app: &TestApp, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for _ in 0..n {
        let reply = app.subscribe(&fresh_key(), INTENSO_EVERY_2_WEEKS).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        ids.push(reply.json()["id"].as_str().unwrap().to_owned());
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_down_for_two_days_gets_everything_afterwards_in_order() {
    let app = app();
    let receiver = Receiver::start();
    let (id, secret) = create_endpoint(&app, json!({"url": receiver.url("d")})).await;
    receiver.secrets("d", &[&secret]);
    receiver.mode("d", "down");
    let clock = TestClock::at(TODAY_SECS);
    let _dispatcher = dispatch(&app, &clock, settings());

    let subs = subscribe_many(&app, 2).await;
    for change in [
        r#"{"action":"pause"}"#,
        r#"{"action":"resume"}"#,
        r#"{"action":"set_quantity","quantity":2}"#,
    ] {
        for sub in subs.iter().chain([&ADA_SUB.to_owned()]) {
            assert_eq!(app.change(sub, change).await.status, StatusCode::OK);
        }
    }
    let events = outbox_ids(&app);
    assert_eq!(events.len(), 2 + 3 * 3);
    // The first attempt fails at once, before the clock moves.
    wait_attempted(&app, &id).await;

    // Two days of the server's clock in 20-minute steps: every retry that falls due fails.
    drive(&clock, 2 * DAY, 20 * 60).await;
    let log = deliveries(&app, &id).await;
    let heads: Vec<_> = log
        .iter()
        .filter(|d| !d["attempts"].as_array().unwrap().is_empty())
        .collect();
    // Only each subscription's first event was tried: the rest wait behind it.
    assert_eq!(heads.len(), 3, "{log:#?}");
    for head in &heads {
        assert_eq!(head["state"], "pending");
        assert!(head["attempts"].as_array().unwrap().len() >= 5, "{head}");
        assert_eq!(head["attempts"][0]["status"], 503);
    }
    let endpoint_now = endpoint(&app, &id).await;
    assert_eq!(
        endpoint_now["enabled"], true,
        "two days is no reason to disable"
    );
    assert_eq!(endpoint_now["failing_since"], "2026-03-15T00:00:00Z");
    assert!(receiver.calls("d").is_empty());

    // Back up. Retries come at most 10 h apart at this point of the schedule.
    receiver.mode("d", "ok");
    drive(&clock, 11 * HOUR, HOUR).await;
    let calls = receiver
        .wait_for("d", events.len(), Duration::from_secs(20))
        .await;
    assert!(calls.iter().all(|c| c.verified == [0]), "{calls:#?}");
    assert_in_order(&calls);
    let log = deliveries(&app, &id).await;
    assert!(log.iter().all(|d| d["state"] == "delivered"), "{log:#?}");
    let endpoint_now = endpoint(&app, &id).await;
    assert!(
        endpoint_now.get("failing_since").is_none(),
        "a success ends the streak"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_receiver_does_not_delay_another_endpoint() {
    let app = app();
    let receiver = Receiver::start();
    let (hung, hung_secret) = create_endpoint(&app, json!({"url": receiver.url("hang")})).await;
    let (_, secret) = create_endpoint(&app, json!({"url": receiver.url("fast")})).await;
    receiver.secrets("hang", &[&hung_secret]);
    receiver.secrets("fast", &[&secret]);
    receiver.mode("hang", "hang");
    let clock = TestClock::at(TODAY_SECS);
    let _dispatcher = dispatch(&app, &clock, settings());

    // Six subscriptions: more than the hung endpoint's four attempts in flight.
    let started = Instant::now();
    subscribe_many(&app, 6).await;
    let calls = receiver.wait_for("fast", 6, Duration::from_secs(2)).await;
    let took = started.elapsed();
    assert!(calls.iter().all(|c| c.verified == [0]));
    println!("webhooks: the other endpoint had all 6 events {took:?} after the first change, beside a hung one");
    assert!(took < Duration::from_secs(2), "{took:?}");

    // The hung endpoint's attempts end at the 10 s timeout, and are retried later.
    let deadline = Instant::now() + Duration::from_secs(20);
    let timed_out = loop {
        let log = deliveries(&app, &hung).await;
        let attempts: Vec<_> = log
            .iter()
            .flat_map(|d| d["attempts"].as_array().unwrap().clone())
            .collect();
        if attempts.len() >= 4 {
            break attempts;
        }
        assert!(Instant::now() < deadline, "{log:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for attempt in &timed_out {
        assert_eq!(attempt["error"], "no answer within 10 s", "{attempt}");
        let ms = attempt["latency_ms"].as_u64().unwrap();
        assert!((9_900..13_000).contains(&ms), "{ms} ms");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_failing_for_five_days_is_disabled_and_says_so() {
    let app = app();
    let receiver = Receiver::start();
    let (id, _) = create_endpoint(&app, json!({"url": receiver.url("dead")})).await;
    receiver.mode("dead", "down");
    let clock = TestClock::at(TODAY_SECS);
    let _dispatcher = dispatch(&app, &clock, settings());
    app.change(ADA_SUB, r#"{"action":"pause"}"#).await;
    app.change(ADA_SUB, r#"{"action":"resume"}"#).await;
    wait_attempted(&app, &id).await;

    // Three days: the first event is given up (its successor then gets its own days).
    drive(&clock, 3 * DAY + HOUR, 2 * HOUR).await;
    let log = deliveries(&app, &id).await;
    let first = log.last().unwrap();
    assert_eq!(first["state"], "failed", "{first}");
    let tries = first["attempts"].as_array().unwrap();
    let last = tries.last().unwrap()["attempted_at"].as_str().unwrap();
    assert!(
        last >= "2026-03-18T00:00:00Z",
        "tried for three days: {last}"
    );
    assert_eq!(endpoint(&app, &id).await["enabled"], true);

    // Five days of failures: disabled, with the reason on the endpoint. (The attempt that
    // finds the streak 5 days long comes up to 10 h after the mark: retries are that far
    // apart by now.)
    drive(&clock, 2 * DAY + 12 * HOUR, 2 * HOUR).await;
    let disabled = endpoint(&app, &id).await;
    assert_eq!(disabled["enabled"], false, "{disabled}");
    let reason = disabled["disabled_reason"].as_str().unwrap();
    assert!(
        reason.contains("every delivery attempt has failed since 2026-03-15T00:00:00Z"),
        "{reason}"
    );
    // Nothing more is queued for it, and nothing more is attempted.
    let attempts = |log: &[serde_json::Value]| -> usize {
        log.iter()
            .map(|d| d["attempts"].as_array().unwrap().len())
            .sum()
    };
    let before = attempts(&deliveries(&app, &id).await);
    app.change(ADA_SUB, r#"{"action":"pause"}"#).await;
    drive(&clock, DAY, 2 * HOUR).await;
    let log = deliveries(&app, &id).await;
    assert_eq!(log.len(), 2, "no delivery queued while disabled");
    assert_eq!(attempts(&log), before, "no attempt while disabled");

    // Enabled again: the streak and the reason are cleared; the waiting event goes.
    let secret_of = |app: &TestApp| -> String {
        app.state
            .db
            .conn()
            .unwrap()
            .query_row(
                "SELECT secret FROM webhook_endpoints WHERE id = ?1",
                [&id],
                |r| r.get(0),
            )
            .unwrap()
    };
    receiver.secrets("dead", &[&secret_of(&app)]);
    receiver.mode("dead", "ok");
    let enabled = admin(
        &app,
        Method::PATCH,
        &format!("/webhooks/endpoints/{id}"),
        Some(json!({"enabled": true})),
    )
    .await
    .json();
    assert!(enabled.get("disabled_reason").is_none() && enabled.get("failing_since").is_none());
    let calls = receiver.wait_for("dead", 1, Duration::from_secs(10)).await;
    assert_eq!(calls[0].action(), "resume");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_410_gone_disables_the_endpoint_at_once() {
    let app = app();
    let receiver = Receiver::start();
    let (id, _) = create_endpoint(&app, json!({"url": receiver.url("g")})).await;
    receiver.mode("g", "gone");
    let clock = TestClock::at(TODAY_SECS);
    let _dispatcher = dispatch(&app, &clock, settings());
    app.change(ADA_SUB, r#"{"action":"pause"}"#).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let disabled = loop {
        let now = endpoint(&app, &id).await;
        if now["enabled"] == false {
            break now;
        }
        assert!(Instant::now() < deadline, "{now}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(disabled["disabled_reason"]
        .as_str()
        .unwrap()
        .contains("410 Gone"));
    let log = deliveries(&app, &id).await;
    assert_eq!(log[0]["state"], "failed");
    assert_eq!(log[0]["attempts"][0]["status"], 410);
}
