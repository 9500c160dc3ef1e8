//! `GET /api/v1/merchant/metrics`: the merchant's figures (repurchase by cohort,
//! subscription activity, recommendation click-through), behind the merchant key.

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::merchant_key::MerchantAuth;
use crate::metrics;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use cadence_contract::{MerchantMetrics, Problem};

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
