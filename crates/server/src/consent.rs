//! The consent record: what each shopper agreed to, kept apart from everything else.
//!
//! Every change that sets what a subscriber pays or how often (subscribing, importing,
//! quantity, frequency, another product, an applied price change, a reactivation) passes
//! through the audit trail (`db::changes::record_via`), which calls [`record`] here: one
//! more row, never an overwrite. A row copies what was agreed (the product and its name,
//! the unit price, the discount and the price per delivery, the frequency, the terms'
//! text in the shopper's language and their version, the moment in UTC and in the
//! shopper's zone, who acted) instead of pointing at rows that change or get erased, and
//! the table has no foreign key: erasing a customer leaves their agreements, as the law
//! requires. Triggers refuse any UPDATE or DELETE (`0018_consent.sql`).

use crate::db::changes::NewChange;
use crate::db::{Connection, OptionalExtension, StoreError};
use crate::i18n::{self, Lang};
use crate::notify::{settings, words};
use crate::params;
use cadence_contract::{Money, SubscriptionSnapshot, SubscriptionStatus};
use serde::Serialize;

/// The version of [`terms`]' wording: a new wording gets a new version, and the records
/// made before it keep the text they were made with.
pub const TERMS_VERSION: &str = "2026-12-03";

/// Days a new subscriber may withdraw in (the EU's 14).
const WITHDRAWAL_DAYS: u32 = 14;

/// The terms a subscriber agrees to, in their language.
pub fn terms(lang: Lang, every: &str, price: &str) -> String {
    let days = WITHDRAWAL_DAYS.to_string();
    let text = match lang {
        Lang::En => {
            "A subscription that renews {every} until you cancel it. Each delivery \
            costs {price} and is charged when it ships. You can skip, pause or cancel at any \
            time, without a fee, in your account or on the shop's cancellation page; \
            cancelling stops every delivery not yet shipped. You may withdraw from this \
            contract within {days} days of subscribing."
        }
        Lang::Fr => {
            "Un abonnement renouvelé {every} jusqu'à ce que vous le résiliiez. \
            Chaque livraison coûte {price}, débités à l'expédition. Vous pouvez reporter, \
            suspendre ou résilier à tout moment, sans frais, dans votre compte ou sur la page \
            de résiliation de la boutique ; la résiliation arrête toute livraison pas encore \
            expédiée. Vous pouvez vous rétracter dans les {days} jours suivant \
            l'abonnement."
        }
        Lang::De => {
            "Ein Abonnement, das sich {every} verlängert, bis Sie es kündigen. \
            Jede Lieferung kostet {price} und wird beim Versand berechnet. Sie können \
            jederzeit ohne Gebühr aussetzen, pausieren oder kündigen, in Ihrem Konto oder \
            auf der Kündigungsseite des Shops; eine Kündigung stoppt jede noch nicht \
            versandte Lieferung. Sie können innerhalb von {days} Tagen nach Abschluss vom \
            Vertrag zurücktreten."
        }
    };
    text.replace("{every}", every)
        .replace("{price}", price)
        .replace("{days}", &days)
}

/// One consent record as the shopper and the merchant read it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ConsentRecord {
    pub id: i64,
    pub subscription_id: String,
    pub customer_id: String,
    /// The change that made this agreement: `create`, `import`, `set_quantity`,
    /// `set_interval`, `swap`, `price_changed`, `reactivate`, …
    pub action: String,
    /// Who acted: `customer` (the widget, a one-click link), `merchant`, `system`.
    pub channel: String,
    pub sku: String,
    pub product_name: String,
    pub quantity: u32,
    pub interval_count: u32,
    /// `day`, `week` or `month`.
    pub interval_unit: String,
    /// The unit price agreed, before the discount.
    pub unit_price: Money,
    pub discount_percent: u8,
    pub price_per_delivery: Money,
    pub terms_version: String,
    /// The terms as shown, in `language`.
    pub terms_text: String,
    pub language: String,
    /// RFC 3339 UTC.
    pub agreed_at: String,
    /// The shopper's IANA zone then (or the merchant's default).
    pub time_zone: String,
    /// `agreed_at` in `time_zone`, with its UTC offset.
    pub agreed_at_local: String,
}

/// A change changes the agreement when it creates the subscription, or sets another
/// product, quantity, frequency or price, or brings a cancelled one back.
fn is_agreement(before: Option<&SubscriptionSnapshot>, after: &SubscriptionSnapshot) -> bool {
    if after.status == SubscriptionStatus::Cancelled {
        return false;
    }
    match before {
        None => true,
        Some(b) => {
            b.sku != after.sku
                || b.quantity != after.quantity
                || b.interval != after.interval
                || (after.price_per_delivery.is_some()
                    && b.price_per_delivery != after.price_per_delivery)
                || b.status == SubscriptionStatus::Cancelled
        }
    }
}

