//! The dispatcher's side of the database: which deliveries are due and may go now (claimed
//! under a lease), and what an attempt's outcome does to its delivery and its endpoint.
//!
//! Order: an endpoint gets one stream's (one subscription's) events one at a time, in
//! sequence order — a delivery waits while an earlier one of its stream to the same
//! endpoint is still pending (being retried). Receivers still deduplicate by id (delivery
//! is at least once) and may compare `sequence`, but never see 5 before 4.
//!
//! Several dispatchers (server instances on one PostgreSQL database) never send one
//! delivery at the same time: a claim locks the due rows it takes (`FOR UPDATE SKIP
//! LOCKED`, so instances take different rows instead of waiting on each other) and moves
//! their `next_attempt_at` a lease ahead in the same short transaction; once it commits,
//! no other claim sees them as due until the lease has run out. A process that dies
//! mid-send leaves the lease to expire, and the delivery is sent again: at least once.

use crate::db::{Connection, Dialect, OptionalExtension, StoreError};
use crate::params;
use cadence_webhooks::{endpoint_health, next_attempt, Disable, NextAttempt, Outcome};
use std::collections::{HashMap, HashSet};

/// One delivery to attempt now, with all the sending needs.
#[derive(Clone, Debug)]
pub struct Job {
    pub position: i64,
    pub delivery_id: String,
    pub event_id: String,
    pub endpoint_id: String,
    pub url: String,
    /// `whsec_…`, the current one first; the previous one too during its overlap window.
    pub secrets: Vec<String>,
    /// The envelope exactly as stored: the bytes signed and sent.
    pub payload: String,
}

/// What the dispatcher has in flight, so a claim takes no more than it may send.
#[derive(Clone, Debug, Default)]
pub struct InFlight {
    /// Deliveries being sent by this process (a lease that ran out while its attempt was
    /// still going must not make this process send the delivery twice at once).
    pub positions: HashSet<i64>,
    /// Attempts in flight per endpoint.
    pub per_endpoint: HashMap<String, usize>,
}

impl InFlight {
    /// An attempt of delivery `position` to `endpoint` ended.
    pub fn release(&mut self, position: i64, endpoint: &str) {
        self.positions.remove(&position);
        if let Some(n) = self.per_endpoint.get_mut(endpoint) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.per_endpoint.remove(endpoint);
            }
        }
    }
}

/// Starts each of the dispatcher's transactions (claim, record, prune): on PostgreSQL they
/// run READ COMMITTED, not the SERIALIZABLE of `Db::write`. A queue claim is the textbook
/// READ COMMITTED + `SKIP LOCKED` case: under SERIALIZABLE every poll would take predicate
/// locks on the queue that every change writes to (filling the shared predicate-lock table
/// and failing changes with serialization conflicts). Nothing is lost: every row these
/// transactions change they first lock (`FOR UPDATE`), and SQLite has one writer anyway.
pub fn read_committed(conn: &Connection) -> Result<(), StoreError> {
    match conn.dialect() {
        Dialect::Sqlite => Ok(()),
        // Allowed as the transaction's first statement, and it wins over the BEGIN's level.
        Dialect::Postgres => conn.execute_batch("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"),
    }
}

/// `FOR UPDATE` where the dialect has it (SQLite's writer already holds the database).
fn for_update(conn: &Connection) -> &'static str {
    match conn.dialect() {
        Dialect::Sqlite => "",
        Dialect::Postgres => " FOR UPDATE",
    }
}

