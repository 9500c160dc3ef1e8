//! Operator metrics in the Prometheus text exposition format (version 0.0.4), served at
//! `GET /api/v1/metrics`: API requests and their latency per route template, the database
//! pool, refusals by the server's limits, and the scheduler's and the outbox's lag.
//!
//! Hand-written on atomics rather than a metrics crate: a handful of series, one format,
//! and nothing to keep in step with another crate's registry. The figures are per process
//! (one `Metrics` for the whole process, as Prometheus expects of one scrape target);
//! several instances are told apart by the scrape's `instance` label.

use crate::app::AppState;
use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// The media type of the text exposition format, as Prometheus asks for it.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds, in seconds, of the latency histogram's buckets: from 5 ms (an answer from
/// memory or one indexed read) to 10 s (past the pool's 5 s wait, towards the request
/// timeout). Fixed, so every instance's histograms can be summed.
pub const DURATION_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The `route` of a request that matched no route: one series whatever paths scanners try.
pub const UNMATCHED: &str = "unmatched";

/// The process's metrics; [`metrics()`] is the one instance.
pub struct Metrics {
    /// By route template. Read-locked on every request; written once per new route (the
    /// route table bounds them).
    routes: RwLock<BTreeMap<String, Arc<RouteSeries>>>,
    throttled: [AtomicU64; Throttled::ALL.len()],
}

/// One route's answers and latencies.
struct RouteSeries {
    /// Answers by (method, status). A lock held for one increment: the pairs are few and
    /// only known as they come, and an uncontended mutex costs about what an atomic does.
    answers: Mutex<BTreeMap<(&'static str, u16), u64>>,
    /// How many answers fell in each bucket (not cumulative: summed when rendered).
    buckets: [AtomicU64; DURATION_BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl RouteSeries {
    fn new() -> RouteSeries {
        RouteSeries {
            answers: Mutex::default(),
            buckets: [const { AtomicU64::new(0) }; DURATION_BUCKETS.len()],
            count: AtomicU64::new(0),
            sum_micros: AtomicU64::new(0),
        }
    }
}

/// Which limit refused a request or connection (`cadence_http_throttled_total{reason}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throttled {
    /// A client over its request rate (`--requests-per-second`).
    Requests,
    /// A client over its event batch rate.
    EventBatches,
    /// A page origin over its event batch rate.
    EventOrigin,
    /// A client whose failed credentials ran out (refused even with a right one).
    Credentials,
    /// A customer with all its in-flight slots taken past the queue wait.
    CustomerInFlight,
    /// A client holding its maximum of open connections (refused at accept).
    ClientConnections,
    /// The server holding its maximum of open connections (refused at accept).
    ServerConnections,
}

impl Throttled {
    const ALL: [Throttled; 7] = [
        Throttled::Requests,
        Throttled::EventBatches,
        Throttled::EventOrigin,
        Throttled::Credentials,
        Throttled::CustomerInFlight,
        Throttled::ClientConnections,
        Throttled::ServerConnections,
    ];

    fn label(self) -> &'static str {
        match self {
            Throttled::Requests => "requests",
            Throttled::EventBatches => "event_batches",
            Throttled::EventOrigin => "event_origin",
            Throttled::Credentials => "credentials",
            Throttled::CustomerInFlight => "customer_in_flight",
            Throttled::ClientConnections => "client_connections",
            Throttled::ServerConnections => "server_connections",
        }
    }
}

static METRICS: Metrics = Metrics {
    routes: RwLock::new(BTreeMap::new()),
    throttled: [const { AtomicU64::new(0) }; Throttled::ALL.len()],
};

/// The process's metrics: what the request layer and the limits count into.
pub fn metrics() -> &'static Metrics {
    &METRICS
}

