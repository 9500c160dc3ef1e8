//! What an operator watches: `GET /api/v1/ready` (200 on a healthy database; 503
//! problem+json with `Retry-After`, in words and within its timeout, when the schema is
//! behind or PostgreSQL is unreachable, and 200 again once it is back) and `GET
//! /api/v1/metrics` (behind the merchant key; Prometheus text that a strict line parser
//! accepts, counting requests under their route templates, throttled ones included).
//!
//! The request figures are the process's, shared with the tests running beside these:
//! they are compared before and after, and only ever grow.

use crate::common::*;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use cadence_server::db::{Db, Location, MIGRATIONS};
use cadence_server::limits::Limits;
use cadence_server::throttle::Throttle;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const READY: &str = "/api/v1/ready";
const METRICS: &str = "/api/v1/metrics";
const PRODUCT_ROUTE: &str = "/api/v1/products/{sku}";

fn dialect() -> &'static str {
    match backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

#[tokio::test]
async fn ready_is_200_on_a_healthy_database() {
    let app = TestApp::new();
    let reply = app.get(READY).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(
        reply.json(),
        serde_json::json!({"status": "ready", "database": dialect()})
    );
}

/// A server started against a database a newer server migrated back, or an older
/// one: requests would fail on missing columns, so it says so instead of "ready".
#[tokio::test]
async fn ready_is_503_in_words_when_the_schema_is_behind() {
    let app = TestApp::new();
    let current = MIGRATIONS.len();
    let conn = app.state.db.conn().unwrap();
    match backend() {
        Backend::Sqlite => conn
            .execute_batch(&format!("PRAGMA user_version = {}", current - 1))
            .unwrap(),
        Backend::Postgres => conn
            .execute_batch(&format!(
                "DELETE FROM schema_migrations WHERE version = {current}"
            ))
            .unwrap(),
    }
    drop(conn);
    let reply = app.get(READY).await;
    let problem = reply.problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(problem["type"], "urn:cadence:problem:unavailable");
    assert!(reply.header("retry-after").is_some(), "{:?}", reply.headers);
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("schema")
            && detail.contains(&format!(
                "schema version {}, this server needs {current}",
                current - 1
            )),
        "{detail}"
    );
    // Liveness is another question: the process still answers.
    assert_eq!(app.get("/api/v1/health").await.status, StatusCode::OK);
}

/// A TCP relay between the server and the test cluster, which the test can cut (every
/// connection closed, the port refusing) and bring back on the same port.
struct Relay {
    port: u16,
    upstream: String,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start(port: u16, upstream: String) -> Relay {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let tasks: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (to, conns) = (upstream.clone(), tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let to = to.clone();
                conns.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&to).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                }));
            }
        });
        tasks.lock().unwrap().push(accept);
        Relay {
            port,
            upstream,
            tasks,
        }
    }

    /// Closes the listener and every relayed connection, as a database host that went away.
    async fn cut(&self) {
        let tasks: Vec<_> = self.tasks.lock().unwrap().drain(..).collect();
        for task in tasks {
            task.abort();
            let _ = task.await;
        }
    }
}

/// `url` with its `host:port` replaced by `authority`.
fn through(url: &str, authority: &str) -> (String, String) {
    let start = url
        .find('@')
        .map(|at| at + 1)
        .unwrap_or(url.find("://").unwrap() + 3);
    let end = start + url[start..].find('/').unwrap();
    let upstream = url[start..end].to_owned();
    (
        format!("{}{authority}{}", &url[..start], &url[end..]),
        upstream,
    )
}

/// PostgreSQL goes away under a running server: `/ready` answers 503 within its
/// timeout (the pool alone would wait 5 s), and 200 again once the database is back.
/// PostgreSQL only: a SQLite file cannot become unreachable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_is_503_fast_while_postgres_is_unreachable_and_recovers() {
    if backend() != Backend::Postgres {
        return;
    }
    let mut app = TestApp::unseeded();
    let (_, upstream) = through(&pg_url(), "unused");
    let relay = Relay::start(0, upstream.clone()).await;
    let (url, _) = through(&fresh_pg_schema(), &format!("127.0.0.1:{}", relay.port));
    app.state.db = Db::connect(&Location::Postgres(url), 2).unwrap().0;
    assert_eq!(app.get(READY).await.status, StatusCode::OK);

    relay.cut().await;
    let started = Instant::now();
    let reply = app.get(READY).await;
    let took = started.elapsed();
    let problem = reply.problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(problem["type"], "urn:cadence:problem:unavailable");
    assert!(reply.header("retry-after").is_some());
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("database") && !detail.contains(&upstream),
        "in words, naming no host: {detail}"
    );
    assert!(took < Duration::from_millis(4500), "took {took:?}");

    let back = Relay::start(relay.port, relay.upstream.clone()).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let reply = app.get(READY).await;
        if reply.status == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not ready again: {}",
            reply.text()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    back.cut().await;
}

