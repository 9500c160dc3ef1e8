//! One subscription in the account view: its facts, and every self-service control,
//! with optimistic updates that roll back visibly when the server says no.

use super::cancel::CancelPanel;
use super::controls::{Adjust, PausePanel, Upcoming};
use super::history::History;
use crate::api::ApiError;
use crate::config::Config;
use crate::data::Data;
use crate::format;
use crate::i18n::{t, tf, AccountKey, Key, Locale};
use crate::predict;
use cadence_contract::{
    ChangeRequest, ChangeVia, Subscription, SubscriptionChange, SubscriptionStatus,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// What the card's controls share: the subscription as shown, whether a change is in
/// flight, how to ask for one, and what the card last said (status and alert).
#[derive(Clone, Copy)]
pub(crate) struct Card {
    pub sub: RwSignal<Subscription>,
    pub busy: RwSignal<bool>,
    pub request_change: Callback<SubscriptionChange>,
    /// The same pipeline for a pause or skip chosen on the cancel confirmation's offer.
    pub request_change_instead_of_cancel: Callback<SubscriptionChange>,
    /// The pipeline itself, for a change that says where it came from (a recommendation).
    pub request: Callback<ChangeRequest>,
    pub status_text: RwSignal<String>,
    pub alert_text: RwSignal<String>,
    pub locale: Locale,
    pub locale_tag: StoredValue<String>,
    pub data: StoredValue<Data, LocalStorage>,
}

impl Card {
    /// The state of one subscription card and its change pipeline: optimistic update,
    /// server call, then the server's answer — or a visible rollback with the reason.
    /// Built by the account view so other parts (recommendations) can act on a card too.
    pub(crate) fn new(config: &Config, data: Data, initial: Subscription) -> Card {
        let locale = config.locale;
        let locale_tag = StoredValue::new(config.locale_tag.clone());
        let data = StoredValue::new_local(data);
        let sub = RwSignal::new(initial);
        let busy = RwSignal::new(false);
        let status_text = RwSignal::new(String::new());
        let alert_text = RwSignal::new(String::new());
        let pipeline = Callback::new(move |request: ChangeRequest| {
            if busy.get_untracked() {
                return; // one change at a time: the next one needs this one's new version
            }
            let before = sub.get_untracked();
            let change = &request.change;
            sub.set(predict::after_change(&before, change));
            busy.set(true);
            alert_text.set(String::new());
            status_text.set(t(locale, AccountKey::Saving).to_owned());
            let data = data.get_value();
            spawn_local(async move {
                let result = data.change(&before, &request).await;
                let locale_tag = locale_tag.get_value();
                match result {
                    Ok(updated) => {
                        status_text.set(done_message(
                            locale,
                            &locale_tag,
                            &request.change,
                            &updated,
                        ));
                        sub.set(updated);
                    }
                    Err(ApiError::Status {
                        status: 412,
                        problem,
                    }) => {
                        // Changed in another tab: show what is true now, and say so.
                        sub.set(problem.and_then(|p| p.current).map_or(before, |c| *c));
                        status_text.set(String::new());
                        alert_text.set(t(locale, AccountKey::ChangedElsewhere).to_owned());
                    }
                    Err(error) => {
                        sub.set(before);
                        status_text.set(String::new());
                        alert_text.set(failed(locale, &error));
                    }
                }
                busy.set(false);
            });
        });
        let request_change = Callback::new(move |change| {
            pipeline.run(ChangeRequest {
                change,
                via: None,
                recommendation: None,
            })
        });
        let request_change_instead_of_cancel = Callback::new(move |change| {
            pipeline.run(ChangeRequest {
                change,
                via: Some(ChangeVia::CancelOffer),
                recommendation: None,
            })
        });
        Card {
            sub,
            busy,
            request_change,
            request_change_instead_of_cancel,
            request: pipeline,
            status_text,
            alert_text,
            locale,
            locale_tag,
            data,
        }
    }

    pub(crate) fn date(&self, date: cadence_contract::Date) -> String {
        format::date(&self.locale_tag.read_value(), date)
    }

    /// "From 15 Jan 2027: €12.40 per delivery. You can cancel before then."
    fn coming_price(&self, coming: &cadence_contract::ComingPrice) -> String {
        let price = format::price(&self.locale_tag.read_value(), &coming.price_per_delivery);
        tf(
            self.locale,
            AccountKey::ComingPrice,
            &[("date", &self.date(coming.effective_on)), ("price", &price)],
        )
    }
}

#[component]
#[allow(unreachable_pub, reason = "#[component] makes the props builder pub")]
pub(crate) fn SubscriptionCard(card: Card) -> impl IntoView {
    let Card {
        sub,
        busy,
        request_change,
        status_text,
        alert_text,
        locale,
        data,
        ..
    } = card;
    let status = Memo::new(move |_| sub.with(|s| s.status));
    let id = sub.with_untracked(|s| s.id.clone());
    let title_id = format!("cad-sub-{id}");
    let labelled_by = title_id.clone();

    view! {
        <li
            class="cad-subscription"
            data-cadence="subscription"
            data-id=id.clone()
            aria-labelledby=labelled_by
            aria-busy=move || busy.get().to_string()
        >
            <div class="cad-subscription-head">
                <h3 class="cad-subscription-name" id=title_id>
                    {move || sub.with(|s| s.product_name.clone())}
                </h3>
                <span class=move || status_class(status.get()) data-cadence="status">
                    {move || status_label(locale, status.get())}
                </span>
            </div>
            <Facts card=card />
            <StatusNote card=card />
            // A delivery's payment failed even after retrying: said calmly, as a link to
            // the merchant's page for payment details when there is one (an `a` without
            // `href` is plain text). Always present, hidden until needed: reactive
            // attributes cost far less wasm than a reactive child (measured 0.25 KB).
            <p
                class="cad-note"
                data-cadence="payment-problem"
                hidden=move || !sub.with(|s| s.payment_problem)
            >
                <a class="cad-link" href=move || sub.with(|s| s.update_payment_url.clone())>
                    {t(locale, AccountKey::PaymentProblem)}
                </a>
            </p>
            // A price change the merchant announced: the new price, its date, and that
            // cancelling before then means never paying it (the server words nothing here;
            // it sends the facts). Hidden until needed, like the note above.
            <p
                class="cad-note"
                data-cadence="coming-price"
                hidden=move || sub.with(|s| s.coming_price.is_none())
            >
                {move || sub.with(|s| s.coming_price.as_ref().map(|c| card.coming_price(c)))}
            </p>
            {move || {
                (status.get() != SubscriptionStatus::Cancelled)
                    .then(|| {
                        view! {
                            <Upcoming card=card />
                            <Adjust card=card />
                            <div class="cad-actions">
                                <PausePanel card=card />
                                <button
                                    type="button"
                                    class="cad-button cad-secondary"
                                    part="button"
                                    data-cadence="ship-now"
                                    aria-disabled=move || busy.get().to_string()
                                    hidden=move || status.get() != SubscriptionStatus::Active
                                    on:click=move |_| {
                                        request_change.run(SubscriptionChange::ShipNow)
                                    }
                                >
                                    {t(locale, AccountKey::ShipNow)}
                                </button>
                                <CancelPanel card=card />
                            </div>
                        }
                    })
            }}
            <p class="cad-live" role="status" data-cadence="announce">
                {move || status_text.get()}
            </p>
            <p class="cad-error" part="error" role="alert" data-cadence="alert">
                {move || alert_text.get()}
            </p>
            <History card=card data=data />
        </li>
    }
}

#[component]
fn Facts(card: Card) -> impl IntoView {
    let Card {
        sub,
        locale,
        locale_tag,
        ..
    } = card;
    let next = move || sub.with(|s| s.next_delivery).map(|d| card.date(d));
    view! {
        <dl class="cad-facts">
            <div>
                <dt>{t(locale, Key::Quantity)}</dt>
                <dd data-cadence="quantity">{move || sub.with(|s| s.quantity)}</dd>
            </div>
            <div>
                <dt class="cad-visually-hidden">{t(locale, AccountKey::Frequency)}</dt>
                <dd data-cadence="interval">
                    {move || format::interval(locale, sub.with(|s| s.interval))}
                </dd>
            </div>
            <div hidden=move || next().is_none()>
                <dt>{t(locale, AccountKey::NextDelivery)}</dt>
                <dd data-cadence="next-delivery">{next}</dd>
            </div>
            <div>
                <dt class="cad-visually-hidden">{t(locale, AccountKey::Price)}</dt>
                <dd class="cad-price" data-cadence="price">
                    {move || {
                        sub.with(|s| format::price(&locale_tag.read_value(), &s.price_per_delivery))
                    }}
                    " "
                    <span class="cad-muted">{t(locale, Key::PerDelivery)}</span>
                </dd>
            </div>
        </dl>
    }
}

/// Paused until…, or cancelled on… with the way back.
#[component]
fn StatusNote(card: Card) -> impl IntoView {
    let Card {
        sub,
        busy,
        request_change,
        locale,
        ..
    } = card;
    move || {
        let s = sub.get();
        match s.status {
            SubscriptionStatus::Paused => {
                let text = match s.paused_until {
                    Some(d) => tf(locale, AccountKey::PausedUntil, &[("date", &card.date(d))]),
                    None => t(locale, AccountKey::PausedOpenEnded).to_owned(),
                };
                view! { <p class="cad-note">{text}</p> }.into_any()
            }
            SubscriptionStatus::Cancelled => {
                let on = s
                    .cancelled_on
                    .map(|d| tf(locale, AccountKey::CancelledOn, &[("date", &card.date(d))]));
                let until = s.reactivate_until.map(|d| {
                    tf(
                        locale,
                        AccountKey::ReactivateUntil,
                        &[("date", &card.date(d))],
                    )
                });
                let can = s.reactivate_until.is_some();
                view! {
                    <div class="cad-note">
                        <p>{on}" "{until}</p>
                        {can
                            .then(|| {
                                view! {
                                    <button
                                        type="button"
                                        class="cad-button"
                                        part="button"
                                        data-cadence="reactivate"
                                        aria-disabled=move || busy.get().to_string()
                                        on:click=move |_| {
                                            request_change.run(SubscriptionChange::Reactivate)
                                        }
                                    >
                                        {t(locale, AccountKey::Reactivate)}
                                    </button>
                                }
                            })}
                    </div>
                }
                .into_any()
            }
            _ => ().into_any(),
        }
    }
}

pub(crate) fn status_label(locale: Locale, status: SubscriptionStatus) -> &'static str {
    t(
        locale,
        match status {
            SubscriptionStatus::Active => AccountKey::StatusActive,
            SubscriptionStatus::Paused => AccountKey::StatusPaused,
            SubscriptionStatus::Cancelled => AccountKey::StatusCancelled,
            SubscriptionStatus::Unknown => AccountKey::StatusUnknown,
        },
    )
}

