//! Marking a maintenance task done, by the shopper (`POST /api/v1/me/routines/{routine_id}/done`)
//! or the merchant (`POST /api/v1/admin/customers/{id}/routines/{routine_id}/done`): the
//! body, the rules, the log entry, the `routine.task_done` event and the idempotent answer,
//! shared by both routes. The routine re-plans from the day it was done: the account, the
//! product page's plan and the calendar feed all read the log (`db::routines`, `db::plan`).

use crate::db::idempotency::{self, StoredResponse};
use crate::db::routines;
use crate::db::Connection;
use crate::error::ApiError;
use crate::outbox;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cadence_contract::{Date, Refusal, RoutineTask, TaskDone};
use cadence_webhooks::EventType;
use serde::Serialize;

/// Who marked it done, as the log and the event say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The shopper, in the widget.
    Customer,
    /// The merchant's systems, through the admin API.
    Merchant,
}

impl Actor {
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Customer => "customer",
            Actor::Merchant => "merchant",
        }
    }
}

/// `data` of `routine.task_done`: whose routine, which day, who said so, and the task as
/// it is after (its `next_due` re-planned from that day).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoutineTaskDoneData<'a> {
    /// The merchant's customer id (the token's subject).
    pub customer_id: &'a str,
    /// The day it was done.
    pub done_on: Date,
    /// `customer` (the widget) or `merchant` (the admin API).
    pub actor: &'a str,
    pub task: &'a RoutineTask,
}

/// The optional body: none (or an empty one) means done today; otherwise JSON, strictly.
pub fn read_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<TaskDone, ApiError> {
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::BadRequest("The request body could not be read.")
        }
    })?;
    if body.is_empty() {
        return Ok(TaskDone::default());
    }
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if media.as_deref() != Some("application/json") {
        return Err(ApiError::UnsupportedMediaType);
    }
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError::BadRequest("The request body is not valid JSON."))?;
    // `null` is no body, as the document's schema (null or the object) says; otherwise an
    // object: serde would also read a struct from an array (`["…"]`).
    if value.is_null() {
        return Ok(TaskDone::default());
    }
    if !value.is_object() {
        return Err(ApiError::UnprocessableBody);
    }
    // A `done_on` that is not a date is that field's fault; anything else, the shape's.
    if let Some(done_on) = value.get("done_on").filter(|v| !v.is_null()) {
        if serde_json::from_value::<Date>(done_on.clone()).is_err() {
            return Err(ApiError::field("/done_on", "A date, YYYY-MM-DD."));
        }
    }
    serde_json::from_value(value).map_err(|_| ApiError::UnprocessableBody)
}

/// What the request hashes to for its idempotency key: the path and the day asked for
/// (no body and `{}` are the same request).
pub fn request_hash(path: &str, body: &TaskDone) -> Result<String, ApiError> {
    Ok(idempotency::request_hash("POST", path, body)?)
}

/// The server's today and now, read once per request.
pub struct At {
    pub today: Date,
    pub now: String,
    pub unix: i64,
}

