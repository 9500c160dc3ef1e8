//! Subscription rows: reading them into a `Schedule` and the `Subscription` the API shows,
//! inserting, and saving a changed schedule.

use super::products::{self, unit_from_sql, unit_to_sql};
use super::StoreError;
use crate::db::{Connection, OptionalExtension, Row as SqlRow};
use crate::params;
use cadence_contract::schedule::{MAX_PAUSE_DAYS, UPCOMING_COUNT};
use cadence_contract::{
    ComingPrice, Date, Interval, Money, Rules, Schedule, Subscription, SubscriptionSnapshot,
    SubscriptionStatus, SwapOption,
};
use std::collections::HashMap;

const SELECT: &str = "SELECT s.id, s.sku, p.name, s.quantity, s.interval_count, s.interval_unit,
        s.status, s.anchor_date, s.skipped_dates, s.paused_until, s.cancelled_on,
        s.reactivate_until, s.unit_price_minor, p.currency,
        s.discount_percent, s.version, s.payment_problem_order,
        pc.new_unit_price_minor, pc.effective_on, s.created_at
     FROM subscriptions s JOIN products p ON p.sku = s.sku
     LEFT JOIN price_changes pc ON pc.subscription_id = s.id AND pc.state = 'scheduled'";

fn status_from_sql(status: &str) -> SubscriptionStatus {
    match status {
        "active" => SubscriptionStatus::Active,
        "paused" => SubscriptionStatus::Paused,
        "cancelled" => SubscriptionStatus::Cancelled,
        _ => SubscriptionStatus::Unknown,
    }
}

fn status_to_sql(status: SubscriptionStatus) -> Result<&'static str, StoreError> {
    match status {
        SubscriptionStatus::Active => Ok("active"),
        SubscriptionStatus::Paused => Ok("paused"),
        SubscriptionStatus::Cancelled => Ok("cancelled"),
        SubscriptionStatus::Unknown => Err(StoreError::Corrupt("unknown status to save".into())),
    }
}

/// A subscription as stored, with the price it was agreed at.
pub struct Row {
    pub id: String,
    pub product_name: String,
    pub schedule: Schedule,
    /// The price of one unit before the subscription's discount, as agreed: at subscribe,
    /// swap or import, or by a merchant's price change once it applied (migration 0015).
    /// Never the catalog's current price: a catalog change is an offer to new subscribers.
    /// (Read without a fallback: a NULL fails the read rather than charge the catalog.)
    pub unit_price: Money,
    /// A merchant's announced price change not yet folded in: the new unit price and the
    /// first date it applies to (`price_change.rs`).
    pub coming: Option<(Money, Date)>,
    /// Locked in when subscribing (or swapping): a later catalog change does not
    /// silently raise the price.
    pub discount_percent: u8,
    pub version: u64,
    /// A delivery's payment failed after the last retry (migration 0010).
    pub payment_problem: bool,
    /// The UTC day it was made: its withdrawal period counts from here.
    pub created_on: Option<Date>,
}

/// Columns as read, before the fallible conversions rusqlite's row closure cannot express.
struct Raw {
    id: String,
    sku: String,
    product_name: String,
    quantity: u32,
    interval: (u16, String),
    status: String,
    dates: [Option<String>; 4],
    skipped: String,
    unit_price: Money,
    coming: Option<(i64, String)>,
    discount_percent: u8,
    version: u64,
    payment_problem: bool,
    created_at: String,
}

fn raw(row: &SqlRow<'_>) -> crate::db::sql::Result<Raw> {
    Ok(Raw {
        id: row.get(0)?,
        sku: row.get(1)?,
        product_name: row.get(2)?,
        quantity: row.get(3)?,
        interval: (row.get(4)?, row.get(5)?),
        status: row.get(6)?,
        dates: [Some(row.get(7)?), row.get(9)?, row.get(10)?, row.get(11)?],
        skipped: row.get(8)?,
        unit_price: Money::new(row.get(12)?, row.get::<_, String>(13)?),
        discount_percent: row.get(14)?,
        // Versions start at 1 (a CHECK constraint), so the conversion cannot fail.
        version: row.get::<_, i64>(15)?.max(1) as u64,
        payment_problem: row.get::<_, Option<String>>(16)?.is_some(),
        coming: match (row.get::<_, Option<i64>>(17)?, row.get(18)?) {
            (Some(amount), Some(date)) => Some((amount, date)),
            _ => None,
        },
        created_at: row.get(19)?,
    })
}

