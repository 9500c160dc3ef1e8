//! The self-service state machine: a subscription's delivery schedule and how each
//! [`SubscriptionChange`] moves it. Pure (no IO, no clock: "today" is an argument), so the
//! server applies it inside its transaction and the widget could predict with it.
//!
//! Deliveries fall on `anchor + n × interval`, counted from tomorrow: a delivery due today
//! is already on its way and can no longer be changed. Changes that move the schedule
//! (reschedule, resume, ship now, …) move the anchor rather than listing dates.

use crate::{
    Date, Interval, Refusal, SubscriptionChange, SubscriptionStatus, UpcomingDelivery, MAX_QUANTITY,
};

/// How many upcoming deliveries a subscription shows (and may be skipped among).
pub const UPCOMING_COUNT: usize = 6;
/// The merchant's longest pause, in days from today (`pause_until`).
pub const MAX_PAUSE_DAYS: i64 = 180;
/// How far ahead the next delivery may be moved, in days from today.
pub const MAX_RESCHEDULE_DAYS: i64 = 90;
/// How long after cancelling a subscriber may still reactivate, in days.
pub const REACTIVATE_DAYS: i64 = 30;
/// The most deliveries `pause_for` may pause.
pub const MAX_PAUSE_DELIVERIES: u32 = 6;

/// A subscription's state, as far as self-service is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub status: SubscriptionStatus,
    pub sku: String,
    pub quantity: u32,
    pub interval: Interval,
    /// Deliveries fall on `anchor + n × interval`, those after today. After a cancellation
    /// it holds the next delivery the subscription had, for reactivation.
    pub anchor: Date,
    /// Skipped delivery dates, ascending; each is on the schedule and after today.
    pub skipped: Vec<Date>,
    /// While paused: the day deliveries restart (on the schedule from then on); `None`
    /// while paused means open-ended.
    pub paused_until: Option<Date>,
    pub cancelled_on: Option<Date>,
    pub reactivate_until: Option<Date>,
}

/// What the merchant allows for one subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    /// Intervals `set_interval` accepts.
    pub allowed_intervals: Vec<Interval>,
    /// SKUs `swap` accepts.
    pub swap_skus: Vec<String>,
    pub max_quantity: u32,
    pub max_pause_days: i64,
    pub max_reschedule_days: i64,
    pub reactivate_days: i64,
    pub max_pause_deliveries: u32,
}

impl Rules {
    /// The given catalog choices with the standard limits.
    pub fn new(allowed_intervals: Vec<Interval>, swap_skus: Vec<String>) -> Rules {
        Rules {
            allowed_intervals,
            swap_skus,
            max_quantity: MAX_QUANTITY,
            max_pause_days: MAX_PAUSE_DAYS,
            max_reschedule_days: MAX_RESCHEDULE_DAYS,
            reactivate_days: REACTIVATE_DAYS,
            max_pause_deliveries: MAX_PAUSE_DELIVERIES,
        }
    }
}

/// Why a change was refused. Either way the schedule is unchanged; the server words the
/// refusal in the shopper's language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeError {
    /// A value in the change is not acceptable (HTTP 422); `pointer` is a JSON Pointer
    /// into the change body, e.g. `/date`.
    Invalid {
        pointer: &'static str,
        refusal: Refusal,
    },
    /// The change does not apply in the subscription's current state (HTTP 409).
    Conflict(Refusal),
}

fn invalid(pointer: &'static str, refusal: Refusal) -> ChangeError {
    ChangeError::Invalid { pointer, refusal }
}

fn conflict(refusal: Refusal) -> ChangeError {
    ChangeError::Conflict(refusal)
}

fn plus(today: Date, days: i64) -> Result<Date, ChangeError> {
    today
        .add_days(days)
        .ok_or_else(|| conflict(Refusal::BeyondCalendar))
}

impl Schedule {
    /// The schedule as of `today`: a pause whose restart day has come is over, and skips
    /// of past days are forgotten. Every other method settles first.
    pub fn settled(&self, today: Date) -> Schedule {
        let mut s = self.clone();
        if s.status == SubscriptionStatus::Paused && s.paused_until.is_some_and(|p| p <= today) {
            s.status = SubscriptionStatus::Active;
            s.paused_until = None;
        }
        s.skipped.retain(|d| *d > today);
        s
    }

