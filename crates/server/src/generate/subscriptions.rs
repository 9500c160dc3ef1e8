//! One generated subscription and its audit trail: started at a customer's second order,
//! sometimes skipped or paused on the cancel offer, and today active, paused or cancelled.

use super::rng::Rng;
use super::{days_ago, stamp, GenerateError, Summary};
use crate::db::Connection;
use crate::params;
use cadence_contract::{Date, Interval, SubscriptionSnapshot, SubscriptionStatus};

const CANCEL_REASONS: [&str; 5] = [
    "too_much_product",
    "too_expensive",
    "no_longer_needed",
    "trying_something_else",
    "other",
];

/// One audit row of a generated subscription.
struct Change {
    at: String,
    action: &'static str,
    before: Option<String>,
    after: String,
    reason: Option<&'static str>,
    via: Option<&'static str>,
}

/// How a generated subscription stands today, as its row stores it.
struct Standing {
    status: &'static str,
    anchor: Date,
    next: Option<Date>,
    paused_until: Option<Date>,
    cancelled_on: Option<Date>,
    reactivate_until: Option<Date>,
    /// The day it stopped delivering (paused or cancelled), if it did.
    ended: Option<Date>,
}

/// Who subscribes to what, and when.
#[derive(Clone, Copy)]
pub(super) struct NewSubscription<'a> {
    /// The customer's number: the subscription's id is `sub_gen_<number>`.
    pub number: usize,
    pub customer: &'a str,
    pub sku: &'a str,
    /// Days between the customer's orders: the subscription's interval follows it.
    pub rhythm: i64,
    pub start: Date,
}

/// A subscription as its customer's orders see it: those from `start` until `end` (if it
/// ended) are its deliveries.
pub(super) struct Delivering {
    pub id: String,
    pub start: Date,
    pub end: Option<Date>,
}