/// Claims up to `limit` due deliveries, at most `per_endpoint` in flight per endpoint
/// (counting `in_flight`), leasing each until `lease_until`.
pub fn claim(
    conn: &Connection,
    now: i64,
    lease_until: i64,
    limit: usize,
    per_endpoint: usize,
    in_flight: &InFlight,
) -> Result<Vec<Job>, StoreError> {
    read_committed(conn)?;
    // Endpoints already at their limit are left out in SQL, so their due deliveries (a
    // dead endpoint may have thousands) cannot fill the batch and starve everyone else.
    let full: Vec<&String> = in_flight
        .per_endpoint
        .iter()
        .filter(|(_, &n)| n >= per_endpoint)
        .map(|(id, _)| id)
        .collect();
    let mut sql = String::from(
        "SELECT d.position, d.endpoint_id FROM webhook_deliveries d
         JOIN webhook_endpoints e ON e.id = d.endpoint_id
         WHERE d.state = 'pending' AND d.next_attempt_at <= ?1 AND e.enabled = 1
           AND NOT EXISTS (
               SELECT 1 FROM webhook_deliveries p
               WHERE p.endpoint_id = d.endpoint_id AND p.stream = d.stream
                 AND p.state = 'pending'
                 AND (p.sequence < d.sequence
                      OR (p.sequence = d.sequence AND p.position < d.position)))",
    );
    let mut values = vec![
        crate::db::sql::Value::Int(now),
        crate::db::sql::Value::Int(i64::try_from(limit).unwrap_or(i64::MAX)),
    ];
    if !full.is_empty() {
        let marks: Vec<String> = (0..full.len()).map(|i| format!("?{}", i + 3)).collect();
        sql.push_str(&format!(" AND d.endpoint_id NOT IN ({})", marks.join(", ")));
        values.extend(
            full.iter()
                .map(|id| crate::db::sql::Value::Text((*id).clone())),
        );
    }
    sql.push_str(" ORDER BY d.next_attempt_at, d.position LIMIT ?2");
    if conn.dialect() == Dialect::Postgres {
        // SQLite has one writer (this claim holds it); PostgreSQL's instances each take
        // rows no other claim holds right now, instead of queueing behind its lock.
        sql.push_str(" FOR UPDATE OF d SKIP LOCKED");
    }
    let candidates: Vec<(i64, String)> =
        conn.query_all(&sql, values, |row| Ok((row.get(0)?, row.get(1)?)))?;

    let mut room: HashMap<String, usize> = HashMap::new();
    let mut jobs = Vec::new();
    for (position, endpoint_id) in candidates {
        if in_flight.positions.contains(&position) {
            continue;
        }
        let busy = in_flight
            .per_endpoint
            .get(&endpoint_id)
            .copied()
            .unwrap_or(0);
        let left = room
            .entry(endpoint_id)
            .or_insert(per_endpoint.saturating_sub(busy));
        if *left == 0 {
            continue;
        }
        *left -= 1;
        conn.execute(
            "UPDATE webhook_deliveries SET next_attempt_at = ?2 WHERE position = ?1",
            params![position, lease_until],
        )?;
        jobs.push(job(conn, position, now)?);
    }
    Ok(jobs)
}

fn job(conn: &Connection, position: i64, now: i64) -> Result<Job, StoreError> {
    conn.query_row(
        "SELECT d.id, d.event_id, d.endpoint_id, e.url, e.secret, e.previous_secret,
                e.previous_secret_until, o.payload
         FROM webhook_deliveries d
         JOIN webhook_endpoints e ON e.id = d.endpoint_id
         JOIN outbox_events o ON o.id = d.event_id
         WHERE d.position = ?1",
        [position],
        |row| {
            let mut secrets = vec![row.get::<_, String>(4)?];
            let previous: Option<String> = row.get(5)?;
            let until: Option<i64> = row.get(6)?;
            if let (Some(previous), Some(until)) = (previous, until) {
                if now < until {
                    secrets.push(previous);
                }
            }
            Ok(Job {
                position,
                delivery_id: row.get(0)?,
                event_id: row.get(1)?,
                endpoint_id: row.get(2)?,
                url: row.get(3)?,
                secrets,
                payload: row.get(7)?,
            })
        },
    )
}

/// What one attempt came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttemptResult {
    /// When it started, on the server's clock (unix seconds).
    pub attempted_at: i64,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    pub latency_ms: u64,
    /// Why it failed, in words for the delivery log (`None` on a 2xx).
    pub error: Option<String>,
}

impl AttemptResult {
    pub fn outcome(&self) -> Outcome {
        match self.status {
            Some(status) => Outcome::of_status(status),
            None => Outcome::Failed,
        }
    }
}

