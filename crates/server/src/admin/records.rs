//! The merchant's records as the admin API writes and reads them (products with their offer
//! and routine templates, customers, what they own, order history, imported subscriptions).
//! One type serves the single upserts (`PUT`) and the bulk import's lines, so both accept
//! exactly the same records; the checks a record passes on its own are in `checks.rs`.

use cadence_contract::{Date, Interval, Money, ProductKind, SubscriptionStatus};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A product as the merchant loads it: replaced as a whole by each `PUT`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductRecord {
    /// 1–200 characters.
    #[schema(example = "Espresso Intenso capsules")]
    pub name: String,
    /// `durable`, `consumable` or `accessory`.
    pub kind: ProductKind,
    /// Up to 5,000 characters.
    #[serde(default)]
    pub description: String,
    /// The one-time price of one unit (one pack); amount ≥ 0, an upper-case ISO 4217 code.
    pub price: Money,
    /// For consumables: units (capsules, filters) in one pack, 1–100,000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units_per_pack: Option<u32>,
    #[serde(default = "in_stock_by_default")]
    pub in_stock: bool,
    /// Subscribe & save; absent: the product cannot be subscribed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<OfferRecord>,
    /// Products of one swap group replace each other in a subscription (1–100 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "barista-one-capsules")]
    pub swap_group: Option<String>,
    /// For consumables: the usage question behind the recommended interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<UsageRecord>,
    /// For durables: the SKUs of the products that fit this one (capsules, filters,
    /// accessories), each already loaded; at most 50. Owners of this durable are offered
    /// them, and their routine plan counts from its purchase.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compatible: Vec<String>,
    /// For durables: the maintenance its owners do, at most 50, names unique. A task is
    /// known by its name: renaming one starts its history afresh.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maintenance: Vec<TaskRecord>,
    /// The product's texts in other languages, by language (`en`, `fr` or `de`): shoppers
    /// whose widget speaks one of them read these instead of the texts above. Any text
    /// left out stays as above.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, ProductTexts>,
}

/// A product's shopper-facing texts in one language.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductTexts {
    /// 1–200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Capsules Espresso Intenso")]
    pub name: Option<String>,
    /// Up to 5,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The usage question (the product has one), 1–200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Combien de cafés préparez-vous par jour ?")]
    pub usage_prompt: Option<String>,
    /// The usage answer's unit, 1–50 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "tasses par jour")]
    pub usage_unit: Option<String>,
    /// Maintenance task names, by the task's name above (each a task of this product),
    /// 1–100 characters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(example = json!({"Descale": "Détartrage"}))]
    pub maintenance: BTreeMap<String, String>,
}

fn in_stock_by_default() -> bool {
    true
}

/// What the merchant allows for subscribing to a product.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferRecord {
    /// The intervals a shopper may choose, 1–50, distinct; kept shortest first.
    pub intervals: Vec<Interval>,
    /// One of `intervals`; absent: the shortest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_interval: Option<Interval>,
    /// Subscribe & save discount on every delivery, 0–100 percent.
    #[serde(default)]
    #[schema(maximum = 100)]
    pub discount_percent: u8,
}

/// "How many coffees do you make a day?": the question whose answer sets the interval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageRecord {
    /// 1–200 characters.
    #[schema(example = "How many coffees do you make a day?")]
    pub prompt: String,
    /// The answer's unit, 1–50 characters.
    #[schema(example = "cups a day")]
    pub unit: String,
    /// `min` ≤ `default` ≤ `max` ≤ 10,000.
    pub min: u32,
    pub max: u32,
    pub default: u32,
    /// Units of the product one use takes, 1–1,000.
    pub units_per_use: u32,
}

/// A maintenance task of a durable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskRecord {
    /// 1–100 characters, unique within the product.
    #[schema(example = "Descale")]
    pub name: String,
    /// Every so many days, 1–3,650.
    #[schema(minimum = 1, maximum = 3650)]
    pub every_days: u32,
    /// The consumable one run uses up (already loaded), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumable_sku: Option<String>,
    /// How to do it: a path on the shop's site (`/guides/descaling`) or an http(s) URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guide_url: Option<String>,
}

