//! `/api/v1/admin/orders`: the orders Cadence created (and the shop's history), listed by
//! date and status, and the outcome the merchant reports for each (paid, payment failed,
//! fulfilled), which the subscription and the `order.updated` webhook follow.

use super::auth::{AdminAccess, Scope};
use crate::app::AppState;
use crate::db::orders::{self as store, Filter};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::orders::{outcome, Order, OrderStatus, Reported};
use crate::scheduler;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use cadence_contract::{Date, Problem};
use serde::{Deserialize, Serialize};

/// Orders per page unless `limit` says otherwise, and the most one page holds.
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 500;
/// The longest failure reason kept; longer is a mistake (a whole error page).
const MAX_REASON_CHARS: usize = 500;

/// Query of the order list; strings, so a bad value is our 422 naming it.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// Orders placed on or after this date (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date, example = "2026-03-01")]
    pub since: Option<String>,
    /// Orders placed on or before this date (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date, example = "2026-03-31")]
    pub until: Option<String>,
    /// Only orders in this status.
    #[param(value_type = Option<OrderStatus>)]
    pub status: Option<String>,
    /// Orders per page, 1 ..= 500 (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// The `next` of the previous page, to read the following one.
    pub after: Option<String>,
}

/// A page of orders, oldest first (by order date, then id).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderList {
    pub orders: Vec<Order>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

fn date_param(value: Option<&str>, pointer: &str) -> Result<Option<Date>, ApiError> {
    value
        .map(|v| {
            v.parse::<Date>()
                .map_err(|_| ApiError::field(pointer, "Give a date as YYYY-MM-DD."))
        })
        .transpose()
}

/// A page's cursor: its last order's date and id, as `YYYY-MM-DD~ord_…`.
fn cursor(order: &Order) -> String {
    format!("{}~{}", order.ordered_on, order.id)
}

fn parse_cursor(value: &str) -> Result<(Date, String), ApiError> {
    let bad = || ApiError::field("/after", "Pass the `next` value of the previous page.");
    let (on, id) = value.split_once('~').ok_or_else(bad)?;
    let on = on.parse::<Date>().map_err(|_| bad())?;
    if id.is_empty() || id.len() > 100 {
        return Err(bad());
    }
    Ok((on, id.to_owned()))
}

fn filter(query: &OrderQuery) -> Result<Filter, ApiError> {
    let since = date_param(query.since.as_deref(), "/since")?;
    let until = date_param(query.until.as_deref(), "/until")?;
    if let (Some(since), Some(until)) = (since, until) {
        if since > until {
            return Err(ApiError::field("/until", "`until` comes before `since`."));
        }
    }
    let status = query
        .status
        .as_deref()
        .map(|s| {
            OrderStatus::parse(s).ok_or_else(|| {
                ApiError::field(
                    "/status",
                    "The status is pending, paid, payment_failed, payment_retry_due or fulfilled.",
                )
            })
        })
        .transpose()?;
    let limit = match query.limit.as_deref() {
        None => DEFAULT_LIMIT,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| ApiError::field("/limit", "The limit is 1 to 500."))?,
    };
    Ok(Filter {
        since,
        until,
        status,
        after: query.after.as_deref().map(parse_cursor).transpose()?,
        limit,
    })
}

/// Orders placed between `since` and `until` (inclusive), optionally in one status, a
/// page at a time: Cadence's orders (due deliveries and ship nows) and the shop's history.
#[utoipa::path(get, path = "/api/v1/admin/orders", tag = "admin",
    params(OrderQuery),
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "A page of orders", body = OrderList),
        (status = 400, description = "An unknown or repeated query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the read scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A date, status, limit or cursor that is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_orders(
    State(state): State<AppState>,
    access: AdminAccess,
    query: Result<Query<OrderQuery>, QueryRejection>,
) -> Result<ApiJson<OrderList>, ApiError> {
    access.require(Scope::Read)?;
    let Query(query) = query.map_err(|_| {
        ApiError::BadRequest(
            "The query string may hold since, until, status, limit and after, once each.",
        )
    })?;
    let filter = filter(&query)?;
    let limit = filter.limit as usize;
    let orders = state
        .db
        .read(move |conn| store::list(conn, &filter))
        .await?;
    let next = (orders.len() == limit)
        .then(|| orders.last().map(cursor))
        .flatten();
    Ok(ApiJson(OrderList { orders, next }))
}

/// What the merchant reports about an order.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderOutcome {
    /// `paid`, `payment_failed` or `fulfilled`.
    #[schema(
        pattern = "^(paid|payment_failed|fulfilled)$",
        example = "payment_failed"
    )]
    pub outcome: String,
    /// Why the charge failed (1–500 characters), with `payment_failed` only; kept on the
    /// order for the merchant's own records.
    #[schema(min_length = 1, max_length = 500, example = "card_declined")]
    pub reason: Option<String>,
}

fn reported(body: &OrderOutcome) -> Result<(Reported, Option<String>), ApiError> {
    let reason = body.reason.as_deref().map(str::trim);
    let reported = match body.outcome.as_str() {
        "paid" => Reported::Paid,
        "payment_failed" => Reported::PaymentFailed,
        "fulfilled" => Reported::Fulfilled,
        _ => {
            return Err(ApiError::field(
                "/outcome",
                "The outcome is paid, payment_failed or fulfilled.",
            ))
        }
    };
    match (reported, reason) {
        (Reported::PaymentFailed, Some(r))
            if !r.is_empty() && r.chars().count() <= MAX_REASON_CHARS =>
        {
            Ok((reported, Some(r.to_owned())))
        }
        (Reported::PaymentFailed, _) => Err(ApiError::field(
            "/reason",
            "Say why the charge failed, in 1 to 500 characters.",
        )),
        (_, Some(_)) => Err(ApiError::field(
            "/reason",
            "A reason goes with payment_failed only.",
        )),
        (_, None) => Ok((reported, None)),
    }
}

/// Reports an order's outcome: `paid`, `payment_failed` (with a reason) or `fulfilled`.
///
/// Idempotent: reporting what the order already says changes nothing and answers the
/// order as it is (so a retried call is safe); a failed charge counts once per attempt.
/// A failed charge is retried on Cadence's schedule: 1, then 2, then 4 days after each
/// failure the order becomes `payment_retry_due` and `order.updated` (with `retry`)
/// asks the merchant's billing to charge again. After the fourth failure no retry is
/// planned and the subscription shows the subscriber a payment problem with the link to
/// update their payment details (`--update-payment-url`), until an order is paid.
/// Each change writes `order.updated`.
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/outcome", tag = "admin",
    params(("id" = String, Path, description = "The order's id")),
    request_body = OrderOutcome,
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "The order after the report", body = Order),
        (status = 400, description = "Malformed JSON, or a path that is not valid UTF-8", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the write scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No order has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The order's status does not allow this outcome (a paid order cannot fail; only a paid order is fulfilled)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown outcome, a reason missing or too long, or a reason with another outcome", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn post_outcome(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<OrderOutcome>,
) -> Result<ApiJson<Order>, ApiError> {
    access.require(Scope::Write)?;
    let (reported, reason) = reported(&body)?;
    let at = scheduler::at(state.clock);
    let order = state
        .db
        .write(move |tx| outcome::report(tx, &id, reported, reason.as_deref(), &at))
        .await?;
    Ok(ApiJson(order))
}
