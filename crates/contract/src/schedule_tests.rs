//! Tests of `Schedule::apply`: each change's rules, and properties over random sequences.

use super::*;
use crate::SubscriptionChange as C;
use crate::SubscriptionStatus as S;
use proptest::prelude::*;

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

const TODAY: &str = "2026-03-15";

fn rules() -> Rules {
    Rules::new(
        vec![Interval::weeks(2), Interval::weeks(4), Interval::months(1)],
        vec!["CAPS-LUNGO".into()],
    )
}

/// Every 4 weeks; next delivery 2026-03-20.
fn active() -> Schedule {
    Schedule {
        status: S::Active,
        sku: "CAPS-INTENSO".into(),
        quantity: 2,
        interval: Interval::weeks(4),
        anchor: d("2026-02-20"),
        skipped: vec![],
        paused_until: None,
        cancelled_on: None,
        reactivate_until: None,
    }
}

fn apply(s: &Schedule, change: C) -> Result<Schedule, ChangeError> {
    s.apply(&change, &rules(), d(TODAY))
}

fn dates(s: &Schedule) -> Vec<Date> {
    s.upcoming(d(TODAY), 3)
        .into_iter()
        .map(|u| u.date)
        .collect()
}

fn pointer(e: Result<Schedule, ChangeError>) -> &'static str {
    match e {
        Err(ChangeError::Invalid { pointer, .. }) => pointer,
        other => panic!("expected a 422, got {other:?}"),
    }
}

fn is_conflict(e: Result<Schedule, ChangeError>) -> bool {
    matches!(e, Err(ChangeError::Conflict(_)))
}

#[test]
fn upcoming_starts_tomorrow_on_the_anchor_schedule() {
    let s = active();
    assert_eq!(
        dates(&s),
        [d("2026-03-20"), d("2026-04-17"), d("2026-05-15")]
    );
    assert_eq!(s.next_delivery(d(TODAY)), Some(d("2026-03-20")));
    // On the delivery day itself, that delivery is gone from the list.
    assert_eq!(s.next_delivery(d("2026-03-20")), Some(d("2026-04-17")));
}

#[test]
fn skip_and_unskip() {
    let s = apply(
        &active(),
        C::Skip {
            date: d("2026-03-20"),
        },
    )
    .unwrap();
    assert_eq!(s.next_delivery(d(TODAY)), Some(d("2026-04-17")));
    assert!(s.upcoming(d(TODAY), 6)[0].skipped);
    assert_eq!(
        pointer(apply(
            &s,
            C::Skip {
                date: d("2026-03-20")
            }
        )),
        "/date"
    );
    assert_eq!(
        pointer(apply(
            &s,
            C::Skip {
                date: d("2026-03-21")
            }
        )),
        "/date"
    );
    assert_eq!(
        pointer(apply(
            &s,
            C::Unskip {
                date: d("2026-04-17")
            }
        )),
        "/date"
    );
    let s = apply(
        &s,
        C::Unskip {
            date: d("2026-03-20"),
        },
    )
    .unwrap();
    assert_eq!(s, active());
    // The 7th delivery is not offered, so it cannot be skipped.
    let seventh = active()
        .interval
        .upcoming(active().anchor, d("2026-03-16"), 7)[6];
    assert_eq!(
        pointer(apply(&active(), C::Skip { date: seventh })),
        "/date"
    );
}

#[test]
fn pause_for_resumes_on_the_next_non_skipped_delivery() {
    let s = apply(
        &active(),
        C::Skip {
            date: d("2026-04-17"),
        },
    )
    .unwrap();
    let s = apply(&s, C::PauseFor { deliveries: 2 }).unwrap();
    // Pauses 03-20 and 05-15 (04-17 was skipped anyway); restarts 06-12.
    assert_eq!(s.status, S::Paused);
    assert_eq!(s.paused_until, Some(d("2026-06-12")));
    assert_eq!(s.next_delivery(d(TODAY)), Some(d("2026-06-12")));
    // The pause ends by itself on that day.
    assert_eq!(s.status_on(d("2026-06-12")), S::Active);
    assert_eq!(
        pointer(apply(&active(), C::PauseFor { deliveries: 0 })),
        "/deliveries"
    );
    assert_eq!(
        pointer(apply(&active(), C::PauseFor { deliveries: 7 })),
        "/deliveries"
    );
}

