//! Outbound webhooks: the merchant's endpoints, the deliveries of outbox events to them, and
//! the dispatcher that makes them (signed per Standard Webhooks by `cadence-webhooks`).
//!
//! - `store.rs`: endpoints in the database, and the fan-out of each event to the endpoints
//!   that listen for it (in the transaction that wrote the event);
//! - `queue.rs`: the dispatcher's side of the database: claiming due deliveries under a
//!   lease, recording each attempt, the endpoint's failure streak;
//! - `dispatcher.rs`: the background task that sends, concurrently, with a per-endpoint
//!   limit; `client.rs`: one signed POST to addresses resolved and checked here (SSRF);
//! - `routes.rs` (endpoints) and `log.rs` (delivery log, replay): the admin API;
//!   `openapi.rs`: the event payloads as an OpenAPI 3.1 `webhooks` section.

pub mod client;
pub mod dispatcher;
pub mod log;
pub mod openapi;
pub mod queue;
pub mod routes;
pub mod store;

pub use dispatcher::{Dispatcher, Settings};
pub use store::fan_out;

use crate::app::AppState;
use axum::routing::{get, post};
use axum::Router;

/// The webhook admin routes, relative to `/api/v1/admin`.
pub fn admin_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/webhooks/endpoints",
            get(routes::list_endpoints).post(routes::create_endpoint),
        )
        .route(
            "/webhooks/endpoints/{id}",
            get(routes::get_endpoint)
                .patch(routes::update_endpoint)
                .delete(routes::delete_endpoint),
        )
        .route(
            "/webhooks/endpoints/{id}/rotate-secret",
            post(routes::rotate_secret),
        )
        .route(
            "/webhooks/endpoints/{id}/deliveries",
            get(log::list_deliveries),
        )
        .route("/webhooks/endpoints/{id}/replay", post(log::replay))
}

/// Random bytes from the operating system, for secrets, ids and jitter.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The OS random source failing is not something a server can serve through.
    getrandom::getrandom(&mut bytes).expect("the operating system's random source works");
    bytes
}

/// A uniform random fraction in `[0, 1)`: the retry schedule's full jitter.
pub(crate) fn jitter() -> f64 {
    // The top 53 bits, the precision of an f64 mantissa: every value equally likely.
    (u64::from_le_bytes(random_bytes()) >> 11) as f64 / (1u64 << 53) as f64
}

/// `prefix` and 32 lowercase hex digits of fresh randomness: endpoint and delivery ids.
pub(crate) fn new_id(prefix: &str) -> String {
    let hex: String = random_bytes::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{prefix}{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_in_the_unit_interval_and_varies() {
        let draws: Vec<f64> = (0..1000).map(|_| jitter()).collect();
        assert!(draws.iter().all(|j| (0.0..1.0).contains(j)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        // 1000 uniform draws: the mean is 0.5 ± 0.03 with overwhelming probability.
        assert!((0.45..0.55).contains(&mean), "{mean}");
    }

    #[test]
    fn ids_are_prefixed_hex_and_fresh() {
        let (a, b) = (new_id("ep_"), new_id("ep_"));
        assert_eq!(a.len(), 3 + 32);
        assert!(a[3..].bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
