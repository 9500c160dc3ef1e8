//! An endpoint's delivery log (`GET …/endpoints/{id}/deliveries`: each delivery's state,
//! attempts with status and latency, next try) and replay (`POST …/endpoints/{id}/replay`:
//! one event, or every event of a time range, queued again with the same event id, so a
//! receiver that already has it deduplicates).

use super::store;
use crate::admin::auth::{AdminAccess, Scope};
use crate::app::AppState;
use crate::db::{Connection, OptionalExtension, StoreError};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::params;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use cadence_contract::{Date, Problem};
use cadence_webhooks::{rfc3339_utc, EventType};
use serde::{Deserialize, Serialize};

/// Deliveries per page unless `limit` says.
const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 100;
/// The most events one replay queues: a larger range is split by the caller.
pub const MAX_REPLAY: usize = 10_000;

/// Query of the delivery log; strings, so a bad value is our 422.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Deliveries per page, 1 ..= 100; default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// A delivery id from the previous page's `next_before`: the page after it.
    before: Option<String>,
    /// Only deliveries in this state.
    #[param(value_type = Option<DeliveryState>)]
    state: Option<String>,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not delivered yet: waiting for its next attempt (or for an earlier event of the
    /// same subscription to this endpoint).
    Pending,
    /// A 2xx answer came.
    Delivered,
    /// Given up: every attempt for 3 days failed, or the endpoint answered 410 Gone.
    Failed,
}

impl DeliveryState {
    fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// One attempt of a delivery.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookAttempt {
    /// 1, 2, 3, …
    pub attempt: u32,
    pub attempted_at: String,
    /// The HTTP status; absent when no answer came (timeout, refused connection or
    /// address, TLS failure).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// From connecting to the answer, milliseconds.
    pub latency_ms: u64,
    /// Why it failed; absent on success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One event's delivery to this endpoint.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookDelivery {
    #[schema(example = "dlv_0a1b2c3d4e5f60718293a4b5c6d7e8f9")]
    pub id: String,
    /// The event's id: the `webhook-id` header and the body's `id`.
    pub event_id: String,
    pub event_type: EventType,
    /// The event's stream (a subscription's id) and its number in it.
    pub stream: String,
    pub sequence: u64,
    pub state: DeliveryState,
    /// Queued by a replay.
    pub replay: bool,
    pub created_at: String,
    /// The next attempt, while pending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
    /// Every attempt so far, oldest first.
    pub attempts: Vec<WebhookAttempt>,
}

/// A page of the log, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookDeliveryList {
    pub deliveries: Vec<WebhookDelivery>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_before: Option<String>,
}

/// What to replay: one event (`event_id`), or every event of `[since, until)` the
/// endpoint's filter takes.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    /// One event, sent whatever the endpoint's filter says (it was asked for by name).
    #[schema(example = "evt_5f0c6d0e2b8a4f67a1c9d3e2f4b5a6c7")]
    pub event_id: Option<String>,
    /// The range's start, inclusive: RFC 3339 UTC, whole seconds.
    #[schema(example = "2026-11-23T00:00:00Z")]
    pub since: Option<String>,
    /// The range's end, exclusive.
    #[schema(example = "2026-11-24T00:00:00Z")]
    pub until: Option<String>,
}

/// How many deliveries a replay queued.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReplayQueued {
    pub queued: u64,
}

/// `2026-11-23T09:41:00Z` as unix seconds; only this exact form (the events' own).
pub fn parse_instant(text: &str) -> Option<i64> {
    let (date, time) = text.split_once('T')?;
    let date: Date = date.parse().ok()?;
    let mut hms = time.strip_suffix('Z')?.split(':');
    let mut part = || hms.next()?.parse::<i64>().ok();
    let secs = date.to_days() * 86_400 + part()? * 3600 + part()? * 60 + part()?;
    // Written back, it must be the text given: no 25:00, no missing zero, no offset.
    (rfc3339_utc(secs) == text).then_some(secs)
}

fn endpoint_exists(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(store::get(conn, id)?.is_some())
}

fn not_found() -> ApiError {
    ApiError::NotFound("No webhook endpoint has this id.")
}

