//! When to retry a failed delivery, when to give up on it, and when to disable an endpoint
//! that keeps failing. Pure functions over unix seconds; the dispatcher owns the clock and
//! the random source.
//!
//! # The schedule
//!
//! Exponential backoff shaped like Svix's and the Standard Webhooks example, with full
//! jitter: after the n-th failed attempt the next one waits a uniformly random delay below
//! the n-th cap (`jitter` × cap, at least 1 s). Jitter matters because a dead endpoint
//! fails every queued event at once; without it their retries would come back in
//! lockstep and hit it together the moment it recovers. The give-up rule counts time, not
//! attempts, so jitter cannot shorten the three days: a delay that would pass the 3-day
//! mark is cut to end on it, and a failure at or after the mark is final.
//!
//! | Attempt | Waits after the previous failure   | At the latest, since the first attempt |
//! |---------|------------------------------------|----------------------------------------|
//! | 1       | immediately                        | 0                                      |
//! | 2       | up to 5 s                          | 5 s                                    |
//! | 3       | up to 5 min                        | 5 min 5 s                              |
//! | 4       | up to 30 min                       | 35 min 5 s                             |
//! | 5       | up to 2 h                          | 2 h 35 min 5 s                         |
//! | 6       | up to 5 h                          | 7 h 35 min 5 s                         |
//! | 7, 8, … | up to 10 h each                    | 17 h 35 min 5 s, 27 h 35 min 5 s, …    |
//! | last    | until 3 days after the first       | 72 h (then the event is given up)      |
//!
//! That is 13 attempts when every delay is the full cap, about 20 with uniform jitter.
//! The latest times hold while the dispatcher is on time; a dispatcher that was down
//! retries late, never early.
//!
//! # Disabling an endpoint
//!
//! Like Svix: an endpoint whose every attempt failed for [`DISABLE_AFTER_SECS`] (5 days,
//! longer than one event's 3 days, so a receiver down over a weekend is not disabled) is
//! disabled, and so is one that answers `410 Gone`, which the specification reads as
//! "stop sending". The streak starts at the first failure after the last success, so an
//! endpoint that failed 6 days ago and has had no traffic since is disabled by its next
//! failure: no attempt in between succeeded.

use crate::event::rfc3339_utc;
use core::fmt;

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

/// The caps of the 1st, 2nd, … retry's delay; later retries use the last.
pub const DELAY_CAPS_SECS: [u64; 6] = [5, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR];
/// No retry comes sooner than this, whatever the jitter: a jitter of 0 must not spin.
pub const MIN_DELAY_SECS: u64 = 1;
/// An event is given up when an attempt this long after its first one fails.
pub const GIVE_UP_AFTER_SECS: u64 = 3 * DAY;
/// An endpoint is disabled when all its attempts failed for this long.
pub const DISABLE_AFTER_SECS: u64 = 5 * DAY;

/// The cap of retry number `retry` (1 for the attempt after the first failure).
pub fn delay_cap(retry: u32) -> u64 {
    let index = (retry.max(1) - 1) as usize;
    DELAY_CAPS_SECS[index.min(DELAY_CAPS_SECS.len() - 1)]
}

/// The delay before retry number `retry`: full jitter, `jitter` × cap, with `jitter` a
/// uniform random fraction in `[0, 1)` the caller drew (out-of-range values are clamped,
/// NaN reads as 0), and at least [`MIN_DELAY_SECS`].
pub fn retry_delay(retry: u32, jitter: f64) -> u64 {
    let cap = delay_cap(retry);
    let fraction = if jitter.is_nan() {
        0.0
    } else {
        jitter.clamp(0.0, 1.0)
    };
    ((cap as f64 * fraction) as u64).clamp(MIN_DELAY_SECS, cap)
}

/// What to do with an event after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextAttempt {
    /// Try again this many seconds from now.
    After(u64),
    /// Three days of attempts failed: stop, and show it as failed in the delivery log.
    GiveUp,
}

