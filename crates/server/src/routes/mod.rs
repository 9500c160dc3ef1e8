//! The `/api/v1` routes, one module per resource.

pub mod calendar;
pub mod changes;
pub mod consents;
pub mod events;
pub mod fallback;
pub mod health;
pub mod me;
pub mod merchant;
pub mod products;
pub mod recommendations;
pub mod reminders;
pub mod routines;
pub mod subscriptions;
pub mod withdraw;

use crate::app::AppState;
use axum::routing::get;
use axum::Router;

/// Every API route, relative to `/api/v1`, with problem+json fallbacks for unknown paths
/// (404) and methods (405, keeping axum's `Allow` header).
pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .route("/metrics", get(health::metrics))
        .route("/products/{sku}", get(products::get_product))
        .route("/products/{sku}/plan.ics", get(calendar::plan_ics))
        .route(
            "/products/{sku}/reminders",
            axum::routing::post(reminders::post_follow),
        )
        .route(
            "/me/products/{sku}/reminders",
            axum::routing::post(reminders::post_machine_reminders),
        )
        .route("/me", get(me::get_me))
        .route(
            "/me/calendar",
            get(calendar::me_calendar).delete(calendar::reset_calendar),
        )
        .route("/calendar/{feed}", get(calendar::calendar_feed))
        .route(
            "/me/subscriptions",
            axum::routing::post(subscriptions::create_subscription),
        )
        .route(
            "/me/subscriptions/{id}",
            get(subscriptions::get_subscription),
        )
        .route(
            "/me/subscriptions/{id}/changes",
            get(changes::list_changes).post(changes::post_change),
        )
        .route(
            "/me/subscriptions/{id}/consents",
            get(consents::list_consents),
        )
        .route(
            "/me/subscriptions/{id}/withdraw",
            axum::routing::post(withdraw::post_withdraw),
        )
        .route(
            "/me/routines/{routine_id}/done",
            axum::routing::post(routines::post_done),
        )
        .route(
            "/me/routines/{routine_id}/reminders",
            axum::routing::post(routines::post_reminders),
        )
        .route(
            "/recommendations",
            get(recommendations::get_recommendations),
        )
        .route("/events", axum::routing::post(events::post_events))
        .route("/merchant/metrics", get(merchant::get_metrics))
        .route(
            "/merchant/customers/{id}/revoke",
            axum::routing::post(merchant::revoke_customer),
        )
        .nest("/admin", crate::admin::routes())
        .route("/openapi.json", get(crate::openapi::openapi_json))
        // Applies to the routes above, so it must come after them.
        .method_not_allowed_fallback(fallback::method_not_allowed)
        .fallback(fallback::not_found)
}
