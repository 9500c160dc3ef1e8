//! The plan choice of the purchase options: one-time or subscribe & save (with each
//! price), then how often and how many.

use super::{Choice, Prices};
use crate::format;
use crate::i18n::{t, tf, Key, Locale, ProductKey};
use cadence_contract::{Product, MAX_QUANTITY};
use leptos::prelude::*;

/// One-time or subscribe & save, each with its price; nothing without an offer.
pub(super) fn options(
    choice: Choice,
    prices: &Prices,
    product: &Product,
    locale: Locale,
) -> Option<impl IntoView> {
    let o = product.subscription.as_ref()?;
    let (chosen, subscribe) = (choice.chosen, choice.subscribe);
    let one_time_label = format!(
        "{} · {}",
        t(locale, ProductKey::OneTimePrice),
        prices.format(&prices.one_time)
    );
    let sub_label = format!(
        "{} · {} {} ({})",
        t(locale, ProductKey::SubscribeAndSave),
        prices.format(&o.price),
        t(locale, Key::PerDelivery),
        tf(
            locale,
            ProductKey::SubscribeSaving,
            &[("percent", &o.discount_percent.to_string())]
        )
    );
    let name = format!("cad-plan-{}", product.sku);
    let name_once = name.clone();
    Some(view! {
        <fieldset class="cad-plans">
            <legend class="cad-label">{t(locale, ProductKey::PurchaseOptions)}</legend>
            <label class="cad-choice">
                <input
                    type="radio"
                    name=name_once
                    value="once"
                    data-cadence="plan-once"
                    prop:checked=move || chosen.get() && !subscribe.get()
                    on:change=move |_| {
                        chosen.set(true);
                        subscribe.set(false);
                    }
                />
                <span data-cadence="price">{one_time_label}</span>
            </label>
            <label class="cad-choice">
                <input
                    type="radio"
                    name=name
                    value="subscribe"
                    data-cadence="plan-subscribe"
                    prop:checked=move || chosen.get() && subscribe.get()
                    on:change=move |_| {
                        chosen.set(true);
                        subscribe.set(true);
                    }
                />
                <span data-cadence="subscription-price">{sub_label}</span>
            </label>
        </fieldset>
    })
}

/// How often (with subscribe & save only) and how many.
pub(super) fn adjust(choice: Choice, sku: &str, locale: Locale) -> impl IntoView {
    let Choice {
        interval_index,
        quantity,
        picked_by_hand,
        has_usage,
        intervals,
        ..
    } = choice;
    view! {
        <div class="cad-adjust">
            <div class="cad-field" hidden=choice.buying_once()>
                <label class="cad-label" for=format!("cad-every-{sku}")>
                    {t(locale, ProductKey::DeliverEvery)}
                </label>
                <select
                    id=format!("cad-every-{sku}")
                    data-cadence="plan-interval"
                    prop:value=move || interval_index.get().to_string()
                    on:change=move |ev| {
                        interval_index.set(event_target_value(&ev).parse().unwrap_or(0));
                        picked_by_hand.set(true);
                    }
                >
                    {intervals
                        .get_value()
                        .into_iter()
                        .enumerate()
                        .map(|(i, iv)| {
                            view! {
                                <option value=i.to_string()>{format::interval(locale, iv)}</option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="cad-field">
                <label class="cad-label" for=format!("cad-qty-{sku}")>
                    {t(locale, Key::Quantity)}
                </label>
                <select
                    id=format!("cad-qty-{sku}")
                    data-cadence="plan-quantity"
                    on:change=move |ev| {
                        quantity.set(event_target_value(&ev).parse().unwrap_or(1));
                        if has_usage && !picked_by_hand.get_untracked() {
                            choice.follow_advice();
                        }
                    }
                >
                    {(1..=MAX_QUANTITY.min(10))
                        .map(|n| view! { <option value=n.to_string()>{n}</option> })
                        .collect_view()}
                </select>
            </div>
        </div>
    }
}
