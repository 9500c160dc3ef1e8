//! "Remind me" for a machine's maintenance from its product page: signed in
//! (`POST /api/v1/me/products/{sku}/reminders`) or by e-mail with double opt-in
//! (`POST /api/v1/products/{sku}/reminders`). The HTTP side only; what they do is
//! `crate::notify::follow`.

use crate::app::AppState;
use crate::auth::AuthedCustomer;
use crate::db::idempotency;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, IdempotencyKey};
use crate::notify::follow::{self, FollowByEmail, FollowRequested, MachineReminders};
use crate::notify::routine::ReminderChoice;
use crate::notify::{settings, Notifier};
use crate::routines;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cadence_contract::{Problem, API_PREFIX};

/// Be reminded when the maintenance of a machine you own falls due (or stop).
///
/// Turns the reminders of every maintenance task of durable `sku` on or off at once (the
/// account lists them one by one). Asking for them says you own one: with no record of
/// it, you own it from today, and its tasks count from today. Idempotent per
/// `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/me/products/{sku}/reminders", tag = "account",
    security(("customer_token" = [])),
    params(
        ("sku" = String, Path, description = "A durable with maintenance routines"),
        ("Idempotency-Key" = String, Header, format = "uuid",
            description = "A fresh UUID per intended change; reuse it only to retry the same request"),
    ),
    request_body = ReminderChoice,
    responses(
        (status = 200, description = "Recorded (or the replay of a retried request)", body = MachineReminders),
        (status = 400, description = "Malformed JSON, missing/invalid Idempotency-Key or a path that is not valid UTF-8", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or expired customer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No product with maintenance has this SKU", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "A body that is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Another shape, or a reused Idempotency-Key", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn post_machine_reminders(
    State(state): State<AppState>,
    customer: AuthedCustomer,
    ApiPath(sku): ApiPath<String>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(body): ApiJson<ReminderChoice>,
) -> Result<Response, ApiError> {
    let path = format!("{API_PREFIX}/me/products/{sku}/reminders");
    let hash = idempotency::request_hash("POST", &path, &body)?;
    let (today, now) = (state.clock.today(), state.clock.timestamp());
    let outcome = state
        .db
        .write(move |tx| {
            routines::once(tx, &customer.id, &key, &hash, &now, || {
                customer.ensure_record(tx)?;
                follow::set_for_machine(tx, &customer.id, &sku, body.remind, today, &now)
            })
        })
        .await?;
    Ok(outcome.into_response())
}

/// Ask, without signing in, to be reminded of a machine's maintenance by e-mail.
///
/// A link to confirm goes to the address (valid 2 days; at most 5 messages an hour per
/// address, sign-in links included). Nothing else happens until it is pressed: then the
/// address's owner owns the machine from that day, with reminders on for its tasks. The
/// answer is the same whether the address is known or not, and whether a message went.
#[utoipa::path(post, path = "/api/v1/products/{sku}/reminders", tag = "products",
    params(("sku" = String, Path, description = "A durable with maintenance routines")),
    request_body = FollowByEmail,
    responses(
        (status = 202, description = "A confirmation link is on its way (unless the address asked too often)", body = FollowRequested),
        (status = 400, description = "Malformed JSON or a path that is not valid UTF-8", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No product with maintenance has this SKU", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "A body that is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an e-mail address (`/email`), or another shape", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn post_follow(
    State(state): State<AppState>,
    ApiPath(sku): ApiPath<String>,
    ApiJson(body): ApiJson<FollowByEmail>,
) -> Result<Response, ApiError> {
    let email = body.email.trim().to_owned();
    if !plausible_address(&email) {
        return Err(ApiError::field("/email", "Enter an e-mail address."));
    }
    let lang = crate::i18n::current();
    let notifier = Notifier::of(&state);
    let now = state.clock.unix_seconds();
    state
        .db
        .write(move |tx| {
            let settings = settings::load(tx)?;
            follow::request(tx, &notifier, &settings, &sku, &email, lang, now)
        })
        .await?;
    let answer = FollowRequested {
        status: "confirmation_sent".to_owned(),
        confirm_within_hours: (follow::CONFIRM_SECS / 3600) as u32,
    };
    Ok((StatusCode::ACCEPTED, ApiJson(answer)).into_response())
}

/// One `@` with something on each side, a dot in the domain, no spaces or controls, at
/// most 254 bytes (RFC 5321's path limit): what a mail server could route. Whether it
/// exists, only the confirmation tells.
fn plausible_address(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
}

#[cfg(test)]
mod tests {
    use super::plausible_address;

    #[test]
    fn addresses_a_mail_server_could_route() {
        for ok in [
            "ada@example.com",
            "a.b+c@mail.example.co.uk",
            "ÿ@exämple.de",
        ] {
            assert!(plausible_address(ok), "{ok}");
        }
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "ada@.com",
            "ada@example.com.",
            "a b@example.com",
            "ada@exa@mple.com",
            "ada@example.com\r\nBcc: x@y.z",
            "<ada@example.com>",
            "a,b@example.com",
        ] {
            assert!(!plausible_address(bad), "{bad:?}");
        }
        assert!(!plausible_address(&format!(
            "{}@example.com",
            "a".repeat(65)
        )));
    }
}
