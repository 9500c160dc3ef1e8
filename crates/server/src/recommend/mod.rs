//! Personal recommendations: candidate generators (`candidates`), a pure ranking
//! (`rank`) and the background co-occurrence table (`cooccurrence`), put together per
//! request by [`recommend`].

pub mod candidates;
pub mod cooccurrence;
pub mod rank;

use crate::db::StoreError;
use crate::db::{Connection, OptionalExtension};
use crate::params;
use cadence_contract::{Date, Money, ReasonCode, Recommendation, RecommendationAction};
use rank::{Facts, Info};
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
    rows.collect::<crate::db::sql::Result<_>>()
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
    rows.collect::<crate::db::sql::Result<_>>()
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
        .collect::<crate::db::sql::Result<_>>()?;
    Ok(Some(info))
}

#[cfg(test)]
mod tests {
    //! `recommend` end to end on the demo data; the generators' tests use its helpers.

    use super::*;
    use crate::clock::Clock;
    use crate::db::Db;

    /// 2026-03-15, the integration tests' "today".
    pub(super) fn today() -> Date {
        Date::from_ymd(2026, 3, 15).unwrap()
    }

    pub(super) fn seeded() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(&dir.path().join("t.db")).unwrap();
        crate::demo_data::insert_on_first_start(&db, Clock::fixed_on(today())).unwrap();
        (dir, db)
    }

    #[test]
    fn anonymous_product_context_gets_no_personal_kinds() {
        let (_dir, db) = seeded();
        let ctx = Context {
            customer: None,
            viewed: Some("CAPS-INTENSO".into()),
        };
        let out = recommend(&db.conn().unwrap(), &ctx, today()).unwrap();
        assert!(!out.is_empty());
        for r in &out {
            assert_eq!(r.reason, ReasonCode::BoughtTogether, "{r:?}");
            assert!(r.because_of.is_some(), "{r:?}");
            assert_ne!(r.sku, "CAPS-INTENSO");
            assert!(r.subscription_id.is_none());
            assert!(!r.actions.contains(&RecommendationAction::AddToNextDelivery));
        }
    }

    #[test]
    fn adas_account_excludes_what_she_subscribes_to_and_owns() {
        let (_dir, db) = seeded();
        let ctx = Context {
            customer: Some("cust_ada".into()),
            viewed: None,
        };
        let out = recommend(&db.conn().unwrap(), &ctx, today()).unwrap();
        let skus: Vec<_> = out.iter().map(|r| r.sku.as_str()).collect();
        assert!(!skus.contains(&"CAPS-INTENSO"), "{skus:?}");
        assert!(!skus.contains(&"BARISTA-ONE"), "{skus:?}");
        assert_eq!(out[0].sku, "WATER-FILTER");
        assert_eq!(out[0].reason, ReasonCode::DueSoon);
        let frother = out.iter().find(|r| r.sku == "MILK-FROTHER").unwrap();
        assert_eq!(frother.reason, ReasonCode::FitsWhatYouOwn);
    }

    #[test]
    fn anonymous_machine_page_gets_what_fits_it_without_claiming_ownership() {
        let (_dir, db) = seeded();
        let conn = db.conn().unwrap();
        let ctx = Context {
            customer: None,
            viewed: Some("BARISTA-ONE".into()),
        };
        let out = recommend(&conn, &ctx, today()).unwrap();
        let fitting: HashSet<String> = conn
            .prepare("SELECT fits_sku FROM compatibility WHERE model_sku = 'BARISTA-ONE'")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(!out.is_empty());
        for r in &out {
            assert!(fitting.contains(&r.sku), "{r:?} does not fit the machine");
            assert!(r.owned_model.is_none(), "{r:?}");
            assert!(
                matches!(
                    r.reason,
                    ReasonCode::FitsWhatYouOwn | ReasonCode::BoughtTogether
                ),
                "{r:?}"
            );
            assert!(!r.actions.contains(&RecommendationAction::AddToNextDelivery));
        }
        assert!(out.iter().any(|r| r.reason == ReasonCode::FitsWhatYouOwn
            && r.because_of.as_deref() == Some("Barista One")));
    }

    #[test]
    fn a_subscribe_action_names_the_products_default_cadence() {
        let (_dir, db) = seeded();
        let conn = db.conn().unwrap();
        let ctx = Context {
            customer: Some("cust_grace".into()),
            viewed: None,
        };
        let out = recommend(&conn, &ctx, today()).unwrap();
        // Grace's Lungo: a consumable she may subscribe to.
        let lungo = out.iter().find(|r| r.sku == "CAPS-LUNGO").unwrap();
        assert!(
            lungo.actions.contains(&RecommendationAction::Subscribe),
            "{lungo:?}"
        );
        let offer = crate::db::products::find(&conn, "CAPS-LUNGO")
            .unwrap()
            .unwrap()
            .subscription
            .unwrap();
        assert_eq!(lungo.subscribe_interval, Some(offer.default_interval));
        for r in &out {
            let subscribes = r.actions.contains(&RecommendationAction::Subscribe);
            assert_eq!(subscribes, r.subscribe_interval.is_some(), "{r:?}");
        }
        // A product that no longer offers a subscription loses the action, not the row.
        conn.execute("DELETE FROM product_intervals WHERE sku = 'CAPS-LUNGO'", [])
            .unwrap();
        let out = recommend(&conn, &ctx, today()).unwrap();
        let lungo = out.iter().find(|r| r.sku == "CAPS-LUNGO").unwrap();
        assert!(
            !lungo.actions.contains(&RecommendationAction::Subscribe),
            "{lungo:?}"
        );
        assert!(
            lungo.actions.contains(&RecommendationAction::AddToCart),
            "{lungo:?}"
        );
        assert_eq!(lungo.subscribe_interval, None);
    }
}
