//! The widget's views: one module per face, plus shared notices and skeletons.

pub(crate) mod account;
pub(crate) mod cancel;
pub(crate) mod controls;
pub(crate) mod follow;
pub(crate) mod history;
pub(crate) mod notice;
pub(crate) mod plan;
pub(crate) mod product;
pub(crate) mod purchase;
pub(crate) mod recommendations;
pub(crate) mod routines;
pub(crate) mod subscription;

use crate::api::ApiError;
use crate::i18n::Key;

/// The shopper-facing sentence for an API failure: calm, translated, actionable.
pub(crate) fn error_key(error: &ApiError) -> Key {
    match error {
        ApiError::Network(_) => Key::ErrorNetwork,
        ApiError::Status { status: 401, .. } => Key::ErrorSignIn,
        ApiError::Status { status: 404, .. } => Key::ErrorNotFound,
        // Rate-limited or overloaded: nothing is wrong, it is worth trying again shortly.
        ApiError::Status {
            status: 429 | 503, ..
        } => Key::ErrorBusy,
        ApiError::Status { .. } | ApiError::Decode(_) => Key::ErrorServer,
    }
}

/// A flag that turns true one task after it is made. The part of a view that waits for it
/// is built in a task of its own, after the rest: a long first render split in two, so
/// neither half blocks the host page's main thread for 50 ms (see `plan.rs`).
pub fn after_this_task() -> leptos::prelude::RwSignal<bool> {
    use leptos::prelude::*;
    use wasm_bindgen::{closure::Closure, JsCast};
    // An `RwSignal<bool>` like the views' other flags: it shares their code in the wasm.
    let ready = RwSignal::new(false);
    let later = Closure::once_into_js(move || {
        ready.try_set(true);
    });
    if let Some(window) = web_sys::window() {
        let _ =
            window.set_timeout_with_callback_and_timeout_and_arguments_0(later.unchecked_ref(), 0);
    }
    ready
}
