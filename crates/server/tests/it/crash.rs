//! Crash safety: stream acknowledged changes to the real server binary, SIGKILL it
//! mid-stream, restart it on the same file, and check that every acknowledged change is
//! there and none is half-applied.

use crate::server_process;
use cadence_server::auth::JwtKeys;
use cadence_server::clock::Clock;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "crash-test-secret-crash-test-secret!";
const SUB: &str = "sub_demo_ada_intenso";

/// Starts `cadence-server serve` on a free port; returns the child and `host:port`.
fn start(db: &Path) -> (Child, String) {
    let mut child = server_process::serve(db)
        .env("CADENCE_JWT_SECRET", SECRET)
        .spawn()
        .unwrap();
    let addr = server_process::api_address(&mut child);
    (child, addr)
}

struct Reply {
    status: u16,
    etag: Option<String>,
    body: String,
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`, so the body ends at EOF).
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes())?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw)?;
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("truncated response"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let etag = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("etag")
            .then(|| value.trim().to_owned())
    });
    Ok(Reply {
        status,
        etag,
        body: body.to_owned(),
    })
}

/// An acknowledged change: its key, body, and the version it produced.
struct Ack {
    key: String,
    body: String,
    version: u64,
    response: String,
}

#[test]
fn acknowledged_changes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cadence.db");
    let token = JwtKeys::new(SECRET.as_bytes()).mint("cust_ada", 3600, Clock::System);
    let auth = format!("Bearer {token}");
    let path = format!("/api/v1/me/subscriptions/{SUB}/changes");
    let (mut child, addr) = start(&db);

    let acks = Arc::new(Mutex::new(Vec::<Ack>::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (acks, count, stop, addr, auth, path) = (
            acks.clone(),
            count.clone(),
            stop.clone(),
            addr.clone(),
            auth.clone(),
            path.clone(),
        );
        std::thread::spawn(move || {
            let sub = http(
                &addr,
                "GET",
                &format!("/api/v1/me/subscriptions/{SUB}"),
                &[("Authorization", &auth)],
                "",
            )
            .unwrap();
            let mut etag = sub.etag.unwrap();
            for n in 0.. {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let key = uuid::Uuid::new_v4().to_string();
                let body = format!(r#"{{"action":"set_quantity","quantity":{}}}"#, n % 20 + 1);
                let headers = [
                    ("Authorization", auth.as_str()),
                    ("Content-Type", "application/json"),
                    ("Idempotency-Key", key.as_str()),
                    ("If-Match", etag.as_str()),
                ];
                // Once the server is killed, requests fail: those were never acknowledged.
                let Ok(reply) = http(&addr, "POST", &path, &headers, &body) else {
                    break;
                };
                if reply.status != 200 {
                    break;
                }
                etag = reply.etag.unwrap();
                let version: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
                acks.lock().unwrap().push(Ack {
                    key,
                    body,
                    version: version["version"].as_u64().unwrap(),
                    response: reply.body,
                });
                count.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while count.load(Ordering::SeqCst) < 25 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL: no graceful shutdown, possibly mid-transaction.
    child.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    let acks = acks.lock().unwrap();
    assert!(acks.len() >= 25, "only {} changes acknowledged", acks.len());

    // Restart on the same file: it opens, does not reseed, and answers from the file.
    let (mut child, addr) = start(&db);
    let sub = http(
        &addr,
        "GET",
        &format!("/api/v1/me/subscriptions/{SUB}"),
        &[("Authorization", &auth)],
        "",
    )
    .unwrap();
    let sub: serde_json::Value = serde_json::from_str(&sub.body).unwrap();
    let version = sub["version"].as_u64().unwrap();
    let last = acks.last().unwrap();
    // At most one unacknowledged change (the one in flight) may have committed.
    assert!(
        version == last.version || version == last.version + 1,
        "{version} vs {}",
        last.version
    );
    // Every acknowledged change replays its stored answer.
    for ack in acks.iter().rev().take(3) {
        let headers = [
            ("Authorization", auth.as_str()),
            ("Content-Type", "application/json"),
            ("Idempotency-Key", ack.key.as_str()),
            ("If-Match", "\"stale\""),
        ];
        let replay = http(&addr, "POST", &path, &headers, &ack.body).unwrap();
        assert_eq!((replay.status, &replay.body), (200, &ack.response));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let conn = rusqlite::Connection::open(&db).unwrap();
    let one = |sql: &str| -> String {
        conn.query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0))
            .map(|v| match v {
                rusqlite::types::Value::Text(t) => t,
                other => format!("{other:?}"),
            })
            .unwrap()
    };
    assert_eq!(one("PRAGMA integrity_check"), "ok");
    let audit: i64 = conn
        .query_row(
            "SELECT count(*) FROM subscription_changes WHERE subscription_id = ?1",
            [SUB],
            |r| r.get(0),
        )
        .unwrap();
    let keys: i64 = conn
        .query_row("SELECT count(*) FROM idempotency_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        audit as u64, version,
        "one audit row per version (the first is the creation)"
    );
    assert_eq!(keys as u64, version - 1, "one stored response per change");
    for ack in acks.iter() {
        let after: String = conn
            .query_row(
                "SELECT after_json FROM subscription_changes WHERE subscription_id = ?1
                 ORDER BY id LIMIT 1 OFFSET ?2",
                rusqlite::params![SUB, ack.version as i64 - 1],
                |r| r.get(0),
            )
            .unwrap();
        let after: serde_json::Value = serde_json::from_str(&after).unwrap();
        let sent: serde_json::Value = serde_json::from_str(&ack.body).unwrap();
        assert_eq!(
            after["quantity"], sent["quantity"],
            "change to v{}",
            ack.version
        );
    }
}
