//! `POST /api/v1/admin/demo/clock` (demo builds, `--demo` servers only): moves the server's
//! clock forward and runs the scheduler at once, so a visitor watches a month of
//! deliveries become orders in a second. Every part of the server reads the moved clock.

use super::auth::{AdminAccess, Scope};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::scheduler::{self, RunSummary};
use axum::extract::State;
use cadence_contract::{Date, Problem};
use serde::{Deserialize, Serialize};

/// How far the clock moves.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockAdvance {
    /// Days forward, 1 ..= 366.
    #[schema(minimum = 1, maximum = 366, example = 30)]
    pub advance_days: u32,
}

/// The clock after the move, and what the scheduler then did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClockMoved {
    pub today: Date,
    /// RFC 3339 UTC.
    pub now: String,
    pub run: RunSummary,
}

/// Moves the demo server's clock forward by `advance_days` and runs the scheduler: every
/// delivery that falls due meanwhile becomes an order (with its events), and payment
/// retries fall due. Only on a demo server (`--demo`); elsewhere 404.
#[utoipa::path(post, path = "/api/v1/admin/demo/clock", tag = "admin",
    request_body = ClockAdvance,
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "Moved; the scheduler ran", body = ClockMoved),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the write scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "This server's clock cannot be moved (not started with --demo)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "advance_days missing or not 1 to 366", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn post_clock(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiJson(body): ApiJson<ClockAdvance>,
) -> Result<ApiJson<ClockMoved>, ApiError> {
    access.require(Scope::Write)?;
    if !(1..=366).contains(&body.advance_days) {
        return Err(ApiError::field(
            "/advance_days",
            "Move the clock 1 to 366 days.",
        ));
    }
    if !state.clock.advance(i64::from(body.advance_days) * 86_400) {
        return Err(ApiError::NotFound(
            "This server's clock cannot be moved: it was not started with --demo.",
        ));
    }
    let run = scheduler::run_due(&state.db, state.clock).await?;
    Ok(ApiJson(ClockMoved {
        today: state.clock.today(),
        now: state.clock.timestamp(),
        run,
    }))
}
