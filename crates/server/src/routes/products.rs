//! `GET /api/v1/products/{sku}`: what the product-page widget shows, routine plan data
//! included, personalised when the request carries a customer token.

use crate::app::AppState;
use crate::auth::MaybeCustomer;
use crate::db;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use cadence_contract::{Problem, Product};

/// A product with its subscription offer, usage question, maintenance routines and
/// community signal; with a valid customer token also `ownership`. Without a token the
/// answer is anonymous; a token that is sent but not valid is a 401, never ignored.
#[utoipa::path(get, path = "/api/v1/products/{sku}", tag = "catalog",
    params(("sku" = String, Path, description = "The product's SKU, e.g. CAPS-INTENSO")),
    security((), ("customer_token" = [])),
    responses(
        (status = 200, description = "The product", body = Product),
        (status = 400, description = "The path is not valid percent-encoded UTF-8", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A customer token was sent but is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No product has this SKU", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_product(
    State(state): State<AppState>,
    MaybeCustomer(customer): MaybeCustomer,
    ApiPath(sku): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let today = state.clock.today();
    let personal = customer.is_some();
    let who = customer.map(|c| c.id);
    let lang = crate::i18n::current();
    let product = state
        .db
        .read(move |conn| db::plan::product_for(conn, &sku, who.as_deref(), today, lang))
        .await?
        .ok_or(ApiError::NotFound("No product has this SKU."))?;
    // The answer depends on the token: shared caches must not mix them up, and a
    // personalised one must not be stored at all.
    let cache = if personal {
        "private, no-store"
    } else {
        "no-cache"
    };
    Ok((
        [
            (header::CACHE_CONTROL, cache),
            (header::VARY, "Authorization"),
        ],
        ApiJson(product),
    ))
}
