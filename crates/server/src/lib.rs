//! The Cadence reference API server: the `/api/v1` JSON API over SQLite, the widget's
//! static files, and a demo storefront on its own origin.

pub mod app;
pub mod auth;
pub mod bench;
pub mod calendar;
pub mod client;
pub mod clock;
pub mod config;
pub mod connections;
pub mod db;
pub mod error;
pub mod extract;
pub mod generate;
pub mod html;
pub mod limits;
pub mod merchant_key;
pub mod metrics;
pub mod openapi;
pub mod recommend;
pub mod retention;
pub mod routes;
pub mod seed;
pub mod selfservice;
pub mod serve;
pub mod storefront;
pub mod throttle;

pub use app::{app, AppState};
