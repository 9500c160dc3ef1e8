//! The self-service state machine: a subscription's delivery schedule and how each
//! [`SubscriptionChange`] moves it. Pure (no IO, no clock: "today" is an argument), so the
//! server applies it inside its transaction and the widget could predict with it.
//!
//! Deliveries fall on `anchor + n × interval`, counted from tomorrow: a delivery due today
//! is already on its way and can no longer be changed. Changes that move the schedule
//! (reschedule, resume, ship now, …) move the anchor rather than listing dates.

use crate::{
    Date, Interval, SubscriptionChange, SubscriptionStatus, UpcomingDelivery, MAX_QUANTITY,
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

/// Why a change was refused. Either way the schedule is unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeError {
    /// A value in the change is not acceptable (HTTP 422); `pointer` is a JSON Pointer
    /// into the change body, e.g. `/date`.
    Invalid {
        pointer: &'static str,
        detail: String,
    },
    /// The change does not apply in the subscription's current state (HTTP 409).
    Conflict(String),
}

fn invalid(pointer: &'static str, detail: impl Into<String>) -> ChangeError {
    ChangeError::Invalid {
        pointer,
        detail: detail.into(),
    }
}

fn conflict(detail: &str) -> ChangeError {
    ChangeError::Conflict(detail.to_owned())
}

fn plus(today: Date, days: i64) -> Result<Date, ChangeError> {
    today
        .add_days(days)
        .ok_or_else(|| conflict("This date lies beyond the calendar we support."))
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
                    return Err(conflict(
                        "The time to reactivate this subscription has passed.",
                    ));
                }
                // The old schedule's next date if still ahead, else as soon as possible.
                if s.anchor <= today {
                    s.anchor = tomorrow;
                }
                s.status = S::Active;
                s.cancelled_on = None;
                s.reactivate_until = None;
            }
            (S::Cancelled, _) => {
                return Err(conflict(
                    "This subscription is cancelled; reactivate it first.",
                ))
            }
            (_, C::Reactivate) => {
                return Err(conflict(
                    "Only a cancelled subscription can be reactivated.",
                ))
            }
            (S::Unknown, _) => return Err(conflict("This subscription cannot be changed here.")),

            (
                S::Paused,
                C::Skip { .. }
                | C::Unskip { .. }
                | C::Reschedule { .. }
                | C::ShipNow
                | C::PauseFor { .. },
            ) => {
                return Err(conflict(
                    "This subscription is paused; resume it or choose when it restarts first.",
                ))
            }
            (S::Active, C::Resume) => return Err(conflict("This subscription is not paused.")),
            (S::Paused, C::AddOnce { .. }) => {
                return Err(conflict(
                    "This subscription is paused; resume it to add to a delivery.",
                ))
            }
            // The schedule does not change; the route checks the product and stores it.
            (_, C::AddOnce { quantity, .. }) => {
                if *quantity == 0 || *quantity > MAX_QUANTITY {
                    return Err(invalid(
                        "/quantity",
                        format!("Choose a quantity from 1 to {MAX_QUANTITY}."),
                    ));
                }
            }
            (S::Paused, C::Pause) if s.paused_until.is_none() => {
                return Err(conflict("This subscription is already paused."))
            }

            (_, C::Skip { date }) => {
                let open = s
                    .upcoming(today, UPCOMING_COUNT)
                    .into_iter()
                    .any(|u| u.date == *date && !u.skipped);
                if !open {
                    return Err(invalid(
                        "/date",
                        "Choose one of the upcoming deliveries that is not skipped yet.",
                    ));
                }
                s.skipped.push(*date);
                s.skipped.sort();
            }
            (_, C::Unskip { date }) => {
                let Some(at) = s.skipped.iter().position(|d| d == date) else {
                    return Err(invalid(
                        "/date",
                        "Choose a skipped delivery that is still ahead.",
                    ));
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
                        format!("Pause for 1 to {} deliveries.", rules.max_pause_deliveries),
                    ));
                }
                let wanted = n as usize + 1;
                let restart = s
                    .scheduled(today, wanted + s.skipped.len())
                    .into_iter()
                    .filter(|d| !s.skipped.contains(d))
                    .nth(n as usize)
                    .ok_or_else(|| conflict("This date lies beyond the calendar we support."))?;
                s.status = S::Paused;
                s.paused_until = Some(restart);
                s.skipped.retain(|d| *d > restart);
            }
            (_, C::PauseUntil { date }) => {
                let last = plus(today, rules.max_pause_days)?;
                if *date <= today || *date > last {
                    return Err(invalid(
                        "/date",
                        format!("Choose a restart date after today and no later than {last}."),
                    ));
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
                    return Err(invalid(
                        "/date",
                        format!("Choose a date after today and no later than {last}."),
                    ));
                }
                s.anchor = *date;
            }
            (_, C::ShipNow) => s.anchor = today,
            (_, C::SetInterval { interval }) => {
                if !rules.allowed_intervals.contains(interval) {
                    return Err(invalid(
                        "/interval",
                        "Choose one of the intervals this product offers.",
                    ));
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
                        format!("Quantity must be between 1 and {}.", rules.max_quantity),
                    ));
                }
                s.quantity = *quantity;
            }
            (_, C::Swap { sku }) => {
                if !rules.swap_skus.contains(sku) {
                    return Err(invalid(
                        "/sku",
                        "Choose one of the products offered as a swap.",
                    ));
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

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
