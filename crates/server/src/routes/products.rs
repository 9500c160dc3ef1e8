//! `GET /api/v1/products/{sku}`: what the product-page widget shows.

use crate::app::AppState;
use crate::db;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use axum::extract::State;
use cadence_contract::{Problem, Product};

/// A product with its subscription offer, if it has one.
#[utoipa::path(get, path = "/api/v1/products/{sku}", tag = "catalog",
    params(("sku" = String, Path, description = "The product's SKU, e.g. CAPS-INTENSO")),
    responses(
        (status = 200, description = "The product", body = Product),
        (status = 404, description = "No product has this SKU", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_product(
    State(state): State<AppState>,
    ApiPath(sku): ApiPath<String>,
) -> Result<ApiJson<Product>, ApiError> {
    let product = state
        .db
        .read(move |conn| db::products::find(conn, &sku))
        .await?;
    product
        .map(ApiJson)
        .ok_or(ApiError::NotFound("No product has this SKU."))
}
