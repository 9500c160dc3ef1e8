//! Merchant metrics: the body of `GET /api/v1/merchant/metrics` — repurchase at 30/60/90
//! days by first-order cohort, subscription activity per month, and how recommendations
//! are clicked and acted on per reason — each block with the definition of its figures.

use crate::{Date, ReasonCode};

/// The repurchase windows, in days after a customer's first order.
pub const REPURCHASE_WINDOWS: [u32; 3] = [30, 60, 90];

/// How many calendar months the figures cover: the current one and the eleven before it.
pub const METRICS_MONTHS: u32 = 12;

/// Body of `GET /api/v1/merchant/metrics`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MerchantMetrics {
    /// The day the figures are computed for (UTC); every window ends on it.
    pub as_of: Date,
    /// The first month covered, `YYYY-MM`: figures count what happened from its first day
    /// through `as_of`.
    pub since_month: String,
    pub repurchase: RepurchaseMetrics,
    pub subscriptions: SubscriptionMetrics,
    pub recommendations: RecommendationMetrics,
}

/// Repurchase at 30/60/90 days, by cohort (the month of each customer's first order).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RepurchaseMetrics {
    /// What the figures mean, in one paragraph a merchant can read.
    pub definition: String,
    /// The windows, in days ([`REPURCHASE_WINDOWS`]).
    pub windows: Vec<u32>,
    /// One cohort per month covered, oldest first (a month without new customers has
    /// `customers` 0 and no rates).
    pub cohorts: Vec<RepurchaseCohort>,
    /// All the cohorts above taken together, one entry per window.
    pub all: Vec<RepurchaseRate>,
}

/// The customers whose first order falls in one month.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RepurchaseCohort {
    /// `YYYY-MM`.
    pub month: String,
    /// Customers whose first order is in this month.
    pub customers: u32,
    /// One entry per window, in `windows` order.
    pub rates: Vec<RepurchaseRate>,
}

/// Repurchase within one window.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RepurchaseRate {
    /// The window, in days.
    pub days: u32,
    /// Customers observed for the whole window: first order at least `days` days before
    /// `as_of`.
    pub observed: u32,
    /// Of those, the ones with another order 1 to `days` days after their first.
    pub repurchased: u32,
    /// `repurchased / observed` (0 to 1); absent while nobody is observed long enough.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
}

/// Subscriptions started, paused, skipped and cancelled, per month.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriptionMetrics {
    pub definition: String,
    /// Every month covered, oldest first, including months with nothing.
    pub months: Vec<SubscriptionMonth>,
    /// The sum of `months`.
    pub total: SubscriptionCounts,
}

/// One month of subscription activity.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriptionMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub counts: SubscriptionCounts,
}

/// Subscription events in a period.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriptionCounts {
    /// Subscriptions created.
    pub started: u32,
    /// Changes that took an active subscription to paused.
    pub paused: u32,
    /// Deliveries skipped.
    pub skipped: u32,
    /// Subscriptions cancelled.
    pub cancelled: u32,
    /// Pauses and skips chosen on the cancel confirmation's offer, instead of cancelling
    /// (also counted in `paused` or `skipped`).
    pub kept_instead_of_cancel: u32,
}

/// Recommendation click-through and conversion, per reason code.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecommendationMetrics {
    pub definition: String,
    /// One entry per known reason code, in a fixed order, including reasons never shown.
    pub reasons: Vec<Engagement>,
    /// Every event, whatever its reason (`reason` absent).
    pub all: Engagement,
    /// Clicks and actions that came with no impression of the same recommendation from
    /// the same shopper that day or the day before: counted apart, in no figure above.
    #[serde(default)]
    pub unmatched: u64,
}

/// Impressions, clicks and actions, and the rates between them.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Engagement {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ReasonCode>,
    pub impressions: u64,
    pub clicks: u64,
    pub actions: u64,
    /// `clicks / impressions`; absent without impressions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub click_through: Option<f64>,
    /// `actions / impressions`; absent without impressions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversion: Option<f64>,
}

impl Engagement {
    /// The counts with their rates computed.
    pub fn new(reason: Option<ReasonCode>, impressions: u64, clicks: u64, actions: u64) -> Self {
        Engagement {
            reason,
            impressions,
            clicks,
            actions,
            click_through: ratio(clicks, impressions),
            conversion: ratio(actions, impressions),
        }
    }
}

/// `part / whole`, or `None` when `whole` is zero.
pub fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_absent_without_a_denominator() {
        let e = Engagement::new(Some(ReasonCode::DueSoon), 0, 0, 0);
        assert_eq!((e.click_through, e.conversion), (None, None));
        let json = serde_json::to_value(&e).unwrap();
        assert!(json.get("click_through").is_none());
        let e = Engagement::new(None, 8, 2, 1);
        assert_eq!((e.click_through, e.conversion), (Some(0.25), Some(0.125)));
    }
}

/// The answer to a merchant's revocation of one customer's access.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revocation {
    pub customer_id: String,
    /// Tokens issued at or before this instant (RFC 3339, UTC) are refused from now on;
    /// the customer's calendar feed link was retired with them.
    pub tokens_issued_before: String,
}
