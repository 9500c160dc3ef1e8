//! The widget's views: one module per face, plus shared notices and skeletons.

pub mod account;
pub mod cancel;
pub mod controls;
pub mod history;
pub mod notice;
pub mod plan;
pub mod product;
pub mod purchase;
pub mod recommendations;
pub mod subscription;

use crate::api::ApiError;
use crate::i18n::Key;

/// The shopper-facing sentence for an API failure: calm, translated, actionable.
pub fn error_key(error: &ApiError) -> Key {
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
