//! `POST /api/v1/me/subscriptions` (subscribe, idempotent) and
//! `GET /api/v1/me/subscriptions/{id}` (one subscription with its ETag).

use crate::app::AppState;
use crate::attribution::{self, Conversion, Shopper};
use crate::auth::AuthedCustomer;
use crate::db::changes::{self, NewChange};
use crate::db::idempotency::{self, StoredResponse};
use crate::db::products;
use crate::db::subscriptions::{self, NewRow};
use crate::db::Connection;
use crate::error::{ApiError, FieldIssue};
use crate::extract::{ApiJson, ApiPath, IdempotencyKey, RequestClient};
use crate::outbox::{self, ChangeSummary, SubscriptionEventData};
use crate::routes::events::address_key;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cadence_contract::{
    NewSubscription, Problem, Product, Refusal, Subscription, API_PREFIX, MAX_QUANTITY,
};
use cadence_webhooks::EventType;

/// The strong ETag of a subscription's current version.
pub fn etag(subscription: &Subscription) -> HeaderValue {
    HeaderValue::from_str(&subscription.etag())
        .expect("subscription ids are generated from URL-safe characters")
}

fn location(subscription: &Subscription) -> String {
    format!("{API_PREFIX}/me/subscriptions/{}", subscription.id)
}

