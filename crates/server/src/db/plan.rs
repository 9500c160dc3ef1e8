//! What a product's routine plan is built from: its usage question, maintenance routines,
//! the community signal, and the signed-in customer's machine with its due dates.

use super::products::{self, unit_from_sql, unit_to_sql};
use super::StoreError;
use crate::db::{Connection, OptionalExtension};
use crate::i18n::Lang;
use cadence_contract::{
    next_due, CommunityChoice, Date, Interval, Money, OwnedRoutine, Ownership, Product, Routine,
    UsageQuestion, COMMUNITY_MIN_OWNERS,
};
use std::collections::HashMap;

/// The product with its plan data, in the merchant's texts for `lang`; `customer`
/// (already authenticated) adds `ownership`.
pub fn product_for(
    conn: &Connection,
    sku: &str,
    customer: Option<&str>,
    today: Date,
    lang: Lang,
) -> Result<Option<Product>, StoreError> {
    let Some(mut product) = products::find(conn, sku)? else {
        return Ok(None);
    };
    product.usage = usage(conn, sku)?;
    // Consumables get no routines of their own: the durable's plan carries its upkeep,
    // and counting a filter both as a delivery and as maintenance would double its cost.
    if product.kind == cadence_contract::ProductKind::Durable {
        product.routines = routines(conn, sku)?.into_iter().map(|(_, r)| r).collect();
    }
    if let Some(offer) = &product.subscription {
        product.community = community(conn, sku, &offer.intervals)?;
    }
    if let Some(customer) = customer {
        product.ownership = ownership(conn, customer, sku, today)?;
    }
    super::translations::product(conn, lang, &mut product)?;
    Ok(Some(product))
}

pub fn usage(conn: &Connection, sku: &str) -> Result<Option<UsageQuestion>, StoreError> {
    conn.prepare_cached(
        "SELECT prompt, unit, min_value, max_value, default_value, units_per_use
             FROM usage_questions WHERE sku = ?1",
    )?
    .query_row([sku], |row| {
        Ok(UsageQuestion {
            prompt: row.get(0)?,
            unit: row.get(1)?,
            min: row.get(2)?,
            max: row.get(3)?,
            default: row.get(4)?,
            units_per_use: row.get(5)?,
        })
    })
    .optional()
}

/// A durable's routines with their row ids, in the order the merchant added them.
/// `consumable_price` is what one run uses: the pack price over its units, rounded up.
pub fn routines(conn: &Connection, durable: &str) -> Result<Vec<(i64, Routine)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, r.name, r.interval_days, r.consumable_sku, c.name, c.price_minor,
                c.currency, c.units_per_pack, r.guide_url
         FROM maintenance_routines r LEFT JOIN products c ON c.sku = r.consumable_sku
         WHERE r.durable_sku = ?1 ORDER BY r.id",
    )?;
    let rows = stmt.query_map([durable], |row| {
        let price: Option<i64> = row.get(5)?;
        let currency: Option<String> = row.get(6)?;
        let units = i64::from(row.get::<_, Option<u32>>(7)?.unwrap_or(1).max(1));
        Ok((
            row.get(0)?,
            Routine {
                name: row.get(1)?,
                every_days: row.get(2)?,
                consumable_sku: row.get(3)?,
                consumable_name: row.get(4)?,
                consumable_price: price
                    .zip(currency)
                    .map(|(p, c)| Money::new((p + units - 1) / units, c)),
                guide_url: row.get(8)?,
            },
        ))
    })?;
    rows.collect::<crate::db::sql::Result<_>>()
}

/// Active subscriptions of customers who own a machine their product fits (the rows the
/// community signal counts), for every product at once.
const COMMUNITY_FROM: &str = "FROM subscriptions s
     WHERE s.status = 'active'
       AND EXISTS (SELECT 1 FROM owned_products o
                   JOIN compatibility c ON c.model_sku = o.sku AND c.fits_sku = s.sku
                   WHERE o.customer_id = s.customer_id)";

