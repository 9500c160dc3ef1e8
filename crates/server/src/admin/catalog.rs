//! `PUT`/`GET /api/v1/admin/products/{sku}`: a product with its subscription offer, swap
//! group, usage question, compatible products and maintenance tasks, as one record by the
//! merchant's SKU. What the widget's `GET /api/v1/products/{sku}` shows is read from it.

use super::apply::{self, Apply, Outcome};
use super::auth::{AdminAccess, Scope};
use super::body::Record;
use super::checks::id_problem;
use super::records::{ProductRecord, StoredProduct};
use crate::app::AppState;
use crate::db::admin_data::catalog;
use crate::db::admin_data::known::Stored;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use cadence_contract::Problem;

/// A path id that no record can have is a 400 (never an echo of it).
pub fn path_id(id: &str) -> Result<(), ApiError> {
    match id_problem(id) {
        None => Ok(()),
        Some(_) => Err(ApiError::BadRequest(
            "An id in the path is 1 to 128 characters, without control characters or spaces around it.",
        )),
    }
}

/// 201 for a new record, 200 for a replaced one.
pub fn status_of(outcome: Outcome) -> StatusCode {
    match outcome {
        Outcome::Created => StatusCode::CREATED,
        Outcome::Updated | Outcome::Kept => StatusCode::OK,
    }
}

/// Creates or replaces product `sku`. The same body again changes nothing. Compatible
/// products and task consumables must be loaded first (a consumable before its durable).
#[utoipa::path(put, path = "/api/v1/admin/products/{sku}", tag = "admin",
    params(("sku" = String, Path, description = "The merchant's SKU, 1–128 characters")),
    security(("merchant_key" = [])),
    request_body = ProductRecord,
    responses(
        (status = 200, description = "Replaced; the product as stored", body = StoredProduct),
        (status = 201, description = "Created; the product as stored", body = StoredProduct),
        (status = 400, description = "Malformed JSON or an impossible SKU in the path", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the write scope", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or unknown SKUs (see `errors[].pointer`); nothing is written", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put_product(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiPath(sku): ApiPath<String>,
    Record(record): Record<ProductRecord>,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Write)?;
    path_id(&sku)?;
    let record = record.normalized();
    let how = Apply {
        today: state.clock.today(),
        now: state.clock.timestamp(),
        write: true,
    };
    let (outcome, stored) = state
        .db
        .write(move |tx| {
            let outcome = apply::product(tx, &mut Stored, &sku, &record, &how)??;
            let stored = catalog::read(tx, &sku)?
                .ok_or_else(|| ApiError::Internal("product vanished after its write".into()))?;
            Ok::<_, ApiError>((
                outcome,
                StoredProduct {
                    sku: sku.clone(),
                    product: stored,
                },
            ))
        })
        .await?;
    Ok((status_of(outcome), ApiJson(stored)))
}

/// Product `sku` as the merchant's record.
#[utoipa::path(get, path = "/api/v1/admin/products/{sku}", tag = "admin",
    params(("sku" = String, Path, description = "The merchant's SKU")),
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "The product", body = StoredProduct),
        (status = 400, description = "An impossible SKU in the path", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the read scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No product has this SKU", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_product(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiPath(sku): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Read)?;
    path_id(&sku)?;
    let found = state
        .db
        .read(move |conn| {
            Ok::<_, ApiError>(
                catalog::read(conn, &sku)?.map(|product| StoredProduct { sku, product }),
            )
        })
        .await?;
    Ok(ApiJson(
        found.ok_or(ApiError::NotFound("No product has this SKU."))?,
    ))
}
