//! The mailer: a background task that sends queued e-mails over SMTP (`--smtp-url`), with
//! retries, and records each attempt on the message (the delivery log).
//!
//! - Nothing is lost: a message is `pending` until the SMTP server accepted it; a server
//!   that is down, refuses or times out leaves it pending with a later `next_attempt_at`
//!   (exponential backoff with jitter, up to an hour apart) for three days, then `failed`
//!   with the last reason.
//! - Claims move `next_attempt_at` ahead by a lease first, so two server processes never
//!   send one message at once; a process killed mid-send sends it again after the lease
//!   (at least once, as SMTP itself is: the `Message-ID` is the message's id, so a
//!   receiving system can tell a repeat).
//! - Reminders carry `List-Unsubscribe` and `List-Unsubscribe-Post` (RFC 8058 one-click);
//!   receipts never do.

use super::data::Stored;
use super::smtp::Target;
use crate::db::{Db, Dialect, StoreError};
use crate::params;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::Message;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Woken when a message is queued, so it goes at once rather than at the next poll.
pub(crate) static QUEUED: Notify = Notify::const_new();

/// Retry for this long after a message was made, then give up.
const GIVE_UP_SECS: i64 = 3 * 24 * 3600;
/// The longest wait between two attempts.
const MAX_BACKOFF_SECS: i64 = 3600;

/// How the mailer works.
#[derive(Clone, Debug)]
pub struct MailSettings {
    /// `smtp://host:port` (plain, for a relay on the same machine or network),
    /// `smtp://host?tls=required` (STARTTLS), `smtps://user:password@host` (TLS).
    pub smtp_url: String,
    /// The `From` of messages whose merchant set none (`--mail-from`).
    pub from: Mailbox,
    /// One SMTP exchange takes at most this long.
    pub timeout: Duration,
    /// Messages claimed per round.
    pub batch: u32,
    /// Messages in flight at once.
    pub concurrency: usize,
    /// How often the queue is looked at when nothing woke the mailer.
    pub poll: Duration,
}

impl MailSettings {
    pub fn new(smtp_url: String, from: Mailbox) -> Self {
        MailSettings {
            smtp_url,
            from,
            timeout: Duration::from_secs(20),
            batch: 50,
            concurrency: 4,
            poll: Duration::from_secs(1),
        }
    }
}

/// The server's clock as the mailer reads it: unix seconds.
pub type Now = Arc<dyn Fn() -> i64 + Send + Sync>;

/// A connection is reused for the next message if it was idle at most this long (SMTP
/// servers close idle connections after a few minutes; a reused dead one costs a retry).
const IDLE: Duration = Duration::from_secs(30);

pub struct Mailer {
    db: Db,
    settings: MailSettings,
    target: Target,
    /// Open connections not in use, and since when.
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    now: Now,
}

/// A message claimed for an attempt.
struct Claimed {
    id: String,
    email: String,
    created_at: i64,
    attempts: i64,
    payload: String,
}