fn convert(raw: Raw) -> Result<Row, StoreError> {
    let bad = |what: &str| StoreError::Corrupt(format!("bad {what} in subscription {}", raw.id));
    let date = |s: &Option<String>| s.as_deref().map(str::parse::<Date>).transpose();
    let [anchor, paused_until, cancelled_on, reactivate_until] = &raw.dates;
    let skipped: Vec<Date> =
        serde_json::from_str(&raw.skipped).map_err(|_| bad("skipped_dates"))?;
    let schedule = Schedule {
        status: status_from_sql(&raw.status),
        sku: raw.sku.clone(),
        quantity: raw.quantity,
        interval: Interval {
            count: raw.interval.0,
            unit: unit_from_sql(&raw.interval.1)?,
        },
        anchor: date(anchor)
            .map_err(|_| bad("anchor_date"))?
            .ok_or_else(|| bad("anchor_date"))?,
        skipped,
        paused_until: date(paused_until).map_err(|_| bad("paused_until"))?,
        cancelled_on: date(cancelled_on).map_err(|_| bad("cancelled_on"))?,
        reactivate_until: date(reactivate_until).map_err(|_| bad("reactivate_until"))?,
    };
    let coming = match raw.coming {
        Some((amount, date)) => Some((
            Money::new(amount, raw.unit_price.currency.clone()),
            date.parse::<Date>().map_err(|_| bad("price change date"))?,
        )),
        None => None,
    };
    Ok(Row {
        schedule,
        coming,
        id: raw.id,
        product_name: raw.product_name,
        unit_price: raw.unit_price,
        discount_percent: raw.discount_percent,
        version: raw.version,
        payment_problem: raw.payment_problem,
        // RFC 3339 as written at insert: the date is its first ten characters.
        created_on: raw.created_at.get(..10).and_then(|d| d.parse().ok()),
    })
}

/// One of the customer's subscriptions; another customer's id reads as absent.
pub fn load(conn: &Connection, customer: &str, id: &str) -> Result<Option<Row>, StoreError> {
    let sql = format!("{SELECT} WHERE s.customer_id = ?1 AND s.id = ?2");
    let found = conn
        .prepare_cached(&sql)?
        .query_row([customer, id], raw)
        .optional()?;
    found.map(convert).transpose()
}

/// What the merchant allows this subscription to change to: the intervals and swap
/// options its view shows (read with it, so a change does not query them twice).
pub fn rules(view: &Subscription) -> Rules {
    Rules::new(
        view.allowed_intervals.clone(),
        view.swap_options.iter().map(|o| o.sku.clone()).collect(),
    )
}

/// The catalog's choices for a subscription to one product at one interval (allowed
/// intervals, swap options), read once per request: a customer's subscriptions often share
/// a product and interval, and `/me` then asks the catalog once for all of them (and the
/// scheduler once per batch of deliveries).
#[derive(Default)]
pub struct Choices(
    HashMap<(String, Interval), (Vec<Interval>, Vec<SwapOption>)>,
    /// The merchant's withdrawal period in days, read once.
    Option<u32>,
);

impl Choices {
    fn of(
        &mut self,
        conn: &Connection,
        sku: &str,
        interval: Interval,
    ) -> Result<(Vec<Interval>, Vec<SwapOption>), StoreError> {
        let key = (sku.to_owned(), interval);
        if let Some(found) = self.0.get(&key) {
            return Ok(found.clone());
        }
        let found = (
            products::intervals(conn, sku)?,
            products::swap_options(conn, sku, interval)?,
        );
        self.0.insert(key, found.clone());
        Ok(found)
    }

