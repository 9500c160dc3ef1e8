//! What the webhook tests share: an app whose endpoints may be on loopback, the admin
//! calls that manage endpoints, and a dispatcher on a clock the test drives.
#![allow(dead_code)] // Each test module uses its own subset.

use crate::common::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use cadence_server::limits::Limits;
use cadence_server::webhooks::{Dispatcher, Settings};
use cadence_webhooks::Policy;
use serde_json::Value;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub const HOUR: i64 = 3600;
pub const DAY: i64 = 24 * HOUR;

/// The demo's and tests' policy: loopback over plain http allowed.
pub const LOOPBACK: Policy = Policy {
    allow_insecure_loopback: true,
    allow_private: false,
    allow_link_local: false,
};

/// A seeded app whose webhook endpoints may be on loopback.
pub fn app() -> TestApp {
    let mut app = TestApp::new();
    app.state.limits = Arc::new(Limits {
        webhook_policy: LOOPBACK,
        ..Limits::default()
    });
    app
}

/// An admin API call with the merchant key.
pub async fn admin(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Reply {
    let mut request = Request::builder()
        .method(method)
        .uri(format!("/api/v1/admin{path}"))
        .header(header::AUTHORIZATION, format!("Bearer {MERCHANT_KEY}"));
    let body = match body {
        Some(json) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    app.send(request.body(body).unwrap()).await
}

/// Creates an endpoint; its id and secret.
pub async fn create_endpoint(app: &TestApp, body: Value) -> (String, String) {
    let reply = admin(app, Method::POST, "/webhooks/endpoints", Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let created = reply.json();
    (
        created["endpoint"]["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    )
}

/// The endpoint's delivery log (first page, newest first).
pub async fn deliveries(app: &TestApp, endpoint: &str) -> Vec<Value> {
    let reply = admin(
        app,
        Method::GET,
        &format!("/webhooks/endpoints/{endpoint}/deliveries?limit=100"),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()["deliveries"].as_array().unwrap().clone()
}

pub async fn endpoint(app: &TestApp, id: &str) -> Value {
    let reply = admin(app, Method::GET, &format!("/webhooks/endpoints/{id}"), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()
}

/// The server's clock as the dispatcher reads it, moved by the test.
#[derive(Clone)]
pub struct TestClock(Arc<AtomicI64>);

impl TestClock {
    pub fn at(secs: i64) -> Self {
        TestClock(Arc::new(AtomicI64::new(secs)))
    }
    pub fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

/// The tests' settings: loopback allowed, a quick poll (clock moves are seen at once).
pub fn settings() -> Settings {
    Settings {
        poll: Duration::from_millis(10),
        ..Settings::new(LOOPBACK, Duration::from_secs(10))
    }
}

/// A running dispatcher, stopped when dropped.
pub struct Running(tokio::task::JoinHandle<()>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub fn dispatch(app: &TestApp, clock: &TestClock, settings: Settings) -> Running {
    let clock = clock.clone();
    Running(
        Dispatcher::new(
            app.state.db.clone(),
            settings,
            Arc::new(move || clock.now()),
        )
        .spawn(),
    )
}

/// A dispatcher on the app's own clock (a movable one moves it too), as `serve` runs it.
pub fn dispatch_on_app_clock(app: &TestApp) -> Running {
    Running(Dispatcher::on_clock(app.state.db.clone(), settings(), app.state.clock).spawn())
}

/// The ids of every event in the outbox, in the order written.
pub fn outbox_ids(app: &TestApp) -> Vec<String> {
    let conn = app.state.db.conn().unwrap();
    conn.query_all("SELECT id FROM outbox_events ORDER BY position", [], |r| {
        r.get(0)
    })
    .unwrap()
}

/// Moves the dispatcher's clock `total` seconds ahead in `step`s, letting it work after
/// each (what it is due to do at each moment, it does then).
pub async fn drive(clock: &TestClock, total: i64, step: i64) {
    let mut moved = 0;
    while moved < total {
        let by = step.min(total - moved);
        clock.advance(by);
        moved += by;
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

/// The oldest delivery of `endpoint` once it has an attempt.
pub async fn wait_attempted(app: &TestApp, endpoint: &str) -> Value {
    for _ in 0..500 {
        let log = deliveries(app, endpoint).await;
        if let Some(first) = log.last() {
            if !first["attempts"].as_array().unwrap().is_empty() {
                return first.clone();
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no attempt to {endpoint} within 10 s");
}
