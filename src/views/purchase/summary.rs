//! The price summary of the purchase options: the total per delivery, the saving and the
//! terms (first delivery, how often, what it costs), as the shopper chooses.

use super::{Choice, Prices};
use crate::format;
use crate::i18n::{t, tf, Key, Locale, ProductKey};
use cadence_contract::Money;
use leptos::prelude::*;

/// The price of a product that cannot be subscribed to (the plan choice shows it otherwise).
pub(super) fn price(prices: &Prices) -> impl IntoView {
    view! {
        <p>
            <span class="cad-price" data-cadence="price">
                {prices.format(&prices.one_time)}
            </span>
        </p>
    }
}

/// The total, the saving and the terms.
pub(super) fn totals(choice: Choice, prices: Prices, locale: Locale) -> impl IntoView {
    // What a subscription costs and binds to shows once subscribing is chosen.
    let subscribe = choice.subscribe;
    let buying_once = move || !subscribe.get();
    let quantity = choice.quantity;
    let total = {
        let prices = prices.clone();
        move || prices.per_delivery(choice)
    };
    let saving = {
        let prices = prices.clone();
        move || {
            prices.offer.as_ref().map(|p| {
                let per = Money::new(
                    prices.one_time.amount_minor - p.amount_minor,
                    p.currency.clone(),
                );
                tf(
                    locale,
                    ProductKey::YouSave,
                    &[("amount", &prices.format(&per.times(quantity.get())))],
                )
            })
        }
    };
    let terms = move || {
        let (iv, today) = (choice.interval()?, format::today()?);
        let first = iv.nth_after(today, 1)?;
        Some(tf(
            locale,
            ProductKey::FirstDelivery,
            &[
                (
                    "date",
                    &format::date(&prices.locale_tag.read_value(), first),
                ),
                ("interval", &format::interval_inline(locale, iv)),
                ("price", &prices.per_delivery(choice)),
            ],
        ))
    };
    view! {
        <p class="cad-total">
            <span class="cad-price" data-cadence="total">
                {total}
            </span>
            " "
            <span class="cad-muted" hidden=buying_once>
                {t(locale, Key::PerDelivery)}
            </span>
        </p>
        <p class="cad-saving" hidden=buying_once data-cadence="saving">
            {saving}
        </p>
        // The terms as readable as the price (not muted): they are what is agreed.
        <p hidden=buying_once data-cadence="terms">
            {terms}
            " "
            {t(locale, ProductKey::Terms)}
        </p>
    }
}
