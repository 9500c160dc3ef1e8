//! The one source of "today" and "now" for the whole server, so tests can fix time.

use cadence_contract::Date;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Where the server reads the current date and time from.
#[derive(Clone, Copy, Debug, Default)]
pub enum Clock {
    /// The system clock, in UTC.
    #[default]
    System,
    /// A frozen instant, in seconds since the Unix epoch (for tests and demos).
    Fixed(i64),
    /// Another clock (`System`, or `Fixed` at `base`) moved forward by an offset every
    /// copy shares: the demo's "a month passes" control moves it for the whole process
    /// ([`Clock::advance`]). The offset is leaked once per server, which keeps `Clock`
    /// `Copy` for the many places that pass it by value.
    Shifted {
        base: Option<i64>,
        offset: &'static AtomicI64,
    },
}

impl Clock {
    /// A clock frozen at midnight UTC of `date`.
    pub fn fixed_on(date: Date) -> Self {
        Clock::Fixed(date.to_days() * 86_400)
    }

    /// This clock, movable forward from now on (see [`Clock::Shifted`]).
    pub fn movable(self) -> Self {
        let base = match self {
            Clock::System => None,
            Clock::Fixed(secs) => Some(secs),
            shifted @ Clock::Shifted { .. } => return shifted,
        };
        Clock::Shifted {
            base,
            offset: Box::leak(Box::new(AtomicI64::new(0))),
        }
    }

    /// Moves a movable clock (and every copy of it) forward by `secs`; `false` for a
    /// clock that cannot move.
    pub fn advance(self, secs: i64) -> bool {
        match self {
            Clock::Shifted { offset, .. } => {
                offset.fetch_add(secs, Ordering::SeqCst);
                true
            }
            Clock::System | Clock::Fixed(_) => false,
        }
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(self) -> i64 {
        match self {
            Clock::System => system_seconds(),
            Clock::Fixed(secs) => secs,
            Clock::Shifted { base, offset } => {
                base.unwrap_or_else(system_seconds) + offset.load(Ordering::SeqCst)
            }
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

#[allow(
    clippy::disallowed_methods,
    reason = "this is the one place the server reads the system clock"
)]
fn system_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
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

    #[test]
    fn a_movable_clock_moves_every_copy_and_others_do_not_move() {
        let start: Date = "2026-03-01".parse().unwrap();
        let clock = Clock::fixed_on(start).movable();
        let copy = clock;
        assert_eq!(copy.today(), start);
        assert!(clock.advance(30 * 86_400));
        assert_eq!(copy.today().to_string(), "2026-03-31");
        assert!(!Clock::fixed_on(start).advance(86_400));
        assert!(!Clock::System.advance(86_400));
    }
}
