//! The merchant's settings for messages (`GET/PUT /api/v1/admin/notifications/settings`):
//! how many days before a delivery its reminder goes, at which hour of the customer's day,
//! the zone of customers who did not say theirs, per kind whether it goes as an event, an
//! e-mail or both, the brand an e-mail wears, and how far ahead a price change must be
//! announced. One JSON document in one row.

use crate::db::{Connection, OptionalExtension, StoreError};
use crate::params;
use cadence_contract::problem::FieldError;
use serde::{Deserialize, Serialize};

/// How a kind of message leaves: as an outbox event (webhooks), as an e-mail this server
/// sends, or both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = NotificationChannel)]
pub enum Channel {
    Events,
    Email,
    #[default]
    Both,
}

impl Channel {
    pub fn events(self) -> bool {
        matches!(self, Channel::Events | Channel::Both)
    }

    pub fn email(self) -> bool {
        matches!(self, Channel::Email | Channel::Both)
    }
}

/// The channel of each kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NotificationChannels)]
pub struct Channels {
    #[serde(default)]
    pub delivery_reminder: Channel,
    #[serde(default)]
    pub receipt: Channel,
    #[serde(default)]
    pub yearly_reminder: Channel,
    #[serde(default)]
    pub routine_due: Channel,
    #[serde(default)]
    pub price_change: Channel,
}

impl Channels {
    pub fn of(&self, kind: super::Kind) -> Channel {
        match kind {
            super::Kind::DeliveryReminder => self.delivery_reminder,
            super::Kind::Receipt => self.receipt,
            super::Kind::YearlyReminder => self.yearly_reminder,
            super::Kind::PriceChange => self.price_change,
        }
    }
}

/// What an e-mail looks like and who it is from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = MailBrand)]
pub struct Brand {
    /// The shop's name, as the e-mails sign and greet with; 1–100 characters.
    #[schema(example = "Bean & Leaf")]
    pub name: String,
    /// An https URL of the shop's logo, shown at the top of HTML e-mails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    /// The accent colour of buttons and headings, `#rrggbb`.
    #[schema(example = "#2f5d50")]
    pub color: String,
    /// The shop's account page (where `<cadence-widget view="account">` is): the
    /// e-mails' "manage" link. Absent: no such link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "https://shop.example/account")]
    pub account_url: Option<String>,
    /// The `From` address; absent: the server's `--mail-from`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "hello@shop.example")]
    pub from_address: Option<String>,
    /// Where replies go, if not to `from_address`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
}

impl Default for Brand {
    fn default() -> Self {
        Brand {
            name: "Cadence".to_owned(),
            logo_url: None,
            account_url: None,
            color: "#2f5d50".to_owned(),
            from_address: None,
            reply_to: None,
        }
    }
}

/// Every setting; absent fields take their defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NotificationSettings)]
pub struct Settings {
    /// Days before a delivery its reminder goes, 1–14.
    #[serde(default = "three")]
    #[schema(example = 3)]
    pub reminder_days_ahead: u32,
    /// The hour of the customer's own day reminders go at, 0–23.
    #[serde(default = "nine")]
    #[schema(example = 9)]
    pub send_hour: u32,
    /// The IANA zone of customers whose own is not known.
    #[serde(default = "utc")]
    #[schema(example = "Europe/Paris")]
    pub default_time_zone: String,
    #[serde(default)]
    pub channels: Channels,
    #[serde(default)]
    pub brand: Brand,
    /// How many days ahead, at least, a merchant's price change must be announced
    /// (`POST /api/v1/admin/price-changes`): 30 (the default) to 365. A merchant may give
    /// shoppers more notice, never less than 30 days: a locked price is a promise, not a
    /// setting.
    #[serde(default = "thirty")]
    #[schema(example = 30, minimum = 30, maximum = 365)]
    pub price_notice_days: u32,
    /// How many days after subscribing a shopper may withdraw from a new subscription (the
    /// EU right of withdrawal: `/withdraw`, the widget's withdraw): 14 (the default and the
    /// least the law allows) to 365. A merchant may give more, never less.
    #[serde(default = "fourteen")]
    #[schema(example = 14, minimum = 14, maximum = 365)]
    pub withdrawal_days: u32,
}

/// The shortest withdrawal period any merchant may set (EU consumer law).
pub const MIN_WITHDRAWAL_DAYS: u32 = 14;

fn fourteen() -> u32 {
    MIN_WITHDRAWAL_DAYS
}

/// The shortest notice of a price change any merchant may set.
pub const MIN_PRICE_NOTICE_DAYS: u32 = 30;

fn thirty() -> u32 {
    MIN_PRICE_NOTICE_DAYS
}
fn three() -> u32 {
    3
}
fn nine() -> u32 {
    9
}
fn utc() -> String {
    "UTC".to_owned()
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            reminder_days_ahead: three(),
            send_hour: nine(),
            default_time_zone: utc(),
            channels: Channels::default(),
            brand: Brand::default(),
            price_notice_days: thirty(),
            withdrawal_days: fourteen(),
        }
    }
}

