//! The planning pass: makes every message that fell due. Receipts are made from the queue
//! the outbox fills (`receipts.rs`); reminders are found by date:
//!
//! - a delivery reminder falls due `reminder_days_ahead` days before the delivery, at
//!   `send_hour` of the customer's own day, in their time zone (daylight saving included:
//!   9:00 is 9:00 on the clock on their wall). Only active subscriptions get one, for the
//!   delivery they will really get: a skipped date is not the next delivery, a paused or
//!   cancelled subscription has none. One per (subscription, delivery date): moving a
//!   delivery makes the new date due its own reminder.
//! - a yearly reminder falls due on each anniversary of subscribing, at `send_hour`.
//!
//! A pass that runs late (a server was down) makes what it missed, as long as the
//! delivery is still ahead; made messages are never made twice (`dedupe`).

use super::settings::{self, Settings};
use super::store::{self, Made, NewMessage};
use super::{receipts, Kind, Notifier};
use crate::clock::Clock;
use crate::db::{Connection, Db, StoreError};
use crate::params;
use cadence_contract::Date;
use std::time::Duration;

/// Rows per transaction: each holds the write lock for a moment only.
const BATCH: u32 = 200;

/// What one pass made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct PlanSummary {
    pub receipts: u64,
    pub delivery_reminders: u64,
    pub yearly_reminders: u64,
    pub routine_reminders: u64,
    /// E-mails queued for the mailer, of all kinds.
    pub emails: u64,
}

/// Makes everything due at `clock`'s now.
pub async fn run(db: &Db, notifier: &Notifier, clock: Clock) -> Result<PlanSummary, StoreError> {
    let mut summary = receipts_due(db, notifier, clock).await?;
    let now = clock.unix_seconds();
    let mut after: Option<(String, String)> = None;
    loop {
        let notifier = notifier.clone();
        let cursor = after.clone();
        let (last, made, emails) = db
            .write(move |tx| {
                let settings = settings::load(tx)?;
                delivery_reminders(tx, &notifier, &settings, now, cursor.as_ref())
            })
            .await?;
        summary.delivery_reminders += made;
        summary.emails += emails;
        match last {
            Some(last) => after = Some(last),
            None => break,
        }
    }
    let yearly = notifier.clone();
    let (made, emails) = db
        .write(move |tx| {
            let settings = settings::load(tx)?;
            yearly_reminders(tx, &yearly, &settings, now)
        })
        .await?;
    summary.yearly_reminders += made;
    summary.emails += emails;
    loop {
        let notifier = notifier.clone();
        let (made, emails, full) = db
            .write(move |tx| {
                let settings = settings::load(tx)?;
                super::routine::remind_due(tx, &notifier, &settings, now)
            })
            .await?;
        summary.routine_reminders += made;
        summary.emails += emails;
        if !full {
            break;
        }
    }
    Ok(summary)
}

/// Receipts for everything the outbox queued, batch by batch.
pub async fn receipts_due(
    db: &Db,
    notifier: &Notifier,
    clock: Clock,
) -> Result<PlanSummary, StoreError> {
    let mut summary = PlanSummary::default();
    loop {
        let notifier = notifier.clone();
        let now = clock.unix_seconds();
        let (taken, made, emails) = db
            .write(move |tx| {
                let settings = settings::load(tx)?;
                receipts::make_batch(tx, &notifier, &settings, now, BATCH)
            })
            .await?;
        summary.receipts += made;
        summary.emails += emails;
        if taken < u64::from(BATCH) {
            return Ok(summary);
        }
    }
}

/// The unix second of `hour`:00 on `date` where `zone` is (the first such moment when a
/// clock change skips or repeats it).
pub fn local_moment(date: Date, hour: u32, zone: &jiff::tz::TimeZone) -> Option<i64> {
    let civil = jiff::civil::date(
        i16::try_from(date.year()).ok()?,
        i8::try_from(date.month()).ok()?,
        i8::try_from(date.day()).ok()?,
    )
    .at(i8::try_from(hour).ok()?, 0, 0, 0);
    Some(civil.to_zoned(zone.clone()).ok()?.timestamp().as_second())
}

