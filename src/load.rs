//! Data loading between views and the api module: each loader returns a [`Fetched`] (or,
//! for what is never reloaded, a signal) and reports failures as `cadence:error` events,
//! so components never call the API or emit errors themselves.

use crate::api::{Api, ApiError};
use crate::events;
use crate::telemetry;
use cadence_contract::{
    Account, ChangeRecord, Interval, NewSubscription, Product, Recommendation,
    RecommendationAction, Subscription, SubscriptionChange, UiEventKind,
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

/// Data a task fetches into a signal: `None` while loading, then the outcome; `reload`
/// fetches again, and only the latest fetch's outcome is kept.
///
/// Not a `LocalResource`: Leptos's async machinery (`AsyncDerived`, its transitions, locks
/// and wakers) was compiled in per value type, and none of it is needed to show one
/// answer at a time (measured: 9 KB brotli of the product module, 10 KB of the account's).
pub struct Fetched<T: Send + Sync + 'static> {
    state: RwSignal<Option<Result<T, ApiError>>>,
    start: StoredValue<Box<dyn Fn()>, LocalStorage>,
}

impl<T: Send + Sync + 'static> Clone for Fetched<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Fetched<T> {}

impl<T: Clone + Send + Sync + 'static> Fetched<T> {
    fn new<Fut>(fetch: impl Fn() -> Fut + 'static) -> Self
    where
        Fut: std::future::Future<Output = Result<T, ApiError>> + 'static,
    {
        let state = RwSignal::new(None);
        let latest = std::rc::Rc::new(std::cell::Cell::new(0u32));
        let start = move || {
            let this_fetch = latest.get().wrapping_add(1);
            latest.set(this_fetch);
            let _ = state.try_set(None);
            let (answer, latest) = (fetch(), latest.clone());
            leptos::task::spawn_local(async move {
                let outcome = answer.await;
                // A reload started meanwhile: its answer is the one to show.
                if latest.get() == this_fetch {
                    // The view may be gone by now (unmounted): then there is nobody to tell.
                    let _ = state.try_set(Some(outcome));
                }
            });
        };
        start();
        Fetched {
            state,
            start: StoredValue::new_local(Box::new(start)),
        }
    }

    /// The outcome so far (tracked): `None` while loading.
    pub fn get(&self) -> Option<Result<T, ApiError>> {
        self.state.get()
    }

    /// Fetches again (the notices' "Try again").
    pub fn reload(&self) {
        let _ = self.start.try_with_value(|start| start());
    }
}

/// What views need to load data: the client and the element to report errors on.
#[derive(Clone)]
pub struct Loader {
    pub api: Api,
    pub host: HtmlElement,
}

impl Loader {
    pub fn product(&self, sku: String) -> Fetched<Product> {
        let this = self.clone();
        Fetched::new(move || {
            let (this, sku) = (this.clone(), sku.clone());
            async move { this.report(this.api.product(&sku).await) }
        })
    }

    pub fn account(&self) -> Fetched<Account> {
        let this = self.clone();
        Fetched::new(move || {
            let this = this.clone();
            async move { this.report(this.api.account().await) }
        })
    }

    /// Recommendations load on their own: a failure is reported but the rest of the widget
    /// is unaffected (the list stays empty). A plain task and signal: nothing refetches it.
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

    /// Subscribes to `sku`, quantity 1, at the cadence the recommendation named (a
    /// recommendation's "subscribe" action: one request, no product lookup first).
    pub async fn subscribe_at(
        &self,
        sku: &str,
        interval: Interval,
    ) -> Result<Subscription, ApiError> {
        let new = NewSubscription {
            sku: sku.to_owned(),
            quantity: 1,
            interval,
        };
        self.subscribe(&new, &idempotency_key()).await
    }

    /// The calendar feed link, for signed-in shoppers only (None while loading or on
    /// failure: the link is a convenience, its absence is not an error to show). A task
    /// and a signal, like `recommendations`: nothing refetches it.
    pub fn calendar_feed(&self) -> ReadSignal<Option<String>> {
        let (feed, set_feed) = signal(None);
        let api = self.api.clone();
        if api.has_token() {
            leptos::task::spawn_local(async move {
                if let Ok(url) = api.calendar_feed().await {
                    let _ = set_feed.try_set(Some(url));
                }
            });
        }
        feed
    }

    pub fn history(&self, id: String) -> Fetched<Vec<ChangeRecord>> {
        let this = self.clone();
        Fetched::new(move || {
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
    use super::{idempotency_key, Fetched};
    use crate::api::ApiError;
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::JsValue;
    use wasm_bindgen_futures::JsFuture;
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

    /// Resolves after the tasks queued so far (spawned futures included) have run.
    async fn next_task() {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            let _ = web_sys::window()
                .unwrap()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        });
        JsFuture::from(promise).await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn fetched_shows_loading_then_the_outcome_and_only_the_latest_reload_wins() {
        // Each fetch waits on a promise the test resolves by hand, in any order.
        let pending: Rc<RefCell<Vec<js_sys::Function>>> = Rc::default();
        let calls = pending.clone();
        // Made inside a mounted view, as the widget's are: mounting starts Leptos's executor.
        let made = Rc::new(RefCell::new(None));
        let slot = made.clone();
        let host = web_sys::window()
            .unwrap()
            .document()
            .unwrap()
            .create_element("div")
            .unwrap();
        let _mounted =
            leptos::mount::mount_to(wasm_bindgen::JsCast::unchecked_into(host), move || {
                *slot.borrow_mut() = Some(make(calls));
            });
        let fetched: Fetched<u32> = made.borrow().unwrap();
        fn make(calls: Rc<RefCell<Vec<js_sys::Function>>>) -> Fetched<u32> {
            Fetched::new(move || {
                let promise =
                    js_sys::Promise::new(&mut |resolve, _| calls.borrow_mut().push(resolve));
                async move {
                    let value = JsFuture::from(promise).await.unwrap();
                    match value.as_f64() {
                        Some(n) => Ok(n as u32),
                        None => Err(ApiError::Network("refused".into())),
                    }
                }
            })
        }
        assert_eq!(fetched.get(), None, "loading");
        let resolve = |i: usize, value: JsValue| {
            pending.borrow()[i].call1(&JsValue::NULL, &value).unwrap();
        };
        resolve(0, JsValue::NULL);
        next_task().await;
        assert_eq!(
            fetched.get(),
            Some(Err(ApiError::Network("refused".into())))
        );

        fetched.reload();
        assert_eq!(fetched.get(), None, "loading again");
        fetched.reload();
        assert_eq!(pending.borrow().len(), 3, "one fetch per load");
        // The newest answers first; the older one, arriving late, is dropped.
        resolve(2, JsValue::from(2));
        next_task().await;
        resolve(1, JsValue::from(1));
        next_task().await;
        assert_eq!(fetched.get(), Some(Ok(2)));
    }
}
