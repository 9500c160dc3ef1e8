//! Calendars: a product's plan as an `.ics` download, and each signed-in customer's
//! subscribable feed (its URL, and the feed itself, which calendar apps fetch headerless).

use crate::app::AppState;
use crate::auth::{AuthedCustomer, MaybeCustomer};
use crate::calendar::{events, feed, ics};
use crate::db;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use cadence_contract::problem::FieldError;
use cadence_contract::{
    build_plan, CalendarFeed, Interval, PlanChoice, Problem, Product, API_PREFIX, MAX_QUANTITY,
};

const CALENDAR_TYPE: &str = "text/calendar; charset=utf-8";

/// Query of `plan.ics`; strings so a bad value is our 422, not a generic rejection.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// `<count><d|w|m>` (e.g. `4w`), one of the product's intervals, or `once`.
    /// Default: the product's default interval, or `once` when it cannot be subscribed to.
    #[param(pattern = "^(once|[0-9]{1,4}[dwm])$")]
    interval: Option<String>,
    /// Units per delivery, 1 ..= 20. Default 1.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 20)]
    quantity: Option<String>,
}

/// The product's routine plan for the next 12 months as an iCalendar file: deliveries
/// at the chosen interval and the product's maintenance (from the customer's real due
/// dates when a customer token is sent).
#[utoipa::path(get, path = "/api/v1/products/{sku}/plan.ics", tag = "catalog",
    params(("sku" = String, Path, description = "The product's SKU"), PlanQuery),
    security((), ("customer_token" = [])),
    responses(
        (status = 200, description = "An RFC 5545 calendar, as a download", content_type = "text/calendar", body = String),
        (status = 400, description = "An unknown query parameter, or a path that is not valid UTF-8", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A customer token was sent but is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No product has this SKU", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Interval or quantity not valid for this product", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn plan_ics(
    State(state): State<AppState>,
    MaybeCustomer(customer): MaybeCustomer,
    ApiPath(sku): ApiPath<String>,
    query: Result<Query<PlanQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|_| {
        ApiError::BadRequest("The query string may hold only interval and quantity.")
    })?;
    let (interval, quantity) = parse_query(&query)?;
    let today = state.clock.today();
    let personal = customer.is_some();
    let who = customer.map(|c| c.id);
    // A download link: the browser's own Accept-Language says which language.
    let lang = crate::i18n::current();
    let product = state
        .db
        .read(move |conn| db::plan::product_for(conn, &sku, who.as_deref(), today, lang))
        .await?
        .ok_or(ApiError::NotFound("No product has this SKU."))?;
    let choice = PlanChoice {
        interval: allowed_interval(&product, interval)?,
        quantity,
    };
    let plan = build_plan(&product, &choice, today, events::HORIZON_MONTHS);
    let domain = events::uid_domain(&state.public_url);
    let list = events::plan_events(&product, &choice, &plan, domain, lang);
    let body = ics::calendar(
        &crate::i18n::calendar::plan_name(lang, &product.name),
        &list,
        &state.clock.timestamp(),
        None,
    );
    let disposition = format!(
        "attachment; filename=\"{}-plan.ics\"",
        events::slug(&product.sku)
    );
    let cache = if personal {
        "private, no-store"
    } else {
        "no-cache"
    };
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(CALENDAR_TYPE),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .map_err(|_| ApiError::Internal("unusable file name".into()))?,
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (header::VARY, HeaderValue::from_static("Authorization")),
        ],
        body,
    )
        .into_response())
}

/// `None` interval = not given (use the product's default); `Some(None)` = once.
type ParsedInterval = Option<Option<Interval>>;

fn parse_query(query: &PlanQuery) -> Result<(ParsedInterval, u32), ApiError> {
    let mut errors = Vec::new();
    let interval = match query.interval.as_deref() {
        None => None,
        Some(raw) => match parse_interval(raw) {
            Some(parsed) => Some(parsed),
            None => {
                errors.push(field(
                    "/interval",
                    "Use a count and a unit (d, w or m) such as 4w, at most a year, or once.",
                ));
                None
            }
        },
    };
    let quantity = match query.quantity.as_deref() {
        None => 1,
        Some(raw) => match raw.parse::<u32>() {
            Ok(q) if (1..=MAX_QUANTITY).contains(&q) && !raw.starts_with('+') => q,
            _ => {
                errors.push(field(
                    "/quantity",
                    format!("The quantity must be a whole number from 1 to {MAX_QUANTITY}."),
                ));
                1
            }
        },
    };
    if errors.is_empty() {
        Ok((interval, quantity))
    } else {
        Err(ApiError::fields(errors))
    }
}

fn field(pointer: &str, detail: impl Into<String>) -> FieldError {
    FieldError {
        pointer: pointer.to_owned(),
        detail: detail.into(),
    }
}

/// `once`, or an interval in its short spelling (`4w`, see [`Interval::parse_short`]).
fn parse_interval(raw: &str) -> Option<Option<Interval>> {
    if raw == "once" {
        return Some(None);
    }
    Interval::parse_short(raw).map(Some)
}

