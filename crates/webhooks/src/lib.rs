//! Cadence's outbound webhooks, the pure parts: Standard Webhooks signing, the retry and
//! disabling rules, endpoint URL checks against SSRF, and the event envelope.
//!
//! Invariant: no IO. The server's outbox dispatcher reads the clock, draws random bytes,
//! resolves names and sends requests, and passes what these functions need as arguments,
//! so every rule here is tested in microseconds (`clippy.toml` enforces it).

pub mod address;
pub mod endpoint_url;
pub mod event;
pub mod retry;
pub mod signature;

// What the crate offers, by name: a new public item is exported on purpose, not by a glob.
pub use address::{classify_ip, AddressClass};
pub use endpoint_url::{check_resolved, EndpointHost, EndpointUrl, Policy, Refusal};
pub use event::{rfc3339_utc, Event, EventId, EventType, UnknownEventType};
pub use retry::{
    endpoint_health, next_attempt, retry_delay, Disable, Health, NextAttempt, Outcome,
};
pub use signature::{
    headers, sign, verify, Secret, SecretError, SignError, VerifyError, WebhookHeaders,
};
