//! Recommendation telemetry: impressions, clicks and actions, batched and sent with
//! `navigator.sendBeacon` a moment later or when the page is hidden — never blocking the
//! UI, and dropped silently when the API is unreachable (it is measurement, not data).

use crate::api::Api;
use cadence_contract::{Recommendation, RecommendationAction, UiEvent, UiEventKind};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

/// How long events wait to be sent together.
const BATCH_DELAY_MS: i32 = 2_000;
/// The API accepts at most this many per batch.
const MAX_BATCH: usize = 50;

#[derive(Default)]
struct Queue {
    api: Option<Api>,
    events: Vec<UiEvent>,
    timer_set: bool,
    unload_hooked: bool,
}

thread_local! {
    static QUEUE: RefCell<Queue> = RefCell::new(Queue::default());
}

pub(crate) fn record(
    api: Api,
    kind: UiEventKind,
    item: &Recommendation,
    action: Option<RecommendationAction>,
    context: &str,
) {
    let event = UiEvent {
        kind,
        sku: item.sku.clone(),
        reason: Some(item.reason),
        action,
        context: context.to_owned(),
    };
    let (set_timer, hook_unload) = QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        q.api = Some(api);
        q.events.push(event);
        let set_timer = !std::mem::replace(&mut q.timer_set, true);
        let hook_unload = !std::mem::replace(&mut q.unload_hooked, true);
        (set_timer, hook_unload)
    });
    let Some(window) = web_sys::window() else {
        return;
    };
    if set_timer {
        let flush_later = Closure::once_into_js(flush);
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            flush_later.unchecked_ref(),
            BATCH_DELAY_MS,
        );
    }
    if hook_unload {
        // `pagehide` is the last reliable moment to send: the beacon outlives the page.
        let on_hide = Closure::<dyn Fn()>::new(flush);
        let _ =
            window.add_event_listener_with_callback("pagehide", on_hide.as_ref().unchecked_ref());
        on_hide.forget(); // lives as long as the page
    }
}

/// Sends what is queued, in batches the API accepts.
pub(crate) fn flush() {
    let (api, events) = QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        q.timer_set = false;
        (q.api.clone(), std::mem::take(&mut q.events))
    });
    let Some(api) = api else { return };
    for batch in events.chunks(MAX_BATCH) {
        api.beacon_events(batch);
    }
}

/// The `detail` of a `cadence:recommendation` event.
pub(crate) fn detail(
    kind: UiEventKind,
    item: &Recommendation,
    action: Option<RecommendationAction>,
) -> JsValue {
    crate::events::detail(&[
        ("kind", kind.as_str().into()),
        ("sku", item.sku.as_str().into()),
        ("reason", item.reason.as_str().into()),
        (
            "action",
            action
                .map(RecommendationAction::as_str)
                .unwrap_or("")
                .into(),
        ),
    ])
}
