//! Webhook delivery end to end, in process: changes made through the API reach a receiver
//! that verifies every call with the Standard Webhooks reference library, in sequence
//! order per subscription, once per id after deduplication; a rotated secret verifies
//! with either secret during the overlap; replay sends the same event again; the dispatcher
//! works through redirects, TLS failures and a narrowed policy without crashing.
//!
//! The dispatcher runs on a clock the test moves (`webhook_harness::TestClock`).

use crate::common::*;
use crate::webhook_harness::*;
use crate::webhook_receiver::{distinct_ids, Received, Receiver};
use axum::http::{Method, StatusCode};
use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

/// Per subscription, the sequences in the order they arrived (duplicates dropped by id).
pub fn streams(calls: &[Received]) -> BTreeMap<String, Vec<u64>> {
    let mut seen = HashSet::new();
    let mut streams: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for call in calls {
        if seen.insert(call.id.clone()) {
            streams
                .entry(call.subscription().to_owned())
                .or_default()
                .push(call.sequence());
        }
    }
    streams
}

/// Every stream's sequences are 1, 2, 3, … in arrival order.
pub fn assert_in_order(calls: &[Received]) {
    for (stream, sequences) in streams(calls) {
        let expected: Vec<u64> = (1..=sequences.len() as u64).collect();
        assert_eq!(sequences, expected, "stream {stream} arrived out of order");
    }
}

