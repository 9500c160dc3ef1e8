//! The hostile-traffic suite: a real `cadence-server` process attacked from some loopback
//! addresses (127.0.0.2 and up: Linux routes all of 127/8 to the loopback interface) while
//! a normal client on 127.0.0.1 keeps asking for a product page. Each attack must leave
//! the normal client served; the figures (requests per second and p99 of the normal client
//! with and without each attack, in one run) are printed and written to
//! `target/bench/hostile.txt`.
//!
//! Its own test binary with one test, not a module of `tests/it`: cargo runs test binaries
//! one after another but the tests of one binary on parallel threads, and these figures and
//! latency bounds are only fair while no other test competes for the two cores.

#[path = "it/server_process.rs"]
mod server_process;

use cadence_server::auth::JwtKeys;
use cadence_server::clock::Clock;
use cadence_server::db::Db;
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const SECRET: &str = "hostile-suite-secret-0123456789abcdef";
const MERCHANT_KEY: &str = "hostile-suite-merchant-key-0123456789";
const SHOP: &str = "http://shop.test";
const PRODUCT: &str = "/api/v1/products/CAPS-INTENSO";
/// Connections one address may hold in this run (the default is 128).
const PER_CLIENT: usize = 64;
/// Subscriptions one customer may hold in this run (the default is 100).
const MAX_SUBSCRIPTIONS: usize = 100;

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(db: &Path) -> Server {
    let mut child = server_process::serve(db)
        .arg(format!("--allow-origin={SHOP}"))
        .arg(format!("--max-connections-per-client={PER_CLIENT}"))
        .arg(format!(
            "--max-subscriptions-per-customer={MAX_SUBSCRIPTIONS}"
        ))
        .args(["--header-timeout-secs=3", "--request-timeout-secs=2"])
        .env("CADENCE_JWT_SECRET", SECRET)
        .env("CADENCE_MERCHANT_KEY", MERCHANT_KEY)
        .spawn()
        .unwrap();
    let addr = server_process::api_address(&mut child).parse().unwrap();
    Server { child, addr }
}

/// A connection to the server from the loopback address `from`.
async fn connect(from: &str, to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(from.parse::<IpAddr>().unwrap(), 0))?;
    socket.connect(to).await
}

/// One request on a fresh connection; the status and body of the answer.
async fn request(
    from: &str,
    to: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String)> {
    let mut stream = connect(from, to).await?;
    let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: {to}\r\nConnection: close\r\n");
    for (name, value) in headers {
        let _ = write!(raw, "{name}: {value}\r\n");
    }
    let _ = write!(raw, "Content-Length: {}\r\n\r\n{body}", body.len());
    stream.write_all(raw.as_bytes()).await?;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .map_err(|_| std::io::Error::other("no answer in 10 s"))??;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status in {text:?}")))?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned());
    Ok((status, body.unwrap_or_default()))
}

