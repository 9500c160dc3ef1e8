//! Prices, dates and intervals formatted by the browser's `Intl`, in the widget's locale.
//!
//! Letting the browser format keeps locale tables out of the wasm. The `Intl`
//! constructors are bound with `catch` so an odd currency can never throw into the page;
//! on failure we fall back to a plain but correct rendering.

use crate::i18n::{tf, Key, Locale};
use cadence_contract::{Date, Interval, IntervalUnit, Money};
use js_sys::{Object, Reflect};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Intl, js_name = NumberFormat)]
    type NumberFormat;
    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = "NumberFormat", catch)]
    fn new(locale: &str, options: &Object) -> Result<NumberFormat, JsValue>;
    #[wasm_bindgen(method, js_class = "NumberFormat")]
    fn format(this: &NumberFormat, value: f64) -> String;

    #[wasm_bindgen(js_namespace = Intl, js_name = DateTimeFormat)]
    type DateTimeFormat;
    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = "DateTimeFormat", catch)]
    fn new(locale: &str, options: &Object) -> Result<DateTimeFormat, JsValue>;
    #[wasm_bindgen(method, js_class = "DateTimeFormat", js_name = format)]
    fn format_date(this: &DateTimeFormat, date: &js_sys::Date) -> String;
}

fn options(pairs: &[(&str, &str)]) -> Object {
    let obj = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&obj, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    obj
}

thread_local! {
    /// Formatters already made, by locale and currency ("" for dates). Making one costs
    /// ~1.5 ms at 4× CPU throttling, formatting with a kept one ~0.2 ms, and one change of
    /// frequency re-formats a dozen prices and dates. A page has a locale or two and a
    /// currency or two, so the list stays a handful long.
    static FORMATTERS: RefCell<Vec<(String, JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// The formatter for `locale_tag` and `currency`, made by `make` on first use and kept.
/// One that `Intl` refuses to make is not kept: the caller falls back every time.
fn formatter<T: JsCast>(
    locale_tag: &str,
    currency: &str,
    make: impl FnOnce() -> Result<T, JsValue>,
) -> Option<T> {
    let key = [locale_tag, currency].join(" ");
    let kept =
        FORMATTERS.with_borrow(|all| all.iter().find(|(k, _)| *k == key).map(|(_, f)| f.clone()));
    let formatter = match kept {
        Some(f) => f,
        None => {
            let made: JsValue = make().ok()?.into();
            FORMATTERS.with_borrow_mut(|all| all.push((key, made.clone())));
            made
        }
    };
    Some(formatter.unchecked_into())
}

/// "€17.50" / "17,50 €", by the browser.
pub(crate) fn price(locale_tag: &str, money: &Money) -> String {
    formatter(locale_tag, &money.currency, || {
        NumberFormat::new(
            locale_tag,
            &options(&[("style", "currency"), ("currency", &money.currency)]),
        )
    })
    .map(|nf: NumberFormat| nf.format(money.major_units()))
    .unwrap_or_else(|| money.to_string())
}

/// "3 Dec 2026" / "3 déc. 2026", by the browser, read as a calendar date (UTC) so
/// the shopper's time zone cannot move it by a day.
pub(crate) fn date(locale_tag: &str, date: Date) -> String {
    let millis = date.to_days() as f64 * 86_400_000.0;
    formatter(locale_tag, "", || {
        DateTimeFormat::new(
            locale_tag,
            &options(&[("dateStyle", "medium"), ("timeZone", "UTC")]),
        )
    })
    .map(|f: DateTimeFormat| f.format_date(&js_sys::Date::new(&JsValue::from_f64(millis))))
    .unwrap_or_else(|| date.to_string())
}

/// "Every 4 weeks", in the UI language.
pub(crate) fn interval(locale: Locale, interval: Interval) -> String {
    let one = interval.count == 1;
    let key = match (interval.unit, one) {
        (IntervalUnit::Day, true) => Key::EveryDay,
        (IntervalUnit::Day, false) => Key::EveryDays,
        (IntervalUnit::Week, true) => Key::EveryWeek,
        (IntervalUnit::Week, false) => Key::EveryWeeks,
        (IntervalUnit::Month, true) => Key::EveryMonth,
        (IntervalUnit::Month, false) => Key::EveryMonths,
    };
    tf(locale, key, &[("count", &interval.count.to_string())])
}

/// The interval inside a sentence ("… → every 4 weeks"): only the first letter is
/// lowered, so German nouns keep their capitals ("alle 4 Wochen"). ASCII-only on purpose:
/// every locale's phrase starts with an ASCII word, and Unicode case tables cost wasm size.
pub(crate) fn interval_inline(locale: Locale, iv: Interval) -> String {
    let mut text = interval(locale, iv);
    if let Some(first) = text.get_mut(0..1) {
        first.make_ascii_lowercase();
    }
    text
}

/// Today's date in the shopper's browser (UTC calendar date).
pub(crate) fn today() -> Option<Date> {
    Date::from_unix_millis(js_sys::Date::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inline_interval_lowers_only_its_first_letter() {
        let iv = Interval {
            count: 4,
            unit: IntervalUnit::Week,
        };
        assert_eq!(interval_inline(Locale::En, iv), "every 4 weeks");
        assert_eq!(interval_inline(Locale::Fr, iv), "toutes les 4 semaines");
        assert_eq!(interval_inline(Locale::De, iv), "alle 4 Wochen");
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// The kept formatters are per locale and per currency: interleaving them must give
    /// each call its own, exactly as a fresh `Intl` formatter would.
    #[wasm_bindgen_test]
    fn kept_formatters_never_mix_locales_or_currencies() {
        let eur = Money::new(1750, "EUR");
        let usd = Money::new(1750, "USD");
        for _ in 0..2 {
            assert_eq!(price("en-US", &eur), "€17.50");
            assert_eq!(price("en-US", &usd), "$17.50");
            let fr = price("fr-FR", &eur);
            assert!(fr.starts_with("17,50") && fr.ends_with('€'), "{fr}");
            assert_eq!(
                date("en-US", Date::from_ymd(2026, 3, 1).unwrap()),
                "Mar 1, 2026"
            );
            assert_eq!(
                date("de-DE", Date::from_ymd(2026, 3, 1).unwrap()),
                "01.03.2026"
            );
        }
        // A currency Intl rejects falls back to the plain rendering, and is not kept.
        let odd = Money::new(1750, "not a currency");
        assert_eq!(price("en-US", &odd), odd.to_string());
        assert_eq!(price("en-US", &odd), odd.to_string());
    }
}
