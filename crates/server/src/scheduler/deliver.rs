//! One subscription's due deliveries, inside the caller's transaction: each becomes an
//! order (the subscription's product × quantity at the subscriber's agreed price as of
//! that date — `price_change.rs` — plus the extras riding with it), the schedule moves on as the contract's `Schedule` says, and the audit
//! row and the events (`order.created`, `subscription.updated`) are written with them.

use crate::db::changes::{self, NewChange};
use crate::db::orders::{self, NewOrder};
use crate::db::subscriptions::{self, Choices, Row};
use crate::db::{Connection, OptionalExtension, StoreError};
use crate::outbox::{self, ChangeSummary, SubscriptionEventData};
use crate::params;
use crate::selfservice::At;
use cadence_contract::{Date, Schedule, SubscriptionSnapshot};
use cadence_webhooks::EventType;

/// The most deliveries one subscription catches up in one transaction (a daily
/// subscription of a server that was down for a year); the rest follow in the next batch.
const MAX_PER_SUBSCRIPTION: u32 = 400;

/// What the scheduler keeps about a subscription beside its schedule.
struct Due {
    customer: String,
    next: Option<Date>,
    predates_orders: bool,
}

fn due(tx: &Connection, id: &str) -> Result<Option<Due>, StoreError> {
    let found = tx
        .prepare_cached(
            "SELECT customer_id, next_delivery, predates_orders FROM subscriptions WHERE id = ?1",
        )?
        .query_row([id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, Option<String>>(1)?,
                row.get::<_, bool>(2)?,
            ))
        })
        .optional()?;
    found
        .map(|(customer, next, predates_orders)| {
            let next = next
                .as_deref()
                .map(str::parse::<Date>)
                .transpose()
                .map_err(|_| StoreError::Corrupt(format!("bad next_delivery in {id}")))?;
            Ok(Due {
                customer,
                next,
                predates_orders,
            })
        })
        .transpose()
}

fn set_next(tx: &Connection, id: &str, next: Option<Date>) -> Result<(), StoreError> {
    tx.prepare_cached(
        "UPDATE subscriptions SET next_delivery = ?2, predates_orders = 0 WHERE id = ?1",
    )?
    .execute(params![id, next.map(|d| d.to_string())])?;
    Ok(())
}

/// The audit trail's view of `row` with schedule `s`, whose next delivery is `next`.
pub(crate) fn snapshot(
    row: &Row,
    s: &Schedule,
    on: Date,
    next: Option<Date>,
) -> SubscriptionSnapshot {
    SubscriptionSnapshot {
        sku: s.sku.clone(),
        quantity: s.quantity,
        interval: s.interval,
        status: s.status_on(on),
        next_delivery: next,
        price_per_delivery: Some(
            row.unit_price
                .discounted(row.discount_percent)
                .times(s.quantity),
        ),
    }
}

/// Turns every delivery of subscription `id` dated `at.today` or earlier into an order,
/// oldest first; returns how many orders it created. A date that has its order already
/// (the clock was set back and a change put the date back on the schedule) only moves the
/// schedule on.
pub fn deliver_due(tx: &Connection, id: &str, at: &At) -> Result<u32, StoreError> {
    deliver_due_with(tx, id, at, &mut Choices::default())
}

/// [`deliver_due`], reading the catalog's choices for the events through `choices`
/// (shared by a batch: its subscriptions mostly share a few products).
pub fn deliver_due_with(
    tx: &Connection,
    id: &str,
    at: &At,
    choices: &mut Choices,
) -> Result<u32, StoreError> {
    let Some(due) = due(tx, id)? else {
        return Ok(0);
    };
    let (mut next_due, mut predates) = (due.next, due.predates_orders);
    // Read once; each delivery below knows what it wrote, so the row is carried along.
    let mut loaded: Option<Row> = None;
    let mut created = 0;
    for _ in 0..MAX_PER_SUBSCRIPTION {
        let Some(date) = next_due.filter(|d| *d <= at.today) else {
            break;
        };
        // A price change dated on or before this delivery applies to it, one dated after
        // does not: fold in what applies by this date first (a catch-up crosses dates).
        if crate::price_change::apply_due(tx, id, date, at)? {
            loaded = None;
        }
        let row = match loaded.take() {
            Some(row) => row,
            None => subscriptions::load(tx, &due.customer, id)?
                .ok_or_else(|| StoreError::Corrupt(format!("subscription {id} vanished")))?,
        };
        // The stored date is only the index the scheduler finds due rows by: the
        // schedule decides. It holds `date` as the next delivery the day before, unless
        // the subscription was cancelled or its row was written by other means. For a
        // subscription older than orders, deliveries before today were the shop's.
        let day_before = date.add_days(-1).unwrap_or(date);
        let yesterday = at.today.add_days(-1).unwrap_or(at.today);
        let expected = if predates && date < at.today {
            row.schedule.next_delivery(yesterday)
        } else {
            row.schedule.next_delivery(day_before)
        };
        if expected != Some(date) {
            set_next(tx, id, expected)?;
            (next_due, predates, loaded) = (expected, false, Some(row));
            continue;
        }
        let after = row.schedule.settled(date);
        let next = after.next_delivery(date);
        let order_id = orders::new_id();
        let new = NewOrder {
            id: &order_id,
            customer_id: &due.customer,
            subscription_id: id,
            delivery_date: Some(date),
            ordered_on: date,
            now: &at.now,
        };
        if !orders::insert(tx, &new)? {
            set_next(tx, id, next)?;
            (next_due, predates, loaded) = (next, false, Some(row));
            continue;
        }
        let unit_price = row.unit_price.discounted(row.discount_percent);
        orders::add_line(
            tx,
            &order_id,
            &row.schedule.sku,
            row.schedule.quantity,
            &unit_price,
        )?;
        orders::ship_extras(tx, &order_id, id, date)?;
        // Saves `next` as the next delivery too.
        subscriptions::save(tx, &row, &after, row.discount_percent, date, &at.now)?;
        if predates {
            set_next(tx, id, next)?;
            predates = false;
        }
        changes::record(
            tx,
            &NewChange {
                subscription_id: id,
                actor: "scheduler",
                action: "delivered",
                before: Some(&snapshot(&row, &row.schedule, date, Some(date))),
                after: &snapshot(&row, &after, date, next),
                reason: None,
                at: &at.now,
            },
        )?;
        crate::orders::announce_created(tx, &order_id, at.unix)?;
        // The subscription as it stands right after this delivery (its next delivery is
        // the following one), for the merchant's systems: what `save` wrote.
        let saved = Row {
            schedule: after,
            version: row.version + 1,
            ..row
        };
        let view = subscriptions::view_with(tx, &saved, date, choices)?;
        outbox::enqueue(
            tx,
            EventType::SubscriptionUpdated,
            &outbox::subscription_stream(id),
            at.unix,
            &SubscriptionEventData {
                customer_id: &due.customer,
                subscription: &view,
                change: ChangeSummary {
                    action: "delivered",
                    actor: "scheduler",
                    reason: None,
                    via: None,
                },
            },
        )?;
        (next_due, loaded) = (next, Some(saved));
        created += 1;
    }
    Ok(created)
}