/// The endpoint's deliveries, newest first, with every attempt.
#[utoipa::path(get, path = "/api/v1/admin/webhooks/endpoints/{id}/deliveries", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id"), DeliveryQuery),
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "A page of the delivery log", body = WebhookDeliveryList),
        (status = 400, description = "An unknown query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the webhooks scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No endpoint has this id", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad limit, state or cursor", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiPath(id): ApiPath<String>,
    query: Result<Query<DeliveryQuery>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Webhooks)?;
    let Query(query) = query.map_err(|_| {
        ApiError::BadRequest("The query string may hold only limit, before and state.")
    })?;
    let limit = match query.limit.as_deref() {
        None => DEFAULT_PAGE,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| ApiError::field("/limit", "The limit is 1 to 100."))?,
    };
    let wanted = query
        .state
        .as_deref()
        .map(|text| {
            DeliveryState::parse(text).ok_or_else(|| {
                ApiError::field("/state", "The state is pending, delivered or failed.")
            })
        })
        .transpose()?;
    let before = query.before;
    state
        .db
        .read(move |conn| {
            if !endpoint_exists(conn, &id)? {
                return Err(not_found());
            }
            let before = match &before {
                None => i64::MAX,
                Some(cursor) => conn
                    .query_row(
                        "SELECT position FROM webhook_deliveries WHERE id = ?1 AND endpoint_id = ?2",
                        [cursor, &id],
                        |row| row.get(0),
                    )
                    .optional()?
                    .ok_or_else(|| {
                        ApiError::field("/before", "No delivery of this endpoint has this id.")
                    })?,
            };
            page(conn, &id, before, wanted, limit).map_err(ApiError::from)
        })
        .await
        .map(ApiJson)
}

fn page(
    conn: &Connection,
    endpoint: &str,
    before: i64,
    wanted: Option<DeliveryState>,
    limit: i64,
) -> Result<WebhookDeliveryList, StoreError> {
    // One more than asked, to know whether a next page exists.
    let rows = conn.query_all(
        "SELECT d.id, d.event_id, o.type, d.stream, d.sequence, d.state, d.replay,
                d.created_at, d.next_attempt_at
         FROM webhook_deliveries d JOIN outbox_events o ON o.id = d.event_id
         WHERE d.endpoint_id = ?1 AND d.position < ?2 AND (CAST(?3 AS TEXT) = '' OR d.state = CAST(?3 AS TEXT))
         ORDER BY d.position DESC LIMIT ?4",
        params![
            endpoint,
            before,
            wanted.map(DeliveryState::as_str).unwrap_or(""),
            limit + 1
        ],
        |row| {
            let state: String = row.get(5)?;
            let event_type: String = row.get(2)?;
            let next: Option<i64> = row.get(8)?;
            let state = DeliveryState::parse(&state)
                .ok_or_else(|| StoreError::Corrupt(format!("delivery state {state:?}")))?;
            Ok(WebhookDelivery {
                id: row.get(0)?,
                event_id: row.get(1)?,
                event_type: event_type
                    .parse()
                    .map_err(|e| StoreError::Corrupt(format!("{e}")))?,
                stream: row.get(3)?,
                sequence: row.get(4)?,
                state,
                replay: row.get(6)?,
                created_at: rfc3339_utc(row.get(7)?),
                next_attempt_at: next
                    .filter(|_| state == DeliveryState::Pending)
                    .map(rfc3339_utc),
                attempts: Vec::new(),
            })
        },
    )?;
    let mut deliveries = rows;
    let more = deliveries.len() as i64 > limit;
    deliveries.truncate(usize::try_from(limit).unwrap_or(0));
    for delivery in &mut deliveries {
        delivery.attempts = conn.query_all(
            "SELECT attempt, attempted_at, status, latency_ms, error FROM webhook_attempts
             WHERE delivery_id = ?1 ORDER BY attempt",
            [&delivery.id],
            |row| {
                Ok(WebhookAttempt {
                    attempt: row.get(0)?,
                    attempted_at: rfc3339_utc(row.get(1)?),
                    status: row.get(2)?,
                    latency_ms: row.get(3)?,
                    error: row.get(4)?,
                })
            },
        )?;
    }
    let next_before = more
        .then(|| deliveries.last().map(|d| d.id.clone()))
        .flatten();
    Ok(WebhookDeliveryList {
        deliveries,
        next_before,
    })
}

/// Queues one event, or a time range of events, to this endpoint again: new deliveries
/// of the same stored events (same ids, same bodies), sent in each subscription's order.
#[utoipa::path(post, path = "/api/v1/admin/webhooks/endpoints/{id}/replay", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    security(("merchant_key" = [])),
    request_body = ReplayRequest,
    responses(
        (status = 202, description = "Queued", body = ReplayQueued),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the webhooks scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No endpoint has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The endpoint is disabled", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of event_id and a range; an unknown event; a bad or too large range", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn replay(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ReplayRequest>,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Webhooks)?;
    let what = Replay::of(&body)?;
    let due = state.clock.unix_seconds();
    let queued = state
        .db
        .write(move |tx| {
            let endpoint = store::get(tx, &id)?.ok_or_else(not_found)?;
            if !endpoint.enabled {
                return Err(ApiError::conflict(
                    "The endpoint is disabled; enable it, then replay.",
                ));
            }
            let events = what.events(tx, endpoint.event_types.as_deref())?;
            for event in &events {
                store::queue_delivery(tx, &id, event, due, true)?;
            }
            Ok::<_, ApiError>(events.len() as u64)
        })
        .await?;
    store::QUEUED.notify_waiters();
    Ok((StatusCode::ACCEPTED, ApiJson(ReplayQueued { queued })))
}

