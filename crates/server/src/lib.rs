//! The Cadence reference API server: the `/api/v1` JSON API over SQLite, the widget's
//! static files, and (with the `demo` feature, on by default) a demo storefront on its own
//! origin, the data generator and the recommendations load bench.
//!
//! The modules below are the crate's surface (its binaries and integration tests use
//! them); what a module keeps to itself is `pub(crate)` or narrower, so `unreachable_pub`
//! keeps each item's visibility honest and rustc reports code nothing uses.
#![warn(unreachable_pub)]

pub mod admin;
pub mod app;
pub mod attribution;
pub mod auth;
pub mod calendar;
pub mod client;
pub mod clock;
pub mod config;
pub mod connections;
pub mod consent;
pub mod db;
pub mod demo_data;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod limits;
pub mod merchant_key;
pub mod metrics;
pub mod notify;
pub mod openapi;
pub mod orders;
pub mod outbox;
pub mod price_change;
pub mod prometheus;
pub mod recommend;
pub mod retention;
pub mod routes;
pub mod routines;
pub mod scheduler;
pub mod selfservice;
pub mod serve;
pub mod throttle;
pub mod webhooks;

// Left out of a production build (`--no-default-features`): the demo shop, the data
// generator behind `seed`, and `bench-recommendations`.
#[cfg(feature = "demo")]
pub mod bench;
#[cfg(feature = "demo")]
pub mod generate;
#[cfg(feature = "demo")]
pub mod storefront;

pub use app::{app, AppState};
