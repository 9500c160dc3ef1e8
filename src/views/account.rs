//! The account view: the signed-in customer's subscriptions at a glance.

use super::notice::{Notice, Skeleton};
use crate::config::Config;
use crate::format;
use crate::i18n::{t, Key, Locale};
use crate::load::Loader;
use cadence_contract::{Account, Subscription, SubscriptionStatus};
use leptos::prelude::*;

#[component]
pub fn AccountView(config: Config, loader: Loader) -> impl IntoView {
    let account = loader.account();
    let locale = config.locale;
    let retry = Callback::new(move |_| account.refetch());
    move || {
        match account.get() {
        None => view! { <Skeleton locale=locale lines=6 /> }.into_any(),
        Some(Err(error)) => {
            view! { <Notice locale=locale message=t(locale, super::error_key(&error)) retry=Some(retry) /> }.into_any()
        }
        Some(Ok(account)) => subscriptions(&config, account).into_any(),
    }
    }
}

fn status_label(locale: Locale, status: SubscriptionStatus) -> &'static str {
    t(
        locale,
        match status {
            SubscriptionStatus::Active => Key::StatusActive,
            SubscriptionStatus::Paused => Key::StatusPaused,
            SubscriptionStatus::Cancelled => Key::StatusCancelled,
            SubscriptionStatus::Unknown => Key::StatusUnknown,
        },
    )
}

fn subscriptions(config: &Config, account: Account) -> impl IntoView {
    let locale = config.locale;
    let items = account
        .subscriptions
        .into_iter()
        .map(|s| subscription_item(config, s))
        .collect_view();
    let empty = items.is_empty();
    view! {
        <section class="cad-account" part="card" data-cadence="account" aria-labelledby="cad-account-title">
            <h2 class="cad-title" id="cad-account-title">{t(locale, Key::YourSubscriptions)}</h2>
            {empty.then(|| view! { <p class="cad-muted">{t(locale, Key::NoSubscriptions)}</p> })}
            <ul class="cad-subscriptions">{items}</ul>
        </section>
    }
}

fn subscription_item(config: &Config, s: Subscription) -> impl IntoView {
    let (locale, tag) = (config.locale, config.locale_tag.as_str());
    let next = s.next_delivery.map(|d| format::date(tag, d));
    let status_class = match s.status {
        SubscriptionStatus::Active => "cad-status cad-status-active",
        SubscriptionStatus::Paused => "cad-status cad-status-paused",
        SubscriptionStatus::Cancelled => "cad-status cad-status-cancelled",
        SubscriptionStatus::Unknown => "cad-status",
    };
    view! {
        <li class="cad-subscription" data-cadence="subscription" data-id=s.id.clone()>
            <div class="cad-subscription-head">
                <h3 class="cad-subscription-name">{s.product_name}</h3>
                <span class=status_class>{status_label(locale, s.status)}</span>
            </div>
            <dl class="cad-facts">
                <div><dt>{t(locale, Key::Quantity)}</dt><dd>{s.quantity}</dd></div>
                <div><dt class="cad-visually-hidden">{t(locale, Key::Frequency)}</dt><dd>{format::interval(locale, s.interval)}</dd></div>
                {next.map(|next| view! { <div><dt>{t(locale, Key::NextDelivery)}</dt><dd>{next}</dd></div> })}
                <div><dt class="cad-visually-hidden">{t(locale, Key::Price)}</dt><dd class="cad-price">{format::price(tag, &s.price_per_delivery)}" "<span class="cad-muted">{t(locale, Key::PerDelivery)}</span></dd></div>
            </dl>
        </li>
    }
}
