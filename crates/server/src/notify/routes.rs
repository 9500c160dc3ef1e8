//! The merchant's side of messages in the admin API: the settings
//! (`GET/PUT /api/v1/admin/notifications/settings`) and the log of messages made and sent
//! (`GET /api/v1/admin/notifications`).

use super::settings::{self, Settings};
use crate::admin::auth::{AdminAccess, Scope};
use crate::admin::body::Record;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::params;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use cadence_contract::Problem;
use cadence_webhooks::rfc3339_utc;
use serde::{Deserialize, Serialize};

const MAX_PAGE: i64 = 100;

/// The routes, relative to `/api/v1/admin`.
pub fn admin_routes() -> Router<AppState> {
    Router::new().route("/notifications", get(list)).route(
        "/notifications/settings",
        get(get_settings).put(put_settings),
    )
}

/// The settings for messages to shoppers (read scope).
#[utoipa::path(get, path = "/api/v1/admin/notifications/settings", tag = "admin",
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "The settings (defaults until the merchant sets any)", body = Settings),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the read scope", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_settings(
    State(state): State<AppState>,
    access: AdminAccess,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Read)?;
    let settings = state
        .db
        .read(|conn| settings::load(conn).map_err(ApiError::from))
        .await?;
    Ok(ApiJson(settings))
}

/// Replaces the settings for messages to shoppers (write scope); absent fields take their
/// defaults. Takes effect for messages made from now on.
#[utoipa::path(put, path = "/api/v1/admin/notifications/settings", tag = "admin",
    security(("merchant_key" = [])),
    request_body = Settings,
    responses(
        (status = 200, description = "Stored; the settings as they are now", body = Settings),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the write scope", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (see `errors[].pointer`) or another shape; nothing is written", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put_settings(
    State(state): State<AppState>,
    access: AdminAccess,
    Record(settings): Record<Settings>,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Write)?;
    let problems = settings.problems();
    if !problems.is_empty() {
        return Err(ApiError::fields(problems));
    }
    let now = state.clock.timestamp();
    let stored = settings.clone();
    state
        .db
        .write(move |tx| settings::save(tx, &stored, &now).map_err(ApiError::from))
        .await?;
    Ok(ApiJson(settings))
}

/// Query of the log; strings, so a bad value is our 422.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// Only this customer's messages.
    customer_id: Option<String>,
    /// Messages per page, 1 ..= 100; default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

/// One message in the log.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationEntry {
    pub id: String,
    /// `delivery_reminder`, `receipt`, `yearly_reminder` or `sign_in` (a sign-in link for
    /// the hosted account page; its link is never shown here).
    #[schema(example = "receipt")]
    pub kind: String,
    pub customer_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    /// The address it went to; absent for events-only messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `pending` (an e-mail not yet accepted by the SMTP server), `sent`, `failed` (given
    /// up after 3 days), `events` (sent as an event only).
    pub state: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    pub attempts: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<String>,
    /// Why the last attempt failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The subject line.
    pub subject: String,
    /// The message's one-click links (as in its event).
    pub links: super::data::Links,
}

/// A page of the log, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationList {
    pub notifications: Vec<NotificationEntry>,
}

/// Messages to shoppers, newest first: what was made, for whom, and how sending went
/// (read scope).
#[utoipa::path(get, path = "/api/v1/admin/notifications", tag = "admin",
    params(LogQuery),
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "The newest messages", body = NotificationList),
        (status = 400, description = "An unknown query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the read scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad limit", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    access: AdminAccess,
    query: Result<Query<LogQuery>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Read)?;
    let Query(query) = query.map_err(|_| {
        ApiError::BadRequest("The query string may hold only customer_id and limit.")
    })?;
    let limit = match query.limit.as_deref() {
        None => 50,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| ApiError::field("/limit", "The limit is 1 to 100."))?,
    };
    let customer = query.customer_id;
    let notifications = state
        .db
        .read(move |conn| {
            conn.query_all(
                "SELECT id, kind, customer_id, subscription_id, email, state, created_at,
                    attempts, next_attempt_at, sent_at, last_error, payload
                 FROM notifications WHERE (CAST(?1 AS TEXT) IS NULL OR customer_id = ?1)
                 ORDER BY created_at DESC, id DESC LIMIT ?2",
                params![customer, limit],
                |row| {
                    let payload: String = row.get(11)?;
                    let payload =
                        serde_json::from_str::<serde_json::Value>(&payload).unwrap_or_default();
                    let subject = payload["message"]["subject"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    let links =
                        serde_json::from_value(payload["links"].clone()).unwrap_or_default();
                    Ok(NotificationEntry {
                        id: row.get(0)?,
                        kind: row.get(1)?,
                        customer_id: row.get(2)?,
                        subscription_id: row.get(3)?,
                        email: row.get(4)?,
                        state: row.get(5)?,
                        created_at: rfc3339_utc(row.get(6)?),
                        attempts: row.get(7)?,
                        next_attempt_at: row.get::<_, Option<i64>>(8)?.map(rfc3339_utc),
                        sent_at: row.get::<_, Option<i64>>(9)?.map(rfc3339_utc),
                        last_error: row.get(10)?,
                        subject,
                        links,
                    })
                },
            )
            .map_err(ApiError::from)
        })
        .await?;
    Ok(ApiJson(NotificationList { notifications }))
}
