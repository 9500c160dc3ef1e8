//! The merchant endpoints, behind the merchant key: `GET /api/v1/merchant/metrics` (the
//! figures: repurchase by cohort, subscription activity, recommendation click-through) and
//! `POST /api/v1/merchant/customers/{id}/revoke` (one customer's tokens and calendar link).

use crate::app::AppState;
use crate::db;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::merchant_key::MerchantAuth;
use crate::metrics;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use cadence_contract::{MerchantMetrics, Problem, Revocation};

/// Repurchase at 30/60/90 days by first-order month, subscriptions started, paused,
/// skipped and cancelled per month (and pauses chosen on the cancel offer), and
/// recommendation click-through and conversion per reason, over the current month and the
/// eleven before it. Each block carries the definition of its figures.
#[utoipa::path(get, path = "/api/v1/merchant/metrics", tag = "merchant",
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "The figures", body = MerchantMetrics),
        (status = 401, description = "Merchant key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "This server has no merchant key configured", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_metrics(
    State(state): State<AppState>,
    _merchant: MerchantAuth,
) -> Result<impl IntoResponse, ApiError> {
    let today = state.clock.today();
    let figures = state
        .db
        .read(move |conn| metrics::merchant_metrics(conn, today))
        .await?;
    Ok((
        [(header::CACHE_CONTROL, "private, no-store")],
        ApiJson(figures),
    ))
}

/// Revokes every customer token issued to this customer until now, and retires their
/// calendar feed link (the next `GET /me/calendar` hands out a new one). Other customers
/// stay signed in. Idempotent: revoking again moves the cut-off to the new now.
#[utoipa::path(post, path = "/api/v1/merchant/customers/{id}/revoke", tag = "merchant",
    params(("id" = String, Path, description = "The customer id (a token's `sub`)")),
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "Revoked", body = Revocation),
        (status = 401, description = "Merchant key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "This server has no merchant key configured", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No customer can have this id (over 128 characters, control characters, spaces around it); any other id is revoked, loaded or not", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed merchant-key checks from this address", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke_customer(
    State(state): State<AppState>,
    _merchant: MerchantAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.clock.unix_seconds();
    let customer = id.clone();
    let found = state
        .db
        .write(move |tx| db::customers::revoke_access(tx, &customer, now))
        .await?;
    if !found {
        return Err(ApiError::NotFound("No customer can have this id."));
    }
    tracing::info!(customer = %id, "revoked a customer's tokens and calendar feed");
    Ok((
        [(header::CACHE_CONTROL, "private, no-store")],
        ApiJson(Revocation {
            customer_id: id,
            tokens_issued_before: state.clock.timestamp(),
        }),
    ))
}