/// One batch of delivery reminders after `after` (next delivery, id): the last row looked
/// at (`None`: the window is done), reminders made, e-mails queued.
#[allow(clippy::type_complexity)]
fn delivery_reminders(
    tx: &Connection,
    notifier: &Notifier,
    settings: &Settings,
    now: i64,
    after: Option<&(String, String)>,
) -> Result<(Option<(String, String)>, u64, u64), StoreError> {
    let today = super::day_of(now);
    let days = i64::from(settings.reminder_days_ahead);
    // A day either side of UTC's today covers every zone (UTC−12 to UTC+14).
    let from = today.add_days(-1).unwrap_or(today).to_string();
    let to = today.add_days(days + 1).unwrap_or(today).to_string();
    let (after_date, after_id) = after.cloned().unwrap_or_default();
    let rows: Vec<(String, String, String, Option<String>)> = tx.query_all(
        "SELECT s.id, s.customer_id, s.next_delivery, c.time_zone
         FROM subscriptions s JOIN customers c ON c.id = s.customer_id
         WHERE s.status = 'active' AND s.next_delivery >= ?1 AND s.next_delivery <= ?2
           AND (s.next_delivery > ?3 OR (s.next_delivery = ?3 AND s.id > ?4))
           AND NOT EXISTS (SELECT 1 FROM notifications n
                           WHERE n.dedupe = 'reminder:' || s.id || ':' || s.next_delivery)
           AND NOT EXISTS (SELECT 1 FROM notification_optouts o
                           WHERE o.customer_id = s.customer_id AND o.kind = 'delivery_reminder')
         ORDER BY s.next_delivery, s.id LIMIT ?5",
        params![from, to, after_date, after_id, BATCH],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
    )?;
    let last = (rows.len() == BATCH as usize)
        .then(|| {
            rows.last()
                .map(|(id, _, date, _)| (date.clone(), id.clone()))
        })
        .flatten();
    let (mut made, mut emails) = (0, 0);
    for (id, customer, date, zone) in rows {
        let Ok(delivery) = date.parse::<Date>() else {
            continue;
        };
        let (_, zone) = settings.zone(zone.as_deref());
        let Some(reminder_day) = delivery.add_days(-days) else {
            continue;
        };
        let (Some(due), Some(delivery_starts)) = (
            local_moment(reminder_day, settings.send_hour, &zone),
            local_moment(delivery, 0, &zone),
        ) else {
            continue;
        };
        // Not yet; or too late to be of use (the delivery's day has begun where they are).
        if now < due || now >= delivery_starts {
            continue;
        }
        let outcome = store::make(
            tx,
            notifier,
            settings,
            &NewMessage {
                kind: Kind::DeliveryReminder,
                dedupe: format!("reminder:{id}:{date}"),
                customer_id: &customer,
                subscription_id: &id,
                delivery_date: Some(delivery),
                change: None,
                due_at: due,
                snapshot: None,
                price_change: None,
            },
            now,
        )?;
        if let Made::New { email } = outcome {
            made += 1;
            emails += u64::from(email);
        }
    }
    Ok((last, made, emails))
}

/// Yearly reminders due now: subscriptions made on this day of the year (a day either
/// side, for the zones), at least a year ago.
fn yearly_reminders(
    tx: &Connection,
    notifier: &Notifier,
    settings: &Settings,
    now: i64,
) -> Result<(u64, u64), StoreError> {
    let today = super::day_of(now);
    let month_day = |d: Date| format!("{:02}-{:02}", d.month(), d.day());
    let days: Vec<String> = [-1, 0, 1]
        .into_iter()
        .filter_map(|n| today.add_days(n))
        .map(month_day)
        .chain(["02-29".to_owned()])
        .collect();
    let year_ago = today.add_days(-364).unwrap_or(today).to_string();
    let rows: Vec<(String, String, String, Option<String>)> = tx.query_all(
        "SELECT s.id, s.customer_id, s.created_at, c.time_zone
         FROM subscriptions s JOIN customers c ON c.id = s.customer_id
         WHERE s.status = 'active' AND s.created_at < ?1
           AND substr(s.created_at, 6, 5) IN (?2, ?3, ?4, ?5)
         ORDER BY s.id",
        params![year_ago, days[0], days[1], days[2], days[3]],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
    )?;
    let (mut made, mut emails) = (0, 0);
    for (id, customer, created_at, zone) in rows {
        let Some(created) = created_at.get(..10).and_then(|d| d.parse::<Date>().ok()) else {
            continue;
        };
        let (_, zone) = settings.zone(zone.as_deref());
        // The anniversary of this year or last (around New Year), whichever is the one due.
        let years = i64::from(today.year() - created.year());
        let due = [years, years - 1]
            .into_iter()
            .filter(|&n| n >= 1)
            .find_map(|n| {
                // 29 February's anniversary is 28 February in other years.
                let day = created.add_months(12 * n)?;
                let at = local_moment(day, settings.send_hour, &zone)?;
                (at <= now && now < at + 2 * 86_400).then_some((n, at))
            });
        let Some((n, due)) = due else {
            continue;
        };
        let outcome = store::make(
            tx,
            notifier,
            settings,
            &NewMessage {
                kind: Kind::YearlyReminder,
                dedupe: format!("yearly:{id}:{n}"),
                customer_id: &customer,
                subscription_id: &id,
                delivery_date: None,
                change: None,
                due_at: due,
                snapshot: None,
                price_change: None,
            },
            now,
        )?;
        if let Made::New { email } = outcome {
            made += 1;
            emails += u64::from(email);
        }
    }
    Ok((made, emails))
}

/// Runs receipts every `receipts_every` (woken early when the outbox queued one) and the
/// whole pass every `every`, for the life of the process. A failed pass is logged and the
/// next tries again: what is due stays due.
pub fn spawn(db: Db, notifier: Notifier, clock: Clock, every: Duration) {
    tokio::spawn(async move {
        let mut last_full: Option<tokio::time::Instant> = None;
        loop {
            let full = last_full.is_none_or(|t| t.elapsed() >= every);
            let result = if full {
                last_full = Some(tokio::time::Instant::now());
                run(&db, &notifier, clock).await
            } else {
                receipts_due(&db, &notifier, clock).await
            };
            match result {
                Ok(s) if s != PlanSummary::default() => {
                    tracing::info!(summary = ?s, "notifications made")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "notification pass failed; retrying"),
            }
            // Woken from inside the transaction that queued a receipt: give it a moment to
            // commit. Missed, it is made at the next second's poll.
            if tokio::time::timeout(Duration::from_secs(1), RECEIPTS_QUEUED.notified())
                .await
                .is_ok()
            {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    });
}

/// Woken by the outbox when it queues a receipt, so receipts go within moments.
pub(crate) static RECEIPTS_QUEUED: tokio::sync::Notify = tokio::sync::Notify::const_new();
