//! Cancel in at most two activations: "Cancel subscription" opens one inline confirmation
//! that says what ends and when, with the confirm button right there. An optional reason
//! (never pre-selected, never required) and one offer (pause instead) sit on the same
//! panel — no extra steps, no shaming copy.

use super::subscription::Card;
use crate::i18n::{t, tf, AccountKey};
use cadence_contract::{CancelReason, SubscriptionChange};
use leptos::prelude::*;

#[component]
#[allow(unreachable_pub, reason = "#[component] makes the props builder pub")]
pub(crate) fn CancelPanel(card: Card) -> impl IntoView {
    let Card {
        sub,
        busy,
        request_change,
        locale,
        ..
    } = card;
    let open = RwSignal::new(false);
    let reason_select = NodeRef::<leptos::html::Select>::new();
    let opener = NodeRef::<leptos::html::Button>::new();
    let title = NodeRef::<leptos::html::H4>::new();
    let id = sub.with_untracked(|s| s.id.clone());
    let (panel_id, title_id) = (format!("cad-cancel-{id}"), format!("cad-cancel-title-{id}"));
    let (controls, labelled_by) = (panel_id.clone(), title_id.clone());
    let close = move || {
        open.set(false);
        if let Some(button) = opener.get() {
            let _ = button.focus();
        }
    };
    Effect::new(move |_| {
        if open.get() {
            if let Some(title) = title.get() {
                let _ = title.focus(); // screen readers hear the question first
            }
        }
    });
    // The option values are the reasons' wire names (the contract's table), read back
    // with `from_wire`; "" (no reason) reads as none.
    let reasons = [
        (CancelReason::TooMuchProduct, AccountKey::ReasonTooMuch),
        (CancelReason::TooExpensive, AccountKey::ReasonTooExpensive),
        (CancelReason::NoLongerNeeded, AccountKey::ReasonNotNeeded),
        (
            CancelReason::TryingSomethingElse,
            AccountKey::ReasonSomethingElse,
        ),
        (CancelReason::Other, AccountKey::ReasonOther),
    ];
    let confirm = move |_| {
        let reason = reason_select
            .get()
            .map(|el| el.value())
            .and_then(|v| CancelReason::from_wire(&v));
        open.set(false);
        request_change.run(SubscriptionChange::Cancel { reason });
    };
    let pause_instead = move |_| {
        open.set(false);
        card.request_change_instead_of_cancel
            .run(SubscriptionChange::PauseFor { deliveries: 1 });
    };
    view! {
        <button
            type="button"
            class="cad-button cad-danger-link"
            part="button"
            data-cadence="cancel"
            node_ref=opener
            aria-expanded=move || open.get().to_string()
            aria-controls=controls
            on:click=move |_| open.update(|o| *o = !*o)
        >
            {t(locale, AccountKey::Cancel)}
        </button>
        <div
            class="cad-panel"
            id=panel_id
            role="group"
            aria-labelledby=labelled_by
            hidden=move || !open.get()
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    close()
                }
            }
        >
            <h4 class="cad-subheading" id=title_id tabindex="-1" node_ref=title>
                {move || tf(
                    locale,
                    AccountKey::CancelTitle,
                    &[("product", &sub.with(|s| s.product_name.clone()))],
                )}
            </h4>
            <p>{t(locale, AccountKey::CancelWhatEnds)}</p>
            <label class="cad-label" for=format!("cad-reason-{id}")>
                {t(locale, AccountKey::CancelReason)}
            </label>
            <select
                id=format!("cad-reason-{id}")
                data-cadence="cancel-reason"
                node_ref=reason_select
            >
                <option value="" selected=true>
                    {t(locale, AccountKey::ReasonNone)}
                </option>
                {reasons
                    .map(|(reason, key)| {
                        view! { <option value=reason.as_str()>{t(locale, key)}</option> }
                    })
                    .collect_view()}
            </select>
            <div class="cad-actions">
                <button
                    type="button"
                    class="cad-button cad-danger"
                    part="button"
                    data-cadence="confirm-cancel"
                    aria-disabled=move || busy.get().to_string()
                    on:click=confirm
                >
                    {t(locale, AccountKey::ConfirmCancel)}
                </button>
                <button
                    type="button"
                    class="cad-button cad-secondary"
                    part="button"
                    data-cadence="keep"
                    on:click=move |_| close()
                >
                    {t(locale, AccountKey::KeepSubscription)}
                </button>
                <button
                    type="button"
                    class="cad-link"
                    part="button"
                    data-cadence="pause-instead"
                    hidden=move || {
                        sub.with(|s| s.status != cadence_contract::SubscriptionStatus::Active)
                    }
                    on:click=pause_instead
                >
                    {t(locale, AccountKey::PauseInstead)}
                </button>
            </div>
        </div>
    }
}
