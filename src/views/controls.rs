//! Self-service controls: skip/unskip upcoming deliveries, quantity, frequency, swap,
//! reschedule and pause. Buttons are never `disabled` while a change is in flight (that
//! would drop keyboard focus); they say `aria-disabled` and the card ignores extra clicks.

use super::subscription::Card;
use crate::format;
use crate::i18n::{t, tf, AccountKey, Key};
use cadence_contract::{Date, SubscriptionChange, SubscriptionStatus, MAX_QUANTITY};
use leptos::prelude::*;

/// The next deliveries, each with its own skip / undo-skip toggle.
#[component]
#[allow(unreachable_pub, reason = "#[component] makes the props builder pub")]
pub(crate) fn Upcoming(card: Card) -> impl IntoView {
    let Card {
        sub,
        busy,
        request_change,
        locale,
        ..
    } = card;
    let heading = format!("cad-upcoming-{}", sub.with_untracked(|s| s.id.clone()));
    let labelled_by = heading.clone();
    view! {
        <section
            class="cad-upcoming"
            aria-labelledby=labelled_by
            hidden=move || sub.with(|s| s.upcoming.is_empty())
        >
            <h4 class="cad-subheading" id=heading>
                {t(locale, AccountKey::UpcomingDeliveries)}
            </h4>
            <ul class="cad-dates">
                // Keyed by position, not by date: a change of frequency, a reschedule or
                // "ship now" moves every date, and updating six rows' text in place costs
                // a fraction of building six new rows when the server's answer arrives.
                <For
                    each=move || 0..sub.with(|s| s.upcoming.len())
                    key=|row| *row
                    children=move |row: usize| {
                        let date = move || sub.with(|s| s.upcoming.get(row).map(|u| u.date));
                        let skipped = Memo::new(move |_| {
                            sub.with(|s| s.upcoming.get(row).is_some_and(|u| u.skipped))
                        });
                        let label = move || {
                            let key = if skipped.get() {
                                AccountKey::UnskipDeliveryOn
                            } else {
                                AccountKey::SkipDeliveryOn
                            };
                            tf(
                                locale,
                                key,
                                &[("date", &date().map(|d| card.date(d)).unwrap_or_default())],
                            )
                        };
                        view! {
                            <li
                                class="cad-date"
                                class:cad-skipped=move || skipped.get()
                                data-cadence="upcoming"
                                data-date=move || date().map(|d| d.to_string())
                            >
                                <span>{move || date().map(|d| card.date(d))}</span>
                                <span class="cad-muted" hidden=move || !skipped.get()>
                                    {t(locale, AccountKey::Skipped)}
                                </span>
                                {move || {
                                    sub.with(|s| {
                                            s.upcoming
                                                .get(row)
                                                .map(|u| u.extras.clone())
                                                .unwrap_or_default()
                                        })
                                        .into_iter()
                                        .map(|x| {
                                            view! {
                                                <span
                                                    class="cad-extra"
                                                    data-cadence="extra"
                                                    data-sku=x.sku.clone()
                                                >
                                                    {tf(
                                                        locale,
                                                        AccountKey::ExtraItem,
                                                        &[("name", &x.name), ("count", &x.quantity.to_string())],
                                                    )}
                                                </span>
                                            }
                                        })
                                        .collect_view()
                                }}
                                <button
                                    type="button"
                                    class="cad-link"
                                    part="button"
                                    aria-label=label
                                    aria-disabled=move || busy.get().to_string()
                                    on:click=move |_| {
                                        let Some(date) = untrack(date) else { return };
                                        request_change
                                            .run(
                                                if skipped.get_untracked() {
                                                    SubscriptionChange::Unskip { date }
                                                } else {
                                                    SubscriptionChange::Skip { date }
                                                },
                                            )
                                    }
                                >
                                    {move || t(
                                        locale,
                                        if skipped.get() {
                                            AccountKey::UnskipDelivery
                                        } else {
                                            AccountKey::SkipDelivery
                                        },
                                    )}
                                </button>
                            </li>
                        }
                    }
                />
            </ul>
        </section>
    }
}

