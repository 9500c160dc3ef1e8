//! Purchase options on the product page: one-time or subscribe & save, frequency and
//! quantity, with the price, the saving and the terms updating as the shopper chooses.
//! Signed-in shoppers subscribe in one step; anonymous ones hand the choice to the
//! shop's cart through `cadence:add-to-cart`.
//!
//! This file holds the state ([`Choice`]) and puts the parts in page order; each part is
//! its own file: `plans.rs` (one-time or subscribe & save, frequency, quantity),
//! `usage.rs` (the usage question and its advice), `summary.rs` (price, saving, terms)
//! and `submit.rs` (subscribe or add to cart, and what happened).

mod plans;
mod submit;
mod summary;
mod usage;

use super::plan::PlanPreview;
use crate::config::Config;
use crate::data::Data;
use crate::i18n::{t, Locale, ProductKey};
use cadence_contract::{recommend_interval, CadenceAdvice, Interval, Money, PlanChoice, Product};
use leptos::prelude::*;

/// What the shopper has chosen so far, shared by the parts (every field is `Copy`).
#[derive(Clone, Copy)]
struct Choice {
    /// Whether the shopper chose one of the two ways to buy: neither is chosen on load,
    /// so nobody subscribes by leaving a default alone (issue 19 §2).
    chosen: RwSignal<bool>,
    subscribe: RwSignal<bool>,
    intervals: StoredValue<Vec<Interval>>,
    interval_index: RwSignal<usize>,
    quantity: RwSignal<u32>,
    usage: RwSignal<u32>,
    /// Once the shopper picks a frequency themselves, only a new usage answer re-suggests.
    picked_by_hand: RwSignal<bool>,
    has_usage: bool,
    units_per_pack: u32,
    units_per_use: u32,
}

impl Choice {
    fn new(product: &Product) -> Self {
        let offer = product.subscription.as_ref();
        let default_index = offer
            .and_then(|o| o.intervals.iter().position(|i| *i == o.default_interval))
            .unwrap_or(0);
        let question = product.usage.as_ref();
        let choice = Choice {
            // Without an offer there is one way to buy, and nothing to choose.
            chosen: RwSignal::new(offer.is_none()),
            subscribe: RwSignal::new(false),
            intervals: StoredValue::new(offer.map(|o| o.intervals.clone()).unwrap_or_default()),
            interval_index: RwSignal::new(default_index),
            quantity: RwSignal::new(1),
            usage: RwSignal::new(question.map_or(0, |q| q.default)),
            picked_by_hand: RwSignal::new(false),
            has_usage: question.is_some(),
            units_per_pack: product.units_per_pack.unwrap_or(0),
            units_per_use: question.map_or(1, |q| q.units_per_use),
        };
        if choice.has_usage {
            choice.follow_advice();
        }
        choice
    }

    /// True once the shopper chose to buy once: before any choice the frequency, usage
    /// and advice show, to help them choose. One closure type (it is `Copy`) for every
    /// "not when buying once" attribute: Leptos compiles its render code once per closure
    /// type, not once per use. It captures the signals it reads, not the whole `Choice`.
    fn buying_once(self) -> impl Fn() -> bool + Copy + 'static {
        let (chosen, subscribe) = (self.chosen, self.subscribe);
        move || chosen.get() && !subscribe.get()
    }

    /// The chosen frequency (tracked), whether or not subscribe & save is chosen.
    fn interval(self) -> Option<Interval> {
        self.intervals
            .with_value(|all| all.get(self.interval_index.get()).copied())
    }

    /// The shopper's usage suggests the allowed interval nearest to how long their packs
    /// last. Derived on each read, not a `Memo`: a memo's machinery is compiled in per
    /// value type (~3 KB of wasm), and this is a few multiplications.
    fn advice(self) -> Option<CadenceAdvice> {
        self.intervals.with_value(|all| {
            recommend_interval(
                self.units_per_pack,
                self.quantity.get(),
                self.usage.get(),
                self.units_per_use,
                all,
            )
        })
    }

    /// Pre-selects the advised frequency (when usage or quantity change).
    fn follow_advice(self) {
        if let Some(a) = untrack(move || self.advice()) {
            if let Some(i) = self
                .intervals
                .with_value(|all| all.iter().position(|iv| *iv == a.interval))
            {
                self.interval_index.set(i);
            }
        }
    }
}

/// The one-time price and, with an offer, the subscribe & save price, formatted for the
/// shopper's locale.
#[derive(Clone)]
struct Prices {
    one_time: Money,
    offer: Option<Money>,
    locale_tag: StoredValue<String>,
}

impl Prices {
    fn format(&self, m: &Money) -> String {
        crate::format::price(&self.locale_tag.read_value(), m)
    }

    /// What one delivery costs as chosen (tracked), formatted.
    fn per_delivery(&self, choice: Choice) -> String {
        let unit = match (choice.subscribe.get(), &self.offer) {
            (true, Some(p)) => p,
            _ => &self.one_time,
        };
        self.format(&unit.times(choice.quantity.get()))
    }
}

#[component]
#[allow(unreachable_pub, reason = "#[component] makes the props builder pub")]
pub(crate) fn PurchaseOptions(config: Config, data: Data, product: Product) -> impl IntoView {
    let locale: Locale = config.locale;
    let locale_tag = StoredValue::new(config.locale_tag.clone());
    let signed_in = config.customer_token.is_some();
    let data = StoredValue::new_local(data);
    let choice = Choice::new(&product);
    let prices = Prices {
        one_time: product.price.clone(),
        offer: product.subscription.as_ref().map(|o| o.price.clone()),
        locale_tag,
    };
    // The routine previews the deliveries at the advised cadence until the shopper
    // chooses to buy once.
    let plan = Signal::derive(move || PlanChoice {
        interval: choice
            .interval()
            .filter(|_| choice.subscribe.get() || !choice.chosen.get()),
        quantity: choice.quantity.get(),
    });
    let ics_url = {
        let sku = product.sku.clone();
        Signal::derive(move || {
            let c = plan.get();
            data.with_value(|d| d.api.plan_ics_url(&sku, c.interval, c.quantity))
        })
    };
    let feed = signed_in.then(|| data.with_value(|d| d.calendar_feed()));
    let outcome = submit::Outcome::new();
    let on_submit = submit::on_submit(
        choice,
        outcome,
        data,
        product.sku.clone(),
        signed_in,
        locale,
        locale_tag,
    );
    let options = plans::options(choice, &prices, &product, locale);
    let question = usage::question(choice, &product, locale);
    let no_offer_price = product
        .subscription
        .is_none()
        .then(|| summary::price(&prices));
    let adjust = plans::adjust(choice, &product.sku, locale);
    let totals = summary::totals(choice, prices, locale);
    let submit_row = submit::row(choice, outcome, signed_in, locale);
    let stored_product = StoredValue::new(product);
    view! {
        <form class="cad-purchase" on:submit=on_submit data-cadence="purchase">
            {options}
            {question}
            {no_offer_price}
            {adjust}
            {totals}
            {submit_row}
            <PlanPreview
                locale=locale
                locale_tag=locale_tag
                product=stored_product
                choice=plan
                ics_url=ics_url
            />
            {feed
                .map(|feed| {
                    view! {
                        {move || {
                            feed.get()
                                .map(|url| {
                                    view! {
                                        <a class="cad-link" data-cadence="calendar-feed" href=url>
                                            {t(locale, ProductKey::CalendarFeed)}
                                        </a>
                                    }
                                })
                        }}
                    }
                })}
        </form>
    }
}
