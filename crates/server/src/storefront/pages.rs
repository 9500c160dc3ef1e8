//! The demo shop's HTML pages. Every interpolated value goes through `escape`; there is
//! no inline script or style (the CSP forbids both), only /shop.css and /shop.js.

use crate::html::escape;
use axum::http::StatusCode;
use cadence_contract::{Customer, Money, Product, ProductKind};

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
pub(super) fn layout(title: &str, main: &str, api_url: Option<&str>) -> String {
    let widget_script = api_url
        .map(|api| {
            format!(
                r#"<script type="module" src="{}/widget/cadence.js"></script>"#,
                escape(api)
            )
        })
        .unwrap_or_default();
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {shop}</title>
<link rel="stylesheet" href="/shop.css">
<script src="/shop.js" defer></script>
{widget_script}
</head>
<body>
<header class="site-header">
  <a class="brand" href="/">{shop}</a>
  <nav aria-label="Main">
    <a href="/">Shop</a>
    <a href="/account">My account</a>
    <a href="/merchant">Merchant</a>
    <a href="/back-office">Back office</a>
    <span class="cart" aria-live="polite">Cart <span id="cart-count" class="cart-count">0</span></span>
  </nav>
</header>
<main id="main">
{main}
</main>
<aside class="event-log" aria-labelledby="event-log-title">
  <h2 id="event-log-title">Widget events</h2>
  <p>The shop's own script listens for <code>cadence:*</code> events on <code>document</code>.</p>
  <output id="event-log" aria-live="polite">No event yet.</output>
</aside>
<footer class="site-footer"><p>{shop} is a demo shop for the Cadence widget. Nothing here is for sale.</p></footer>
</body>
</html>
"#,
        title = escape(title),
        shop = escape(SHOP_NAME),
    )
}

pub(super) fn catalog(products: &[Product]) -> String {
    let cards: String = products
        .iter()
        .map(|p| {
            let save = p
                .subscription
                .as_ref()
                .filter(|o| o.discount_percent > 0)
                .map(|o| {
                    format!(
                        r#"<span class="badge">Subscribe &amp; save {}%</span>"#,
                        o.discount_percent
                    )
                })
                .unwrap_or_default();
            format!(
                r#"<li class="card"><a href="/products/{sku_url}"><span class="kind">{kind}</span>
<h2>{name}</h2><p class="price">{price}</p>{save}</a></li>"#,
                sku_url = escape(&p.sku),
                kind = kind_label(p.kind),
                name = escape(&p.name),
                price = escape(&price(&p.price)),
            )
        })
        .collect();
    let main = format!(
        r#"<section class="hero"><h1>Great coffee, every morning</h1>
<p>The Barista One and everything that keeps it brewing.</p></section>
<ul class="grid">{cards}</ul>"#
    );
    layout("Shop", &main, None)
}

pub(super) fn product(product: &Product, api_url: &str, token: Option<&str>) -> String {
    let token = token
        .map(|t| format!(r#" customer-token="{}""#, escape(t)))
        .unwrap_or_default();
    let pack = product
        .units_per_pack
        .map(|n| format!(r#"<p class="pack">{n} per pack</p>"#))
        .unwrap_or_default();
    let stock = if product.in_stock {
        "In stock"
    } else {
        "Out of stock"
    };
    let main = format!(
        r#"<nav class="breadcrumb" aria-label="Breadcrumb"><a href="/">Shop</a> › {name}</nav>
<article class="product">
  <div class="product-image" aria-hidden="true">{initial}</div>
  <div class="product-info">
    <p class="kind">{kind}</p>
    <h1>{name}</h1>
    <p class="price">{price}</p>
    {pack}
    <p class="stock">{stock}</p>
    <p class="description">{description}</p>
    <button type="button" class="button add-to-cart" data-sku="{sku}">Add to cart</button>
  </div>
</article>
<section class="widget-slot" aria-label="Subscription and routine">
  <cadence-widget view="product" product="{sku}"{token}></cadence-widget>
</section>"#,
        name = escape(&product.name),
        initial = escape(&product.name.chars().next().unwrap_or('?').to_string()),
        kind = kind_label(product.kind),
        price = escape(&price(&product.price)),
        description = escape(&product.description),
        sku = escape(&product.sku),
    );
    layout(&product.name, &main, Some(api_url))
}

/// The account page; `signed_in` is the demo customer and their freshly minted token.
pub(super) fn account(
    customers: &[Customer],
    signed_in: Option<(&Customer, &str)>,
    api_url: &str,
) -> String {
    let picker: String = customers
        .iter()
        .map(|c| {
            let current = signed_in.is_some_and(|(s, _)| s.id == c.id);
            format!(
                r#"<li><a class="button{active}" href="/account?as={id}"{aria}>Sign in as {name}</a></li>"#,
                active = if current { " active" } else { "" },
                aria = if current { r#" aria-current="page""# } else { "" },
                id = escape(&c.id),
                name = escape(&c.name),
            )
        })
        .collect();
    let body = match signed_in {
        Some((customer, token)) => format!(
            r#"<h2>Welcome back, {name}</h2>
<section class="widget-slot" aria-label="Your subscriptions">
  <cadence-widget view="account" customer-token="{token}"></cadence-widget>
</section>"#,
            name = escape(&customer.name),
            token = escape(token),
        ),
        None => "<p>Pick a demo customer to see their subscriptions.</p>".to_owned(),
    };
    let main = format!(
        r#"<h1>My account</h1>
<p class="note">This demo has no passwords: the shop's server signs you in by minting a customer token, as a merchant's backend would.</p>
<ul class="picker">{picker}</ul>
{body}"#
    );
    layout("My account", &main, signed_in.map(|_| api_url))
}

pub(super) fn message(status: StatusCode, text: &str) -> String {
    let title = status.canonical_reason().unwrap_or("Error");
    let main = format!(
        r#"<h1>{title}</h1><p>{text}</p><p><a class="button" href="/">Back to the shop</a></p>"#,
        title = escape(title),
        text = escape(text),
    );
    layout(title, &main, None)
}

/// A maintenance guide: what the routines' `guide_url`s (`/guides/…`) point at.
pub(super) fn guide(title: &str, intro: &str, steps: &[&str]) -> String {
    let steps: String = steps
        .iter()
        .map(|step| format!("<li>{}</li>", escape(step)))
        .collect();
    let main = format!(
        r#"<h1>{title}</h1><p>{intro}</p><ol>{steps}</ol><p><a class="button" href="/products/BARISTA-ONE">Back to the Barista One</a></p>"#,
        title = escape(title),
        intro = escape(intro),
    );
    layout(title, &main, None)
}