/// One product's community choice as the background rebuild stores it
/// (`community_choices`, migration 0006): the interval most subscribing owners chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommunityRow {
    pub sku: String,
    /// Distinct owners subscribing to the product (at least `COMMUNITY_MIN_OWNERS`).
    pub owners: u32,
    pub interval: Interval,
    /// Distinct owners subscribing at `interval`.
    pub chosen_by: u32,
}

/// Every product's community choice: for each product with at least
/// `COMMUNITY_MIN_OWNERS` distinct subscribing owners, the interval most of them chose
/// (ties: the shorter; equal lengths: the first by count, then unit). Read-only, two
/// aggregates over all active subscriptions: the background rebuild runs it on a read
/// snapshot so no request pays for it.
pub fn compute_community(conn: &Connection) -> Result<Vec<CommunityRow>, StoreError> {
    let mut owners: HashMap<String, u32> = HashMap::new();
    {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT s.sku, count(DISTINCT s.customer_id) {COMMUNITY_FROM} GROUP BY s.sku"
        ))?;
        let rows = stmt.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get(1)?)))?;
        for row in rows {
            let (sku, n) = row?;
            owners.insert(sku, n);
        }
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT s.sku, s.interval_count, s.interval_unit, count(DISTINCT s.customer_id)
         {COMMUNITY_FROM}
         GROUP BY s.sku, s.interval_count, s.interval_unit
         ORDER BY s.sku, s.interval_count, s.interval_unit"
    ))?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, u16>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, u32>(3)?,
        ))
    })?;
    let mut choices: Vec<CommunityRow> = Vec::new();
    for row in rows {
        let (sku, count, unit, chosen_by) = row?;
        let Some(&owners) = owners.get(&sku).filter(|n| **n >= COMMUNITY_MIN_OWNERS) else {
            continue;
        };
        let interval = Interval {
            count,
            unit: unit_from_sql(&unit)?,
        };
        // Rows come grouped by product: the last choice is this product's best so far.
        match choices.last_mut() {
            Some(best) if best.sku == sku => {
                let better = chosen_by > best.chosen_by
                    || (chosen_by == best.chosen_by
                        && interval.approx_days() < best.interval.approx_days());
                if better {
                    best.interval = interval;
                    best.chosen_by = chosen_by;
                }
            }
            _ => choices.push(CommunityRow {
                sku,
                owners,
                interval,
                chosen_by,
            }),
        }
    }
    Ok(choices)
}

/// Replaces `community_choices` with `rows`; callers run it inside a transaction so
/// readers see the old or the new choices, never half.
pub fn replace_community(conn: &Connection, rows: &[CommunityRow]) -> Result<usize, StoreError> {
    conn.execute("DELETE FROM community_choices", [])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO community_choices (sku, owners, interval_count, interval_unit, chosen_by)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for row in rows {
        insert.execute(crate::params![
            row.sku,
            row.owners,
            row.interval.count,
            unit_to_sql(row.interval.unit),
            row.chosen_by
        ])?;
    }
    Ok(rows.len())
}

/// `community`'s query: one primary-key read (public so tests can check its plan).
pub const COMMUNITY_SQL: &str = "SELECT owners, interval_count, interval_unit, chosen_by
     FROM community_choices WHERE sku = ?1";

/// The interval most subscribing owners chose (ties: the shorter), when at least
/// `COMMUNITY_MIN_OWNERS` distinct owners subscribe and it is still one the shopper can
/// choose; otherwise `None`, so no individual's choice can be inferred. One primary-key
/// read of the precomputed `community_choices` (as of the last background rebuild);
/// `allowed` is the catalog's offer now, so an interval withdrawn since is never shown.
pub fn community(
    conn: &Connection,
    sku: &str,
    allowed: &[Interval],
) -> Result<Option<CommunityChoice>, StoreError> {
    let found = conn
        .prepare_cached(COMMUNITY_SQL)?
        .query_row([sku], |row| {
            Ok((
                row.get::<_, u32>(0)?,
                row.get::<_, u16>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, u32>(3)?,
            ))
        })
        .optional()?;
    let Some((owners, count, unit, chosen_by)) = found else {
        return Ok(None);
    };
    let interval = Interval {
        count,
        unit: unit_from_sql(&unit)?,
    };
    if owners < COMMUNITY_MIN_OWNERS || !allowed.contains(&interval) {
        return Ok(None);
    }
    Ok(Some(CommunityChoice {
        interval,
        share_percent: ((chosen_by * 200 + owners) / (owners * 2)).min(100) as u8,
        owners,
    }))
}