/// Quantity stepper, frequency and swap pickers, and rescheduling the next delivery.
#[component]
#[allow(unreachable_pub, reason = "#[component] makes the props builder pub")]
pub(crate) fn Adjust(card: Card) -> impl IntoView {
    let Card {
        sub,
        busy,
        request_change,
        locale,
        ..
    } = card;
    let id = sub.with_untracked(|s| s.id.clone());
    let quantity = move || sub.with(|s| s.quantity);
    let set_quantity =
        move |q: u32| request_change.run(SubscriptionChange::SetQuantity { quantity: q });
    // The pickers' current DOM values are read on submit: a rollback re-renders them to
    // the server's state, so no copy of the choice can go stale.
    let interval_select = NodeRef::<leptos::html::Select>::new();
    let swap_select = NodeRef::<leptos::html::Select>::new();
    let reschedule_to = RwSignal::new(String::new());
    let tomorrow = format::today()
        .and_then(|d| d.add_days(1))
        .map(|d| d.to_string())
        .unwrap_or_default();
    let latest = format::today()
        .and_then(|d| d.add_days(90))
        .map(|d| d.to_string())
        .unwrap_or_default();
    let aria_busy = move || busy.get().to_string();
    view! {
        <div class="cad-adjust">
            <div class="cad-field" role="group" aria-label=t(locale, Key::Quantity)>
                <span class="cad-label" aria-hidden="true">
                    {t(locale, Key::Quantity)}
                </span>
                <button
                    type="button"
                    class="cad-icon-button"
                    part="button"
                    data-cadence="quantity-down"
                    aria-label=t(locale, AccountKey::DecreaseQuantity)
                    aria-disabled=aria_busy
                    on:click=move |_| {
                        if quantity() > 1 {
                            set_quantity(quantity() - 1)
                        }
                    }
                >
                    "−"
                </button>
                <output class="cad-quantity" aria-live="off">
                    {quantity}
                </output>
                <button
                    type="button"
                    class="cad-icon-button"
                    part="button"
                    data-cadence="quantity-up"
                    aria-label=t(locale, AccountKey::IncreaseQuantity)
                    aria-disabled=aria_busy
                    on:click=move |_| {
                        if quantity() < MAX_QUANTITY {
                            set_quantity(quantity() + 1)
                        }
                    }
                >
                    "+"
                </button>
            </div>
            <form
                class="cad-field"
                on:submit=move |ev| {
                    ev.prevent_default();
                    let index = interval_select
                        .get()
                        .and_then(|el| el.value().parse::<usize>().ok())
                        .unwrap_or(0);
                    if let Some(interval) = sub
                        .with_untracked(|s| s.allowed_intervals.get(index).copied())
                    {
                        request_change
                            .run(SubscriptionChange::SetInterval {
                                interval,
                            });
                    }
                }
            >
                <label class="cad-label" for=format!("cad-interval-{id}")>
                    {t(locale, AccountKey::Frequency)}
                </label>
                <select
                    id=format!("cad-interval-{id}")
                    data-cadence="interval-select"
                    node_ref=interval_select
                    prop:value=move || {
                        sub.with(|s| {
                            s.allowed_intervals
                                .iter()
                                .position(|i| *i == s.interval)
                                .unwrap_or(0)
                                .to_string()
                        })
                    }
                >
                    {move || {
                        sub.with(|s| s.allowed_intervals.clone())
                            .into_iter()
                            .enumerate()
                            .map(|(i, interval)| {
                                view! {
                                    <option value=i
                                        .to_string()>{format::interval(locale, interval)}</option>
                                }
                            })
                            .collect_view()
                    }}
                </select>
                <button
                    type="submit"
                    class="cad-button cad-secondary"
                    part="button"
                    aria-disabled=aria_busy
                >
                    {t(locale, AccountKey::ApplyFrequency)}
                </button>
            </form>
            <form
                class="cad-field"
                hidden=move || sub.with(|s| s.swap_options.is_empty())
                on:submit=move |ev| {
                    ev.prevent_default();
                    let sku = swap_select.get().map(|el| el.value()).unwrap_or_default();
                    if !sku.is_empty() {
                        request_change.run(SubscriptionChange::Swap { sku });
                    }
                }
            >
                <label class="cad-label" for=format!("cad-swap-{id}")>
                    {t(locale, AccountKey::SwapTo)}
                </label>
                <select id=format!("cad-swap-{id}") data-cadence="swap-select" node_ref=swap_select>
                    {move || {
                        sub.with(|s| s.swap_options.clone())
                            .into_iter()
                            .map(|o| {
                                let price = format::price(&card.locale_tag.read_value(), &o.price);
                                view! {
                                    <option value=o.sku>{format!("{} · {price}", o.name)}</option>
                                }
                            })
                            .collect_view()
                    }}
                </select>
                <button
                    type="submit"
                    class="cad-button cad-secondary"
                    part="button"
                    aria-disabled=aria_busy
                >
                    {t(locale, AccountKey::ApplySwap)}
                </button>
            </form>
            <form
                class="cad-field"
                hidden=move || sub.with(|s| s.status != SubscriptionStatus::Active)
                on:submit=move |ev| {
                    ev.prevent_default();
                    if let Ok(date) = reschedule_to.get_untracked().parse::<Date>() {
                        request_change
                            .run(SubscriptionChange::Reschedule {
                                date,
                            });
                    }
                }
            >
                <label class="cad-label" for=format!("cad-reschedule-{id}")>
                    {t(locale, AccountKey::NewDate)}
                </label>
                <input
                    type="date"
                    id=format!("cad-reschedule-{id}")
                    data-cadence="reschedule-date"
                    required=true
                    min=tomorrow
                    max=latest
                    on:input=move |ev| reschedule_to.set(event_target_value(&ev))
                />
                <button
                    type="submit"
                    class="cad-button cad-secondary"
                    part="button"
                    aria-disabled=aria_busy
                >
                    {t(locale, AccountKey::ConfirmReschedule)}
                </button>
            </form>
        </div>
    }
}

