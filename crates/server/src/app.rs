//! The HTTP application: `/api/v1` (with CORS) and `/widget/*` static assets, as one
//! `Router` built from an `AppState` — what `serve` runs and tests drive with `oneshot`.

use crate::auth::JwtKeys;
use crate::clock::Clock;
use crate::db::Db;
use crate::merchant_key::MerchantKey;
use crate::routes;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::Router;
use cadence_contract::API_PREFIX;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Everything a request handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Clock,
    pub keys: Arc<JwtKeys>,
    /// Origins (e.g. `https://shop.example`) allowed to call `/api/v1` from a browser.
    pub allowed_origins: Vec<HeaderValue>,
    /// Where the built widget (`cadence.js`, wasm, css) lives.
    pub widget_dir: PathBuf,
    /// This API's public origin as browsers and calendar apps reach it (`--public-url`),
    /// without a trailing slash; absolute links the API hands out start with it.
    pub public_url: String,
    /// The key of the merchant endpoints; `None`: they answer 403.
    pub merchant_key: Option<MerchantKey>,
}

/// Request bodies are tiny JSON documents; anything bigger is a mistake or an attack.
const MAX_BODY_BYTES: usize = 16 * 1024;

pub fn app(state: AppState) -> Router {
    let api = routes::api_routes()
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(cors(&state.allowed_origins))
        .with_state(state.clone());
    Router::new()
        .nest(API_PREFIX, api)
        .nest_service("/widget", widget_assets(&state))
        .fallback(routes::fallback::not_found)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
}

/// Exact-match origins only: the API carries customers' bearer tokens.
fn cors(origins: &[HeaderValue]) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins.iter().cloned()))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            HeaderName::from_static(crate::extract::IDEMPOTENCY_KEY),
        ])
        .expose_headers([header::ETAG, header::LOCATION, header::RETRY_AFTER])
        .max_age(Duration::from_secs(600))
}

/// The widget's files, loadable from any shop's origin: the loader dynamic-imports the JS
/// glue and fetches the wasm cross-origin, which needs CORS and a cross-origin CORP.
/// `no-cache` because file names are not content-hashed yet: revalidate every time.
fn widget_assets(state: &AppState) -> Router {
    let files = ServeDir::new(&state.widget_dir)
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .fallback_service(files)
        .layer(SetResponseHeaderLayer::overriding(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
}
