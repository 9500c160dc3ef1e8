//! The transactional outbox: an event is written in the same transaction as the change
//! that caused it, so the merchant's systems hear of every committed change and of nothing
//! that rolled back. The webhook dispatcher delivers from here, at least once.
//!
//! Each event carries `sequence`, 1, 2, 3, … per stream (a subscription, or a customer
//! for events of no subscription), counted inside the writing transaction: with SQLite's
//! single writer and PostgreSQL's SERIALIZABLE transactions, two changes to one
//! subscription can never take the same number, and the order is the commit order.

use crate::db::{Connection, StoreError};
use crate::params;
use cadence_contract::Subscription;
use cadence_webhooks::{Event, EventId, EventType};
use serde::Serialize;

/// The stream of a subscription's events (and its orders').
pub fn subscription_stream(subscription_id: &str) -> String {
    subscription_id.to_owned()
}

/// The stream of a customer's events that belong to no subscription (routines).
pub fn customer_stream(customer_id: &str) -> String {
    format!("customer:{customer_id}")
}

/// The stream of a customer's messages (`notification.*`): their own, so a subscription's
/// stream counts its changes without gaps for every receiver that takes those.
pub fn notification_stream(customer_id: &str) -> String {
    format!("notifications:{customer_id}")
}

/// Writes one event into the outbox, inside the caller's transaction, and returns its id.
/// The envelope is serialised here, once: every delivery attempt sends these bytes.
pub fn enqueue<D: Serialize>(
    conn: &Connection,
    event_type: EventType,
    stream: &str,
    occurred_at: i64,
    data: &D,
) -> Result<String, StoreError> {
    let sequence: i64 = conn.query_row(
        "SELECT coalesce(max(sequence), 0) + 1 FROM outbox_events WHERE stream = ?1",
        [stream],
        |row| row.get(0),
    )?;
    let id = EventId::from_random(*uuid::Uuid::new_v4().as_bytes());
    let event = Event::new(
        id.clone(),
        event_type,
        occurred_at,
        u64::try_from(sequence).unwrap_or(1),
        data,
    );
    let payload = serde_json::to_string(&event)?;
    conn.execute(
        "INSERT INTO outbox_events (id, type, stream, sequence, occurred_at, payload)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id.as_str(),
            event_type.as_str(),
            stream,
            sequence,
            event.timestamp,
            payload
        ],
    )?;
    crate::webhooks::fan_out(conn, id.as_str(), event_type, occurred_at)?;
    if matches!(
        event_type,
        EventType::SubscriptionCreated | EventType::SubscriptionUpdated
    ) {
        crate::notify::receipts::queue(conn, id.as_str(), occurred_at)?;
    }
    Ok(id.as_str().to_owned())
}

/// `data` of `subscription.created` and `subscription.updated`: the subscription as it is
/// after the change, whose customer, and which change it was.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubscriptionEventData<'a> {
    /// The merchant's customer id (the token's subject).
    pub customer_id: &'a str,
    pub subscription: &'a Subscription,
    pub change: ChangeSummary<'a>,
}

/// What changed and who changed it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChangeSummary<'a> {
    /// `create`, `skip`, `unskip`, `pause`, `pause_for`, `pause_until`, `resume`,
    /// `reschedule`, `ship_now`, `set_interval`, `set_quantity`, `swap`, `add_once`,
    /// `cancel`, `reactivate`, or (from the scheduler) `delivered`.
    pub action: &'a str,
    /// `customer` (the widget), `merchant` (the admin API) or `scheduler`.
    pub actor: &'a str,
    /// The cancel reason the shopper chose, on `cancel`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
    /// Where the change was made, when it says: `cancel_offer` (the widget's offer on the
    /// cancel confirmation), `cancel_page` (the public cancellation page, `/cancel`) or
    /// `withdrawal` (a withdrawal from the contract: `/withdraw` or the widget's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<&'a str>,
}
