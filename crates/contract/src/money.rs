//! Money as integer minor units plus an ISO 4217 code: never floats for amounts.

use core::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    /// Amount in the currency's minor unit (cents for EUR and USD).
    pub amount_minor: i64,
    /// ISO 4217 code, upper case (e.g. `EUR`).
    pub currency: String,
}

impl Money {
    pub fn new(amount_minor: i64, currency: impl Into<String>) -> Self {
        Money {
            amount_minor,
            currency: currency.into(),
        }
    }

    /// The price after a percentage discount, rounded half-up to the minor unit,
    /// so the shopper is never shown a saving larger than what they get.
    pub fn discounted(&self, percent: u8) -> Money {
        let percent = i64::from(percent.min(100));
        let kept = self.amount_minor * (100 - percent);
        Money::new((kept + 50).div_euclid(100), self.currency.clone())
    }

    pub fn times(&self, quantity: u32) -> Money {
        Money::new(
            self.amount_minor.saturating_mul(i64::from(quantity)),
            self.currency.clone(),
        )
    }

    /// The amount as a decimal number of major units, for `Intl.NumberFormat`.
    /// Assumes a two-digit minor unit, which holds for every currency the catalog accepts.
    pub fn major_units(&self) -> f64 {
        self.amount_minor as f64 / 100.0
    }
}

/// Whether `code` looks like an ISO 4217 currency code.
pub fn is_currency_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.amount_minor < 0 { "-" } else { "" };
        let abs = self.amount_minor.unsigned_abs();
        write!(f, "{sign}{}.{:02} {}", abs / 100, abs % 100, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discount_rounds_half_up() {
        assert_eq!(Money::new(1999, "EUR").discounted(10).amount_minor, 1799);
        assert_eq!(Money::new(1000, "EUR").discounted(15).amount_minor, 850);
        assert_eq!(Money::new(1000, "EUR").discounted(200).amount_minor, 0);
    }

    #[test]
    fn display_and_codes() {
        assert_eq!(Money::new(-1205, "EUR").to_string(), "-12.05 EUR");
        assert!(is_currency_code("EUR"));
        assert!(!is_currency_code("eur"));
        assert!(!is_currency_code("EURO"));
    }
}