    fn withdrawal_days(&mut self, conn: &Connection) -> Result<u32, StoreError> {
        if let Some(days) = self.1 {
            return Ok(days);
        }
        let days = crate::notify::settings::load(conn)?.withdrawal_days;
        self.1 = Some(days);
        Ok(days)
    }
}

/// The last day a subscription made on `created_on` may be withdrawn from, with a
/// withdrawal period of `days`.
pub fn withdrawal_ends(created_on: Date, days: u32) -> Option<Date> {
    created_on.add_days(i64::from(days))
}

/// The subscription as the API shows it on `today`.
pub fn view(conn: &Connection, row: &Row, today: Date) -> Result<Subscription, StoreError> {
    view_with(conn, row, today, &mut Choices::default())
}

/// `view`, reading the catalog's choices through `choices` (shared across one request).
pub fn view_with(
    conn: &Connection,
    row: &Row,
    today: Date,
    choices: &mut Choices,
) -> Result<Subscription, StoreError> {
    let s = row.schedule.settled(today);
    let cancelled = s.status == SubscriptionStatus::Cancelled;
    let next_delivery = s.next_delivery(today);
    let mut upcoming = s.upcoming(today, UPCOMING_COUNT);
    // Extras ride with the next delivery; stored against an older date, they shipped.
    if let Some(next) = next_delivery {
        if let Some(slot) = upcoming.iter_mut().find(|u| u.date == next) {
            slot.extras = super::extras::on(conn, &row.id, next)?;
        }
    }
    let (allowed_intervals, swap_options) = choices.of(conn, &s.sku, s.interval)?;
    let per_delivery = |unit: &Money| unit.discounted(row.discount_percent).times(s.quantity);
    // A change whose date has come is the price, even before a pass folds it in; one still
    // ahead is shown as coming (never for a cancelled subscription: it will not apply).
    let (price, coming_price) = match &row.coming {
        Some((unit, on)) if *on <= today => (per_delivery(unit), None),
        Some((unit, on)) if !cancelled => (
            per_delivery(&row.unit_price),
            Some(ComingPrice {
                price_per_delivery: per_delivery(unit),
                effective_on: *on,
            }),
        ),
        _ => (per_delivery(&row.unit_price), None),
    };
    Ok(Subscription {
        id: row.id.clone(),
        product_name: row.product_name.clone(),
        quantity: s.quantity,
        interval: s.interval,
        status: s.status,
        next_delivery,
        price_per_delivery: price,
        version: row.version,
        upcoming,
        allowed_intervals,
        swap_options,
        paused_until: s.paused_until,
        cancelled_on: s.cancelled_on,
        reactivate_until: s.reactivate_until,
        max_pause_until: if cancelled {
            None
        } else {
            today.add_days(MAX_PAUSE_DAYS)
        },
        sku: s.sku,
        payment_problem: row.payment_problem,
        update_payment_url: if row.payment_problem {
            crate::orders::update_payment_url(conn)?
        } else {
            None
        },
        coming_price,
        withdrawable_until: match row.created_on {
            Some(created) if !cancelled => withdrawal_ends(created, choices.withdrawal_days(conn)?)
                .filter(|last| today <= *last),
            _ => None,
        },
    })
}

/// The part of a subscription the audit trail records.
pub fn snapshot(s: &Subscription) -> SubscriptionSnapshot {
    SubscriptionSnapshot {
        sku: s.sku.clone(),
        quantity: s.quantity,
        interval: s.interval,
        status: s.status,
        next_delivery: s.next_delivery,
        price_per_delivery: Some(s.price_per_delivery.clone()),
    }
}

