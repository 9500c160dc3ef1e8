//! The HTTP application: `/api/v1` (with CORS) and `/widget/*` static assets, as one
//! `Router` built from an `AppState` — what `serve` runs and tests drive with `oneshot`.

use crate::auth::JwtKeys;
use crate::client::{client_from, client_of, Client};
use crate::clock::Clock;
use crate::db::Db;
use crate::error::ApiError;
use crate::limits::Limits;
use crate::merchant_key::MerchantKey;
use crate::routes;
use crate::throttle::Throttle;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
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
    /// What one client, customer or connection may use.
    pub limits: Arc<Limits>,
    /// The rate limiters and in-flight counters that enforce `limits`.
    pub throttle: Arc<Throttle>,
}

impl AppState {
    /// The request's client, for per-client limits (`None`: an in-process request).
    pub fn client(&self, parts: &axum::http::request::Parts) -> Option<Client> {
        client_of(parts, &self.limits.trusted_proxies)
    }
}

/// Request bodies are tiny JSON documents; anything bigger is a mistake or an attack.
const MAX_BODY_BYTES: usize = 16 * 1024;

pub fn app(state: AppState) -> Router {
    // Each layer wraps those above it, so a request meets them bottom-up: the metrics
    // first, CORS (it answers preflights before any limit counts them), then the per-client
    // rate limit, the request deadline, and the headers every answer gets.
    let api = routes::api_routes()
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(private_answers_are_not_stored))
        // What a shopper reads in an error is worded in the language the widget asked for.
        .layer(middleware::from_fn(crate::i18n::negotiate))
        .layer(middleware::from_fn_with_state(
            (state.limits.request_timeout, state.limits.import_timeout),
            deadline,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), rate_limit))
        .layer(cors(&state.allowed_origins))
        // Outermost, so every answer is counted under its route, those of CORS, the rate
        // limit and the deadline too, and its time includes theirs.
        .layer(middleware::from_fn(crate::prometheus::track))
        .with_state(state.clone());
    // The pages one-click links in e-mails open: HTML for people, on this origin, under
    // their own strict CSP; rate-limited per client like the API.
    let links = crate::notify::pages::routes()
        .merge(crate::notify::account::routes())
        .merge(crate::notify::cancel::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(state.clone(), rate_limit))
        .with_state(state.clone());
    Router::new()
        .nest(API_PREFIX, api)
        .merge(links)
        .nest_service("/widget", widget_assets(&state))
        .fallback(routes::fallback::not_found)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // Nothing this origin serves is a page: no framing, no scripts if one is opened
        // as a document, no referrer leaking the feed or product URLs.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; sandbox"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
}

/// The per-client request rate (`Limits::requests_per_second`), before any work is done.
/// `/health` and `/ready` are exempt: load balancers poll them.
async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let client = client_from(
        request.extensions(),
        request.headers(),
        &state.limits.trusted_proxies,
    );
    if let Some(client) = client {
        if !matches!(request.uri().path(), "/health" | "/ready") {
            if let Err(e) = state.throttle.request(client) {
                return e.into_response();
            }
        }
    }
    next.run(request).await
}

/// Every request is answered within `Limits::request_timeout` (a body that trickles in
/// included): 408 problem+json, and the handler is dropped. Writes run on the blocking
/// pool inside one transaction, so a dropped handler either committed or changed nothing.
/// An admin import (`POST /admin/imports`) has `Limits::import_timeout` instead: it reads a
/// large body and commits it batch by batch as it arrives.
async fn deadline(
    State((timeout, import_timeout)): State<(Duration, Duration)>,
    request: Request,
    next: Next,
) -> Response {
    let import = request.method() == Method::POST && request.uri().path() == "/admin/imports";
    let timeout = if import { import_timeout } else { timeout };
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::RequestTimeout.into_response(),
    }
}

/// Answers about a signed-in customer, and every error (a 412 carries the subscription),
/// may be kept by no cache; CORP keeps API answers out of other sites' no-cors requests,
/// except the beacon endpoint, which `sendBeacon` posts to from the shop's pages.
async fn private_answers_are_not_stored(request: Request, next: Next) -> Response {
    // The calendar feed is a customer's too: its id in the URL is the credential.
    let personal = request.headers().contains_key(header::AUTHORIZATION)
        || request.uri().path().starts_with("/calendar/");
    let beacon = request.uri().path() == "/events";
    let mut response = next.run(request).await;
    let failed = !response.status().is_success();
    let headers = response.headers_mut();
    if personal || failed {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    let corp = if beacon {
        "cross-origin"
    } else {
        "same-origin"
    };
    headers.insert(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static(corp),
    );
    response
}

/// Exact-match origins only: the API carries customers' bearer tokens.
fn cors(origins: &[HeaderValue]) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins.iter().cloned()))
        // Only what some route answers: every route is a GET or a POST.
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::ACCEPT_LANGUAGE,
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
