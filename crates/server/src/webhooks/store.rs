//! Webhook endpoints in the database, and the fan-out of an outbox event to the endpoints
//! that listen for it. Storage only: it fails with `StoreError` and knows no HTTP.

use crate::db::{Connection, OptionalExtension, Row, StoreError};
use crate::params;
use cadence_webhooks::EventType;
use tokio::sync::Notify;

/// Wakes the dispatchers of this process when an event was queued, so a change reaches
/// its endpoints in milliseconds rather than at the next poll. (It fires before the
/// queuing transaction commits: a dispatcher that looks too early finds nothing and looks
/// again shortly, see `dispatcher.rs`.)
pub(crate) static QUEUED: Notify = Notify::const_new();

/// An endpoint as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointRow {
    pub id: String,
    pub url: String,
    pub description: String,
    /// `None`: every event type, those added later too.
    pub event_types: Option<Vec<EventType>>,
    pub enabled: bool,
    /// `whsec_…`: signs every call.
    pub secret: String,
    /// The secret before the last rotation and until when it signs too (unix seconds).
    pub previous_secret: Option<(String, i64)>,
    /// When the current run of failed attempts began (unix seconds).
    pub failing_since: Option<i64>,
    /// Why the dispatcher disabled the endpoint.
    pub disabled_reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "id, url, description, event_types, enabled, secret, previous_secret, \
     previous_secret_until, failing_since, disabled_reason, created_at, updated_at";

