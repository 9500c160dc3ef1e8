//! "Remind me" for a machine's maintenance, from its product page, whether or not its owner
//! subscribes to anything. Signed in, one request turns the reminders of every task of the
//! machine on or off. Not signed in, the owner gives an e-mail address and confirms by a
//! link sent to it (double opt-in): nothing is kept without that click but the request,
//! for two days, and the answer never tells whether the address was known.
//!
//! Confirmed, the owner is a customer who owns the machine from that day (unless they
//! already did) with reminders on for its tasks: the messages of `routine.rs` (the task,
//! its guide, its part, "done", one click to stop) and the account page follow from there.

use super::account::{self, Addressee, PER_HOUR};
use super::links::{self, Action, Link};
use super::render::{self, fill, greeting, Body};
use super::routine::set_reminder;
use super::settings::Settings;
use super::words;
use super::Notifier;
use crate::db::{plan, Connection, OptionalExtension, StoreError};
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::params;
use cadence_contract::Date;
use serde::{Deserialize, Serialize};

/// How long a confirmation link works, and a request waits for it.
pub const CONFIRM_SECS: i64 = 2 * 86_400;

/// Body of `POST /api/v1/products/{sku}/reminders`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowByEmail {
    /// Where the confirmation link, then the reminders, go.
    #[schema(example = "ada@example.com", max_length = 254)]
    pub email: String,
}

/// The answer to a request by e-mail: the same whoever the address belongs to.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FollowRequested {
    /// Always `confirmation_sent`: a link to confirm goes to the address (at most 5 an
    /// hour per address), valid for `confirm_within_hours`.
    #[schema(example = "confirmation_sent")]
    pub status: String,
    pub confirm_within_hours: u32,
}

/// The reminders of one machine's maintenance for the signed-in customer.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MachineReminders {
    pub sku: String,
    pub remind: bool,
    /// When the first reminder goes, if `remind`: the soonest due task's day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_due: Option<Date>,
}

/// The routine ids of durable `sku`, or 404 when it is not a product with maintenance.
fn routine_ids(tx: &Connection, sku: &str) -> Result<Vec<i64>, ApiError> {
    let ids: Vec<i64> = plan::routines(tx, sku)?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    if ids.is_empty() {
        return Err(ApiError::NotFound(
            "This product has no maintenance to be reminded of.",
        ));
    }
    Ok(ids)
}

