//! The routine plan preview on the product page: how often the shopper will need this at
//! their usage, the deliveries and maintenance steps of the coming months, and what it
//! costs per month — computed in the browser with the contract's own rules, so every
//! change of usage, frequency or quantity updates it at once without a round trip.

use crate::format;
use crate::i18n::{t, tf, Locale, ProductKey};
use cadence_contract::{build_plan, PlanChoice, PlanEventKind, Product};
use leptos::prelude::*;

/// How many months the preview shows.
pub(crate) const PREVIEW_MONTHS: u32 = 6;
/// How many plan lines the preview lists before "and more in your calendar".
pub(crate) const PREVIEW_EVENTS: usize = 8;

#[component]
#[allow(unreachable_pub, reason = "#[component] makes the props builder pub")]
pub(crate) fn PlanPreview(
    locale: Locale,
    locale_tag: StoredValue<String>,
    product: StoredValue<Product>,
    choice: Signal<PlanChoice>,
    ics_url: Signal<String>,
) -> impl IntoView {
    // Derived, not a `Memo` (whose machinery is compiled in per value type, ~3 KB of
    // wasm): its three readers each build the plan, a few dozen dates, on a change.
    let plan = move || {
        let today = format::today()?;
        Some(product.with_value(|p| build_plan(p, &choice.get(), today, PREVIEW_MONTHS)))
    };
    let owned = product.with_value(|p| p.ownership.clone()).map(|o| {
        tf(
            locale,
            ProductKey::OwnedNote,
            &[
                ("model", &o.model_name),
                (
                    "date",
                    &format::date(&locale_tag.read_value(), o.purchased_on),
                ),
            ],
        )
    });
    let heading = format!("cad-plan-{}", product.with_value(|p| p.sku.clone()));
    // The timeline is the largest part of the product view's first render, and hidden
    // until the shopper opens the plan: built a task later, the first render of a cold
    // visit had a task over 50 ms in 2 of 16 loads instead of 7 of 16.
    let timeline_ready = super::after_this_task();
    view! {
        // A disclosure: the summary already tells the monthly cost; the timeline opens on
        // request, so the product page stays short and nothing below it moves on load.
        <details
            class="cad-plan"
            data-cadence="plan"
            hidden=move || plan().is_none_or(|p| p.events.is_empty())
        >
            <summary data-cadence="plan-toggle">
                <span class="cad-subheading" id=heading>
                    {t(locale, ProductKey::PlanTitle)}
                </span>
                " · "
                <span data-cadence="monthly-cost">
                    {move || {
                        plan()
                            .map(|p| tf(
                                locale,
                                ProductKey::MonthlyCost,
                                &[
                                    (
                                        "price",
                                        &format::price(&locale_tag.read_value(), &p.monthly_cost),
                                    ),
                                ],
                            ))
                    }}
                </span>
            </summary>
            {owned
                .map(|note| {
                    view! {
                        <p class="cad-muted" data-cadence="owned">
                            {note}
                        </p>
                    }
                })}
            <ol class="cad-timeline">
                {move || {
                    plan()
                        .filter(|_| timeline_ready.get())
                        .map(|p| {
                            p.events
                                .into_iter()
                                .take(PREVIEW_EVENTS)
                                .map(|e| {
                                    let date = format::date(&locale_tag.read_value(), e.date);
                                    let cost = e
                                        .cost
                                        .map(|c| format::price(&locale_tag.read_value(), &c));
                                    let kind = match e.kind {
                                        PlanEventKind::Maintenance => {
                                            "cad-event cad-event-maintenance"
                                        }
                                        _ => "cad-event cad-event-delivery",
                                    };
                                    view! {
                                        <li
                                            class=kind
                                            data-cadence="plan-event"
                                            data-kind=if matches!(e.kind, PlanEventKind::Maintenance) {
                                                "maintenance"
                                            } else {
                                                "delivery"
                                            }
                                        >
                                            <span class="cad-event-date">{date}</span>
                                            <span class="cad-event-title">{e.title}</span>
                                            {cost.map(|c| view! { <span class="cad-muted">{c}</span> })}
                                            {e
                                                .guide_url
                                                .map(|url| {
                                                    view! {
                                                        <a class="cad-link" href=url target="_blank" rel="noopener">
                                                            {t(locale, ProductKey::Guide)}
                                                        </a>
                                                    }
                                                })}
                                        </li>
                                    }
                                })
                                .collect_view()
                        })
                }}
            </ol>
            <a class="cad-link" data-cadence="ics" href=move || ics_url.get() download="">
                {t(locale, ProductKey::AddToCalendar)}
            </a>
        </details>
    }
}