    /// The first `n` scheduled dates (skipped ones included); none while paused without
    /// an end or cancelled. Assumes `self` is settled.
    fn scheduled(&self, today: Date, n: usize) -> Vec<Date> {
        let has_schedule = match self.status {
            SubscriptionStatus::Active => true,
            SubscriptionStatus::Paused => self.paused_until.is_some(),
            _ => false,
        };
        let Some(tomorrow) = today.add_days(1) else {
            return Vec::new();
        };
        if !has_schedule {
            return Vec::new();
        }
        let from = self.paused_until.map_or(tomorrow, |p| p.max(tomorrow));
        self.interval.upcoming(self.anchor, from, n)
    }

    /// The next `n` scheduled deliveries, skipped ones included and marked.
    pub fn upcoming(&self, today: Date, n: usize) -> Vec<UpcomingDelivery> {
        let s = self.settled(today);
        s.scheduled(today, n)
            .into_iter()
            .map(|date| UpcomingDelivery {
                date,
                skipped: s.skipped.contains(&date),
                extras: Vec::new(),
            })
            .collect()
    }

    /// The first scheduled delivery that is not skipped (`None` while paused without an
    /// end, or cancelled).
    pub fn next_delivery(&self, today: Date) -> Option<Date> {
        let s = self.settled(today);
        s.scheduled(today, s.skipped.len() + 1)
            .into_iter()
            .find(|d| !s.skipped.contains(d))
    }

    /// The status as of `today` (a pause that has run out reads as active).
    pub fn status_on(&self, today: Date) -> SubscriptionStatus {
        self.settled(today).status
    }