/// Adds the consent record `change` makes, if it changes the agreement. Called in the
/// change's own transaction, after the subscription row holds the new terms.
pub fn record(conn: &Connection, change: &NewChange<'_>) -> Result<(), StoreError> {
    if !is_agreement(change.before, change.after) {
        return Ok(());
    }
    type Agreed = (
        String,
        i64,
        u8,
        String,
        String,
        Option<String>,
        Option<String>,
    );
    let found: Option<Agreed> = conn
        .prepare_cached(
            "SELECT s.customer_id, s.unit_price_minor, s.discount_percent, p.name, p.currency,
                    c.locale, c.time_zone
             FROM subscriptions s JOIN products p ON p.sku = s.sku
             LEFT JOIN customers c ON c.id = s.customer_id
             WHERE s.id = ?1",
        )?
        .query_row([change.subscription_id], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
                row.get(6)?,
            ))
        })
        .optional()?;
    let Some((customer, unit_minor, discount, name, currency, locale, zone)) = found else {
        return Err(StoreError::Corrupt(format!(
            "subscription {} has no row to record the consent of",
            change.subscription_id
        )));
    };
    let after = change.after;
    let unit = Money::new(unit_minor, currency.clone());
    let per_delivery = after.price_per_delivery.clone().unwrap_or_else(|| {
        Money::new(
            (unit_minor * i64::from(after.quantity) * i64::from(100 - discount.min(100)) + 50)
                / 100,
            currency.clone(),
        )
    });
    let lang = Lang::of_stored(locale.as_deref());
    let (zone_name, tz) = settings::load(conn)?.zone(zone.as_deref());
    let local = change
        .at
        .parse::<jiff::Timestamp>()
        .map(|t| t.to_zoned(tz).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
        .unwrap_or_else(|_| change.at.to_owned());
    let unit_name = after.interval.unit.as_str();
    let every = words::every(lang, u32::from(after.interval.count), unit_name);
    let text = terms(lang, &every, &i18n::money(lang, &per_delivery));
    conn.prepare_cached(
        "INSERT INTO consent_records (subscription_id, customer_id, action, channel, sku,
            product_name, quantity, interval_count, interval_unit, unit_price_minor,
            discount_percent, price_per_delivery, currency, terms_version, terms_text,
            language, agreed_at, time_zone, agreed_at_local)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            ?18, ?19)",
    )?
    .execute(params![
        change.subscription_id,
        customer,
        change.action,
        change.actor,
        after.sku,
        name,
        after.quantity,
        after.interval.count,
        unit_name,
        unit.amount_minor,
        discount,
        per_delivery.amount_minor,
        currency,
        TERMS_VERSION,
        text,
        lang.tag(),
        change.at,
        zone_name,
        local
    ])?;
    Ok(())
}

const SELECT: &str = "SELECT id, subscription_id, customer_id, action, channel, sku,
        product_name, quantity, interval_count, interval_unit, unit_price_minor,
        discount_percent, price_per_delivery, currency, terms_version, terms_text, language,
        agreed_at, time_zone, agreed_at_local
     FROM consent_records";

fn read(row: &crate::db::Row<'_>) -> crate::db::sql::Result<ConsentRecord> {
    let currency: String = row.get(13)?;
    Ok(ConsentRecord {
        id: row.get(0)?,
        subscription_id: row.get(1)?,
        customer_id: row.get(2)?,
        action: row.get(3)?,
        channel: row.get(4)?,
        sku: row.get(5)?,
        product_name: row.get(6)?,
        quantity: row.get(7)?,
        interval_count: row.get(8)?,
        interval_unit: row.get(9)?,
        unit_price: Money::new(row.get(10)?, currency.clone()),
        discount_percent: row.get(11)?,
        price_per_delivery: Money::new(row.get(12)?, currency),
        terms_version: row.get(14)?,
        terms_text: row.get(15)?,
        language: row.get(16)?,
        agreed_at: row.get(17)?,
        time_zone: row.get(18)?,
        agreed_at_local: row.get(19)?,
    })
}

/// The records of `subscription` (the customer's own), oldest first, after record `after`.
pub fn of_subscription(
    conn: &Connection,
    customer: &str,
    subscription: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<ConsentRecord>, StoreError> {
    conn.query_all(
        &format!(
            "{SELECT} WHERE subscription_id = ?1 AND customer_id = ?2 AND id > ?3
             ORDER BY id LIMIT ?4"
        ),
        params![subscription, customer, after, limit],
        read,
    )
}

/// The records agreed in `[since, until)` (RFC 3339 UTC) after record `after`, oldest
/// first: the merchant's export.
pub fn in_range(
    conn: &Connection,
    since: &str,
    until: &str,
    after: i64,
    limit: u32,
) -> Result<Vec<ConsentRecord>, StoreError> {
    conn.query_all(
        &format!(
            "{SELECT} WHERE id > ?1 AND agreed_at >= ?2 AND agreed_at < ?3 ORDER BY id LIMIT ?4"
        ),
        params![after, since, until, limit],
        read,
    )
}
