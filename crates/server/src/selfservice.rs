//! Self-service: what one change does to a customer's subscription, inside the caller's
//! transaction. The rules of the change itself are the contract's (`Schedule::apply`);
//! this is what the server adds around them: the customer's cap on reactivation, the
//! extras of `add_once`, the order of `ship_now` (once a day), the swap's discount, and
//! the audit row. HTTP (the body, `If-Match`, idempotent replay, status) stays in
//! `routes/changes.rs`.

use crate::db::changes::{self, NewChange};
use crate::db::{extras, orders, products, subscriptions};
use crate::error::ApiError;
use crate::outbox::{self, ChangeSummary, SubscriptionEventData};
use cadence_contract::{
    ChangeRequest, ChangeVia, Date, Money, Refusal, Subscription, SubscriptionChange,
};
use cadence_webhooks::EventType;

/// The server's today and now (RFC 3339), read once per request.
pub struct At {
    pub today: Date,
    pub now: String,
    pub unix: i64,
}

/// Only what the cancel confirmation offers may say it came from there: a pause or a
/// skip (422 at `/via` for any other change).
pub fn check_via(request: &ChangeRequest) -> Result<(), ApiError> {
    use SubscriptionChange as C;
    match (request.via, &request.change) {
        (None, _)
        | (Some(_), C::Pause | C::PauseFor { .. } | C::PauseUntil { .. } | C::Skip { .. }) => {
            Ok(())
        }
        (Some(_), _) => Err(ApiError::field("/via", Refusal::CancelOfferPauseOrSkip)),
    }
}

/// Applies `request` to the customer's subscription `id` and returns it as it is after.
///
/// `precondition` sees the subscription as it is before (the route checks its `If-Match`
/// there) and may refuse. A customer holds at most `max_subscriptions`, so reactivating
/// one more is a 409. Every write (the subscription, its extras, an order, the audit row)
/// goes through `tx`: a refusal anywhere leaves nothing behind.
pub fn apply(
    tx: &crate::db::Connection,
    customer_id: &str,
    id: &str,
    request: &ChangeRequest,
    at: &At,
    max_subscriptions: u32,
    precondition: impl FnOnce(&Subscription) -> Result<(), ApiError>,
) -> Result<Subscription, ApiError> {
    let change = Change {
        request,
        via: request.via.map(ChangeVia::as_str),
    };
    apply_as(
        tx,
        customer_id,
        id,
        &change,
        at,
        max_subscriptions,
        precondition,
    )
}

/// A change and where it was made, for its audit row and event: the widget's `via`, or
/// a page of the server's own (`cancel_page`, `withdrawal`: `notify/cancel`), which no
/// client may claim.
pub struct Change<'a> {
    pub request: &'a ChangeRequest,
    pub via: Option<&'a str>,
}