/// Inserts the subscription with its audit trail.
pub(super) fn subscribe(
    tx: &Connection,
    new: &NewSubscription<'_>,
    rng: &mut Rng,
    today: Date,
    summary: &mut Summary,
) -> Result<Delivering, GenerateError> {
    let mut subscription = tx.prepare_cached(
        "INSERT INTO subscriptions (id, customer_id, sku, quantity, interval_count, interval_unit,
            status, anchor_date, next_delivery, discount_percent, version, created_at, updated_at,
            paused_until, cancelled_on, reactivate_until, unit_price_minor)
         VALUES (?1, ?2, ?3, ?4, ?5, 'week', ?6, ?7, ?8, 10, ?9, ?10, ?11, ?12, ?13, ?14,
            (SELECT p.price_minor FROM products p WHERE p.sku = ?3))",
    )?;
    let mut change = tx.prepare_cached(
        "INSERT INTO subscription_changes
            (subscription_id, actor, action, before_json, after_json, reason, at, via)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    let NewSubscription {
        number,
        customer,
        sku,
        rhythm,
        start,
    } = *new;
    let weeks = ((rhythm + 7) / 14 * 2).clamp(2, 8) as u16;
    let interval = Interval::weeks(weeks);
    let quantity = rng.range(1, 2) as u32;
    let sub_id = format!("sub_gen_{number:06}");
    let age = start.days_until(today);
    let ended = days_ago(today, rng.range(0, (age - 1).max(0)));
    let roll = rng.unit();
    let snap = |status, next| snapshot(sku, quantity, interval, status, next);
    let active_next = |day: Date| next_after(interval, start, day);
    let created_at = format!("{start}T08:00:00Z");
    let mut trail = vec![Change {
        at: created_at.clone(),
        action: "create",
        before: None,
        after: snap(SubscriptionStatus::Active, active_next(start))?,
        reason: None,
        via: None,
    }];
    let last_active = if roll < 0.7 { today } else { ended };
    for _ in 0..rng.range(0, 2) {
        if start >= last_active {
            break;
        }
        let on = start
            .add_days(rng.range(1, start.days_until(last_active)))
            .unwrap_or(start);
        let s = snap(SubscriptionStatus::Active, active_next(on))?;
        trail.push(Change {
            at: stamp(on, rng),
            action: "skip",
            before: Some(s.clone()),
            after: s,
            reason: None,
            via: None,
        });
    }
    // A pause taken on the cancel offer, long since over.
    if roll < 0.7 && start < today && rng.chance(0.12) {
        let on = start
            .add_days(rng.range(1, start.days_until(today)))
            .unwrap_or(start);
        trail.push(Change {
            at: stamp(on, rng),
            action: "pause_for",
            before: Some(snap(SubscriptionStatus::Active, active_next(on))?),
            after: snap(SubscriptionStatus::Paused, None)?,
            reason: None,
            via: Some("cancel_offer"),
        });
    }
    let standing = if roll < 0.7 {
        Standing {
            status: "active",
            anchor: start,
            next: active_next(today),
            paused_until: None,
            cancelled_on: None,
            reactivate_until: None,
            ended: None,
        }
    } else if roll < 0.85 {
        let via_offer = rng.chance(0.3);
        let until = via_offer
            .then(|| {
                interval
                    .upcoming(start, ended.add_days(1)?, 2)
                    .get(1)
                    .copied()
            })
            .flatten();
        trail.push(Change {
            at: stamp(ended, rng),
            action: if via_offer { "pause_for" } else { "pause" },
            before: Some(snap(SubscriptionStatus::Active, active_next(ended))?),
            after: snap(SubscriptionStatus::Paused, until)?,
            reason: None,
            via: via_offer.then_some("cancel_offer"),
        });
        Standing {
            status: "paused",
            anchor: start,
            next: until.filter(|u| *u > today),
            paused_until: until,
            cancelled_on: None,
            reactivate_until: None,
            ended: Some(ended),
        }
    } else {
        let had = active_next(ended).unwrap_or(ended);
        trail.push(Change {
            at: stamp(ended, rng),
            action: "cancel",
            before: Some(snap(SubscriptionStatus::Active, Some(had))?),
            after: snap(SubscriptionStatus::Cancelled, None)?,
            reason: rng.chance(0.6).then(|| *rng.pick(&CANCEL_REASONS)),
            via: None,
        });
        Standing {
            status: "cancelled",
            anchor: had,
            next: None,
            paused_until: None,
            cancelled_on: Some(ended),
            reactivate_until: ended.add_days(30),
            ended: Some(ended),
        }
    };
    // In time order, so audit ids follow time as they do when the API writes them.
    trail.sort_by(|a, b| a.at.cmp(&b.at));
    let updated_at = trail
        .last()
        .map(|t| t.at.clone())
        .unwrap_or(created_at.clone());
    let date = |d: Option<Date>| d.map(|d| d.to_string());
    subscription.execute(params![
        sub_id,
        customer,
        sku,
        quantity,
        weeks,
        standing.status,
        standing.anchor.to_string(),
        date(standing.next),
        trail.len() as i64,
        created_at,
        updated_at,
        date(standing.paused_until),
        date(standing.cancelled_on),
        date(standing.reactivate_until),
    ])?;
    for c in &trail {
        change.execute(params![
            sub_id, "customer", c.action, c.before, c.after, c.reason, c.at, c.via
        ])?;
    }
    summary.subscriptions += 1;
    summary.subscription_changes += trail.len() as u64;
    Ok(Delivering {
        id: sub_id,
        start,
        end: standing.ended,
    })
}

/// The next delivery after `day` of a schedule anchored on `anchor`.
fn next_after(interval: Interval, anchor: Date, day: Date) -> Option<Date> {
    interval
        .upcoming(anchor, day.add_days(1)?, 1)
        .first()
        .copied()
}

fn snapshot(
    sku: &str,
    quantity: u32,
    interval: Interval,
    status: SubscriptionStatus,
    next_delivery: Option<Date>,
) -> Result<String, GenerateError> {
    Ok(serde_json::to_string(&SubscriptionSnapshot {
        sku: sku.to_owned(),
        quantity,
        interval,
        status,
        next_delivery,
        // The generated history states no prices (it is made before they are known).
        price_per_delivery: None,
    })?)
}
