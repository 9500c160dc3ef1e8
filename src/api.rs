//! The widget's only door to the network: typed calls to the Cadence JSON API.
//!
//! Invariant: no other module fetches. Every call has a timeout, sends the customer
//! token when there is one, and turns every failure (offline, timeout, non-2xx,
//! problem+json, a body that is not the JSON we expect) into an [`ApiError`].

// The one module clippy.toml lets reach the network (`fetch`, `sendBeacon`).
#![allow(
    clippy::disallowed_methods,
    reason = "src/api.rs is the widget's only door to the network"
)]

use crate::encode::ToJs;
use crate::i18n::Locale;
use crate::json::{Fields, FromJson};
use cadence_contract::{
    Account, ChangeRecord, ChangeRequest, Interval, NewSubscription, Problem, Product,
    Recommendations, RoutineTask, Subscription, UiEvent,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Headers;

/// How long a request may take before the shopper is told it failed.
pub(crate) const TIMEOUT_MS: u32 = 10_000;

/// Everything that can go wrong talking to the API, in terms the UI can act on.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ApiError {
    /// No answer: offline, DNS, CORS refusal, connection reset or timeout.
    Network(String),
    /// The server answered with an error status (and a problem document, if it sent one).
    Status {
        status: u16,
        problem: Option<Problem>,
    },
    /// A 2xx answer whose body is not what the contract promises.
    Decode(String),
}

impl ApiError {
    /// A stable code for `cadence:error` events.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            ApiError::Network(_) => "network",
            ApiError::Status { status: 401, .. } => "unauthorized",
            ApiError::Status { status: 404, .. } => "not_found",
            ApiError::Status { .. } => "http",
            ApiError::Decode(_) => "decode",
        }
    }
}

impl core::fmt::Display for ApiError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ApiError::Network(e) => write!(f, "network error: {e}"),
            ApiError::Status {
                status,
                problem: Some(p),
            } => write!(f, "HTTP {status}: {p}"),
            ApiError::Status {
                status,
                problem: None,
            } => write!(f, "HTTP {status}"),
            ApiError::Decode(e) => write!(f, "unexpected response: {e}"),
        }
    }
}

/// A client bound to one API base URL, the widget's language and, for account views, one
/// customer token.
#[derive(Clone, Debug)]
pub(crate) struct Api {
    base: String,
    language: &'static str,
    token: Option<String>,
}

impl Api {
    pub(crate) fn new(base: impl Into<String>, locale: Locale, token: Option<String>) -> Self {
        Api {
            base: base.into(),
            language: locale.tag(),
            token,
        }
    }

    pub(crate) fn has_token(&self) -> bool {
        self.token.is_some()
    }

    pub(crate) async fn product(&self, sku: &str) -> Result<Product, ApiError> {
        let path = format!("/products/{}", encode(sku));
        read(&self.get(&path).await?)
    }

    pub(crate) async fn account(&self) -> Result<Account, ApiError> {
        read(&self.get("/me").await?)
    }

    /// Applies one self-service change. `If-Match` is the version the shopper saw; a
    /// stale one comes back as a 412 whose problem carries the current subscription.
    /// `idempotency_key` names this one intent, so a retried request is applied once.
    pub(crate) async fn change(
        &self,
        subscription: &Subscription,
        request: &ChangeRequest,
        idempotency_key: &str,
    ) -> Result<Subscription, ApiError> {
        let path = format!("/me/subscriptions/{}/changes", encode(&subscription.id));
        let body = to_json(request)?;
        let if_match = subscription.etag();
        read(
            &self
                .send_json(&path, body, idempotency_key, Some(&if_match))
                .await?,
        )
    }

    /// Subscribes the signed-in customer; the same `idempotency_key` twice creates one.
    pub(crate) async fn subscribe(
        &self,
        new: &NewSubscription,
        idempotency_key: &str,
    ) -> Result<Subscription, ApiError> {
        read(
            &self
                .send_json("/me/subscriptions", to_json(new)?, idempotency_key, None)
                .await?,
        )
    }

    /// Marks a maintenance task done today (no body: the server's today), once per
    /// `idempotency_key`; the answer is the task re-planned.
    pub(crate) async fn routine_done(
        &self,
        routine_id: &str,
        idempotency_key: &str,
    ) -> Result<RoutineTask, ApiError> {
        let headers = self.headers()?;
        headers
            .set("Idempotency-Key", idempotency_key)
            .map_err(network)?;
        let path = format!("/me/routines/{}/done", encode(routine_id));
        read(&self.call("POST", &path, &headers, None).await?)
    }