/// A customer's subscriptions, oldest first.
pub fn list_for(
    conn: &Connection,
    customer: &str,
    today: Date,
) -> Result<Vec<Subscription>, StoreError> {
    let sql = format!("{SELECT} WHERE s.customer_id = ?1 ORDER BY s.created_at, s.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let raws = stmt
        .query_map([customer], raw)?
        .collect::<crate::db::sql::Result<Vec<_>>>()?;
    let mut choices = Choices::default();
    raws.into_iter()
        .map(|raw| view_with(conn, &convert(raw)?, today, &mut choices))
        .collect()
}

/// How many subscriptions the customer holds that are not cancelled (what
/// `Limits::max_subscriptions_per_customer` bounds).
pub fn count_held(conn: &Connection, customer: &str) -> Result<u32, StoreError> {
    conn.prepare_cached(
        "SELECT count(*) FROM subscriptions WHERE customer_id = ?1 AND status <> 'cancelled'",
    )?
    .query_row([customer], |row| row.get(0))
}

/// One of the customer's subscriptions as the API shows it; another customer's reads as
/// absent.
pub fn find(
    conn: &Connection,
    customer: &str,
    id: &str,
    today: Date,
) -> Result<Option<Subscription>, StoreError> {
    load(conn, customer, id)?
        .map(|row| view(conn, &row, today))
        .transpose()
}

/// A subscription about to be created.
pub struct NewRow<'a> {
    pub id: &'a str,
    pub customer_id: &'a str,
    pub sku: &'a str,
    pub quantity: u32,
    pub interval: Interval,
    pub anchor_date: Date,
    pub next_delivery: Date,
    pub discount_percent: u8,
    /// The unit price agreed, before the discount: the catalog's at this moment.
    pub unit_price_minor: i64,
    pub now: &'a str,
}

pub fn insert(conn: &Connection, row: &NewRow<'_>) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO subscriptions (id, customer_id, sku, quantity, interval_count, interval_unit,
            status, anchor_date, next_delivery, discount_percent, version, created_at, updated_at,
            unit_price_minor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7, ?8, ?9, 1, ?10, ?10, ?11)",
    )?
    .execute(params![
        row.id,
        row.customer_id,
        row.sku,
        row.quantity,
        row.interval.count,
        unit_to_sql(row.interval.unit),
        row.anchor_date.to_string(),
        row.next_delivery.to_string(),
        row.discount_percent,
        row.now,
        row.unit_price_minor,
    ])?;
    Ok(())
}

/// Writes `next` over `row` and bumps the version. The `version = ?` guard is belt and
/// braces: callers hold the write lock since reading `row`, so it always matches. A swap
/// (another SKU) is a new agreement at the new product's catalog price of this moment;
/// otherwise the agreed price stays.
pub fn save(
    conn: &Connection,
    row: &Row,
    next: &Schedule,
    discount_percent: u8,
    today: Date,
    now: &str,
) -> Result<(), StoreError> {
    let date = |d: Option<Date>| d.map(|d| d.to_string());
    let updated = conn
        .prepare_cached(
            "UPDATE subscriptions SET sku = ?1, quantity = ?2, interval_count = ?3,
                interval_unit = ?4, status = ?5, anchor_date = ?6, next_delivery = ?7,
                skipped_dates = ?8, paused_until = ?9, cancelled_on = ?10,
                reactivate_until = ?11, discount_percent = ?12, version = version + 1,
                updated_at = ?13,
                unit_price_minor = CASE WHEN sku = ?1 THEN unit_price_minor
                    ELSE (SELECT p.price_minor FROM products p WHERE p.sku = ?1) END
             WHERE id = ?14 AND version = ?15",
        )?
        .execute(params![
            next.sku,
            next.quantity,
            next.interval.count,
            unit_to_sql(next.interval.unit),
            status_to_sql(next.status)?,
            next.anchor.to_string(),
            date(next.next_delivery(today)),
            serde_json::to_string(&next.skipped)?,
            date(next.paused_until),
            date(next.cancelled_on),
            date(next.reactivate_until),
            discount_percent,
            now,
            row.id,
            row.version as i64,
        ])?;
    if updated != 1 {
        return Err(StoreError::Corrupt(format!(
            "subscription {} changed under the write lock",
            row.id
        )));
    }
    Ok(())
}