/// The next step for an event whose `failed_attempts` attempts (all of them) failed, the
/// first one `secs_since_first_attempt` ago.
pub fn next_attempt(
    failed_attempts: u32,
    secs_since_first_attempt: u64,
    jitter: f64,
) -> NextAttempt {
    if failed_attempts == 0 {
        return NextAttempt::After(0);
    }
    let Some(left) = GIVE_UP_AFTER_SECS
        .checked_sub(secs_since_first_attempt)
        .filter(|&l| l > 0)
    else {
        return NextAttempt::GiveUp;
    };
    NextAttempt::After(retry_delay(failed_attempts, jitter).min(left))
}

/// What one attempt's answer means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Any 2xx.
    Delivered,
    /// Anything else: another status (3xx too: redirects are not followed, the merchant
    /// should update the URL), a timeout, a refused or reset connection, a refused address.
    Failed,
    /// `410 Gone`: the receiver asks us to stop; the endpoint is disabled at once.
    Gone,
}

impl Outcome {
    /// The outcome of an HTTP answer with this status.
    pub fn of_status(status: u16) -> Self {
        match status {
            200..=299 => Outcome::Delivered,
            410 => Outcome::Gone,
            _ => Outcome::Failed,
        }
    }
}

/// Why an endpoint was disabled; its `Display` is the sentence for the endpoint's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disable {
    Gone,
    /// Every attempt failed since `since` (unix seconds), for at least 5 days.
    FailingSince(i64),
}

impl fmt::Display for Disable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Disable::Gone => {
                f.write_str("Disabled: the endpoint answered 410 Gone, which asks senders to stop.")
            }
            Disable::FailingSince(since) => write!(
                f,
                "Disabled: every delivery attempt has failed since {} (5 days or more).",
                rfc3339_utc(*since)
            ),
        }
    }
}

/// An endpoint's failure streak after an attempt, and whether to disable it now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Health {
    /// When the current run of failures began; `None` after a success. Store it on the
    /// endpoint and pass it back next time; clear it when the merchant re-enables.
    pub failing_since: Option<i64>,
    pub disable: Option<Disable>,
}

