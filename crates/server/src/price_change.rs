//! Price lock: a subscription pays the unit price it was agreed at (subscribe, swap,
//! import; `subscriptions.unit_price_minor`), whatever the catalog says later. The only way
//! that price changes is a merchant's price change (`POST /api/v1/admin/price-changes`):
//! announced at least the notice period ahead (`price_notice_days`, 30 by default and at
//! least), with a notice to the shopper made in the same transaction, shown in their
//! account as the coming price, and applied on its date — unless they cancelled before.
//!
//! - [`schedule`]: the announcement, per subscription: a `price_changes` row, a version,
//!   a `price_change_scheduled` history row and event, and the notice;
//! - [`apply_due`]: folds a change whose date has come into the agreed price (a version, a
//!   `price_changed` history row and event, whose receipt records it). The scheduler calls
//!   it before each delivery (so a delivery dated before the change pays the old price and
//!   one on or after it the new) and in every pass; a shopper's change calls it first.

use crate::db::changes::{self, NewChange};
use crate::db::price_changes::{self, PriceChange};
use crate::db::{subscriptions, Connection, StoreError};
use crate::error::ApiError;
use crate::notify::data::PriceChangeNotice;
use crate::notify::store::{self, NewMessage};
use crate::notify::{settings, Kind, Notifier};
use crate::outbox::{self, ChangeSummary, SubscriptionEventData};
use crate::params;
use crate::scheduler::deliver::snapshot;
use crate::selfservice::At;
use cadence_contract::{Date, Money, SubscriptionStatus};
use cadence_webhooks::EventType;

/// A merchant's price change, checked for shape (the route's body).
pub struct Request {
    pub sku: String,
    /// The new unit price, in minor units of the product's currency, before each
    /// subscription's own discount.
    pub unit_price_minor: i64,
    pub effective_on: Date,
    /// Only this subscription (of `sku`); `None`: every one not cancelled.
    pub subscription_id: Option<String>,
}

/// What an announcement covers: every change of the request (new or announced before by
/// the same request), and how many are new.
pub struct Scheduled {
    pub changes: Vec<PriceChange>,
    pub created: u32,
}

/// Announces `request` inside `tx`; see the module comment. The same request again finds
/// its changes scheduled and makes nothing twice. A subscription whose coming change is
/// another one is a 409 (nothing is written: one change at a time, and a notice once
/// sent is not taken back silently); one already at the new price is left alone.
pub fn schedule(
    tx: &Connection,
    notifier: &Notifier,
    request: &Request,
    at: &At,
) -> Result<Scheduled, ApiError> {
    let settings = settings::load(tx)?;
    let days = i64::from(settings.price_notice_days);
    let earliest = at
        .today
        .add_days(days)
        .ok_or_else(|| ApiError::Internal("a notice date beyond year 9999".into()))?;
    if request.effective_on < earliest {
        return Err(ApiError::field(
            "/effective_on",
            format!(
                "A price change needs {days} days' notice (the notification settings' \
                 price_notice_days): {earliest} or later."
            ),
        ));
    }
    let known: bool = tx
        .prepare_cached("SELECT 1 FROM products WHERE sku = ?1")?
        .exists([&request.sku])?;
    if !known {
        return Err(ApiError::field("/sku", "No product has this SKU."));
    }
    let pair = |row: &crate::db::Row<'_>| Ok((row.get(0)?, row.get(1)?));
    let targets: Vec<(String, String)> = match &request.subscription_id {
        Some(id) => tx.query_all(
            "SELECT id, customer_id FROM subscriptions
             WHERE sku = ?1 AND status <> 'cancelled' AND id = ?2",
            params![request.sku, id],
            pair,
        )?,
        None => tx.query_all(
            "SELECT id, customer_id FROM subscriptions
             WHERE sku = ?1 AND status <> 'cancelled' ORDER BY id",
            params![request.sku],
            pair,
        )?,
    };
    if request.subscription_id.is_some() && targets.is_empty() {
        return Err(ApiError::field(
            "/subscription_id",
            "No subscription to this SKU that is not cancelled has this id.",
        ));
    }
    let mut out = Scheduled {
        changes: Vec::new(),
        created: 0,
    };
    for (id, customer) in &targets {
        if let Some(coming) = price_changes::scheduled(tx, id)? {
            let same = coming.unit_price_after.amount_minor == request.unit_price_minor
                && coming.effective_on == request.effective_on;
            if !same {
                return Err(ApiError::conflict(format!(
                    "Subscription {id} has another price change coming on {}; nothing was \
                     changed. It applies (or becomes void) first.",
                    coming.effective_on
                )));
            }
            out.changes.push(coming);
            continue;
        }
        let Some(row) = subscriptions::load(tx, customer, id)? else {
            continue;
        };
        if row.unit_price.amount_minor == request.unit_price_minor {
            continue;
        }
        let change = announce(tx, notifier, &settings, customer, &row, request, at)?;
        out.changes.push(change);
        out.created += 1;
    }
    Ok(out)
}