impl Mailer {
    /// A mailer for `settings.smtp_url`; an unusable URL is an error at startup.
    pub fn new(db: Db, settings: MailSettings, now: Now) -> Result<Mailer, String> {
        let target = Target::parse(&settings.smtp_url, settings.timeout)
            .map_err(|e| format!("--smtp-url {}: {e}", redact(&settings.smtp_url)))?;
        Ok(Mailer {
            db,
            settings,
            target,
            idle: Mutex::new(Vec::new()),
            now,
        })
    }

    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.run())
    }

    async fn run(self) {
        let this = Arc::new(self);
        loop {
            let sent = match this.round().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "mailer: the queue could not be read; retrying");
                    0
                }
            };
            if sent == 0 {
                let _ = tokio::time::timeout(this.settings.poll, QUEUED.notified()).await;
            }
        }
    }

    /// Claims due messages and sends them, a few at a time; how many were claimed.
    pub async fn round(self: &Arc<Self>) -> Result<usize, StoreError> {
        let now = (self.now)();
        let lease = now + self.settings.timeout.as_secs() as i64 * 3;
        let batch = self.settings.batch;
        let claimed = self
            .db
            .write(move |tx| claim(tx, now, lease, batch))
            .await?;
        let count = claimed.len();
        // One lane per connection, each sending its share in turn.
        let lanes = self.settings.concurrency.clamp(1, count.max(1));
        let mut shares: Vec<Vec<Claimed>> = (0..lanes).map(|_| Vec::new()).collect();
        for (n, message) in claimed.into_iter().enumerate() {
            shares[n % lanes].push(message);
        }
        let mut sending = tokio::task::JoinSet::new();
        for share in shares.into_iter().filter(|s| !s.is_empty()) {
            let this = Arc::clone(self);
            sending.spawn(async move { this.lane(share).await });
        }
        let mut attempts = Vec::with_capacity(count);
        while let Some(done) = sending.join_next().await {
            attempts.extend(done.unwrap_or_default());
        }
        // One transaction for the round's outcomes: a commit per message (an fsync each on
        // SQLite) held sending to ~65 messages/s. A process that dies before this commit
        // sends the round again after the lease: at least once.
        let now = (self.now)();
        self.db
            .write(move |tx| {
                for attempt in &attempts {
                    record(tx, attempt, now)?;
                }
                Ok::<_, StoreError>(())
            })
            .await?;
        Ok(count)
    }

    /// Sends `messages` one after another on one connection (reused from the last round
    /// when fresh, else opened), and gives the connection back when it still works.
    async fn lane(&self, messages: Vec<Claimed>) -> Vec<Attempt> {
        let mut connection = self.take_idle();
        let mut attempts = Vec::with_capacity(messages.len());
        for message in messages {
            let outcome = match build(&message, &self.settings.from) {
                Ok(email) => self.send(&mut connection, &email).await,
                Err(e) => Err(e),
            };
            attempts.push(Attempt {
                id: message.id,
                attempts: message.attempts + 1,
                created_at: message.created_at,
                outcome,
            });
        }
        if let Some(connection) = connection {
            if let Ok(mut idle) = self.idle.lock() {
                idle.push((connection, Instant::now()));
            }
        }
        attempts
    }

    fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        let mut idle = self.idle.lock().ok()?;
        // Too old ones are dropped (the server may have closed them).
        idle.retain(|(_, since)| since.elapsed() < IDLE);
        idle.pop().map(|(connection, _)| connection)
    }

    /// One message on `connection`, opening one when there is none; a connection that
    /// failed is dropped, so the next message opens a fresh one.
    async fn send(
        &self,
        connection: &mut Option<AsyncSmtpConnection>,
        email: &Message,
    ) -> Result<(), String> {
        let mut open = match connection.take() {
            Some(open) => open,
            None => self.target.connect().await?,
        };
        let sent = tokio::time::timeout(
            self.settings.timeout,
            open.send(email.envelope(), &email.formatted()),
        )
        .await;
        match sent {
            Ok(Ok(_)) if !open.has_broken() => {
                *connection = Some(open);
                Ok(())
            }
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => {
                open.abort().await;
                Err(e.to_string())
            }
            Err(_) => Err("the SMTP exchange timed out".to_owned()),
        }
    }
}

/// One attempt's outcome, to record.
struct Attempt {
    id: String,
    attempts: i64,
    created_at: i64,
    outcome: Result<(), String>,
}

/// Up to `limit` due messages, their lease taken (PostgreSQL: skipping rows another server
/// holds).
fn claim(
    tx: &crate::db::Connection,
    now: i64,
    lease: i64,
    limit: u32,
) -> Result<Vec<Claimed>, StoreError> {
    let lock = match tx.dialect() {
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => "",
    };
    let sql = format!(
        "SELECT id, email, created_at, attempts, payload FROM notifications
         WHERE state = 'pending' AND next_attempt_at <= ?1
         ORDER BY next_attempt_at LIMIT ?2{lock}"
    );
    let claimed: Vec<Claimed> = tx.query_all(&sql, params![now, limit], |row| {
        Ok(Claimed {
            id: row.get(0)?,
            email: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
            created_at: row.get(2)?,
            attempts: row.get(3)?,
            payload: row.get(4)?,
        })
    })?;
    for message in &claimed {
        tx.prepare_cached("UPDATE notifications SET next_attempt_at = ?1 WHERE id = ?2")?
            .execute(params![lease, message.id])?;
    }
    Ok(claimed)
}

