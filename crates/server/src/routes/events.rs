//! `POST /api/v1/events`: the widget's impressions, clicks and actions, in batches.
//!
//! Accepts `text/plain` as well as JSON because `navigator.sendBeacon` sends a string
//! body as `text/plain;charset=UTF-8`, a CORS-safelisted type that needs no preflight.

use crate::app::AppState;
use crate::auth::MaybeCustomer;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use cadence_contract::{
    Problem, ReasonCode, RecommendationAction, UiEventKind, UiEvents, MAX_UI_EVENTS,
};
use rusqlite::params;

/// Stores a batch of at most 50 events (16 KiB), all or none. A customer token, when
/// sent, attributes them; an invalid one is a 401 like everywhere else.
#[utoipa::path(post, path = "/api/v1/events", tag = "recommendations",
    request_body(content = UiEvents, content_type = "application/json",
        description = "Also accepted as text/plain;charset=UTF-8 (sendBeacon)"),
    security((), ("customer_token" = [])),
    responses(
        (status = 202, description = "Stored"),
        (status = 400, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A customer token was sent but is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor text/plain", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong shape, over 50 events or bad values", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn post_events(
    State(state): State<AppState>,
    MaybeCustomer(customer): MaybeCustomer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, ApiError> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if !matches!(media.as_deref(), Some("application/json" | "text/plain")) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::BadRequest("The request body could not be read.")
        }
    })?;
    let batch: UiEvents = serde_json::from_slice(&body).map_err(|e| {
        if e.is_data() {
            ApiError::UnprocessableBody
        } else {
            ApiError::BadRequest("The request body is not valid JSON.")
        }
    })?;
    validate(&batch)?;
    let customer = customer.map(|c| c.id);
    let at = state.clock.timestamp();
    state
        .db
        .write(move |tx| {
            let mut insert = tx.prepare_cached(
                "INSERT INTO ui_events (at, customer_id, kind, sku, reason, action, context)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for e in &batch.events {
                insert.execute(params![
                    at,
                    customer,
                    e.kind.as_str(),
                    e.sku,
                    e.reason.map(ReasonCode::as_str),
                    e.action.map(RecommendationAction::as_str),
                    e.context,
                ])?;
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::ACCEPTED)
}

fn validate(batch: &UiEvents) -> Result<(), ApiError> {
    if batch.events.len() > MAX_UI_EVENTS {
        return Err(ApiError::field("/events", "At most 50 events per batch."));
    }
    for (i, e) in batch.events.iter().enumerate() {
        let bad =
            |field: &str, detail: &str| ApiError::field(&format!("/events/{i}/{field}"), detail);
        if e.kind == UiEventKind::Unknown {
            return Err(bad("kind", "impression, click or action."));
        }
        if e.sku.is_empty() || e.sku.len() > 64 {
            return Err(bad("sku", "A SKU of 1 to 64 characters."));
        }
        if e.reason == Some(ReasonCode::Unknown) {
            return Err(bad("reason", "A known reason code."));
        }
        if e.action == Some(RecommendationAction::Unknown) {
            return Err(bad("action", "A known action."));
        }
        if e.context != "product" && e.context != "account" {
            return Err(bad("context", "product or account."));
        }
    }
    Ok(())
}