/// A JSON response carrying a subscription's ETag and, for creations, its Location.
pub(crate) fn subscription_response(
    status: StatusCode,
    body: String,
    subscription: &Subscription,
) -> Response {
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::ETAG, etag(subscription));
    if status == StatusCode::CREATED {
        if let Ok(location) = HeaderValue::from_str(&location(subscription)) {
            headers.insert(header::LOCATION, location);
        }
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

fn request_hash(body: &NewSubscription) -> Result<String, ApiError> {
    Ok(idempotency::request_hash(
        "POST",
        &format!("{API_PREFIX}/me/subscriptions"),
        body,
    )?)
}

/// Checks every rule, reporting all broken ones at once; returns the product on success.
fn validate(conn: &Connection, body: &NewSubscription) -> Result<Product, ApiError> {
    let mut errors = Vec::new();
    let mut error = |pointer: &str, why: Refusal| errors.push(FieldIssue::new(pointer, why));
    if body.quantity == 0 || body.quantity > MAX_QUANTITY {
        error("/quantity", Refusal::QuantityRange { max: MAX_QUANTITY });
    }
    let product = products::find(conn, &body.sku)?;
    match &product {
        None => error("/sku", Refusal::UnknownProduct),
        Some(product) => match &product.subscription {
            None => error("/sku", Refusal::NotSubscribable),
            Some(offer) if !offer.intervals.contains(&body.interval) => {
                error("/interval", Refusal::IntervalNotOffered)
            }
            Some(_) => {}
        },
    }
    if let Some(source) = &body.recommendation {
        if let Err(ApiError::Validation(mut found)) =
            attribution::validate(source, "/recommendation")
        {
            errors.append(&mut found);
        }
    }
    match product {
        Some(product) if errors.is_empty() => Ok(product),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// A mutation's stored response, and whether this request executed it or replays it.
pub(crate) enum Outcome {
    Executed(StoredResponse),
    Replayed(StoredResponse),
}

impl Outcome {
    /// Stores `subscription` as the answer to this customer's `key` (inside the caller's
    /// transaction, with the mutation and its audit row) and marks it executed.
    pub(crate) fn store_executed(
        tx: &crate::db::Connection,
        customer: &str,
        key: &str,
        request_hash: String,
        status: StatusCode,
        subscription: &Subscription,
        now: &str,
    ) -> Result<Outcome, ApiError> {
        let stored = StoredResponse {
            request_hash,
            status: status.as_u16(),
            body: serde_json::to_string(subscription)?,
        };
        idempotency::store(tx, customer, key, &stored, now)?;
        Ok(Outcome::Executed(stored))
    }

    /// The stored subscription response, marked `Idempotent-Replayed` when replayed.
    pub(crate) fn into_response(self) -> Result<Response, ApiError> {
        let (stored, replayed) = match self {
            Outcome::Executed(stored) => (stored, false),
            Outcome::Replayed(stored) => (stored, true),
        };
        let subscription: Subscription = serde_json::from_str(&stored.body)?;
        let status = StatusCode::from_u16(stored.status)
            .map_err(|_| ApiError::Internal("bad stored idempotent status".into()))?;
        let mut response = subscription_response(status, stored.body, &subscription);
        if replayed {
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
        }
        Ok(response)
    }
}

/// Subscribe to a product.
///
/// Idempotent: retrying with the same `Idempotency-Key` and body replays the first
/// response; reusing a key for a different body is refused with 422. A customer holds at
/// most `Limits::max_subscriptions_per_customer` subscriptions that are not cancelled; one
/// more is a 409 (a replay of one already created still replays).
///
/// From a recommendation's "subscribe", `recommendation` says which one: its conversion is
/// counted with the subscription, in the same transaction (none when the subscribe is
/// refused).
#[utoipa::path(post, path = "/api/v1/me/subscriptions", tag = "subscriptions",
    security(("customer_token" = [])),
    params(("Idempotency-Key" = String, Header, format = "uuid",
        description = "A fresh UUID (e.g. 7c9e6679-7425-40de-944b-e07fc1f90ae7) per intended change; reuse it only to retry the same request")),
    request_body(content = NewSubscription, content_type = "application/json"),
    responses(
        (status = 201, description = "Subscribed (or the replay of a retried request)", body = Subscription,
            headers(("ETag" = String, description = "Strong validator of this version"),
                    ("Location" = String, description = "URL of the new subscription"))),
        (status = 400, description = "Malformed JSON or missing/invalid Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or expired customer token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The customer already holds the most subscriptions (not cancelled) one customer may (a server setting, 100 by default); nothing is written", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (see `errors[].pointer`) or a reused Idempotency-Key", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_subscription(
    State(state): State<AppState>,
    customer: AuthedCustomer,
    RequestClient(client): RequestClient,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(body): ApiJson<NewSubscription>,
) -> Result<Response, ApiError> {
    let hash = request_hash(&body)?;
    let address = client.map(|c| address_key(state.keys.feed_key(), c));
    let clock = state.clock;
    let limits = state.limits.clone();
    // Key check, insert, audit and stored response commit together or not at all.
    let outcome = state
        .db
        .write_for(customer.id.clone(), move |tx| {
            if let Some(stored) = idempotency::replay(tx, &customer.id, &key, &hash)? {
                return Ok(Outcome::Replayed(stored));
            }
            let product = validate(tx, &body)?;
            // Counted under the write lock, so two subscribes at once cannot both pass.
            let cap = limits.max_subscriptions_per_customer;
            if subscriptions::count_held(tx, &customer.id)? >= cap {
                return Err(ApiError::conflict(Refusal::SubscriptionCap {
                    max: cap,
                    reactivating: false,
                }));
            }
            let discount_percent = product
                .subscription
                .as_ref()
                .map_or(0, |o| o.discount_percent);
            let today = clock.today();
            let next_delivery = body
                .interval
                .nth_after(today, 1)
                .ok_or_else(|| ApiError::Internal("next delivery beyond year 9999".into()))?;
            let id = format!("sub_{}", uuid::Uuid::new_v4().simple());
            let now = clock.timestamp();
            // A customer the merchant never loaded gets their record with their first
            // subscription (`auth.rs`).
            customer.ensure_record(tx)?;
            subscriptions::insert(
                tx,
                &NewRow {
                    id: &id,
                    customer_id: &customer.id,
                    sku: &product.sku,
                    quantity: body.quantity,
                    interval: body.interval,
                    anchor_date: today,
                    next_delivery,
                    discount_percent,
                    // The price the shopper saw is the one they agree to, locked in.
                    unit_price_minor: product.price.amount_minor,
                    now: &now,
                },
            )?;
            let created = subscriptions::find(tx, &customer.id, &id, today)?
                .ok_or_else(|| ApiError::Internal("subscription vanished after insert".into()))?;
            changes::record(
                tx,
                &NewChange {
                    subscription_id: &id,
                    actor: "customer",
                    action: "create",
                    before: None,
                    after: &subscriptions::snapshot(&created),
                    reason: None,
                    at: &now,
                },
            )?;
            outbox::enqueue(
                tx,
                EventType::SubscriptionCreated,
                &outbox::subscription_stream(&id),
                clock.unix_seconds(),
                &SubscriptionEventData {
                    customer_id: &customer.id,
                    subscription: &created,
                    change: ChangeSummary {
                        action: "create",
                        actor: "customer",
                        reason: None,
                        via: None,
                    },
                },
            )?;
            // Accepted: the recommendation it came from converted, in this transaction.
            if let Some(source) = &body.recommendation {
                let conversion = Conversion {
                    source,
                    sku: &product.sku,
                    action: "subscribe",
                };
                let shopper = Shopper {
                    customer: &customer.id,
                    address: address.as_deref(),
                };
                attribution::record(tx, &conversion, &shopper, &now, today)?;
            }
            Outcome::store_executed(
                tx,
                &customer.id,
                &key,
                hash.clone(),
                StatusCode::CREATED,
                &created,
                &now,
            )
        })
        .await?;
    outcome.into_response()
}

/// One of the customer's subscriptions, with its current ETag.
#[utoipa::path(get, path = "/api/v1/me/subscriptions/{id}", tag = "subscriptions",
    security(("customer_token" = [])),
    params(("id" = String, Path, description = "The subscription id")),
    responses(
        (status = 200, description = "The subscription", body = Subscription,
            headers(("ETag" = String, description = "Strong validator of this version"))),
        (status = 400, description = "The path is not valid percent-encoded UTF-8", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or expired customer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription for this customer", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_subscription(
    State(state): State<AppState>,
    customer: AuthedCustomer,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let today = state.clock.today();
    let found = state
        .db
        .read(move |conn| subscriptions::find(conn, &customer.id, &id, today))
        .await?;
    let subscription = found.ok_or(ApiError::NotFound("You have no subscription with this id."))?;
    let body = serde_json::to_string(&subscription)?;
    Ok(subscription_response(StatusCode::OK, body, &subscription))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadence_contract::Interval;

    #[test]
    fn request_hash_ignores_formatting_but_not_content() {
        let a: NewSubscription = serde_json::from_str(
            r#"{"sku":"A","quantity":1,"interval":{"count":4,"unit":"week"}}"#,
        )
        .unwrap();
        let b: NewSubscription = serde_json::from_str(
            r#"{ "interval": {"unit":"week","count":4}, "quantity": 1, "sku": "A" }"#,
        )
        .unwrap();
        assert_eq!(request_hash(&a).unwrap(), request_hash(&b).unwrap());
        let c = NewSubscription {
            interval: Interval::weeks(2),
            ..a.clone()
        };
        assert_ne!(request_hash(&a).unwrap(), request_hash(&c).unwrap());
    }
}
