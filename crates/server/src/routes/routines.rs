//! `POST /api/v1/me/routines/{routine_id}/done`: the shopper marks a maintenance task of
//! their machine done (the widget's "Mark done"); `…/reminders`: they ask to be reminded
//! when it is due (or stop). The HTTP side only; what they do is `crate::routines` and
//! `crate::notify::routine`.

use crate::app::AppState;
use crate::auth::AuthedCustomer;
use crate::db::idempotency;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, IdempotencyKey};
use crate::notify::routine::{self as reminders, ReminderChoice, RoutineReminder};
use crate::routines::{self, Actor, At};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use cadence_contract::{Problem, RoutineTask, TaskDone, API_PREFIX};

/// Mark one of your maintenance tasks done.
///
/// The routine re-plans from that day: `next_due` is `every_days` after it (rolled
/// forward to today or later), on the account, the product page's plan and the calendar
/// feed alike; `routine.task_done` is sent to the merchant's systems. The body is optional:
/// without one (or with `{}`) it was done today (the server's date). Idempotent: a retry
/// with the same `Idempotency-Key` replays the first answer and records nothing more.
#[utoipa::path(post, path = "/api/v1/me/routines/{routine_id}/done", tag = "account",
    security(("customer_token" = [])),
    params(
        ("routine_id" = String, Path, description = "The routine's id (`Account::routines[].routine_id`)"),
        ("Idempotency-Key" = String, Header, format = "uuid",
            description = "A fresh UUID per intended change; reuse it only to retry the same request"),
    ),
    request_body(content = Option<TaskDone>, content_type = "application/json",
        description = "Optional: no body means done today."),
    responses(
        (status = 200, description = "Recorded (or the replay of a retried request): the task re-planned", body = RoutineTask),
        (status = 400, description = "Malformed JSON, missing/invalid Idempotency-Key or a path that is not valid UTF-8", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or expired customer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No machine you own has this routine", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "A body that is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A day in the future or before the machine was bought (`/done_on`), another shape, or a reused Idempotency-Key", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn post_done(
    State(state): State<AppState>,
    customer: AuthedCustomer,
    ApiPath(routine): ApiPath<String>,
    IdempotencyKey(key): IdempotencyKey,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = routines::read_body(&headers, body)?;
    let hash = routines::request_hash(&format!("{API_PREFIX}/me/routines/{routine}/done"), &body)?;
    let at = At {
        today: state.clock.today(),
        now: state.clock.timestamp(),
        unix: state.clock.unix_seconds(),
    };
    let outcome = state
        .db
        .write(move |tx| {
            routines::mark_done_once(
                tx,
                &customer.id,
                &routine,
                &body,
                Actor::Customer,
                &key,
                &hash,
                &at,
            )
        })
        .await?;
    Ok(outcome.into_response())
}

/// Be reminded when one of your maintenance tasks is due (or stop).
///
/// With `remind: true` a message goes when the task falls due (at the shop's hour of your
/// day): the task, its guide, the part it needs and one-click "done"; every such message
/// has a one-click stop. Idempotent per `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/me/routines/{routine_id}/reminders", tag = "account",
    security(("customer_token" = [])),
    params(
        ("routine_id" = String, Path, description = "The routine's id (`Account::routines[].routine_id`)"),
        ("Idempotency-Key" = String, Header, format = "uuid",
            description = "A fresh UUID per intended change; reuse it only to retry the same request"),
    ),
    request_body = ReminderChoice,
    responses(
        (status = 200, description = "Recorded (or the replay of a retried request)", body = RoutineReminder),
        (status = 400, description = "Malformed JSON, missing/invalid Idempotency-Key or a path that is not valid UTF-8", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or expired customer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No machine you own has this routine", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "A body that is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Another shape, or a reused Idempotency-Key", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn post_reminders(
    State(state): State<AppState>,
    customer: AuthedCustomer,
    ApiPath(routine): ApiPath<String>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(body): ApiJson<ReminderChoice>,
) -> Result<Response, ApiError> {
    let path = format!("{API_PREFIX}/me/routines/{routine}/reminders");
    let hash = idempotency::request_hash("POST", &path, &body)?;
    let (today, now) = (state.clock.today(), state.clock.timestamp());
    let outcome = state
        .db
        .write(move |tx| {
            routines::once(tx, &customer.id, &key, &hash, &now, || {
                reminders::set_reminder(tx, &customer.id, &routine, body.remind, today, &now)
            })
        })
        .await?;
    Ok(outcome.into_response())
}
