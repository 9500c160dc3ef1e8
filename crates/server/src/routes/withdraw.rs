//! `POST /api/v1/me/subscriptions/{id}/withdraw`: the widget's withdrawal from a new
//! subscription (the EU right of withdrawal), idempotent. No `If-Match`: a withdrawal is
//! valid whatever the subscriber saw last, and nothing may delay it. What it does is
//! `notify::cancel::withdraw` (the same as the public `/withdraw` page).

use super::subscriptions::Outcome;
use crate::app::AppState;
use crate::auth::AuthedCustomer;
use crate::db::idempotency;
use crate::error::ApiError;
use crate::extract::{ApiPath, IdempotencyKey};
use crate::selfservice::At;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cadence_contract::{Problem, Subscription, API_PREFIX};

/// Withdraw from one of the customer's subscriptions within its withdrawal period.
///
/// Within `withdrawable_until` (the merchant's `withdrawal_days` from subscribing, 14 by
/// default) the subscription is cancelled at once as a withdrawal: an audit row and a
/// `subscription.updated` whose `change.via` is `withdrawal`, a receipt saying so, and a
/// `withdrawal.requested` event with the request. After the period, or once cancelled, a
/// 409 that says why (cancelling is always possible). A retry with the same
/// `Idempotency-Key` replays the first answer.
#[utoipa::path(post, path = "/api/v1/me/subscriptions/{id}/withdraw", tag = "subscriptions",
    security(("customer_token" = [])),
    params(
        ("id" = String, Path, description = "The subscription id"),
        ("Idempotency-Key" = String, Header, format = "uuid",
            description = "A fresh UUID per intended withdrawal; reuse it only to retry the same request"),
    ),
    responses(
        (status = 200, description = "Withdrawn: the subscription, cancelled (or the replay of a retried request)", body = Subscription,
            headers(("ETag" = String, description = "Strong validator of the new version"))),
        (status = 400, description = "A missing or invalid Idempotency-Key, or a path that is not valid UTF-8", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or expired customer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription for this customer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The withdrawal period has ended (the detail gives its last day; cancelling is still possible), or the subscription is cancelled already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used for another request", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn post_withdraw(
    State(state): State<AppState>,
    customer: AuthedCustomer,
    ApiPath(id): ApiPath<String>,
    IdempotencyKey(key): IdempotencyKey,
) -> Result<Response, ApiError> {
    let path = format!("{API_PREFIX}/me/subscriptions/{id}/withdraw");
    let hash = idempotency::request_hash("POST", &path, &())?;
    let at = At {
        today: state.clock.today(),
        now: state.clock.timestamp(),
        unix: state.clock.unix_seconds(),
    };
    let cap = state.limits.max_subscriptions_per_customer;
    let lang = crate::i18n::current();
    let outcome = state
        .db
        .write_for(customer.id.clone(), move |tx| {
            if let Some(stored) = idempotency::replay(tx, &customer.id, &key, &hash)? {
                return Ok(Outcome::Replayed(stored));
            }
            let after = crate::notify::cancel::withdraw(tx, &customer.id, &id, lang, &at, cap)?;
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