/// Records an attempt of delivery `delivery_id` that ended at `now`: the attempt in the
/// log, the delivery's next step (delivered, retried after a jittered backoff, or given
/// up), and the endpoint's failure streak. Returns why the endpoint was disabled, when
/// this attempt disabled it.
pub fn record(
    conn: &Connection,
    delivery_id: &str,
    attempt: &AttemptResult,
    now: i64,
    jitter: f64,
) -> Result<Option<Disable>, StoreError> {
    read_committed(conn)?;
    let Some((endpoint_id, state, attempts, first)) = conn
        .query_row(
            &format!(
                "SELECT endpoint_id, state, attempts, first_attempt_at FROM webhook_deliveries
                 WHERE id = ?1{}",
                for_update(conn)
            ),
            [delivery_id],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, u32>(2)?,
                    row.get::<_, Option<i64>>(3)?,
                ))
            },
        )
        .optional()?
    else {
        // The endpoint was deleted meanwhile, and its log with it.
        return Ok(None);
    };
    let number = attempts + 1;
    let first = first.unwrap_or(attempt.attempted_at);
    conn.execute(
        "INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, status, latency_ms, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            delivery_id,
            number,
            attempt.attempted_at,
            attempt.status,
            attempt.latency_ms,
            attempt.error
        ],
    )?;
    let outcome = attempt.outcome();
    // Only a pending delivery moves on: another attempt (a lease that ran out) may have
    // settled it meanwhile, and a delivered one stays delivered.
    let (new_state, next) = match (state.as_str(), outcome) {
        ("pending", Outcome::Delivered) => ("delivered", None),
        ("pending", Outcome::Gone) => ("failed", None),
        ("pending", Outcome::Failed) => {
            let since_first = u64::try_from(now - first).unwrap_or(0);
            match next_attempt(number, since_first, jitter) {
                NextAttempt::After(secs) => (
                    "pending",
                    Some(now.saturating_add(i64::try_from(secs).unwrap_or(i64::MAX))),
                ),
                NextAttempt::GiveUp => ("failed", None),
            }
        }
        (settled, _) => (settled, None),
    };
    conn.execute(
        "UPDATE webhook_deliveries SET state = ?2, attempts = ?3, first_attempt_at = ?4,
             next_attempt_at = ?5, last_status = ?6, last_error = ?7
         WHERE id = ?1",
        params![
            delivery_id,
            new_state,
            number,
            first,
            next,
            attempt.status,
            attempt.error
        ],
    )?;
    endpoint_after(conn, &endpoint_id, outcome, now)
}

/// Folds an attempt's outcome into the endpoint's failure streak; disables it when the
/// streak (or a 410) says so.
fn endpoint_after(
    conn: &Connection,
    endpoint_id: &str,
    outcome: Outcome,
    now: i64,
) -> Result<Option<Disable>, StoreError> {
    let Some((enabled, failing_since)) = conn
        .query_row(
            &format!(
                "SELECT enabled, failing_since FROM webhook_endpoints WHERE id = ?1{}",
                for_update(conn)
            ),
            [endpoint_id],
            |row| Ok((row.get::<_, bool>(0)?, row.get::<_, Option<i64>>(1)?)),
        )
        .optional()?
    else {
        return Ok(None);
    };
    let health = endpoint_health(failing_since, outcome, now);
    let disable = health.disable.filter(|_| enabled);
    if let Some(why) = disable {
        conn.execute(
            "UPDATE webhook_endpoints SET enabled = 0, failing_since = ?2, disabled_reason = ?3
             WHERE id = ?1",
            params![endpoint_id, health.failing_since, why.to_string()],
        )?;
    } else if health.failing_since != failing_since {
        // Written only when the streak starts or ends: most attempts leave the endpoint's
        // row alone, so they do not contend with the changes that read it to fan out.
        conn.execute(
            "UPDATE webhook_endpoints SET failing_since = ?2 WHERE id = ?1",
            params![endpoint_id, health.failing_since],
        )?;
    }
    Ok(disable)
}

/// Deletes up to `batch` settled deliveries (delivered or given up) queued before `before`
/// (unix seconds), with their attempts; how many. Pending ones stay, however old: they
/// are still owed. The events themselves stay in the outbox, so they can be replayed.
pub fn prune(conn: &Connection, before: i64, batch: i64) -> Result<usize, StoreError> {
    read_committed(conn)?;
    // The same rows for both statements: the oldest first, inside one transaction.
    const OLDEST: &str = "SELECT position FROM webhook_deliveries
         WHERE state <> 'pending' AND created_at < ?1 ORDER BY position LIMIT ?2";
    conn.execute(
        &format!(
            "DELETE FROM webhook_attempts WHERE delivery_id IN
                 (SELECT id FROM webhook_deliveries WHERE position IN ({OLDEST}))"
        ),
        params![before, batch],
    )?;
    conn.execute(
        &format!("DELETE FROM webhook_deliveries WHERE position IN ({OLDEST})"),
        params![before, batch],
    )
}