/// What the normal client saw over one phase.
struct Served {
    ok: usize,
    failed: usize,
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

/// The normal clients: `count` product-page requests, one after another, from sixteen
/// addresses in turn (127.0.1.1–16: sixteen shoppers, each well under its own rate limit
/// while together they ask as fast as the server answers).
async fn normal_client(to: SocketAddr, count: usize) -> Served {
    let started = Instant::now();
    let mut times = Vec::with_capacity(count);
    let mut failed = 0;
    for i in 0..count {
        let from = format!("127.0.1.{}", i % 16 + 1);
        let t = Instant::now();
        match request(&from, to, "GET", PRODUCT, &[], "").await {
            Ok((200, _)) => times.push(t.elapsed()),
            _ => failed += 1,
        }
    }
    let elapsed = started.elapsed();
    times.sort();
    let at = |q: f64| {
        times
            .get(((times.len() as f64 * q).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or_default()
    };
    Served {
        ok: times.len(),
        failed,
        per_second: times.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.5),
        p99: at(0.99),
    }
}

/// Keeps `n` connections from `from` that send half a request and then nothing.
/// Returns how many the server refused at once (429) and the held streams.
async fn half_open(from: &str, to: SocketAddr, n: usize) -> (usize, Vec<TcpStream>) {
    let mut held = Vec::new();
    let mut refused = 0;
    for _ in 0..n {
        let Ok(mut stream) = connect(from, to).await else {
            refused += 1;
            continue;
        };
        let _ = stream
            .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
            .await;
        held.push(stream);
    }
    // A refused connection is answered 429 at once and closed; a held one stays silent.
    let mut kept = Vec::new();
    for mut stream in held {
        let mut buf = [0u8; 64];
        match tokio::time::timeout(Duration::from_millis(20), stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => {
                assert!(
                    buf.starts_with(b"HTTP/1.1 429"),
                    "{:?}",
                    String::from_utf8_lossy(&buf[..n])
                );
                refused += 1;
            }
            Ok(_) => refused += 1,
            Err(_) => kept.push(stream),
        }
    }
    (refused, kept)
}

fn events(kind: &str, n: usize) -> String {
    let one = format!(
        r#"{{"kind":"{kind}","sku":"WATER-FILTER","reason":"due_soon","context":"account"}}"#
    );
    format!(r#"{{"events":[{}]}}"#, vec![one; n].join(","))
}

async fn post_events(from: &str, to: SocketAddr, body: &str) -> u16 {
    let headers = [
        ("Content-Type", "text/plain;charset=UTF-8"),
        ("Origin", SHOP),
    ];
    match request(from, to, "POST", "/api/v1/events", &headers, body).await {
        Ok((status, _)) => status,
        Err(_) => 0,
    }
}

/// `GET /merchant/metrics` from `from` with `key` as the merchant key.
async fn metrics_with_key(from: &str, to: SocketAddr, key: &str) -> (u16, String) {
    let auth = format!("Bearer {key}");
    let headers = [("Authorization", auth.as_str())];
    request(from, to, "GET", "/api/v1/merchant/metrics", &headers, "")
        .await
        .unwrap()
}

async fn metrics(to: SocketAddr) -> serde_json::Value {
    let (status, body) = metrics_with_key("127.0.0.1", to, MERCHANT_KEY).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Runs `attack` in the background while the normal client measures.
async fn under<F>(to: SocketAddr, count: usize, attack: F) -> (Served, F::Output)
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let attack = tokio::spawn(attack);
    // Let the attack get going before measuring.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let served = normal_client(to, count).await;
    (served, attack.await.unwrap())
}

/// Ada holds the cap's worth of subscriptions: copies of her demo one, made before the
/// server starts (the API's own subscribe refuses a second one to the same product).
fn fill_subscriptions(db: &Path) {
    let (db, _) = Db::open(db).unwrap();
    let conn = db.conn().unwrap();
    cadence_server::demo_data::insert_on_first_start(&db, Clock::System).unwrap();
    let columns: Vec<String> = {
        let mut stmt = conn.prepare("PRAGMA table_info(subscriptions)").unwrap();
        stmt.query_map([], |r| r.get::<_, String>(1))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let list = columns.join(", ");
    let picked = columns
        .iter()
        .map(|c| if c == "id" { "?1" } else { c.as_str() })
        .collect::<Vec<_>>()
        .join(", ");
    let copy = format!(
        "INSERT INTO subscriptions ({list}) SELECT {picked} FROM subscriptions
         WHERE id = 'sub_demo_ada_intenso'"
    );
    let held: i64 = conn
        .query_row(
            "SELECT count(*) FROM subscriptions WHERE customer_id = 'cust_ada' AND status <> 'cancelled'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    for i in usize::try_from(held).unwrap()..MAX_SUBSCRIPTIONS {
        conn.execute(&copy, [format!("sub_copy_{i}")]).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_keeps_serving_under_hostile_traffic() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cadence.db");
    fill_subscriptions(&db);
    let server = start(&db);
    let to = server.addr;
    let mut report = String::new();
    let mut line = |name: &str, s: &Served| {
        let text = format!(
            "{name:<44} {:>7.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  ({} ok, {} failed)",
            s.per_second,
            s.p50.as_secs_f64() * 1e3,
            s.p99.as_secs_f64() * 1e3,
            s.ok,
            s.failed
        );
        eprintln!("{text}");
        report.push_str(&text);
        report.push('\n');
    };
    const N: usize = 300;

    let baseline = normal_client(to, N).await;
    line("no attack", &baseline);
    assert_eq!(baseline.failed, 0);

    // 0. A request flood from one address, four connections at a time: 429s after its
    //    burst, while everyone else is served.
    let flood = async move {
        let mut tasks = Vec::new();
        for _ in 0..4 {
            tasks.push(tokio::spawn(async move {
                let (mut ok, mut limited) = (0usize, 0usize);
                let until = Instant::now() + Duration::from_secs(2);
                while Instant::now() < until {
                    match request("127.0.0.9", to, "GET", PRODUCT, &[], "").await {
                        Ok((200, _)) => ok += 1,
                        Ok((429, _)) => limited += 1,
                        other => panic!("request flood answered {other:?}"),
                    }
                }
                (ok, limited)
            }));
        }
        let mut total = (0, 0);
        for task in tasks {
            let (ok, limited) = task.await.unwrap();
            total = (total.0 + ok, total.1 + limited);
        }
        total
    };
    let (served, (flood_ok, flood_limited)) = under(to, N, flood).await;
    line("request flood from one host (4 connections)", &served);
    eprintln!("  flood: {flood_ok} answered, {flood_limited} answered 429");
    assert_eq!(served.failed, 0);
    assert!(flood_limited > 0, "the flood was never limited");
    // Burst 200 plus 100 per second over ~2 s, with room for timing.
    assert!(flood_ok <= 450, "{flood_ok} flood requests answered");

    // 1. Thousands of half-open connections from one address (slow headers).
    let (served, (refused, held)) = under(to, N, half_open("127.0.0.2", to, 3_000)).await;
    line("3,000 half-open connections from one host", &served);
    assert_eq!(served.failed, 0, "the normal client was refused");
    assert!(held.len() <= PER_CLIENT, "{} held", held.len());
    assert!(refused >= 3_000 - PER_CLIENT, "{refused} refused");
    assert!(served.p99 < Duration::from_secs(1), "p99 {:?}", served.p99);
    // The header timeout (3 s here) closes what the attacker holds.
    tokio::time::sleep(Duration::from_secs(4)).await;
    for mut stream in held {
        let mut buf = [0u8; 16];
        let read = tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buf)).await;
        assert!(
            matches!(read, Ok(Ok(0) | Err(_))),
            "a slow-header connection is still open after the timeout"
        );
    }

    // 2. A body that never arrives: 408 after the request timeout (2 s here).
    let mut slow = connect("127.0.0.3", to).await.unwrap();
    slow.write_all(
        b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\nOrigin: http://shop.test\r\n\
          Content-Type: text/plain\r\nContent-Length: 100\r\n\r\n{",
    )
    .await
    .unwrap();
    let mut answer = vec![0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(5), slow.read(&mut answer))
        .await
        .expect("answered within the request timeout")
        .unwrap();
    assert!(
        answer[..n].starts_with(b"HTTP/1.1 408"),
        "{:?}",
        String::from_utf8_lossy(&answer[..n])
    );

    // 3. An event flood from one address: it ends in 429s, another address is accepted.
    let before = metrics(to).await;
    let flood = async move {
        let (mut accepted, mut limited) = (0, 0);
        let until = Instant::now() + Duration::from_secs(2);
        while Instant::now() < until {
            match post_events("127.0.0.4", to, &events("click", 50)).await {
                202 => accepted += 1,
                429 => limited += 1,
                other => panic!("event flood answered {other}"),
            }
        }
        (accepted, limited)
    };
    let (served, (accepted, limited)) = under(to, N, flood).await;
    line(
        "event flood (clicks, no impressions) from one host",
        &served,
    );
    eprintln!("  flood: {accepted} batches accepted, {limited} answered 429");
    assert!(limited > 0, "the flood was never limited");
    // Burst 20 plus 2 per second over ~2.2 s.
    assert!(accepted <= 30, "{accepted} batches accepted");
    assert_eq!(served.failed, 0);
    assert_eq!(
        post_events("127.0.0.5", to, &events("impression", 1)).await,
        202
    );
    // The flood's clicks came without impressions: no figure moved, one unmatched.
    let after = metrics(to).await;
    let figure = |m: &serde_json::Value, k: &str| m["recommendations"]["all"][k].clone();
    assert_eq!(figure(&after, "clicks"), figure(&before, "clicks"));
    assert_eq!(figure(&after, "actions"), figure(&before, "actions"));
    let unmatched = |m: &serde_json::Value| m["recommendations"]["unmatched"].as_u64().unwrap();
    assert_eq!(
        unmatched(&after),
        unmatched(&before) + 1,
        "once per shopper and day"
    );
    // Even with an impression first, one client moves each figure by one at most.
    for _ in 0..5 {
        post_events("127.0.0.6", to, &events("impression", 50)).await;
        post_events("127.0.0.6", to, &events("click", 50)).await;
    }
    let later = metrics(to).await;
    let n = |m: &serde_json::Value, k: &str| figure(m, k).as_u64().unwrap();
    assert_eq!(n(&later, "clicks"), n(&after, "clicks") + 1);
    assert_eq!(n(&later, "impressions"), n(&after, "impressions") + 1);

    // 4. Guessing the merchant key: 401s, then 429 for the guesser (even with the right
    //    key), and nothing for anyone else.
    let guess = async move {
        let mut statuses = Vec::new();
        for i in 0..60 {
            let wrong = format!("wrong-key-{i:04}-0123456789");
            statuses.push(metrics_with_key("127.0.0.7", to, &wrong).await.0);
        }
        statuses
    };
    let (served, statuses) = under(to, N, guess).await;
    line("merchant-key guessing from one host", &served);
    assert_eq!(served.failed, 0);
    assert!(statuses[..20].iter().all(|s| *s == 401), "{statuses:?}");
    assert!(statuses[25..].iter().all(|s| *s == 429), "{statuses:?}");
    let from_guesser = metrics_with_key("127.0.0.7", to, MERCHANT_KEY).await;
    assert_eq!(
        from_guesser.0, 429,
        "a penalized client is not checked at all"
    );
    metrics(to).await;

    // 5. A customer at the subscription cap, read as fast as eight connections can: /me
    //    stays usable and anonymous product pages keep their latency.
    let token = JwtKeys::new(SECRET.as_bytes()).mint("cust_ada", 3600, Clock::System);
    let auth = format!("Bearer {token}");
    let (status, body) = request(
        "127.0.0.8",
        to,
        "GET",
        "/api/v1/me",
        &[("Authorization", &auth)],
        "",
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    let account: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        account["subscriptions"].as_array().unwrap().len(),
        MAX_SUBSCRIPTIONS
    );
    let stop = Arc::new(AtomicBool::new(false));
    let (me_ok, me_limited) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let me_rate_limited = Arc::new(AtomicUsize::new(0));
    let me_times = Arc::new(std::sync::Mutex::new(Vec::new()));
    let heavy = {
        let (stop, me_ok, me_limited, me_times) = (
            stop.clone(),
            me_ok.clone(),
            me_limited.clone(),
            me_times.clone(),
        );
        let me_rate_limited = me_rate_limited.clone();
        async move {
            let mut tasks = Vec::new();
            // Eight addresses (a shared or leaked token): no address's request rate is
            // the limit, the customer's requests in flight are.
            for i in 0..8 {
                let from = format!("127.0.2.{}", i + 1);
                let (stop, me_ok, me_limited, me_times, auth) = (
                    stop.clone(),
                    me_ok.clone(),
                    me_limited.clone(),
                    me_times.clone(),
                    auth.clone(),
                );
                let me_rate_limited = me_rate_limited.clone();
                tasks.push(tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        let t = Instant::now();
                        let reply = request(
                            &from,
                            to,
                            "GET",
                            "/api/v1/me",
                            &[("Authorization", &auth)],
                            "",
                        )
                        .await;
                        match reply {
                            Ok((200, _)) => {
                                me_ok.fetch_add(1, Ordering::Relaxed);
                                me_times.lock().unwrap().push(t.elapsed());
                            }
                            Ok((429, body)) if body.contains("this account") => {
                                me_limited.fetch_add(1, Ordering::Relaxed);
                            }
                            Ok((429, _)) => {
                                me_rate_limited.fetch_add(1, Ordering::Relaxed);
                            }
                            other => panic!("/me answered {other:?}"),
                        }
                    }
                }));
            }
            tasks
        }
    };
    let tasks = tokio::spawn(heavy).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let served = normal_client(to, N).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    line(
        "8 hosts reading one customer's /me (100 subscriptions)",
        &served,
    );
    let mut times = me_times.lock().unwrap().clone();
    times.sort();
    let me_p50 = times.get(times.len() / 2).copied().unwrap_or_default();
    let me_line = format!(
        "  /me with {MAX_SUBSCRIPTIONS} subscriptions: {} answered (p50 {:.2} ms); 429: {} over the address's request rate, {} over the customer's requests in flight",
        me_ok.load(Ordering::Relaxed),
        me_p50.as_secs_f64() * 1e3,
        me_rate_limited.load(Ordering::Relaxed),
        me_limited.load(Ordering::Relaxed)
    );
    eprintln!("{me_line}");
    report.push_str(&me_line);
    report.push('\n');
    assert_eq!(served.failed, 0);
    assert!(me_ok.load(Ordering::Relaxed) > 0);
    assert!(
        served.p99 < baseline.p99 * 20 + Duration::from_millis(250),
        "anonymous p99 {:?} under /me load, {:?} without",
        served.p99,
        baseline.p99
    );

    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../bench");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("hostile.txt"), report).unwrap();
    drop(server);
}
