//! The dispatcher's figures, printed (`--nocapture`): events per second to a local
//! receiver, and the latency from a change's answer to its webhook's arrival (p50/p99).
//!
//! The receiver here is a minimal Rust HTTP server that answers 204 and notes when each
//! call arrived: what is measured is the dispatcher, not a Python receiver's speed (the
//! signatures are checked by the reference library in the other webhook tests).

use crate::common::*;
use crate::webhook_harness::*;
use cadence_server::outbox;
use cadence_server::webhooks::Settings;
use cadence_webhooks::EventType;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::json;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// When each event id first arrived.
type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

async fn fast_receiver() -> (String, Arrivals) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let arrivals = Arrivals::default();
    let seen = arrivals.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let seen = seen.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let at = Instant::now();
                    if let Some(id) = request.headers().get("webhook-id") {
                        let id = id.to_str().unwrap_or_default().to_owned();
                        seen.lock().unwrap().entry(id).or_insert(at);
                    }
                    async {
                        Ok::<_, Infallible>(
                            hyper::Response::builder()
                                .status(204)
                                .body(String::new())
                                .unwrap(),
                        )
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (url, arrivals)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispatcher_figures() {
    let app = app();
    let (url, arrivals) = fast_receiver().await;
    create_endpoint(&app, json!({"url": url})).await;

    // Throughput: 2,000 events over 200 subscriptions, all due at once.
    const EVENTS: usize = 2_000;
    const STREAMS: usize = 200;
    app.state
        .db
        .write_blocking(|conn| {
            for i in 0..EVENTS {
                let stream = format!("sub_figure_{}", i % STREAMS);
                let data = json!({"subscription": {"id": stream}, "n": i});
                outbox::enqueue(
                    conn,
                    EventType::SubscriptionUpdated,
                    &stream,
                    TODAY_SECS,
                    &data,
                )?;
            }
            Ok::<_, cadence_server::db::StoreError>(())
        })
        .unwrap();
    let clock = TestClock::at(TODAY_SECS);
    let started = Instant::now();
    let dispatcher = dispatch(&app, &clock, settings());
    let deadline = started + Duration::from_secs(120);
    while arrivals.lock().unwrap().len() < EVENTS {
        assert!(
            Instant::now() < deadline,
            "{} of {EVENTS}",
            arrivals.lock().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let took = started.elapsed();
    println!(
        "webhooks ({:?}): {EVENTS} events over {STREAMS} subscriptions to one local endpoint \
         (4 in flight) in {:.2} s: {:.0} events/s",
        backend(),
        took.as_secs_f64(),
        EVENTS as f64 / took.as_secs_f64()
    );
    drop(dispatcher);

    // Latency: one change at a time through the API, from just before the request to the
    // webhook's arrival.
    arrivals.lock().unwrap().clear();
    let _dispatcher = dispatch(
        &app,
        &clock,
        Settings::new(LOOPBACK, Duration::from_secs(10)),
    );
    let mut latencies = Vec::new();
    for i in 0..200 {
        let body = if i % 2 == 0 {
            r#"{"action":"pause"}"#
        } else {
            r#"{"action":"resume"}"#
        };
        let (_, etag) = app.subscription(ADA_SUB).await;
        let sent = Instant::now();
        let reply = app
            .change_with(ADA_SUB, Some(&etag), &fresh_key(), body)
            .await;
        assert_eq!(reply.status, axum::http::StatusCode::OK, "{}", reply.text());
        let deadline = sent + Duration::from_secs(10);
        let arrived = loop {
            // One event per change, each new: the latest arrival is this change's.
            let latest = {
                let seen = arrivals.lock().unwrap();
                (seen.len() > i)
                    .then(|| seen.values().max().copied())
                    .flatten()
            };
            if let Some(at) = latest {
                break at;
            }
            assert!(Instant::now() < deadline, "change {i} never arrived");
            tokio::time::sleep(Duration::from_micros(500)).await;
        };
        latencies.push(arrived.duration_since(sent));
    }
    latencies.sort_unstable();
    let (p50, p99) = (percentile(&latencies, 0.50), percentile(&latencies, 0.99));
    println!(
        "webhooks ({:?}): change-to-webhook latency over 200 changes: p50 {:.1} ms, p99 {:.1} ms \
         (the serve settings: 250 ms poll, woken by each change)",
        backend(),
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
    assert!(p99 < Duration::from_secs(2), "p99 {p99:?}");
}
