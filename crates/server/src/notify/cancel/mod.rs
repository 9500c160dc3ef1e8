//! Cancel and withdraw without signing in (§312k BGB's cancellation button, the EU right
//! of withdrawal): the public pages `/cancel` and `/withdraw` on the API's origin, and what
//! a request does. Every request is recorded (`cancellation_requests`) and told to the
//! merchant's systems (`cancellation.requested`, `withdrawal.requested`), matched to a
//! subscription or not. A match is cancelled through the same self-service code as the
//! widget's cancel (audit row, `subscription.updated`, receipt), at once or, for a later
//! wished date, by the scheduler's pass on that date (`scheduled.rs`).
//!
//! - `form.rs`: the pages (the form, the confirmation), maud, no script, one hashed
//!   stylesheet; `words.rs`: their sentences in en, fr, de;
//! - `routes.rs`: the HTTP of the pages; `store.rs`: the rows and the event;
//! - `routes/withdraw.rs` (the API) is the widget's withdraw, through [`withdraw`].

mod form;
mod routes;
pub mod scheduled;
mod store;
mod words;

pub use routes::routes;
pub use store::CancellationEventData;

use super::settings::{self, Settings};
use crate::db::{subscriptions, Connection, OptionalExtension, StoreError};
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::params;
use crate::selfservice::{self, At, Change};
use cadence_contract::{
    ChangeRequest, Date, Refusal, Subscription, SubscriptionChange, SubscriptionStatus,
};

/// The `via` of a cancel made on the public page, in its audit row and event.
pub const VIA_CANCEL_PAGE: &str = "cancel_page";
/// The `via` of a cancel that is a withdrawal from the contract.
pub const VIA_WITHDRAWAL: &str = "withdrawal";

/// What a request asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Cancel,
    Withdraw,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Cancel => "cancel",
            Kind::Withdraw => "withdraw",
        }
    }
}

/// A cancellation's kind (§312k asks for both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Termination {
    Ordinary,
    /// For good cause, with a reason.
    Extraordinary,
}

impl Termination {
    pub fn as_str(self) -> &'static str {
        match self {
            Termination::Ordinary => "ordinary",
            Termination::Extraordinary => "extraordinary",
        }
    }
}

/// What came of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Cancelled at once (or, for a scheduled one, on its date).
    Cancelled,
    /// To be cancelled on the wished date, by the scheduler.
    Scheduled,
    /// The subscription was cancelled before: nothing changed.
    AlreadyCancelled,
    /// No subscription matched: recorded and passed to the merchant.
    Unmatched,
    /// Withdrawn from within the period: cancelled at once.
    Withdrawn,
    /// A withdrawal after the period: nothing changed (cancelling still works).
    OutOfPeriod,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Cancelled => "cancelled",
            Outcome::Scheduled => "scheduled",
            Outcome::AlreadyCancelled => "already_cancelled",
            Outcome::Unmatched => "unmatched",
            Outcome::Withdrawn => "withdrawn",
            Outcome::OutOfPeriod => "out_of_period",
        }
    }
}

/// A request, checked.
#[derive(Clone, Debug)]
pub struct Request {
    pub kind: Kind,
    /// A cancellation's; `None` for a withdrawal.
    pub termination: Option<Termination>,
    pub reason: Option<String>,
    pub name: String,
    pub email: String,
    /// A subscription id or an order id; empty: the customer's only running subscription.
    pub reference: String,
    /// `None`: at once.
    pub wished_on: Option<Date>,
    pub lang: Lang,
}

/// What was recorded, for the confirmation.
pub struct Recorded {
    pub id: String,
    pub outcome: Outcome,
    pub received_at: i64,
    pub subscription_id: Option<String>,
    /// The day it was (or will be) cancelled; for `already_cancelled`, the day it was.
    pub effective_on: Option<Date>,
    /// A withdrawal's last day, matched or not.
    pub period_ends: Option<Date>,
    /// The time zone the moment is written in: the customer's on a match, else the
    /// merchant's default (an unmatched answer must not tell a customer's zone).
    pub zone: String,
}

/// Whose subscription a request names.
struct Match {
    customer: String,
    subscription: String,
}

/// The subscription `email` and `reference` name: the address is a customer's (as typed
/// or lower-cased: the unique index, never a scan on a public route) and the reference is
/// one of their subscriptions, or one of their orders of a subscription; with no
/// reference, their only active or paused subscription. Also the customer, when only the
/// address matched.
fn find(
    tx: &Connection,
    email: &str,
    reference: &str,
) -> Result<(Option<String>, Option<Match>), StoreError> {
    let Some(addressee) = super::account::addressee(tx, email)? else {
        return Ok((None, None));
    };
    let customer = addressee.customer;
    let subscription: Option<String> = if reference.is_empty() {
        let running: Vec<String> = tx.query_all(
            "SELECT id FROM subscriptions WHERE customer_id = ?1
                AND status IN ('active', 'paused') LIMIT 2",
            [&customer],
            |row| row.get(0),
        )?;
        match running.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        }
    } else {
        let own = tx
            .prepare_cached("SELECT id FROM subscriptions WHERE id = ?1 AND customer_id = ?2")?
            .query_row([reference, &customer], |row| row.get(0))
            .optional()?;
        match own {
            Some(id) => Some(id),
            None => tx
                .prepare_cached(
                    "SELECT subscription_id FROM orders WHERE id = ?1 AND customer_id = ?2
                        AND subscription_id IS NOT NULL",
                )?
                .query_row([reference, &customer], |row| row.get(0))
                .optional()?,
        }
    };
    Ok((
        Some(customer.clone()),
        subscription.map(|subscription| Match {
            customer,
            subscription,
        }),
    ))
}

