//! A cancellation or withdrawal request's row and its event, written in the request's
//! transaction: the merchant's systems hear of every request, matched or not, so they can
//! act on those Cadence could not match.

use super::{Kind, Outcome, Recorded, Request};
use crate::db::{Connection, StoreError};
use crate::outbox;
use crate::params;
use cadence_contract::Date;
use cadence_webhooks::{rfc3339_utc, EventType};
use serde::Serialize;

/// `data` of `cancellation.requested` and `withdrawal.requested`: the request as received
/// and what came of it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CancellationEventData {
    /// `can_…`, the request's id (the confirmation page shows it).
    pub request_id: String,
    /// `cancel` or `withdraw`.
    pub kind: &'static str,
    /// A cancellation's: `ordinary` or `extraordinary`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub termination: Option<&'static str>,
    /// The reason given for an extraordinary termination, as typed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The name as typed.
    pub name: String,
    /// The address as typed.
    pub email: String,
    /// The subscription or order reference as typed; empty when none was given.
    pub reference: String,
    /// The day the shopper wished the cancellation to take effect; absent: at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wished_on: Option<Date>,
    /// When it was received, RFC 3339 UTC.
    pub received_at: String,
    /// The page's language: `en`, `fr` or `de`.
    pub language: &'static str,
    /// `cancelled` (at once), `scheduled` (on `effective_on`), `already_cancelled`,
    /// `unmatched` (no subscription matched: act on it yourself), `withdrawn`, or
    /// `out_of_period` (a withdrawal after the period: nothing changed).
    pub outcome: &'static str,
    /// The customer the address belongs to, when it is one (even unmatched).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// The subscription matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    /// The day it was or will be cancelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_on: Option<Date>,
    /// A withdrawal's: the last day of the subscription's withdrawal period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawal_period_ends: Option<Date>,
}

/// The row and the event of `request`.
pub(super) fn insert(
    tx: &Connection,
    request: &Request,
    recorded: &Recorded,
    customer: Option<&str>,
) -> Result<(), StoreError> {
    let termination = request.termination.map(|t| t.as_str());
    let date = |d: Option<Date>| d.map(|d| d.to_string());
    tx.prepare_cached(
        "INSERT INTO cancellation_requests (id, kind, termination, reason, name, email,
            reference, wished_on, received_at, lang, outcome, customer_id, subscription_id,
            effective_on)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        recorded.id,
        request.kind.as_str(),
        termination,
        request.reason,
        request.name,
        request.email,
        request.reference,
        date(request.wished_on),
        recorded.received_at,
        request.lang.tag(),
        recorded.outcome.as_str(),
        customer,
        recorded.subscription_id,
        date(recorded.effective_on),
    ])?;
    let data = CancellationEventData {
        request_id: recorded.id.clone(),
        kind: request.kind.as_str(),
        termination,
        reason: request.reason.clone(),
        name: request.name.clone(),
        email: request.email.clone(),
        reference: request.reference.clone(),
        wished_on: request.wished_on,
        received_at: rfc3339_utc(recorded.received_at),
        language: request.lang.tag(),
        outcome: recorded.outcome.as_str(),
        customer_id: customer.map(str::to_owned),
        subscription_id: recorded.subscription_id.clone(),
        effective_on: recorded.effective_on,
        withdrawal_period_ends: recorded.period_ends,
    };
    let event_type = match request.kind {
        Kind::Cancel => EventType::CancellationRequested,
        Kind::Withdraw => EventType::WithdrawalRequested,
    };
    // A matched request is part of its subscription's story, after the change it made;
    // an unmatched one is a stream of its own, so one stuck delivery holds up no other.
    let stream = match &recorded.subscription_id {
        Some(id) if recorded.outcome != Outcome::Unmatched => outbox::subscription_stream(id),
        _ => format!("cancellation:{}", recorded.id),
    };
    outbox::enqueue(tx, event_type, &stream, recorded.received_at, &data)?;
    Ok(())
}
