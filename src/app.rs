//! The root component: parses the configuration, then shows the product or account view.

use crate::api::Api;
use crate::config::{Config, RawConfig, View};
use crate::data::Data;
use crate::events;
use crate::i18n::{t, Key};
use crate::views::notice::Notice;
use leptos::prelude::*;
use web_sys::HtmlElement;

/// The whole widget for one `<cadence-widget>` element.
#[component]
#[allow(unreachable_pub, reason = "#[component] makes the props builder pub")]
pub(crate) fn App(host: HtmlElement, raw: RawConfig) -> impl IntoView {
    let config = match Config::parse(&raw) {
        Ok(config) => config,
        Err(error) => {
            // The merchant's markup is wrong: tell them on the console and through the
            // event, and show the shopper a calm sentence rather than a hole.
            let message = format!("cadence-widget: {error}");
            web_sys::console::warn_1(&message.as_str().into());
            events::emit_error(&host, "config", &message);
            let (locale, _) = crate::config::resolve_locale(&raw);
            return view! {
                <div class="cadence" part="root">
                    <Notice locale=locale message=t(locale, Key::ErrorSetup) retry=None />
                </div>
            }
            .into_any();
        }
    };
    let data = Data {
        api: Api::new(
            config.api.clone(),
            config.locale,
            config.customer_token.clone(),
        ),
        host,
    };
    let body = match config.view.clone() {
        #[cfg(feature = "product-view")]
        View::Product { sku } => {
            use crate::views::product::ProductView;
            view! { <ProductView config=config.clone() data=data sku=sku /> }.into_any()
        }
        #[cfg(feature = "account-view")]
        View::Account => {
            use crate::views::account::AccountView;
            view! { <AccountView config=config.clone() data=data /> }.into_any()
        }
        // A module built without this view: the loader picks modules by the `view`
        // attribute, so only a loader/module mismatch (a stale cache) gets here.
        #[allow(unreachable_patterns)]
        _ => {
            drop(data);
            view! { <Notice locale=config.locale message=t(config.locale, Key::ErrorSetup) retry=None /> }
                .into_any()
        }
    };
    view! {
        <div class="cadence" part="root" lang=config.locale_tag.clone()>
            {body}
        </div>
    }
    .into_any()
}
