//! `/api/v1/admin/customers/{id}` and `…/owned/{sku}`: customers by the merchant's ids, and
//! what they own with its purchase date — the lever of every personal routine plan and
//! recommendation.

use super::apply::{self, Apply};
use super::auth::{AdminAccess, Scope};
use super::body::Record;
use super::catalog::{path_id, status_of};
use super::records::{CustomerRecord, OwnedItem, OwnedRecord, StoredCustomer};
use crate::app::AppState;
use crate::db::admin_data::known::{Known, Stored};
use crate::db::customers;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use cadence_contract::Problem;

const NO_CUSTOMER: ApiError = ApiError::NotFound("No customer has this id.");

/// Creates or replaces customer `id` (name, email, locale). A customer Cadence created from
/// a valid token becomes the merchant's. The same body again changes nothing.
#[utoipa::path(put, path = "/api/v1/admin/customers/{id}", tag = "admin",
    params(("id" = String, Path, description = "The merchant's customer id (the token's `sub`), 1–128 characters")),
    security(("merchant_key" = [])),
    request_body = CustomerRecord,
    responses(
        (status = 200, description = "Replaced; the customer as stored", body = StoredCustomer),
        (status = 201, description = "Created; the customer as stored", body = StoredCustomer),
        (status = 400, description = "Malformed JSON or an impossible id in the path", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the write scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another customer has this email address; nothing is written", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (see `errors[].pointer`); nothing is written", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put_customer(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiPath(id): ApiPath<String>,
    Record(record): Record<CustomerRecord>,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Write)?;
    path_id(&id)?;
    let how = Apply {
        today: state.clock.today(),
        now: state.clock.timestamp(),
        write: true,
    };
    let (outcome, stored) = state
        .db
        .write(move |tx| {
            let outcome = apply::customer(tx, &mut Stored, &id, &record, &how)??;
            let stored = customers::read(tx, &id)?
                .ok_or_else(|| ApiError::Internal("customer vanished after its write".into()))?;
            Ok::<_, ApiError>((outcome, stored))
        })
        .await?;
    Ok((status_of(outcome), ApiJson(stored)))
}

/// Customer `id`, with what they own and whether the merchant loaded them (`origin`).
#[utoipa::path(get, path = "/api/v1/admin/customers/{id}", tag = "admin",
    params(("id" = String, Path, description = "The merchant's customer id")),
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "The customer", body = StoredCustomer),
        (status = 400, description = "An impossible id in the path", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the read scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No customer has this id", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_customer(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiPath(id): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Read)?;
    path_id(&id)?;
    let found = state
        .db
        .read(move |conn| customers::read(conn, &id))
        .await?;
    Ok(ApiJson(found.ok_or(NO_CUSTOMER)?))
}

/// Customer `id` owns product `sku`, bought on `purchased_on` (replacing the date stored
/// for that SKU): their routine plan counts from it and compatible products are offered.
#[utoipa::path(put, path = "/api/v1/admin/customers/{id}/owned/{sku}", tag = "admin",
    params(("id" = String, Path, description = "The merchant's customer id"),
           ("sku" = String, Path, description = "The product's SKU")),
    security(("merchant_key" = [])),
    request_body = OwnedRecord,
    responses(
        (status = 200, description = "The purchase date was replaced", body = OwnedItem),
        (status = 201, description = "They own it now", body = OwnedItem),
        (status = 400, description = "Malformed JSON or an impossible id in the path", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the write scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No customer has this id, or no product this SKU", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (a purchase after today); nothing is written", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put_owned(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiPath((id, sku)): ApiPath<(String, String)>,
    Record(record): Record<OwnedRecord>,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Write)?;
    path_id(&id)?;
    path_id(&sku)?;
    let how = Apply {
        today: state.clock.today(),
        now: state.clock.timestamp(),
        write: true,
    };
    let item = OwnedItem {
        sku: sku.clone(),
        purchased_on: record.purchased_on,
    };
    let outcome = state
        .db
        .write(move |tx| {
            if !Stored.customer(tx, &id)? {
                return Err(NO_CUSTOMER);
            }
            if Stored.product(tx, &sku)?.is_none() {
                return Err(ApiError::NotFound("No product has this SKU."));
            }
            Ok(apply::owned(tx, &mut Stored, &id, &sku, &record, &how)??)
        })
        .await?;
    Ok((status_of(outcome), ApiJson(item)))
}

/// Customer `id` no longer owns `sku` (sold, returned, replaced).
#[utoipa::path(delete, path = "/api/v1/admin/customers/{id}/owned/{sku}", tag = "admin",
    params(("id" = String, Path, description = "The merchant's customer id"),
           ("sku" = String, Path, description = "The product's SKU")),
    security(("merchant_key" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "An impossible id in the path", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the write scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The customer does not own this SKU", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_owned(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiPath((id, sku)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    access.require(Scope::Write)?;
    path_id(&id)?;
    path_id(&sku)?;
    let removed = state
        .db
        .write(move |tx| customers::remove_owned(tx, &id, &sku))
        .await?;
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("This customer does not own this SKU."))
    }
}
