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
    /// The customer asked to be reminded when this machine's maintenance falls due
    /// (`POST /api/v1/me/products/{sku}/reminders`, or a task of it on the account);
    /// absent: they did not.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub reminded: bool,
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

/// One maintenance task of a machine the signed-in customer owns: what `Account::routines`
/// lists, and what marking it done (`POST /api/v1/me/routines/{routine_id}/done`) answers.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoutineTask {
    /// The routine's id: the `{routine_id}` of the done endpoints.
    pub routine_id: String,
    /// What is done, e.g. "Descale".
    pub name: String,
    /// The owned machine it is done on.
    pub model_sku: String,
    pub model_name: String,
    pub every_days: u32,
    /// The latest day it was done, when it ever was on this machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_done: Option<Date>,
    /// `every_days` after it was last done (or the machine bought), rolled forward to today
    /// or later: see [`next_due`].
    pub next_due: Date,
    /// How to do it. May be relative to the shop's origin (`/guides/…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guide_url: Option<String>,
    /// The customer asked to be reminded when it is due
    /// (`POST /api/v1/me/routines/{routine_id}/reminders`); absent: they did not.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub reminded: bool,
}

/// Body of the routine done endpoints; optional as a whole (no body: done today).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TaskDone {
    /// The day it was done (the server's today when absent): not in the future and not
    /// before the machine was bought (else 422 at `/done_on`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_on: Option<Date>,
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

