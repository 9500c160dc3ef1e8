//! `POST /api/v1/me/subscriptions/{id}/changes` (self-service: one change, idempotent and
//! guarded by `If-Match`) and `GET` of the same path (the recent changes, newest first).
//!
//! The HTTP side only: the body, the headers, the idempotent replay and the status. What
//! a change does to a subscription is `crate::selfservice::apply`.

use super::subscriptions::Outcome;
use crate::app::AppState;
use crate::attribution::{self, Conversion, Shopper};
use crate::auth::AuthedCustomer;
use crate::db::idempotency;
use crate::db::{changes, subscriptions};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, IdempotencyKey, RequestClient};
use crate::routes::events::address_key;
use crate::selfservice;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cadence_contract::{
    ChangeRecord, ChangeRequest, ChangeVia, Problem, RecommendationSource, Subscription,
    SubscriptionChange, API_PREFIX,
};

/// How many changes the history shows: the recent ones, not an export.
const HISTORY_LIMIT: u32 = 20;

/// The entity tags listed in `If-Match`; 428 when the header is absent, because a change
/// made without one could silently overwrite a change the subscriber never saw.
fn if_match(headers: &HeaderMap) -> Result<Vec<String>, ApiError> {
    let values = headers.get_all(header::IF_MATCH);
    let mut tags = Vec::new();
    for value in values {
        let value = value
            .to_str()
            .map_err(|_| ApiError::BadRequest("The If-Match header is not readable."))?;
        tags.extend(
            value
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
        );
    }
    if tags.is_empty() {
        return Err(ApiError::PreconditionRequired);
    }
    Ok(tags)
}

/// Reads the body as a [`ChangeRequest`], strictly, with the problems it always had:
/// a `via` that is not `cancel_offer` (or `null`) is a 422 at `/via`, before anything
/// else is looked at; any other unreadable body is the generic 422.
///
/// serde ignores extra fields next to the tag of a unit variant (`{"action":"pause",
/// "until":…}`) despite `deny_unknown_fields`, so any field the parsed request does not
/// have (other than an explicit `null`) is refused here: a typo must be an error, never
/// silently dropped.
fn parse_request(body: serde_json::Value) -> Result<ChangeRequest, ApiError> {
    let bad_via = || ApiError::field("/via", "`via` is `cancel_offer` or absent.");
    let request: ChangeRequest = match serde_json::from_value(body.clone()) {
        Ok(request) => request,
        // A `via` that does not even read as one (a number, an object) is still `via`'s fault.
        Err(_) => {
            let via = body.get("via").filter(|v| !v.is_null()).cloned();
            return Err(match via.map(serde_json::from_value::<ChangeVia>) {
                Some(Ok(ChangeVia::CancelOffer)) | None => {
                    // Likewise a `recommendation` that is not one.
                    let source = body.get("recommendation").filter(|v| !v.is_null()).cloned();
                    match source.map(serde_json::from_value::<RecommendationSource>) {
                        Some(Err(_)) => ApiError::field(
                            "/recommendation",
                            "`recommendation` is an object with `reason` and `context`.",
                        ),
                        _ => ApiError::UnprocessableBody,
                    }
                }
                Some(_) => bad_via(),
            });
        }
    };
    if request.via == Some(ChangeVia::Unknown) {
        return Err(bad_via());
    }
    let canonical = serde_json::to_value(&request)?;
    let extra = match (&body, &canonical) {
        (serde_json::Value::Object(sent), serde_json::Value::Object(known)) => sent
            .iter()
            .any(|(k, v)| !v.is_null() && !known.contains_key(k)),
        _ => true,
    };
    if extra {
        return Err(ApiError::UnprocessableBody);
    }
    selfservice::check_via(&request)?;
    if let Some(source) = &request.recommendation {
        conversion_of(&request.change, source)?;
        attribution::validate(source, "/recommendation")?;
    }
    Ok(request)
}

/// What a change from a recommendation converts: only an `add_once` or a `swap` may carry
/// one (422 at `/recommendation` otherwise), and the product is the one they name.
fn conversion_of<'a>(
    change: &'a SubscriptionChange,
    source: &'a RecommendationSource,
) -> Result<Conversion<'a>, ApiError> {
    let (sku, action) = match change {
        SubscriptionChange::AddOnce { sku, .. } => (sku, "add_to_next_delivery"),
        SubscriptionChange::Swap { sku } => (sku, "swap"),
        _ => {
            return Err(ApiError::field(
                "/recommendation",
                "Only an add_once or a swap can come from a recommendation.",
            ))
        }
    };
    Ok(Conversion {
        source,
        sku,
        action,
    })
}