/// A product as stored: its SKU and record (as `PUT` takes it, normalized). Nested rather
/// than flattened: the record's schema admits no other field.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StoredProduct {
    pub sku: String,
    pub product: ProductRecord,
}

/// A customer as the merchant loads them: replaced as a whole by each `PUT`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerRecord {
    /// How the widget greets them, 1–200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Ada Lovelace")]
    pub name: Option<String>,
    /// Unique among customers (another customer's address is a 409), at most 254 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "ada@example.com")]
    pub email: Option<String>,
    /// A BCP 47 language tag, e.g. `de-AT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "en-GB")]
    pub locale: Option<String>,
    /// Where they live, as an IANA time zone name: reminders go out at the merchant's hour
    /// of their day, receipts state times in it. Absent: the merchant's default zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Europe/Berlin")]
    pub time_zone: Option<String>,
}

/// Who made a customer record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomerOrigin {
    /// Loaded by the merchant.
    Merchant,
    /// Created when a valid customer token named an id the merchant had not loaded; the
    /// merchant's first `PUT` makes it `merchant`.
    Token,
}

/// A customer as stored: their id, record (as `PUT` takes it), origin and what they own.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StoredCustomer {
    pub id: String,
    pub customer: CustomerRecord,
    pub origin: CustomerOrigin,
    /// What they own, by SKU.
    pub owned: Vec<OwnedItem>,
}

/// Body of `PUT /admin/customers/{id}/owned/{sku}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnedRecord {
    /// When they bought it (the latest purchase, if several): the day their routine
    /// counts from. Not after today.
    pub purchased_on: Date,
}

/// One product a customer owns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OwnedItem {
    pub sku: String,
    pub purchased_on: Date,
}

/// An order from the shop's history: replaced as a whole by each `PUT`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderRecord {
    /// The customer (already loaded).
    pub customer_id: String,
    /// The day it was placed; not after today.
    pub ordered_on: Date,
    /// 1–50 lines, one per SKU.
    pub lines: Vec<OrderLineRecord>,
    /// The customer's subscription it delivered, if any (already loaded or imported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
}

/// One line of an order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineRecord {
    /// A product already loaded.
    pub sku: String,
    /// 1–10,000.
    #[schema(minimum = 1, maximum = 10000)]
    pub quantity: u32,
    /// What one unit cost in this order.
    pub unit_price: Money,
}

/// Who placed an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderOrigin {
    /// Cadence (a subscription delivery, ship now): read-only here.
    Cadence,
    /// The shop's history, loaded by the merchant.
    Merchant,
}

/// An order as stored: its id, record (as `PUT` takes it, lines by SKU) and origin.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StoredOrder {
    pub id: String,
    pub order: OrderRecord,
    pub origin: OrderOrigin,
}

/// A subscription moved from another app (import only): it keeps its id, schedule and
/// price. An id already in Cadence is left as it is (its subscriber may have changed it
/// since), so importing the same file again changes nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionRecord {
    pub id: String,
    /// The customer (already loaded).
    pub customer_id: String,
    /// A product already loaded.
    pub sku: String,
    /// 1–20.
    #[schema(minimum = 1, maximum = 20)]
    pub quantity: u32,
    pub interval: Interval,
    /// `active`, `paused` or `cancelled`.
    pub status: SubscriptionStatus,
    /// Active: the next delivery, after today (required). Paused: the delivery the
    /// schedule continues from, once the pause ends. Cancelled: ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_delivery: Option<Date>,
    /// Paused: the day deliveries restart, after today; absent: paused until resumed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_until: Option<Date>,
    /// Cancelled: the day it was cancelled, not after today (absent: today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_on: Option<Date>,
    /// The discount on every delivery, 0–100; absent: the product's current offer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(maximum = 100)]
    pub discount_percent: Option<u8>,
    /// The unit price agreed with the subscriber before the discount, in the product's
    /// currency; absent: the catalog price (and its later changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Money>,
    /// The day they subscribed in the other app, not after today (absent: today), so the
    /// merchant figures count them as started then, not as new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_on: Option<Date>,
}
