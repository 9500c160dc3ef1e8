//! Recommendations: a short ranked list, each with the reason in plain words, a price and
//! one action. Loaded on its own, so when it fails the rest of the widget still works;
//! impressions, clicks and actions are reported (batched, never blocking) and echoed as
//! `cadence:recommendation` DOM events.

use super::subscription::Card;
use crate::config::Config;
use crate::data::{Data, RecoContext as Context};
use crate::events;
use crate::format;
use crate::i18n::{t, tf, Key, Locale};
use cadence_contract::{
    ChangeRequest, ReasonCode, Recommendation, RecommendationAction, RecommendationSource,
    SubscriptionChange, UiEventKind,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
#[allow(unreachable_pub, reason = "#[component] makes the props builder pub")]
pub(crate) fn Recommendations(
    config: Config,
    data: Data,
    context: Context,
    /// The account's subscription cards, for "add to next delivery".
    #[prop(optional)]
    cards: Option<StoredValue<Vec<Card>>>,
) -> impl IntoView {
    let locale = config.locale;
    let locale_tag = StoredValue::new(config.locale_tag.clone());
    let signed_in = config.customer_token.is_some();
    let list = data.recommendations(context.clone());
    let data = StoredValue::new_local(data);
    let context = StoredValue::new(context);
    let status_text = RwSignal::new(String::new());
    let title = if signed_in {
        Key::RecommendedForYou
    } else {
        Key::GoesWellWith
    };
    move || {
        let items = list.get();
        if items.is_empty() {
            return None; // loading, failed (already reported) or nothing to suggest
        }
        let ctx = context.get_value();
        // On the product page the list is a closed disclosure: it is seen when opened.
        let collapsed = matches!(ctx, Context::Product(_));
        let shown = StoredValue::new(items.clone());
        let seen = move || {
            let ctx = context.get_value();
            shown.with_value(|items| {
                for item in items {
                    data.with_value(|d| d.track(UiEventKind::Impression, item, None, &ctx));
                }
            });
        };
        if !collapsed {
            seen();
        }
        let count = items.len();
        let rows = items
            .into_iter()
            .map(|item| {
                let reason = reason_text(locale, &locale_tag.read_value(), &item);
                let price = format::price(&locale_tag.read_value(), &item.price);
                // The card whose next delivery an "add to next delivery" goes to.
                let card = cards.and_then(|c| {
                    c.with_value(|cards| {
                        cards.iter().copied().find(|card| {
                            card.sub
                                .with_untracked(|s| Some(&s.id) == item.subscription_id.as_ref())
                        })
                    })
                });
                let action = item.actions.iter().copied().find(|a| match a {
                    RecommendationAction::AddToNextDelivery => card.is_some(),
                    // The server names the cadence with every Subscribe it offers.
                    RecommendationAction::Subscribe => {
                        signed_in && item.subscribe_interval.is_some()
                    }
                    RecommendationAction::AddToCart => true,
                    RecommendationAction::Unknown => false,
                });
                // Once in the delivery (as the card shows it, so a rollback brings the
                // button back), the row says so instead of offering to add it again.
                let sku = item.sku.clone();
                let added = move || {
                    action == Some(RecommendationAction::AddToNextDelivery)
                        && card.is_some_and(|c| {
                            c.sub.with(|s| {
                                s.upcoming
                                    .iter()
                                    .any(|u| u.extras.iter().any(|x| x.sku == sku))
                            })
                        })
                };
                let busy = move || card.is_some_and(|c| c.busy.get());
                let item = StoredValue::new(item);
                let on_click = move |_| {
                    let Some(action) = action else { return };
                    if busy() {
                        return;
                    }
                    let item = item.get_value();
                    let ctx = context.get_value();
                    // The press is a click; a conversion is the server's to count when it
                    // accepts the action (the request says which recommendation it was).
                    data.with_value(|d| d.track(UiEventKind::Click, &item, Some(action), &ctx));
                    run_action(action, &item, &ctx, card, data, status_text, locale);
                    data.with_value(|d| d.track(UiEventKind::Action, &item, Some(action), &ctx));
                };
                view! {
                    // One reactive class switches between the action and "in your next
                    // delivery" (each reactive attribute costs wasm size).
                    <li
                        class="cad-reco"
                        class:cad-reco-done=added
                        data-cadence="recommendation"
                        data-sku=item.with_value(|i| i.sku.clone())
                        data-reason=item.with_value(|i| i.reason.as_str())
                    >
                        <div>
                            <p class="cad-reco-name">
                                {item.with_value(|i| i.name.clone())}" · "
                                <span class="cad-price">{price}</span>
                            </p>
                            <p class="cad-muted cad-reco-reason">{reason}</p>
                        </div>
                        {action
                            .map(|a| {
                                view! {
                                    <p class="cad-muted cad-reco-added" data-cadence="reco-added">
                                        {t(locale, Key::InNextDelivery)}
                                    </p>
                                    <button
                                        type="button"
                                        class="cad-button cad-secondary"
                                        part="button"
                                        data-cadence="reco-action"
                                        data-action=a.as_str()
                                        on:click=on_click
                                    >
                                        {t(locale, action_label(a))}
                                    </button>
                                }
                            })}
                    </li>
                }
            })
            .collect_view();
        // On the product page the disclosure starts closed, so the product card stays
        // within its reserved height when the list arrives (opening it is the shopper's
        // doing, not a layout shift); in the account it starts open.
        let opened = StoredValue::new(!collapsed);
        Some(view! {
            <details
                class="cad-recos"
                data-cadence="recommendations"
                open=!collapsed
                on:toggle=move |_| {
                    if !opened.get_value() {
                        opened.set_value(true);
                        seen();
                    }
                }
            >
                <summary data-cadence="recos-toggle">
                    <span class="cad-subheading" id="cad-recos-title">
                        {t(locale, title)}
                    </span>
                    <span class="cad-muted">"(" {count} ")"</span>
                </summary>
                <ul class="cad-reco-list" aria-labelledby="cad-recos-title">
                    {rows}
                </ul>
                <p class="cad-live" role="status">
                    {move || status_text.get()}
                </p>
            </details>
        })
    }
}

fn run_action(
    action: RecommendationAction,
    item: &Recommendation,
    context: &Context,
    card: Option<Card>,
    data: StoredValue<Data, LocalStorage>,
    status_text: RwSignal<String>,
    locale: Locale,
) {
    let source = RecommendationSource {
        reason: item.reason,
        context: context.name().to_owned(),
    };
    match action {
        RecommendationAction::AddToNextDelivery => {
            // The card announces the result and rolls back on failure.
            if let Some(card) = card {
                card.request.run(ChangeRequest {
                    change: SubscriptionChange::AddOnce {
                        sku: item.sku.clone(),
                        quantity: 1,
                    },
                    via: None,
                    recommendation: Some(source),
                });
            }
        }
        RecommendationAction::Subscribe => {
            let (data, sku) = (data.get_value(), item.sku.clone());
            let Some(interval) = item.subscribe_interval else {
                return; // never offered without one (see the action filter above)
            };
            spawn_local(async move {
                let text = match data.subscribe_at(&sku, interval, source).await {
                    Ok(_) => t(locale, Key::RecoSubscribed),
                    Err(_) => t(locale, Key::SubscribeFailed),
                };
                status_text.set(text.to_owned());
            });
        }
        RecommendationAction::AddToCart | RecommendationAction::Unknown => {
            data.with_value(|d| {
                events::emit_add_to_cart(&d.host, &item.sku, 1, None, Some("recommendation"))
            });
            status_text.set(t(locale, Key::AddedToCart).to_owned());
        }
    }
}

/// The reason, in the shopper's words.
fn reason_text(locale: Locale, locale_tag: &str, item: &Recommendation) -> String {
    let model = item.owned_model.clone().unwrap_or_default();
    match item.reason {
        ReasonCode::DueSoon => match item.due_on {
            Some(d) if !model.is_empty() => tf(
                locale,
                Key::ReasonDueSoonModel,
                &[("model", &model), ("date", &format::date(locale_tag, d))],
            ),
            Some(d) => tf(
                locale,
                Key::ReasonDueSoon,
                &[("date", &format::date(locale_tag, d))],
            ),
            None => t(locale, Key::ReasonGeneric).to_owned(),
        },
        ReasonCode::FitsWhatYouOwn if !model.is_empty() => {
            tf(locale, Key::ReasonFits, &[("model", &model)])
        }
        // On a machine's page for someone who did not say they own it.
        ReasonCode::FitsWhatYouOwn => match &item.because_of {
            Some(p) => tf(locale, Key::ReasonFitsThis, &[("product", p)]),
            None => t(locale, Key::ReasonGeneric).to_owned(),
        },
        ReasonCode::BoughtTogether => match &item.because_of {
            Some(p) => tf(locale, Key::ReasonBoughtWith, &[("product", p)]),
            None => t(locale, Key::ReasonGeneric).to_owned(),
        },
        ReasonCode::BetterValue => match &item.saving {
            Some(s) => tf(
                locale,
                Key::ReasonSaves,
                &[("amount", &format::price(locale_tag, s))],
            ),
            None => t(locale, Key::ReasonGeneric).to_owned(),
        },
        ReasonCode::Unknown => t(locale, Key::ReasonGeneric).to_owned(),
    }
}

fn action_label(action: RecommendationAction) -> Key {
    match action {
        RecommendationAction::AddToNextDelivery => Key::AddToNextDelivery,
        RecommendationAction::Subscribe => Key::Subscribe,
        _ => Key::AddToCart,
    }
}