/// One subscription's announcement: the row, the version, the history, the event, the
/// notice.
fn announce(
    tx: &Connection,
    notifier: &Notifier,
    settings: &settings::Settings,
    customer: &str,
    row: &subscriptions::Row,
    request: &Request,
    at: &At,
) -> Result<PriceChange, ApiError> {
    let before = subscriptions::view(tx, row, at.today)?;
    let change_id = price_changes::insert(
        tx,
        &row.id,
        row.unit_price.amount_minor,
        request.unit_price_minor,
        request.effective_on,
        &at.now,
    )?;
    // The subscription now shows the coming price: another representation, another ETag.
    bump_version(tx, &row.id, None, &at.now)?;
    let after = subscriptions::find(tx, customer, &row.id, at.today)?
        .ok_or_else(|| ApiError::Internal("subscription vanished after a price change".into()))?;
    let action = "price_change_scheduled";
    record(tx, &row.id, customer, action, &before, &after, at)?;
    let coming = after
        .coming_price
        .clone()
        .ok_or_else(|| ApiError::Internal("a scheduled price change is not shown".into()))?;
    store::make(
        tx,
        notifier,
        settings,
        &NewMessage {
            kind: Kind::PriceChange,
            dedupe: format!("price_change:{change_id}"),
            customer_id: customer,
            subscription_id: &row.id,
            delivery_date: None,
            change: None,
            due_at: at.unix,
            snapshot: Some(after.clone()),
            price_change: Some(PriceChangeNotice {
                price_before: after.price_per_delivery.clone(),
                price_after: coming.price_per_delivery,
                effective_on: coming.effective_on,
            }),
        },
        at.unix,
    )?;
    price_changes::find(tx, change_id)?
        .ok_or_else(|| ApiError::Internal("price change vanished after its insert".into()))
}

/// Bumps the subscription's version (and sets a new unit price, when given).
fn bump_version(
    tx: &Connection,
    id: &str,
    unit_price: Option<i64>,
    now: &str,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "UPDATE subscriptions SET version = version + 1, updated_at = ?2,
            unit_price_minor = coalesce(?3, unit_price_minor)
         WHERE id = ?1",
    )?
    .execute(params![id, now, unit_price])?;
    Ok(())
}

/// The history row and the `subscription.updated` event of a merchant's price action.
fn record(
    tx: &Connection,
    id: &str,
    customer: &str,
    action: &str,
    before: &cadence_contract::Subscription,
    after: &cadence_contract::Subscription,
    at: &At,
) -> Result<(), StoreError> {
    changes::record(
        tx,
        &NewChange {
            subscription_id: id,
            actor: "merchant",
            action,
            before: Some(&subscriptions::snapshot(before)),
            after: &subscriptions::snapshot(after),
            reason: None,
            at: &at.now,
        },
    )?;
    outbox::enqueue(
        tx,
        EventType::SubscriptionUpdated,
        &outbox::subscription_stream(id),
        at.unix,
        &SubscriptionEventData {
            customer_id: customer,
            subscription: after,
            change: ChangeSummary {
                action,
                actor: "merchant",
                reason: None,
                via: None,
            },
        },
    )?;
    Ok(())
}

/// Folds subscription `id`'s scheduled change into its agreed price if the change applies
/// on `up_to` or earlier: `true` when the price changed (the caller reloads the row). A
/// subscription cancelled on the change's date never gets it: the change becomes void.
pub fn apply_due(tx: &Connection, id: &str, up_to: Date, at: &At) -> Result<bool, StoreError> {
    let Some(change) = price_changes::scheduled(tx, id)?.filter(|c| c.effective_on <= up_to) else {
        return Ok(false);
    };
    let Some(row) = subscriptions::load(tx, &change.customer_id, id)? else {
        return Ok(false);
    };
    let on = change.effective_on;
    if row.schedule.status_on(on) == SubscriptionStatus::Cancelled {
        price_changes::settle(tx, change.id, "void", &at.now)?;
        return Ok(false);
    }
    let new = change.unit_price_after.amount_minor;
    bump_version(tx, id, Some(new), &at.now)?;
    price_changes::settle(tx, change.id, "applied", &at.now)?;
    let next = row.schedule.next_delivery(on);
    let before = snapshot(&row, &row.schedule, on, next);
    let repriced = subscriptions::Row {
        unit_price: Money::new(new, row.unit_price.currency.clone()),
        coming: None,
        version: row.version + 1,
        ..row
    };
    changes::record(
        tx,
        &NewChange {
            subscription_id: id,
            actor: "merchant",
            action: "price_changed",
            before: Some(&before),
            after: &snapshot(&repriced, &repriced.schedule, on, next),
            reason: None,
            at: &at.now,
        },
    )?;
    let view = subscriptions::view(tx, &repriced, at.today.max(on))?;
    outbox::enqueue(
        tx,
        EventType::SubscriptionUpdated,
        &outbox::subscription_stream(id),
        at.unix,
        &SubscriptionEventData {
            customer_id: &change.customer_id,
            subscription: &view,
            change: ChangeSummary {
                action: "price_changed",
                actor: "merchant",
                reason: None,
                via: None,
            },
        },
    )?;
    Ok(true)
}

/// Voids subscription `id`'s scheduled change: it swapped to another product, a new
/// agreement at that product's price, which the change (for the old one) must not touch.
pub fn void_scheduled(tx: &Connection, id: &str, now: &str) -> Result<(), StoreError> {
    if let Some(change) = price_changes::scheduled(tx, id)? {
        price_changes::settle(tx, change.id, "void", now)?;
    }
    Ok(())
}

/// One batch of the scheduler's pass: up to `limit` subscriptions whose change applies at
/// `at.today`; how many were looked at and how many changed price.
pub fn apply_batch(tx: &Connection, at: &At, limit: u32) -> Result<(u64, u64), StoreError> {
    let due = price_changes::due(tx, at.today, limit)?;
    let mut applied = 0;
    for id in &due {
        applied += u64::from(apply_due(tx, id, at.today, at)?);
    }
    Ok((due.len() as u64, applied))
}
