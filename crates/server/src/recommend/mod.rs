//! Personal recommendations: candidate generators (`candidates`), a pure ranking
//! (`rank`) and the background co-occurrence table (`cooccurrence`), put together per
//! request by [`recommend`].

pub mod candidates;
pub mod cooccurrence;
pub mod rank;

#[cfg(test)]
mod tests;

use crate::db::StoreError;
use cadence_contract::{Date, Money, ReasonCode, Recommendation, RecommendationAction};
use rank::{Facts, Info};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashSet;

/// One proposal of one generator, before filtering and ranking.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub sku: String,
    pub reason: ReasonCode,
    pub score: u32,
    pub due_on: Option<Date>,
    pub owned_model: Option<String>,
    pub because_of: Option<String>,
    pub saving: Option<Money>,
}

impl Default for Candidate {
    fn default() -> Self {
        Candidate {
            sku: String::new(),
            reason: ReasonCode::Unknown,
            score: 0,
            due_on: None,
            owned_model: None,
            because_of: None,
            saving: None,
        }
    }
}

/// Base score per reason: a need with a date beats a fit, a fit beats a crowd signal.
/// Each generator adds at most 100 on top, so the order between kinds is fixed.
pub struct Weights;

impl Weights {
    pub const DUE_SOON: u32 = 400;
    pub const FITS: u32 = 300;
    pub const BETTER_VALUE: u32 = 250;
    pub const BOUGHT_TOGETHER: u32 = 200;
}

/// "Just bought": bought this many days ago or less, not recommended again.
pub const JUST_BOUGHT_DAYS: i64 = 14;

/// Who asks and what they look at.
#[derive(Clone, Debug, Default)]
pub struct Context {
    pub customer: Option<String>,
    /// The product page's product (product context); `None` in the account.
    pub viewed: Option<String>,
}

/// The ranked recommendations for `ctx`. Anonymous requests get only non-personal kinds
/// (bought together with the viewed product).
pub fn recommend(
    conn: &Connection,
    ctx: &Context,
    today: Date,
) -> Result<Vec<Recommendation>, StoreError> {
    let mut found = Vec::new();
    let mut facts = Facts::default();
    let mut anchors: Vec<String> = ctx.viewed.iter().cloned().collect();
    if let Some(viewed) = &ctx.viewed {
        facts.excluded.insert(viewed.clone());
        facts.models.extend(models_of(conn, viewed)?);
        found.extend(candidates::fits_viewed(conn, viewed)?);
    }
    if let Some(customer) = &ctx.customer {
        found.extend(candidates::due_soon(conn, customer, today)?);
        found.extend(candidates::fits_owned(conn, customer)?);
        found.extend(candidates::better_value(conn, customer, today)?);
        personal_facts(conn, customer, today, &mut facts)?;
        if ctx.viewed.is_none() {
            anchors.extend(recent_skus(conn, customer, today)?);
        }
    }
    found.extend(candidates::bought_together(conn, &anchors)?);
    for c in &found {
        if !facts.info.contains_key(&c.sku) {
            if let Some(info) = info(conn, &c.sku)? {
                facts.info.insert(c.sku.clone(), info);
            }
        }
    }
    let mut ranked = rank::rank(found, &facts);
    for rec in &mut ranked {
        with_subscribe_interval(conn, rec)?;
    }
    Ok(ranked)
}

/// A Subscribe action carries the product's default cadence, so the widget subscribes in
/// one request; a product with no offer the server would accept loses the action instead.
fn with_subscribe_interval(conn: &Connection, rec: &mut Recommendation) -> Result<(), StoreError> {
    if !rec.actions.contains(&RecommendationAction::Subscribe) {
        return Ok(());
    }
    let offer = crate::db::products::find(conn, &rec.sku)?.and_then(|p| p.subscription);
    rec.subscribe_interval = offer.map(|o| o.default_interval);
    if rec.subscribe_interval.is_none() {
        rec.actions
            .retain(|a| *a != RecommendationAction::Subscribe);
    }
    Ok(())
}

/// The durables `sku` is or fits: parts for them are on topic on its page.
fn models_of(conn: &Connection, sku: &str) -> Result<HashSet<String>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT sku FROM products WHERE sku = ?1 AND kind = 'durable'
         UNION SELECT model_sku FROM compatibility WHERE fits_sku = ?1",
    )?;
    let rows = stmt.query_map([sku], |row| row.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Exclusions and owned models of a signed-in customer.
fn personal_facts(
    conn: &Connection,
    customer: &str,
    today: Date,
    facts: &mut Facts,
) -> Result<(), StoreError> {
    let since = today
        .add_days(-JUST_BOUGHT_DAYS)
        .unwrap_or(today)
        .to_string();
    let mut stmt = conn.prepare_cached(
        "SELECT sku FROM subscriptions WHERE customer_id = ?1 AND status <> 'cancelled'
         UNION SELECT l.sku FROM orders o JOIN order_lines l ON l.order_id = o.id
               WHERE o.customer_id = ?1 AND o.ordered_on >= ?2
         UNION SELECT sku FROM owned_products WHERE customer_id = ?1",
    )?;
    for sku in stmt.query_map(params![customer, since], |row| row.get::<_, String>(0))? {
        facts.excluded.insert(sku?);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT o.sku FROM owned_products o JOIN products p ON p.sku = o.sku
         WHERE o.customer_id = ?1 AND p.kind = 'durable'",
    )?;
    for sku in stmt.query_map([customer], |row| row.get::<_, String>(0))? {
        facts.models.insert(sku?);
    }
    facts.next_delivery_subscription = conn
        .prepare_cached(
            "SELECT id FROM subscriptions WHERE customer_id = ?1 AND status = 'active'
               AND next_delivery IS NOT NULL ORDER BY next_delivery, id LIMIT 1",
        )?
        .query_row([customer], |row| row.get(0))
        .optional()?;
    Ok(())
}

/// What the customer bought in the last 180 days or subscribes to: the anchors of
/// "bought together" in the account.
fn recent_skus(conn: &Connection, customer: &str, today: Date) -> Result<Vec<String>, StoreError> {
    let since = today
        .add_days(-candidates::BETTER_VALUE_LOOKBACK_DAYS)
        .unwrap_or(today)
        .to_string();
    let mut stmt = conn.prepare_cached(
        "SELECT sku FROM subscriptions WHERE customer_id = ?1 AND status <> 'cancelled'
         UNION SELECT l.sku FROM orders o JOIN order_lines l ON l.order_id = o.id
               WHERE o.customer_id = ?1 AND o.ordered_on >= ?2",
    )?;
    let rows = stmt.query_map(params![customer, since], |row| row.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn info(conn: &Connection, sku: &str) -> Result<Option<Info>, StoreError> {
    let found = conn
        .prepare_cached(
            "SELECT name, price_minor, currency, kind, in_stock, subscribable
             FROM products WHERE sku = ?1",
        )?
        .query_row([sku], |row| {
            Ok(Info {
                name: row.get(0)?,
                price: Money::new(row.get(1)?, row.get::<_, String>(2)?),
                kind: crate::db::products::kind_from_sql(&row.get::<_, String>(3)?),
                in_stock: row.get(4)?,
                subscribable: row.get(5)?,
                fits_models: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut info) = found else {
        return Ok(None);
    };
    let mut stmt =
        conn.prepare_cached("SELECT model_sku FROM compatibility WHERE fits_sku = ?1")?;
    info.fits_models = stmt
        .query_map([sku], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(info))
}
