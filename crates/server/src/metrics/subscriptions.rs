//! Subscription activity per month: started (from `subscriptions.created_at`), paused,
//! skipped, cancelled and kept instead of cancelled (from the `subscription_changes`
//! audit trail, `via` since migration 0005).

use super::Month;
use crate::db::StoreError;
use crate::db::{Connection, Dialect};
use crate::params;
use cadence_contract::{Date, SubscriptionCounts, SubscriptionMetrics, SubscriptionMonth};
use std::collections::HashMap;

pub const DEFINITION: &str = "Per calendar month (UTC). Started: subscriptions created. \
Paused: changes that took a running subscription to paused (pause, pause for a number of \
deliveries, pause until a date); moving the end of a pause again is not a new pause. \
Skipped: deliveries skipped. Cancelled: subscriptions cancelled. Kept instead of cancel: \
pauses and skips chosen on the cancel confirmation's one offer, instead of confirming the \
cancellation (they also count as pauses or skips); recorded from migration 0005 on, for \
clients that send \"via\": \"cancel_offer\".";

/// Month → counts, as read.
pub type Activity = HashMap<Month, SubscriptionCounts>;

pub fn read(conn: &Connection, since: Date, today: Date) -> Result<Activity, StoreError> {
    let (since, today) = (since.to_string(), today.to_string());
    let mut activity = Activity::new();
    let mut started = conn.prepare_cached(
        "SELECT substr(created_at, 1, 7), count(*) FROM subscriptions
         WHERE created_at >= ?1 AND substr(created_at, 1, 10) <= ?2
         GROUP BY 1",
    )?;
    for row in started.query_map(params![since, today], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, u32>(1)?))
    })? {
        let (month, n) = row?;
        if let Some(month) = Month::parse_prefix(&month) {
            activity.entry(month).or_default().started += n;
        }
    }
    // Old audit rows (before 0002) stored whole subscriptions: `$.status` reads the same.
    // Reading one field of stored JSON is spelled differently by the two databases.
    let status_before = match conn.dialect() {
        Dialect::Sqlite => "json_extract(before_json, '$.status')",
        Dialect::Postgres => "(before_json::json ->> 'status')",
    };
    let sql = format!(
        "SELECT substr(at, 1, 7),
                count(*) FILTER (WHERE action IN ('pause', 'pause_for', 'pause_until')
                    AND coalesce({status_before}, '') <> 'paused'),
                count(*) FILTER (WHERE action = 'skip'),
                count(*) FILTER (WHERE action = 'cancel'),
                count(*) FILTER (WHERE via = 'cancel_offer')
         FROM subscription_changes
         WHERE at >= ?1 AND substr(at, 1, 10) <= ?2
           AND action IN ('pause', 'pause_for', 'pause_until', 'skip', 'cancel')
         GROUP BY 1"
    );
    let mut changes = conn.prepare_cached(&sql)?;
    for row in changes.query_map(params![since, today], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, u32>(1)?,
            row.get::<_, u32>(2)?,
            row.get::<_, u32>(3)?,
            row.get::<_, u32>(4)?,
        ))
    })? {
        let (month, paused, skipped, cancelled, kept) = row?;
        if let Some(month) = Month::parse_prefix(&month) {
            let counts = activity.entry(month).or_default();
            counts.paused += paused;
            counts.skipped += skipped;
            counts.cancelled += cancelled;
            counts.kept_instead_of_cancel += kept;
        }
    }
    Ok(activity)
}

/// Every month of `months` (oldest first), zero when nothing happened, and the total.
pub fn compute(activity: &Activity, months: &[Month]) -> SubscriptionMetrics {
    let months: Vec<SubscriptionMonth> = months
        .iter()
        .map(|m| SubscriptionMonth {
            month: m.to_string(),
            counts: activity.get(m).cloned().unwrap_or_default(),
        })
        .collect();
    let mut total = SubscriptionCounts::default();
    for m in &months {
        total.started += m.counts.started;
        total.paused += m.counts.paused;
        total.skipped += m.counts.skipped;
        total.cancelled += m.counts.cancelled;
        total.kept_instead_of_cancel += m.counts.kept_instead_of_cancel;
    }
    SubscriptionMetrics {
        definition: DEFINITION.to_owned(),
        months,
        total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_zero_filled_and_summed() {
        let months = super::super::covered_months("2026-03-15".parse().unwrap());
        let mut activity = Activity::new();
        let feb = Month {
            year: 2026,
            month: 2,
        };
        activity.insert(
            feb,
            SubscriptionCounts {
                started: 4,
                paused: 2,
                skipped: 3,
                cancelled: 1,
                kept_instead_of_cancel: 1,
            },
        );
        // Outside the covered months: ignored.
        activity.insert(
            Month {
                year: 2024,
                month: 1,
            },
            SubscriptionCounts {
                started: 99,
                ..SubscriptionCounts::default()
            },
        );
        let out = compute(&activity, &months);
        assert_eq!(out.months.len(), 12);
        assert_eq!(out.months[10].month, "2026-02");
        assert_eq!(out.months[10].counts.skipped, 3);
        assert_eq!(out.months[11].counts, SubscriptionCounts::default());
        assert_eq!(out.total.started, 4);
        assert_eq!(out.total.kept_instead_of_cancel, 1);
    }
}
