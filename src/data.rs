//! The data facade between views and the api module: each method returns a [`Fetched`]
//! (or, for what is never reloaded, a signal) and reports failures as `cadence:error`
//! events, so components never call the API or emit errors themselves. (Named `Data`, not
//! "loader": `loader.js` is the merchant-facing script that loads the wasm.)

use crate::api::{Api, ApiError};
use crate::encode::ToJs;
use crate::events;
use crate::fetched::Fetched;
use crate::id::idempotency_key;
use crate::telemetry;
use cadence_contract::{
    Account, ChangeRecord, ChangeRequest, Interval, NewSubscription, Product, Recommendation,
    RecommendationAction, RecommendationSource, RoutineTask, Subscription, UiEventKind,
};
use leptos::prelude::*;
use web_sys::HtmlElement;

/// Where recommendations are shown: a product page (the viewed SKU) or the account.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum RecoContext {
    Product(String),
    Account,
}

impl RecoContext {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            RecoContext::Product(_) => "product",
            RecoContext::Account => "account",
        }
    }
}

/// What views need to load data: the client and the element to report errors on.
#[derive(Clone)]
pub(crate) struct Data {
    pub api: Api,
    pub host: HtmlElement,
}

impl Data {
    pub(crate) fn product(&self, sku: String) -> Fetched<Product> {
        let this = self.clone();
        Fetched::new(move || {
            let (this, sku) = (this.clone(), sku.clone());
            async move { this.report(this.api.product(&sku).await) }
        })
    }

    pub(crate) fn account(&self) -> Fetched<Account> {
        let this = self.clone();
        Fetched::new(move || {
            let this = this.clone();
            async move { this.report(this.api.account().await) }
        })
    }

    /// Recommendations load on their own: a failure is reported but the rest of the widget
    /// is unaffected (the list stays empty). A plain task and signal: nothing refetches it.
    pub(crate) fn recommendations(&self, context: RecoContext) -> ReadSignal<Vec<Recommendation>> {
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
    pub(crate) fn track(
        &self,
        kind: UiEventKind,
        item: &Recommendation,
        action: Option<RecommendationAction>,
        context: &RecoContext,
    ) {
        // Conversions are the server's to count, when it accepts the action (the request
        // names its recommendation): the page hears of the press, the API does not.
        if kind != UiEventKind::Action {
            telemetry::record(self.api.clone(), kind, item, action, context.name());
        }
        events::emit(
            &self.host,
            "recommendation",
            telemetry::detail(kind, item, action),
        );
    }

    /// Subscribes to `sku`, quantity 1, at the cadence the recommendation named (a
    /// recommendation's "subscribe" action: one request, no product lookup first), saying
    /// which recommendation it was so the server counts its conversion.
    pub(crate) async fn subscribe_at(
        &self,
        sku: &str,
        interval: Interval,
        recommendation: RecommendationSource,
    ) -> Result<Subscription, ApiError> {
        let new = NewSubscription {
            sku: sku.to_owned(),
            quantity: 1,
            interval,
            recommendation: Some(recommendation),
        };
        self.subscribe(&new, &idempotency_key()).await
    }

    /// The calendar feed link, for signed-in shoppers only (None while loading or on
    /// failure: the link is a convenience, its absence is not an error to show). A task
    /// and a signal, like `recommendations`: nothing refetches it.
    pub(crate) fn calendar_feed(&self) -> ReadSignal<Option<String>> {
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

    pub(crate) fn history(&self, id: String) -> Fetched<Vec<ChangeRecord>> {
        let this = self.clone();
        Fetched::new(move || {
            let (this, id) = (this.clone(), id.clone());
            async move { this.report(this.api.history(&id).await) }
        })
    }

    /// Sends one change under a fresh idempotency key and announces the result to the
    /// page: `cadence:subscription-changed` on success, `cadence:error` on failure. A 412
    /// is not an error to report: the view reconciles it with the shopper.
    pub(crate) async fn change(
        &self,
        subscription: &Subscription,
        request: &ChangeRequest,
    ) -> Result<Subscription, ApiError> {
        let key = idempotency_key();
        let result = self.api.change(subscription, request, &key).await;
        match &result {
            Ok(updated) => events::emit(
                &self.host,
                "subscription-changed",
                events::detail(&[
                    ("subscriptionId", updated.id.as_str().into()),
                    ("action", request.change.action().into()),
                    ("version", (updated.version as f64).into()),
                ]),
            ),
            Err(ApiError::Status { status: 412, .. }) => {}
            Err(error) => events::emit_error(&self.host, error.code(), &error.to_string()),
        }
        result
    }

    /// Marks a maintenance task done today under a fresh idempotency key (one press, one
    /// intent); a failure is reported as `cadence:error`.
    pub(crate) async fn routine_done(&self, routine_id: &str) -> Result<RoutineTask, ApiError> {
        self.report(self.api.routine_done(routine_id, &idempotency_key()).await)
    }

    /// Turns a maintenance task's reminders on or off under a fresh idempotency key; a
    /// failure is reported as `cadence:error`.
    pub(crate) async fn routine_remind(
        &self,
        routine_id: &str,
        remind: bool,
    ) -> Result<(), ApiError> {
        self.report(
            self.api
                .routine_remind(routine_id, remind, &idempotency_key())
                .await,
        )
    }

    /// "Remind me" for a machine's maintenance (`Api::remind_machine`) under a fresh
    /// idempotency key; a failure is reported as `cadence:error`.
    pub(crate) async fn remind_machine(&self, sku: &str, body: String) -> Result<(), ApiError> {
        self.report(self.api.remind_machine(sku, body, &idempotency_key()).await)
    }

    /// Subscribes under `key` (one key per shopper intent, so a double click creates one
    /// subscription) and announces `cadence:subscribed` to the page.
    pub(crate) async fn subscribe(
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
                    ("interval", created.interval.to_js()),
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
