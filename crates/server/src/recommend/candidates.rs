//! Candidate generators: each proposes products for one reason, with the fact behind it
//! and a score; exclusions, compatibility and ranking are `rank`'s job.

use super::{Candidate, Weights};
use crate::db;
use crate::db::Connection;
use crate::db::StoreError;
use crate::params;
use cadence_contract::{Date, Money, ReasonCode};

/// A routine's consumable is "due soon" when the routine falls due within this many days.
pub const DUE_WITHIN_DAYS: i64 = 30;

/// A one-time purchase this recent is a "current choice" that a subscription can beat.
pub const BETTER_VALUE_LOOKBACK_DAYS: i64 = 180;

/// Consumables of the customer's machines whose routine is due within 30 days (overdue
/// counts as due today): the sooner, the higher.
pub fn due_soon(
    conn: &Connection,
    customer: &str,
    today: Date,
) -> Result<Vec<Candidate>, StoreError> {
    let mut out = Vec::new();
    for owned in db::plan::ownerships(conn, customer, today)? {
        for r in &owned.routines {
            let Some(sku) = r.routine.consumable_sku.clone() else {
                continue;
            };
            let days = today.days_until(r.next_due).max(0);
            if days > DUE_WITHIN_DAYS {
                continue;
            }
            out.push(Candidate {
                sku,
                reason: ReasonCode::DueSoon,
                score: Weights::DUE_SOON + (DUE_WITHIN_DAYS - days) as u32 * 3,
                due_on: Some(r.next_due.max(today)),
                owned_model: Some(owned.model_name.clone()),
                ..Candidate::default()
            });
        }
    }
    Ok(out)
}

/// Everything that fits a durable the customer owns; accessories (bought once, so
/// likely not owned yet) before consumables.
pub fn fits_owned(conn: &Connection, customer: &str) -> Result<Vec<Candidate>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT c.fits_sku, m.name, f.kind = 'accessory'
         FROM owned_products o
         JOIN products m ON m.sku = o.sku AND m.kind = 'durable'
         JOIN compatibility c ON c.model_sku = o.sku
         JOIN products f ON f.sku = c.fits_sku
         WHERE o.customer_id = ?1",
    )?;
    let rows = stmt.query_map([customer], |row| {
        Ok(Candidate {
            sku: row.get(0)?,
            reason: ReasonCode::FitsWhatYouOwn,
            score: Weights::FITS + if row.get::<_, bool>(2)? { 20 } else { 0 },
            owned_model: Some(row.get(1)?),
            ..Candidate::default()
        })
    })?;
    rows.collect::<crate::db::sql::Result<_>>()
}

/// On a machine's product page, what fits that machine (for anyone, signed in or not):
/// `because_of` names the machine, `owned_model` stays empty since nobody said they own
/// it. Scored below "fits what you own", which is personal.
pub fn fits_viewed(conn: &Connection, viewed: &str) -> Result<Vec<Candidate>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.fits_sku, m.name, f.kind = 'accessory'
         FROM products m
         JOIN compatibility c ON c.model_sku = m.sku
         JOIN products f ON f.sku = c.fits_sku
         WHERE m.sku = ?1 AND m.kind = 'durable'",
    )?;
    let rows = stmt.query_map([viewed], |row| {
        Ok(Candidate {
            sku: row.get(0)?,
            reason: ReasonCode::FitsWhatYouOwn,
            score: Weights::FITS - 50 + if row.get::<_, bool>(2)? { 20 } else { 0 },
            because_of: Some(row.get(1)?),
            ..Candidate::default()
        })
    })?;
    rows.collect::<crate::db::sql::Result<_>>()
}

/// Products that share at least `MIN_SUPPORT` orders with one of `anchors` (from the
/// background-built table): more shared orders, higher score (capped).
pub fn bought_together(
    conn: &Connection,
    anchors: &[String],
) -> Result<Vec<Candidate>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.sku_b, p.name, c.orders FROM cooccurrence c JOIN products p ON p.sku = c.sku_a
         WHERE c.sku_a = ?1 AND c.orders >= ?2",
    )?;
    let mut out = Vec::new();
    for anchor in anchors {
        let rows = stmt.query_map(params![anchor, super::cooccurrence::MIN_SUPPORT], |row| {
            let orders: i64 = row.get(2)?;
            Ok(Candidate {
                sku: row.get(0)?,
                reason: ReasonCode::BoughtTogether,
                score: Weights::BOUGHT_TOGETHER + orders.clamp(0, 100) as u32,
                because_of: Some(row.get(1)?),
                ..Candidate::default()
            })
        })?;
        for c in rows {
            out.push(c?);
        }
    }
    Ok(out)
}

