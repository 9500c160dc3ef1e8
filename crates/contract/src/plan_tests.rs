//! Tests of the routine plan: examples that pin the rules, properties that hold for all input.

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
