//! The append-only audit trail of subscription changes (`subscription_changes`), and the
//! door to the consent record (`crate::consent`) for the changes that are agreements.

use super::StoreError;
use crate::db::Connection;
use crate::params;
use cadence_contract::{ChangeRecord, Date, SubscriptionSnapshot};

/// One audit entry: who changed which subscription how, with snapshots before and after.
pub struct NewChange<'a> {
    pub subscription_id: &'a str,
    /// `customer`, `merchant` or `system`.
    pub actor: &'a str,
    /// `create` or a change's action name.
    pub action: &'a str,
    pub before: Option<&'a SubscriptionSnapshot>,
    pub after: &'a SubscriptionSnapshot,
    /// The cancellation reason, when one was given.
    pub reason: Option<&'a str>,
    pub at: &'a str,
}

pub fn record(conn: &Connection, change: &NewChange<'_>) -> Result<(), StoreError> {
    record_via(conn, change, None)
}

/// `record`, noting where the change was chosen: `cancel_offer` (a client's `via`, migration
/// 0005), or the server's own `cancel_page` and `withdrawal` (`origin`, migration 0017).
pub fn record_via(
    conn: &Connection,
    change: &NewChange<'_>,
    via: Option<&str>,
) -> Result<(), StoreError> {
    let before = change.before.map(serde_json::to_string).transpose()?;
    let after = serde_json::to_string(change.after)?;
    // The server's own ways out go in `origin` (0017); `via` keeps what a client may say.
    let (via, origin) = match via {
        Some(own @ ("cancel_page" | "withdrawal")) => (None, Some(own)),
        other => (other, None),
    };
    conn.prepare_cached(
        "INSERT INTO subscription_changes
            (subscription_id, actor, action, before_json, after_json, reason, at, via, origin)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        change.subscription_id,
        change.actor,
        change.action,
        before,
        after,
        change.reason,
        change.at,
        via,
        origin
    ])?;
    // A change to what they pay or how often is also a new agreement, kept apart.
    crate::consent::record(conn, change)
}

/// Whether the subscription was shipped now (`ship_now`) on `day` (UTC): its audit row is
/// the record of which of a subscription's orders were ship-now ones (scheduled deliveries
/// are orders of the same subscription too). `at` is an RFC 3339 UTC timestamp, so the
/// day's rows are those between the day and the next, as text.
pub fn shipped_now_on(
    conn: &Connection,
    subscription: &str,
    day: Date,
) -> Result<bool, StoreError> {
    let next = day
        .add_days(1)
        .ok_or_else(|| StoreError::Corrupt("a date beyond year 9999".into()))?;
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM subscription_changes
                 WHERE subscription_id = ?1 AND action = 'ship_now' AND at >= ?2 AND at < ?3)",
    )?
    .query_row(
        params![subscription, day.to_string(), next.to_string()],
        |row| row.get(0),
    )
}

/// Rows written before 0002 said `customer:<id>` and `seed`; the API speaks three actors.
fn actor(stored: &str) -> String {
    match stored {
        "customer" | "merchant" | "system" => stored.to_owned(),
        s if s.starts_with("customer:") => "customer".to_owned(),
        _ => "system".to_owned(),
    }
}

/// The latest `limit` changes of a subscription, newest first. Older rows stored whole
/// `Subscription`s as JSON; they read as snapshots since the extra fields are ignored.
pub fn latest(
    conn: &Connection,
    subscription_id: &str,
    limit: u32,
) -> Result<Vec<ChangeRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, actor, action, before_json, after_json FROM subscription_changes
         WHERE subscription_id = ?1 AND after_json IS NOT NULL ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![subscription_id, limit], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, Option<String>>(3)?,
            row.get::<_, String>(4)?,
        ))
    })?;
    let mut records = Vec::new();
    for row in rows {
        let (at, stored_actor, action, before, after) = row?;
        records.push(ChangeRecord {
            at,
            actor: actor(&stored_actor),
            action,
            before: before.map(|b| serde_json::from_str(&b)).transpose()?,
            after: serde_json::from_str(&after)?,
        });
    }
    Ok(records)
}

/// How many audit rows a subscription has (one per version, for consistency checks).
pub fn count(conn: &Connection, subscription_id: &str) -> Result<i64, StoreError> {
    conn.prepare_cached("SELECT count(*) FROM subscription_changes WHERE subscription_id = ?1")?
        .query_row([subscription_id], |row| row.get(0))
}
