//! The product-page view: what the product is, what it costs once, and with subscribe & save.

use super::notice::{Notice, Skeleton};
use crate::config::Config;
use crate::format;
use crate::i18n::{t, tf, Key, Locale};
use crate::load::Loader;
use cadence_contract::{Product, ProductKind};
use leptos::prelude::*;

#[component]
pub fn ProductView(config: Config, loader: Loader, sku: String) -> impl IntoView {
    let product = loader.product(sku);
    let locale = config.locale;
    let retry = Callback::new(move |_| product.refetch());
    move || {
        match product.get() {
        None => view! { <Skeleton locale=locale lines=5 /> }.into_any(),
        Some(Err(error)) => {
            view! { <Notice locale=locale message=t(locale, super::error_key(&error)) retry=Some(retry) /> }.into_any()
        }
        Some(Ok(p)) => product_card(&config, p).into_any(),
    }
    }
}

fn kind_label(locale: Locale, kind: ProductKind) -> Option<&'static str> {
    match kind {
        ProductKind::Durable => Some(t(locale, Key::KindDurable)),
        ProductKind::Consumable => Some(t(locale, Key::KindConsumable)),
        ProductKind::Accessory => Some(t(locale, Key::KindAccessory)),
        ProductKind::Unknown => None,
    }
}

fn product_card(config: &Config, p: Product) -> impl IntoView {
    let (locale, tag) = (config.locale, config.locale_tag.as_str());
    let one_time = format::price(tag, &p.price);
    let pack = p
        .units_per_pack
        .map(|n| tf(locale, Key::UnitsPerPack, &[("count", &n.to_string())]));
    let offer = p.subscription.map(|offer| {
        let price = format::price(tag, &offer.price);
        let saving = tf(
            locale,
            Key::SubscribeSaving,
            &[("percent", &offer.discount_percent.to_string())],
        );
        let cadence = format::interval(locale, offer.default_interval);
        view! {
            <div class="cad-option">
                <dt>{t(locale, Key::SubscribeAndSave)}</dt>
                <dd>
                    <span class="cad-price" data-cadence="subscription-price">{price}</span>
                    " "
                    <span class="cad-muted">{t(locale, Key::PerDelivery)}</span>
                    <span class="cad-saving">{saving}" · "{cadence}</span>
                </dd>
            </div>
        }
    });
    view! {
        <article class="cad-product" part="card" data-cadence="product">
            <p class="cad-eyebrow">{kind_label(locale, p.kind)}{pack.map(|pack| format!(" · {pack}"))}</p>
            <h2 class="cad-title">{p.name}</h2>
            <p class="cad-description">{p.description}</p>
            <dl class="cad-options">
                <div class="cad-option">
                    <dt>{t(locale, Key::OneTimePrice)}</dt>
                    <dd><span class="cad-price" data-cadence="price">{one_time}</span></dd>
                </div>
                {offer}
            </dl>
            {(!p.in_stock).then(|| view! { <p class="cad-badge">{t(locale, Key::OutOfStock)}</p> })}
        </article>
    }
}
