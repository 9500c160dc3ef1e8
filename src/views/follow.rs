//! "Remind me" on a machine's product page: the owner asks to hear when its maintenance
//! falls due, subscribed or not. Signed in, a toggle (`aria-pressed`) that turns the
//! reminders of all the machine's tasks on or off, shown at once and rolled back with the
//! reason when the server does not record it. Not signed in, an e-mail address: the
//! server sends a link to confirm (double opt-in) and nothing happens without it.
//!
//! Closed by default (a disclosure), so the product page keeps its height on load. One
//! `send` for both forms, and the address kept as the field's text: a `NodeRef`, boxed
//! callbacks and a second view type had cost ~1 KB of the product module each.

use crate::data::Data;
use crate::i18n::{t, tf, Locale, ProductKey};
use leptos::prelude::*;
use leptos::task::spawn_local;

pub(crate) fn follow(
    locale: Locale,
    data: StoredValue<Data, LocalStorage>,
    sku: String,
    signed_in: bool,
    reminded: bool,
) -> impl IntoView {
    let status_text = RwSignal::new(String::new());
    let alert_text = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let reminded = RwSignal::new(reminded);
    let address = RwSignal::new(String::new());
    let sku = StoredValue::new(sku);
    let on_send = move |ev: leptos::ev::SubmitEvent| {
        // The widget's own form: the host page never sees it submit.
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let wanted = !reminded.get_untracked();
        let (body, done) = if signed_in {
            reminded.set(wanted);
            let key = if wanted {
                ProductKey::FollowOn
            } else {
                ProductKey::FollowOff
            };
            (
                format!(r#"{{"remind":{wanted}}}"#),
                t(locale, key).to_owned(),
            )
        } else {
            let email = address.get_untracked();
            // JSON.stringify of the string itself: its quotes and escapes.
            let quoted = js_sys::JSON::stringify(&email.as_str().into())
                .ok()
                .and_then(|s| s.as_string())
                .unwrap_or_default();
            (
                format!(r#"{{"email":{quoted}}}"#),
                tf(locale, ProductKey::FollowCheckInbox, &[("email", &email)]),
            )
        };
        busy.set(true);
        alert_text.set(String::new());
        let data = data.get_value();
        spawn_local(async move {
            match data.remind_machine(&sku.get_value(), body).await {
                Ok(()) => status_text.set(done),
                Err(error) => {
                    if signed_in {
                        reminded.set(!wanted);
                    }
                    status_text.set(String::new());
                    alert_text.set(t(locale, super::error_key(&error)).to_owned());
                }
            }
            busy.set(false);
        });
    };
    view! {
        <details class="cad-plan" data-cadence="follow">
            <summary>
                <span class="cad-subheading">{t(locale, ProductKey::FollowTitle)}</span>
            </summary>
            <form class="cad-field" data-cadence="follow-form" on:submit=on_send>
                {(!signed_in)
                    .then(|| {
                        view! {
                            <label for="cad-follow-email">
                                {t(locale, ProductKey::FollowEmail)}
                            </label>
                            <input
                                id="cad-follow-email"
                                type="email"
                                name="email"
                                autocomplete="email"
                                required
                                on:input=move |ev| address.set(event_target_value(&ev))
                            />
                        }
                    })}
                <button
                    type="submit"
                    class="cad-button cad-secondary"
                    part="button"
                    data-cadence="follow-send"
                    aria-pressed=signed_in.then_some(move || reminded.get().to_string())
                    aria-disabled=move || busy.get().to_string()
                >
                    {t(
                        locale,
                        if signed_in { ProductKey::FollowToggle } else { ProductKey::FollowSend },
                    )}
                </button>
            </form>
            <p class="cad-live" role="status" data-cadence="follow-announce">
                {move || status_text.get()}
            </p>
            <p class="cad-error" part="error" role="alert" data-cadence="follow-alert">
                {move || alert_text.get()}
            </p>
        </details>
    }
}