impl Metrics {
    /// One answered API request.
    pub fn record(&self, route: &str, method: &Method, status: u16, elapsed: Duration) {
        let series = self.series(route);
        *series
            .answers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry((method_label(method), status))
            .or_default() += 1;
        let seconds = elapsed.as_secs_f64();
        // Past the last bound an answer is only in `+Inf`, which is `count`.
        if let Some(bucket) = DURATION_BUCKETS.iter().position(|le| seconds <= *le) {
            series.buckets[bucket].fetch_add(1, Relaxed);
        }
        series.count.fetch_add(1, Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        series.sum_micros.fetch_add(micros, Relaxed);
    }

    /// One request or connection refused by a limit.
    pub fn throttled(&self, why: Throttled) {
        let index = Throttled::ALL
            .iter()
            .position(|t| *t == why)
            .expect("ALL lists every reason");
        self.throttled[index].fetch_add(1, Relaxed);
    }

    fn series(&self, route: &str) -> Arc<RouteSeries> {
        let known = self.routes.read().unwrap_or_else(|p| p.into_inner());
        if let Some(series) = known.get(route) {
            return series.clone();
        }
        drop(known);
        let mut routes = self.routes.write().unwrap_or_else(|p| p.into_inner());
        routes
            .entry(route.to_owned())
            .or_insert_with(|| Arc::new(RouteSeries::new()))
            .clone()
    }

    /// The HTTP and throttle families, appended to `out`.
    fn render(&self, out: &mut String) {
        let routes: Vec<(String, Arc<RouteSeries>)> = self
            .routes
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(route, series)| (route.clone(), series.clone()))
            .collect();

        family(
            out,
            "cadence_http_requests_total",
            "counter",
            "API requests answered, by matched route template, method and status.",
        );
        for (route, series) in &routes {
            let answers = series
                .answers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            for ((method, status), n) in answers {
                let _ = writeln!(
                    out,
                    "cadence_http_requests_total{{route=\"{}\",method=\"{method}\",\
                     status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }

        family(
            out,
            "cadence_http_request_duration_seconds",
            "histogram",
            "Time from a request's arrival to its answer's headers, by matched route template.",
        );
        let histogram = "cadence_http_request_duration_seconds";
        for (route, series) in &routes {
            let route = escape(route);
            // `count` is read first: answers recorded while rendering then only make the
            // buckets run ahead of it, never leave `+Inf` below the last bucket.
            let count = series.count.load(Relaxed);
            let mut cumulative = 0;
            for (le, bucket) in DURATION_BUCKETS.iter().zip(&series.buckets) {
                cumulative += bucket.load(Relaxed);
                let _ = writeln!(
                    out,
                    "{histogram}_bucket{{route=\"{route}\",le=\"{le}\"}} {}",
                    cumulative.min(count)
                );
            }
            let _ = writeln!(
                out,
                "{histogram}_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}"
            );
            let sum = series.sum_micros.load(Relaxed) as f64 / 1e6;
            let _ = writeln!(out, "{histogram}_sum{{route=\"{route}\"}} {sum}");
            let _ = writeln!(out, "{histogram}_count{{route=\"{route}\"}} {count}");
        }

        family(
            out,
            "cadence_http_throttled_total",
            "counter",
            "Requests and connections refused by the server's limits (429, or 503 at accept), \
             by limit.",
        );
        for (why, n) in Throttled::ALL.iter().zip(&self.throttled) {
            let _ = writeln!(
                out,
                "cadence_http_throttled_total{{reason=\"{}\"}} {}",
                why.label(),
                n.load(Relaxed)
            );
        }
    }
}

/// Records every request that passes through it under its matched route template (axum's
/// `MatchedPath`, never the raw path: the series stay as few as the routes), its method and
/// its status. Added as the API router's outermost layer, so the answers the rate limit,
/// the deadline and CORS give are counted too.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned());
    let response = next.run(request).await;
    metrics().record(
        route.as_deref().unwrap_or(UNMATCHED),
        &method,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// The whole exposition: this process's request figures, and the pool, database and lag
/// gauges of `state`.
pub async fn exposition(state: &AppState) -> String {
    let mut out = String::with_capacity(16 * 1024);
    metrics().render(&mut out);

    let (connections, idle, max) = state.db.pool_state();
    family(
        &mut out,
        "cadence_db_pool_connections",
        "gauge",
        "Open database connections in this process's pool, idle or in use by a request.",
    );
    let _ = writeln!(out, "cadence_db_pool_connections{{state=\"idle\"}} {idle}");
    let in_use = connections.saturating_sub(idle);
    let _ = writeln!(
        out,
        "cadence_db_pool_connections{{state=\"in_use\"}} {in_use}"
    );
    family(
        &mut out,
        "cadence_db_pool_max",
        "gauge",
        "The most connections the pool opens; requests wait for one past it.",
    );
    let _ = writeln!(out, "cadence_db_pool_max {max}");
    family(
        &mut out,
        "cadence_db_info",
        "gauge",
        "Which database this server runs on (always 1).",
    );
    let dialect = match state.db.dialect() {
        crate::db::Dialect::Sqlite => "sqlite",
        crate::db::Dialect::Postgres => "postgres",
    };
    let _ = writeln!(out, "cadence_db_info{{dialect=\"{dialect}\"}} 1");

    let lags = [
        (
            "cadence_scheduler_lag_seconds",
            "How late the delivery scheduler is: now minus the due time of the oldest \
             delivery not yet turned into an order.",
            scheduler_lag_seconds(state).await,
        ),
        (
            "cadence_outbox_lag_seconds",
            "How late webhook delivery is: now minus the time of the oldest outbox event not \
             yet delivered.",
            outbox_lag_seconds(state).await,
        ),
    ];
    for (name, help, lag) in lags {
        // Left out while unknown: a 0 would read as "on time" on a dashboard.
        if let Some(seconds) = lag {
            family(&mut out, name, "gauge", help);
            let _ = writeln!(out, "{name} {seconds}");
        }
    }
    out
}

/// The delivery scheduler's lag, in seconds (`cadence_scheduler_lag_seconds`; left out
/// while the database cannot say). Read from the database (`scheduler::lag_seconds`: now
/// minus the oldest delivery or payment retry still waiting), not from this process's
/// memory: with several instances on one PostgreSQL any of them may run a due delivery,
/// and every instance reports the same lag.
pub async fn scheduler_lag_seconds(state: &AppState) -> Option<f64> {
    let clock = state.clock;
    state
        .db
        .read(move |conn| crate::scheduler::lag_seconds(conn, clock))
        .await
        .ok()
}

/// The hook for the webhook outbox's lag, in seconds (`cadence_outbox_lag_seconds`, left
/// out while `None`). `None` until the dispatcher exists; read it from the database as
/// [`scheduler_lag_seconds`] does (now minus the oldest undelivered event's time).
pub async fn outbox_lag_seconds(_state: &AppState) -> Option<f64> {
    None
}

/// A family's `# HELP` and `# TYPE` lines.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value as the format writes it: `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\n")
}

/// The request method as a label: the standard ones by name, anything else as `other`, so
/// a client inventing methods cannot invent series.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    ];
    KNOWN
        .into_iter()
        .find(|known| *known == method.as_str())
        .unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_is_cumulative_and_ends_in_its_count() {
        let metrics = Metrics {
            routes: RwLock::default(),
            throttled: Default::default(),
        };
        for millis in [1, 3, 40, 40, 700, 20_000] {
            metrics.record(
                "/api/v1/x/{id}",
                &Method::GET,
                200,
                Duration::from_millis(millis),
            );
        }
        metrics.record("/api/v1/x/{id}", &Method::GET, 404, Duration::ZERO);
        metrics.throttled(Throttled::Credentials);
        let mut out = String::new();
        metrics.render(&mut out);
        for line in [
            r#"cadence_http_requests_total{route="/api/v1/x/{id}",method="GET",status="200"} 6"#,
            r#"cadence_http_requests_total{route="/api/v1/x/{id}",method="GET",status="404"} 1"#,
            r#"cadence_http_request_duration_seconds_bucket{route="/api/v1/x/{id}",le="0.005"} 3"#,
            r#"cadence_http_request_duration_seconds_bucket{route="/api/v1/x/{id}",le="0.05"} 5"#,
            r#"cadence_http_request_duration_seconds_bucket{route="/api/v1/x/{id}",le="1"} 6"#,
            r#"cadence_http_request_duration_seconds_bucket{route="/api/v1/x/{id}",le="10"} 6"#,
            r#"cadence_http_request_duration_seconds_bucket{route="/api/v1/x/{id}",le="+Inf"} 7"#,
            r#"cadence_http_request_duration_seconds_sum{route="/api/v1/x/{id}"} 20.784"#,
            r#"cadence_http_request_duration_seconds_count{route="/api/v1/x/{id}"} 7"#,
            r#"cadence_http_throttled_total{reason="credentials"} 1"#,
            r#"cadence_http_throttled_total{reason="requests"} 0"#,
        ] {
            assert!(out.lines().any(|l| l == line), "{line} missing from\n{out}");
        }
    }

    #[test]
    fn labels_are_escaped_and_methods_bounded() {
        assert_eq!(escape("a\"b\\c\nd"), r#"a\"b\\c\nd"#);
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
    }
}