/// `/ready` is polled by load balancers: never rate limited, unlike the API.
#[tokio::test]
async fn ready_is_not_rate_limited_and_throttled_answers_are_counted() {
    let mut app = TestApp::new();
    let limits = Limits {
        requests_per_second: 1,
        request_burst: 1,
        ..Limits::default()
    };
    app.state.throttle = Arc::new(Throttle::new(&limits));
    app.state.limits = Arc::new(limits);
    let from = |uri: &str| {
        let mut request = Request::get(uri).body(Body::empty()).unwrap();
        let addr: SocketAddr = "192.0.2.44:5000".parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(addr));
        request
    };
    let before = scrape(&app).await;
    assert_eq!(
        app.send(from("/api/v1/products/CAPS-INTENSO")).await.status,
        StatusCode::OK
    );
    let refused = app.send(from("/api/v1/products/CAPS-INTENSO")).await;
    refused.problem(StatusCode::TOO_MANY_REQUESTS);
    for _ in 0..5 {
        assert_eq!(app.send(from(READY)).await.status, StatusCode::OK);
    }
    let after = scrape(&app).await;
    let throttled = [("reason", "requests")];
    assert!(
        after.value("cadence_http_throttled_total", &throttled)
            >= 1.0 + before.value("cadence_http_throttled_total", &throttled)
    );
    let answered_429 = [
        ("route", PRODUCT_ROUTE),
        ("method", "GET"),
        ("status", "429"),
    ];
    assert!(
        after.value("cadence_http_requests_total", &answered_429)
            >= 1.0 + before.value("cadence_http_requests_total", &answered_429),
        "a 429 of the rate limit is counted under its route"
    );
}

#[tokio::test]
async fn metrics_need_the_merchant_key() {
    let mut app = TestApp::new();
    let missing = app.get(METRICS).await;
    let problem = missing.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(problem["type"], "urn:cadence:problem:invalid-merchant-key");
    for wrong in [
        "Bearer not-the-merchant-key".to_owned(),
        format!("Basic {MERCHANT_KEY}"),
        format!("Bearer {}", app.token("cust_ada")),
    ] {
        let request = Request::get(METRICS)
            .header(header::AUTHORIZATION, wrong.as_str())
            .body(Body::empty())
            .unwrap();
        let reply = app.send(request).await;
        reply.problem(StatusCode::UNAUTHORIZED);
        assert!(!reply.text().contains("cadence_http"), "no figures leak");
    }
    assert_eq!(
        app.get_as(METRICS, MERCHANT_KEY).await.status,
        StatusCode::OK
    );

    // Off, as the merchant endpoints are, on a server without a merchant key.
    app.state.merchant_key = None;
    let off = app.get_as(METRICS, MERCHANT_KEY).await;
    let problem = off.problem(StatusCode::FORBIDDEN);
    assert_eq!(
        problem["type"],
        "urn:cadence:problem:merchant-key-not-configured"
    );
}

#[tokio::test]
async fn metrics_are_prometheus_text_counting_requests_by_route_template() {
    let app = TestApp::new();
    let before = scrape(&app).await;
    for sku in ["CAPS-INTENSO", "CAPS-INTENSO", "NO-SUCH-SKU"] {
        app.get(&format!("/api/v1/products/{sku}")).await;
    }
    app.get("/api/v1/no/such/path/0123456789").await;
    let reply = app.get_as(METRICS, MERCHANT_KEY).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert_eq!(reply.header("cache-control"), Some("private, no-store"));
    let after = parse(&reply.text());

    let counted = |labels: &[(&str, &str)]| {
        after.value("cadence_http_requests_total", labels)
            - before.value("cadence_http_requests_total", labels)
    };
    let ok = [
        ("route", PRODUCT_ROUTE),
        ("method", "GET"),
        ("status", "200"),
    ];
    let not_found = [
        ("route", PRODUCT_ROUTE),
        ("method", "GET"),
        ("status", "404"),
    ];
    assert!(counted(&ok) >= 2.0, "{}", reply.text());
    assert!(counted(&not_found) >= 1.0);
    let unmatched = [("route", "unmatched"), ("method", "GET"), ("status", "404")];
    assert!(counted(&unmatched) >= 1.0);
    // The raw path is never a label: the series stay as few as the routes.
    assert!(!reply.text().contains("CAPS-INTENSO"));
    assert!(!reply.text().contains("0123456789"));

    // The histogram: cumulative buckets from 5 ms to 10 s, ending in `+Inf` = count.
    let route = [("route", PRODUCT_ROUTE)];
    let count = after.value("cadence_http_request_duration_seconds_count", &route);
    assert!(count - before.value("cadence_http_request_duration_seconds_count", &route) >= 3.0);
    let buckets: Vec<(String, f64)> = after
        .samples
        .iter()
        .filter(|s| {
            s.name == "cadence_http_request_duration_seconds_bucket"
                && s.labels["route"] == PRODUCT_ROUTE
        })
        .map(|s| (s.labels["le"].clone(), s.value))
        .collect();
    let bounds: Vec<&str> = buckets.iter().map(|(le, _)| le.as_str()).collect();
    assert_eq!(
        bounds,
        ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]
    );
    assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "{buckets:?}");
    assert_eq!(buckets.last().unwrap().1, count);
    assert!(after.value("cadence_http_request_duration_seconds_sum", &route) >= 0.0);

    // This app's pool and database.
    let idle = after.value("cadence_db_pool_connections", &[("state", "idle")]);
    let in_use = after.value("cadence_db_pool_connections", &[("state", "in_use")]);
    let max = after.value("cadence_db_pool_max", &[]);
    assert!(max >= 1.0 && idle >= 0.0 && in_use >= 0.0 && idle + in_use <= max);
    assert_eq!(
        after.value("cadence_db_info", &[("dialect", dialect())]),
        1.0
    );
    for reason in ["requests", "credentials", "client_connections"] {
        assert!(after.has("cadence_http_throttled_total", &[("reason", reason)]));
    }
    // Nothing is due yet at the tests' today: the scheduler is on time.
    assert_eq!(after.value("cadence_scheduler_lag_seconds", &[]), 0.0);
    // Unknown until the webhook dispatcher reports it: left out.
    assert!(!reply.text().contains("cadence_outbox_lag_seconds"));
}