fn status_class(status: SubscriptionStatus) -> &'static str {
    match status {
        SubscriptionStatus::Active => "cad-status cad-status-active",
        SubscriptionStatus::Paused => "cad-status cad-status-paused",
        SubscriptionStatus::Cancelled => "cad-status cad-status-cancelled",
        SubscriptionStatus::Unknown => "cad-status",
    }
}

/// "Your change was not saved", and why, in words the shopper can act on (shared with the
/// maintenance list's "Mark done").
pub(crate) fn failed(locale: Locale, error: &ApiError) -> String {
    let why = match error {
        ApiError::Status {
            status: 409 | 422,
            problem: Some(p),
        } => p
            .errors
            .first()
            .map(|e| e.detail.clone())
            .or_else(|| p.detail.clone())
            .unwrap_or_else(|| t(locale, Key::ErrorServer).to_owned()),
        other => t(locale, super::error_key(other)).to_owned(),
    };
    format!("{} {why}", t(locale, AccountKey::ChangeFailed))
}

/// The sentence announced once the server has accepted `change`.
fn done_message(
    locale: Locale,
    locale_tag: &str,
    change: &SubscriptionChange,
    s: &Subscription,
) -> String {
    use SubscriptionChange as C;
    let date = |d| format::date(locale_tag, d);
    match change {
        C::Skip { date: d } => tf(locale, AccountKey::DoneSkip, &[("date", &date(*d))]),
        C::Unskip { date: d } => tf(locale, AccountKey::DoneUnskip, &[("date", &date(*d))]),
        C::Pause | C::PauseFor { .. } | C::PauseUntil { .. } => match s.paused_until {
            Some(d) => format!(
                "{} {}.",
                t(locale, AccountKey::DonePause),
                tf(locale, AccountKey::PausedUntil, &[("date", &date(d))])
            ),
            None => t(locale, AccountKey::DonePause).to_owned(),
        },
        C::Resume => t(locale, AccountKey::DoneResume).to_owned(),
        C::Reschedule { date: d } => tf(locale, AccountKey::DoneReschedule, &[("date", &date(*d))]),
        C::ShipNow => t(locale, AccountKey::DoneShipNow).to_owned(),
        C::SetInterval { interval } => tf(
            locale,
            AccountKey::DoneInterval,
            &[("interval", &format::interval(locale, *interval))],
        ),
        C::SetQuantity { quantity } => tf(
            locale,
            AccountKey::DoneQuantity,
            &[("count", &quantity.to_string())],
        ),
        C::Swap { .. } => tf(
            locale,
            AccountKey::DoneSwap,
            &[("product", &s.product_name)],
        ),
        C::Cancel { .. } => t(locale, AccountKey::DoneCancel).to_owned(),
        C::Reactivate => t(locale, AccountKey::DoneReactivate).to_owned(),
        C::AddOnce { .. } => match s.next_delivery {
            Some(d) => tf(locale, AccountKey::DoneAddOnce, &[("date", &date(d))]),
            None => t(locale, AccountKey::DoneAddOnceNoDate).to_owned(),
        },
    }
}
