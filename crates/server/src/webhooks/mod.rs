//! Outbound webhooks: the merchant's endpoints, the deliveries of outbox events to them, and
//! the dispatcher that makes them (signed per Standard Webhooks by `cadence-webhooks`).

use crate::db::{Connection, StoreError};
use cadence_webhooks::EventType;

/// Queues a delivery of event `event_id` to every enabled endpoint that listens for its
/// type, inside the transaction that wrote the event. (No endpoints exist yet: the
/// endpoint tables and the dispatcher land with the webhook work.)
pub fn fan_out(
    _conn: &Connection,
    _event_id: &str,
    _event_type: EventType,
    _occurred_at: i64,
) -> Result<(), StoreError> {
    Ok(())
}