/// The customer's durable that is `sku` or that `sku` fits (the product itself first,
/// then the latest bought), with each routine's last and next date.
pub fn ownership(
    conn: &Connection,
    customer: &str,
    sku: &str,
    today: Date,
) -> Result<Option<Ownership>, StoreError> {
    let found = conn
        .prepare_cached(
            "SELECT o.sku, p.name, o.purchased_on
             FROM owned_products o JOIN products p ON p.sku = o.sku
             WHERE o.customer_id = ?1 AND p.kind = 'durable'
               AND (o.sku = ?2 OR EXISTS (SELECT 1 FROM compatibility c
                                          WHERE c.model_sku = o.sku AND c.fits_sku = ?2))
             ORDER BY o.sku = ?2 DESC, o.purchased_on DESC, o.sku LIMIT 1",
        )?
        .query_row([customer, sku], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .optional()?;
    let Some((model_sku, model_name, purchased_on)) = found else {
        return Ok(None);
    };
    let purchased_on = parse_date(&purchased_on)?;
    Ok(Some(Ownership {
        routines: owned_routines(conn, customer, &model_sku, purchased_on, today)?,
        reminded: reminded(conn, customer, &model_sku)?,
        model_sku,
        model_name,
        purchased_on,
    }))
}

/// Every durable the customer owns, with its routines (the calendar feed).
pub fn ownerships(
    conn: &Connection,
    customer: &str,
    today: Date,
) -> Result<Vec<Ownership>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.sku, p.name, max(o.purchased_on)
         FROM owned_products o JOIN products p ON p.sku = o.sku
         WHERE o.customer_id = ?1 AND p.kind = 'durable'
         GROUP BY o.sku, p.name ORDER BY o.sku",
    )?;
    let rows = stmt
        .query_map([customer], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?
        .collect::<crate::db::sql::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(model_sku, model_name, purchased_on)| {
            let purchased_on = parse_date(&purchased_on)?;
            Ok(Ownership {
                routines: owned_routines(conn, customer, &model_sku, purchased_on, today)?,
                reminded: reminded(conn, customer, &model_sku)?,
                model_sku,
                model_name,
                purchased_on,
            })
        })
        .collect()
}

/// Whether the customer is reminded of any task of machine `model`.
pub fn reminded(conn: &Connection, customer: &str, model: &str) -> Result<bool, StoreError> {
    conn.prepare_cached(
        "SELECT 1 FROM routine_reminders rr
         JOIN maintenance_routines r ON r.id = rr.routine_id
         WHERE rr.customer_id = ?1 AND r.durable_sku = ?2",
    )?
    .exists([customer, model])
}

/// next_due counts from the last time it was done, or from the purchase when it never
/// was (or only on a machine owned before this one).
fn owned_routines(
    conn: &Connection,
    customer: &str,
    model: &str,
    purchased_on: Date,
    today: Date,
) -> Result<Vec<OwnedRoutine>, StoreError> {
    let mut last = conn.prepare_cached(
        "SELECT max(done_on) FROM maintenance_log WHERE customer_id = ?1 AND routine_id = ?2",
    )?;
    routines(conn, model)?
        .into_iter()
        .map(|(id, routine)| {
            let done: Option<String> =
                last.query_row(crate::params![customer, id], |row| row.get(0))?;
            let last_done = done.as_deref().map(parse_date).transpose()?;
            let base = last_done.map_or(purchased_on, |d| d.max(purchased_on));
            Ok(OwnedRoutine {
                next_due: next_due(base, routine.every_days, today),
                routine,
                last_done,
            })
        })
        .collect()
}

fn parse_date(s: &str) -> Result<Date, StoreError> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("bad date {s:?} in the database")))
}
