//! The demo back office's webhook receiver: the shop registers its own endpoint with the
//! API at start (as a merchant's system would, with the merchant key), keeps the signing
//! secret it was shown once, and accepts a call only when its Standard Webhooks signature
//! verifies. What it accepted is kept in memory, newest first, deduplicated by event id,
//! for the back office page to show.

use super::admin_call::{call, send, CallError};
use super::{MerchantAccess, ShopState};
use crate::clock::Clock;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use cadence_webhooks::signature::{
    verify, Secret, WebhookHeaders, HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP,
};
use cadence_webhooks::Event;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// Where the shop receives its webhooks, on its own origin.
pub const RECEIVER_PATH: &str = "/back-office/webhooks";
/// How the shop's endpoint is named in the API, so a restart replaces the old one.
const ENDPOINT_DESCRIPTION: &str = "Bean & Boiler back office (demo shop)";
/// The events the page can show; older ones are forgotten (a real back office stores them).
const KEPT: usize = 200;
/// A webhook body larger than this is not one of ours.
pub const MAX_BODY: usize = 256 * 1024;

/// One verified call, as the back office shows it.
#[derive(Clone, Debug)]
pub struct Received {
    pub event: Event<Value>,
    /// The server clock's time of arrival, RFC 3339 UTC.
    pub received_at: String,
    /// How many times this event id arrived (retries and replays send it again).
    pub deliveries: u32,
}

/// The shop's side of its webhook endpoint.
#[derive(Default)]
pub struct Inbox {
    /// `None` until registration succeeded; every call is refused meanwhile.
    secret: RwLock<Option<Secret>>,
    /// Why registration failed, for the page.
    problem: RwLock<Option<String>>,
    events: Mutex<VecDeque<Received>>,
    rejected: Mutex<u64>,
}

impl Inbox {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The latest verified events, newest first.
    pub fn latest(&self, limit: usize) -> Vec<Received> {
        let events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        events.iter().take(limit).cloned().collect()
    }