impl Settings {
    /// What is wrong with these settings, by JSON Pointer; empty when nothing is.
    pub fn problems(&self) -> Vec<FieldError> {
        let mut problems = crate::admin::checks::Problems(Vec::new());
        if !(1..=14).contains(&self.reminder_days_ahead) {
            problems.add("/reminder_days_ahead", "Between 1 and 14 days.");
        }
        if !(MIN_PRICE_NOTICE_DAYS..=365).contains(&self.price_notice_days) {
            problems.add(
                "/price_notice_days",
                "Between 30 and 365 days: a price change is never announced with less than 30 days' notice.",
            );
        }
        if !(MIN_WITHDRAWAL_DAYS..=365).contains(&self.withdrawal_days) {
            problems.add(
                "/withdrawal_days",
                "Between 14 and 365 days: a shopper may always withdraw for at least 14 days.",
            );
        }
        if self.send_hour > 23 {
            problems.add("/send_hour", "An hour of the day, 0 to 23.");
        }
        if !super::time_zone_ok(&self.default_time_zone) {
            problems.add(
                "/default_time_zone",
                "An IANA time zone name this server knows, e.g. Europe/Paris.",
            );
        }
        let brand = &self.brand;
        problems.text("/brand/name", &brand.name, 1, 100);
        for (pointer, url) in [
            ("/brand/logo_url", &brand.logo_url),
            ("/brand/account_url", &brand.account_url),
        ] {
            if url.as_deref().is_some_and(|url| !https_url_ok(url)) {
                problems.add(pointer, "An https URL, at most 2,000 characters.");
            }
        }
        let hex = brand.color.len() == 7
            && brand.color.starts_with('#')
            && brand.color[1..].bytes().all(|b| b.is_ascii_hexdigit());
        if !hex {
            problems.add("/brand/color", "A colour as #rrggbb.");
        }
        for (pointer, address) in [
            ("/brand/from_address", &brand.from_address),
            ("/brand/reply_to", &brand.reply_to),
        ] {
            if let Some(address) = address {
                if !crate::admin::checks::email_ok(address)
                    || address.parse::<lettre::Address>().is_err()
                {
                    problems.add(pointer, "An email address, name@domain.");
                }
            }
        }
        problems.0
    }
}

fn https_url_ok(url: &str) -> bool {
    url.len() <= 2_000
        && url.starts_with("https://")
        && url.len() > "https://".len()
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>'))
}

impl Settings {
    /// The zone a customer's times are in, and its name: theirs when this server knows it,
    /// else the merchant's default, else UTC.
    pub fn zone(&self, stored: Option<&str>) -> (String, jiff::tz::TimeZone) {
        [stored, Some(self.default_time_zone.as_str())]
            .into_iter()
            .flatten()
            .find_map(|name| Some((name.to_owned(), jiff::tz::TimeZone::get(name).ok()?)))
            .unwrap_or_else(|| ("UTC".to_owned(), jiff::tz::TimeZone::UTC))
    }
}

/// The stored settings, or the defaults when the merchant never set any.
pub fn load(conn: &Connection) -> Result<Settings, StoreError> {
    let stored: Option<String> = conn
        .prepare_cached("SELECT settings FROM notification_settings WHERE id = 1")?
        .query_row([], |row| row.get(0))
        .optional()?;
    match stored {
        None => Ok(Settings::default()),
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| StoreError::Corrupt(format!("notification settings: {e}"))),
    }
}

/// Replaces the settings (already checked).
pub fn save(conn: &Connection, settings: &Settings, now: &str) -> Result<(), StoreError> {
    let json = serde_json::to_string(settings)?;
    conn.execute(
        "INSERT INTO notification_settings (id, settings, updated_at) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET settings = excluded.settings,
            updated_at = excluded.updated_at",
        params![json, now],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_each_bad_field_is_named() {
        assert!(Settings::default().problems().is_empty());
        let bad = Settings {
            reminder_days_ahead: 0,
            send_hour: 24,
            default_time_zone: "Mars/Olympus".into(),
            channels: Channels::default(),
            brand: Brand {
                name: String::new(),
                logo_url: Some("http://x.example/logo.png".into()),
                account_url: None,
                color: "green".into(),
                from_address: Some("not an address".into()),
                reply_to: None,
            },
            price_notice_days: 29,
            withdrawal_days: 13,
        };
        let pointers: Vec<String> = bad.problems().into_iter().map(|p| p.pointer).collect();
        assert_eq!(
            pointers,
            [
                "/reminder_days_ahead",
                "/price_notice_days",
                "/withdrawal_days",
                "/send_hour",
                "/default_time_zone",
                "/brand/name",
                "/brand/logo_url",
                "/brand/color",
                "/brand/from_address"
            ]
        );
    }
}