/// Folds one attempt's outcome, at `now` (unix seconds), into the endpoint's streak.
pub fn endpoint_health(failing_since: Option<i64>, outcome: Outcome, now: i64) -> Health {
    match outcome {
        Outcome::Delivered => Health {
            failing_since: None,
            disable: None,
        },
        Outcome::Gone => Health {
            failing_since: failing_since.or(Some(now)),
            disable: Some(Disable::Gone),
        },
        Outcome::Failed => {
            let since = failing_since.unwrap_or(now);
            let failing_for = now.saturating_sub(since);
            Health {
                failing_since: Some(since),
                disable: (failing_for >= DISABLE_AFTER_SECS as i64)
                    .then_some(Disable::FailingSince(since)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_follow_the_table_then_stay_at_ten_hours() {
        let caps: Vec<u64> = (1..=9).map(delay_cap).collect();
        assert_eq!(
            caps,
            [5, 300, 1800, 7200, 18_000, 36_000, 36_000, 36_000, 36_000]
        );
        assert_eq!(delay_cap(0), 5);
        assert_eq!(delay_cap(u32::MAX), 36_000);
    }

    #[test]
    fn full_jitter_spans_the_whole_cap() {
        assert_eq!(retry_delay(3, 0.0), MIN_DELAY_SECS);
        assert_eq!(retry_delay(3, 0.5), 900);
        assert_eq!(retry_delay(3, 0.999_999), 1799);
        // Out-of-range jitter is clamped, never beyond the cap nor below the floor.
        assert_eq!(retry_delay(3, 7.0), 1800);
        assert_eq!(retry_delay(3, -1.0), MIN_DELAY_SECS);
        assert_eq!(retry_delay(3, f64::NAN), MIN_DELAY_SECS);
        assert_eq!(retry_delay(3, f64::INFINITY), 1800);
    }

    /// Runs the schedule with every attempt failing and the dispatcher on time; returns
    /// each attempt's time since the first.
    fn attempts(jitter: impl Fn(u32) -> f64) -> Vec<u64> {
        let mut at = vec![0];
        loop {
            let failed = at.len() as u32;
            match next_attempt(failed, *at.last().unwrap(), jitter(failed)) {
                NextAttempt::After(delay) => at.push(at.last().unwrap() + delay),
                NextAttempt::GiveUp => return at,
            }
        }
    }

    #[test]
    fn full_caps_give_the_documented_table() {
        let at = attempts(|_| 0.999_999_9);
        // The table's latest times (cap − 1 s each, from the fraction below 1) …
        let expected_caps = [0, 5, 305, 2105, 9305, 27_305, 63_305];
        for (i, (&got, &cap_sum)) in at.iter().zip(&expected_caps).enumerate() {
            assert!(got <= cap_sum && got + 6 >= cap_sum, "attempt {i}: {got}");
        }
        // … and the last attempt exactly at three days, 13 in all.
        assert_eq!(*at.last().unwrap(), GIVE_UP_AFTER_SECS);
        assert_eq!(at.len(), 13);
    }

    #[test]
    fn jitter_never_shortens_the_three_days() {
        // A crude deterministic spread of jitters, the low ones included.
        for seed in 0..200u32 {
            let at = attempts(|n| f64::from((n * 7919 + seed * 104_729) % 1000) / 1000.0);
            assert_eq!(*at.last().unwrap(), GIVE_UP_AFTER_SECS, "seed {seed}");
            assert!(at.windows(2).all(|w| w[1] > w[0]));
            assert!(at.len() < 200, "seed {seed}: {} attempts", at.len());
        }
        // Uniform jitter averages about 20 attempts.
        let at = attempts(|_| 0.5);
        assert!((18..=22).contains(&at.len()), "{}", at.len());
    }

    #[test]
    fn a_late_dispatcher_gives_up_once_the_time_has_passed() {
        assert_eq!(
            next_attempt(2, GIVE_UP_AFTER_SECS + 100, 0.5),
            NextAttempt::GiveUp
        );
        assert_eq!(
            next_attempt(9, GIVE_UP_AFTER_SECS - 10, 0.9),
            NextAttempt::After(10)
        );
        assert_eq!(next_attempt(0, 0, 0.5), NextAttempt::After(0));
    }

    #[test]
    fn statuses_map_to_outcomes() {
        for (status, outcome) in [
            (200, Outcome::Delivered),
            (204, Outcome::Delivered),
            (299, Outcome::Delivered),
            (301, Outcome::Failed),
            (404, Outcome::Failed),
            (410, Outcome::Gone),
            (429, Outcome::Failed),
            (500, Outcome::Failed),
            (100, Outcome::Failed),
        ] {
            assert_eq!(Outcome::of_status(status), outcome, "{status}");
        }
    }

    #[test]
    fn an_endpoint_is_disabled_after_five_days_of_only_failures() {
        let t0 = 1_700_000_000;
        let day = DAY as i64;
        let first = endpoint_health(None, Outcome::Failed, t0);
        assert_eq!(first.failing_since, Some(t0));
        assert_eq!(first.disable, None);
        let day_4 = endpoint_health(first.failing_since, Outcome::Failed, t0 + 4 * day);
        assert_eq!(day_4.disable, None);
        let day_5 = endpoint_health(day_4.failing_since, Outcome::Failed, t0 + 5 * day);
        assert_eq!(day_5.disable, Some(Disable::FailingSince(t0)));
        assert_eq!(
            day_5.disable.unwrap().to_string(),
            "Disabled: every delivery attempt has failed since 2023-11-14T22:13:20Z \
             (5 days or more)."
        );
        // One success resets the streak.
        let ok = endpoint_health(day_4.failing_since, Outcome::Delivered, t0 + 4 * day);
        assert_eq!(ok.failing_since, None);
        let again = endpoint_health(ok.failing_since, Outcome::Failed, t0 + 5 * day);
        assert_eq!(again.disable, None);
    }

    #[test]
    fn gone_disables_at_once() {
        let h = endpoint_health(None, Outcome::Gone, 10);
        assert_eq!(h.disable, Some(Disable::Gone));
        assert!(h.disable.unwrap().to_string().contains("410 Gone"));
    }
}
