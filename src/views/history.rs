//! "Recent changes": the subscription's audit history, loaded when the shopper opens it
//! and reloaded after each change they make.

use super::subscription::{status_label, Card};
use crate::data::Data;
use crate::format;
use crate::i18n::{t, AccountKey, Key, Locale};
use cadence_contract::{ChangeRecord, SubscriptionSnapshot};
use leptos::prelude::*;

#[component]
#[allow(unreachable_pub, reason = "#[component] makes the props builder pub")]
pub(crate) fn History(card: Card, data: StoredValue<Data, LocalStorage>) -> impl IntoView {
    let Card { sub, locale, .. } = card;
    let open = RwSignal::new(false);
    let id = sub.with_untracked(|s| s.id.clone());
    let version = Memo::new(move |_| sub.with(|s| s.version));
    view! {
        <details
            class="cad-history"
            on:toggle=move |ev| {
                use wasm_bindgen::JsCast;
                let details = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok());
                open.set(details.is_some_and(|d| d.open()));
            }
        >
            <summary data-cadence="history-toggle">{t(locale, AccountKey::RecentChanges)}</summary>
            {move || {
                let _ = version.get();
                open.get()
                    .then(|| {
                        let records = data.with_value(|d| d.history(id.clone()));
                        move || match records.get() {
                            None => {
                                view! { <p class="cad-muted">{t(locale, Key::Loading)}</p> }
                                    .into_any()
                            }
                            Some(Err(error)) => {
                                view! { <p>{t(locale, super::error_key(&error))}</p> }.into_any()
                            }
                            Some(Ok(list)) if list.is_empty() => {
                                view! {
                                    <p class="cad-muted">{t(locale, AccountKey::NoChanges)}</p>
                                }
                                    .into_any()
                            }
                            Some(Ok(list)) => {
                                view! {
                                    <ol class="cad-history-list" data-cadence="history">
                                        {list.into_iter().map(|r| record(card, r)).collect_view()}
                                    </ol>
                                }
                                    .into_any()
                            }
                        }
                    })
            }}
        </details>
    }
}

fn record(card: Card, r: ChangeRecord) -> impl IntoView {
    let locale = card.locale;
    let what = action_text(locale, &r.action);
    let when =
        r.at.get(..10)
            .and_then(|d| d.parse().ok())
            .map(|d| card.date(d))
            .unwrap_or(r.at.clone());
    view! {
        <li data-cadence="history-item" data-action=r.action.clone()>
            <span class="cad-history-what">{what}</span>
            " · "
            <span class="cad-muted">{when}</span>
            <span class="cad-history-after">{summary(card, &r.after)}</span>
        </li>
    }
}

fn summary(card: Card, s: &SubscriptionSnapshot) -> String {
    let locale = card.locale;
    let next = s
        .next_delivery
        .map(|d| {
            format!(
                " · {} {}",
                t(locale, AccountKey::NextDelivery),
                card.date(d)
            )
        })
        .unwrap_or_default();
    format!(
        " — {} · {} × {} · {}{next}",
        status_label(locale, s.status),
        t(locale, Key::Quantity),
        s.quantity,
        format::interval(locale, s.interval)
    )
}

/// The words for an audit action: the label of the control that makes it.
fn action_text(locale: Locale, action: &str) -> &'static str {
    // One `t` for the account's keys rather than one per arm: each call inlines the
    // three-language lookup (measured: +0.2 KB brotli). Two actions use shared keys.
    let key = match action {
        "create" => AccountKey::HistoryCreate,
        "skip" => AccountKey::SkipDelivery,
        "unskip" => AccountKey::UnskipDelivery,
        "pause" | "pause_for" | "pause_until" => AccountKey::Pause,
        "resume" => AccountKey::Resume,
        "reschedule" => AccountKey::Reschedule,
        "ship_now" => AccountKey::ShipNow,
        "set_interval" => AccountKey::ApplyFrequency,
        "set_quantity" => return t(locale, Key::Quantity),
        "swap" => AccountKey::ApplySwap,
        "cancel" => AccountKey::Cancel,
        "reactivate" => AccountKey::Reactivate,
        "add_once" => return t(locale, Key::AddToNextDelivery),
        _ => AccountKey::HistoryChange,
    };
    t(locale, key)
}
