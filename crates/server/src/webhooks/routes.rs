//! `/api/v1/admin/webhooks/endpoints…`: the merchant's webhook endpoints. Created with a
//! URL and an event filter (the signing secret is generated and shown once), listed, read,
//! changed, deleted, their secret rotated with an overlap window. Every route needs the
//! `webhooks` scope; bad input is a 422 that writes nothing.

use super::store::{self, EndpointRow};
use crate::admin::auth::{AdminAccess, Scope};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use cadence_contract::Problem;
use cadence_webhooks::{rfc3339_utc, EndpointUrl, EventType, Policy, Refusal, Secret};
use serde::{Deserialize, Deserializer, Serialize};

/// A shop has a handful of endpoints; the bound keeps one key from making the dispatcher
/// fan every event out a million times.
pub const MAX_ENDPOINTS: i64 = 50;
/// The longest description kept.
const MAX_DESCRIPTION: usize = 200;
/// How long the previous secret keeps signing after a rotation, unless the request says.
pub const DEFAULT_OVERLAP_SECS: u64 = 24 * 3600;
/// The longest overlap a rotation may ask for.
pub const MAX_OVERLAP_SECS: u64 = 7 * 24 * 3600;

/// A webhook endpoint to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookEndpoint {
    /// Where to POST events: https (a public address; see the server README for the
    /// operator's exceptions). Stored and shown in normal form.
    #[schema(max_length = 2048, example = "https://erp.example.com/hooks/cadence")]
    pub url: String,
    /// For the merchant's own records, 0–200 characters.
    #[serde(default)]
    #[schema(max_length = 200, example = "ERP order sync")]
    pub description: Option<String>,
    /// The event types to send; absent or `null`: every type, those added later too.
    #[serde(default)]
    #[schema(value_type = Option<Vec<EventType>>, min_items = 1)]
    pub event_types: Option<Vec<String>>,
    /// Whether events are sent to it; default `true`.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// Changes to an endpoint: only the fields sent change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookEndpointUpdate {
    #[schema(max_length = 2048)]
    pub url: Option<String>,
    #[schema(max_length = 200)]
    pub description: Option<String>,
    /// A list of types, or `null` for every type; absent: unchanged.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<EventType>>, min_items = 1)]
    pub event_types: Option<Option<Vec<String>>>,
    /// `false` stops sending (events meanwhile are not queued for it; replay them);
    /// `true` starts again and clears an automatic disabling.
    pub enabled: Option<bool>,
}

/// Tells a field sent as `null` (`Some(None)`) from one not sent (`None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A secret rotation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateSecret {
    /// Seconds the previous secret keeps signing beside the new one (0 ..= 604800);
    /// default 86400 (24 h). 0 drops it at once, for a secret that leaked.
    #[schema(minimum = 0, maximum = 604_800, example = 86_400)]
    pub overlap_secs: Option<u64>,
}

/// A webhook endpoint, without its secret.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookEndpoint {
    #[schema(example = "ep_3f2a9c0d1e4b5a6f7c8d9e0a1b2c3d4e")]
    pub id: String,
    pub url: String,
    pub description: String,
    /// The event types sent; `null`: every type.
    pub event_types: Option<Vec<EventType>>,
    pub enabled: bool,
    /// Why Cadence disabled it (every attempt failed for 5 days, or it answered 410
    /// Gone); absent while enabled or when the merchant disabled it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    /// Since when every attempt has failed; absent while attempts succeed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<String>,
    /// Until when calls are signed with the previous secret too (after a rotation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_secret_expires_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// An endpoint just created, with its signing secret: shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedWebhookEndpoint {
    pub endpoint: WebhookEndpoint,
    /// `whsec_…`: give it to your Standard Webhooks library. Not shown again.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// The endpoints, oldest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookEndpointList {
    pub endpoints: Vec<WebhookEndpoint>,
}

