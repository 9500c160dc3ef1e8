//! Data loading between views and the api module: each loader returns a
//! `LocalResource` and reports failures as `cadence:error` events, so components never
//! call the API or emit errors themselves.

use crate::api::{Api, ApiError};
use crate::events;
use crate::telemetry;
use cadence_contract::{
    Account, ChangeRecord, NewSubscription, Product, Recommendation, RecommendationAction,
    Subscription, SubscriptionChange, UiEventKind,
};
use leptos::prelude::*;
use web_sys::HtmlElement;

/// Where recommendations are shown: a product page (the viewed SKU) or the account.
#[derive(Clone, Debug, PartialEq)]
pub enum RecoContext {
    Product(String),
    Account,
}

impl RecoContext {
    pub fn name(&self) -> &'static str {
        match self {
            RecoContext::Product(_) => "product",
            RecoContext::Account => "account",
        }
    }
}

/// What views need to load data: the client and the element to report errors on.
#[derive(Clone)]
pub struct Loader {
    pub api: Api,
    pub host: HtmlElement,
}

impl Loader {
    pub fn product(&self, sku: String) -> LocalResource<Result<Product, ApiError>> {
        let this = self.clone();
        LocalResource::new(move || {
            let (this, sku) = (this.clone(), sku.clone());
            async move { this.report(this.api.product(&sku).await) }
        })
    }

    pub fn account(&self) -> LocalResource<Result<Account, ApiError>> {
        let this = self.clone();
        LocalResource::new(move || {
            let this = this.clone();
            async move { this.report(this.api.account().await) }
        })
    }

    /// Recommendations load on their own: a failure is reported but the rest of the widget
    /// is unaffected (the list stays empty). A plain task and signal rather than a
    /// `LocalResource`: nothing refetches it, and each resource type costs ~3 KB of wasm.
    pub fn recommendations(&self, context: RecoContext) -> ReadSignal<Vec<Recommendation>> {
        let (list, set_list) = signal(Vec::new());
        let this = self.clone();
        leptos::task::spawn_local(async move {
            let sku = match &context {
                RecoContext::Product(sku) => Some(sku.as_str()),
                RecoContext::Account => None,
            };
            if let Ok(found) = this.report(this.api.recommendations(sku).await) {
                // The view may be gone by now (unmounted): then there is nobody to tell.
                let _ = set_list.try_set(found.items);
            }
        });
        list
    }

    /// Reports what the shopper saw or did with a recommendation: to the API (batched,
    /// best effort) and as a `cadence:recommendation` event on the host.
    pub fn track(
        &self,
        kind: UiEventKind,
        item: &Recommendation,
        action: Option<RecommendationAction>,
        context: &RecoContext,
    ) {
        telemetry::record(self.api.clone(), kind, item, action, context.name());
        events::emit(
            &self.host,
            "recommendation",
            telemetry::detail(kind, item, action),
        );
    }

    /// Subscribes to `sku` at its merchant-default cadence, quantity 1 (a recommendation's
    /// "subscribe" action).
    pub async fn subscribe_default(&self, sku: &str) -> Result<Subscription, ApiError> {
        let product = self.report(self.api.product(sku).await)?;
        let Some(offer) = product.subscription else {
            return Err(ApiError::Decode(
                "this product cannot be subscribed to".into(),
            ));
        };
        let new = NewSubscription {
            sku: sku.to_owned(),
            quantity: 1,
            interval: offer.default_interval,
        };
        self.subscribe(&new, &idempotency_key()).await
    }

    /// The calendar feed link, for signed-in shoppers only (None while loading or on
    /// failure: the link is a convenience, its absence is not an error to show).
    pub fn calendar_feed(&self) -> LocalResource<Option<String>> {
        let this = self.clone();
        LocalResource::new(move || {
            let this = this.clone();
            async move {
                if this.api.has_token() {
                    this.api.calendar_feed().await.ok()
                } else {
                    None
                }
            }
        })
    }

    pub fn history(&self, id: String) -> LocalResource<Result<Vec<ChangeRecord>, ApiError>> {
        let this = self.clone();
        LocalResource::new(move || {
            let (this, id) = (this.clone(), id.clone());
            async move { this.report(this.api.history(&id).await) }
        })
    }

    /// Sends one change under a fresh idempotency key and announces the result to the
    /// page: `cadence:subscription-changed` on success, `cadence:error` on failure. A 412
    /// is not an error to report: the view reconciles it with the shopper.
    pub async fn change(
        &self,
        subscription: &Subscription,
        change: &SubscriptionChange,
        via_cancel_offer: bool,
    ) -> Result<Subscription, ApiError> {
        let key = idempotency_key();
        let result = self
            .api
            .change(subscription, change, via_cancel_offer, &key)
            .await;
        match &result {
            Ok(updated) => events::emit(
                &self.host,
                "subscription-changed",
                events::detail(&[
                    ("subscriptionId", updated.id.as_str().into()),
                    ("action", change.action().into()),
                    ("version", (updated.version as f64).into()),
                ]),
            ),
            Err(ApiError::Status { status: 412, .. }) => {}
            Err(error) => events::emit_error(&self.host, error.code(), &error.to_string()),
        }
        result
    }

    /// Subscribes under `key` (one key per shopper intent, so a double click creates one
    /// subscription) and announces `cadence:subscribed` to the page.
    pub async fn subscribe(
        &self,
        new: &NewSubscription,
        key: &str,
    ) -> Result<Subscription, ApiError> {
        let result = self.report(self.api.subscribe(new, key).await);
        if let Ok(created) = &result {
            events::emit(
                &self.host,
                "subscribed",
                events::detail(&[
                    ("subscriptionId", created.id.as_str().into()),
                    ("sku", created.sku.as_str().into()),
                    ("quantity", created.quantity.into()),
                    ("interval", crate::json::to_js(&created.interval)),
                ]),
            );
        }
        result
    }

    fn report<T>(&self, result: Result<T, ApiError>) -> Result<T, ApiError> {
        if let Err(error) = &result {
            events::emit_error(&self.host, error.code(), &error.to_string());
        }
        result
    }
}

/// A fresh random version-4 UUID naming one shopper intent. Built from
/// `crypto.getRandomValues`, which (unlike `randomUUID`) also exists on plain-http pages.
pub fn idempotency_key() -> String {
    let mut bytes = [0u8; 16];
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    if bytes == [0; 16] {
        // No crypto at all: Math.random is weaker but still unique enough per intent.
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    // 8-4-4-4-12 hex digits, written out by hand: `format!("{:02x}")` and string slicing
    // would bring integer formatting and slice-boundary panics into the wasm.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut key = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            key.push('-');
        }
        key.push(HEX[usize::from(b >> 4)] as char);
        key.push(HEX[usize::from(b & 0x0f)] as char);
    }
    key
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::idempotency_key;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// A version-4 UUID as RFC 9562 writes it, different every time.
    #[wasm_bindgen_test]
    fn an_idempotency_key_is_a_fresh_lowercase_uuid_v4() {
        let key = idempotency_key();
        assert_eq!(key.len(), 36, "{key}");
        for (i, c) in key.chars().enumerate() {
            match i {
                8 | 13 | 18 | 23 => assert_eq!(c, '-', "{key}"),
                14 => assert_eq!(c, '4', "version nibble: {key}"),
                19 => assert!("89ab".contains(c), "variant: {key}"),
                _ => assert!(c.is_ascii_digit() || ('a'..='f').contains(&c), "{key}"),
            }
        }
        assert_ne!(key, idempotency_key());
    }
}
