//! `POST /api/v1/me/subscriptions/{id}/changes` (self-service: one change, idempotent and
//! guarded by `If-Match`) and `GET` of the same path (the recent changes, newest first).

use super::subscriptions::Outcome;
use crate::app::AppState;
use crate::auth::AuthedCustomer;
use crate::db::changes::{self, NewChange};
use crate::db::idempotency;
use crate::db::{extras, orders, products, subscriptions};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, IdempotencyKey};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cadence_contract::{
    ChangeRecord, ChangeVia, Problem, Subscription, SubscriptionChange, API_PREFIX,
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

/// Parses the change strictly. serde ignores extra fields next to the tag of a unit
/// variant (`{"action":"pause","until":…}`) despite `deny_unknown_fields`, so any field
/// the parsed change does not have (other than an explicit `null`) is refused here: a
/// typo must be an error, never silently dropped.
fn parse_change(body: serde_json::Value) -> Result<SubscriptionChange, ApiError> {
    let change: SubscriptionChange =
        serde_json::from_value(body.clone()).map_err(|_| ApiError::UnprocessableBody)?;
    let canonical = serde_json::to_value(&change)?;
    let extra = match (&body, &canonical) {
        (serde_json::Value::Object(sent), serde_json::Value::Object(known)) => sent
            .iter()
            .any(|(k, v)| !v.is_null() && !known.contains_key(k)),
        _ => true,
    };
    if extra {
        return Err(ApiError::UnprocessableBody);
    }
    Ok(change)
}

/// The one-time price of `sku` as an extra for a subscription to `own`: 422 at `/sku`
/// when it is the subscription's own product, unknown or out of stock.
fn add_once_price(
    conn: &rusqlite::Connection,
    own: &str,
    sku: &str,
) -> Result<cadence_contract::Money, ApiError> {
    if sku == own {
        return Err(ApiError::field(
            "/sku",
            "This is the subscription's own product; change the quantity instead.",
        ));
    }
    match products::find(conn, sku)? {
        Some(p) if p.in_stock => Ok(p.price),
        Some(_) => Err(ApiError::field("/sku", "This product is out of stock.")),
        None => Err(ApiError::field("/sku", "No product has this SKU.")),
    }
}

/// Takes the optional `"via"` out of a change body (see [`ChangeVia`]): `null` or absent is
/// none; an unknown value, or `cancel_offer` on a change that is not a pause or a skip, is
/// a 422 at `/via`. What remains is the change itself, parsed by `parse_change`.
fn take_via(body: &mut serde_json::Value) -> Result<Option<ChangeVia>, ApiError> {
    let Some(value) = body.as_object_mut().and_then(|o| o.remove("via")) else {
        return Ok(None);
    };
    if value.is_null() {
        return Ok(None);
    }
    match serde_json::from_value::<ChangeVia>(value) {
        Ok(ChangeVia::CancelOffer) => Ok(Some(ChangeVia::CancelOffer)),
        _ => Err(ApiError::field(
            "/via",
            "`via` is `cancel_offer` or absent.",
        )),
    }
}

/// Only what the cancel confirmation offers may say it came from there.
fn check_via(change: &SubscriptionChange, via: Option<ChangeVia>) -> Result<(), ApiError> {
    match (via, change) {
        (None, _)
        | (
            Some(_),
            SubscriptionChange::Pause
            | SubscriptionChange::PauseFor { .. }
            | SubscriptionChange::PauseUntil { .. }
            | SubscriptionChange::Skip { .. },
        ) => Ok(()),
        (Some(_), _) => Err(ApiError::field(
            "/via",
            "Only a pause or a skip can be chosen on the cancel offer.",
        )),
    }
}

/// The stored name of a `via`.
fn via_name(via: ChangeVia) -> &'static str {
    match via {
        ChangeVia::CancelOffer | ChangeVia::Unknown => "cancel_offer",
    }
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
#[utoipa::path(post, path = "/api/v1/me/subscriptions/{id}/changes", tag = "subscriptions",
    security(("customer_token" = [])),
    params(
        ("id" = String, Path, description = "The subscription id"),
        ("Idempotency-Key" = String, Header, format = "uuid",
            description = "A fresh UUID per intended change; reuse it only to retry the same request"),
        ("If-Match" = String, Header, description = "The subscription's current ETag, e.g. \"sub_1.v3\""),
    ),
    request_body(content = SubscriptionChange, content_type = "application/json"),
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
    ApiPath(id): ApiPath<String>,
    IdempotencyKey(key): IdempotencyKey,
    headers: HeaderMap,
    ApiJson(mut body): ApiJson<serde_json::Value>,
) -> Result<Response, ApiError> {
    let via = take_via(&mut body)?;
    let change = parse_change(body)?;
    check_via(&change, via)?;
    let tags = if_match(&headers)?;
    let path = format!("{API_PREFIX}/me/subscriptions/{id}/changes");
    // Without `via` the hash is what it was before `via` existed, so keys stored by an
    // older server still replay.
    let hash = match via {
        None => idempotency::request_hash("POST", &path, &change)?,
        Some(via) => idempotency::request_hash("POST", &path, &(&change, via))?,
    };
    let clock = state.clock;
    let limits = state.limits.clone();
    let outcome = state
        .db
        .write(move |tx| {
            if let Some(stored) = idempotency::replay(tx, &customer.id, &key, &hash)? {
                return Ok(Outcome::Replayed(stored));
            }
            let today = clock.today();
            let now = clock.timestamp();
            let row = subscriptions::load(tx, &customer.id, &id)?
                .ok_or(ApiError::NotFound("You have no subscription with this id."))?;
            let before = subscriptions::view(tx, &row, today)?;
            if !matches(&tags, &before.etag()) {
                return Err(ApiError::PreconditionFailed(Box::new(before)));
            }
            let rules = subscriptions::rules(&before);
            let next = row.schedule.apply(&change, &rules, today)?;
            // Reactivating brings a subscription back under the per-customer cap.
            if change == SubscriptionChange::Reactivate {
                let cap = limits.max_subscriptions_per_customer;
                if subscriptions::count_held(tx, &customer.id)? >= cap {
                    return Err(ApiError::Conflict(format!(
                        "You already have {cap} subscriptions, the most one customer may hold; \
                         cancel one before reactivating this one."
                    )));
                }
            }
            if let SubscriptionChange::AddOnce { sku, quantity } = &change {
                let price = add_once_price(tx, &next.sku, sku)?;
                let date = before.next_delivery.ok_or_else(|| {
                    ApiError::Conflict("This subscription has no next delivery.".into())
                })?;
                extras::add(tx, &row.id, sku, *quantity, &price, date)?;
            }
            // A swap takes the new product's subscribe & save discount, as its swap
            // option showed; otherwise the locked-in discount stays.
            let discount = match &change {
                SubscriptionChange::Swap { sku } => {
                    products::discount_percent(tx, sku)?.unwrap_or(row.discount_percent)
                }
                _ => row.discount_percent,
            };
            if let SubscriptionChange::ShipNow = change {
                // One extra delivery a day: a repeated press (or a script) must not order
                // again and again. Checked under the write lock, so two presses at once
                // cannot both pass.
                if changes::shipped_now_on(tx, &row.id, today)? {
                    return Err(ApiError::Conflict(
                        "Ship now was already used on this subscription today; it can be \
                         used again tomorrow."
                            .into(),
                    ));
                }
                let unit_price = row.unit_price.discounted(row.discount_percent);
                let order = orders::insert_delivery(
                    tx,
                    &customer.id,
                    &row.id,
                    today,
                    &next.sku,
                    next.quantity,
                    &unit_price,
                )?;
                if let Some(date) = before.next_delivery {
                    extras::ship(tx, &row.id, date, &order)?;
                }
            }
            subscriptions::save(tx, &row, &next, discount, today, &now)?;
            // Extras follow the next delivery wherever this change moved it.
            extras::follow(tx, &row.id, before.next_delivery, next.next_delivery(today))?;
            let after = subscriptions::find(tx, &customer.id, &id, today)?
                .ok_or_else(|| ApiError::Internal("subscription vanished after a change".into()))?;
            let reason = match &change {
                SubscriptionChange::Cancel {
                    reason: Some(reason),
                } => Some(serde_json::to_value(reason)?),
                _ => None,
            };
            changes::record_via(
                tx,
                &NewChange {
                    subscription_id: &row.id,
                    actor: "customer",
                    action: change.action(),
                    before: Some(&subscriptions::snapshot(&before)),
                    after: &subscriptions::snapshot(&after),
                    reason: reason.as_ref().and_then(|r| r.as_str()),
                    at: &now,
                },
                via.map(via_name),
            )?;
            Outcome::store_executed(tx, &customer.id, &key, hash, StatusCode::OK, &after, &now)
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
            changes::recent(conn, &id, HISTORY_LIMIT)
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

    #[test]
    fn unknown_fields_are_refused_even_on_unit_actions() {
        let parse = |s: &str| parse_change(serde_json::from_str(s).unwrap());
        assert_eq!(
            parse(r#"{"action":"pause"}"#).unwrap(),
            SubscriptionChange::Pause
        );
        assert!(parse(r#"{"action":"pause","until":"2026-01-01"}"#).is_err());
        assert!(parse(r#"{"action":"skip","date":"2026-01-01","x":1}"#).is_err());
        assert!(parse(r#"{"action":"cancel","reason":null}"#).is_ok());
        assert!(
            parse(r#"{"action":"cancel","reason":"because"}"#).is_ok(),
            "unknown reasons are `unknown`"
        );
        assert!(parse(r#"["pause"]"#).is_err());
    }

    #[test]
    fn via_is_taken_out_and_only_allowed_on_pauses_and_skips() {
        let split = |s: &str| {
            let mut body: serde_json::Value = serde_json::from_str(s).unwrap();
            let via = take_via(&mut body)?;
            let change = parse_change(body)?;
            check_via(&change, via).map(|()| (change, via))
        };
        let (change, via) =
            split(r#"{"action":"pause_for","deliveries":1,"via":"cancel_offer"}"#).unwrap();
        assert_eq!(change, SubscriptionChange::PauseFor { deliveries: 1 });
        assert_eq!(via, Some(ChangeVia::CancelOffer));
        assert_eq!(
            split(r#"{"action":"pause","via":null}"#).unwrap(),
            (SubscriptionChange::Pause, None)
        );
        assert!(split(r#"{"action":"pause","via":"banner"}"#).is_err());
        assert!(split(r#"{"action":"cancel","via":"cancel_offer"}"#).is_err());
        assert!(split(r#"{"action":"resume","via":"cancel_offer"}"#).is_err());
    }
}
