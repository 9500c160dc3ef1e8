//! The dispatcher: a background task that claims due deliveries and sends each one in a
//! task of its own, so one slow or dead endpoint never delays the others.
//!
//! - At least once: a delivery is settled only after its attempt is recorded; a process
//!   that dies mid-send leaves a lease that runs out, and the delivery goes again.
//! - Concurrency: at most [`Settings::per_endpoint`] attempts in flight per endpoint (a
//!   slow receiver holds its own slots only), each bounded by [`Settings::timeout`].
//! - Time: "due", leases, backoff, give-up and disabling follow the server's clock (`now`,
//!   which tests drive); the `webhook-timestamp` a receiver checks against its own clock
//!   is the real time of the attempt, whatever the server's clock says.

use super::queue::{self, AttemptResult, InFlight, Job};
use crate::clock::Clock;
use crate::db::{Db, StoreError};
use cadence_webhooks::{headers, Policy, Secret};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// The server's clock as the dispatcher reads it: unix seconds, read at every step.
pub type Now = Arc<dyn Fn() -> i64 + Send + Sync>;

/// How the dispatcher works; `Default` is what `serve` runs.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Where endpoints may point (`Limits::webhook_policy`), checked at every attempt.
    pub policy: Policy,
    /// One attempt, DNS to status, takes at most this long.
    pub timeout: Duration,
    /// Attempts in flight to one endpoint at once (per server process).
    pub per_endpoint: usize,
    /// Deliveries claimed per round.
    pub batch: usize,
    /// How often the queue is looked at when nothing woke the dispatcher.
    pub poll: Duration,
    /// How far a claim moves `next_attempt_at` ahead: longer than an attempt can take, so
    /// no other instance sends the delivery meanwhile.
    pub lease: Duration,
}

impl Settings {
    /// What `serve` runs with the operator's policy and attempt timeout.
    pub fn new(policy: Policy, timeout: Duration) -> Self {
        Settings {
            policy,
            timeout,
            per_endpoint: 4,
            batch: 64,
            poll: Duration::from_millis(250),
            // Three attempts' length: an attempt ends (and is recorded) well inside it,
            // and a process killed mid-send has its deliveries sent again soon after.
            lease: timeout * 3,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings::new(Policy::default(), Duration::from_secs(10))
    }
}

/// How soon to look again after a wake-up that found nothing, doubling each time: the
/// event that woke us may not have committed yet (the wake comes from inside its
/// transaction, which PostgreSQL may still retry). After the last, the poll takes over.
const RECHECKS: [Duration; 5] = [
    Duration::from_millis(5),
    Duration::from_millis(10),
    Duration::from_millis(20),
    Duration::from_millis(40),
    Duration::from_millis(80),
];
/// How long to wait after the database failed a claim, before trying again.
const AFTER_FAILURE: Duration = Duration::from_secs(2);
/// How long settled deliveries stay in the delivery log (the events stay in the outbox).
pub const LOG_RETENTION_SECS: i64 = 30 * 24 * 3600;
/// How often the log is pruned, and how many deliveries one transaction deletes at most
/// (each holds the write lock for a moment only).
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
const PRUNE_BATCH: i64 = 2_000;

pub struct Dispatcher {
    db: Db,
    settings: Settings,
    now: Now,
}

impl Dispatcher {
    pub fn new(db: Db, settings: Settings, now: Now) -> Self {
        Dispatcher { db, settings, now }
    }

    /// A dispatcher on the server's clock.
    pub fn on_clock(db: Db, settings: Settings, clock: Clock) -> Self {
        Dispatcher::new(db, settings, Arc::new(move || clock.unix_seconds()))
    }

