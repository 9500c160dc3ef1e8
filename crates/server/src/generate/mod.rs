//! `cadence-server seed`: a realistic, deterministic dataset for measuring the server —
//! machine families (a machine, four capsule varieties, a descaler, a water filter, three
//! accessories, with routines and compatibility), customers who own a machine, their
//! orders over two years with habits that make products co-occur, subscriptions with
//! their audit trail (skips, pauses, cancellations, pauses taken on the cancel offer) and
//! the widget's recommendation events. The same `--seed` always gives the same data.
//!
//! Written in a few transactions (catalog; customers with their orders and subscriptions;
//! events), then the co-occurrence table is rebuilt like the server does in the background.
//! One file per thing generated: `catalog`, `customers` (and their orders),
//! `subscriptions` (with their audit trail), `events`; `rng` the deterministic randomness.

mod catalog;
mod customers;
mod events;
pub mod rng;
mod subscriptions;

use crate::db::Db;
use crate::db::StoreError;
use crate::params;
use cadence_contract::Date;
use rng::Rng;

/// The `meta` key recording that (and with what) generated data was inserted.
pub const MARK_KEY: &str = "generated_data";

/// Products per machine family: machine, 4 capsules, descaler, filter, 3 accessories.
pub const FAMILY_SIZE: u32 = 10;

/// How far back orders go, in days.
pub const HORIZON_DAYS: i64 = 730;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    pub products: u32,
    pub orders: u32,
    pub customers: u32,
    pub seed: u64,
}

impl Params {
    /// Scale 1 is demo-sized: 100 products, 1 000 orders, 250 customers; all grow linearly.
    pub fn at_scale(scale: u32, seed: u64) -> Params {
        Params {
            products: 100 * scale,
            orders: 1_000 * scale,
            customers: 250 * scale,
            seed,
        }
    }
}

/// What was inserted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub products: u64,
    pub customers: u64,
    pub orders: u64,
    pub order_lines: u64,
    pub subscriptions: u64,
    pub subscription_changes: u64,
    pub ui_events: u64,
    /// Rows of the rebuilt co-occurrence table (both directions).
    pub cooccurrence_pairs: u64,
    /// How long each step took, in order.
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

/// Why `seed` could not generate.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// Generated ids would collide with the ones already there.
    #[error("this database already holds generated data; use a new file")]
    AlreadyGenerated,
    #[error("orders need at least one complete machine family: 7 products or more")]
    NoCompleteFamily,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<serde_json::Error> for GenerateError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::from(e).into()
    }
}

/// Inserts the dataset into a migrated database; refuses if generated data is already
/// there (the ids would collide). Demo data, if any, is left as it is.
pub fn generate(db: &Db, p: &Params, today: Date) -> Result<Summary, GenerateError> {
    let conn = db.conn()?;
    let already: i64 = conn.query_row(
        "SELECT count(*) FROM meta WHERE key = ?1",
        [MARK_KEY],
        |r| r.get(0),
    )?;
    if already > 0 {
        return Err(GenerateError::AlreadyGenerated);
    }
    if p.orders > 0 && p.products < FAMILY_SIZE - 3 {
        return Err(GenerateError::NoCompleteFamily);
    }
    let mut rng = Rng::new(p.seed);
    let mut summary = Summary::default();
    let mut clock = std::time::Instant::now();
    let mut lap = |summary: &mut Summary, step| {
        summary.timings.push((step, clock.elapsed()));
        clock = std::time::Instant::now();
    };

    let families = db.write_once_blocking(|tx| catalog::catalog(tx, p.products, &mut rng))?;
    summary.products = u64::from(p.products);
    lap(&mut summary, "catalog");

    let customer_ids = db.write_once_blocking(|tx| {
        customers::customers(tx, p, &families, &mut rng, today, &mut summary)
    })?;
    lap(&mut summary, "customers, orders, subscriptions");

    summary.ui_events = db.write_once_blocking(|tx| {
        let events = events::events(tx, p.orders / 2, &families, &customer_ids, &mut rng, today)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)",
            params![
                MARK_KEY,
                format!(
                    "seed={} products={} orders={} customers={} on={today}",
                    p.seed, p.products, p.orders, p.customers
                )
            ],
        )?;
        Ok::<_, GenerateError>(events)
    })?;
    lap(&mut summary, "recommendation events");

    summary.cooccurrence_pairs =
        db.write_once_blocking(crate::recommend::cooccurrence::refresh)? as u64;
    lap(&mut summary, "co-occurrence rebuild");
    Ok(summary)
}

fn days_ago(today: Date, days: i64) -> Date {
    today.add_days(-days).unwrap_or(today)
}

fn stamp(date: Date, rng: &mut Rng) -> String {
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        rng.range(7, 22),
        rng.range(0, 59),
        rng.range(0, 59)
    )
}
