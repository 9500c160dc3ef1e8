//! The API's resources: the request and response bodies of the `/api/v1` JSON API
//! (products, subscriptions, the account). Named for what it holds, not `api.rs`: the
//! widget's `src/api.rs` is its HTTP client.
//!
//! Response enums carry an `Unknown` catch-all so an older widget keeps working when a
//! newer server adds a variant; request bodies reject unknown fields so typos are errors.

use crate::{
    CommunityChoice, Date, Interval, Money, Ownership, RecommendationSource, Routine, RoutineTask,
    SwapOption, UpcomingDelivery, UsageQuestion,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProductKind {
    /// Owned for years and maintained (a coffee machine).
    Durable,
    /// Used up and bought again (capsules, filters).
    Consumable,
    /// Bought once to go with something else (a milk frother).
    Accessory,
    /// A kind this client does not know yet.
    #[serde(other)]
    Unknown,
}

crate::wire::wire_names!(ProductKind {
    Durable = "durable",
    Consumable = "consumable",
    Accessory = "accessory",
}, other Unknown = "unknown");

/// What the merchant allows for subscribing to a product.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriptionOffer {
    /// The intervals a shopper may choose from, shortest first.
    pub intervals: Vec<Interval>,
    /// The interval pre-selected when the shopper has told us nothing.
    pub default_interval: Interval,
    /// Subscribe & save discount on every delivery, in percent.
    pub discount_percent: u8,
    /// Price of one unit (one pack) per delivery after the discount.
    pub price: Money,
}

/// A product as the product-page widget shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub sku: String,
    pub name: String,
    pub kind: ProductKind,
    pub description: String,
    /// One-time purchase price of one unit.
    pub price: Money,
    /// For consumables: how many units (capsules, filters…) one pack holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units_per_pack: Option<u32>,
    pub in_stock: bool,
    /// Present when the product can be subscribed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<SubscriptionOffer>,
    /// For consumables: the usage question behind `recommend_interval`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<UsageQuestion>,
    /// For durables: their maintenance routines (what `build_plan` schedules).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routines: Vec<Routine>,
    /// What owners of the machine this fits choose; absent below 5 subscribing owners.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community: Option<CommunityChoice>,
    /// Only with a valid customer token, when the customer owns this durable or one this
    /// product fits: that machine, its routines and their due dates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership: Option<Ownership>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    Active,
    Paused,
    Cancelled,
    /// A status this client does not know yet.
    #[serde(other)]
    Unknown,
}

crate::wire::wire_names!(SubscriptionStatus {
    Active = "active",
    Paused = "paused",
    Cancelled = "cancelled",
}, other Unknown = "unknown");

/// One of a customer's subscriptions.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Subscription {
    pub id: String,
    pub sku: String,
    pub product_name: String,
    pub quantity: u32,
    pub interval: Interval,
    pub status: SubscriptionStatus,
    /// The next delivery (and charge) date; absent when paused open-ended or cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_delivery: Option<Date>,
    /// What one delivery costs, discount and quantity included.
    pub price_per_delivery: Money,
    /// Increases on every change; the server's strong ETag is derived from it.
    pub version: u64,
    /// The next scheduled deliveries (skipped ones included and marked); empty while
    /// paused without an end date or cancelled.
    #[serde(default)]
    pub upcoming: Vec<UpcomingDelivery>,
    /// The intervals this subscription may change to.
    #[serde(default)]
    pub allowed_intervals: Vec<Interval>,
    /// The products this subscription may be swapped to.
    #[serde(default)]
    pub swap_options: Vec<SwapOption>,
    /// While paused: the date deliveries restart (absent for an open-ended pause).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_until: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_on: Option<Date>,
    /// After cancelling: the last day the subscriber can reactivate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reactivate_until: Option<Date>,
    /// The latest date a pause may run to (the merchant's maximum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pause_until: Option<Date>,
    /// The merchant could not take the payment for a delivery, even after retrying: the
    /// widget shows a calm notice until an order of this subscription is paid.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub payment_problem: bool,
    /// Where the subscriber updates their payment details (the merchant's page); only
    /// with `payment_problem`, and only when the server has one (`--update-payment-url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_payment_url: Option<String>,
    /// A price change the merchant announced (with a notice at least the notice period
    /// ahead) that has not applied yet: the shopper sees it, and may cancel before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coming_price: Option<ComingPrice>,
    /// While a new subscription may still be withdrawn from (the EU right of withdrawal,
    /// the merchant's `withdrawal_days` from subscribing): the last day it may. Absent
    /// after that day and once cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawable_until: Option<Date>,
}

/// What one delivery will cost from a date on, after a merchant's announced price change.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComingPrice {
    /// What one delivery will cost, discount and quantity included.
    pub price_per_delivery: Money,
    /// The first delivery date the new price applies to.
    pub effective_on: Date,
}

impl Subscription {
    /// The strong ETag of this version, as the server sends it and expects in `If-Match`.
    /// Defined here so the widget and the server cannot disagree on its format.
    pub fn etag(&self) -> String {
        format!("\"{}.v{}\"", self.id, self.version)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Customer {
    pub id: String,
    pub name: String,
}

/// What the account widget shows a signed-in customer.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub customer: Customer,
    pub subscriptions: Vec<Subscription>,
    /// The maintenance of every durable the customer owns, soonest due first; absent when
    /// they own none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routines: Vec<RoutineTask>,
}

/// Body of `POST /api/v1/me/subscriptions`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewSubscription {
    #[cfg_attr(feature = "openapi", schema(example = "CAPS-INTENSO"))]
    pub sku: String,
    /// 1 ..= `MAX_QUANTITY` (else 422 at `/quantity`).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 20))]
    pub quantity: u32,
    pub interval: Interval,
    /// When a recommendation's "subscribe" sent it: which one (its conversion is counted
    /// when the subscription is created, and only then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<RecommendationSource>,
}

/// Highest quantity one delivery may hold; larger numbers are almost always typos.
pub const MAX_QUANTITY: u32 = 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_enum_values_do_not_break_decoding() {
        let kind: ProductKind = serde_json::from_str("\"bundle\"").unwrap();
        assert_eq!(kind, ProductKind::Unknown);
        let status: SubscriptionStatus = serde_json::from_str("\"dunning\"").unwrap();
        assert_eq!(status, SubscriptionStatus::Unknown);
    }

    #[test]
    fn new_subscription_rejects_unknown_fields() {
        let body = r#"{"sku":"A","quantity":1,"interval":{"count":4,"unit":"week"},"price":0}"#;
        assert!(serde_json::from_str::<NewSubscription>(body).is_err());
    }
}