/// A checked replay request.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Replay {
    One(String),
    /// `[since, until)`, in the stored timestamps' form (which sorts as text).
    Range(String, String),
}

impl Replay {
    fn of(body: &ReplayRequest) -> Result<Self, ApiError> {
        match (&body.event_id, &body.since, &body.until) {
            (Some(id), None, None) => Ok(Replay::One(id.clone())),
            (None, Some(since), Some(until)) => {
                let start = parse_instant(since).ok_or_else(|| {
                    ApiError::field(
                        "/since",
                        "Give since as RFC 3339 UTC, like 2026-11-23T00:00:00Z.",
                    )
                })?;
                let end = parse_instant(until).ok_or_else(|| {
                    ApiError::field(
                        "/until",
                        "Give until as RFC 3339 UTC, like 2026-11-24T00:00:00Z.",
                    )
                })?;
                if end <= start {
                    return Err(ApiError::field("/until", "until must come after since."));
                }
                Ok(Replay::Range(since.clone(), until.clone()))
            }
            _ => Err(ApiError::field(
                "",
                "Send either event_id, or since and until (not both, not neither).",
            )),
        }
    }

    /// The ids of the events to queue, in the order they were written.
    fn events(
        &self,
        conn: &Connection,
        filter: Option<&[EventType]>,
    ) -> Result<Vec<String>, ApiError> {
        match self {
            Replay::One(id) => {
                let found = conn
                    .query_row("SELECT id FROM outbox_events WHERE id = ?1", [id], |row| {
                        row.get::<_, String>(0)
                    })
                    .optional()?;
                found
                    .map(|id| vec![id])
                    .ok_or_else(|| ApiError::field("/event_id", "No event has this id."))
            }
            Replay::Range(since, until) => {
                let limit = MAX_REPLAY + 1;
                let rows: Vec<(String, String)> = conn.query_all(
                    "SELECT id, type FROM outbox_events
                     WHERE occurred_at >= ?1 AND occurred_at < ?2 ORDER BY position LIMIT ?3",
                    params![since, until, limit],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )?;
                if rows.len() > MAX_REPLAY {
                    return Err(ApiError::field(
                        "/until",
                        "The range holds more than 10000 events; replay it in smaller ranges.",
                    ));
                }
                Ok(rows
                    .into_iter()
                    .filter(|(_, name)| {
                        filter.is_none_or(|types| types.iter().any(|t| t.as_str() == name))
                    })
                    .map(|(id, _)| id)
                    .collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_read_in_the_events_own_form_only() {
        assert_eq!(parse_instant("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_instant("2026-11-23T09:41:00Z"), Some(1_795_426_860));
        for bad in [
            "2026-11-23",
            "2026-11-23T09:41Z",
            "2026-11-23T09:41:00",
            "2026-11-23T09:41:00+00:00",
            "2026-11-23T25:00:00Z",
            "2026-11-23T9:41:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-23T09:41:00.5Z",
            "",
        ] {
            assert_eq!(parse_instant(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_replay_is_one_event_or_one_range() {
        let body = |e: Option<&str>, s: Option<&str>, u: Option<&str>| ReplayRequest {
            event_id: e.map(str::to_owned),
            since: s.map(str::to_owned),
            until: u.map(str::to_owned),
        };
        let (a, b) = ("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z");
        assert_eq!(
            Replay::of(&body(Some("evt_1"), None, None)).unwrap(),
            Replay::One("evt_1".into())
        );
        assert_eq!(
            Replay::of(&body(None, Some(a), Some(b))).unwrap(),
            Replay::Range(a.into(), b.into())
        );
        for bad in [
            body(None, None, None),
            body(Some("evt_1"), Some(a), Some(b)),
            body(None, Some(a), None),
            body(None, Some(b), Some(a)),
            body(None, Some(a), Some(a)),
            body(None, Some("yesterday"), Some(b)),
        ] {
            assert!(Replay::of(&bad).is_err(), "{bad:?}");
        }
    }
}
