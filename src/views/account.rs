//! The account view: the signed-in customer's subscriptions at a glance, and the
//! maintenance of their machines.

use super::notice::{Notice, Skeleton};
use super::recommendations::Recommendations;
use super::routines::maintenance;
use super::subscription::{Card, SubscriptionCard};
use crate::config::Config;
use crate::data::Data;
use crate::data::RecoContext;
use crate::i18n::{t, AccountKey};
use cadence_contract::Account;
use leptos::prelude::*;

#[component]
#[allow(unreachable_pub, reason = "#[component] makes the props builder pub")]
pub(crate) fn AccountView(config: Config, data: Data) -> impl IntoView {
    let account = data.account();
    let locale = config.locale;
    let retry = Callback::new(move |_| account.reload());
    move || {
        match account.get() {
        None => view! { <Skeleton locale=locale lines=6 /> }.into_any(),
        Some(Err(error)) => {
            view! { <Notice locale=locale message=t(locale, super::error_key(&error)) retry=Some(retry) /> }.into_any()
        }
        Some(Ok(account)) => subscriptions(&config, &data, account).into_any(),
    }
    }
}

fn subscriptions(config: &Config, data: &Data, account: Account) -> impl IntoView {
    let locale = config.locale;
    let empty = account.subscriptions.is_empty();
    let routines = account.routines;
    let maintenance = (!routines.is_empty()).then(|| {
        maintenance(
            routines,
            locale,
            StoredValue::new(config.locale_tag.clone()),
            StoredValue::new_local(data.clone()),
        )
    });
    let cards: Vec<Card> = account
        .subscriptions
        .into_iter()
        .map(|s| Card::new(config, data.clone(), s))
        .collect();
    let items = cards
        .iter()
        .map(|card| view! { <SubscriptionCard card=*card /> })
        .collect_view();
    let cards = StoredValue::new(cards);
    view! {
        <section
            class="cad-account"
            part="card"
            data-cadence="account"
            aria-labelledby="cad-account-title"
        >
            <h2 class="cad-title" id="cad-account-title">
                {t(locale, AccountKey::YourSubscriptions)}
            </h2>
            {empty
                .then(|| {
                    view! { <p class="cad-muted">{t(locale, AccountKey::NoSubscriptions)}</p> }
                })}
            <ul class="cad-subscriptions">{items}</ul>
            {maintenance}
            <Recommendations
                config=config.clone()
                data=data.clone()
                context=RecoContext::Account
                cards=cards
            />
        </section>
    }
}