/// Records one attempt: sent, or failed with its reason and the next try (or given up).
fn record(tx: &crate::db::Connection, attempt: &Attempt, now: i64) -> Result<(), StoreError> {
    let Attempt {
        id,
        attempts,
        created_at,
        outcome,
    } = attempt;
    let (attempts, created_at) = (*attempts, *created_at);
    match outcome {
        Ok(()) => tx.execute(
            "UPDATE notifications SET state = 'sent', attempts = ?1, sent_at = ?2,
                next_attempt_at = NULL, last_error = NULL
             WHERE id = ?3 AND state = 'pending'",
            params![attempts, now, id],
        )?,
        Err(why) => {
            let why: String = why.chars().take(500).collect();
            if now - created_at >= GIVE_UP_SECS {
                tx.execute(
                    "UPDATE notifications SET state = 'failed', attempts = ?1,
                        next_attempt_at = NULL, last_error = ?2
                     WHERE id = ?3 AND state = 'pending'",
                    params![attempts, why, id],
                )?
            } else {
                tx.execute(
                    "UPDATE notifications SET attempts = ?1, next_attempt_at = ?2,
                        last_error = ?3
                     WHERE id = ?4 AND state = 'pending'",
                    params![attempts, now + backoff(attempts), why, id],
                )?
            }
        }
    };
    Ok(())
}

/// Seconds before attempt `attempts + 1`: 10 s doubling, capped, with full jitter on the
/// upper half so many messages failing together do not retry together.
fn backoff(attempts: i64) -> i64 {
    let base = (10_i64 << attempts.clamp(0, 12)).min(MAX_BACKOFF_SECS);
    base / 2 + (crate::webhooks::jitter() * (base / 2) as f64) as i64
}

/// The MIME message of a claimed row.
fn build(message: &Claimed, default_from: &Mailbox) -> Result<Message, String> {
    let stored: Stored =
        serde_json::from_str(&message.payload).map_err(|e| format!("stored payload: {e}"))?;
    let to: Mailbox = message
        .email
        .parse()
        .map_err(|e| format!("address {:?}: {e}", message.email))?;
    let sender = &stored.sender;
    let address = sender
        .address
        .as_deref()
        .and_then(|a| a.parse::<lettre::Address>().ok())
        .unwrap_or_else(|| default_from.email.clone());
    let from = Mailbox::new(Some(sender.name.clone()), address);
    let domain = from.email.domain().to_owned();
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(stored.message.subject.clone())
        .message_id(Some(format!("<{}@{domain}>", message.id)))
        .header(AutoSubmitted);
    if let Some(reply_to) = sender.reply_to.as_deref().and_then(|a| a.parse().ok()) {
        builder = builder.reply_to(reply_to);
    }
    // Only reminders carry an unsubscribe link (`store::links_for`): receipts and sign-in
    // links never do.
    if let Some(url) = &stored.links.unsubscribe {
        builder = builder
            .header(ListUnsubscribe(format!("<{url}>")))
            .header(ListUnsubscribePost);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            stored.message.text,
            stored.message.html,
        ))
        .map_err(|e| format!("building the message: {e}"))
}

/// `smtp_url` without its password, for messages.
fn redact(smtp_url: &str) -> String {
    match (smtp_url.find("://"), smtp_url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…{}", &smtp_url[..scheme], &smtp_url[at..])
        }
        _ => smtp_url.to_owned(),
    }
}

/// `List-Unsubscribe: <https://…/links/…>` (RFC 2369).
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_owned()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): the link acts on a POST
/// without a page in between.
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): no auto-replies to these.
#[derive(Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_an_hour_and_keeps_jitter() {
        for attempts in 0..20 {
            let wait = backoff(attempts);
            let base = (10_i64 << attempts.clamp(0, 12)).min(MAX_BACKOFF_SECS);
            assert!((base / 2..=base).contains(&wait), "{attempts}: {wait}");
        }
        assert!(backoff(30) >= MAX_BACKOFF_SECS / 2);
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("smtps://ada:s3cret@mail.example:465"),
            "smtps://…@mail.example:465"
        );
        assert_eq!(redact("smtp://127.0.0.1:2525"), "smtp://127.0.0.1:2525");
    }
}
