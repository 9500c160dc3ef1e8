//! `POST /api/v1/admin/customers/{id}/routines/{routine_id}/done`: the merchant's systems
//! record a maintenance task a customer did (a service visit, a repair shop's log). The
//! same rules and event as the shopper's own "Mark done" (`crate::routines`).

use super::auth::{AdminAccess, Scope};
use crate::app::AppState;
use crate::db::OptionalExtension;
use crate::error::ApiError;
use crate::extract::{ApiPath, IdempotencyKey};
use crate::routines::{self, Actor, At};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use cadence_contract::{Problem, RoutineTask, TaskDone, API_PREFIX};

/// Mark a customer's maintenance task done (write scope).
///
/// The routine re-plans from that day, the customer's calendar feed follows, and
/// `routine.task_done` is sent with `actor: merchant`. The body is optional (no body: done
/// today). Idempotent per customer and `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/admin/customers/{id}/routines/{routine_id}/done", tag = "admin",
    security(("merchant_key" = [])),
    params(
        ("id" = String, Path, description = "The customer's id (a token's `sub`)"),
        ("routine_id" = String, Path, description = "The routine's id"),
        ("Idempotency-Key" = String, Header, format = "uuid",
            description = "A fresh UUID per intended change; reuse it only to retry the same request"),
    ),
    request_body(content = Option<TaskDone>, content_type = "application/json",
        description = "Optional: no body means done today."),
    responses(
        (status = 200, description = "Recorded (or the replay of a retried request): the task re-planned", body = RoutineTask),
        (status = 400, description = "Malformed JSON, missing/invalid Idempotency-Key or a path that is not valid UTF-8", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing, wrong or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key has no write scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer, or no machine they own has this routine", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "A body that is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A day in the future or before the machine was bought (`/done_on`), another shape, or a reused Idempotency-Key", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn post_done(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiPath((customer, routine)): ApiPath<(String, String)>,
    IdempotencyKey(key): IdempotencyKey,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    access.require(Scope::Write)?;
    let body = routines::read_body(&headers, body)?;
    let hash = routines::request_hash(
        &format!("{API_PREFIX}/admin/customers/{customer}/routines/{routine}/done"),
        &body,
    )?;
    let at = At {
        today: state.clock.today(),
        now: state.clock.timestamp(),
        unix: state.clock.unix_seconds(),
    };
    let outcome = state
        .db
        .write(move |tx| {
            let known = tx
                .query_row("SELECT 1 FROM customers WHERE id = ?1", [&customer], |_| {
                    Ok(())
                })
                .optional()?;
            if known.is_none() {
                return Err(ApiError::NotFound("No customer has this id."));
            }
            routines::mark_done_once(
                tx,
                &customer,
                &routine,
                &body,
                Actor::Merchant,
                &key,
                &hash,
                &at,
            )
        })
        .await?;
    Ok(outcome.into_response())
}
