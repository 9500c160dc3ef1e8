//! Messages to shoppers: a reminder before each delivery, a receipt for every agreement
//! and change, a yearly reminder per running subscription. Each message is made once
//! (`store.rs`, by a unique key), is an outbox event for merchants who send through their
//! own e-mail platform, and, when the merchant wants it, an e-mail this server sends
//! over SMTP (`mailer.rs`), with retries and a log.
//!
//! - `settings.rs`: the merchant's choices (days ahead, hour, channels, brand, the price
//!   notice period);
//! - `plan.rs`: the pass that makes what fell due (reminders by the customer's time zone)
//!   and the receipts queued by the outbox (`receipts.rs`);
//! - `data.rs`: what a message carries; `render.rs` and `words.rs`: its text and HTML in
//!   the customer's language; `links.rs`: signed one-click links; `pages.rs`: the page
//!   such a link opens; `routes.rs`: the merchant's settings and log in the admin API;
//! - `cancel/`: cancel and withdraw without signing in (`/cancel`, `/withdraw`).

pub mod account;
pub mod cancel;
pub mod data;
pub mod follow;
pub mod links;
pub mod mailer;
pub mod pages;
pub mod plan;
pub mod receipts;
pub mod render;
pub mod routes;
pub mod routine;
pub mod settings;
pub mod smtp;
pub mod store;
pub(crate) mod words;

use crate::app::AppState;
use cadence_webhooks::EventType;
use serde::{Deserialize, Serialize};

/// What a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = NotificationKind)]
pub enum Kind {
    /// Before a delivery: what ships, when, the price, one-click links.
    DeliveryReminder,
    /// After subscribing, any change, cancelling: what was agreed. Never opted out of.
    Receipt,
    /// Once a year per running subscription.
    YearlyReminder,
    /// A merchant changes the price agreed, from a date at least the notice period ahead:
    /// old and new price, the date, how to cancel before it. A legal notice: never opted
    /// out of, like receipts.
    PriceChange,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DeliveryReminder => "delivery_reminder",
            Kind::Receipt => "receipt",
            Kind::YearlyReminder => "yearly_reminder",
            Kind::PriceChange => "price_change",
        }
    }

    /// The outbox event that carries it.
    pub fn event_type(self) -> EventType {
        match self {
            Kind::DeliveryReminder => EventType::NotificationDeliveryReminder,
            Kind::Receipt => EventType::NotificationReceipt,
            Kind::YearlyReminder => EventType::NotificationYearlyReminder,
            Kind::PriceChange => EventType::NotificationPriceChange,
        }
    }

    /// Reminders may be turned off by the shopper (one click, RFC 8058); receipts are the
    /// durable record of an agreement and price-change notices what the law asks before a
    /// price may change: both always go, without List-Unsubscribe.
    pub fn can_unsubscribe(self) -> bool {
        !matches!(self, Kind::Receipt | Kind::PriceChange)
    }
}

/// What making a message needs beside the database: the key links are signed with and
/// the public origin they point at.
#[derive(Clone)]
pub struct Notifier {
    pub key: [u8; 32],
    /// This API's public origin, no trailing slash (`AppState::public_url`).
    pub public_url: String,
}

impl Notifier {
    pub fn of(state: &AppState) -> Notifier {
        Notifier {
            key: *state.keys.link_key(),
            public_url: state.public_url.clone(),
        }
    }
}

/// `zone` is an IANA time zone name this server's compiled-in database knows.
pub fn time_zone_ok(zone: &str) -> bool {
    zone.len() <= 64 && jiff::tz::TimeZone::get(zone).is_ok()
}

/// The UTC day of unix second `unix` (the clock's range is well inside `Date`'s).
pub fn day_of(unix: i64) -> cadence_contract::Date {
    cadence_contract::Date::from_days(unix.div_euclid(86_400))
        .expect("the server's clock stays inside the calendar's range")
}