/// Marks `routine` done for `customer` inside `tx`: checks the routine is on a machine they
/// own and the day is neither in the future nor before the machine was bought, logs it,
/// enqueues `routine.task_done`, and returns the task as it is after. Every write goes
/// through `tx`: a refusal leaves nothing behind.
pub fn mark_done(
    tx: &Connection,
    customer: &str,
    routine: &str,
    body: &TaskDone,
    actor: Actor,
    at: &At,
) -> Result<RoutineTask, ApiError> {
    let not_found = || {
        ApiError::NotFound(match actor {
            Actor::Customer => "You own no machine with this routine.",
            Actor::Merchant => "This customer owns no machine with this routine.",
        })
    };
    // Ids are the database's positive integers; anything else names no routine.
    let id: i64 = routine
        .parse()
        .ok()
        .filter(|id| *id > 0 && routine.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(not_found)?;
    let owned = routines::owned_task(tx, customer, id, at.today)?.ok_or_else(not_found)?;
    let done_on = body.done_on.unwrap_or(at.today);
    if done_on > at.today {
        return Err(ApiError::field("/done_on", Refusal::DoneInFuture));
    }
    if done_on < owned.purchased_on {
        return Err(ApiError::field(
            "/done_on",
            Refusal::DoneBeforePurchase {
                purchased_on: owned.purchased_on,
            },
        ));
    }
    routines::record_done(tx, customer, id, done_on, actor.as_str(), &at.now)?;
    let task = routines::owned_task(tx, customer, id, at.today)?
        .ok_or_else(|| ApiError::Internal("routine vanished after marking it done".into()))?
        .task;
    // The merchant's systems hear of it in the same transaction (the outbox).
    outbox::enqueue(
        tx,
        EventType::RoutineTaskDone,
        &outbox::customer_stream(customer),
        at.unix,
        &RoutineTaskDoneData {
            customer_id: customer,
            done_on,
            actor: actor.as_str(),
            task: &task,
        },
    )?;
    Ok(task.clone())
}

/// Marks it done once per idempotency key: a retry with the same key and body replays
/// the first answer (and writes nothing); the same key for another request is a 422.
#[allow(clippy::too_many_arguments, reason = "one request's parts, named")]
pub fn mark_done_once(
    tx: &Connection,
    customer: &str,
    routine: &str,
    body: &TaskDone,
    actor: Actor,
    key: &str,
    hash: &str,
    at: &At,
) -> Result<Outcome, ApiError> {
    once(tx, customer, key, hash, &at.now, || {
        mark_done(tx, customer, routine, body, actor, at)
    })
}

/// Runs `act` once per idempotency key, inside the caller's transaction: a retry with the
/// same key and request replays the first answer (200 with `act`'s value) and runs nothing;
/// the same key for another request is a 422.
pub fn once<T: serde::Serialize>(
    tx: &Connection,
    customer: &str,
    key: &str,
    hash: &str,
    now: &str,
    act: impl FnOnce() -> Result<T, ApiError>,
) -> Result<Outcome, ApiError> {
    if let Some(stored) = idempotency::replay(tx, customer, key, hash)? {
        return Ok(Outcome {
            stored,
            replayed: true,
        });
    }
    let answer = act()?;
    let stored = StoredResponse {
        request_hash: hash.to_owned(),
        status: StatusCode::OK.as_u16(),
        body: serde_json::to_string(&answer)?,
    };
    idempotency::store(tx, customer, key, &stored, now)?;
    Ok(Outcome {
        stored,
        replayed: false,
    })
}

/// The stored answer, and whether this request replays it.
pub struct Outcome {
    pub stored: StoredResponse,
    pub replayed: bool,
}

impl IntoResponse for Outcome {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.stored.status).unwrap_or(StatusCode::OK);
        let mut response = (
            status,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "private, no-store"),
            ],
            self.stored.body,
        )
            .into_response();
        if self.replayed {
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(content_type: Option<&str>, body: &str) -> Result<TaskDone, ApiError> {
        let mut headers = HeaderMap::new();
        if let Some(ct) = content_type {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        }
        read_body(&headers, Ok(Bytes::from(body.to_owned())))
    }

    fn pointer(result: Result<TaskDone, ApiError>) -> Option<String> {
        match result {
            Err(ApiError::Validation(errors)) => Some(errors[0].pointer.clone()),
            _ => None,
        }
    }

    #[test]
    fn the_body_is_optional_and_strict_when_sent() {
        assert_eq!(read(None, "").unwrap(), TaskDone::default());
        assert_eq!(
            read(Some("application/json"), "{}").unwrap(),
            TaskDone::default()
        );
        assert_eq!(
            read(
                Some("application/json; charset=utf-8"),
                r#"{"done_on":"2026-03-01"}"#
            )
            .unwrap()
            .done_on,
            Some("2026-03-01".parse().unwrap())
        );
        assert!(matches!(
            read(Some("text/plain"), "{}"),
            Err(ApiError::UnsupportedMediaType)
        ));
        assert!(matches!(
            read(None, "{}"),
            Err(ApiError::UnsupportedMediaType)
        ));
        assert!(matches!(
            read(Some("application/json"), "{"),
            Err(ApiError::BadRequest(_))
        ));
        assert_eq!(
            pointer(read(Some("application/json"), r#"{"done_on":"yesterday"}"#)).as_deref(),
            Some("/done_on")
        );
        assert!(matches!(
            read(Some("application/json"), r#"{"done":"2026-03-01"}"#),
            Err(ApiError::UnprocessableBody)
        ));
        for shape in ["[]", r#"["2026-03-01"]"#, "3", r#""2026-03-01""#] {
            assert!(
                matches!(
                    read(Some("application/json"), shape),
                    Err(ApiError::UnprocessableBody)
                ),
                "{shape}"
            );
        }
        assert_eq!(
            read(Some("application/json"), "null").unwrap(),
            TaskDone::default()
        );
    }
}
