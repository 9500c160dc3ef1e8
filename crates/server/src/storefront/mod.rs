//! The demo storefront: a separate router on a separate listener (a different origin),
//! standing in for a merchant's shop that embeds the widget exactly as documented.

mod admin_call;
mod back_office;
mod back_office_page;
pub mod cache;
mod charts;
pub mod inbox;
mod merchant;
mod pages;

use crate::auth::JwtKeys;
use crate::clock::Clock;
use crate::db::{self, Db};
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use cache::{TtlCache, MERCHANT_PAGE_TTL};
use cadence_contract::MerchantMetrics;
use std::sync::Arc;
use std::time::Instant;
use tower_http::set_header::SetResponseHeaderLayer;

/// How long a token minted for the account page stays valid, as a merchant backend would.
const TOKEN_TTL_SECS: i64 = 3600;

#[derive(Clone)]
pub struct ShopState {
    /// The shop reads the catalog from the same database, as a merchant's shop would
    /// read its own; it never calls the API server-side.
    pub db: Db,
    pub keys: Arc<JwtKeys>,
    pub clock: Clock,
    /// The API's public base URL (e.g. `http://127.0.0.1:8480`), where the widget lives.
    pub api_url: String,
    /// How the `/merchant` page and the back office reach the admin API; `None`: they
    /// say they cannot.
    pub merchant: Option<MerchantAccess>,
    /// The back office's webhook receiver (`inbox::register` gives it its secret).
    pub inbox: Arc<inbox::Inbox>,
}

/// The merchant key and the API it opens. The shop sends the very request a merchant's
/// back office would (`GET /api/v1/merchant/metrics` with the key), through the API's
/// router in the same process rather than over the network.
#[derive(Clone)]
pub struct MerchantAccess {
    pub key: String,
    pub api: Router,
}

/// The API's origin as it appears in CSP source lists (scheme://host[:port]).
fn origin_of_url(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

/// A strict CSP: no inline script or style, no eval; wasm compilation is the only
/// concession, and scripts/connections may go to the API's origin only.
pub fn content_security_policy(api_url: &str) -> String {
    let api = origin_of_url(api_url);
    format!(
        "default-src 'self'; script-src 'self' {api} 'wasm-unsafe-eval'; connect-src 'self' {api}; \
         style-src 'self'; img-src 'self' data:; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
    )
}

/// The rendered `/merchant` page, shared by the requests of one window.
pub type MerchantPageCache = TtlCache<Bytes>;

pub fn shop_app(state: ShopState) -> Router {
    shop_app_with(state, Arc::new(MerchantPageCache::new(MERCHANT_PAGE_TTL)))
}

/// `shop_app` with the `/merchant` page's cache supplied (tests choose its window and
/// read how often it computed).
pub fn shop_app_with(state: ShopState, merchant_cache: Arc<MerchantPageCache>) -> Router {
    let csp = HeaderValue::from_str(&content_security_policy(&state.api_url))
        .expect("the API URL was validated as header-safe");
    let merchant = move |State(state): State<ShopState>| {
        let cache = merchant_cache.clone();
        async move { merchant_page(state, &cache).await }
    };
    Router::new()
        .route("/", get(catalog))
        .route("/products/{sku}", get(product))
        .route("/account", get(account))
        .route("/merchant", get(merchant))
        .route("/guides/{guide}", get(guide))
        .route("/cancel", get(cancel))
        .route("/back-office", get(back_office::page))
        .route("/back-office/events", get(back_office::events))
        .route(
            "/back-office/orders/{id}/outcome",
            post(back_office::post_outcome),
        )
        .route("/back-office/clock", post(back_office::post_clock))
        .route(
            inbox::RECEIVER_PATH,
            post(inbox::receive).layer(DefaultBodyLimit::max(inbox::MAX_BODY)),
        )
        .route(
            "/shop.css",
            get(|| {
                asset(
                    "text/css; charset=utf-8",
                    include_str!("../../assets/shop.css"),
                )
            }),
        )
        .route(
            "/shop.js",
            get(|| {
                asset(
                    "text/javascript; charset=utf-8",
                    include_str!("../../assets/shop.js"),
                )
            }),
        )
        .fallback(not_found)
        .with_state(state)
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ))
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// Storefront failures are pages, not problem documents: this is a website.
fn error_page(status: StatusCode, message: &str) -> Response {
    (status, Html(pages::message(status, message).into_string())).into_response()
}

fn internal(error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "storefront page failed");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong. Please try again.",
    )
}

async fn not_found() -> Response {
    error_page(StatusCode::NOT_FOUND, "We could not find that page.")
}

