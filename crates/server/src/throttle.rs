//! Per-client, per-origin and per-customer throttles: the request rate of one address, the
//! event batches of one address and of one page origin, failed credentials of one address
//! (with a penalty that also stops correct guesses), and the requests one customer may have
//! in flight. Each answers 429 with `Retry-After` through `ApiError::TooManyRequests`.

use crate::client::Client;
use crate::error::ApiError;
use crate::limits::Limits;
use crate::prometheus::{metrics, Throttled};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a customer's request waits for one of its in-flight slots before a 429.
const CUSTOMER_QUEUE_WAIT: Duration = Duration::from_secs(2);
/// Repeated failures from one client are logged at most this often (with their count).
const FAILURE_LOG_EVERY: Duration = Duration::from_secs(10);
/// Past this many tracked entries a table is cleared outright: memory stays bounded
/// whatever the number of addresses an attacker uses; the cost is a reset of counters.
const MAX_TRACKED: usize = 100_000;

pub struct Throttle {
    requests: DefaultKeyedRateLimiter<IpAddr>,
    event_clients: DefaultKeyedRateLimiter<IpAddr>,
    event_origins: DefaultKeyedRateLimiter<String>,
    auth_failures: DefaultKeyedRateLimiter<IpAddr>,
    /// Clients whose failed credentials ran out: every check is refused until then.
    penalized: Mutex<HashMap<IpAddr, Instant>>,
    /// Per client: when a failure was last logged and how many since.
    failure_log: Mutex<HashMap<IpAddr, (Instant, u64)>>,
    customers: Mutex<HashMap<String, Arc<Semaphore>>>,
    in_flight_per_customer: usize,
}

fn quota_per_second(rate: u32, burst: u32) -> Quota {
    let rate = NonZeroU32::new(rate.max(1)).expect("max(1)");
    Quota::per_second(rate).allow_burst(NonZeroU32::new(burst.max(1)).expect("max(1)"))
}

