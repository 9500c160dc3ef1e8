//! A calendar date without time zone, serialised as ISO 8601 `YYYY-MM-DD`.
//!
//! Hand-written rather than pulled from a date crate: the widget needs only civil-date
//! arithmetic, and every kilobyte of wasm is downloaded by a shopper. The day-count
//! conversions are Howard Hinnant's `days_from_civil` / `civil_from_days` algorithms.

use core::fmt;
use core::str::FromStr;

/// A valid proleptic Gregorian date between years 1 and 9999.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// Why a string or a triple is not a [`Date`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateError;

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a valid date; expected YYYY-MM-DD")
    }
}

impl std::error::Error for DateError {}

pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    pub const MIN_YEAR: i32 = 1;
    pub const MAX_YEAR: i32 = 9999;

    pub fn from_ymd(year: i32, month: u8, day: u8) -> Result<Self, DateError> {
        if !(Self::MIN_YEAR..=Self::MAX_YEAR).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
        {
            return Err(DateError);
        }
        Ok(Date {
            year: year as u16,
            month,
            day,
        })
    }

    pub fn year(self) -> i32 {
        i32::from(self.year)
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn to_days(self) -> i64 {
        let (y, m, d) = (
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        );
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01, if it lies within years 1..=9999.
    pub fn from_days(days: i64) -> Option<Self> {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = yoe + era * 400 + i64::from(month <= 2);
        let year = i32::try_from(year).ok()?;
        Date::from_ymd(year, month, day).ok()
    }

    /// The date from a count of milliseconds since the Unix epoch (UTC), as JS `Date.now()`.
    pub fn from_unix_millis(millis: f64) -> Option<Self> {
        if !millis.is_finite() {
            return None;
        }
        Self::from_days((millis / 86_400_000.0).floor() as i64)
    }

    pub fn add_days(self, days: i64) -> Option<Self> {
        Self::from_days(self.to_days().checked_add(days)?)
    }

    /// Adds calendar months, clamping the day to the target month's length
    /// (Jan 31 + 1 month = Feb 28 or 29), as shoppers expect of "monthly".
    pub fn add_months(self, months: i64) -> Option<Self> {
        let index = i64::from(self.year) * 12 + i64::from(self.month) - 1 + months;
        let year = i32::try_from(index.div_euclid(12)).ok()?;
        let month = (index.rem_euclid(12) + 1) as u8;
        if !(Self::MIN_YEAR..=Self::MAX_YEAR).contains(&year) {
            return None;
        }
        let day = self.day.min(days_in_month(year, month));
        Date::from_ymd(year, month, day).ok()
    }

    /// Whole days from `self` to `other` (positive when `other` is later).
    pub fn days_until(self, other: Date) -> i64 {
        other.to_days() - self.to_days()
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(DateError);
        }
        // Digits read as bytes: no `str` slicing or integer parsing, whose panic and error
        // paths would be compiled into the widget's wasm for this one use.
        let num = |r: core::ops::Range<usize>| -> Result<u32, DateError> {
            b[r].iter().try_fold(0, |n, &c| {
                if c.is_ascii_digit() {
                    Ok(n * 10 + u32::from(c - b'0'))
                } else {
                    Err(DateError)
                }
            })
        };
        Date::from_ymd(num(0..4)? as i32, num(5..7)? as u8, num(8..10)? as u8)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date as YYYY-MM-DD")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Date, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(Visitor)
    }
}

#[cfg(feature = "openapi")]
mod openapi {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    use utoipa::openapi::{RefOr, Schema};

    impl utoipa::PartialSchema for super::Date {
        fn schema() -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
                .into()
        }
    }

    impl utoipa::ToSchema for super::Date {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn epoch_and_known_days() {
        assert_eq!(d("1970-01-01").to_days(), 0);
        assert_eq!(d("2000-03-01").to_days(), 11_017);
        assert_eq!(Date::from_days(-1), Some(d("1969-12-31")));
    }

    #[test]
    fn rejects_malformed_and_impossible_dates() {
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-01",
            "20260101",
            "+026-01-01",
            "2026-01-3a",
            "2026-é-01",
            "2026-01-é",
            "٢٠٢٦-01-01",
            "",
        ] {
            assert_eq!(bad.parse::<Date>(), Err(DateError), "{bad}");
        }
        assert!("2024-02-29".parse::<Date>().is_ok());
    }

    #[test]
    fn month_arithmetic_clamps_to_month_end() {
        assert_eq!(d("2026-01-31").add_months(1), Some(d("2026-02-28")));
        assert_eq!(d("2028-01-31").add_months(1), Some(d("2028-02-29")));
        assert_eq!(d("2026-12-15").add_months(1), Some(d("2027-01-15")));
        assert_eq!(d("2026-03-31").add_months(-1), Some(d("2026-02-28")));
    }

    #[test]
    fn serde_round_trip_and_errors() {
        let json = serde_json::to_string(&d("2026-12-03")).unwrap();
        assert_eq!(json, "\"2026-12-03\"");
        assert_eq!(
            serde_json::from_str::<Date>(&json).unwrap(),
            d("2026-12-03")
        );
        assert!(serde_json::from_str::<Date>("\"2026-02-30\"").is_err());
    }

    proptest! {
        #[test]
        fn days_round_trip(days in -719_162i64..2_932_896) {
            let date = Date::from_days(days).unwrap();
            prop_assert_eq!(date.to_days(), days);
            prop_assert_eq!(date.to_string().parse::<Date>().unwrap(), date);
        }

        #[test]
        fn add_days_is_monotonic(days in 0i64..100_000, step in 1i64..1000) {
            let a = Date::from_days(days).unwrap();
            let b = a.add_days(step).unwrap();
            prop_assert!(b > a);
            prop_assert_eq!(a.days_until(b), step);
        }
    }
}
