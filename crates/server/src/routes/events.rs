//! `POST /api/v1/events`: the widget's impressions, clicks and actions, in batches.
//!
//! Accepts `text/plain` as well as JSON because `navigator.sendBeacon` sends a string
//! body as `text/plain;charset=UTF-8`, a CORS-safelisted type that needs no preflight —
//! which is why the page's origin is checked here, and why batches are throttled per
//! client address and per origin and counted once per shopper and day.

use crate::app::AppState;
use crate::auth::MaybeCustomer;
use crate::client::Client;
use crate::config::normalize_origin;
use crate::db::Connection;
use crate::error::ApiError;
use crate::extract::RequestClient;
use crate::params;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use cadence_contract::{
    Problem, ReasonCode, RecommendationAction, UiEvent, UiEventKind, UiEvents, MAX_UI_EVENTS,
};
use sha2::{Digest, Sha256};

/// Stores a batch of at most 50 events (16 KiB), all or none, from a page of an allowed
/// origin. A customer token, when sent, attributes them; an invalid one is a 401 like
/// everywhere else. Each shopper counts once per recommendation, kind and day (see the
/// merchant figures' definition); repeats are accepted and dropped, and so are `action`
/// events: the server counts a conversion itself when it accepts the action.
#[utoipa::path(post, path = "/api/v1/events", tag = "recommendations",
    request_body(content = UiEvents, content_type = "application/json",
        description = "Also accepted as text/plain;charset=UTF-8 (sendBeacon). Sent by a page of an allowed origin (`Origin`, else `Referer`)."),
    security((), ("customer_token" = [])),
    responses(
        (status = 202, description = "Accepted (repeats of an event already counted today are dropped, and `action` events are not counted: conversions are counted by the server when it accepts the action, see `RecommendationSource`)"),
        (status = 400, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A customer token was sent but is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not sent by a page of an allowed origin", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor text/plain", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong shape, over 50 events, bad values or an unknown SKU", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many batches from this address or this origin; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn post_events(
    State(state): State<AppState>,
    RequestClient(client): RequestClient,
    MaybeCustomer(customer): MaybeCustomer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, ApiError> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if !matches!(media.as_deref(), Some("application/json" | "text/plain")) {
        return Err(ApiError::UnsupportedMediaType);
    }
    // text/plain needs no preflight, so any page could make its visitors post here: only
    // the shop's own pages may (their browsers always send Origin on a POST).
    let origin = page_origin(&headers, &state).ok_or(ApiError::OriginNotAllowed)?;
    state.throttle.event_batch(client, &origin)?;
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::BadRequest("The request body could not be read.")
        }
    })?;
    let batch: UiEvents = serde_json::from_slice(&body).map_err(|e| {
        if e.is_data() {
            ApiError::UnprocessableBody
        } else {
            ApiError::BadRequest("The request body is not valid JSON.")
        }
    })?;
    validate(&batch)?;
    // Who counts once: the customer when signed in, else the address (hashed: the raw
    // address is never stored); in process, nobody (every event counts).
    let shopper = match (&customer, client) {
        (Some(c), _) => Some(format!("c:{}", c.id)),
        (None, Some(client)) => Some(address_key(state.keys.feed_key(), client)),
        (None, None) => None,
    };
    let customer = customer.map(|c| c.id);
    let at = state.clock.timestamp();
    let today = state.clock.today();
    state
        .db
        .write(move |tx| {
            known_skus(tx, &batch)?;
            let days = Days {
                today: today.to_string(),
                yesterday: today.add_days(-1).unwrap_or(today).to_string(),
            };
            // Impressions first: a click in the same batch as its impression matches it.
            let mut events: Vec<&UiEvent> = batch.events.iter().collect();
            events.sort_by_key(|e| e.kind != UiEventKind::Impression);
            // Conversions are the server's to count, when it accepts the action
            // (`crate::attribution`): an `action` a widget reports (older widgets sent one
            // with every click) is accepted and not counted, so a conversion is never a
            // button press.
            for e in events.into_iter().filter(|e| e.kind != UiEventKind::Action) {
                count(tx, e, shopper.as_deref(), customer.as_deref(), &at, &days)?;
            }
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// The page's origin, when it is one this server serves: `Origin`, else the origin of
/// `Referer`; `None` when neither is sent or the origin is not allowed.
fn page_origin(headers: &HeaderMap, state: &AppState) -> Option<String> {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let origin = match header(header::ORIGIN) {
        Some(origin) => normalize_origin(origin)?,
        None => {
            let referer = header(header::REFERER)?;
            let (scheme, rest) = referer.split_once("://")?;
            let authority = rest.split(['/', '?', '#']).next()?;
            normalize_origin(&format!("{scheme}://{authority}"))?
        }
    };
    let allowed = state
        .allowed_origins
        .iter()
        .any(|o| o.as_bytes() == origin.as_bytes())
        || normalize_origin(&state.public_url).as_deref() == Some(origin.as_str());
    allowed.then_some(origin)
}

/// A keyed hash of a client address: stable for a day's counting, useless for finding
/// the address (keyed with a secret-derived key).
pub(crate) fn address_key(key: &[u8; 32], client: Client) -> String {
    let digest = Sha256::new()
        .chain_update(b"cadence event client v1")
        .chain_update(key)
        .chain_update(client.to_string().as_bytes())
        .finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("a:{hex}")
}

/// Every SKU is in the catalog (checked in the writing transaction: all or none).
fn known_skus(tx: &Connection, batch: &UiEvents) -> Result<(), ApiError> {
    let mut exists = tx.prepare_cached("SELECT 1 FROM products WHERE sku = ?1")?;
    for (i, e) in batch.events.iter().enumerate() {
        if !exists.exists([&e.sku])? {
            return Err(ApiError::field(
                &format!("/events/{i}/sku"),
                "No product has this SKU.",
            ));
        }
    }
    Ok(())
}

/// The batch's day and the day before, as the tables store them (made once per batch).
struct Days {
    today: String,
    yesterday: String,
}

/// Counts one event in the daily figures, unless this shopper already sent it today.
fn count(
    tx: &Connection,
    e: &UiEvent,
    shopper: Option<&str>,
    customer: Option<&str>,
    at: &str,
    days: &Days,
) -> Result<(), ApiError> {
    let day = &days.today;
    let reason = e.reason.map(ReasonCode::as_str).unwrap_or("");
    let who = shopper.unwrap_or("");
    let first = tx
        .prepare_cached(
            "INSERT INTO ui_event_firsts (day, client, kind, sku, reason)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        )?
        .execute(params![day, who, e.kind.as_str(), e.sku, reason])?
        == 1;
    if shopper.is_some() && !first {
        return Ok(());
    }
    let column = match e.kind {
        UiEventKind::Impression => "impressions",
        kind => {
            let seen = tx
                .prepare_cached(
                    "SELECT 1 FROM ui_event_firsts
                     WHERE day IN (?1, ?2) AND client = ?3 AND kind = 'impression'
                       AND sku = ?4 AND reason = ?5",
                )?
                .exists(params![day, days.yesterday, who, e.sku, reason])?;
            match (seen, kind) {
                (false, _) => "unmatched",
                (true, UiEventKind::Click) => "clicks",
                (true, _) => "actions",
            }
        }
    };
    // `column` is one of four fixed names, never input.
    tx.prepare_cached(&format!(
        "INSERT INTO ui_event_daily (day, reason, {column}) VALUES (?1, ?2, 1)
         ON CONFLICT (day, reason) DO UPDATE SET {column} = ui_event_daily.{column} + 1"
    ))?
    .execute(params![day, reason])?;
    tx.prepare_cached(
        "INSERT INTO ui_events (at, customer_id, kind, sku, reason, action, context, client)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        at,
        customer,
        e.kind.as_str(),
        e.sku,
        e.reason.map(ReasonCode::as_str),
        e.action.map(RecommendationAction::as_str),
        e.context,
        shopper,
    ])?;
    Ok(())
}

fn validate(batch: &UiEvents) -> Result<(), ApiError> {
    if batch.events.len() > MAX_UI_EVENTS {
        return Err(ApiError::field("/events", "At most 50 events per batch."));
    }
    for (i, e) in batch.events.iter().enumerate() {
        let bad =
            |field: &str, detail: &str| ApiError::field(&format!("/events/{i}/{field}"), detail);
        if e.kind == UiEventKind::Unknown {
            return Err(bad("kind", "impression, click or action."));
        }
        // Printable characters only: no control characters reach the database or logs.
        if e.sku.is_empty() || e.sku.len() > 64 || !e.sku.chars().all(|c| c.is_ascii_graphic()) {
            return Err(bad("sku", "A SKU of 1 to 64 printable characters."));
        }
        if e.reason == Some(ReasonCode::Unknown) {
            return Err(bad("reason", "A known reason code."));
        }
        if e.action == Some(RecommendationAction::Unknown) {
            return Err(bad("action", "A known action."));
        }
        if e.context != "product" && e.context != "account" {
            return Err(bad("context", "product or account."));
        }
    }
    Ok(())
}
