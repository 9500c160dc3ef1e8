//! `GET /api/v1/me/subscriptions/{id}/consents`: the shopper's own consent records for a
//! subscription (`crate::consent`), every one, in pages, to read or save as a file.

use crate::app::AppState;
use crate::auth::AuthedCustomer;
use crate::consent::{self, ConsentRecord};
use crate::db::subscriptions;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use cadence_contract::Problem;
use serde::{Deserialize, Serialize};

/// Records per page, at most.
const MAX_PAGE: i64 = 500;

/// Query of the list; strings, so a bad value is our 422.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsentQuery {
    /// The last id of the previous page (`next_after`); absent: from the first record.
    #[param(value_type = Option<i64>, minimum = 0)]
    after: Option<String>,
    /// Records per page, 1 ..= 500; default 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
}

/// A page of consent records, oldest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsentList {
    pub consents: Vec<ConsentRecord>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<i64>,
}

/// What you agreed to for this subscription: when you subscribed, and every change to
/// what you pay or how often, with the terms as they were shown to you.
///
/// Records are never changed or deleted; a new agreement adds one.
#[utoipa::path(get, path = "/api/v1/me/subscriptions/{id}/consents", tag = "subscriptions",
    security(("customer_token" = [])),
    params(("id" = String, Path, description = "The subscription id"), ConsentQuery),
    responses(
        (status = 200, description = "The records, oldest first", body = ConsentList),
        (status = 400, description = "An unknown query parameter, or a path that is not valid UTF-8", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or expired customer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription for this customer", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad after or limit", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_consents(
    State(state): State<AppState>,
    customer: AuthedCustomer,
    ApiPath(id): ApiPath<String>,
    query: Result<Query<ConsentQuery>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Query(query) = query
        .map_err(|_| ApiError::BadRequest("The query string may hold only after and limit."))?;
    let number = |text: &Option<String>,
                  pointer: &'static str,
                  detail: &'static str,
                  ok: fn(i64) -> bool| {
        match text.as_deref() {
            None => Ok(None),
            Some(t) => t
                .parse::<i64>()
                .ok()
                .filter(|n| ok(*n))
                .map(Some)
                .ok_or_else(|| ApiError::field(pointer, detail)),
        }
    };
    let after = number(&query.after, "/after", "A record id, 0 or more.", |n| {
        n >= 0
    })?
    .unwrap_or(0);
    let limit = number(&query.limit, "/limit", "The limit is 1 to 500.", |n| {
        (1..=MAX_PAGE).contains(&n)
    })?
    .unwrap_or(100);
    let filename = format!("attachment; filename=\"consents-{id}.json\"");
    let consents = state
        .db
        .read(move |conn| {
            subscriptions::load(conn, &customer.id, &id)?
                .ok_or(ApiError::NotFound("You have no subscription with this id."))?;
            Ok::<_, ApiError>(consent::of_subscription(
                conn,
                &customer.id,
                &id,
                after,
                limit,
            )?)
        })
        .await?;
    let next_after = (consents.len() as i64 == limit)
        .then(|| consents.last().map(|c| c.id))
        .flatten();
    // A file when saved: the shopper's own copy of what they agreed to.
    let disposition = axum::http::HeaderValue::from_str(&filename)
        .unwrap_or(axum::http::HeaderValue::from_static("attachment"));
    Ok((
        [
            (
                header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("private, no-store"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        ApiJson(ConsentList {
            consents,
            next_after,
        }),
    ))
}
