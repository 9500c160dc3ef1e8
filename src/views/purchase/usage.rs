//! The usage question of the purchase options ("how many cups a day?"), the frequency it
//! suggests, and what other owners chose.

use super::Choice;
use crate::format;
use crate::i18n::{tf, Locale, ProductKey};
use cadence_contract::Product;
use leptos::prelude::*;

/// The question (when the product asks one), the advice, and the community's choice.
pub(super) fn question(choice: Choice, product: &Product, locale: Locale) -> impl IntoView {
    let buying_once = choice.buying_once();
    let Choice {
        usage,
        quantity,
        picked_by_hand,
        has_usage,
        units_per_pack,
        ..
    } = choice;
    let advice_text = {
        let unit = product
            .usage
            .as_ref()
            .map(|q| q.unit.clone())
            .unwrap_or_default();
        move || {
            choice.advice().map(|a| {
                tf(
                    locale,
                    ProductKey::UsageAdvice,
                    &[
                        ("usage", &usage.get().to_string()),
                        ("unit", &unit),
                        ("packs", &format!("{} × {units_per_pack}", quantity.get())),
                        ("days", &a.days_per_delivery.to_string()),
                        ("interval", &format::interval_inline(locale, a.interval)),
                    ],
                )
            })
        }
    };
    let community_text = product.community.as_ref().map(|c| {
        tf(
            locale,
            ProductKey::Community,
            &[
                ("interval", &format::interval_inline(locale, c.interval)),
                ("share", &c.share_percent.to_string()),
                ("owners", &c.owners.to_string()),
            ],
        )
    });
    let sku = &product.sku;
    view! {
        {product
            .usage
            .clone()
            .map(|q| {
                let id = format!("cad-usage-{sku}");
                view! {
                    <div class="cad-field" hidden=buying_once>
                        <label class="cad-label" for=id.clone()>
                            {q.prompt}
                        </label>
                        <input
                            type="number"
                            id=id
                            data-cadence="usage"
                            inputmode="numeric"
                            min=q.min.to_string()
                            max=q.max.to_string()
                            prop:value=move || usage.get().to_string()
                            on:change=move |ev| {
                                let n: u32 = event_target_value(&ev).parse().unwrap_or(q.default);
                                usage.set(n.clamp(q.min, q.max));
                                picked_by_hand.set(false);
                                choice.follow_advice();
                            }
                        />
                        <span class="cad-muted">{q.unit.clone()}</span>
                    </div>
                }
            })}
        <p class="cad-advice" data-cadence="advice" hidden=move || buying_once() || !has_usage>
            {advice_text}
        </p>
        {community_text
            .map(|text| {
                view! {
                    <p class="cad-muted" data-cadence="community" hidden=buying_once>
                        {text}
                    </p>
                }
            })}
    }
}
