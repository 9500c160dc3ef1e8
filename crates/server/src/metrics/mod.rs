//! Merchant metrics (`GET /api/v1/merchant/metrics` and the demo shop's `/merchant` page):
//! each figure is read with one SQL query and computed by a pure function, so unit tests
//! feed the functions rows directly and integration tests check the whole.
//!
//! - `repurchase`: repurchase at 30/60/90 days by first-order month;
//! - `subscriptions`: subscriptions started, paused, skipped and cancelled per month, and
//!   pauses or skips chosen on the cancel confirmation instead;
//! - `engagement`: recommendation click-through and conversion per reason code;
//! - `cancel_reasons`: cancellations per month by the reason given.

pub mod cancel_reasons;
pub mod engagement;
pub mod repurchase;
pub mod subscriptions;

use crate::db::Connection;
use crate::db::StoreError;
use cadence_contract::{Date, MerchantMetrics, METRICS_MONTHS};
use std::fmt;

/// A calendar month, as the `YYYY-MM` the figures are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1 to 12.
    pub month: u8,
}

impl Month {
    pub fn of(date: Date) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// The month `n` months earlier (`n` may be negative).
    pub fn minus(self, n: i32) -> Month {
        let index = self.year * 12 + i32::from(self.month) - 1 - n;
        Month {
            year: index.div_euclid(12),
            month: (index.rem_euclid(12) + 1) as u8,
        }
    }

    /// Its first day.
    pub fn first_day(self) -> Option<Date> {
        Date::from_ymd(self.year, self.month, 1).ok()
    }

    /// Parses the `YYYY-MM` prefix of an ISO date or timestamp.
    pub fn parse_prefix(text: &str) -> Option<Month> {
        let year = text.get(0..4)?.parse().ok()?;
        if text.get(4..5)? != "-" {
            return None;
        }
        let month: u8 = text.get(5..7)?.parse().ok()?;
        (1..=12).contains(&month).then_some(Month { year, month })
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The months covered on `today`, oldest first: the current one and the ones before it.
pub fn covered_months(today: Date) -> Vec<Month> {
    let current = Month::of(today);
    (0..METRICS_MONTHS as i32)
        .rev()
        .map(|n| current.minus(n))
        .collect()
}

/// Every figure, for the months up to `today`.
pub fn merchant_metrics(conn: &Connection, today: Date) -> Result<MerchantMetrics, StoreError> {
    let months = covered_months(today);
    let since = months[0]
        .first_day()
        .ok_or_else(|| StoreError::Corrupt("the metrics' first month has no first day".into()))?;
    let firsts = repurchase::read(conn, since, today)?;
    let activity = subscriptions::read(conn, since, today)?;
    let events = engagement::read(conn, since, today)?;
    let cancels = cancel_reasons::read(conn, since, today)?;
    Ok(MerchantMetrics {
        as_of: today,
        since_month: months[0].to_string(),
        repurchase: repurchase::compute(&firsts, today, &months),
        subscriptions: subscriptions::compute(&activity, &months),
        recommendations: engagement::compute(&events),
        cancel_reasons: cancel_reasons::compute(&cancels, &months),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_step_across_years() {
        let march = Month {
            year: 2026,
            month: 3,
        };
        assert_eq!(march.minus(3).to_string(), "2025-12");
        assert_eq!(march.minus(-10).to_string(), "2027-01");
        assert_eq!(march.minus(14).to_string(), "2025-01");
        assert_eq!(
            Month::parse_prefix("2026-03-15T09:00:00Z"),
            Some(march),
            "timestamps"
        );
        assert_eq!(Month::parse_prefix("2026-13-01"), None);
        assert_eq!(Month::parse_prefix("26-03"), None);
    }

    #[test]
    fn twelve_months_end_with_the_current_one() {
        let months = covered_months("2026-03-15".parse().unwrap());
        assert_eq!(months.len(), 12);
        assert_eq!(months[0].to_string(), "2025-04");
        assert_eq!(months[11].to_string(), "2026-03");
    }
}
