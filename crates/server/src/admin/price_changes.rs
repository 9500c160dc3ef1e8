//! `/api/v1/admin/price-changes`: the one way a merchant changes what existing subscribers
//! pay (a catalog price is only the offer to new ones). The rules are `price_change.rs`;
//! this is the HTTP: the body, the list, the status codes.

use super::auth::{AdminAccess, Scope};
use super::body::Record;
use super::checks::Problems;
use crate::app::AppState;
use crate::db::price_changes::{self, PriceChange};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::notify::Notifier;
use crate::price_change::{self, Request};
use crate::scheduler;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use cadence_contract::{Date, Problem};
use serde::{Deserialize, Serialize};

/// The highest unit price accepted, in minor units (10 million in major units): a bigger
/// one is a mistake (cents sent as units twice over), not a price.
const MAX_UNIT_PRICE_MINOR: i64 = 1_000_000_000;
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 500;

/// A change of the price existing subscribers of one product pay, from a date on.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceChangeRequest {
    /// The product whose subscriptions change price.
    #[schema(example = "CAPS-INTENSO")]
    pub sku: String,
    /// The new unit price in minor units of the product's currency, before each
    /// subscription's own discount; 0 to 1,000,000,000.
    #[schema(example = 1850, minimum = 0, maximum = 1_000_000_000)]
    pub unit_price_minor: i64,
    /// The first delivery date the new price applies to: at least the notice period
    /// (`price_notice_days` of the notification settings, 30 days by default) after today.
    #[schema(value_type = String, format = Date, example = "2026-05-01")]
    pub effective_on: Date,
    /// Only this subscription (it must be to `sku`); absent: every subscription to `sku`
    /// that is not cancelled.
    #[serde(default)]
    #[schema(example = "sub_demo_ada_intenso")]
    pub subscription_id: Option<String>,
}

/// What an announcement covers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PriceChangeOutcome {
    /// The request's changes, one per subscription: made now, or by the same request before.
    /// Subscriptions already at the new price have none.
    pub changes: Vec<PriceChange>,
    /// How many were made now (0 for a repeated request).
    pub created: u32,
}

/// A page of price changes, oldest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PriceChangeList {
    pub changes: Vec<PriceChange>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Query of the list; strings, so a bad value is our 422 naming it.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PriceChangeQuery {
    /// Changes per page, 1 ..= 500 (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// The `next` of the previous page, to read the following one.
    pub after: Option<String>,
}

fn checked(body: PriceChangeRequest) -> Result<Request, ApiError> {
    let mut problems = Problems(Vec::new());
    problems.id("/sku", &body.sku);
    if !(0..=MAX_UNIT_PRICE_MINOR).contains(&body.unit_price_minor) {
        problems.add(
            "/unit_price_minor",
            "A unit price is 0 to 1,000,000,000, in minor units.",
        );
    }
    if let Some(id) = &body.subscription_id {
        problems.id("/subscription_id", id);
    }
    problems.into_result().map_err(ApiError::fields)?;
    Ok(Request {
        sku: body.sku,
        unit_price_minor: body.unit_price_minor,
        effective_on: body.effective_on,
        subscription_id: body.subscription_id,
    })
}

/// Change what existing subscribers of a product pay, from a date on (write scope).
///
/// Each subscription to `sku` that is not cancelled (or only `subscription_id`) gets the
/// change scheduled, its version bumped, a `price_change_scheduled` history row and
/// `subscription.updated` event, and a price-change notice to the shopper
/// (`notification.price_change`, and an e-mail when the merchant sends them; never
/// unsubscribable). Its account shows the coming price; cancelling before `effective_on`
/// means it is never charged. On `effective_on` the price applies: deliveries dated from
/// then on are ordered at it (`price_changed` in the history, with its receipt).
///
/// Idempotent by its body: the same request again makes nothing new and answers the same
/// changes. A subscription with another change coming is a 409, and nothing is written.
#[utoipa::path(post, path = "/api/v1/admin/price-changes", tag = "admin",
    security(("merchant_key" = [])),
    request_body = PriceChangeRequest,
    responses(
        (status = 200, description = "Nothing new: the same request was made before (or no subscription needed a change)", body = PriceChangeOutcome),
        (status = 201, description = "Scheduled, with notices made", body = PriceChangeOutcome),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the write scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A subscription has another price change coming; nothing is written", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, an unknown SKU or subscription, or an `effective_on` sooner than the notice period (see `errors[].pointer`); nothing is written", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn post_price_change(
    State(state): State<AppState>,
    access: AdminAccess,
    Record(body): Record<PriceChangeRequest>,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Write)?;
    let request = checked(body)?;
    let notifier = Notifier::of(&state);
    let at = scheduler::at(state.clock);
    let outcome = state
        .db
        .write(move |tx| price_change::schedule(tx, &notifier, &request, &at))
        .await?;
    let status = if outcome.created > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        ApiJson(PriceChangeOutcome {
            changes: outcome.changes,
            created: outcome.created,
        }),
    ))
}

/// Price changes announced, oldest first, whatever their state (read scope).
#[utoipa::path(get, path = "/api/v1/admin/price-changes", tag = "admin",
    params(PriceChangeQuery),
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "A page of price changes", body = PriceChangeList),
        (status = 400, description = "An unknown or repeated query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the read scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A limit or cursor that is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_price_changes(
    State(state): State<AppState>,
    access: AdminAccess,
    query: Result<Query<PriceChangeQuery>, QueryRejection>,
) -> Result<ApiJson<PriceChangeList>, ApiError> {
    access.require(Scope::Read)?;
    let Query(query) = query.map_err(|_| {
        ApiError::BadRequest("The query string may hold limit and after, once each.")
    })?;
    let limit = match query.limit.as_deref() {
        None => DEFAULT_LIMIT,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| ApiError::field("/limit", "The limit is 1 to 500."))?,
    };
    let after = match query.after.as_deref() {
        None => 0,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| {
                ApiError::field("/after", "Pass the `next` value of the previous page.")
            })?,
    };
    let changes = state
        .db
        .read(move |conn| price_changes::list(conn, after, limit))
        .await?;
    let next = (changes.len() == limit as usize)
        .then(|| changes.last().map(|c| c.id.to_string()))
        .flatten();
    Ok(ApiJson(PriceChangeList { changes, next }))
}
