//! `cadence-server bench-recommendations`: latency of `GET /api/v1/recommendations`
//! through the real `app()` router (`oneshot`, no network), for random products
//! (anonymous) and random customers (account context, with a minted token), plus the time
//! of one co-occurrence rebuild on the same database.

use crate::app::{app, AppState};
use crate::auth::JwtKeys;
use crate::clock::Clock;
use crate::db::{Db, StoreError};
use crate::generate::rng::Rng;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use cadence_contract::Recommendations;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// Why a bench could not run (the requests' own failures are counted, not errors).
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the database has no products or customers")]
    Empty,
}

/// Which kind of request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `?context=product&sku=…`, anonymous.
    Product,
    /// `?context=account` with a customer token.
    Account,
}

/// Latencies of one kind of request.
#[derive(Clone, Debug)]
pub struct Stats {
    pub kind: Kind,
    pub count: usize,
    pub errors: usize,
    /// Mean number of recommendations per successful answer.
    pub mean_items: f64,
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
}

/// The nearest-rank percentile `p` (0 < p ≤ 1) of sorted samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        write!(
            f,
            "{:<8} count {:>6}  errors {:>3}  items {:>4.1}  p50 {:>7.3} ms  p95 {:>7.3} ms  p99 {:>7.3} ms  max {:>7.3} ms",
            match self.kind {
                Kind::Product => "product",
                Kind::Account => "account",
            },
            self.count,
            self.errors,
            self.mean_items,
            ms(self.p50),
            ms(self.p95),
            ms(self.p99),
            ms(self.max)
        )
    }
}

/// Percent-encodes a SKU for a query string (unreserved characters pass).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn ids(db: &Db, sql: &str) -> Result<Vec<String>, StoreError> {
    let conn = db.conn()?;
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |row| row.get(0))?;
    rows.collect::<crate::db::sql::Result<_>>()
}

/// One timed request: (latency, answered 200, number of items).
async fn one(router: Router, request: Request<Body>) -> (Duration, bool, usize) {
    let started = Instant::now();
    let response = match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await;
    let elapsed = started.elapsed();
    let items = body
        .ok()
        .and_then(|b| serde_json::from_slice::<Recommendations>(&b).ok())
        .map_or(0, |r| r.items.len());
    (elapsed, status == StatusCode::OK, items)
}

/// Runs `requests` requests of `kind`, `concurrency` at a time, after a short warm-up.
pub async fn run(
    db: &Db,
    keys: Arc<JwtKeys>,
    kind: Kind,
    requests: usize,
    concurrency: usize,
    seed: u64,
) -> Result<Stats, BenchError> {
    let clock = Clock::System;
    let router = app(AppState {
        db: db.clone(),
        clock,
        keys: keys.clone(),
        allowed_origins: Vec::new(),
        widget_dir: std::path::PathBuf::from("/nonexistent-widget-dir"),
        public_url: "http://bench.invalid".to_owned(),
        merchant_key: None,
        limits: Arc::default(),
        throttle: Arc::new(crate::throttle::Throttle::new(&Default::default())),
    });
    let pool = match kind {
        Kind::Product => ids(db, "SELECT sku FROM products ORDER BY sku")?,
        Kind::Account => ids(db, "SELECT id FROM customers ORDER BY id")?,
    };
    if pool.is_empty() {
        return Err(BenchError::Empty);
    }
    let mut rng = Rng::new(seed);
    let requests_for = |rng: &mut Rng, n: usize| -> Vec<Request<Body>> {
        (0..n)
            .map(|_| {
                let id = rng.pick(&pool);
                match kind {
                    Kind::Product => Request::get(format!(
                        "/api/v1/recommendations?context=product&sku={}",
                        encode(id)
                    ))
                    .body(Body::empty()),
                    Kind::Account => Request::get("/api/v1/recommendations?context=account")
                        .header(
                            header::AUTHORIZATION,
                            format!("Bearer {}", keys.mint(id, 3600, clock)),
                        )
                        .body(Body::empty()),
                }
                .expect("a valid request")
            })
            .collect()
    };
    for request in requests_for(&mut rng, (requests / 10).clamp(1, 50)) {
        one(router.clone(), request).await;
    }
    let concurrency = concurrency.max(1);
    let mut batches: Vec<Vec<Request<Body>>> = (0..concurrency).map(|_| Vec::new()).collect();
    for (i, request) in requests_for(&mut rng, requests).into_iter().enumerate() {
        batches[i % concurrency].push(request);
    }
    let mut tasks = Vec::new();
    for batch in batches {
        let router = router.clone();
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::with_capacity(batch.len());
            for request in batch {
                out.push(one(router.clone(), request).await);
            }
            out
        }));
    }
    let mut samples = Vec::with_capacity(requests);
    for task in tasks {
        samples.extend(task.await.map_err(StoreError::from)?);
    }
    let ok: Vec<_> = samples.iter().filter(|s| s.1).collect();
    let mut latencies: Vec<Duration> = samples.iter().map(|s| s.0).collect();
    latencies.sort();
    Ok(Stats {
        kind,
        count: samples.len(),
        errors: samples.len() - ok.len(),
        mean_items: ok.iter().map(|s| s.2 as f64).sum::<f64>() / ok.len().max(1) as f64,
        p50: percentile(&latencies, 0.50),
        p95: percentile(&latencies, 0.95),
        p99: percentile(&latencies, 0.99),
        max: latencies.last().copied().unwrap_or_default(),
    })
}

/// One co-occurrence rebuild, timed in its two steps as `refresh_db` runs them.
#[derive(Clone, Debug)]
pub struct RefreshTiming {
    /// Counting the pairs on a read snapshot (writers go on meanwhile).
    pub count: Duration,
    /// Replacing the table, holding the write lock.
    pub replace: Duration,
    pub pairs: usize,
}

impl fmt::Display for RefreshTiming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "co-occurrence rebuild: {} pairs; count {:.3} s (read snapshot), replace {:.3} s (write lock)",
            self.pairs,
            self.count.as_secs_f64(),
            self.replace.as_secs_f64()
        )
    }
}

/// Rebuilds the co-occurrence table once, as the server does, timing each step.
pub async fn time_refresh(db: &Db) -> Result<RefreshTiming, StoreError> {
    use crate::recommend::cooccurrence::{compute, replace};
    let started = Instant::now();
    let pairs = db.read(compute).await?;
    let count = started.elapsed();
    let started = Instant::now();
    let written = db.write(move |tx| replace(tx, &pairs)).await?;
    Ok(RefreshTiming {
        count,
        replace: started.elapsed(),
        pairs: written,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&samples, 0.5), Duration::from_millis(50));
        assert_eq!(percentile(&samples, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&samples, 1.0), Duration::from_millis(100));
        assert_eq!(percentile(&samples[..1], 0.95), Duration::from_millis(1));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn skus_are_encoded_for_the_query() {
        assert_eq!(encode("G00001-C1"), "G00001-C1");
        assert_eq!(encode("A&B C"), "A%26B%20C");
    }
}