#[test]
fn pause_until_and_resume() {
    let s = apply(
        &active(),
        C::PauseUntil {
            date: d("2026-05-01"),
        },
    )
    .unwrap();
    assert_eq!(
        dates(&s),
        [d("2026-05-01"), d("2026-05-29"), d("2026-06-26")]
    );
    assert_eq!(
        pointer(apply(&active(), C::PauseUntil { date: d(TODAY) })),
        "/date"
    );
    let limit = d(TODAY).add_days(MAX_PAUSE_DAYS).unwrap();
    assert!(apply(&active(), C::PauseUntil { date: limit }).is_ok());
    let too_late = limit.add_days(1).unwrap();
    assert_eq!(
        pointer(apply(&active(), C::PauseUntil { date: too_late })),
        "/date"
    );

    let open = apply(&s, C::Pause).unwrap();
    assert_eq!(
        (open.status, open.next_delivery(d(TODAY))),
        (S::Paused, None)
    );
    assert!(open.upcoming(d(TODAY), 6).is_empty());
    assert!(is_conflict(apply(&open, C::Pause)));
    assert!(is_conflict(apply(
        &open,
        C::Skip {
            date: d("2026-05-01")
        }
    )));
    assert!(is_conflict(apply(&open, C::ShipNow)));
    assert!(is_conflict(apply(&active(), C::Resume)));
    let resumed = apply(&open, C::Resume).unwrap();
    assert_eq!(resumed.status, S::Active);
    assert_eq!(resumed.next_delivery(d(TODAY)), Some(d("2026-03-16")));
}

#[test]
fn reschedule_ship_now_and_interval_move_the_anchor() {
    let s = apply(
        &active(),
        C::Skip {
            date: d("2026-04-17"),
        },
    )
    .unwrap();
    let s = apply(
        &s,
        C::Reschedule {
            date: d("2026-03-25"),
        },
    )
    .unwrap();
    assert_eq!(
        dates(&s),
        [d("2026-03-25"), d("2026-04-22"), d("2026-05-20")]
    );
    assert!(
        s.skipped.is_empty(),
        "skips off the new schedule are dropped"
    );
    assert_eq!(
        pointer(apply(&active(), C::Reschedule { date: d(TODAY) })),
        "/date"
    );
    assert_eq!(
        pointer(apply(
            &active(),
            C::Reschedule {
                date: d("2026-06-14")
            }
        )),
        "/date"
    );
    assert!(apply(
        &active(),
        C::Reschedule {
            date: d("2026-06-13")
        }
    )
    .is_ok());

    let shipped = apply(&active(), C::ShipNow).unwrap();
    assert_eq!(shipped.next_delivery(d(TODAY)), Some(d("2026-04-12")));

    let s = apply(
        &active(),
        C::SetInterval {
            interval: Interval::weeks(2),
        },
    )
    .unwrap();
    assert_eq!(
        dates(&s),
        [d("2026-03-20"), d("2026-04-03"), d("2026-04-17")]
    );
    let bad = C::SetInterval {
        interval: Interval::weeks(3),
    };
    assert_eq!(pointer(apply(&active(), bad)), "/interval");
}

#[test]
fn quantity_and_swap() {
    assert_eq!(
        apply(&active(), C::SetQuantity { quantity: 20 })
            .unwrap()
            .quantity,
        20
    );
    assert_eq!(
        pointer(apply(&active(), C::SetQuantity { quantity: 0 })),
        "/quantity"
    );
    assert_eq!(
        pointer(apply(&active(), C::SetQuantity { quantity: 21 })),
        "/quantity"
    );
    let s = apply(
        &active(),
        C::Swap {
            sku: "CAPS-LUNGO".into(),
        },
    )
    .unwrap();
    assert_eq!(s.sku, "CAPS-LUNGO");
    assert_eq!(
        pointer(apply(&active(), C::Swap { sku: "NOPE".into() })),
        "/sku"
    );
}

#[test]
fn cancel_and_reactivate() {
    let s = apply(&active(), C::Cancel { reason: None }).unwrap();
    assert_eq!(s.status, S::Cancelled);
    assert_eq!(s.cancelled_on, Some(d(TODAY)));
    assert_eq!(s.reactivate_until, Some(d("2026-04-14")));
    assert_eq!(
        (s.next_delivery(d(TODAY)), s.upcoming(d(TODAY), 6)),
        (None, vec![])
    );
    assert!(is_conflict(apply(&s, C::SetQuantity { quantity: 1 })));
    assert!(is_conflict(apply(&s, C::Cancel { reason: None })));
    assert!(is_conflict(apply(&active(), C::Reactivate)));

    // Reactivated before the old next date: that date stands.
    let back = apply(&s, C::Reactivate).unwrap();
    assert_eq!(back.status, S::Active);
    assert_eq!(back.next_delivery(d(TODAY)), Some(d("2026-03-20")));
    // After it: tomorrow. After the window: refused.
    let later = s.apply(&C::Reactivate, &rules(), d("2026-04-01")).unwrap();
    assert_eq!(later.next_delivery(d("2026-04-01")), Some(d("2026-04-02")));
    assert!(s.apply(&C::Reactivate, &rules(), d("2026-04-14")).is_ok());
    assert!(is_conflict(s.apply(
        &C::Reactivate,
        &rules(),
        d("2026-04-15")
    )));
}