/// [`apply`], saying where the change was made.
pub fn apply_as(
    tx: &crate::db::Connection,
    customer_id: &str,
    id: &str,
    made: &Change<'_>,
    at: &At,
    max_subscriptions: u32,
    precondition: impl FnOnce(&Subscription) -> Result<(), ApiError>,
) -> Result<Subscription, ApiError> {
    let (request, via) = (made.request, made.via);
    let (change, today) = (&request.change, at.today);
    let row = subscriptions::load(tx, customer_id, id)?
        .ok_or(ApiError::NotFound("You have no subscription with this id."))?;
    let before = subscriptions::view(tx, &row, today)?;
    precondition(&before)?;
    // A delivery whose date has come is an order before anything changes, even if the
    // scheduler has not reached it yet (the subscriber's view already counts it as on its
    // way, so the version they saw is still the one they meant).
    // So does a price change whose date has come: the change is made at the price in force.
    let delivered = crate::scheduler::deliver::deliver_due(tx, id, at)? > 0;
    let repriced = crate::price_change::apply_due(tx, id, today, at)?;
    let (row, before) = if delivered || repriced {
        let row = subscriptions::load(tx, customer_id, id)?
            .ok_or(ApiError::NotFound("You have no subscription with this id."))?;
        let before = subscriptions::view(tx, &row, today)?;
        (row, before)
    } else {
        (row, before)
    };
    let rules = subscriptions::rules(&before);
    let next = row.schedule.apply(change, &rules, today)?;
    // Reactivating brings a subscription back under the per-customer cap.
    if *change == SubscriptionChange::Reactivate
        && subscriptions::count_held(tx, customer_id)? >= max_subscriptions
    {
        return Err(ApiError::conflict(Refusal::SubscriptionCap {
            max: max_subscriptions,
            reactivating: true,
        }));
    }
    if let SubscriptionChange::AddOnce { sku, quantity } = change {
        let price = add_once_price(tx, &next.sku, sku)?;
        let date = before
            .next_delivery
            .ok_or_else(|| ApiError::conflict(Refusal::NoNextDelivery))?;
        extras::add(tx, &row.id, sku, *quantity, &price, date)?;
    }
    // A swap takes the new product's subscribe & save discount and catalog price, as its
    // swap option showed (`subscriptions::save`): a new agreement, recorded in the history
    // with its price, which a price change announced for the old product does not touch.
    // Otherwise the locked-in discount and price stay.
    let discount = match change {
        SubscriptionChange::Swap { sku } => {
            if *sku != row.schedule.sku {
                crate::price_change::void_scheduled(tx, &row.id, &at.now)?;
            }
            products::discount_percent(tx, sku)?.unwrap_or(row.discount_percent)
        }
        _ => row.discount_percent,
    };
    if let SubscriptionChange::ShipNow = change {
        // One extra delivery a day: a repeated press (or a script) must not order again
        // and again. Checked under the write lock, so two presses at once cannot both pass.
        if changes::shipped_now_on(tx, &row.id, today)? {
            return Err(ApiError::conflict(Refusal::ShipNowUsedToday));
        }
        let order = orders::new_id();
        orders::insert(
            tx,
            &orders::NewOrder {
                id: &order,
                customer_id,
                subscription_id: &row.id,
                delivery_date: None,
                ordered_on: today,
                now: &at.now,
            },
        )?;
        let unit_price = row.unit_price.discounted(row.discount_percent);
        orders::add_line(tx, &order, &next.sku, next.quantity, &unit_price)?;
        if let Some(date) = before.next_delivery {
            orders::ship_extras(tx, &order, &row.id, date)?;
        }
        crate::orders::announce_created(tx, &order, at.unix)?;
    }
    subscriptions::save(tx, &row, &next, discount, today, &at.now)?;
    // Extras follow the next delivery wherever this change moved it.
    extras::follow(tx, &row.id, before.next_delivery, next.next_delivery(today))?;
    let after = subscriptions::find(tx, customer_id, id, today)?
        .ok_or_else(|| ApiError::Internal("subscription vanished after a change".into()))?;
    let reason = match change {
        SubscriptionChange::Cancel {
            reason: Some(reason),
        } => Some(reason.as_str()),
        _ => None,
    };
    changes::record_via(
        tx,
        &NewChange {
            subscription_id: &row.id,
            actor: "customer",
            action: change.action(),
            before: Some(&subscriptions::snapshot(&before)),
            after: &subscriptions::snapshot(&after),
            reason,
            at: &at.now,
        },
        via,
    )?;
    // The merchant's systems hear of it in the same transaction (the outbox).
    outbox::enqueue(
        tx,
        EventType::SubscriptionUpdated,
        &outbox::subscription_stream(&row.id),
        at.unix,
        &SubscriptionEventData {
            customer_id,
            subscription: &after,
            change: ChangeSummary {
                action: change.action(),
                actor: "customer",
                reason,
                via,
            },
        },
    )?;
    Ok(after)
}

/// The one-time price of `sku` as an extra for a subscription to `own`: 422 at `/sku`
/// when it is the subscription's own product, unknown or out of stock.
fn add_once_price(conn: &crate::db::Connection, own: &str, sku: &str) -> Result<Money, ApiError> {
    if sku == own {
        return Err(ApiError::field("/sku", Refusal::AddOnceOwnProduct));
    }
    match products::find(conn, sku)? {
        Some(p) if p.in_stock => Ok(p.price),
        Some(_) => Err(ApiError::field("/sku", Refusal::OutOfStock)),
        None => Err(ApiError::field("/sku", Refusal::UnknownProduct)),
    }
}