/// Tests of the routine plan: examples that pin the rules, properties that hold for all input.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ProductKind, SubscriptionOffer};
    use proptest::prelude::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn eur(minor: i64) -> Money {
        Money::new(minor, "EUR")
    }

    fn capsules() -> Product {
        Product {
            sku: "CAPS".into(),
            name: "Capsules".into(),
            kind: ProductKind::Consumable,
            description: String::new(),
            price: eur(1750),
            units_per_pack: Some(50),
            in_stock: true,
            subscription: Some(SubscriptionOffer {
                intervals: vec![Interval::weeks(2), Interval::weeks(4), Interval::weeks(6)],
                default_interval: Interval::weeks(4),
                discount_percent: 10,
                price: eur(1575),
            }),
            usage: None,
            routines: vec![],
            community: None,
            ownership: None,
        }
    }

    fn descale() -> Routine {
        Routine {
            name: "Descale".into(),
            every_days: 90,
            consumable_sku: Some("KIT".into()),
            consumable_name: Some("Kit".into()),
            consumable_price: Some(eur(645)),
            guide_url: Some("/guides/descaling".into()),
        }
    }

    fn machine() -> Product {
        Product {
            sku: "MACHINE".into(),
            name: "Machine".into(),
            kind: ProductKind::Durable,
            price: eur(34_900),
            units_per_pack: None,
            subscription: None,
            routines: vec![descale()],
            ..capsules()
        }
    }

    const ONCE: PlanChoice = PlanChoice {
        interval: None,
        quantity: 1,
    };

    #[test]
    fn recommends_the_nearest_interval_and_says_how_long_a_delivery_lasts() {
        let allowed = [Interval::weeks(2), Interval::weeks(4), Interval::weeks(6)];
        // 50 capsules at 2 a day: 25 days, nearest is 4 weeks.
        let advice = recommend_interval(50, 1, 2, 1, &allowed).unwrap();
        assert_eq!(advice.interval, Interval::weeks(4));
        assert_eq!(advice.days_per_delivery, 25);
        // 50 at 3 a day: 16 whole days (the 17th has only 2 left): 2 weeks.
        let advice = recommend_interval(50, 1, 3, 1, &allowed).unwrap();
        assert_eq!(
            (advice.interval, advice.days_per_delivery),
            (Interval::weeks(2), 16)
        );
        // 21 days is exactly between 2 and 4 weeks: the shorter one, nobody runs out.
        let advice = recommend_interval(21, 1, 1, 1, &allowed).unwrap();
        assert_eq!(advice.interval, Interval::weeks(2));
        assert_eq!(recommend_interval(50, 1, 0, 1, &allowed), None);
        assert_eq!(recommend_interval(50, 1, 2, 1, &[]), None);
        assert_eq!(recommend_interval(50, 0, 2, 1, &allowed), None);
    }

    #[test]
    fn next_due_rolls_overdue_routines_forward_to_today_or_later() {
        let today = d("2026-03-15");
        assert_eq!(next_due(d("2026-03-01"), 90, today), d("2026-05-30"));
        // Bought 400 days ago, every 90 days: 450 days after purchase.
        let bought = today.add_days(-400).unwrap();
        assert_eq!(next_due(bought, 90, today), today.add_days(50).unwrap());
        // Exactly due today stays today.
        assert_eq!(next_due(today.add_days(-180).unwrap(), 90, today), today);
    }

    #[test]
    fn a_four_weekly_plan_over_a_year_has_thirteen_deliveries() {
        let choice = PlanChoice {
            interval: Some(Interval::weeks(4)),
            quantity: 2,
        };
        let plan = build_plan(&capsules(), &choice, d("2026-03-15"), 12);
        assert_eq!(plan.events.len(), 13);
        assert_eq!(plan.events[0].date, d("2026-04-12"));
        assert_eq!(plan.events[0].cost, Some(eur(3150)));
        assert_eq!(plan.events[0].kind, PlanEventKind::Delivery);
        // 13 × 31.50 over 365 days = 34.15 per 30.44 days.
        assert_eq!(plan.monthly_cost, eur(3415));
    }

    #[test]
    fn one_time_purchases_have_no_deliveries_and_durables_get_their_maintenance() {
        let plan = build_plan(&capsules(), &ONCE, d("2026-03-15"), 12);
        assert!(plan.events.is_empty());
        assert_eq!(plan.monthly_cost, eur(0));

        let plan = build_plan(&machine(), &ONCE, d("2026-03-15"), 12);
        let dates: Vec<_> = plan.events.iter().map(|e| e.date.to_string()).collect();
        assert_eq!(
            dates,
            ["2026-06-13", "2026-09-11", "2026-12-10", "2027-03-10"]
        );
        assert!(plan
            .events
            .iter()
            .all(|e| e.kind == PlanEventKind::Maintenance
                && e.guide_url.as_deref() == Some("/guides/descaling")));
        // 4 × 6.45 over 365 days.
        assert_eq!(plan.monthly_cost, eur(215));
    }

    #[test]
    fn an_owned_machine_is_planned_from_its_real_due_dates() {
        let mut product = machine();
        product.ownership = Some(Ownership {
            model_sku: "MACHINE".into(),
            model_name: "Machine".into(),
            purchased_on: d("2025-02-08"),
            routines: vec![OwnedRoutine {
                routine: descale(),
                last_done: None,
                next_due: d("2026-05-04"),
            }],
            reminded: false,
        });
        let plan = build_plan(&product, &ONCE, d("2026-03-15"), 12);
        assert_eq!(plan.events[0].date, d("2026-05-04"));
        assert_eq!(plan.events[1].date, d("2026-08-02"));
        // Computed on a later day than the server's next_due: rolled forward, never in the past.
        let plan = build_plan(&product, &ONCE, d("2026-05-10"), 12);
        assert_eq!(plan.events[0].date, d("2026-08-02"));
    }

    #[test]
    fn plan_types_round_trip_in_snake_case() {
        let event = PlanEvent {
            date: d("2026-12-03"),
            kind: PlanEventKind::Maintenance,
            title: "Descale".into(),
            sku: None,
            guide_url: None,
            cost: None,
        };
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(
            json,
            r#"{"date":"2026-12-03","kind":"maintenance","title":"Descale"}"#
        );
        let kind: PlanEventKind = serde_json::from_str("\"recall\"").unwrap();
        assert_eq!(kind, PlanEventKind::Unknown);
        // An older server's product (no plan fields) still decodes.
        let old = r#"{"sku":"A","name":"A","kind":"durable","description":"","price":{"amount_minor":1,"currency":"EUR"},"in_stock":true}"#;
        let product: Product = serde_json::from_str(old).unwrap();
        assert!(product.routines.is_empty() && product.ownership.is_none());
    }

    fn interval() -> impl Strategy<Value = Interval> {
        prop_oneof![
            (1u16..=120).prop_map(Interval::days),
            (1u16..=26).prop_map(Interval::weeks),
            (1u16..=12).prop_map(Interval::months),
        ]
    }

    /// Dates from 1999 to 2061: four leap days and a non-leap century year on each side.
    fn date() -> impl Strategy<Value = Date> {
        (10_592i64..33_000).prop_map(|days| Date::from_days(days).unwrap())
    }

    /// Month ends (28th–31st) of any month, where monthly schedules clamp.
    fn month_end() -> impl Strategy<Value = Date> {
        (1999i32..2061, 1u8..=12, 0u8..4).prop_map(|(y, m, back)| {
            let last = crate::date::days_in_month(y, m);
            Date::from_ymd(y, m, last - back.min(last - 28)).unwrap()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn recommendation_is_allowed_monotonic_and_arithmetically_right(
            allowed in prop::collection::vec(interval(), 1..6),
            units_per_pack in 1u32..200,
            quantity in 1u32..=20,
            uses in 1u32..30,
            more in 0u32..30,
            units_per_use in 1u32..4,
        ) {
            let advice = recommend_interval(units_per_pack, quantity, uses, units_per_use, &allowed).unwrap();
            prop_assert!(allowed.contains(&advice.interval));
            prop_assert_eq!(
                advice.days_per_delivery,
                units_per_pack * quantity / (uses * units_per_use)
            );
            // Nothing allowed is strictly nearer to how long a delivery lasts.
            let target = f64::from(advice.days_per_delivery);
            let best = (advice.interval.approx_days() - target).abs();
            prop_assert!(allowed.iter().all(|i| (i.approx_days() - target).abs() >= best));
            let heavier = recommend_interval(units_per_pack, quantity, uses + more, units_per_use, &allowed).unwrap();
            prop_assert!(heavier.interval.approx_days() <= advice.interval.approx_days());
            prop_assert!(heavier.days_per_delivery <= advice.days_per_delivery);
        }

        #[test]
        fn deliveries_are_sorted_spaced_by_the_interval_and_within_the_horizon(
            iv in interval(),
            today in prop_oneof![date(), month_end()],
            months in 0u32..=24,
            quantity in 1u32..=20,
            with_routine in any::<bool>(),
        ) {
            let mut product = capsules();
            if with_routine {
                product = machine();
            }
            let choice = PlanChoice { interval: Some(iv), quantity };
            let plan = build_plan(&product, &choice, today, months);
            let end = today.add_months(i64::from(months)).unwrap();
            prop_assert!(plan.events.windows(2).all(|w| w[0].date <= w[1].date));
            prop_assert!(plan.events.iter().all(|e| today <= e.date && e.date <= end));
            let deliveries: Vec<Date> = plan.events.iter()
                .filter(|e| e.kind == PlanEventKind::Delivery).map(|e| e.date).collect();
            for (n, date) in deliveries.iter().enumerate() {
                // Anchored on today, so monthly dates clamp per month and never drift.
                prop_assert_eq!(Some(*date), iv.nth_after(today, n as u32 + 1));
            }
            prop_assert!(deliveries.windows(2).all(|w| w[0] < w[1]));
            // The schedule's next date is past the horizon: none was left out.
            prop_assert!(iv.nth_after(today, deliveries.len() as u32 + 1).unwrap() > end);
            let maintenance = plan.events.iter().filter(|e| e.kind == PlanEventKind::Maintenance).count();
            prop_assert_eq!(maintenance > 0, with_routine && today.days_until(end) >= 90);
            prop_assert!(plan.monthly_cost.amount_minor >= 0);
        }

        #[test]
        fn next_due_is_the_first_cycle_on_or_after_today(
            base in date(),
            every in 1u32..400,
            ahead in -2_000i64..2_000,
        ) {
            let today = base.add_days(ahead).unwrap();
            let due = next_due(base, every, today);
            prop_assert!(due >= today);
            let since = base.days_until(due);
            prop_assert!(since > 0 && since % i64::from(every) == 0);
            // One cycle earlier would be before today (or the base itself).
            prop_assert!(since == i64::from(every) || due.add_days(-i64::from(every)).unwrap() < today);
        }
    }
}