/// Turns the reminders of every task of machine `sku` on or off for `customer`. Asking for
/// them says they own one: a customer with no record of it owns it from `today`.
pub fn set_for_machine(
    tx: &Connection,
    customer: &str,
    sku: &str,
    remind: bool,
    today: Date,
    now: &str,
) -> Result<MachineReminders, ApiError> {
    let ids = routine_ids(tx, sku)?;
    if remind {
        let owns = tx
            .prepare_cached("SELECT 1 FROM owned_products WHERE customer_id = ?1 AND sku = ?2")?
            .exists([customer, sku])?;
        if !owns {
            tx.prepare_cached(
                "INSERT INTO owned_products (customer_id, sku, purchased_on) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![customer, sku, today.to_string()])?;
        }
    }
    let mut next_due: Option<Date> = None;
    for id in ids {
        let set = set_reminder(tx, customer, &id.to_string(), remind, today, now)?;
        next_due = match (next_due, set.next_due) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    Ok(MachineReminders {
        sku: sku.to_owned(),
        remind,
        next_due,
    })
}

/// A request by e-mail: checks the product, counts the request, and (at most 5 an hour per
/// address) records it and makes the confirmation message. The caller answers the same in
/// every case but an unknown product.
pub fn request(
    tx: &Connection,
    notifier: &Notifier,
    settings: &Settings,
    sku: &str,
    email: &str,
    lang: Lang,
    now: i64,
) -> Result<(), ApiError> {
    routine_ids(tx, sku)?;
    forget_unconfirmed(tx, now)?;
    if account::count_request(tx, email, now)? > PER_HOUR {
        return Ok(());
    }
    let (addressee, made) = match account::addressee(tx, email)? {
        Some(known) => (known, false),
        None => {
            let id = crate::webhooks::new_id("cus_");
            // Origin 'token': a record Cadence made, which the merchant's own record of the
            // customer takes over (`db::customers::write`).
            tx.prepare_cached(
                "INSERT INTO customers (id, name, email, locale, origin)
                 VALUES (?1, NULL, ?2, ?3, 'token')",
            )?
            .execute(params![id, email, lang.tag()])?;
            let address = email.to_owned();
            (
                Addressee {
                    customer: id,
                    address,
                    name: None,
                    locale: Some(lang.tag().to_owned()),
                },
                true,
            )
        }
    };
    let request_id = crate::webhooks::new_id("fol_");
    tx.prepare_cached(
        "INSERT INTO follow_requests (id, customer_id, sku, made_customer, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        request_id,
        addressee.customer,
        sku,
        i64::from(made),
        now
    ])?;
    let lang = Lang::of_stored(addressee.locale.as_deref());
    let product = product_name(tx, sku, lang)?;
    let token = links::sign(
        &notifier.key,
        &Link {
            action: Action::Follow,
            customer: addressee.customer.clone(),
            subscription: None,
            date: None,
            kind: None,
            routine: None,
            sku: Some(sku.to_owned()),
            notification: request_id,
            expires: now + CONFIRM_SECS,
        },
    );
    let url = format!("{}/links/{token}", notifier.public_url);
    let id = crate::webhooks::new_id("ntf_");
    let values = [
        ("shop", settings.brand.name.as_str()),
        ("product", product.as_str()),
    ];
    let body = Body {
        greeting: greeting(lang, addressee.name.as_deref()),
        lead: fill(&words::FOLLOW_LEAD, lang, &values),
        facts: Vec::new(),
        change_lead: None,
        buttons: vec![(words::FOLLOW_BUTTON.get(lang).to_owned(), url)],
        footer: vec![words::FOLLOW_NOT_YOU.get(lang).to_owned()],
        unsubscribe: None,
    };
    let message = render::message(
        fill(&words::FOLLOW_SUBJECT, lang, &values),
        lang,
        &settings.brand,
        &body,
        &notifier.public_url,
    );
    let payload = serde_json::json!({
        "notification_id": id,
        "kind": "follow_confirm",
        "customer_id": addressee.customer,
        "language": lang.tag(),
        "links": {},
        "sender": {
            "name": settings.brand.name,
            "address": settings.brand.from_address,
            "reply_to": settings.brand.reply_to,
        },
        "message": message,
    });
    account::queue_email(
        tx,
        &id,
        "follow_confirm",
        &addressee.customer,
        &addressee.address,
        &payload,
        now,
    )?;
    Ok(())
}

/// The confirmation link pressed: the request (if it still waits) becomes reminders on
/// every task of its machine; the soonest due day.
pub fn confirm(
    tx: &Connection,
    link: &Link,
    today: Date,
    now: &str,
) -> Result<Option<Date>, ApiError> {
    let gone = || ApiError::NotFound("This request is no longer waiting: ask again.");
    let sku: String = tx
        .prepare_cached("SELECT sku FROM follow_requests WHERE id = ?1 AND customer_id = ?2")?
        .query_row([&link.notification, &link.customer], |row| row.get(0))
        .optional()?
        .ok_or_else(gone)?;
    let set = set_for_machine(tx, &link.customer, &sku, true, today, now)?;
    tx.prepare_cached("DELETE FROM follow_requests WHERE id = ?1")?
        .execute([&link.notification])?;
    Ok(set.next_due)
}

/// Deletes requests nobody confirmed in time, and the customer records made for them that
/// nothing else uses.
fn forget_unconfirmed(tx: &Connection, now: i64) -> Result<(), StoreError> {
    let expired = now - CONFIRM_SECS;
    tx.prepare_cached(
        "DELETE FROM customers WHERE id IN (
            SELECT f.customer_id FROM follow_requests f
            WHERE f.made_customer = 1 AND f.created_at <= ?1
              AND NOT EXISTS (SELECT 1 FROM follow_requests g
                              WHERE g.customer_id = f.customer_id AND g.created_at > ?1)
              AND NOT EXISTS (SELECT 1 FROM routine_reminders r
                              WHERE r.customer_id = f.customer_id))",
    )?
    .execute([expired])?;
    tx.prepare_cached("DELETE FROM follow_requests WHERE created_at <= ?1")?
        .execute([expired])?;
    Ok(())
}

fn product_name(tx: &Connection, sku: &str, lang: Lang) -> Result<String, StoreError> {
    let translated = crate::db::translations::texts(tx, sku, lang)?.and_then(|t| t.name);
    match translated {
        Some(name) => Ok(name),
        None => tx
            .prepare_cached("SELECT name FROM products WHERE sku = ?1")?
            .query_row([sku], |row| row.get(0)),
    }
}
