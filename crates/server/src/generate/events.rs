//! Generated recommendation events: a year of the widget's impressions, clicks and
//! actions, with their daily counts (what the merchant figures read).

use super::catalog::Family;
use super::rng::{Rng, Weighted};
use super::{days_ago, stamp, GenerateError};
use crate::db::Connection;
use crate::params;
use cadence_contract::Date;

/// Recommendation impressions over the last year, with clicks and actions at rates that
/// differ by reason (a due consumable converts better than a crowd signal).
pub(super) fn events(
    tx: &Connection,
    impressions: u32,
    families: &[Family],
    customers: &[String],
    rng: &mut Rng,
    today: Date,
) -> Result<u64, GenerateError> {
    if families.is_empty() || customers.is_empty() {
        return Ok(0);
    }
    // reason, share of impressions, click rate, conversion rate, the action converted (one
    // the server accepts: adding to the shop's cart is a click, not a conversion), context
    const REASONS: [(&str, f64, f64, f64, &str, &str); 4] = [
        (
            "due_soon",
            0.2,
            0.14,
            0.07,
            "add_to_next_delivery",
            "account",
        ),
        (
            "fits_what_you_own",
            0.3,
            0.07,
            0.025,
            "add_to_next_delivery",
            "account",
        ),
        (
            "bought_together",
            0.35,
            0.045,
            0.012,
            "subscribe",
            "product",
        ),
        ("better_value", 0.15, 0.09, 0.04, "subscribe", "account"),
    ];
    let pick_reason = Weighted::new(REASONS.iter().map(|r| r.1));
    let popularity = Weighted::new((0..families.len()).map(|f| 1.0 / (f as f64 + 1.0).powf(0.9)));
    let mut insert = tx.prepare_cached(
        "INSERT INTO ui_events (at, customer_id, kind, sku, reason, action, context)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut count = tx.prepare_cached(
        "INSERT INTO ui_event_daily (day, reason, impressions, clicks, actions)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (day, reason) DO UPDATE SET impressions = ui_event_daily.impressions + excluded.impressions,
           clicks = ui_event_daily.clicks + excluded.clicks,
           actions = ui_event_daily.actions + excluded.actions",
    )?;
    let mut rows = 0u64;
    for _ in 0..impressions {
        let (reason, _, click, act, action, context) =
            REASONS[pick_reason.sample(rng).unwrap_or(0)];
        let family = &families[popularity.sample(rng).unwrap_or(0)];
        let sku = if reason == "fits_what_you_own" {
            &rng.pick(&family.accessories).sku
        } else {
            &rng.pick(&family.capsules).sku
        };
        let customer = (context == "account" || rng.chance(0.3)).then(|| rng.pick(customers));
        let at = stamp(days_ago(today, rng.range(0, 364)), rng);
        insert.execute(params![
            at,
            customer,
            "impression",
            sku,
            reason,
            None::<&str>,
            context
        ])?;
        rows += 1;
        let clicked = rng.chance(click);
        if clicked {
            insert.execute(params![
                at,
                customer,
                "click",
                sku,
                reason,
                None::<&str>,
                context
            ])?;
            rows += 1;
        }
        let acted = rng.chance(act);
        if acted {
            insert.execute(params![
                at, customer, "action", sku, reason, action, context
            ])?;
            rows += 1;
        }
        // The merchant figures read daily counts (`ui_event_daily`), kept as events arrive.
        let day = &at[..10];
        count.execute(params![
            day,
            reason,
            1,
            i64::from(clicked),
            i64::from(acted)
        ])?;
    }
    Ok(rows)
}
