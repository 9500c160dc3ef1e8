//! Prices written out for shoppers: "€17.50" in English, "17,50 €" in French and German
//! (with a narrow no-break space before the sign in French, as French typography has it).

use super::Lang;
use cadence_contract::Money;

/// The sign a shopper knows the currency by, or its code.
fn sign(code: &str) -> &str {
    match code {
        "EUR" => "€",
        "USD" => "$",
        "GBP" => "£",
        "JPY" => "¥",
        other => other,
    }
}

/// `money` as a shopper of `lang` reads it.
pub fn money(lang: Lang, money: &Money) -> String {
    let minus = if money.amount_minor < 0 { "-" } else { "" };
    let abs = money.amount_minor.unsigned_abs();
    let (whole, cents) = (group(abs / 100, lang), abs % 100);
    let sign = sign(&money.currency);
    let spaced = sign.len() > 1 && sign.is_ascii();
    match lang {
        Lang::En if spaced => format!("{minus}{sign} {whole}.{cents:02}"),
        Lang::En => format!("{minus}{sign}{whole}.{cents:02}"),
        Lang::Fr => format!("{minus}{whole},{cents:02}\u{202f}{sign}"),
        Lang::De => format!("{minus}{whole},{cents:02} {sign}"),
    }
}

/// Thousands grouped as each language does: 1,234 / 1 234 / 1.234.
fn group(n: u64, lang: Lang) -> String {
    let separator = match lang {
        Lang::En => ",",
        Lang::Fr => "\u{202f}",
        Lang::De => ".",
    };
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push_str(separator);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_writes_its_own_prices() {
        let eur = Money::new(1750, "EUR");
        assert_eq!(money(Lang::En, &eur), "€17.50");
        assert_eq!(money(Lang::Fr, &eur), "17,50\u{202f}€");
        assert_eq!(money(Lang::De, &eur), "17,50 €");
        let big = Money::new(123_456_789, "CHF");
        assert_eq!(money(Lang::En, &big), "CHF 1,234,567.89");
        assert_eq!(money(Lang::De, &big), "1.234.567,89 CHF");
        assert_eq!(money(Lang::En, &Money::new(-5, "USD")), "-$0.05");
        assert_eq!(money(Lang::En, &Money::new(100_000, "GBP")), "£1,000.00");
    }
}