const CHANGES: [&str; 8] = [
    r#"{"action":"skip","date":"2026-04-02"}"#,
    r#"{"action":"unskip","date":"2026-04-02"}"#,
    r#"{"action":"pause"}"#,
    r#"{"action":"resume"}"#,
    r#"{"action":"set_quantity","quantity":3}"#,
    r#"{"action":"swap","sku":"CAPS-LUNGO"}"#,
    r#"{"action":"cancel","reason":"too_expensive"}"#,
    r#"{"action":"reactivate"}"#,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_reaches_the_receiver_verified_and_in_order() {
    let app = app();
    let receiver = Receiver::start();
    let (all, secret) = create_endpoint(&app, json!({"url": receiver.url("all")})).await;
    let (created_only, other) = create_endpoint(
        &app,
        json!({"url": receiver.url("created"), "event_types": ["subscription.created"]}),
    )
    .await;
    receiver.secrets("all", &[&secret]);
    receiver.secrets("created", &[&other]);
    let clock = TestClock::at(TODAY_SECS);
    let _dispatcher = dispatch(&app, &clock, settings());

    // A new subscription, then every kind of change to Ada's, and some to the new one.
    let reply = app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let new_sub = reply.json()["id"].as_str().unwrap().to_owned();
    for change in CHANGES {
        let reply = app.change(ADA_SUB, change).await;
        assert_eq!(reply.status, StatusCode::OK, "{change}: {}", reply.text());
    }
    for change in [r#"{"action":"pause"}"#, r#"{"action":"resume"}"#] {
        assert_eq!(app.change(&new_sub, change).await.status, StatusCode::OK);
    }

    let events = outbox_ids(&app);
    assert_eq!(events.len(), 1 + CHANGES.len() + 2);
    let calls = receiver
        .wait_for("all", events.len(), Duration::from_secs(20))
        .await;
    for call in &calls {
        assert_eq!(call.verified, [0], "{call:?}");
        assert_eq!(
            call.event["id"],
            call.id.as_str(),
            "webhook-id is the event id"
        );
    }
    let ids: HashSet<&str> = calls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, events.iter().map(String::as_str).collect());
    assert_in_order(&calls);
    // The changes, named, in the order they were made.
    let ada: Vec<&str> = calls
        .iter()
        .filter(|c| c.subscription() == ADA_SUB)
        .map(Received::action)
        .collect();
    assert_eq!(
        ada,
        [
            "skip",
            "unskip",
            "pause",
            "resume",
            "set_quantity",
            "swap",
            "cancel",
            "reactivate"
        ]
    );
    let cancel = calls.iter().find(|c| c.action() == "cancel").unwrap();
    assert_eq!(cancel.event["data"]["change"]["reason"], "too_expensive");
    assert_eq!(cancel.event["data"]["customer_id"], "cust_ada");
    assert_eq!(cancel.event_type(), "subscription.updated");

    // The filtered endpoint got the one subscription.created and nothing else.
    let created = receiver
        .wait_for("created", 1, Duration::from_secs(10))
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let created_calls = receiver.calls("created");
    assert_eq!(created_calls.len(), 1, "{created:?}");
    assert_eq!(created_calls[0].event_type(), "subscription.created");
    assert_eq!(created_calls[0].subscription(), new_sub);
    assert_eq!(created_calls[0].verified, [0]);
    assert_eq!(deliveries(&app, &created_only).await.len(), 1);

    // The delivery log: each delivered at its first attempt, status and latency kept.
    let log = deliveries(&app, &all).await;
    assert_eq!(log.len(), events.len());
    for delivery in &log {
        assert_eq!(delivery["state"], "delivered", "{delivery}");
        assert!(delivery.get("next_attempt_at").is_none());
        assert_eq!(delivery["attempts"].as_array().unwrap().len(), 1);
        assert_eq!(delivery["attempts"][0]["status"], 204);
        assert!(delivery["attempts"][0]["latency_ms"].is_u64());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_secret_verifies_with_either_during_the_overlap() {
    let app = app();
    let receiver = Receiver::start();
    let (id, old) = create_endpoint(&app, json!({"url": receiver.url("r")})).await;
    let rotated = admin(
        &app,
        Method::POST,
        &format!("/webhooks/endpoints/{id}/rotate-secret"),
        Some(json!({})),
    )
    .await
    .json();
    let new = rotated["secret"].as_str().unwrap().to_owned();
    // The receiver tries each secret on its own: [0] old, [1] new.
    receiver.secrets("r", &[&old, &new]);
    let clock = TestClock::at(TODAY_SECS);
    let _dispatcher = dispatch(&app, &clock, settings());

    app.change(ADA_SUB, CHANGES[0]).await;
    let calls = receiver.wait_for("r", 1, Duration::from_secs(10)).await;
    assert_eq!(calls[0].signatures, 2, "both signatures during the overlap");
    assert_eq!(calls[0].verified, [0, 1], "{:?}", calls[0]);

    // A day and a second later (the default overlap is 24 h): the new secret alone.
    clock.advance(DAY + 1);
    app.change(ADA_SUB, CHANGES[1]).await;
    let calls = receiver.wait_for("r", 2, Duration::from_secs(10)).await;
    assert_eq!(calls[1].signatures, 1);
    assert_eq!(calls[1].verified, [1], "{:?}", calls[1]);
    assert!(calls[1].errors[0].contains("No matching signature"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_sends_the_same_events_again() {
    let app = app();
    let receiver = Receiver::start();
    let (id, secret) = create_endpoint(
        &app,
        json!({"url": receiver.url("p"), "event_types": ["subscription.updated"]}),
    )
    .await;
    receiver.secrets("p", &[&secret]);
    let clock = TestClock::at(TODAY_SECS);
    let _dispatcher = dispatch(&app, &clock, settings());
    app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS).await;
    for change in &CHANGES[..3] {
        app.change(ADA_SUB, change).await;
    }
    let first = receiver.wait_for("p", 3, Duration::from_secs(10)).await;
    assert_eq!(first.len(), 3, "the filter left subscription.created out");

    // One event by id.
    let path = format!("/webhooks/endpoints/{id}/replay");
    let one = admin(
        &app,
        Method::POST,
        &path,
        Some(json!({"event_id": first[1].id})),
    )
    .await;
    assert_eq!(one.status, StatusCode::ACCEPTED, "{}", one.text());
    assert_eq!(one.json()["queued"], 1);
    let calls = receiver.wait_for_calls("p", 4).await;
    assert_eq!(calls[3].id, first[1].id, "the same event id");
    assert_eq!(calls[3].event, first[1].event, "the same body");
    assert_eq!(calls[3].verified, [0]);

    // A time range: the events the filter takes (3 updates, not the creation).
    let range = admin(
        &app,
        Method::POST,
        &path,
        Some(json!({"since": "2026-03-15T00:00:00Z", "until": "2026-03-16T00:00:00Z"})),
    )
    .await;
    assert_eq!(range.json()["queued"], 3);
    let calls = receiver.wait_for_calls("p", 7).await;
    assert_eq!(
        distinct_ids(&calls),
        3,
        "after deduplication, each event once"
    );
    // The replayed range arrives in each subscription's order again.
    let replayed: Vec<u64> = calls[4..].iter().map(Received::sequence).collect();
    let mut sorted = replayed.clone();
    sorted.sort_unstable();
    assert_eq!(replayed, sorted);
    let log = deliveries(&app, &id).await;
    assert_eq!(log.iter().filter(|d| d["replay"] == true).count(), 4);
    // An empty range queues nothing.
    let none = admin(
        &app,
        Method::POST,
        &path,
        Some(json!({"since": "2025-01-01T00:00:00Z", "until": "2025-01-02T00:00:00Z"})),
    )
    .await;
    assert_eq!(none.json()["queued"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_logged_with_their_reasons() {
    let app = app();
    let receiver = Receiver::start();
    // A plain HTTP server spoken to in TLS; a redirect; a host this dispatcher may not
    // reach (its policy is narrower than the one the endpoint was saved under).
    let (tls, _) = create_endpoint(
        &app,
        json!({"url": format!("https://127.0.0.1:{}/hook/tls", receiver.port())}),
    )
    .await;
    let (redirect, _) = create_endpoint(&app, json!({"url": receiver.url("moved")})).await;
    receiver.mode("moved", "redirect");
    let clock = TestClock::at(TODAY_SECS);
    let _dispatcher = dispatch(&app, &clock, settings());
    app.change(ADA_SUB, CHANGES[0]).await;

    let tls_log = wait_attempted(&app, &tls).await;
    let error = tls_log["attempts"][0]["error"].as_str().unwrap();
    assert!(error.starts_with("TLS handshake failed"), "{error}");
    assert!(tls_log["attempts"][0].get("status").is_none());
    assert_eq!(tls_log["state"], "pending", "retried later");
    let at = tls_log["next_attempt_at"].as_str().unwrap();
    assert!(
        ("2026-03-15T00:00:01Z"..="2026-03-15T00:00:05Z").contains(&at),
        "the first retry within 5 s: {at}"
    );

    let moved = wait_attempted(&app, &redirect).await;
    assert_eq!(moved["attempts"][0]["status"], 307);
    let error = moved["attempts"][0]["error"].as_str().unwrap();
    assert!(error.contains("redirects are not followed"), "{error}");
    assert!(
        receiver.calls("elsewhere").is_empty(),
        "the redirect was not followed"
    );
    drop(_dispatcher);

    // The operator takes loopback away: the next attempts are refused before connecting.
    let strict = cadence_server::webhooks::Settings {
        policy: cadence_webhooks::Policy::default(),
        ..settings()
    };
    let _dispatcher = dispatch(&app, &clock, strict);
    clock.advance(HOUR);
    let log = loop {
        let log = deliveries(&app, &redirect).await;
        if log[0]["attempts"].as_array().unwrap().len() > 1 {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let error = log[0]["attempts"][1]["error"].as_str().unwrap();
    assert!(error.starts_with("refused:"), "{error}");
}

/// Three dispatchers on one database (as three server processes would run): every event
/// arrives once, each delivery was attempted once — no two claims took the same delivery.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_dispatchers_never_send_one_delivery_twice() {
    let app = app();
    let receiver = Receiver::start();
    let (id, secret) = create_endpoint(&app, json!({"url": receiver.url("many")})).await;
    receiver.secrets("many", &[&secret]);
    app.state
        .db
        .write_blocking(|conn| {
            for i in 0..120 {
                let stream = format!("sub_many_{}", i % 12);
                let data = json!({"subscription": {"id": stream}, "n": i});
                cadence_server::outbox::enqueue(
                    conn,
                    cadence_webhooks::EventType::SubscriptionUpdated,
                    &stream,
                    TODAY_SECS,
                    &data,
                )?;
            }
            Ok::<_, cadence_server::db::StoreError>(())
        })
        .unwrap();
    let clock = TestClock::at(TODAY_SECS);
    let _dispatchers: Vec<_> = (0..3).map(|_| dispatch(&app, &clock, settings())).collect();
    let calls = receiver
        .wait_for("many", 120, Duration::from_secs(30))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let calls_now = receiver.calls("many");
    assert_eq!(calls_now.len(), 120, "each event once: {}", calls.len());
    assert_in_order(&calls_now);
    let conn = app.state.db.conn().unwrap();
    let (deliveries, attempts): (i64, i64) = conn
        .query_row(
            "SELECT count(*), CAST(coalesce(sum(attempts), 0) AS BIGINT) FROM webhook_deliveries
             WHERE endpoint_id = ?1 AND state = 'delivered'",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((deliveries, attempts), (120, 120));
}

/// Settled deliveries leave the log after 30 days; pending ones stay (they are owed), and
/// the events stay in the outbox, so a replay can still send them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_delivery_log_keeps_settled_deliveries_for_30_days() {
    let app = app();
    let receiver = Receiver::start();
    let (ok, secret) = create_endpoint(&app, json!({"url": receiver.url("kept")})).await;
    let (down, _) = create_endpoint(&app, json!({"url": receiver.url("owed")})).await;
    receiver.secrets("kept", &[&secret]);
    receiver.mode("owed", "down");
    let clock = TestClock::at(TODAY_SECS);
    let running = dispatch(&app, &clock, settings());
    app.change(ADA_SUB, CHANGES[0]).await;
    receiver.wait_for("kept", 1, Duration::from_secs(10)).await;
    wait_attempted(&app, &down).await;
    drop(running);

    let dispatcher = |at: i64| {
        cadence_server::webhooks::Dispatcher::new(
            app.state.db.clone(),
            settings(),
            std::sync::Arc::new(move || at),
        )
    };
    dispatcher(TODAY_SECS + 29 * DAY).prune_log().await;
    assert_eq!(deliveries(&app, &ok).await.len(), 1, "kept for 30 days");
    dispatcher(TODAY_SECS + 31 * DAY).prune_log().await;
    assert!(deliveries(&app, &ok).await.is_empty());
    assert_eq!(
        app.count("webhook_attempts"),
        1,
        "the owed delivery's attempt stays"
    );
    let owed = deliveries(&app, &down).await;
    assert_eq!((owed.len(), &owed[0]["state"]), (1, &json!("pending")));
    // The event can still be sent again.
    let event = outbox_ids(&app).remove(0);
    let replay = admin(
        &app,
        Method::POST,
        &format!("/webhooks/endpoints/{ok}/replay"),
        Some(json!({ "event_id": event })),
    )
    .await;
    assert_eq!(replay.status, StatusCode::ACCEPTED);
}
