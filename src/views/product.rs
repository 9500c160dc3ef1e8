//! The product-page view: what the product is, what it costs once, and with subscribe & save.

use super::notice::{Notice, Skeleton};
use super::purchase::PurchaseOptions;
use super::recommendations::Recommendations;
use crate::config::Config;
use crate::data::Data;
use crate::data::RecoContext;
use crate::format;
use crate::i18n::{t, tf, Locale, ProductKey};
use cadence_contract::{Product, ProductKind};
use leptos::prelude::*;

#[component]
#[allow(unreachable_pub, reason = "#[component] makes the props builder pub")]
pub(crate) fn ProductView(config: Config, data: Data, sku: String) -> impl IntoView {
    let product = data.product(sku);
    let locale = config.locale;
    let retry = Callback::new(move |_| product.reload());
    move || {
        match product.get() {
        None => view! { <Skeleton locale=locale lines=5 /> }.into_any(),
        Some(Err(error)) => {
            view! { <Notice locale=locale message=t(locale, super::error_key(&error)) retry=Some(retry) /> }.into_any()
        }
        Some(Ok(p)) => product_card(&config, data.clone(), p).into_any(),
    }
    }
}

fn kind_label(locale: Locale, kind: ProductKind) -> Option<&'static str> {
    match kind {
        ProductKind::Durable => Some(t(locale, ProductKey::KindDurable)),
        ProductKind::Consumable => Some(t(locale, ProductKey::KindConsumable)),
        ProductKind::Accessory => Some(t(locale, ProductKey::KindAccessory)),
        ProductKind::Unknown => None,
    }
}

fn product_card(config: &Config, data: Data, p: Product) -> impl IntoView {
    let locale = config.locale;
    let pack = p.units_per_pack.map(|n| {
        tf(
            locale,
            ProductKey::UnitsPerPack,
            &[("count", &n.to_string())],
        )
    });
    let in_stock = p.in_stock;
    // A machine with maintenance: its owner may ask to be reminded of it.
    let follow = (!p.routines.is_empty()).then(|| {
        let reminded = p
            .ownership
            .as_ref()
            .is_some_and(|o| o.reminded && o.model_sku == p.sku);
        super::follow::follow(
            locale,
            StoredValue::new_local(data.clone()),
            p.sku.clone(),
            config.customer_token.is_some(),
            reminded,
        )
    });
    view! {
        <article class="cad-product" part="card" data-cadence="product">
            <p class="cad-eyebrow">
                {kind_label(locale, p.kind)}{pack.map(|pack| format!(" · {pack}"))}
            </p>
            <h2 class="cad-title">{p.name.clone()}</h2>
            <p class="cad-description">{p.description.clone()}</p>
            {if in_stock {
                let context = RecoContext::Product(p.sku.clone());
                view! {
                    <PurchaseOptions config=config.clone() data=data.clone() product=p />
                    <Recommendations config=config.clone() data=data context=context />
                }
                    .into_any()
            } else {
                view! {
                    <p>
                        <span class="cad-price" data-cadence="price">
                            {format::price(&config.locale_tag, &p.price)}
                        </span>
                    </p>
                    <p class="cad-badge">{t(locale, ProductKey::OutOfStock)}</p>
                }
                    .into_any()
            }}
            {follow}
        </article>
    }
}