    /// Applies `change` as of `today`, or says why not; see [`SubscriptionChange`] for the
    /// rules of each change.
    pub fn apply(
        &self,
        change: &SubscriptionChange,
        rules: &Rules,
        today: Date,
    ) -> Result<Schedule, ChangeError> {
        use SubscriptionChange as C;
        use SubscriptionStatus as S;
        let mut s = self.settled(today);
        let tomorrow = plus(today, 1)?;
        match (s.status, change) {
            (S::Cancelled, C::Reactivate) => {
                if s.reactivate_until.is_none_or(|last| today > last) {
                    return Err(conflict(Refusal::ReactivationWindowPassed));
                }
                // The old schedule's next date if still ahead, else as soon as possible.
                if s.anchor <= today {
                    s.anchor = tomorrow;
                }
                s.status = S::Active;
                s.cancelled_on = None;
                s.reactivate_until = None;
            }
            (S::Cancelled, _) => return Err(conflict(Refusal::CancelledReactivateFirst)),
            (_, C::Reactivate) => return Err(conflict(Refusal::OnlyCancelledReactivates)),
            (S::Unknown, _) => return Err(conflict(Refusal::CannotChangeHere)),

            (
                S::Paused,
                C::Skip { .. }
                | C::Unskip { .. }
                | C::Reschedule { .. }
                | C::ShipNow
                | C::PauseFor { .. },
            ) => return Err(conflict(Refusal::PausedResumeFirst)),
            (S::Active, C::Resume) => return Err(conflict(Refusal::NotPaused)),
            (S::Paused, C::AddOnce { .. }) => return Err(conflict(Refusal::PausedNoAddOnce)),
            // The schedule does not change; the route checks the product and stores it.
            (_, C::AddOnce { quantity, .. }) => {
                if *quantity == 0 || *quantity > MAX_QUANTITY {
                    return Err(invalid(
                        "/quantity",
                        Refusal::QuantityRange { max: MAX_QUANTITY },
                    ));
                }
            }
            (S::Paused, C::Pause) if s.paused_until.is_none() => {
                return Err(conflict(Refusal::AlreadyPaused))
            }

            (_, C::Skip { date }) => {
                let open = s
                    .upcoming(today, UPCOMING_COUNT)
                    .into_iter()
                    .any(|u| u.date == *date && !u.skipped);
                if !open {
                    return Err(invalid("/date", Refusal::SkipNotOpen));
                }
                s.skipped.push(*date);
                s.skipped.sort();
            }
            (_, C::Unskip { date }) => {
                let Some(at) = s.skipped.iter().position(|d| d == date) else {
                    return Err(invalid("/date", Refusal::UnskipNotSkipped));
                };
                s.skipped.remove(at);
            }
            (_, C::Pause) => {
                s.status = S::Paused;
                s.paused_until = None;
                s.skipped.clear();
            }
            (_, C::PauseFor { deliveries }) => {
                let n = *deliveries;
                if n == 0 || n > rules.max_pause_deliveries {
                    return Err(invalid(
                        "/deliveries",
                        Refusal::PauseDeliveriesRange {
                            max: rules.max_pause_deliveries,
                        },
                    ));
                }
                let wanted = n as usize + 1;
                let restart = s
                    .scheduled(today, wanted + s.skipped.len())
                    .into_iter()
                    .filter(|d| !s.skipped.contains(d))
                    .nth(n as usize)
                    .ok_or_else(|| conflict(Refusal::BeyondCalendar))?;
                s.status = S::Paused;
                s.paused_until = Some(restart);
                s.skipped.retain(|d| *d > restart);
            }
            (_, C::PauseUntil { date }) => {
                let last = plus(today, rules.max_pause_days)?;
                if *date <= today || *date > last {
                    return Err(invalid("/date", Refusal::RestartDateRange { last }));
                }
                s.status = S::Paused;
                s.paused_until = Some(*date);
                s.anchor = *date;
                s.skipped.clear();
            }
            (_, C::Resume) => {
                // A subscriber who resumes wants product soon: the next delivery is tomorrow.
                s.status = S::Active;
                s.paused_until = None;
                s.anchor = tomorrow;
                s.skipped.clear();
            }
            (_, C::Reschedule { date }) => {
                let last = plus(today, rules.max_reschedule_days)?;
                if *date <= today || *date > last {
                    return Err(invalid("/date", Refusal::RescheduleRange { last }));
                }
                s.anchor = *date;
            }
            (_, C::ShipNow) => s.anchor = today,
            (_, C::SetInterval { interval }) => {
                if !rules.allowed_intervals.contains(interval) {
                    return Err(invalid("/interval", Refusal::IntervalNotOffered));
                }
                // The next delivery stays put; the ones after it follow the new interval.
                if let Some(next) = s.next_delivery(today) {
                    s.anchor = next;
                }
                s.interval = *interval;
            }
            (_, C::SetQuantity { quantity }) => {
                if *quantity == 0 || *quantity > rules.max_quantity {
                    return Err(invalid(
                        "/quantity",
                        Refusal::QuantityRange {
                            max: rules.max_quantity,
                        },
                    ));
                }
                s.quantity = *quantity;
            }
            (_, C::Swap { sku }) => {
                if !rules.swap_skus.contains(sku) {
                    return Err(invalid("/sku", Refusal::SwapNotOffered));
                }
                s.sku.clone_from(sku);
            }
            (_, C::Cancel { .. }) => {
                // Remember the next delivery: reactivating resumes from it if still ahead.
                s.anchor = s.next_delivery(today).unwrap_or(today);
                s.status = S::Cancelled;
                s.paused_until = None;
                s.skipped.clear();
                s.cancelled_on = Some(today);
                s.reactivate_until = Some(plus(today, rules.reactivate_days)?);
            }
        }
        s.drop_stale_skips(today);
        Ok(s)
    }

    /// Keeps only skips that are still on the (possibly moved) schedule.
    fn drop_stale_skips(&mut self, today: Date) {
        if self.skipped.is_empty() {
            return;
        }
        let dates = self.scheduled(today, UPCOMING_COUNT * 2 + self.skipped.len());
        self.skipped.retain(|d| dates.contains(d));
        self.skipped.dedup();
    }
}

/// Tests of `Schedule::apply`: each change's rules, and properties over random sequences.
#[cfg(test)]
mod tests {
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
}
