//! The server's integration tests, one binary (one link, one `cargo test` section): one
//! module per area, `common` the shared harness. The hostile-traffic suite is not here: it
//! measures a real server's latency, and is its own binary (`tests/hostile.rs`) so that no
//! test of this binary runs on another thread while it takes its figures.

mod common;

mod add_once;
mod admin_data;
mod admin_export;
mod admin_import;
mod admin_support;
mod back_office;
mod cancel_reasons;
mod changes_actions;
mod changes_concurrency;
mod changes_model;
mod changes_protocol;
mod consent_record;
mod conversions;
mod crash;
mod database;
mod events;
mod fuzz_admin;
mod fuzz_orders;
mod fuzz_requests;
mod fuzz_webhooks;
mod generator;
mod hosted_account;
mod hot_paths;
mod http_edges;
mod merchant_metrics;
mod notifications;
mod notifications_figures;
mod notifications_routines;
mod operator;
mod orders_crash;
mod orders_model;
mod orders_outcomes;
mod orders_scheduler;
mod orders_support;
mod orders_throughput;
mod plan_api;
mod price_lock;
mod privacy;
mod public_cancel;
mod read_api;
mod recommendations;
mod retention;
mod revocation;
mod routine_done;
mod routine_follow;
mod schema_parity;
mod server_process;
mod shopper_language;
mod smtp_server;
mod startup;
mod subscribe;
mod unloaded_customers;
mod webhook_harness;
mod webhook_receiver;
mod webhooks_admin;
mod webhooks_crash;
mod webhooks_delivery;
mod webhooks_figures;
mod webhooks_outage;
mod widget_and_shop;
