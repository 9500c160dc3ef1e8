//! The demo shop's HTML pages, as maud templates: every interpolated value is escaped by
//! the template engine. There is no inline script or style (the CSP forbids both), only
//! /shop.css and /shop.js.

use axum::http::StatusCode;
use cadence_contract::{Customer, Money, Product, ProductKind};
use maud::{html, Markup, DOCTYPE};

const SHOP_NAME: &str = "Bean & Boiler";

/// A price as the shop shows it (euros with the sign first).
pub(super) fn price(money: &Money) -> String {
    match money.currency.as_str() {
        "EUR" => format!(
            "€{}.{:02}",
            money.amount_minor / 100,
            money.amount_minor % 100
        ),
        _ => money.to_string(),
    }
}

fn kind_label(kind: ProductKind) -> &'static str {
    match kind {
        ProductKind::Durable => "Machine",
        ProductKind::Consumable => "Consumable",
        ProductKind::Accessory => "Accessory",
        ProductKind::Unknown => "Product",
    }
}

/// The page frame: header with navigation and cart, main content, the event log, footer.
/// `api_url` adds the widget's module script (only pages that show a widget need it).
pub(super) fn layout(title: &str, main: Markup, api_url: Option<&str>) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (SHOP_NAME) }
                link rel="stylesheet" href="/shop.css";
                script src="/shop.js" defer {}
                @if let Some(api) = api_url {
                    script type="module" src={ (api) "/widget/cadence.js" } {}
                }
            }
            body {
                (site_header())
                main id="main" { (main) }
                (event_log())
                footer class="site-footer" {
                    p {
                        (SHOP_NAME)
                        " is a demo shop for the Cadence widget. Nothing here is for sale."
                    }
                    // Cancelling needs no sign-in and is never more than a link away.
                    p { a href="/cancel" { "Cancel a subscription" } }
                }
            }
        }
    }
}

fn site_header() -> Markup {
    html! {
        header class="site-header" {
            a class="brand" href="/" { (SHOP_NAME) }
            nav aria-label="Main" {
                a href="/" { "Shop" }
                a href="/account" { "My account" }
                a href="/merchant" { "Merchant" }
                a href="/back-office" { "Back office" }
                span class="cart" aria-live="polite" {
                    "Cart "
                    span id="cart-count" class="cart-count" { "0" }
                }
            }
        }
    }
}

/// Where /shop.js shows the widget's latest event.
fn event_log() -> Markup {
    html! {
        aside class="event-log" aria-labelledby="event-log-title" {
            h2 id="event-log-title" { "Widget events" }
            p {
                "The shop's own script listens for " code { "cadence:*" }
                " events on " code { "document" } "."
            }
            output id="event-log" aria-live="polite" { "No event yet." }
        }
    }
}

pub(super) fn catalog(products: &[Product]) -> Markup {
    let main = html! {
        section class="hero" {
            h1 { "Great coffee, every morning" }
            p { "The Barista One and everything that keeps it brewing." }
        }
        ul class="grid" {
            @for product in products { (card(product)) }
        }
    };
    layout("Shop", main, None)
}

fn card(p: &Product) -> Markup {
    let save = p
        .subscription
        .as_ref()
        .map(|o| o.discount_percent)
        .filter(|percent| *percent > 0);
    html! {
        li class="card" {
            a href={ "/products/" (p.sku) } {
                span class="kind" { (kind_label(p.kind)) }
                h2 { (p.name) }
                p class="price" { (price(&p.price)) }
                @if let Some(percent) = save {
                    span class="badge" { "Subscribe & save " (percent) "%" }
                }
            }
        }
    }
}

pub(super) fn product(product: &Product, api_url: &str, token: Option<&str>) -> Markup {
    let main = html! {
        nav class="breadcrumb" aria-label="Breadcrumb" {
            a href="/" { "Shop" } " › " (product.name)
        }
        article class="product" {
            div class="product-image" aria-hidden="true" {
                (product.name.chars().next().unwrap_or('?'))
            }
            (product_info(product))
        }
        section class="widget-slot" aria-label="Subscription and routine" {
            cadence-widget view="product" product=(product.sku) customer-token=[token] {}
        }
    };
    layout(&product.name, main, Some(api_url))
}

fn product_info(product: &Product) -> Markup {
    html! {
        div class="product-info" {
            p class="kind" { (kind_label(product.kind)) }
            h1 { (product.name) }
            p class="price" { (price(&product.price)) }
            @if let Some(n) = product.units_per_pack {
                p class="pack" { (n) " per pack" }
            }
            p class="stock" { @if product.in_stock { "In stock" } @else { "Out of stock" } }
            p class="description" { (product.description) }
            button type="button" class="button add-to-cart" data-sku=(product.sku) { "Add to cart" }
        }
    }
}

/// The account page; `signed_in` is the demo customer and their freshly minted token.
pub(super) fn account(
    customers: &[Customer],
    signed_in: Option<(&Customer, &str)>,
    api_url: &str,
) -> Markup {
    let main = html! {
        h1 { "My account" }
        p class="note" {
            "This demo has no passwords: the shop's server signs you in by minting a customer \
             token, as a merchant's backend would."
        }
        ul class="picker" {
            @for customer in customers {
                (pick(customer, signed_in.is_some_and(|(s, _)| s.id == customer.id)))
            }
        }
        @match signed_in {
            Some((customer, token)) => {
                h2 { "Welcome back, " (customer.name) }
                section class="widget-slot" aria-label="Your subscriptions" {
                    cadence-widget view="account" customer-token=(token) {}
                }
            }
            None => p { "Pick a demo customer to see their subscriptions." },
        }
    };
    layout("My account", main, signed_in.map(|_| api_url))
}

/// One demo customer to sign in as; `current` marks the one signed in.
fn pick(customer: &Customer, current: bool) -> Markup {
    html! {
        li {
            a.button.active[current]
                href={ "/account?as=" (customer.id) }
                aria-current=[current.then_some("page")] {
                "Sign in as " (customer.name)
            }
        }
    }
}

pub(super) fn message(status: StatusCode, text: &str) -> Markup {
    let title = status.canonical_reason().unwrap_or("Error");
    let main = html! {
        h1 { (title) }
        p { (text) }
        p { a class="button" href="/" { "Back to the shop" } }
    };
    layout(title, main, None)
}

/// A maintenance guide: what the routines' `guide_url`s (`/guides/…`) point at.
pub(super) fn guide(title: &str, intro: &str, steps: &[&str]) -> Markup {
    let main = html! {
        h1 { (title) }
        p { (intro) }
        ol { @for step in steps { li { (step) } } }
        p { a class="button" href="/products/BARISTA-ONE" { "Back to the Barista One" } }
    };
    layout(title, main, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped() {
        let item: Product = serde_json::from_value(serde_json::json!({
            "sku": "X\"><script>",
            "name": "<b>Bold</b> & co",
            "kind": "accessory",
            "description": "</p><script>alert(1)</script>",
            "price": {"amount_minor": 990, "currency": "EUR"},
            "in_stock": true
        }))
        .unwrap();
        let html = product(&item, "https://api.example", Some("t\"k")).into_string();
        assert!(
            !html.contains("<script>") && !html.contains("<b>"),
            "{html}"
        );
        assert!(html.contains(r#"product="X&quot;&gt;&lt;script&gt;" customer-token="t&quot;k""#));
        assert!(html.contains("<h1>&lt;b&gt;Bold&lt;/b&gt; &amp; co</h1>"));
        assert!(html.contains(
            r#"<script type="module" src="https://api.example/widget/cadence.js"></script>"#
        ));
    }
}