/// The demo's maintenance guides, linked from the Barista One's routines (seed).
async fn guide(Path(guide): Path<String>) -> Response {
    let page = match guide.as_str() {
        "descaling" => pages::guide(
            "Descaling the Barista One",
            "Every three months, or when the descaling light comes on. It takes about 20 minutes.",
            &[
                "Empty the capsule container and the drip tray; remove the water filter.",
                "Dissolve one sachet of the descaling kit in 0.5 l of water in the tank.",
                "Put a 1 l container under the spout and hold both cup buttons for 3 seconds.",
                "When the tank is empty, rinse it and run the cycle again with clean water.",
                "Put the water filter back.",
            ],
        ),
        "water-filter" => pages::guide(
            "Changing the water filter",
            "Every two months: a fresh filter keeps limescale and chlorine taste out of your cup.",
            &[
                "Soak the new filter in cold water for 5 minutes.",
                "Lift the old filter out of the tank and recycle it.",
                "Push the new filter onto its socket in the tank until it clicks.",
                "Fill the tank and run two cups of water to rinse the filter.",
            ],
        ),
        _ => return not_found().await,
    };
    Html(page.into_string()).into_response()
}

/// The footer's "Cancel a subscription": Cadence's public cancellation page, on the API's
/// origin (no sign-in, §312k BGB). A redirect, so every page's footer links one place.
async fn cancel(State(state): State<ShopState>) -> Response {
    axum::response::Redirect::to(&format!("{}/cancel?lang=en", state.api_url)).into_response()
}

async fn catalog(State(state): State<ShopState>) -> Response {
    match state.db.read(db::products::list).await {
        Ok(products) => Html(pages::catalog(&products).into_string()).into_response(),
        Err(e) => internal(e),
    }
}

/// A product page; `?as=cust_…` shows it to a signed-in demo customer, whose token the
/// page's widget carries so they can subscribe in one step.
async fn product(
    State(state): State<ShopState>,
    Path(sku): Path<String>,
    Query(query): Query<AccountQuery>,
) -> Response {
    let customers = match state.db.read(db::customers::list).await {
        Ok(customers) => customers,
        Err(e) => return internal(e),
    };
    let token = query
        .customer
        .filter(|id| customers.iter().any(|c| &c.id == id))
        .map(|id| state.keys.mint(&id, TOKEN_TTL_SECS, state.clock));
    match state
        .db
        .read(move |conn| db::products::find(conn, &sku))
        .await
    {
        Ok(Some(product)) => (
            [(header::CACHE_CONTROL, "private, no-store")],
            Html(pages::product(&product, &state.api_url, token.as_deref()).into_string()),
        )
            .into_response(),
        Ok(None) => error_page(StatusCode::NOT_FOUND, "We do not sell this product."),
        Err(e) => internal(e),
    }
}

#[derive(serde::Deserialize)]
struct AccountQuery {
    #[serde(rename = "as")]
    customer: Option<String>,
}

/// The account page signs the shopper in as a demo customer by minting their token
/// server-side, exactly what a merchant's backend does for a logged-in shopper.
async fn account(State(state): State<ShopState>, Query(query): Query<AccountQuery>) -> Response {
    let customers = match state.db.read(db::customers::list).await {
        Ok(customers) => customers,
        Err(e) => return internal(e),
    };
    let signed_in = query
        .customer
        .and_then(|id| customers.iter().find(|c| c.id == id).cloned());
    let token = signed_in
        .as_ref()
        .map(|c| state.keys.mint(&c.id, TOKEN_TTL_SECS, state.clock));
    let page = pages::account(
        &customers,
        signed_in.as_ref().zip(token.as_deref()),
        &state.api_url,
    );
    // The page embeds a bearer token: keep it out of every cache.
    (
        [(header::CACHE_CONTROL, "private, no-store")],
        Html(page.into_string()),
    )
        .into_response()
}

/// The merchant's figures as charts. The page is open in the demo (it has no logins), so
/// anyone may load it as often as they like: the rendered page is kept for
/// `MERCHANT_PAGE_TTL` and page loads arriving meanwhile share one computation of the
/// figures. A real shop shows it in its back office only.
async fn merchant_page(state: ShopState, cache: &MerchantPageCache) -> Response {
    let Some(access) = state.merchant else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Html(merchant::unavailable().into_string()),
        )
            .into_response();
    };
    let page = cache
        .get_or_compute(Instant::now(), || async {
            let metrics = read_metrics(&access).await?;
            Ok::<_, ApiError>(Bytes::from(merchant::page(&metrics).into_string()))
        })
        .await;
    match page {
        Ok(page) => (
            [(header::CACHE_CONTROL, "private, no-store")],
            Html(Bytes::clone(&page)),
        )
            .into_response(),
        Err(e) => internal(e),
    }
}

async fn read_metrics(access: &MerchantAccess) -> Result<MerchantMetrics, ApiError> {
    admin_call::call(access, Method::GET, "/merchant/metrics", None)
        .await
        .map_err(|e| ApiError::Internal(format!("the figures: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_names_only_the_api_origin() {
        let csp = content_security_policy("https://api.example:8443/base");
        assert!(csp.contains("script-src 'self' https://api.example:8443 'wasm-unsafe-eval';"));
        assert!(!csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"));
    }
}