impl WebhookEndpoint {
    fn of(row: EndpointRow, now: i64) -> Self {
        WebhookEndpoint {
            id: row.id,
            url: row.url,
            description: row.description,
            event_types: row.event_types,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            failing_since: row.failing_since.map(rfc3339_utc),
            previous_secret_expires_at: row
                .previous_secret
                .map(|(_, until)| until)
                .filter(|&until| until > now)
                .map(rfc3339_utc),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// Why a URL is refused, in our words: the refusal's own text may quote the input, and a
/// problem document never echoes what the client sent.
fn url_problem(refusal: &Refusal) -> ApiError {
    let detail = match refusal {
        Refusal::Invalid(_) => "The URL is not a valid absolute URL.".to_owned(),
        Refusal::Scheme(_) => "The URL must use https.".to_owned(),
        Refusal::SingleLabel(_) => {
            "The URL's host must be a fully qualified domain name (like hooks.example.com)."
                .to_owned()
        }
        Refusal::LocalName(_) => "The URL's host names this machine (localhost), which \
             webhooks reach only where the server allows loopback (--webhooks-allow-loopback, \
             for the demo and tests)."
            .to_owned(),
        Refusal::Address { class, .. } | Refusal::Resolved { class, .. } => {
            let unless = match class {
                cadence_webhooks::AddressClass::Loopback => {
                    " unless the server allows loopback (--webhooks-allow-loopback)"
                }
                cadence_webhooks::AddressClass::Private => {
                    " unless the server allows private addresses (--webhooks-allow-private)"
                }
                cadence_webhooks::AddressClass::LinkLocal => {
                    " unless the server allows link-local addresses \
                     (--webhooks-allow-link-local)"
                }
                _ => "",
            };
            format!("The URL's host is a {class} address, which webhooks do not reach{unless}.")
        }
        // The rest name no part of the input: their own words, as a sentence.
        other => {
            let text = other.to_string();
            let mut chars = text.chars();
            let first = chars.next().map(|c| c.to_uppercase().to_string());
            format!("{}{}.", first.unwrap_or_default(), chars.as_str())
        }
    };
    ApiError::field("/url", detail)
}

fn check_url(url: &str, policy: Policy) -> Result<String, ApiError> {
    EndpointUrl::parse(url, policy)
        .map(|u| u.as_str().to_owned())
        .map_err(|r| url_problem(&r))
}

fn check_description(text: Option<&str>) -> Result<String, ApiError> {
    let text = text.unwrap_or_default().trim();
    if text.chars().count() > MAX_DESCRIPTION || text.chars().any(char::is_control) {
        return Err(ApiError::field(
            "/description",
            "Give a description of at most 200 characters, without control characters.",
        ));
    }
    Ok(text.to_owned())
}

fn check_types(types: Option<&[String]>) -> Result<Option<Vec<EventType>>, ApiError> {
    let Some(names) = types else {
        return Ok(None);
    };
    if names.is_empty() {
        return Err(ApiError::field(
            "/event_types",
            "List at least one event type, or send null (or leave it out) for every type.",
        ));
    }
    let mut types = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let t: EventType = name.parse().map_err(|_| {
            ApiError::field(
                &format!("/event_types/{i}"),
                "Not an event type; expected one of subscription.created, \
                 subscription.updated, order.created, order.updated, routine.task_done.",
            )
        })?;
        if !types.contains(&t) {
            types.push(t);
        }
    }
    Ok(Some(types))
}

fn not_found() -> ApiError {
    ApiError::NotFound("No webhook endpoint has this id.")
}

fn new_secret() -> String {
    Secret::generate(super::random_bytes()).to_whsec()
}

/// Creates an endpoint; its secret is in the answer, once.
#[utoipa::path(post, path = "/api/v1/admin/webhooks/endpoints", tag = "webhooks",
    security(("merchant_key" = [])),
    request_body = NewWebhookEndpoint,
    responses(
        (status = 201, description = "Created; the signing secret is in the body, once", body = CreatedWebhookEndpoint),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the webhooks scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The shop has the most endpoints allowed (50)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A refused URL, an unknown event type, a bad description", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_endpoint(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiJson(body): ApiJson<NewWebhookEndpoint>,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Webhooks)?;
    let url = check_url(&body.url, state.limits.webhook_policy)?;
    let description = check_description(body.description.as_deref())?;
    let event_types = check_types(body.event_types.as_deref())?;
    let now = state.clock.timestamp();
    let row = EndpointRow {
        id: super::new_id("ep_"),
        url,
        description,
        event_types,
        enabled: body.enabled.unwrap_or(true),
        secret: new_secret(),
        previous_secret: None,
        failing_since: None,
        disabled_reason: None,
        created_at: now.clone(),
        updated_at: now,
    };
    let stored = row.clone();
    state
        .db
        .write(move |tx| {
            let count: i64 =
                tx.query_row("SELECT count(*) FROM webhook_endpoints", [], |r| r.get(0))?;
            if count >= MAX_ENDPOINTS {
                return Err(ApiError::conflict(format!(
                    "A shop can have at most {MAX_ENDPOINTS} webhook endpoints; delete one first."
                )));
            }
            store::insert(tx, &stored)?;
            Ok(())
        })
        .await?;
    let location = format!("/api/v1/admin/webhooks/endpoints/{}", row.id);
    let secret = row.secret.clone();
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        ApiJson(CreatedWebhookEndpoint {
            endpoint: WebhookEndpoint::of(row, state.clock.unix_seconds()),
            secret,
        }),
    ))
}