/// A cancel, made as `via`, of the customer's subscription.
fn cancel(
    tx: &Connection,
    found: &Match,
    via: &str,
    at: &At,
    cap: u32,
) -> Result<Subscription, ApiError> {
    let request = ChangeRequest {
        change: SubscriptionChange::Cancel { reason: None },
        via: None,
        recommendation: None,
    };
    let change = Change {
        request: &request,
        via: Some(via),
    };
    selfservice::apply_as(
        tx,
        &found.customer,
        &found.subscription,
        &change,
        at,
        cap,
        |_| Ok(()),
    )
}

/// The subscription's withdrawal period's last day, and its state now.
fn state_of(
    tx: &Connection,
    found: &Match,
    settings: &Settings,
    today: Date,
) -> Result<(Subscription, Option<Date>), ApiError> {
    let row = subscriptions::load(tx, &found.customer, &found.subscription)?
        .ok_or(ApiError::NotFound("You have no subscription with this id."))?;
    let view = subscriptions::view(tx, &row, today)?;
    let ends = row
        .created_on
        .and_then(|created| subscriptions::withdrawal_ends(created, settings.withdrawal_days));
    Ok((view, ends))
}

/// Records `request` and does what it asks, in `tx`: see the module comment.
pub fn record(tx: &Connection, request: &Request, at: &At, cap: u32) -> Result<Recorded, ApiError> {
    let settings = settings::load(tx)?;
    let (customer, found) = find(tx, &request.email, &request.reference)?;
    let mut period_ends = None;
    let (outcome, effective_on) = match &found {
        None => (Outcome::Unmatched, None),
        Some(found) => {
            let (now, ends) = state_of(tx, found, &settings, at.today)?;
            period_ends = ends;
            if now.status == SubscriptionStatus::Cancelled {
                (Outcome::AlreadyCancelled, now.cancelled_on)
            } else {
                match request.kind {
                    Kind::Cancel => match request.wished_on {
                        Some(day) if day > at.today => (Outcome::Scheduled, Some(day)),
                        _ => {
                            cancel(tx, found, VIA_CANCEL_PAGE, at, cap)?;
                            (Outcome::Cancelled, Some(at.today))
                        }
                    },
                    Kind::Withdraw if ends.is_some_and(|last| at.today <= last) => {
                        cancel(tx, found, VIA_WITHDRAWAL, at, cap)?;
                        (Outcome::Withdrawn, Some(at.today))
                    }
                    Kind::Withdraw => (Outcome::OutOfPeriod, None),
                }
            }
        }
    };
    let zone = match &found {
        Some(found) => {
            let stored: Option<String> = tx
                .prepare_cached("SELECT time_zone FROM customers WHERE id = ?1")?
                .query_row([&found.customer], |row| row.get(0))
                .optional()?
                .flatten();
            settings.zone(stored.as_deref()).0
        }
        None => settings.zone(None).0,
    };
    let recorded = Recorded {
        id: crate::webhooks::new_id("can_"),
        outcome,
        received_at: at.unix,
        subscription_id: found.as_ref().map(|f| f.subscription.clone()),
        effective_on,
        period_ends: period_ends.filter(|_| request.kind == Kind::Withdraw),
        zone,
    };
    store::insert(tx, request, &recorded, customer.as_deref())?;
    Ok(recorded)
}

/// The widget's withdraw (`POST /api/v1/me/subscriptions/{id}/withdraw`), in `tx`: the
/// signed-in customer's subscription, within its period (409 otherwise, and for one
/// already cancelled), cancelled as a withdrawal, recorded and told like the page's.
pub fn withdraw(
    tx: &Connection,
    customer: &str,
    id: &str,
    lang: Lang,
    at: &At,
    cap: u32,
) -> Result<Subscription, ApiError> {
    let settings = settings::load(tx)?;
    let found = Match {
        customer: customer.to_owned(),
        subscription: id.to_owned(),
    };
    let (now, ends) = state_of(tx, &found, &settings, at.today)?;
    if now.status == SubscriptionStatus::Cancelled {
        return Err(ApiError::conflict(Refusal::CancelledReactivateFirst));
    }
    match ends {
        Some(last) if at.today <= last => {}
        Some(last) => {
            return Err(ApiError::conflict(Refusal::WithdrawalPeriodEnded {
                ended: last,
            }))
        }
        None => return Err(ApiError::conflict(Refusal::CannotChangeHere)),
    }
    let after = cancel(tx, &found, VIA_WITHDRAWAL, at, cap)?;
    let (name, email): (Option<String>, Option<String>) = tx
        .prepare_cached("SELECT name, email FROM customers WHERE id = ?1")?
        .query_row([customer], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?
        .unwrap_or_default();
    let request = Request {
        kind: Kind::Withdraw,
        termination: None,
        reason: None,
        name: name.unwrap_or_default(),
        email: email.unwrap_or_default(),
        reference: id.to_owned(),
        wished_on: None,
        lang,
    };
    let recorded = Recorded {
        id: crate::webhooks::new_id("can_"),
        outcome: Outcome::Withdrawn,
        received_at: at.unix,
        subscription_id: Some(id.to_owned()),
        effective_on: Some(at.today),
        period_ends: ends,
        zone: String::new(),
    };
    store::insert(tx, &request, &recorded, Some(customer))?;
    Ok(after)
}

/// Marks a scheduled request done (the scheduler's pass).
fn mark_done(tx: &Connection, id: &str, outcome: Outcome, now: i64) -> Result<(), StoreError> {
    tx.prepare_cached("UPDATE cancellation_requests SET outcome = ?1, done_at = ?2 WHERE id = ?3")?
        .execute(params![outcome.as_str(), now, id])?;
    Ok(())
}