/// "Pause" opens a small choice: until I resume, for 1–3 deliveries, or until a date.
/// When paused, the same place offers "Resume".
#[component]
#[allow(unreachable_pub, reason = "#[component] makes the props builder pub")]
pub(crate) fn PausePanel(card: Card) -> impl IntoView {
    let Card {
        sub,
        busy,
        request_change,
        locale,
        ..
    } = card;
    let open = RwSignal::new(false);
    let choice = RwSignal::new("open".to_owned());
    let until = RwSignal::new(String::new());
    let paused = Memo::new(move |_| sub.with(|s| s.status == SubscriptionStatus::Paused));
    let id = sub.with_untracked(|s| s.id.clone());
    let panel_id = format!("cad-pause-{id}");
    let controls = panel_id.clone();
    let name = format!("cad-pause-choice-{id}");
    let tomorrow = format::today()
        .and_then(|d| d.add_days(1))
        .map(|d| d.to_string())
        .unwrap_or_default();
    let max = move || sub.with(|s| s.max_pause_until.map(|d| d.to_string()).unwrap_or_default());
    let options = [
        ("open", t(locale, AccountKey::PauseOpenEnded).to_owned()),
        ("1", t(locale, AccountKey::PauseForOne).to_owned()),
    ]
    .into_iter()
    .chain((2..=3).map(|n| {
        let n: &'static str = if n == 2 { "2" } else { "3" };
        (n, tf(locale, AccountKey::PauseForMany, &[("count", n)]))
    }))
    .chain([("date", t(locale, AccountKey::PauseUntilDate).to_owned())]);
    let radios = options
        .map(|(value, label)| {
            let name = name.clone();
            view! {
                <label class="cad-choice">
                    <input
                        type="radio"
                        name=name
                        value=value
                        prop:checked=move || choice.get() == value
                        on:change=move |_| choice.set(value.to_owned())
                    />
                    {label}
                </label>
            }
        })
        .collect_view();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let change = match choice.get_untracked().as_str() {
            "open" => Some(SubscriptionChange::Pause),
            "date" => until
                .get_untracked()
                .parse()
                .ok()
                .map(|date| SubscriptionChange::PauseUntil { date }),
            n => n
                .parse()
                .ok()
                .map(|deliveries| SubscriptionChange::PauseFor { deliveries }),
        };
        if let Some(change) = change {
            open.set(false);
            request_change.run(change);
        }
    };
    view! {
        <button
            type="button"
            class="cad-button"
            part="button"
            data-cadence="resume"
            hidden=move || !paused.get()
            aria-disabled=move || busy.get().to_string()
            on:click=move |_| request_change.run(SubscriptionChange::Resume)
        >
            {t(locale, AccountKey::Resume)}
        </button>
        <button
            type="button"
            class="cad-button cad-secondary"
            part="button"
            data-cadence="pause"
            hidden=move || paused.get()
            aria-expanded=move || open.get().to_string()
            aria-controls=controls
            on:click=move |_| open.update(|o| *o = !*o)
        >
            {t(locale, AccountKey::Pause)}
        </button>
        <form
            class="cad-panel"
            id=panel_id
            hidden=move || !open.get() || paused.get()
            on:submit=submit
        >
            <fieldset>
                <legend>{t(locale, AccountKey::PauseHowLong)}</legend>
                {radios}
                <label class="cad-choice" hidden=move || choice.get() != "date">
                    {t(locale, AccountKey::PauseDate)}
                    " "
                    <input
                        type="date"
                        data-cadence="pause-date"
                        min=tomorrow
                        max=max
                        required=move || choice.get() == "date"
                        on:input=move |ev| until.set(event_target_value(&ev))
                    />
                </label>
            </fieldset>
            <button
                type="submit"
                class="cad-button"
                part="button"
                data-cadence="confirm-pause"
                aria-disabled=move || busy.get().to_string()
            >
                {t(locale, AccountKey::ConfirmPause)}
            </button>
        </form>
    }
}