/// Every endpoint, oldest first; never their secrets.
#[utoipa::path(get, path = "/api/v1/admin/webhooks/endpoints", tag = "webhooks",
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "The endpoints", body = WebhookEndpointList),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the webhooks scope", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_endpoints(
    State(state): State<AppState>,
    access: AdminAccess,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Webhooks)?;
    let rows = state.db.read(store::list).await?;
    let now = state.clock.unix_seconds();
    Ok(ApiJson(WebhookEndpointList {
        endpoints: rows
            .into_iter()
            .map(|row| WebhookEndpoint::of(row, now))
            .collect(),
    }))
}

/// One endpoint: its settings and health.
#[utoipa::path(get, path = "/api/v1/admin/webhooks/endpoints/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "The endpoint", body = WebhookEndpoint),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the webhooks scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No endpoint has this id", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_endpoint(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiPath(id): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Webhooks)?;
    let row = state
        .db
        .read(move |conn| store::get(conn, &id))
        .await?
        .ok_or_else(not_found)?;
    Ok(ApiJson(WebhookEndpoint::of(
        row,
        state.clock.unix_seconds(),
    )))
}

/// Changes an endpoint's URL, description, event filter or whether it is enabled.
#[utoipa::path(patch, path = "/api/v1/admin/webhooks/endpoints/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    security(("merchant_key" = [])),
    request_body = WebhookEndpointUpdate,
    responses(
        (status = 200, description = "The endpoint as it is now", body = WebhookEndpoint),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the webhooks scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No endpoint has this id", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A refused URL, an unknown event type, a bad description", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_endpoint(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<WebhookEndpointUpdate>,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Webhooks)?;
    let url = body
        .url
        .as_deref()
        .map(|url| check_url(url, state.limits.webhook_policy))
        .transpose()?;
    let description = body
        .description
        .as_deref()
        .map(|text| check_description(Some(text)))
        .transpose()?;
    let event_types = body
        .event_types
        .as_ref()
        .map(|types| check_types(types.as_deref()))
        .transpose()?;
    let enabled = body.enabled;
    let now = state.clock.timestamp();
    let row = state
        .db
        .write(move |tx| {
            let mut row = store::get(tx, &id)?.ok_or_else(not_found)?;
            let before = row.clone();
            if let Some(url) = &url {
                row.url.clone_from(url);
            }
            if let Some(description) = &description {
                row.description.clone_from(description);
            }
            if let Some(types) = &event_types {
                row.event_types.clone_from(types);
            }
            match enabled {
                // Enabling starts afresh: the failure streak and the reason are history.
                Some(true) if !row.enabled => {
                    row.enabled = true;
                    row.failing_since = None;
                    row.disabled_reason = None;
                }
                Some(false) if row.enabled => {
                    row.enabled = false;
                    row.disabled_reason = None;
                }
                _ => {}
            }
            if row != before {
                row.updated_at.clone_from(&now);
                store::update(tx, &row)?;
            }
            Ok::<_, ApiError>(row)
        })
        .await?;
    Ok(ApiJson(WebhookEndpoint::of(
        row,
        state.clock.unix_seconds(),
    )))
}

