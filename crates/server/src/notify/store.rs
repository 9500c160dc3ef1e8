//! Making a message, once: inside the caller's transaction, look up the customer and the
//! subscription, write the message in their language and zone, put it in the outbox as a
//! `notification.*` event (when the merchant takes events) and queue the e-mail (when the
//! merchant wants e-mails and has the customer's address). The `dedupe` key is unique, so
//! a message about one thing is made once, whichever pass or server gets there first.

use super::data::{Links, NotificationData, PriceChangeNotice, ReceiptChange};
use super::links::{self, Action, Link};
use super::render::{self, Draft};
use super::settings::Settings;
use super::{Kind, Notifier};
use crate::db::{subscriptions, translations, Connection, OptionalExtension, StoreError};
use crate::i18n::{self, Lang};
use crate::params;
use cadence_contract::{Date, Subscription};

/// A link that acts on a subscription stays usable this long (a reminder's skip link: until
/// its delivery).
const LINK_DAYS: i64 = 30;
/// Unsubscribe links work for a year: an old reminder must still be able to stop the next.
const UNSUBSCRIBE_DAYS: i64 = 365;

/// A message to make.
pub struct NewMessage<'a> {
    pub kind: Kind,
    /// Unique per thing the message is about (see `0014_notifications.sql`).
    pub dedupe: String,
    pub customer_id: &'a str,
    pub subscription_id: &'a str,
    /// The delivery a reminder is about.
    pub delivery_date: Option<Date>,
    /// The change a receipt confirms: action and actor, and when (unix seconds).
    pub change: Option<(&'a str, &'a str, i64)>,
    /// When it fell due (unix seconds): the latency figure starts here.
    pub due_at: i64,
    /// The subscription as the message must state it (a receipt: as the change left it);
    /// `None`: as it is now.
    pub snapshot: Option<Subscription>,
    /// The price change a notice announces.
    pub price_change: Option<PriceChangeNotice>,
}

/// What [`make`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Made {
    /// Written; an e-mail is queued when `email` is true.
    New { email: bool },
    /// Made before (same `dedupe`), or the customer turned this kind off, or the
    /// subscription is gone.
    Nothing,
}

/// The customer fields a message needs.
struct Recipient {
    name: Option<String>,
    email: Option<String>,
    locale: Option<String>,
    time_zone: Option<String>,
}

/// Makes `message` unless it exists; see the module comment.
pub fn make(
    tx: &Connection,
    notifier: &Notifier,
    settings: &Settings,
    message: &NewMessage<'_>,
    now: i64,
) -> Result<Made, StoreError> {
    if made_before(tx, &message.dedupe)? || opted_out(tx, message.customer_id, message.kind)? {
        return Ok(Made::Nothing);
    }
    let Some(recipient) = recipient(tx, message.customer_id)? else {
        return Ok(Made::Nothing);
    };
    let today = super::day_of(now);
    let found = match &message.snapshot {
        Some(snapshot) => Some(snapshot.clone()),
        None => subscriptions::find(tx, message.customer_id, message.subscription_id, today)?,
    };
    let Some(subscription) = found else {
        return Ok(Made::Nothing);
    };
    let lang = Lang::of_stored(recipient.locale.as_deref());
    let (zone_name, zone) = settings.zone(recipient.time_zone.as_deref());
    let product_name = translations::texts(tx, &subscription.sku, lang)?
        .and_then(|t| t.name)
        .unwrap_or_else(|| subscription.product_name.clone());
    let id = crate::webhooks::new_id("ntf_");
    let links = links_for(notifier, settings, message, &id, now);
    let change = message.change.map(|(action, actor, at)| ReceiptChange {
        action: action.to_owned(),
        actor: actor.to_owned(),
        at: zoned(at, &zone).map_or_else(String::new, |z| {
            z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
        }),
    });
    let at_text = message
        .change
        .and_then(|(_, _, at)| moment_text(lang, at, &zone, &zone_name));
    let mut data = NotificationData {
        notification_id: id.clone(),
        kind: message.kind,
        customer_id: message.customer_id.to_owned(),
        email: recipient.email.clone(),
        name: recipient.name.clone(),
        language: lang.tag().to_owned(),
        time_zone: zone_name,
        price: subscription.price_per_delivery.clone(),
        product_name,
        delivery_date: message.delivery_date,
        subscription,
        change,
        price_change: message.price_change.clone(),
        links,
        sender: super::data::Sender {
            name: settings.brand.name.clone(),
            address: settings.brand.from_address.clone(),
            reply_to: settings.brand.reply_to.clone(),
        },
        message: Default::default(),
    };
    data.message = render::render(&Draft {
        data: &data,
        lang,
        brand: &settings.brand,
        at_text,
        public_url: &notifier.public_url,
    });
    let channel = settings.channels.of(message.kind);
    if channel.events() {
        crate::outbox::enqueue(
            tx,
            message.kind.event_type(),
            &crate::outbox::notification_stream(message.customer_id),
            now,
            &data,
        )?;
    }
    let email = channel.email() && recipient.email.is_some();
    insert(
        tx,
        &Row {
            id: &id,
            kind: message.kind.as_str(),
            dedupe: &message.dedupe,
            customer_id: message.customer_id,
            subscription_id: Some(message.subscription_id),
            email: recipient.email.as_deref().filter(|_| email),
            due_at: message.due_at,
        },
        &serde_json::to_string(&data)?,
        now,
    )?;
    Ok(Made::New { email })
}

