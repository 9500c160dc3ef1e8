//! The submit row of the purchase options: a signed-in shopper who chose subscribe & save
//! subscribes in one request; anyone else hands the choice to the shop's cart
//! (`cadence:add-to-cart`). Then what happened, announced.

use super::Choice;
use crate::data::Data;
use crate::events;
use crate::format;
use crate::i18n::{t, tf, Key, Locale, ProductKey};
use crate::id::idempotency_key;
use cadence_contract::NewSubscription;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// A submission's state: in flight, and what to announce (politely, or as an alert).
#[derive(Clone, Copy)]
pub(super) struct Outcome {
    busy: RwSignal<bool>,
    status_text: RwSignal<String>,
    alert_text: RwSignal<String>,
    /// One key per intent: a double click or a retry re-sends it, so one subscription.
    intent: StoredValue<String>,
}

impl Outcome {
    pub(super) fn new() -> Self {
        Outcome {
            busy: RwSignal::new(false),
            status_text: RwSignal::new(String::new()),
            alert_text: RwSignal::new(String::new()),
            intent: StoredValue::new(idempotency_key()),
        }
    }
}

/// The form's submit handler.
pub(super) fn on_submit(
    choice: Choice,
    outcome: Outcome,
    data: StoredValue<Data, LocalStorage>,
    sku: String,
    signed_in: bool,
    locale: Locale,
    locale_tag: StoredValue<String>,
) -> impl Fn(leptos::ev::SubmitEvent) + 'static {
    let Outcome {
        busy,
        status_text,
        alert_text,
        intent,
    } = outcome;
    move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        // Nothing was pre-selected: the shopper says which, before anything is bought.
        if !choice.chosen.get_untracked() {
            status_text.set(String::new());
            alert_text.set(t(locale, ProductKey::ChooseHowToBuy).to_owned());
            return;
        }
        let (qty, plan) = (
            choice.quantity.get_untracked(),
            choice
                .interval()
                .filter(|_| choice.subscribe.get_untracked()),
        );
        alert_text.set(String::new());
        match (plan, signed_in) {
            (Some(interval), true) => {
                busy.set(true);
                let new = NewSubscription {
                    sku: sku.clone(),
                    quantity: qty,
                    interval,
                    recommendation: None,
                };
                let (data, key) = (data.get_value(), intent.get_value());
                spawn_local(async move {
                    match data.subscribe(&new, &key).await {
                        Ok(created) => {
                            intent.set_value(idempotency_key()); // the next subscribe is a new intent
                            let date = created
                                .next_delivery
                                .map(|d| format::date(&locale_tag.read_value(), d));
                            status_text.set(tf(
                                locale,
                                ProductKey::Subscribed,
                                &[("date", &date.unwrap_or_default())],
                            ));
                        }
                        Err(error) => alert_text.set(format!(
                            "{} {}",
                            t(locale, Key::SubscribeFailed),
                            t(locale, crate::views::error_key(&error))
                        )),
                    }
                    busy.set(false);
                });
            }
            (plan, _) => {
                data.with_value(|d| events::emit_add_to_cart(&d.host, &sku, qty, plan, None));
                status_text.set(t(locale, Key::AddedToCart).to_owned());
            }
        }
    }
}

/// The button (its words follow the choice), and the announcements.
pub(super) fn row(
    choice: Choice,
    outcome: Outcome,
    signed_in: bool,
    locale: Locale,
) -> impl IntoView {
    let Outcome {
        busy,
        status_text,
        alert_text,
        ..
    } = outcome;
    let subscribe = choice.subscribe;
    view! {
        <button
            type="submit"
            class="cad-button"
            part="button"
            data-cadence="purchase-submit"
            aria-disabled=move || busy.get().to_string()
        >
            {move || t(
                locale,
                if subscribe.get() && signed_in { Key::Subscribe } else { Key::AddToCart },
            )}
        </button>
        <p class="cad-live" role="status" data-cadence="announce">
            {move || status_text.get()}
        </p>
        <p class="cad-error" part="error" role="alert" data-cadence="alert">
            {move || alert_text.get()}
        </p>
    }
}
