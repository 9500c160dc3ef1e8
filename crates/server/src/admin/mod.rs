//! The merchant admin API (`/api/v1/admin/…`): what a merchant's own systems use to load
//! and read their shop's data, manage webhooks and report orders' outcomes. Every route
//! takes an [`auth::AdminAccess`] and says which [`auth::Scope`] it needs.

pub mod apply;
pub mod auth;
pub mod body;
pub mod catalog;
pub mod checks;
pub mod csv;
pub mod customers;
#[cfg(feature = "demo")]
pub mod demo;
pub mod export;
pub mod export_consents;
pub mod export_page;
pub mod history;
pub mod import;
pub mod import_record;
pub mod keys;
pub mod lines;
pub mod orders;
pub mod price_changes;
pub mod privacy;
pub mod records;
pub mod routines;

use crate::app::AppState;
use axum::routing::{get, post, put};
use axum::Router;

/// The admin routes, relative to `/api/v1/admin`.
pub fn routes() -> Router<AppState> {
    // The demo's clock control exists in demo builds only (and answers only on `--demo`).
    #[cfg(feature = "demo")]
    let router = Router::new().route("/demo/clock", post(demo::post_clock));
    #[cfg(not(feature = "demo"))]
    let router = Router::new();
    router
        .route("/keys", get(keys::list_keys).post(keys::create_key))
        .route("/keys/{id}/revoke", post(keys::revoke_key))
        // The merchant's data by their own ids, bulk imports and exports (`catalog.rs`,
        // `customers.rs`, `history.rs`, `import.rs`, `export.rs`).
        .route(
            "/products/{sku}",
            put(catalog::put_product).get(catalog::get_product),
        )
        .route(
            "/customers/{id}",
            put(customers::put_customer)
                .get(customers::get_customer)
                .delete(privacy::erase_customer),
        )
        .route(
            "/customers/{id}/owned/{sku}",
            put(customers::put_owned).delete(customers::delete_owned),
        )
        .route(
            "/orders/{id}",
            put(history::put_order).get(history::get_order),
        )
        .route("/imports", post(import::post_import))
        .route("/exports/changes", get(export::export_changes))
        .route(
            "/exports/cancel-reasons",
            get(export::export_cancel_reasons),
        )
        .route("/exports/orders", get(export::export_orders))
        .route("/exports/consents", get(export_consents::export_consents))
        .route("/customers/{id}/export", get(privacy::export_customer))
        // Orders and their outcomes (`orders/`, `scheduler/`).
        .route("/orders", get(orders::list_orders))
        .route("/orders/{id}/outcome", post(orders::post_outcome))
        // What existing subscribers pay, changed with notice (`price_change.rs`).
        .route(
            "/price-changes",
            get(price_changes::list_price_changes).post(price_changes::post_price_change),
        )
        // Webhook endpoints, their delivery logs and replay (`webhooks/`).
        .merge(crate::webhooks::admin_routes())
        // Messages to shoppers: settings and log (`notify/`).
        .merge(crate::notify::routes::admin_routes())
        .route(
            "/customers/{id}/routines/{routine_id}/done",
            post(routines::post_done),
        )
}