/// A message's row in the log (and the mailer's queue).
pub struct Row<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub dedupe: &'a str,
    pub customer_id: &'a str,
    pub subscription_id: Option<&'a str>,
    /// Where the e-mail goes; `None`: events only.
    pub email: Option<&'a str>,
    pub due_at: i64,
}

/// Writes `row` with `payload`: `pending` for the mailer when it has an address, else
/// `events`.
pub fn insert(tx: &Connection, row: &Row<'_>, payload: &str, now: i64) -> Result<(), StoreError> {
    let email = row.email.is_some();
    tx.execute(
        "INSERT INTO notifications (id, kind, dedupe, customer_id, subscription_id, email,
            state, created_at, due_at, attempts, next_attempt_at, payload)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?11)",
        params![
            row.id,
            row.kind,
            row.dedupe,
            row.customer_id,
            row.subscription_id,
            row.email,
            if email { "pending" } else { "events" },
            now,
            row.due_at,
            email.then_some(now),
            payload
        ],
    )?;
    if email {
        super::mailer::QUEUED.notify_waiters();
    }
    Ok(())
}

fn recipient(tx: &Connection, customer: &str) -> Result<Option<Recipient>, StoreError> {
    tx.prepare_cached("SELECT name, email, locale, time_zone FROM customers WHERE id = ?1")?
        .query_row([customer], |row| {
            Ok(Recipient {
                name: row.get(0)?,
                email: row.get(1)?,
                locale: row.get(2)?,
                time_zone: row.get(3)?,
            })
        })
        .optional()
}

/// Whether the message about `dedupe` was made already.
pub fn made_before(tx: &Connection, dedupe: &str) -> Result<bool, StoreError> {
    tx.prepare_cached("SELECT 1 FROM notifications WHERE dedupe = ?1")?
        .exists([dedupe])
}

/// Whether `customer` turned reminders of `kind` off (never for receipts).
pub fn opted_out(tx: &Connection, customer: &str, kind: Kind) -> Result<bool, StoreError> {
    if !kind.can_unsubscribe() {
        return Ok(false);
    }
    tx.prepare_cached("SELECT 1 FROM notification_optouts WHERE customer_id = ?1 AND kind = ?2")?
        .exists(params![customer, kind.as_str()])
}

fn links_for(
    notifier: &Notifier,
    settings: &Settings,
    message: &NewMessage<'_>,
    id: &str,
    now: i64,
) -> Links {
    let link = |action: Action, date: Option<Date>, kind: Option<Kind>, expires: i64| {
        let token = links::sign(
            &notifier.key,
            &Link {
                action,
                customer: message.customer_id.to_owned(),
                subscription: Some(message.subscription_id.to_owned()),
                date,
                kind,
                routine: None,
                sku: None,
                notification: id.to_owned(),
                expires,
            },
        );
        format!("{}/links/{token}", notifier.public_url)
    };
    let day = 86_400;
    let manage = settings.brand.account_url.clone();
    match message.kind {
        Kind::DeliveryReminder => Links {
            // Usable until the delivery's day is over (in the earliest zone on Earth).
            skip: message.delivery_date.map(|d| {
                link(
                    Action::Skip,
                    Some(d),
                    None,
                    (d.to_days() + 1) * day + 14 * 3600,
                )
            }),
            pause: Some(link(Action::Pause, None, None, now + LINK_DAYS * day)),
            manage,
            unsubscribe: Some(link(
                Action::Unsubscribe,
                None,
                Some(message.kind),
                now + UNSUBSCRIBE_DAYS * day,
            )),
        },
        Kind::YearlyReminder => Links {
            skip: None,
            pause: Some(link(Action::Pause, None, None, now + LINK_DAYS * day)),
            manage,
            unsubscribe: Some(link(
                Action::Unsubscribe,
                None,
                Some(message.kind),
                now + UNSUBSCRIBE_DAYS * day,
            )),
        },
        // A notice and a receipt link only to the account, where cancelling is.
        Kind::Receipt | Kind::PriceChange => Links {
            manage,
            ..Links::default()
        },
    }
}

fn zoned(unix: i64, zone: &jiff::tz::TimeZone) -> Option<jiff::Zoned> {
    Some(
        jiff::Timestamp::from_second(unix)
            .ok()?
            .to_zoned(zone.clone()),
    )
}

/// "3 December 2026, 10:15 (Europe/Berlin, UTC+01:00)" in `lang`.
pub(super) fn moment_text(
    lang: Lang,
    unix: i64,
    zone: &jiff::tz::TimeZone,
    name: &str,
) -> Option<String> {
    let z = zoned(unix, zone)?;
    let date: Date = z.date().to_string().parse().ok()?;
    let time = z.strftime("%H:%M").to_string();
    let offset = z.strftime("%:z").to_string();
    Some(format!(
        "{}, {time} ({name}, UTC{offset})",
        i18n::long_date(lang, date)
    ))
}