/// Consumables the customer bought one-time lately without subscribing, where the
/// subscription costs less per unit: the saving is per delivery of one pack. Never
/// proposes something that costs more per unit (a discount of 0 proposes nothing).
pub fn better_value(
    conn: &Connection,
    customer: &str,
    today: Date,
) -> Result<Vec<Candidate>, StoreError> {
    let since = today
        .add_days(-BETTER_VALUE_LOOKBACK_DAYS)
        .unwrap_or(today)
        .to_string();
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT p.sku, p.price_minor, p.currency, p.discount_percent
         FROM orders o JOIN order_lines l ON l.order_id = o.id
         JOIN products p ON p.sku = l.sku
         WHERE o.customer_id = ?1 AND o.ordered_on >= ?2 AND o.subscription_id IS NULL
           AND p.kind = 'consumable' AND p.subscribable = 1 AND p.discount_percent > 0",
    )?;
    let rows = stmt.query_map(params![customer, since], |row| {
        let price = Money::new(row.get(1)?, row.get::<_, String>(2)?);
        let percent: u8 = row.get(3)?;
        let saving = price.amount_minor - price.discounted(percent).amount_minor;
        Ok((row.get::<_, String>(0)?, price.currency, saving))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (sku, currency, saving) = row?;
        if saving <= 0 {
            continue;
        }
        out.push(Candidate {
            sku,
            reason: ReasonCode::BetterValue,
            score: Weights::BETTER_VALUE + (saving / 10).clamp(0, 50) as u32,
            saving: Some(Money::new(saving, currency)),
            ..Candidate::default()
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::recommend::candidates;
    use crate::recommend::tests::{seeded, today};
    use cadence_contract::Money;
    use std::collections::HashSet;

    #[test]
    fn due_soon_finds_adas_water_filter_with_its_date_and_machine() {
        let (_dir, db) = seeded();
        let found = candidates::due_soon(&db.conn().unwrap(), "cust_ada", today()).unwrap();
        // Bought 400 days ago, never logged, every 60 days: due in 20 days. Descaling was
        // logged 300 days ago (every 90): due in 60 days, too far.
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].sku, "WATER-FILTER");
        assert_eq!(found[0].due_on, today().add_days(20));
        assert_eq!(found[0].owned_model.as_deref(), Some("Barista One"));
        assert_eq!(found[0].score, 400 + 10 * 3);
    }

    #[test]
    fn fits_owned_only_proposes_parts_of_owned_machines() {
        let (_dir, db) = seeded();
        let conn = db.conn().unwrap();
        let found = candidates::fits_owned(&conn, "cust_ada").unwrap();
        let skus: HashSet<_> = found.iter().map(|c| c.sku.as_str()).collect();
        assert!(skus.contains("MILK-FROTHER"));
        for c in &found {
            let fits: bool = conn
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM compatibility c JOIN owned_products o
                       ON o.sku = c.model_sku WHERE o.customer_id = 'cust_ada' AND c.fits_sku = ?1)",
                    [&c.sku],
                    |r| r.get(0),
                )
                .unwrap();
            assert!(fits, "{} does not fit", c.sku);
        }
        assert!(candidates::fits_owned(&conn, "cust_nobody")
            .unwrap()
            .is_empty());
    }

    #[test]
    fn bought_together_respects_the_minimum_support() {
        let (_dir, db) = seeded();
        let conn = db.conn().unwrap();
        let found = candidates::bought_together(&conn, &["CAPS-INTENSO".into()]).unwrap();
        let skus: Vec<_> = found.iter().map(|c| (c.sku.as_str(), c.score)).collect();
        // Descaling kit: 3 shared orders; water filter: 3 (Ada's + 2); the machine: 1 (hidden).
        assert!(skus.contains(&("DESCALE-KIT", 203)), "{skus:?}");
        assert!(skus.contains(&("WATER-FILTER", 203)), "{skus:?}");
        assert!(!skus.iter().any(|(s, _)| *s == "BARISTA-ONE"));
        // Lungo + frother: only one order.
        assert!(candidates::bought_together(&conn, &["CAPS-LUNGO".into()])
            .unwrap()
            .iter()
            .all(|c| c.sku != "MILK-FROTHER"));
    }

    #[test]
    fn better_value_only_when_subscribing_costs_less() {
        let (_dir, db) = seeded();
        let conn = db.conn().unwrap();
        // Grace bought Lungo one-time (10 % off by subscription: 165 cents less per pack).
        let found = candidates::better_value(&conn, "cust_grace", today()).unwrap();
        let lungo = found.iter().find(|c| c.sku == "CAPS-LUNGO").unwrap();
        assert_eq!(lungo.saving, Some(Money::new(165, "EUR")));
        assert!(found
            .iter()
            .all(|c| c.saving.as_ref().unwrap().amount_minor > 0));
        conn.execute("UPDATE products SET discount_percent = 0", [])
            .unwrap();
        assert!(candidates::better_value(&conn, "cust_grace", today())
            .unwrap()
            .is_empty());
    }
}