    /// Asks to be reminded of a maintenance task when it is due (or stops), once per
    /// `idempotency_key`.
    pub(crate) async fn routine_remind(
        &self,
        routine_id: &str,
        remind: bool,
        idempotency_key: &str,
    ) -> Result<(), ApiError> {
        let path = format!("/me/routines/{}/reminders", encode(routine_id));
        let body = format!(r#"{{"remind":{remind}}}"#);
        self.send_json(&path, body, idempotency_key, None)
            .await
            .map(drop)
    }

    /// "Remind me" for machine `sku`'s maintenance. Signed in, `{"remind": …}` turns the
    /// reminders of all its tasks on or off; otherwise `{"email": …}` asks the server to
    /// send that address a link to confirm (double opt-in).
    pub(crate) async fn remind_machine(
        &self,
        sku: &str,
        body: String,
        idempotency_key: &str,
    ) -> Result<(), ApiError> {
        let me = if self.has_token() { "/me" } else { "" };
        let path = format!("{me}/products/{}/reminders", encode(sku));
        self.send_json(&path, body, idempotency_key, None)
            .await
            .map(drop)
    }

    /// Sends a JSON mutation (every one carries an `Idempotency-Key`) and answers its text.
    async fn send_json(
        &self,
        path: &str,
        body: String,
        idempotency_key: &str,
        if_match: Option<&str>,
    ) -> Result<String, ApiError> {
        let headers = self.headers()?;
        let set = |name: &str, value: &str| headers.set(name, value).map_err(network);
        set("Content-Type", "application/json")?;
        set("Idempotency-Key", idempotency_key)?;
        if let Some(etag) = if_match {
            set("If-Match", etag)?;
        }
        self.call("POST", path, &headers, Some(&body)).await
    }

    /// The subscription's recent changes, newest first.
    pub(crate) async fn history(&self, id: &str) -> Result<Vec<ChangeRecord>, ApiError> {
        read(
            &self
                .get(&format!("/me/subscriptions/{}/changes", encode(id)))
                .await?,
        )
    }

    /// Where the `.ics` file of a product's plan downloads from (a link the shopper
    /// follows, so no fetch here). `interval: None` is a one-time purchase.
    pub(crate) fn plan_ics_url(
        &self,
        sku: &str,
        interval: Option<Interval>,
        quantity: u32,
    ) -> String {
        let interval = interval.map_or_else(|| "once".to_owned(), Interval::to_short);
        self.url(&format!(
            "/products/{}/plan.ics?interval={interval}&quantity={quantity}",
            encode(sku)
        ))
    }

    /// Ranked recommendations: for a product page (`Some(sku)`) or the account (`None`).
    pub(crate) async fn recommendations(
        &self,
        product_sku: Option<&str>,
    ) -> Result<Recommendations, ApiError> {
        let query = match product_sku {
            Some(sku) => format!("context=product&sku={}", encode(sku)),
            None => "context=account".to_owned(),
        };
        read(&self.get(&format!("/recommendations?{query}")).await?)
    }

    /// Sends a batch of UI events with `navigator.sendBeacon`: best effort, never awaited.
    /// The body goes as `text/plain` (a CORS-safelisted type, so no preflight).
    pub(crate) fn beacon_events(&self, events: &[UiEvent]) {
        let (Some(json), Some(window)) = (events_json(events), web_sys::window()) else {
            return;
        };
        let _ = window
            .navigator()
            .send_beacon_with_opt_str(&self.url("/events"), Some(&json));
    }

    /// The signed-in customer's subscribable calendar feed URL.
    pub(crate) async fn calendar_feed(&self) -> Result<String, ApiError> {
        /// `CalendarFeed`, read for its one field.
        struct FeedUrl(String);
        impl FromJson for FeedUrl {
            fn from_json(value: &JsValue) -> Result<Self, crate::json::JsonError> {
                Fields::of(value)?.req("feed_url").map(FeedUrl)
            }
        }
        read::<FeedUrl>(&self.get("/me/calendar").await?).map(|f| f.0)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The headers every request carries: the accepted type and language, and the token.
    /// (`Accept-Language` with a plain tag is CORS-safelisted: it adds no preflight.)
    fn headers(&self) -> Result<Headers, ApiError> {
        let headers = Headers::new().map_err(network)?;
        headers.set("Accept", "application/json").map_err(network)?;
        headers
            .set("Accept-Language", self.language)
            .map_err(network)?;
        if let Some(token) = &self.token {
            headers
                .set("Authorization", &format!("Bearer {token}"))
                .map_err(network)?;
        }
        Ok(headers)
    }

    /// The browser's `fetch`, with the timeout every request has.
    async fn fetch(
        &self,
        method: &str,
        path: &str,
        headers: &Headers,
        body: Option<&str>,
    ) -> Result<web_sys::Response, ApiError> {
        let init = web_sys::RequestInit::new();
        init.set_method(method);
        init.set_headers(headers);
        if let Some(body) = body {
            init.set_body(&JsValue::from_str(body));
        }
        init.set_signal(Some(&web_sys::AbortSignal::timeout_with_u32(TIMEOUT_MS)));
        let window = web_sys::window().ok_or_else(|| ApiError::Network("no window".into()))?;
        let response = JsFuture::from(window.fetch_with_str_and_init(&self.url(path), &init))
            .await
            .map_err(network)?;
        Ok(response.unchecked_into())
    }

    async fn get(&self, path: &str) -> Result<String, ApiError> {
        self.call("GET", path, &self.headers()?, None).await
    }

    /// One request and its answer's text: a 2xx body, or the error status with its problem
    /// document. Not generic, like every future here: the async code is compiled once, and
    /// only the reading of the text (`read`) once per response type.
    async fn call(
        &self,
        method: &str,
        path: &str,
        headers: &Headers,
        body: Option<&str>,
    ) -> Result<String, ApiError> {
        let response = self.fetch(method, path, headers, body).await?;
        let status = response.status();
        let text = JsFuture::from(response.text().map_err(network)?)
            .await
            .map_err(network)?
            .as_string()
            .unwrap_or_default();
        if !(200..300).contains(&status) {
            let problem = parse::<Problem>(&text).ok();
            return Err(ApiError::Status { status, problem });
        }
        Ok(text)
    }
}

/// The `UiEvents` body built as a JS object and stringified by the browser: the same JSON
/// serde would write, without instantiating serde's serializer for these types (wasm size).
fn events_json(events: &[UiEvent]) -> Option<String> {
    use js_sys::{Array, Object, Reflect, JSON};
    let set = |o: &Object, key: &str, value: &str| {
        let _ = Reflect::set(o, &key.into(), &value.into());
    };
    let list = Array::new();
    for e in events {
        let o = Object::new();
        set(&o, "kind", e.kind.as_str());
        set(&o, "sku", &e.sku);
        if let Some(reason) = e.reason {
            set(&o, "reason", reason.as_str());
        }
        if let Some(action) = e.action {
            set(&o, "action", action.as_str());
        }
        set(&o, "context", &e.context);
        list.push(&o);
    }
    let body = Object::new();
    Reflect::set(&body, &"events".into(), &list).ok()?;
    JSON::stringify(&body).ok()?.as_string()
}

/// A request body as JSON text (`encode.rs`).
fn to_json<T: ToJs>(value: &T) -> Result<String, ApiError> {
    crate::encode::to_string(value)
        .ok_or_else(|| ApiError::Decode("unserialisable request body".into()))
}

fn encode(segment: &str) -> String {
    js_sys::encode_uri_component(segment).into()
}

/// A failed `fetch` (offline, refused, reset, timed out, blocked): what the browser said.
fn network(error: JsValue) -> ApiError {
    let message = match error.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => error.as_string().unwrap_or_default(),
    };
    ApiError::Network(message)
}

/// A 2xx answer's text read as the contract promises, else a `Decode` error.
fn read<T: FromJson>(text: &str) -> Result<T, ApiError> {
    parse(text).map_err(ApiError::Decode)
}

/// The browser's `JSON.parse`, then the contract's readers over the JS value (see `json.rs`):
/// much smaller wasm than a JSON parser compiled in, and just as strict about the types.
fn parse<T: FromJson>(text: &str) -> Result<T, String> {
    crate::json::parse(text).map_err(|e| e.0)
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use cadence_contract::{ReasonCode, RecommendationAction, UiEventKind, UiEvents};
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn the_hand_built_event_body_is_what_serde_writes() {
        let events = vec![
            UiEvent {
                kind: UiEventKind::Impression,
                sku: "CAPS \"quoted\" <b>".into(),
                reason: Some(ReasonCode::DueSoon),
                action: None,
                context: "account".into(),
            },
            UiEvent {
                kind: UiEventKind::Action,
                sku: "KIT".into(),
                reason: Some(ReasonCode::BoughtTogether),
                action: Some(RecommendationAction::AddToNextDelivery),
                context: "product".into(),
            },
        ];
        let ours: serde_json::Value = serde_json::from_str(&events_json(&events).unwrap()).unwrap();
        let mut theirs = serde_json::to_value(UiEvents { events }).unwrap();
        // serde writes absent options as null; the hand-built body leaves them out, which
        // the server reads the same (`#[serde(default)]`).
        for e in theirs["events"].as_array_mut().unwrap() {
            e.as_object_mut().unwrap().retain(|_, v| !v.is_null());
        }
        assert_eq!(ours, theirs);
    }
}
