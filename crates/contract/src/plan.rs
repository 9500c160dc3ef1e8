//! The routine plan: what owning a product looks like over time (deliveries at the chosen
//! cadence, maintenance when it is due, the cost per month), as one pure function.
//!
//! The widget runs [`build_plan`] locally, so every what-if (another interval, another
//! quantity) updates instantly; the server runs the same function for calendar files, so
//! the page and the calendar can never disagree.

use crate::{Date, Interval, Money, Product};

/// "How many espressos do you drink a day?": the one question that turns a product page
/// into a personal estimate of how long a pack lasts.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageQuestion {
    /// The question, e.g. "How many coffees do you make a day?".
    pub prompt: String,
    /// The answer's unit, e.g. "cups a day".
    pub unit: String,
    pub min: u32,
    pub max: u32,
    /// The answer assumed until the shopper gives theirs.
    pub default: u32,
    /// Units of the product (capsules) one use (one cup) takes.
    pub units_per_use: u32,
}

/// Maintenance a durable needs: every `every_days` days, possibly with a consumable.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Routine {
    /// What is done, e.g. "Descale".
    pub name: String,
    pub every_days: u32,
    /// The consumable one run of the routine uses up, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumable_sku: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumable_name: Option<String>,
    /// What one run costs in consumables: the pack's one-time price divided by the units
    /// in the pack, rounded up (one descaling of a two-sachet kit costs half a kit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumable_price: Option<Money>,
    /// How to do it, step by step. May be relative to the shop's origin (`/guides/…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guide_url: Option<String>,
}

/// What owners of the machine this product fits most often choose, from their real
/// active subscriptions. Only sent when at least [`COMMUNITY_MIN_OWNERS`] owners
/// subscribe, so no individual's choice can be read from it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommunityChoice {
    /// The most chosen interval (always one the shopper can choose).
    pub interval: Interval,
    /// Share of subscribing owners on that interval, rounded to the nearest percent.
    pub share_percent: u8,
    /// How many distinct owners subscribe to this product.
    pub owners: u32,
}

/// Fewest subscribing owners for which a [`CommunityChoice`] is shown.
pub const COMMUNITY_MIN_OWNERS: u32 = 5;

/// The signed-in customer's machine that this product is (or fits), with its upkeep.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ownership {
    pub model_sku: String,
    pub model_name: String,
    pub purchased_on: Date,
    pub routines: Vec<OwnedRoutine>,
}

/// One routine of an owned machine, with when it was last done and is next due.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnedRoutine {
    pub routine: Routine,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_done: Option<Date>,
    /// See [`next_due`]: today or later.
    pub next_due: Date,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlanEventKind {
    Delivery,
    Maintenance,
    /// A kind this client does not know yet.
    #[serde(other)]
    Unknown,
}

crate::wire::wire_names!(PlanEventKind {
    Delivery = "delivery",
    Maintenance = "maintenance",
}, other Unknown = "unknown");

/// One dated step of a plan.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanEvent {
    pub date: Date,
    pub kind: PlanEventKind,
    /// A name, not a sentence (the product's or the routine's): clients translate the rest.
    pub title: String,
    /// The product delivered, or the consumable the maintenance uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guide_url: Option<String>,
    /// What this step costs; absent when it costs nothing extra.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Money>,
}

/// What the shopper is considering: how often (or once) and how many per delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanChoice {
    /// `None`: a one-time purchase (no recurring deliveries).
    pub interval: Option<Interval>,
    pub quantity: u32,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoutinePlan {
    /// Sorted by date (deliveries before maintenance on the same day).
    pub events: Vec<PlanEvent>,
    /// The events' costs averaged per month (30.44 days) over the plan's horizon.
    pub monthly_cost: Money,
}

/// Body of `GET /api/v1/me/calendar`: the signed-in customer's subscribable calendar.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarFeed {
    /// An absolute `…/api/v1/calendar/<id>.ics` URL that works without headers (calendar
    /// apps send none): the id is the credential, so treat the URL like a password.
    pub feed_url: String,
}

/// The interval [`recommend_interval`] suggests, and how long one delivery lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CadenceAdvice {
    pub interval: Interval,
    /// Whole days `quantity` packs last at the stated usage (rounded down: the day the
    /// last cup cannot be made does not count).
    pub days_per_delivery: u32,
}

/// How long `quantity` packs last at `uses_per_day` × `units_per_use`, and the allowed
/// interval nearest to it; on a tie the shorter one, so nobody runs out. `None` when
/// nothing is allowed, the usage is 0, or a delivery holds nothing.
pub fn recommend_interval(
    units_per_pack: u32,
    quantity: u32,
    uses_per_day: u32,
    units_per_use: u32,
    allowed: &[Interval],
) -> Option<CadenceAdvice> {
    let per_day = u64::from(uses_per_day) * u64::from(units_per_use);
    let units = u64::from(units_per_pack) * u64::from(quantity);
    if per_day == 0 || units == 0 {
        return None;
    }
    let days = units / per_day;
    let days_per_delivery = u32::try_from(days).unwrap_or(u32::MAX);
    let target = days as f64;
    let interval = allowed
        .iter()
        .copied()
        .filter(|i| i.validate().is_ok())
        .min_by(|a, b| {
            let (da, db) = (a.approx_days(), b.approx_days());
            (da - target)
                .abs()
                .total_cmp(&(db - target).abs())
                .then(da.total_cmp(&db))
        })?;
    Some(CadenceAdvice {
        interval,
        days_per_delivery,
    })
}

