//! The one source of "today" and "now" for the whole server, so tests can fix time.

use cadence_contract::Date;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where the server reads the current date and time from.
#[derive(Clone, Copy, Debug, Default)]
pub enum Clock {
    /// The system clock, in UTC.
    #[default]
    System,
    /// A frozen instant, in seconds since the Unix epoch (for tests and demos).
    Fixed(i64),
}

impl Clock {
    /// A clock frozen at midnight UTC of `date`.
    pub fn fixed_on(date: Date) -> Self {
        Clock::Fixed(date.to_days() * 86_400)
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(self) -> i64 {
        match self {
            #[allow(
                clippy::disallowed_methods,
                reason = "this is the one place the server reads the system clock"
            )]
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
            Clock::Fixed(secs) => secs,
        }
    }

    /// Today's date in UTC.
    pub fn today(self) -> Date {
        Date::from_days(self.unix_seconds().div_euclid(86_400))
            .expect("the clock reads a date between years 1 and 9999")
    }

    /// The current instant as an RFC 3339 UTC timestamp, for `created_at`-style columns.
    pub fn timestamp(self) -> String {
        let secs = self.unix_seconds();
        let rem = secs.rem_euclid(86_400);
        format!(
            "{}T{:02}:{:02}:{:02}Z",
            self.today(),
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_reads_its_date_and_time() {
        let date: Date = "2026-03-01".parse().unwrap();
        let clock = Clock::Fixed(Clock::fixed_on(date).unix_seconds() + 3661);
        assert_eq!(clock.today(), date);
        assert_eq!(clock.timestamp(), "2026-03-01T01:01:01Z");
    }
}
