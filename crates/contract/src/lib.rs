//! The Cadence contract: the JSON API's types and the pure domain rules both sides share.
//!
//! Invariant: this crate does no IO and has no platform-specific code, so it compiles for
//! `wasm32-unknown-unknown` (the widget) and natively (the server) and the two cannot drift.

pub mod api;
pub mod cadence;
pub mod date;
pub mod metrics;
pub mod money;
pub mod plan;
pub mod problem;
pub mod recommend;
pub mod schedule;
pub mod selfservice;

pub use api::*;
pub use cadence::{Interval, IntervalUnit};
pub use date::Date;
pub use metrics::*;
pub use money::Money;
pub use plan::*;
pub use problem::Problem;
pub use recommend::*;
pub use schedule::{ChangeError, Rules, Schedule};
pub use selfservice::*;

/// The path prefix every API route lives under; bump only with a new, parallel contract.
pub const API_PREFIX: &str = "/api/v1";