/// When a routine is next due: the first of `base + k × every_days` (k ≥ 1) that is today
/// or later, where `base` is when it was last done (or the machine bought). Overdue
/// routines roll forward: a reminder in the past helps nobody.
pub fn next_due(base: Date, every_days: u32, today: Date) -> Date {
    let every = i64::from(every_days.max(1));
    let behind = base.days_until(today);
    let k = if behind <= 0 {
        1
    } else {
        // Smallest k ≥ 1 with k × every ≥ behind.
        ((behind + every - 1) / every).max(1)
    };
    base.add_days(k * every).unwrap_or(today)
}

/// Longest horizon [`build_plan`] computes, bounding its work whatever it is asked.
pub const MAX_PLAN_MONTHS: u32 = 120;

/// The plan for `product` under `choice`, from `today` over `months` months:
/// - deliveries at `choice.interval` from one interval after today
///   (`interval.nth_after(today, n)`, n ≥ 1), each costing the subscribe & save price (the
///   one-time price if the product has no offer) × quantity; none for a one-time purchase
///   or quantity 0;
/// - maintenance for each of `product.routines`: from its owned `next_due` when
///   `product.ownership` is this very product, else one cycle after today; then every
///   `every_days`. Its cost is `consumable_price`;
/// - `monthly_cost`: the total over the horizon per 30.44 days, rounded half-up.
///
/// Events fall between today and today + `months` (inclusive), `months` capped at
/// [`MAX_PLAN_MONTHS`]. Costs in another currency than the product's are left out of the
/// total rather than added up as if they were the same money.
pub fn build_plan(product: &Product, choice: &PlanChoice, today: Date, months: u32) -> RoutinePlan {
    let months = months.min(MAX_PLAN_MONTHS);
    let end = today.add_months(i64::from(months)).unwrap_or(today);
    let mut events = Vec::new();

    if let Some(interval) = choice.interval.filter(|i| i.validate().is_ok()) {
        if choice.quantity > 0 {
            let unit_price = product
                .subscription
                .as_ref()
                .map_or(&product.price, |offer| &offer.price);
            let cost = unit_price.times(choice.quantity);
            let dates = (1..).map_while(|n| interval.nth_after(today, n).filter(|d| *d <= end));
            for date in dates {
                events.push(PlanEvent {
                    date,
                    kind: PlanEventKind::Delivery,
                    title: product.name.clone(),
                    sku: Some(product.sku.clone()),
                    guide_url: None,
                    cost: Some(cost.clone()),
                });
            }
        }
    }

    let owned = product
        .ownership
        .as_ref()
        .filter(|o| o.model_sku == product.sku);
    for routine in &product.routines {
        let every = i64::from(routine.every_days.max(1));
        let first = owned
            .and_then(|o| o.routines.iter().find(|r| r.routine.name == routine.name))
            .map(|r| {
                // A plan computed on a later day than the server's next_due rolls it on.
                if r.next_due >= today {
                    r.next_due
                } else {
                    next_due(r.next_due, routine.every_days, today)
                }
            })
            .or_else(|| today.add_days(every));
        let dates = (0..).map_while(|k| {
            first
                .and_then(|f| f.add_days(k * every))
                .filter(|d| *d <= end)
        });
        for date in dates {
            events.push(PlanEvent {
                date,
                kind: PlanEventKind::Maintenance,
                title: routine.name.clone(),
                sku: routine.consumable_sku.clone(),
                guide_url: routine.guide_url.clone(),
                cost: routine.consumable_price.clone(),
            });
        }
    }

    // Unstable: events equal in date, kind and title read the same to a shopper, the sort
    // is deterministic (server and widget still agree), and the stable sort's merge code
    // was 0.7 KB brotli of the product module's wasm.
    events.sort_unstable_by(|a, b| {
        (a.date, kind_rank(a.kind), &a.title).cmp(&(b.date, kind_rank(b.kind), &b.title))
    });
    let monthly_cost = monthly_average(&events, &product.price.currency, today.days_until(end));
    RoutinePlan {
        events,
        monthly_cost,
    }
}

fn kind_rank(kind: PlanEventKind) -> u8 {
    match kind {
        PlanEventKind::Delivery => 0,
        PlanEventKind::Maintenance => 1,
        PlanEventKind::Unknown => 2,
    }
}

/// Average days in a month, in millionths (30.436875 = 365.2425 / 12), as integers so the
/// widget and the server round identically.
const MONTH_MICRODAYS: i128 = 30_436_875;

fn monthly_average(events: &[PlanEvent], currency: &str, horizon_days: i64) -> Money {
    let total: i128 = events
        .iter()
        .filter_map(|e| e.cost.as_ref())
        .filter(|m| m.currency == currency)
        .map(|m| i128::from(m.amount_minor))
        .sum();
    if horizon_days <= 0 {
        return Money::new(0, currency);
    }
    let denominator = i128::from(horizon_days) * 1_000_000;
    let monthly = (total * MONTH_MICRODAYS * 2 + denominator).div_euclid(denominator * 2);
    Money::new(
        i64::try_from(monthly).unwrap_or(i64::MAX),
        currency.to_owned(),
    )
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