/// The interval to plan with: the one asked for if the product offers it.
fn allowed_interval(
    product: &Product,
    asked: ParsedInterval,
) -> Result<Option<Interval>, ApiError> {
    let offer = product.subscription.as_ref();
    match asked {
        None => Ok(offer.map(|o| o.default_interval)),
        Some(None) => Ok(None),
        Some(Some(interval)) => match offer {
            Some(o) if o.intervals.contains(&interval) => Ok(Some(interval)),
            Some(o) => Err(ApiError::field(
                "/interval",
                format!(
                    "This product can be delivered every {}, or once.",
                    o.intervals
                        .iter()
                        .map(|i| i.to_short())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
            None => Err(ApiError::field(
                "/interval",
                "This product cannot be subscribed to: use once.",
            )),
        },
    }
}

/// Retire your calendar feed's URL (shared by mistake, or a calendar you left).
///
/// The old URL answers 404 from now on; `GET /api/v1/me/calendar` gives a new one. Nobody
/// else's feed changes.
#[utoipa::path(delete, path = "/api/v1/me/calendar", tag = "account",
    security(("customer_token" = [])),
    responses(
        (status = 204, description = "Retired"),
        (status = 401, description = "Missing, invalid or expired customer token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reset_calendar(
    State(state): State<AppState>,
    customer: AuthedCustomer,
) -> Result<impl IntoResponse, ApiError> {
    state
        .db
        .write(move |tx| {
            customer.ensure_record(tx)?;
            db::calendar::reset_feed(tx, &customer.id)
        })
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The URL of the signed-in customer's calendar feed, to subscribe to in a calendar app.
#[utoipa::path(get, path = "/api/v1/me/calendar", tag = "account",
    security(("customer_token" = [])),
    responses(
        (status = 200, description = "The feed URL", body = CalendarFeed),
        (status = 401, description = "Missing, invalid or expired customer token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me_calendar(
    State(state): State<AppState>,
    customer: AuthedCustomer,
) -> Result<impl IntoResponse, ApiError> {
    let id = feed::feed_id(
        state.keys.feed_key(),
        &customer.id,
        customer.feed_generation,
    );
    let stored = id.clone();
    state
        .db
        .write(move |tx| {
            customer.ensure_record(tx)?;
            db::calendar::save_feed(tx, &stored, &customer.id)
        })
        .await?;
    let feed_url = format!("{}{API_PREFIX}/calendar/{id}.ics", state.public_url);
    Ok((
        [(header::CACHE_CONTROL, "private, no-store")],
        ApiJson(CalendarFeed { feed_url }),
    ))
}

/// A customer's calendar feed: upcoming deliveries and maintenance due dates. No headers
/// needed; an unknown, malformed or revoked id is a 404 (never a hint which part was wrong).
#[utoipa::path(get, path = "/api/v1/calendar/{feed}", tag = "account",
    params(("feed" = String, Path, description = "`<id>.ics`, as in `GET /api/v1/me/calendar`'s `feed_url`")),
    responses(
        (status = 200, description = "An RFC 5545 calendar", content_type = "text/calendar", body = String),
        (status = 404, description = "No such calendar", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn calendar_feed(
    State(state): State<AppState>,
    file: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    const NOT_FOUND: ApiError = ApiError::NotFound("No calendar has this address.");
    // A path that is not even UTF-8 is one more malformed id: 404 like the others.
    let Ok(Path(file)) = file else {
        return Err(NOT_FOUND);
    };
    let id = file
        .strip_suffix(".ics")
        .filter(|id| feed::well_formed(id))
        .ok_or(NOT_FOUND)?
        .to_owned();
    let today = state.clock.today();
    let key = *state.keys.feed_key();
    let domain = events::uid_domain(&state.public_url).to_owned();
    let list = state
        .db
        .read(move |conn| {
            let Some((customer, generation)) = db::calendar::feed_customer(conn, &id)? else {
                return Ok(None);
            };
            // Made under the current secret and generation? After a rotation of the
            // secret, or the customer's revocation, old feeds stop working.
            if !feed::verify(&key, &customer, generation, &id) {
                return Ok(None);
            }
            events::feed_events(conn, &customer, today, &domain).map(Some)
        })
        .await?
        .ok_or(NOT_FOUND)?;
    let body = ics::calendar("Cadence", &list, &state.clock.timestamp(), Some(12));
    Ok((
        // `Cache-Control: private, no-store` comes from the API's middleware (app.rs): the
        // feed id in the URL is the customer's credential.
        [(header::CONTENT_TYPE, CALENDAR_TYPE)],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The short spelling itself is tested with `Interval::parse_short`; this is `once`.
    #[test]
    fn once_or_an_interval() {
        assert_eq!(parse_interval("once"), Some(None));
        assert_eq!(parse_interval("4w"), Some(Some(Interval::weeks(4))));
        assert_eq!(parse_interval("Once"), None);
        assert_eq!(parse_interval("0w"), None);
    }
}