    /// Runs until the task is aborted (which aborts the attempts in flight too: their
    /// leases run out and they are sent again).
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.run())
    }

    async fn run(self) {
        let mut in_flight = InFlight::default();
        let mut sending: JoinSet<()> = JoinSet::new();
        // What each attempt task holds, so even one that panicked gives its slot back.
        let mut holding: HashMap<tokio::task::Id, (i64, String)> = HashMap::new();
        // Rechecks left since the last wake-up.
        let mut soon = 0;
        let mut prune = tokio::time::interval(PRUNE_EVERY);
        prune.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let wait = match self.claim(&in_flight).await {
                Ok(jobs) if !jobs.is_empty() => {
                    for job in jobs {
                        in_flight.positions.insert(job.position);
                        *in_flight
                            .per_endpoint
                            .entry(job.endpoint_id.clone())
                            .or_default() += 1;
                        let held = (job.position, job.endpoint_id.clone());
                        let task = sending.spawn(attempt(
                            self.db.clone(),
                            self.settings.clone(),
                            self.now.clone(),
                            job,
                        ));
                        holding.insert(task.id(), held);
                    }
                    // More may be due than one batch held.
                    continue;
                }
                Ok(_) if soon > 0 => {
                    soon -= 1;
                    RECHECKS[RECHECKS.len() - 1 - soon]
                }
                Ok(_) => self.settings.poll,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook dispatcher: could not claim deliveries");
                    AFTER_FAILURE
                }
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = super::store::QUEUED.notified() => soon = RECHECKS.len(),
                _ = prune.tick() => self.prune_log().await,
                Some(done) = sending.join_next_with_id(), if !sending.is_empty() => {
                    // A finished attempt frees a slot of its endpoint, and may have
                    // unblocked the next event of its stream.
                    let id = match done {
                        Ok((id, ())) => id,
                        Err(e) => e.id(),
                    };
                    if let Some((position, endpoint)) = holding.remove(&id) {
                        in_flight.release(position, &endpoint);
                    }
                }
            }
        }
    }

    /// Deletes settled deliveries older than [`LOG_RETENTION_SECS`], in small batches.
    pub async fn prune_log(&self) {
        let before = (self.now)() - LOG_RETENTION_SECS;
        let mut total = 0;
        loop {
            let pruned = self
                .db
                .write(move |tx| queue::prune(tx, before, PRUNE_BATCH))
                .await;
            match pruned {
                Ok(n) => {
                    total += n;
                    if (n as i64) < PRUNE_BATCH {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "webhook delivery log: pruning failed; will retry");
                    break;
                }
            }
        }
        if total > 0 {
            tracing::info!(
                deliveries = total,
                "webhook delivery log: pruned settled deliveries past 30 days"
            );
        }
    }

    async fn claim(&self, in_flight: &InFlight) -> Result<Vec<Job>, StoreError> {
        let now = (self.now)();
        let lease_until = now + i64::try_from(self.settings.lease.as_secs()).unwrap_or(60);
        let (batch, per_endpoint) = (self.settings.batch, self.settings.per_endpoint);
        let in_flight = in_flight.clone();
        self.db
            .write(move |conn| {
                queue::claim(conn, now, lease_until, batch, per_endpoint, &in_flight)
            })
            .await
    }
}

/// One attempt of one delivery, recorded.
async fn attempt(db: Db, settings: Settings, now: Now, job: Job) {
    let attempted_at = now();
    let started = Instant::now();
    let answer = send(&job, &settings).await;
    let result = AttemptResult {
        attempted_at,
        latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        status: answer.as_ref().ok().copied(),
        error: match &answer {
            Ok(status) => failure_of_status(*status),
            Err(e) => Some(e.clone()),
        },
    };
    let jitter = super::jitter();
    let finished_at = now();
    let delivery = job.delivery_id.clone();
    let recorded = db
        .write(move |conn| queue::record(conn, &delivery, &result, finished_at, jitter))
        .await;
    match recorded {
        Ok(Some(why)) => tracing::warn!(
            endpoint = %job.endpoint_id,
            url = %job.url,
            "webhook endpoint disabled: {why}"
        ),
        Ok(None) => {}
        // The lease runs out and the delivery is attempted again: at least once.
        Err(e) => tracing::warn!(
            delivery = %job.delivery_id,
            error = %e,
            "webhook dispatcher: could not record an attempt; it will be retried"
        ),
    }
}

/// What the delivery log says about a status that is not a success.
fn failure_of_status(status: u16) -> Option<String> {
    match status {
        200..=299 => None,
        300..=399 => Some(format!(
            "answered {status}: redirects are not followed; update the endpoint's URL"
        )),
        410 => Some("answered 410 Gone: the receiver asks us to stop".to_owned()),
        _ => Some(format!("answered {status}")),
    }
}

/// Signs and sends the stored payload; the status, or why none came.
async fn send(job: &Job, settings: &Settings) -> Result<u16, String> {
    let secrets: Vec<Secret> = job
        .secrets
        .iter()
        .map(|text| Secret::parse(text))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("the endpoint's stored secret is unusable: {e}"))?;
    let secrets: Vec<&Secret> = secrets.iter().collect();
    // The real time, not the server's clock: receivers compare it with theirs.
    let timestamp = Clock::System.unix_seconds();
    let signed = headers(&job.event_id, timestamp, job.payload.as_bytes(), &secrets)
        .map_err(|e| format!("could not sign: {e}"))?;
    super::client::post(
        &job.url,
        settings.policy,
        &signed,
        job.payload.clone(),
        settings.timeout,
    )
    .await
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_as_the_log_says() {
        assert_eq!(failure_of_status(204), None);
        assert!(failure_of_status(301).unwrap().contains("not followed"));
        assert!(failure_of_status(410).unwrap().contains("stop"));
        assert_eq!(failure_of_status(500).as_deref(), Some("answered 500"));
    }
}
