//! Receipts: the outbox queues each `subscription.created` and `subscription.updated` in
//! the change's own transaction (`queue`); the planning pass turns each queued event into
//! a receipt stating the subscription as that change left it, and takes the event off
//! the queue in the same transaction. A delivery the scheduler made is not an agreement,
//! so it gets none; a price change announced has its own notice (`Kind::PriceChange`),
//! made in the announcement's transaction, so it gets no receipt either (the change
//! applying, `price_changed`, does).

use super::settings::Settings;
use super::store::{self, Made, NewMessage};
use super::{Kind, Notifier};
use crate::db::{Connection, Dialect, StoreError};
use crate::params;
use cadence_contract::Subscription;
use serde::Deserialize;

/// Called by `outbox::enqueue` for subscription events, in their transaction.
pub fn queue(conn: &Connection, event_id: &str, occurred_at: i64) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT INTO receipt_queue (event_id, queued_at) VALUES (?1, ?2)")?
        .execute(params![event_id, occurred_at])?;
    super::plan::RECEIPTS_QUEUED.notify_waiters();
    Ok(())
}

/// The part of a subscription event a receipt needs.
#[derive(Deserialize)]
struct Event {
    data: EventData,
}

#[derive(Deserialize)]
struct EventData {
    customer_id: String,
    subscription: Subscription,
    change: Change,
}

#[derive(Deserialize)]
struct Change {
    action: String,
    actor: String,
    /// A cancel made as a withdrawal says so (`withdrawal`): its receipt is a withdrawal's.
    #[serde(default)]
    via: Option<String>,
}

/// Up to `limit` queued events made into receipts, in `tx`: how many were taken off the
/// queue, how many receipts were made, and how many e-mails were queued.
pub fn make_batch(
    tx: &Connection,
    notifier: &Notifier,
    settings: &Settings,
    now: i64,
    limit: u32,
) -> Result<(u64, u64, u64), StoreError> {
    let lock = match tx.dialect() {
        Dialect::Postgres => " FOR UPDATE OF q SKIP LOCKED",
        Dialect::Sqlite => "",
    };
    let sql = format!(
        "SELECT q.event_id, q.queued_at, e.payload FROM receipt_queue q
         JOIN outbox_events e ON e.id = q.event_id
         ORDER BY q.queued_at LIMIT ?1{lock}"
    );
    let queued: Vec<(String, i64, String)> = tx.query_all(&sql, [limit], |row| {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
    })?;
    let (mut made, mut emails) = (0, 0);
    for (event_id, queued_at, payload) in &queued {
        tx.prepare_cached("DELETE FROM receipt_queue WHERE event_id = ?1")?
            .execute([event_id])?;
        let event: Event = serde_json::from_str(payload)
            .map_err(|e| StoreError::Corrupt(format!("outbox event {event_id}: {e}")))?;
        let data = event.data;
        let action = match data.change.via.as_deref() {
            Some("withdrawal") => "withdraw",
            _ => data.change.action.as_str(),
        };
        if matches!(
            data.change.action.as_str(),
            "delivered" | "price_change_scheduled"
        ) {
            continue;
        }
        let outcome = store::make(
            tx,
            notifier,
            settings,
            &NewMessage {
                kind: Kind::Receipt,
                dedupe: format!("receipt:{event_id}"),
                customer_id: &data.customer_id,
                subscription_id: &data.subscription.id,
                delivery_date: None,
                change: Some((action, &data.change.actor, *queued_at)),
                due_at: *queued_at,
                snapshot: Some(data.subscription.clone()),
                price_change: None,
            },
            now,
        )?;
        if let Made::New { email } = outcome {
            made += 1;
            emails += u64::from(email);
        }
    }
    Ok((queued.len() as u64, made, emails))
}