/// The stored form of an event filter: names separated by spaces, `NULL` for all.
pub fn filter_text(types: Option<&[EventType]>) -> Option<String> {
    types.map(|types| {
        types
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// Reads a stored filter back; names this server does not know (written by a newer
/// version) are skipped rather than failing the whole endpoint.
fn parse_filter(text: Option<String>) -> Option<Vec<EventType>> {
    text.map(|text| {
        text.split_whitespace()
            .filter_map(|name| name.parse().ok())
            .collect()
    })
}

/// Whether an endpoint with this stored filter gets events of `event_type`.
pub fn listens(filter: Option<&str>, event_type: EventType) -> bool {
    filter.is_none_or(|names| names.split_whitespace().any(|n| n == event_type.as_str()))
}

fn endpoint_of(row: &Row<'_>) -> Result<EndpointRow, StoreError> {
    let previous: Option<String> = row.get(6)?;
    let until: Option<i64> = row.get(7)?;
    Ok(EndpointRow {
        id: row.get(0)?,
        url: row.get(1)?,
        description: row.get(2)?,
        event_types: parse_filter(row.get(3)?),
        enabled: row.get(4)?,
        secret: row.get(5)?,
        previous_secret: previous.zip(until),
        failing_since: row.get(8)?,
        disabled_reason: row.get(9)?,
        created_at: row.get(10)?,
        updated_at: row.get(11)?,
    })
}

pub fn insert(conn: &Connection, e: &EndpointRow) -> Result<(), StoreError> {
    conn.execute(
        &format!("INSERT INTO webhook_endpoints ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
        params![
            e.id,
            e.url,
            e.description,
            filter_text(e.event_types.as_deref()),
            e.enabled,
            e.secret,
            e.previous_secret.as_ref().map(|(s, _)| s.clone()),
            e.previous_secret.as_ref().map(|(_, until)| *until),
            e.failing_since,
            e.disabled_reason,
            e.created_at,
            e.updated_at
        ],
    )?;
    Ok(())
}

/// Writes every field but the id and creation time back.
pub fn update(conn: &Connection, e: &EndpointRow) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE webhook_endpoints SET url = ?2, description = ?3, event_types = ?4, enabled = ?5,
             secret = ?6, previous_secret = ?7, previous_secret_until = ?8, failing_since = ?9,
             disabled_reason = ?10, updated_at = ?11
         WHERE id = ?1",
        params![
            e.id,
            e.url,
            e.description,
            filter_text(e.event_types.as_deref()),
            e.enabled,
            e.secret,
            e.previous_secret.as_ref().map(|(s, _)| s.clone()),
            e.previous_secret.as_ref().map(|(_, until)| *until),
            e.failing_since,
            e.disabled_reason,
            e.updated_at
        ],
    )?;
    Ok(())
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<EndpointRow>, StoreError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE id = ?1"),
        [id],
        endpoint_of,
    )
    .optional()
}

/// Every endpoint, oldest first (a merchant has a handful).
pub fn list(conn: &Connection) -> Result<Vec<EndpointRow>, StoreError> {
    conn.query_all(
        &format!("SELECT {COLUMNS} FROM webhook_endpoints ORDER BY created_at, id"),
        [],
        endpoint_of,
    )
}

/// Deletes the endpoint with its deliveries and their attempts; whether it existed.
pub fn delete(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    // Explicitly rather than by the schema's ON DELETE CASCADE alone, which SQLite honours
    // only on connections with foreign keys on: the log must not outlive its endpoint.
    conn.execute(
        "DELETE FROM webhook_attempts WHERE delivery_id IN
             (SELECT id FROM webhook_deliveries WHERE endpoint_id = ?1)",
        [id],
    )?;
    conn.execute(
        "DELETE FROM webhook_deliveries WHERE endpoint_id = ?1",
        [id],
    )?;
    Ok(conn.execute("DELETE FROM webhook_endpoints WHERE id = ?1", [id])? > 0)
}

/// Queues a delivery of event `event_id` to endpoint `endpoint_id`, due at `due` (unix
/// seconds). The event's stream and sequence are copied onto it: the queue orders by them.
pub fn queue_delivery(
    conn: &Connection,
    endpoint_id: &str,
    event_id: &str,
    due: i64,
    replay: bool,
) -> Result<(), StoreError> {
    // Parameters in a SELECT list have no column to take a type from on PostgreSQL (it
    // would read them as text): each is cast to its column's type.
    conn.execute(
        "INSERT INTO webhook_deliveries
             (id, endpoint_id, event_id, stream, sequence, state, replay, created_at, attempts,
              next_attempt_at)
         SELECT CAST(?1 AS TEXT), CAST(?2 AS TEXT), id, stream, sequence, 'pending',
                CAST(?3 AS BIGINT), CAST(?4 AS BIGINT), 0, CAST(?4 AS BIGINT)
         FROM outbox_events WHERE id = ?5",
        params![super::new_id("dlv_"), endpoint_id, replay, due, event_id],
    )?;
    Ok(())
}

/// Queues a delivery of event `event_id` to every enabled endpoint that listens for its
/// type, inside the transaction that wrote the event: the event and its deliveries commit
/// together or not at all. Endpoints disabled now do not get it (a replay can send it).
pub fn fan_out(
    conn: &Connection,
    event_id: &str,
    event_type: EventType,
    occurred_at: i64,
) -> Result<(), StoreError> {
    let endpoints: Vec<(String, Option<String>)> = conn.query_all(
        "SELECT id, event_types FROM webhook_endpoints WHERE enabled = 1",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let mut queued = false;
    for (endpoint_id, filter) in endpoints {
        if listens(filter.as_deref(), event_type) {
            queue_delivery(conn, &endpoint_id, event_id, occurred_at, false)?;
            queued = true;
        }
    }
    if queued {
        QUEUED.notify_waiters();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_and_match() {
        use EventType::*;
        let text = filter_text(Some(&[SubscriptionUpdated, RoutineTaskDone]));
        assert_eq!(
            text.as_deref(),
            Some("subscription.updated routine.task_done")
        );
        assert_eq!(
            parse_filter(text.clone()),
            Some(vec![SubscriptionUpdated, RoutineTaskDone])
        );
        assert!(listens(text.as_deref(), RoutineTaskDone));
        assert!(!listens(text.as_deref(), SubscriptionCreated));
        // No filter: every type.
        assert!(EventType::ALL.iter().all(|&t| listens(None, t)));
        assert_eq!(filter_text(None), None);
        // A name from a newer server is skipped, the rest kept.
        assert_eq!(
            parse_filter(Some("order.created invoice.paid".into())),
            Some(vec![OrderCreated])
        );
    }
}