fn change() -> impl Strategy<Value = C> {
    let date = (0i64..200).prop_map(|n| d(TODAY).add_days(n).unwrap());
    prop_oneof![
        date.clone().prop_map(|date| C::Skip { date }),
        date.clone().prop_map(|date| C::Unskip { date }),
        Just(C::Pause),
        (0u32..8).prop_map(|deliveries| C::PauseFor { deliveries }),
        date.clone().prop_map(|date| C::PauseUntil { date }),
        Just(C::Resume),
        date.prop_map(|date| C::Reschedule { date }),
        Just(C::ShipNow),
        prop::sample::select(vec![
            Interval::weeks(2),
            Interval::weeks(3),
            Interval::months(1)
        ])
        .prop_map(|interval| C::SetInterval { interval }),
        (0u32..25).prop_map(|quantity| C::SetQuantity { quantity }),
        Just(C::Cancel { reason: None }),
        Just(C::Reactivate),
    ]
}

/// Picks a date the schedule actually offers, so skips often succeed.
fn skip_upcoming(s: &Schedule, today: Date, pick: usize) -> Option<C> {
    let up = s.upcoming(today, UPCOMING_COUNT);
    up.get(pick % up.len().max(1))
        .map(|u| C::Skip { date: u.date })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn invariants_hold_over_random_sequences(
        steps in prop::collection::vec((change(), 0i64..20, any::<bool>(), 0usize..6), 1..30),
    ) {
        let mut s = active();
        let mut today = d(TODAY);
        for (change, advance, skip_real, pick) in steps {
            today = today.add_days(advance).unwrap();
            let change = if skip_real { skip_upcoming(&s, today, pick).unwrap_or(change) } else { change };
            let before = s.clone();
            match s.apply(&change, &rules(), today) {
                Ok(next) => s = next,
                // A refused change leaves the schedule exactly as it was.
                Err(_) => { prop_assert_eq!(&s, &before); continue; }
            }
            let up = s.upcoming(today, UPCOMING_COUNT);
            for pair in up.windows(2) {
                prop_assert!(pair[0].date < pair[1].date, "strictly increasing: {:?}", up);
            }
            prop_assert!(up.iter().all(|u| u.date > today));
            let next = s.next_delivery(today);
            if let Some(next) = next {
                prop_assert!(!s.skipped.contains(&next), "a skipped date is never next");
                prop_assert!(next > today);
            }
            if let Some(first_open) = up.iter().find(|u| !u.skipped) {
                prop_assert_eq!(Some(first_open.date), next);
            }
            match s.status_on(today) {
                S::Active => prop_assert!(next.is_some() && s.cancelled_on.is_none()),
                S::Paused => prop_assert_eq!(next.is_some(), s.paused_until.is_some()),
                S::Cancelled => {
                    prop_assert!(next.is_none() && up.is_empty());
                    prop_assert!(s.reactivate_until.is_some());
                }
                S::Unknown => prop_assert!(false, "never unknown"),
            }
            prop_assert!((1..=MAX_QUANTITY).contains(&s.quantity));
            prop_assert!(rules().allowed_intervals.contains(&s.interval));
        }
    }

    #[test]
    fn transitions_follow_the_state_table(change in change(), start in 0usize..3) {
        let today = d(TODAY);
        let s = match start {
            0 => active(),
            1 => apply(&active(), C::Pause).unwrap(),
            _ => apply(&active(), C::Cancel { reason: None }).unwrap(),
        };
        let result = s.apply(&change, &rules(), today);
        match (&change, result) {
            (_, Err(_)) => {}
            (C::Pause | C::PauseFor { .. } | C::PauseUntil { .. }, Ok(n)) => prop_assert_eq!(n.status, S::Paused),
            (C::Resume, Ok(n)) => {
                prop_assert_eq!(n.status, S::Active);
                prop_assert_eq!(n.next_delivery(today), today.add_days(1));
            }
            (C::Reactivate, Ok(n)) => prop_assert_eq!(n.status, S::Active),
            (C::Cancel { .. }, Ok(n)) => prop_assert_eq!(n.status, S::Cancelled),
            (_, Ok(n)) => prop_assert_eq!(n.status, s.status),
        }
        if s.status == S::Cancelled {
            prop_assert_eq!(s.apply(&change, &rules(), today).is_ok(), matches!(change, C::Reactivate));
        }
    }
}