    /// Calls refused because their signature did not verify.
    pub fn rejected(&self) -> u64 {
        *self.rejected.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `Ok` while the shop holds a secret; otherwise why it does not.
    pub fn status(&self) -> Result<(), String> {
        if self
            .secret
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
        {
            return Ok(());
        }
        Err(self
            .problem
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .unwrap_or_else(|| "The shop has not registered its webhook endpoint yet.".into()))
    }

    fn set_problem(&self, problem: String) {
        tracing::warn!(%problem, "demo back office: no webhook endpoint");
        *self.problem.write().unwrap_or_else(PoisonError::into_inner) = Some(problem);
    }

    /// Checks one call against the real time `now_secs` and keeps its event, stamped
    /// `shown_secs` (the demo clock's time); the status the receiver answers.
    fn accept(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now_secs: i64,
        shown_secs: i64,
    ) -> StatusCode {
        let secret = self.secret.read().unwrap_or_else(PoisonError::into_inner);
        let Some(secret) = secret.as_ref() else {
            return StatusCode::SERVICE_UNAVAILABLE;
        };
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (Some(id), Some(timestamp), Some(signature)) = (
            header(HEADER_ID),
            header(HEADER_TIMESTAMP),
            header(HEADER_SIGNATURE),
        ) else {
            self.reject("missing webhook headers");
            return StatusCode::BAD_REQUEST;
        };
        let signed = WebhookHeaders {
            id,
            timestamp,
            signature,
        };
        if let Err(e) = verify(secret, &signed, body, now_secs) {
            self.reject(&e.to_string());
            return StatusCode::UNAUTHORIZED;
        }
        let event: Event<Value> = match serde_json::from_slice(body) {
            Ok(event) => event,
            Err(_) => {
                self.reject("a signed body that is not an event");
                return StatusCode::BAD_REQUEST;
            }
        };
        if event.id != signed.id {
            self.reject("webhook-id differs from the event's id");
            return StatusCode::BAD_REQUEST;
        }
        self.keep(event, shown_secs);
        StatusCode::NO_CONTENT
    }

    fn reject(&self, why: &str) {
        tracing::warn!(why, "demo back office refused a webhook call");
        *self.rejected.lock().unwrap_or_else(PoisonError::into_inner) += 1;
    }

    fn keep(&self, event: Event<Value>, shown_secs: i64) {
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        // At least once: a retried or replayed event is the same event, counted, not shown twice.
        if let Some(seen) = events.iter_mut().find(|r| r.event.id == event.id) {
            seen.deliveries += 1;
            return;
        }
        events.push_front(Received {
            event,
            received_at: cadence_webhooks::rfc3339_utc(shown_secs),
            deliveries: 1,
        });
        events.truncate(KEPT);
    }
}

/// `POST /back-office/webhooks`: 204 for a verified event, 401 for a bad signature, 400 for
/// a call that is not a webhook, 503 before the shop has its secret.
pub async fn receive(
    State(state): State<ShopState>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    // The dispatcher signs with the real time (receivers compare it with theirs), so the
    // age check uses the real time too; the page shows arrival on the demo's clock.
    state.inbox.accept(
        &headers,
        &body,
        Clock::System.unix_seconds(),
        state.clock.unix_seconds(),
    )
}

/// Registers `receiver_url` as the shop's endpoint for every event type, replacing the
/// one a previous start registered (its secret was only ever in that process's memory).
pub async fn register(inbox: &Inbox, access: &MerchantAccess, receiver_url: &str) {
    match try_register(access, receiver_url).await {
        Ok(secret) => {
            *inbox.secret.write().unwrap_or_else(PoisonError::into_inner) = Some(secret);
            tracing::info!(url = receiver_url, "demo back office receives the webhooks");
        }
        Err(e) => inbox.set_problem(format!(
            "The shop could not register its webhook endpoint: {e}"
        )),
    }
}

async fn try_register(access: &MerchantAccess, receiver_url: &str) -> Result<Secret, CallError> {
    const ENDPOINTS: &str = "/admin/webhooks/endpoints";
    let list: Value = call(access, Method::GET, ENDPOINTS, None).await?;
    let stale = list["endpoints"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["description"] == ENDPOINT_DESCRIPTION)
        .filter_map(|e| e["id"].as_str());
    for id in stale {
        send(access, Method::DELETE, &format!("{ENDPOINTS}/{id}"), None).await?;
    }
    let body = json!({ "url": receiver_url, "description": ENDPOINT_DESCRIPTION });
    let created: Value = call(access, Method::POST, ENDPOINTS, Some(body)).await?;
    let secret = created["secret"].as_str().unwrap_or_default();
    Secret::parse(secret).map_err(|e| CallError::Unexpected(format!("the secret: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use cadence_webhooks::signature::headers;

    const NOW: i64 = 1_800_000_000;

    fn inbox_with(secret: &Secret) -> Inbox {
        let inbox = Inbox::default();
        *inbox.secret.write().unwrap() = Some(secret.clone());
        inbox
    }

    fn signed(secret: &Secret, id: &str, at: i64, body: &[u8]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in headers(id, at, body, &[secret]).unwrap().pairs() {
            map.insert(name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn body(id: &str) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "id": id, "type": "subscription.updated", "timestamp": "2027-01-15T12:00:00Z",
            "sequence": 3, "data": {"change": {"action": "skip"}}
        }))
        .unwrap()
    }

    #[test]
    fn keeps_a_verified_event_once_and_counts_its_redeliveries() {
        let secret = Secret::generate([7; 32]);
        let inbox = inbox_with(&secret);
        let id = "evt_0123456789abcdef0123456789abcdef";
        let payload = body(id);
        for _ in 0..2 {
            let status = inbox.accept(&signed(&secret, id, NOW, &payload), &payload, NOW, NOW);
            assert_eq!(status, StatusCode::NO_CONTENT);
        }
        let latest = inbox.latest(10);
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[0].event.id, id);
        assert_eq!(latest[0].deliveries, 2);
        assert_eq!(inbox.rejected(), 0);
    }

    #[test]
    fn refuses_other_secrets_changed_bodies_old_calls_and_no_secret() {
        let secret = Secret::generate([7; 32]);
        let inbox = inbox_with(&secret);
        let id = "evt_0123456789abcdef0123456789abcdef";
        let payload = body(id);
        let other = Secret::generate([8; 32]);
        let cases = [
            (signed(&other, id, NOW, &payload), payload.clone(), NOW),
            (signed(&secret, id, NOW, &payload), body("evt_x"), NOW),
            (
                signed(&secret, id, NOW - 600, &payload),
                payload.clone(),
                NOW,
            ),
            (HeaderMap::new(), payload.clone(), NOW),
        ];
        for (headers, sent, now) in cases {
            assert!(inbox.accept(&headers, &sent, now, now).is_client_error());
        }
        assert_eq!(inbox.rejected(), 4);
        assert!(inbox.latest(10).is_empty());
        let unregistered = Inbox::default();
        let status = unregistered.accept(&signed(&secret, id, NOW, &payload), &payload, NOW, NOW);
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(unregistered.status().is_err());
    }
}
