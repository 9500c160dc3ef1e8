//! Purchase options on the product page: one-time or subscribe & save, frequency and
//! quantity, with the price, the saving and the terms updating as the shopper chooses.
//! Signed-in shoppers subscribe in one step; anonymous ones hand the choice to the
//! shop's cart through `cadence:add-to-cart`.

use super::plan::PlanPreview;
use crate::config::Config;
use crate::data::Data;
use crate::events;
use crate::format;
use crate::i18n::{t, tf, Key, ProductKey};
use crate::id::idempotency_key;
use cadence_contract::{
    recommend_interval, Money, NewSubscription, PlanChoice, Product, MAX_QUANTITY,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn PurchaseOptions(config: Config, data: Data, product: Product) -> impl IntoView {
    let locale = config.locale;
    let tag = StoredValue::new(config.locale_tag.clone());
    let signed_in = config.customer_token.is_some();
    let data = StoredValue::new_local(data);
    let offer = product.subscription.clone();
    let subscribe = RwSignal::new(offer.is_some());
    // One closure (it is `Copy`) for every "only with subscribe & save" attribute: Leptos
    // compiles its render code once per closure type, not once per use.
    let buying_once = move || !subscribe.get();
    let intervals = offer
        .as_ref()
        .map(|o| o.intervals.clone())
        .unwrap_or_default();
    let default_index = offer
        .as_ref()
        .and_then(|o| o.intervals.iter().position(|i| *i == o.default_interval))
        .unwrap_or(0);
    let interval_index = RwSignal::new(default_index);
    let quantity = RwSignal::new(1u32);
    let usage_question = product.usage.clone();
    let usage = RwSignal::new(usage_question.as_ref().map_or(0, |q| q.default));
    let units_per_pack = product.units_per_pack.unwrap_or(0);
    let stored_product = StoredValue::new(product.clone());
    let busy = RwSignal::new(false);
    let said = RwSignal::new(String::new());
    let alarm = RwSignal::new(String::new());
    // One key per intent: a double click or a retry re-sends it, so one subscription.
    let intent = StoredValue::new(idempotency_key());
    let (sku, one_time, offer_price) = (
        product.sku.clone(),
        product.price.clone(),
        offer.as_ref().map(|o| o.price.clone()),
    );
    let name = format!("cad-plan-{sku}");
    let intervals = StoredValue::new(intervals);
    let interval = move || intervals.with_value(|all| all.get(interval_index.get()).copied());
    // The shopper's usage suggests the allowed interval nearest to how long their packs
    // last; it pre-selects it whenever usage or quantity change.
    let advice = {
        let units_per_use = usage_question.as_ref().map_or(1, |q| q.units_per_use);
        // A plain derived closure, not a `Memo`: a memo's machinery is compiled in per value
        // type (~3 KB of wasm), and this is a few multiplications.
        move || {
            intervals.with_value(|all| {
                recommend_interval(
                    units_per_pack,
                    quantity.get(),
                    usage.get(),
                    units_per_use,
                    all,
                )
            })
        }
    };
    let has_usage = usage_question.is_some();
    // Once the shopper picks a frequency themselves, only a new usage answer re-suggests.
    let picked_by_hand = RwSignal::new(false);
    let follow_advice = move || {
        if let Some(a) = untrack(advice) {
            if let Some(i) = intervals.with_value(|all| all.iter().position(|iv| *iv == a.interval))
            {
                interval_index.set(i);
            }
        }
    };
    if has_usage {
        follow_advice();
    }
    let advice_text = {
        let unit = usage_question
            .as_ref()
            .map(|q| q.unit.clone())
            .unwrap_or_default();
        move || {
            advice().map(|a| {
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
    let choice = Signal::derive(move || PlanChoice {
        interval: interval().filter(|_| subscribe.get()),
        quantity: quantity.get(),
    });
    let ics_url = {
        let sku = product.sku.clone();
        Signal::derive(move || {
            let c = choice.get();
            data.with_value(|l| l.api.plan_ics_url(&sku, c.interval, c.quantity))
        })
    };
    let feed = if signed_in {
        Some(data.with_value(|l| l.calendar_feed()))
    } else {
        None
    };
    let unit_price = {
        let (one_time, offer_price) = (one_time.clone(), offer_price.clone());
        move || match (subscribe.get(), &offer_price) {
            (true, Some(p)) => p.clone(),
            _ => one_time.clone(),
        }
    };
    let price = move |m: &Money| format::price(&tag.read_value(), m);
    let total = {
        let unit_price = unit_price.clone();
        move || price(&unit_price().times(quantity.get()))
    };
    let saving = {
        let (one_time, offer_price) = (one_time.clone(), offer_price.clone());
        move || {
            offer_price.as_ref().map(|p| {
                let per = Money::new(one_time.amount_minor - p.amount_minor, p.currency.clone());
                tf(
                    locale,
                    ProductKey::YouSave,
                    &[("amount", &price(&per.times(quantity.get())))],
                )
            })
        }
    };
    let terms = {
        let unit_price = unit_price.clone();
        move || {
            let (iv, today) = (interval()?, format::today()?);
            let first = iv.nth_after(today, 1)?;
            Some(tf(
                locale,
                ProductKey::FirstDelivery,
                &[
                    ("date", &format::date(&tag.read_value(), first)),
                    ("interval", &format::interval_inline(locale, iv)),
                    ("price", &price(&unit_price().times(quantity.get()))),
                ],
            ))
        }
    };
    let sku_for_submit = sku.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (qty, plan) = (
            quantity.get_untracked(),
            interval().filter(|_| subscribe.get_untracked()),
        );
        alarm.set(String::new());
        match (plan, signed_in) {
            (Some(interval), true) => {
                busy.set(true);
                let new = NewSubscription {
                    sku: sku_for_submit.clone(),
                    quantity: qty,
                    interval,
                };
                let (data, key) = (data.get_value(), intent.get_value());
                spawn_local(async move {
                    match data.subscribe(&new, &key).await {
                        Ok(created) => {
                            intent.set_value(idempotency_key()); // the next subscribe is a new intent
                            let date = created
                                .next_delivery
                                .map(|d| format::date(&tag.read_value(), d));
                            said.set(tf(
                                locale,
                                ProductKey::Subscribed,
                                &[("date", &date.unwrap_or_default())],
                            ));
                        }
                        Err(error) => alarm.set(format!(
                            "{} {}",
                            t(locale, Key::SubscribeFailed),
                            t(locale, super::error_key(&error))
                        )),
                    }
                    busy.set(false);
                });
            }
            (plan, _) => {
                data.with_value(|d| {
                    events::emit_add_to_cart(&d.host, &sku_for_submit, qty, plan, None)
                });
                said.set(t(locale, Key::AddedToCart).to_owned());
            }
        }
    };
    let has_offer = offer.is_some();
    let options_view = offer.map(|o| {
        let one_time_label = format!("{} · {}", t(locale, ProductKey::OneTimePrice), price(&one_time));
        let sub_label = format!(
            "{} · {} {} ({})",
            t(locale, ProductKey::SubscribeAndSave),
            price(&o.price),
            t(locale, Key::PerDelivery),
            tf(locale, ProductKey::SubscribeSaving, &[("percent", &o.discount_percent.to_string())])
        );
        let name_once = name.clone();
        view! {
            <fieldset class="cad-plans">
                <legend class="cad-label">{t(locale, ProductKey::PurchaseOptions)}</legend>
                <label class="cad-choice">
                    <input type="radio" name=name_once value="once" data-cadence="plan-once"
                        prop:checked=buying_once on:change=move |_| subscribe.set(false) />
                    <span data-cadence="price">{one_time_label}</span>
                </label>
                <label class="cad-choice">
                    <input type="radio" name=name value="subscribe" data-cadence="plan-subscribe"
                        prop:checked=move || subscribe.get() on:change=move |_| subscribe.set(true) />
                    <span data-cadence="subscription-price">{sub_label}</span>
                </label>
            </fieldset>
        }
    });
    view! {
        <form class="cad-purchase" on:submit=submit data-cadence="purchase">
            {options_view}
            {usage_question.clone().map(|q| {
                let id = format!("cad-usage-{sku}");
                view! {
                    <div class="cad-field" hidden=buying_once>
                        <label class="cad-label" for=id.clone()>{q.prompt}</label>
                        <input type="number" id=id data-cadence="usage" inputmode="numeric"
                            min=q.min.to_string() max=q.max.to_string() prop:value=move || usage.get().to_string()
                            on:change=move |ev| {
                                let n: u32 = event_target_value(&ev).parse().unwrap_or(q.default);
                                usage.set(n.clamp(q.min, q.max));
                                picked_by_hand.set(false);
                                follow_advice();
                            } />
                        <span class="cad-muted">{q.unit.clone()}</span>
                    </div>
                }
            })}
            <p class="cad-advice" data-cadence="advice" hidden=move || buying_once() || !has_usage>{advice_text}</p>
            {community_text.map(|text| view! { <p class="cad-muted" data-cadence="community" hidden=buying_once>{text}</p> })}
            {(!has_offer).then(|| view! {
                <p><span class="cad-price" data-cadence="price">{price(&one_time)}</span></p>
            })}
            <div class="cad-adjust">
                <div class="cad-field" hidden=buying_once>
                    <label class="cad-label" for=format!("cad-every-{sku}")>{t(locale, ProductKey::DeliverEvery)}</label>
                    <select id=format!("cad-every-{sku}") data-cadence="plan-interval"
                        prop:value=move || interval_index.get().to_string()
                        on:change=move |ev| {
                            interval_index.set(event_target_value(&ev).parse().unwrap_or(0));
                            picked_by_hand.set(true);
                        }>
                        {intervals.get_value().into_iter().enumerate().map(|(i, iv)| view! {
                            <option value=i.to_string()>{format::interval(locale, iv)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="cad-field">
                    <label class="cad-label" for=format!("cad-qty-{sku}")>{t(locale, Key::Quantity)}</label>
                    <select id=format!("cad-qty-{sku}") data-cadence="plan-quantity"
                        on:change=move |ev| {
                            quantity.set(event_target_value(&ev).parse().unwrap_or(1));
                            if has_usage && !picked_by_hand.get_untracked() {
                                follow_advice();
                            }
                        }>
                        {(1..=MAX_QUANTITY.min(10)).map(|n| view! { <option value=n.to_string()>{n}</option> }).collect_view()}
                    </select>
                </div>
            </div>
            <p class="cad-total"><span class="cad-price" data-cadence="total">{total}</span>
                " " <span class="cad-muted" hidden=buying_once>{t(locale, Key::PerDelivery)}</span></p>
            <p class="cad-saving" hidden=buying_once data-cadence="saving">{saving}</p>
            <p class="cad-muted" hidden=buying_once data-cadence="terms">{terms}" "{t(locale, ProductKey::Terms)}</p>
            <button type="submit" class="cad-button" part="button" data-cadence="purchase-submit" aria-disabled=move || busy.get().to_string()>
                {move || t(locale, if subscribe.get() && signed_in { Key::Subscribe } else { Key::AddToCart })}
            </button>
            <p class="cad-live" role="status" data-cadence="announce">{move || said.get()}</p>
            <p class="cad-error" part="error" role="alert" data-cadence="alert">{move || alarm.get()}</p>
            <PlanPreview locale=locale tag=tag product=stored_product choice=choice ics_url=ics_url />
            {feed.map(|feed| view! {
                {move || feed.get().map(|url| view! {
                    <a class="cad-link" data-cadence="calendar-feed" href=url>{t(locale, ProductKey::CalendarFeed)}</a>
                })}
            })}
        </form>
    }
}