fn retry_after<C: governor::clock::Reference>(not_until: &governor::NotUntil<C>) -> u64
where
    DefaultClock: governor::clock::Clock<Instant = C>,
{
    let wait = not_until.wait_time_from(DefaultClock::default().now());
    // Whole seconds, rounded up: a client that waits exactly this long is let in.
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

impl Throttle {
    pub fn new(limits: &Limits) -> Throttle {
        let per_minute = NonZeroU32::new(limits.auth_failures_per_minute.max(1)).expect("max(1)");
        Throttle {
            requests: RateLimiter::keyed(quota_per_second(
                limits.requests_per_second,
                limits.request_burst,
            )),
            event_clients: RateLimiter::keyed(quota_per_second(
                limits.event_batches_per_second,
                limits.event_batch_burst,
            )),
            event_origins: RateLimiter::keyed(quota_per_second(
                limits.event_batches_per_origin_second,
                limits.event_batches_per_origin_second.saturating_mul(2),
            )),
            auth_failures: RateLimiter::keyed(
                Quota::per_minute(per_minute).allow_burst(
                    NonZeroU32::new(limits.auth_failure_burst.max(1)).expect("max(1)"),
                ),
            ),
            penalized: Mutex::default(),
            failure_log: Mutex::default(),
            customers: Mutex::default(),
            in_flight_per_customer: limits.requests_in_flight_per_customer.max(1),
        }
    }

    /// One API request from `client`.
    pub fn request(&self, client: Client) -> Result<(), ApiError> {
        self.requests.check_key(&client.ip()).map_err(|not_until| {
            metrics().throttled(Throttled::Requests);
            ApiError::TooManyRequests {
                why: "Too many requests from your address; slow down and retry after the \
                      time in Retry-After.",
                retry_after_secs: retry_after(&not_until),
            }
        })
    }

    /// One event batch from `client` (when known) sent by a page of `origin`.
    pub fn event_batch(&self, client: Option<Client>, origin: &str) -> Result<(), ApiError> {
        if let Some(client) = client {
            self.event_clients
                .check_key(&client.ip())
                .map_err(|not_until| {
                    metrics().throttled(Throttled::EventBatches);
                    ApiError::TooManyRequests {
                        why: "Too many event batches from your address.",
                        retry_after_secs: retry_after(&not_until),
                    }
                })?;
        }
        self.event_origins
            .check_key(&origin.to_owned())
            .map_err(|not_until| {
                metrics().throttled(Throttled::EventOrigin);
                ApiError::TooManyRequests {
                    why: "Too many event batches from this shop's pages right now.",
                    retry_after_secs: retry_after(&not_until),
                }
            })
    }

    /// Before checking a credential from `client`: refused while it is penalized.
    pub fn credential_allowed(&self, client: Option<Client>) -> Result<(), ApiError> {
        let Some(client) = client else { return Ok(()) };
        let penalized = self.penalized.lock().unwrap_or_else(|p| p.into_inner());
        match penalized.get(&client.ip()) {
            Some(until) if *until > Instant::now() => {
                metrics().throttled(Throttled::Credentials);
                Err(ApiError::TooManyRequests {
                    why: "Too many failed sign-in attempts from your address; wait before \
                          trying again.",
                    retry_after_secs: until.duration_since(Instant::now()).as_secs() + 1,
                })
            }
            _ => Ok(()),
        }
    }

    /// A credential from `client` was wrong: count it, log it (sampled, with the client),
    /// and answer 429 instead of `refusal` once the client's failures ran out.
    pub fn credential_failed(
        &self,
        client: Option<Client>,
        what: &'static str,
        refusal: ApiError,
    ) -> ApiError {
        let Some(client) = client else {
            tracing::info!(what, "refused a credential (in-process request)");
            return refusal;
        };
        self.log_failure(client, what);
        match self.auth_failures.check_key(&client.ip()) {
            Ok(()) => refusal,
            Err(not_until) => {
                let secs = retry_after(&not_until).max(1);
                let mut penalized = self.penalized.lock().unwrap_or_else(|p| p.into_inner());
                if penalized.len() >= MAX_TRACKED {
                    penalized.retain(|_, until| *until > Instant::now());
                }
                penalized.insert(client.ip(), Instant::now() + Duration::from_secs(secs));
                metrics().throttled(Throttled::Credentials);
                ApiError::TooManyRequests {
                    why: "Too many failed sign-in attempts from your address; wait before \
                          trying again.",
                    retry_after_secs: secs,
                }
            }
        }
    }

    /// The first failure of a client is logged, then at most one line per
    /// `FAILURE_LOG_EVERY` with how many happened since: a guessing run of 740,000 tries
    /// wrote 79 MB of identical lines before.
    fn log_failure(&self, client: Client, what: &'static str) {
        let mut log = self.failure_log.lock().unwrap_or_else(|p| p.into_inner());
        if log.len() >= MAX_TRACKED {
            log.clear();
        }
        let now = Instant::now();
        let entry = log
            .entry(client.ip())
            .or_insert((now - FAILURE_LOG_EVERY, 0));
        entry.1 += 1;
        if now.duration_since(entry.0) >= FAILURE_LOG_EVERY {
            tracing::info!(%client, what, failures = entry.1, "refused a credential");
            *entry = (now, 0);
        }
    }

    /// One of `customer`'s in-flight slots, waiting briefly for one to free; held by the
    /// request until it is answered, so one account cannot occupy the whole database pool.
    pub async fn customer_slot(&self, customer: &str) -> Result<OwnedSemaphorePermit, ApiError> {
        let semaphore = {
            let mut customers = self.customers.lock().unwrap_or_else(|p| p.into_inner());
            if customers.len() >= MAX_TRACKED {
                // Entries only the table holds belong to customers with nothing in flight.
                customers.retain(|_, s| Arc::strong_count(s) > 1);
            }
            customers
                .entry(customer.to_owned())
                .or_insert_with(|| Arc::new(Semaphore::new(self.in_flight_per_customer)))
                .clone()
        };
        match tokio::time::timeout(CUSTOMER_QUEUE_WAIT, semaphore.acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => {
                metrics().throttled(Throttled::CustomerInFlight);
                Err(ApiError::TooManyRequests {
                    why: "Too many requests for this account at once; retry in a moment.",
                    retry_after_secs: 1,
                })
            }
        }
    }

    /// Forgets what no longer limits anyone (run periodically): full buckets, ended
    /// penalties, idle customers.
    pub fn prune(&self) {
        for limiter in [&self.requests, &self.event_clients, &self.auth_failures] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        self.event_origins.retain_recent();
        let now = Instant::now();
        self.penalized
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, until| *until > now);
        self.failure_log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, (at, n)| *n > 0 || now.duration_since(*at) < FAILURE_LOG_EVERY);
        self.customers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, s| Arc::strong_count(s) > 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(ip: &str) -> Option<Client> {
        Some(Client::from_ip(ip.parse().unwrap()))
    }

    #[test]
    fn a_client_over_its_request_burst_waits_and_others_do_not() {
        let throttle = Throttle::new(&Limits {
            requests_per_second: 1,
            request_burst: 3,
            ..Limits::default()
        });
        let a = client("192.0.2.1").unwrap();
        for _ in 0..3 {
            throttle.request(a).unwrap();
        }
        match throttle.request(a) {
            Err(ApiError::TooManyRequests {
                retry_after_secs, ..
            }) => assert_eq!(retry_after_secs, 1),
            other => panic!("expected 429, got {other:?}"),
        }
        throttle.request(client("192.0.2.2").unwrap()).unwrap();
    }

    #[test]
    fn failed_credentials_penalize_the_client_even_for_a_right_one() {
        let throttle = Throttle::new(&Limits {
            auth_failures_per_minute: 1,
            auth_failure_burst: 2,
            ..Limits::default()
        });
        let guesser = client("198.51.100.7");
        let wrong = || ApiError::Unauthorized("no");
        for _ in 0..2 {
            assert!(matches!(
                throttle.credential_failed(guesser, "token", wrong()),
                ApiError::Unauthorized(_)
            ));
            throttle.credential_allowed(guesser).unwrap();
        }
        let third = throttle.credential_failed(guesser, "token", wrong());
        assert!(
            matches!(third, ApiError::TooManyRequests { .. }),
            "{third:?}"
        );
        assert!(throttle.credential_allowed(guesser).is_err());
        throttle.credential_allowed(client("198.51.100.8")).unwrap();
        throttle.credential_allowed(None).unwrap();
    }

    #[tokio::test]
    async fn one_customer_holds_at_most_its_slots() {
        let throttle = Throttle::new(&Limits {
            requests_in_flight_per_customer: 2,
            ..Limits::default()
        });
        let _a = throttle.customer_slot("cust_ada").await.unwrap();
        let b = throttle.customer_slot("cust_ada").await.unwrap();
        let _other = throttle.customer_slot("cust_grace").await.unwrap();
        tokio::time::pause();
        let third = throttle.customer_slot("cust_ada");
        assert!(matches!(third.await, Err(ApiError::TooManyRequests { .. })));
        drop(b);
        let _freed = throttle.customer_slot("cust_ada").await.unwrap();
    }
}
