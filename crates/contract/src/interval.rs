//! Delivery intervals: how often a subscription ships, the dates that follow from it, and
//! the short spelling (`4w`) of URLs and messages.
//!
//! Deliveries are computed from a fixed anchor (`anchor + n × interval`) rather than by
//! adding the interval to the previous delivery, so monthly schedules anchored on the 31st
//! come back to the 31st after a short month instead of drifting to the 28th for good.

use crate::date::Date;
use core::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IntervalUnit {
    Day,
    Week,
    Month,
}

crate::wire::wire_names!(IntervalUnit {
    Day = "day",
    Week = "week",
    Month = "month",
});

/// "Every `count` `unit`s", e.g. every 4 weeks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Interval {
    /// 1 or more, and at most one year in its unit (366 days, 52 weeks, 12 months).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 366))]
    pub count: u16,
    pub unit: IntervalUnit,
}

/// Why an interval cannot be used for deliveries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntervalError {
    Zero,
    TooLong,
}

impl fmt::Display for IntervalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntervalError::Zero => f.write_str("an interval must be at least 1"),
            IntervalError::TooLong => f.write_str("an interval may be at most one year"),
        }
    }
}

impl Interval {
    pub const fn days(count: u16) -> Self {
        Interval {
            count,
            unit: IntervalUnit::Day,
        }
    }
    pub const fn weeks(count: u16) -> Self {
        Interval {
            count,
            unit: IntervalUnit::Week,
        }
    }
    pub const fn months(count: u16) -> Self {
        Interval {
            count,
            unit: IntervalUnit::Month,
        }
    }

    /// The short spelling of URLs and messages: the count and `d`, `w` or `m` (`4w`).
    pub fn to_short(self) -> String {
        let unit = match self.unit {
            IntervalUnit::Day => 'd',
            IntervalUnit::Week => 'w',
            IntervalUnit::Month => 'm',
        };
        format!("{}{unit}", self.count)
    }

    /// Reads [`Interval::to_short`]'s spelling strictly: 1 to 4 ASCII digits (no sign, no
    /// space) and a lowercase `d`, `w` or `m`, and a usable interval (see `validate`).
    pub fn parse_short(raw: &str) -> Option<Self> {
        let (&last, digits) = raw.as_bytes().split_last()?;
        let unit = match last {
            b'd' => IntervalUnit::Day,
            b'w' => IntervalUnit::Week,
            b'm' => IntervalUnit::Month,
            _ => return None,
        };
        if digits.is_empty() || digits.len() > 4 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let count = digits
            .iter()
            .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
        Interval { count, unit }.validate().ok()
    }

    /// A usable interval is between one day and one year.
    pub fn validate(self) -> Result<Self, IntervalError> {
        if self.count == 0 {
            return Err(IntervalError::Zero);
        }
        if self.approx_days() > 366.5 {
            return Err(IntervalError::TooLong);
        }
        Ok(self)
    }

    /// Average length in days (a month counts 30.44 days), for comparing and ranking
    /// intervals, never for computing dates.
    pub fn approx_days(self) -> f64 {
        let count = f64::from(self.count);
        match self.unit {
            IntervalUnit::Day => count,
            IntervalUnit::Week => count * 7.0,
            IntervalUnit::Month => count * 30.436_875,
        }
    }

    /// The `n`th delivery date after `anchor` (n = 0 is the anchor itself).
    pub fn nth_after(self, anchor: Date, n: u32) -> Option<Date> {
        let steps = i64::from(self.count) * i64::from(n);
        match self.unit {
            IntervalUnit::Day => anchor.add_days(steps),
            IntervalUnit::Week => anchor.add_days(steps * 7),
            IntervalUnit::Month => anchor.add_months(steps),
        }
    }

    /// The next `count` delivery dates on this schedule that fall on or after `from`.
    pub fn upcoming(self, anchor: Date, from: Date, count: usize) -> Vec<Date> {
        if self.validate().is_err() {
            return Vec::new();
        }
        // Skip whole periods cheaply, then walk: the estimate may land one step early.
        let behind = anchor.days_until(from).max(0) as f64;
        let mut n = (behind / self.approx_days()).floor().max(0.0) as u32;
        n = n.saturating_sub(1);
        let mut dates = Vec::with_capacity(count);
        while dates.len() < count {
            match self.nth_after(anchor, n) {
                Some(date) if date >= from => dates.push(date),
                Some(_) => {}
                None => break,
            }
            n += 1;
        }
        dates
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn monthly_on_the_31st_returns_to_the_31st() {
        let dates = Interval::months(1).upcoming(d("2026-01-31"), d("2026-01-01"), 4);
        assert_eq!(
            dates,
            vec![
                d("2026-01-31"),
                d("2026-02-28"),
                d("2026-03-31"),
                d("2026-04-30")
            ]
        );
    }

    #[test]
    fn upcoming_starts_on_or_after_from() {
        let dates = Interval::weeks(4).upcoming(d("2026-01-01"), d("2026-03-01"), 2);
        assert_eq!(dates, vec![d("2026-03-26"), d("2026-04-23")]);
    }

    #[test]
    fn the_short_spelling_parses_strictly() {
        assert_eq!(Interval::parse_short("4w"), Some(Interval::weeks(4)));
        assert_eq!(Interval::parse_short("3m"), Some(Interval::months(3)));
        assert_eq!(Interval::parse_short("10d"), Some(Interval::days(10)));
        assert_eq!(Interval::parse_short("0366d"), Some(Interval::days(366)));
        for bad in [
            "", "w", "4", "0w", "+4w", "4W", "4 w", "13m", "99999d", "9999d", "4wk", "é", "once",
        ] {
            assert_eq!(Interval::parse_short(bad), None, "{bad}");
        }
        assert_eq!(Interval::weeks(4).to_short(), "4w");
    }

    proptest! {
        #[test]
        fn the_short_spelling_reads_back(iv in interval()) {
            prop_assert_eq!(Interval::parse_short(&iv.to_short()), Some(iv));
        }
    }

    #[test]
    fn validation() {
        assert_eq!(Interval::days(0).validate(), Err(IntervalError::Zero));
        assert_eq!(Interval::months(13).validate(), Err(IntervalError::TooLong));
        assert!(Interval::weeks(52).validate().is_ok());
    }

    fn interval() -> impl Strategy<Value = Interval> {
        prop_oneof![
            (1u16..=366).prop_map(Interval::days),
            (1u16..=52).prop_map(Interval::weeks),
            (1u16..=12).prop_map(Interval::months),
        ]
    }

    proptest! {
        #[test]
        fn upcoming_dates_strictly_increase(
            iv in interval(),
            anchor in 700_000i64..740_000,
            offset in 0i64..2_000,
            count in 1usize..12,
        ) {
            let anchor = Date::from_days(anchor - 719_468).unwrap();
            let from = anchor.add_days(offset).unwrap();
            let dates = iv.upcoming(anchor, from, count);
            prop_assert_eq!(dates.len(), count);
            prop_assert!(dates[0] >= from);
            // The first date is the first on the schedule: the one before it is earlier than `from`.
            for pair in dates.windows(2) {
                prop_assert!(pair[0] < pair[1]);
            }
        }
    }
}
