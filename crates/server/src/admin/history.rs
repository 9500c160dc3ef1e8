//! `PUT`/`GET /api/v1/admin/orders/{id}`: one order of the shop's history (lines, date,
//! customer) by the merchant's order id. It feeds personalization ("bought lately"), the
//! co-occurrence behind "bought together", and repurchase at 30/60/90 days. Orders Cadence
//! placed are read here too but are the scheduler's: their outcome is reported, not
//! rewritten (`POST …/orders/{id}/outcome`).

use super::apply::{self, Apply};
use super::auth::{AdminAccess, Scope};
use super::body::Record;
use super::catalog::{path_id, status_of};
use super::records::{OrderRecord, StoredOrder};
use crate::app::AppState;
use crate::db::admin_data::history;
use crate::db::admin_data::known::Stored;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use axum::extract::State;
use axum::response::IntoResponse;
use cadence_contract::Problem;

/// Creates or replaces history order `id` with its lines. The same body again changes
/// nothing. Its customer, products and subscription must be loaded first.
#[utoipa::path(put, path = "/api/v1/admin/orders/{id}", tag = "admin",
    params(("id" = String, Path, description = "The merchant's order id, 1–128 characters")),
    security(("merchant_key" = [])),
    request_body = OrderRecord,
    responses(
        (status = 200, description = "Replaced; the order as stored", body = StoredOrder),
        (status = 201, description = "Created; the order as stored", body = StoredOrder),
        (status = 400, description = "Malformed JSON or an impossible id in the path", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the write scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Cadence placed this order (a delivery): it is not rewritten; nothing is written", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or unknown references (see `errors[].pointer`); nothing is written", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put_order(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiPath(id): ApiPath<String>,
    Record(record): Record<OrderRecord>,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Write)?;
    path_id(&id)?;
    let record = record.normalized();
    let how = Apply {
        today: state.clock.today(),
        now: state.clock.timestamp(),
        write: true,
    };
    let (outcome, stored) = state
        .db
        .write(move |tx| {
            let outcome = apply::order(tx, &mut Stored, &id, &record, &how)??;
            let stored = history::read(tx, &id)?
                .ok_or_else(|| ApiError::Internal("order vanished after its write".into()))?;
            Ok::<_, ApiError>((outcome, stored))
        })
        .await?;
    Ok((status_of(outcome), ApiJson(stored)))
}

/// Order `id` with its lines, whoever placed it (`origin`).
#[utoipa::path(get, path = "/api/v1/admin/orders/{id}", tag = "admin",
    params(("id" = String, Path, description = "The order id")),
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "The order", body = StoredOrder),
        (status = 400, description = "An impossible id in the path", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the read scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No order has this id", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_order(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiPath(id): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Read)?;
    path_id(&id)?;
    let found = state.db.read(move |conn| history::read(conn, &id)).await?;
    Ok(ApiJson(
        found.ok_or(ApiError::NotFound("No order has this id."))?,
    ))
}