/// Deletes an endpoint, with its delivery log; nothing more is sent to it.
#[utoipa::path(delete, path = "/api/v1/admin/webhooks/endpoints/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    security(("merchant_key" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the webhooks scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No endpoint has this id", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_endpoint(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    access.require(Scope::Webhooks)?;
    let existed = state.db.write(move |tx| store::delete(tx, &id)).await?;
    if existed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found())
    }
}

/// A new signing secret. The previous one keeps signing beside it for the overlap window
/// (default 24 h), so receivers can switch without missing a call: every call in the window
/// carries both signatures. A rotation inside a window ends the older secret's window.
#[utoipa::path(post, path = "/api/v1/admin/webhooks/endpoints/{id}/rotate-secret", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    security(("merchant_key" = [])),
    request_body = RotateSecret,
    responses(
        (status = 200, description = "Rotated; the new secret is in the body, once", body = CreatedWebhookEndpoint),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the webhooks scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No endpoint has this id", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An overlap outside 0 ..= 604800 seconds", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RotateSecret>,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Webhooks)?;
    let overlap = body.overlap_secs.unwrap_or(DEFAULT_OVERLAP_SECS);
    if overlap > MAX_OVERLAP_SECS {
        return Err(ApiError::field(
            "/overlap_secs",
            "The overlap is 0 to 604800 seconds (7 days).",
        ));
    }
    let now_secs = state.clock.unix_seconds();
    let now = state.clock.timestamp();
    let secret = new_secret();
    let new = secret.clone();
    let row = state
        .db
        .write(move |tx| {
            let mut row = store::get(tx, &id)?.ok_or_else(not_found)?;
            let old = std::mem::replace(&mut row.secret, new.clone());
            row.previous_secret =
                (overlap > 0).then(|| (old, now_secs + i64::try_from(overlap).unwrap_or(0)));
            row.updated_at.clone_from(&now);
            store::update(tx, &row)?;
            Ok::<_, ApiError>(row)
        })
        .await?;
    Ok(ApiJson(CreatedWebhookEndpoint {
        endpoint: WebhookEndpoint::of(row, now_secs),
        secret,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_problems_never_quote_the_input() {
        let strict = Policy::default();
        for bad in [
            "http://evil-input.example/",
            "gopher://evil-input.example/",
            "https://evil-input/",
            "https://evil-input.localhost/",
            "https://10.1.2.3/evil-input",
            "https://[fe80::1]/evil-input",
            "https://user:evil-input@example.com/",
            "https://example.com/#evil-input",
            "not a url evil-input",
            "evil-input",
        ] {
            let problem = check_url(bad, strict).unwrap_err().to_problem();
            let detail = &problem.errors[0].detail;
            assert!(!detail.contains("evil-input"), "{bad}: {detail}");
            assert!(!detail.contains("10.1.2.3"), "{bad}: {detail}");
            assert!(detail.ends_with('.'), "{detail}");
            assert_eq!(problem.errors[0].pointer, "/url");
        }
        let private = check_url("https://192.168.1.1/", strict).unwrap_err();
        let detail = &private.to_problem().errors[0].detail;
        assert!(detail.contains("--webhooks-allow-private"), "{detail}");
    }

    #[test]
    fn event_type_lists_are_checked_and_deduplicated() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(check_types(None).unwrap(), None);
        assert_eq!(
            check_types(Some(&names(&["order.created", "order.created"]))).unwrap(),
            Some(vec![EventType::OrderCreated])
        );
        assert!(check_types(Some(&[])).is_err());
        let problem = check_types(Some(&names(&["order.created", "order.deleted"])))
            .unwrap_err()
            .to_problem();
        assert_eq!(problem.errors[0].pointer, "/event_types/1");
        assert!(!problem.errors[0].detail.contains("order.deleted"));
    }
}
