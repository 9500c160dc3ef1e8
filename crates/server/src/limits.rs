//! `Limits`: the operator's bounds on what one client, one customer or one connection may
//! use (connections, request rates, timeouts, token lifetimes, sizes). One struct, built
//! from the command line by `config` and read by the middleware and handlers that enforce
//! each bound, so every limit has one documented setting and one default.

use std::net::IpAddr;
use std::time::Duration;

/// Every bound the server enforces. `Default` is what `serve` uses without flags.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Open connections the API listener holds at once (all clients together).
    pub max_connections: usize,
    /// Open connections one client address holds at once; more are closed at accept.
    pub max_connections_per_client: usize,
    /// Time a client has to send a request's headers (also how long an idle kept-alive
    /// connection stays open): slow-header ("slowloris") connections are closed after it.
    pub header_read_timeout: Duration,
    /// Time a request may take from its headers to its answer (a slow body included).
    pub request_timeout: Duration,
    /// Sustained API requests per second one client address may send (a token bucket).
    pub requests_per_second: u32,
    /// How many API requests one client may send at once above the sustained rate.
    pub request_burst: u32,
    /// Event batches (`POST /events`) per second per client address, and their burst.
    pub event_batches_per_second: u32,
    pub event_batch_burst: u32,
    /// Event batches per second from one page origin (all its visitors together).
    pub event_batches_per_origin_second: u32,
    /// Failed token or merchant-key checks one client may make per minute (and at once)
    /// before every further check from it is answered 429 until the bucket refills.
    pub auth_failures_per_minute: u32,
    pub auth_failure_burst: u32,
    /// API requests one signed-in customer may have in flight at once (the database pool
    /// is shared by everyone: one customer must not hold all of it).
    pub requests_in_flight_per_customer: usize,
    /// Subscriptions (not cancelled) one customer may hold.
    pub max_subscriptions_per_customer: u32,
    /// The largest body `POST /admin/imports` reads (every other route: 16 KiB). The import
    /// streams it, a batch of lines at a time, so this bounds time, not memory.
    pub max_import_bytes: u64,
    /// How long one import request may take, instead of `request_timeout`.
    pub import_timeout: Duration,
    /// The longest a customer token may live: `exp` at most this far after `iat` (and
    /// after now). Longer tokens are refused.
    pub max_token_lifetime: Duration,
    /// How long raw widget events are kept (their daily counts stay).
    pub event_retention: Duration,
    /// How long an `Idempotency-Key` and its stored answer are kept for replays.
    pub idempotency_retention: Duration,
    /// Reverse proxies whose `X-Forwarded-For` names the real client (empty: none).
    pub trusted_proxies: Vec<IpAddr>,
    /// Where webhook endpoints may point beyond public https addresses (SSRF): loopback
    /// for the demo and tests, private networks, link-local. All off by default.
    pub webhook_policy: cadence_webhooks::Policy,
    /// How long one webhook attempt (DNS, connection, TLS, answer) may take before it
    /// counts as failed and is retried later.
    pub webhook_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 4096,
            max_connections_per_client: 128,
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            requests_per_second: 100,
            request_burst: 200,
            event_batches_per_second: 2,
            event_batch_burst: 20,
            event_batches_per_origin_second: 200,
            auth_failures_per_minute: 30,
            auth_failure_burst: 20,
            requests_in_flight_per_customer: 2,
            max_subscriptions_per_customer: 100,
            max_import_bytes: 256 * 1024 * 1024,
            import_timeout: Duration::from_secs(15 * 60),
            max_token_lifetime: Duration::from_secs(24 * 3600),
            event_retention: Duration::from_secs(90 * 24 * 3600),
            idempotency_retention: Duration::from_secs(7 * 24 * 3600),
            trusted_proxies: Vec::new(),
            webhook_policy: cadence_webhooks::Policy::default(),
            webhook_timeout: Duration::from_secs(10),
        }
    }
}
