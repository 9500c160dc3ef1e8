//! The merchant admin API (`/api/v1/admin/…`): what a merchant's own systems use to load
//! and read their shop's data, manage webhooks and report orders' outcomes. Every route
//! takes an [`auth::AdminAccess`] and says which [`auth::Scope`] it needs.

pub mod auth;
pub mod keys;

use crate::app::AppState;
use axum::routing::{get, post};
use axum::Router;

/// The admin routes, relative to `/api/v1/admin`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/keys", get(keys::list_keys).post(keys::create_key))
        .route("/keys/{id}/revoke", post(keys::revoke_key))
}