/// The metrics, read with the merchant key and parsed.
async fn scrape(app: &TestApp) -> Exposition {
    let reply = app.get_as(METRICS, MERCHANT_KEY).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    parse(&reply.text())
}

struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

struct Exposition {
    samples: Vec<Sample>,
}

impl Exposition {
    fn find(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.samples
            .iter()
            .find(|s| {
                s.name == name
                    && s.labels.len() == labels.len()
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
    }

    fn has(&self, name: &str, labels: &[(&str, &str)]) -> bool {
        self.find(name, labels).is_some()
    }

    /// A series' value; 0 for a counter series not yet written.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.find(name, labels).unwrap_or(0.0)
    }
}

/// A strict reader of the text exposition format (0.0.4), as far as this server writes
/// it: `# HELP` and `# TYPE` before a family's samples, `name{label="value",…} value`,
/// metric and label names of the format's alphabets, escaped label values, no series twice.
fn parse(text: &str) -> Exposition {
    let is_name = |s: &str, colon: bool| {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || (colon && c == ':'))
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (colon && c == ':'))
    };
    assert!(text.ends_with('\n'), "the exposition ends with a line feed");
    let mut types: HashMap<String, String> = HashMap::new();
    let mut helped: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(help) = line.strip_prefix("# HELP ") {
            let (name, doc) = help.split_once(' ').expect("HELP name text");
            assert!(is_name(name, true) && !doc.is_empty(), "{line}");
            helped.push(name.to_owned());
            continue;
        }
        if let Some(kind) = line.strip_prefix("# TYPE ") {
            let (name, kind) = kind.split_once(' ').expect("TYPE name kind");
            assert!(is_name(name, true), "{line}");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{line}"
            );
            assert!(
                helped.last().map(String::as_str) == Some(name),
                "HELP first: {line}"
            );
            assert!(
                types.insert(name.to_owned(), kind.to_owned()).is_none(),
                "twice: {line}"
            );
            continue;
        }
        assert!(
            !line.starts_with('#') && !line.is_empty(),
            "unexpected line {line:?}"
        );
        let (series, value) = line.rsplit_once(' ').expect("a sample has a value");
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            other => other.parse().unwrap_or_else(|_| panic!("value of {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series, BTreeMap::new()),
            Some((name, rest)) => (
                name,
                parse_labels(rest.strip_suffix('}').expect(line), line),
            ),
        };
        assert!(is_name(name, true), "{line}");
        for label in labels.keys() {
            assert!(is_name(label, false) && !label.starts_with("__"), "{line}");
        }
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| {
                name.strip_suffix(suffix)
                    .filter(|f| types.get(*f).map(String::as_str) == Some("histogram"))
            })
            .unwrap_or(name);
        assert!(types.contains_key(family), "TYPE before samples: {line}");
        if name.ends_with("_bucket") && family != name {
            assert!(labels.contains_key("le"), "{line}");
        }
        assert!(seen.insert(series.to_owned()), "series twice: {line}");
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    Exposition { samples }
}

/// `a="x",b="y\"z"` (the part between the braces).
fn parse_labels(mut rest: &str, line: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    while !rest.is_empty() {
        let (name, after) = rest
            .split_once("=\"")
            .unwrap_or_else(|| panic!("label in {line}"));
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    _ => panic!("bad escape in {line}"),
                },
                Some((i, '"')) => break i,
                Some((_, c)) => value.push(c),
                None => panic!("unterminated label value in {line}"),
            }
        };
        assert!(
            labels.insert(name.to_owned(), value).is_none(),
            "label twice in {line}"
        );
        rest = &after[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
    labels
}
