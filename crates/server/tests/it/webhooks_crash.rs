//! `kill -9` of the real server while it is dispatching webhooks: after a restart on the
//! same database nothing is lost — the receiver (verifying with the Standard Webhooks
//! reference library) has every event, each id once after deduplication, every
//! subscription's events in order. Runs on SQLite, or on PostgreSQL in that test pass.

use crate::common::*;
use crate::server_process;
use crate::webhook_receiver::{distinct_ids, Receiver};
use crate::webhooks_delivery::assert_in_order;
use cadence_server::auth::JwtKeys;
use cadence_server::clock::Clock;
use cadence_server::db::{Db, Location};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

const SECRET: &str = "webhook-crash-secret-webhook-crash!!";
const KEY: &str = "webhook-crash-merchant-key-0123456789";

/// The server, killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(db: &Path, database_url: Option<&str>) -> Server {
        let mut command = server_process::serve(db);
        command
            .env("CADENCE_JWT_SECRET", SECRET)
            .args(["--merchant-key", KEY, "--webhooks-allow-loopback"])
            // A short attempt timeout makes a short lease (3 attempts' length): the
            // deliveries in flight at the kill go again 6 s later, not 30 s.
            .args(["--webhooks-timeout-secs", "2"]);
        if let Some(url) = database_url {
            command.args(["--database-url", url]);
        }
        let mut child = command.spawn().unwrap();
        let addr = server_process::api_address(&mut child);
        Server { child, addr }
    }

    fn kill(&mut self) {
        // SIGKILL: no shutdown, no flush, mid-send.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String, Value) {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).unwrap();
        let mut raw = String::new();
        stream.read_to_string(&mut raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        let etag = head
            .lines()
            .find_map(|l| {
                l.strip_prefix("etag: ")
                    .or_else(|| l.strip_prefix("ETag: "))
            })
            .unwrap_or_default()
            .to_owned();
        (
            status,
            etag,
            serde_json::from_str(body).unwrap_or(Value::Null),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

#[test]
fn a_server_killed_mid_dispatch_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cadence.db");
    let pg = (backend() == Backend::Postgres).then(fresh_pg_schema);
    let receiver = Receiver::start();
    let mut server = Server::start(&db, pg.as_deref());

    let admin = format!("Bearer {KEY}");
    let (status, _, created) = server.call(
        "POST",
        "/api/v1/admin/webhooks/endpoints",
        &[("Authorization", &admin)],
        // The subscriptions' own events: the receipts the server makes of them (events
        // too, `notification.receipt`) come at their own pace and are not counted here.
        &json!({"url": receiver.url("crash"),
                "event_types": ["subscription.created", "subscription.updated"]})
        .to_string(),
    );
    assert_eq!(status, 201, "{created}");
    receiver.secrets("crash", &[created["secret"].as_str().unwrap()]);
    // 100 ms per call: the dispatch is still going when the changes are all in.
    receiver.mode("crash", "slow");

    let token = JwtKeys::new(SECRET.as_bytes()).mint("cust_ada", 3600, Clock::System);
    let bearer = format!("Bearer {token}");
    for i in 0..40 {
        let sub = format!("/api/v1/me/subscriptions/{ADA_SUB}");
        let (_, etag, _) = server.call("GET", &sub, &[("Authorization", &bearer)], "");
        let body = if i % 2 == 0 {
            r#"{"action":"pause"}"#
        } else {
            r#"{"action":"resume"}"#
        };
        let key = fresh_key();
        let (status, _, answer) = server.call(
            "POST",
            &format!("{sub}/changes"),
            &[
                ("Authorization", &bearer),
                ("If-Match", &etag),
                ("Idempotency-Key", &key),
            ],
            body,
        );
        assert_eq!(status, 200, "{answer}");
    }
    for _ in 0..8 {
        let key = fresh_key();
        let (status, _, answer) = server.call(
            "POST",
            "/api/v1/me/subscriptions",
            &[("Authorization", &bearer), ("Idempotency-Key", &key)],
            INTENSO_EVERY_2_WEEKS,
        );
        assert_eq!(status, 201, "{answer}");
    }
    let at_kill = distinct_ids(&receiver.calls("crash"));
    server.kill();
    assert!(
        at_kill < 48,
        "killed mid-dispatch: {at_kill} of 48 had arrived"
    );

    // Restarted on the same database: the rest arrive (the ones in flight at the kill
    // after their lease ran out).
    let _server = Server::start(&db, pg.as_deref());
    let deadline = Instant::now() + Duration::from_secs(60);
    let calls = loop {
        let calls = receiver.calls("crash");
        if distinct_ids(&calls) >= 48 {
            break calls;
        }
        assert!(
            Instant::now() < deadline,
            "{} of 48 after the restart",
            distinct_ids(&calls)
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let location = match &pg {
        Some(url) => Location::Postgres(url.clone()),
        None => Location::Sqlite(db.clone()),
    };
    let (store, _) = Db::connect(&location, 2).unwrap();
    let events: HashSet<String> = store
        .read_blocking(|conn| {
            conn.query_all(
                "SELECT id FROM outbox_events WHERE type LIKE 'subscription.%'",
                [],
                |r| r.get(0),
            )
        })
        .map(|ids: Vec<String>| ids.into_iter().collect())
        .unwrap();
    assert_eq!(events.len(), 48);
    let received: HashSet<String> = calls.iter().map(|c| c.id.clone()).collect();
    assert_eq!(received, events, "every event, none invented");
    assert!(calls.iter().all(|c| c.verified == [0]), "{calls:#?}");
    assert_in_order(&calls);
    println!(
        "webhooks: killed with {at_kill} of 48 events received; after the restart {} calls, \
         {} duplicates removed by id",
        calls.len(),
        calls.len() - 48
    );
}