/// RFC 9110 strong comparison: weak tags (`W/"…"`) never match; `*` matches any version.
fn matches(tags: &[String], current: &str) -> bool {
    tags.iter().any(|t| t == "*" || t == current)
}

/// Change one of the customer's subscriptions.
///
/// Requires `If-Match` (the ETag the subscriber saw) and an `Idempotency-Key`. The key
/// check, the version check, the change, its order (for `ship_now`), its audit row and the
/// stored response commit in one transaction. `ship_now` works once a day per
/// subscription (the server's date); a second one the same day is a 409. A retry with the same key and body replays
/// the first answer even when the If-Match is stale by then.
///
/// A pause or skip chosen on the cancel confirmation's offer may say so with
/// `"via": "cancel_offer"` next to `"action"` (see `ChangeVia`); the merchant's figures
/// count them as kept instead of cancelled. Any other `via`, or `via` on another action,
/// is a 422 at `/via`.
///
/// An `add_once` or a `swap` chosen on a recommendation may say which one with
/// `"recommendation": {"reason": …, "context": …}` next to `"action"`: the server counts the
/// recommendation's conversion in the change's transaction, so only accepted changes are
/// conversions. On any other action it is a 422 at `/recommendation`.
#[utoipa::path(post, path = "/api/v1/me/subscriptions/{id}/changes", tag = "subscriptions",
    security(("customer_token" = [])),
    params(
        ("id" = String, Path, description = "The subscription id"),
        ("Idempotency-Key" = String, Header, format = "uuid",
            description = "A fresh UUID per intended change; reuse it only to retry the same request"),
        ("If-Match" = String, Header, description = "The subscription's current ETag, e.g. \"sub_1.v3\""),
    ),
    request_body(content = ChangeRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed (or the replay of a retried request)", body = Subscription,
            headers(("ETag" = String, description = "Strong validator of the new version"))),
        (status = 400, description = "Malformed JSON, missing/invalid Idempotency-Key, an unreadable If-Match or a path that is not valid UTF-8", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or expired customer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription for this customer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The change does not apply in the subscription's current state (e.g. cancelled), `ship_now` was already used today on this subscription, or a reactivation would exceed the subscriptions one customer may hold", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale; `current` holds the subscription as it is now", body = Problem, content_type = "application/problem+json",
            headers(("ETag" = String, description = "The current version's validator"))),
        (status = 413, description = "The body is over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid value (see `errors[].pointer`), an unknown action, or a reused Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn post_change(
    State(state): State<AppState>,
    customer: AuthedCustomer,
    RequestClient(client): RequestClient,
    ApiPath(id): ApiPath<String>,
    IdempotencyKey(key): IdempotencyKey,
    headers: HeaderMap,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Response, ApiError> {
    let request = parse_request(body)?;
    let tags = if_match(&headers)?;
    let path = format!("{API_PREFIX}/me/subscriptions/{id}/changes");
    // Without `via` the hash is what it was before `via` existed, so keys stored by an
    // older server still replay (and likewise without `recommendation`).
    let hash = match (request.via, &request.recommendation) {
        (None, None) => idempotency::request_hash("POST", &path, &request.change)?,
        (Some(via), None) => idempotency::request_hash("POST", &path, &(&request.change, via))?,
        (via, Some(source)) => {
            idempotency::request_hash("POST", &path, &(&request.change, via, source))?
        }
    };
    let address = client.map(|c| address_key(state.keys.feed_key(), c));
    let at = selfservice::At {
        today: state.clock.today(),
        now: state.clock.timestamp(),
        unix: state.clock.unix_seconds(),
    };
    let cap = state.limits.max_subscriptions_per_customer;
    let outcome = state
        .db
        .write_for(customer.id.clone(), move |tx| {
            if let Some(stored) = idempotency::replay(tx, &customer.id, &key, &hash)? {
                return Ok(Outcome::Replayed(stored));
            }
            let after = selfservice::apply(tx, &customer.id, &id, &request, &at, cap, |before| {
                if matches(&tags, &before.etag()) {
                    Ok(())
                } else {
                    Err(ApiError::PreconditionFailed(Box::new(before.clone())))
                }
            })?;
            // Accepted: a recommendation it came from converted, in this transaction.
            if let Some(source) = &request.recommendation {
                let shopper = Shopper {
                    customer: &customer.id,
                    address: address.as_deref(),
                };
                let conversion = conversion_of(&request.change, source)?;
                attribution::record(tx, &conversion, &shopper, &at.now, at.today)?;
            }
            Outcome::store_executed(
                tx,
                &customer.id,
                &key,
                hash.clone(),
                StatusCode::OK,
                &after,
                &at.now,
            )
        })
        .await?;
    outcome.into_response()
}

/// The subscription's recent changes, newest first (at most 20).
#[utoipa::path(get, path = "/api/v1/me/subscriptions/{id}/changes", tag = "subscriptions",
    security(("customer_token" = [])),
    params(("id" = String, Path, description = "The subscription id")),
    responses(
        (status = 200, description = "The recent changes, newest first", body = Vec<ChangeRecord>),
        (status = 400, description = "The path is not valid percent-encoded UTF-8", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or expired customer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription for this customer", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_changes(
    State(state): State<AppState>,
    customer: AuthedCustomer,
    ApiPath(id): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let records = state
        .db
        .read(move |conn| {
            subscriptions::load(conn, &customer.id, &id)?
                .ok_or(ApiError::NotFound("You have no subscription with this id."))?;
            Ok::<_, ApiError>(changes::latest(conn, &id, HISTORY_LIMIT)?)
        })
        .await?;
    Ok((
        [(header::CACHE_CONTROL, "private, no-store")],
        ApiJson(records),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn if_match_is_required_and_compared_strongly() {
        let mut headers = HeaderMap::new();
        assert!(matches!(
            if_match(&headers),
            Err(ApiError::PreconditionRequired)
        ));
        headers.insert(
            header::IF_MATCH,
            HeaderValue::from_static(r#"W/"s.v1", "s.v2""#),
        );
        let tags = if_match(&headers).unwrap();
        assert!(matches(&tags, r#""s.v2""#));
        assert!(!matches(&tags, r#""s.v1""#));
        assert!(matches(&["*".to_owned()], r#""s.v9""#));
    }

    fn change(json: &str) -> Result<SubscriptionChange, ApiError> {
        parse_request(serde_json::from_str(json).unwrap()).map(|r| r.change)
    }

    fn pointer(result: Result<ChangeRequest, ApiError>) -> Option<String> {
        match result {
            Err(ApiError::Validation(errors)) => Some(errors[0].pointer.clone()),
            _ => None,
        }
    }

    #[test]
    fn unknown_fields_are_refused_even_on_unit_actions() {
        assert_eq!(
            change(r#"{"action":"pause"}"#).unwrap(),
            SubscriptionChange::Pause
        );
        assert!(change(r#"{"action":"pause","until":"2026-01-01"}"#).is_err());
        assert!(change(r#"{"action":"skip","date":"2026-01-01","x":1}"#).is_err());
        assert!(change(r#"{"action":"cancel","reason":null}"#).is_ok());
        assert!(
            change(r#"{"action":"cancel","reason":"because"}"#).is_ok(),
            "unknown reasons are `unknown`"
        );
        assert!(change(r#"["pause"]"#).is_err());
    }

    #[test]
    fn via_is_read_beside_the_action_and_only_allowed_on_pauses_and_skips() {
        let parse = |s: &str| parse_request(serde_json::from_str(s).unwrap());
        let request =
            parse(r#"{"action":"pause_for","deliveries":1,"via":"cancel_offer"}"#).unwrap();
        assert_eq!(
            request.change,
            SubscriptionChange::PauseFor { deliveries: 1 }
        );
        assert_eq!(request.via, Some(ChangeVia::CancelOffer));
        let request = parse(r#"{"action":"pause","via":null}"#).unwrap();
        assert_eq!(
            (request.change, request.via),
            (SubscriptionChange::Pause, None)
        );
        for at_via in [
            r#"{"action":"pause","via":"banner"}"#,
            r#"{"action":"pause","via":5}"#,
            // `via` is looked at first, as before: a bad one wins over a bad change.
            r#"{"action":"fly","via":"banner"}"#,
            r#"{"action":"cancel","via":"cancel_offer"}"#,
            r#"{"action":"resume","via":"cancel_offer"}"#,
        ] {
            assert_eq!(pointer(parse(at_via)).as_deref(), Some("/via"), "{at_via}");
        }
        assert!(matches!(
            parse(r#"{"action":"fly","via":"cancel_offer"}"#),
            Err(ApiError::UnprocessableBody)
        ));
    }
}
