//! Merchant metrics: the body of `GET /api/v1/merchant/metrics` — repurchase at 30/60/90
//! days by first-order cohort, subscription activity per month, how recommendations are
//! clicked and acted on per reason, and why subscribers cancelled — each block with the
//! definition of its figures.

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
    pub cancel_reasons: CancelReasonMetrics,
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
    /// The same customers (all cohorts) in groups that tell what a lever is worth:
    /// `subscribers` against `one_time_buyers`, and, among owners of a machine with
    /// maintenance, `routine_followers` (reminded of its tasks) against
    /// `owners_not_following`.
    #[serde(default)]
    pub groups: Vec<RepurchaseGroup>,
}

/// Repurchase of one group of customers, all cohorts together.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RepurchaseGroup {
    /// `subscribers`, `one_time_buyers`, `routine_followers` or `owners_not_following`.
    pub group: String,
    /// Who is in it, in one sentence.
    pub definition: String,
    /// Customers of the cohorts in this group.
    pub customers: u32,
    /// One entry per window, in `windows` order.
    pub rates: Vec<RepurchaseRate>,
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

/// Why subscribers cancelled, per month: the optional reason they chose on the cancel
/// confirmation.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelReasonMetrics {
    pub definition: String,
    /// Every month covered, oldest first, including months with nothing.
    pub months: Vec<CancelReasonMonth>,
    /// The sum of `months`.
    pub total: CancelReasonCounts,
}

/// One month of cancellations by reason.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelReasonMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub counts: CancelReasonCounts,
}

/// Cancellations in a period, one count per reason (the `CancelReason` wire names), plus
/// those given without one. They add up to the period's cancellations.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelReasonCounts {
    pub too_much_product: u32,
    pub too_expensive: u32,
    pub no_longer_needed: u32,
    pub trying_something_else: u32,
    /// "Other", and reasons sent by a newer client that this server does not know.
    pub other: u32,
    /// Cancelled without choosing a reason (choosing one is never required).
    pub not_given: u32,
}

impl CancelReasonCounts {
    /// Adds `n` cancellations given with `reason` (`None`: no reason).
    pub fn add(&mut self, reason: Option<crate::CancelReason>, n: u32) {
        use crate::CancelReason as R;
        let slot = match reason {
            Some(R::TooMuchProduct) => &mut self.too_much_product,
            Some(R::TooExpensive) => &mut self.too_expensive,
            Some(R::NoLongerNeeded) => &mut self.no_longer_needed,
            Some(R::TryingSomethingElse) => &mut self.trying_something_else,
            Some(R::Other | R::Unknown) => &mut self.other,
            None => &mut self.not_given,
        };
        *slot += n;
    }

    /// Every count with its name, in the order above (`not_given` last).
    pub fn named(&self) -> [(&'static str, u32); 6] {
        [
            ("too_much_product", self.too_much_product),
            ("too_expensive", self.too_expensive),
            ("no_longer_needed", self.no_longer_needed),
            ("trying_something_else", self.trying_something_else),
            ("other", self.other),
            ("not_given", self.not_given),
        ]
    }

    /// All cancellations counted.
    pub fn total(&self) -> u32 {
        self.named().iter().map(|(_, n)| n).sum()
    }
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
    /// The shopper opened or pressed the recommendation (reported by the widget).
    pub clicks: u64,
    /// Conversions: a subscribe, add-once or swap from the recommendation that the server
    /// accepted (counted by the server, in the action's transaction).
    pub actions: u64,
    /// `clicks / impressions`; absent without impressions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub click_through: Option<f64>,
    /// `actions / impressions`; absent without impressions. Actions are the ones the server
    /// accepted (see `RecommendationSource`), so this is not `click_through` again.
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

    #[test]
    fn every_cancel_reason_has_its_count_and_unknown_ones_are_other() {
        use crate::CancelReason as R;
        let mut c = CancelReasonCounts::default();
        for reason in [
            Some(R::TooMuchProduct),
            Some(R::TooExpensive),
            Some(R::NoLongerNeeded),
            Some(R::TryingSomethingElse),
            Some(R::Other),
            Some(R::Unknown),
            None,
        ] {
            c.add(reason, 1);
        }
        assert_eq!(c.total(), 7);
        assert_eq!(c.other, 2);
        // The names are the wire names the audit trail stores (and serde writes).
        let json = serde_json::to_value(&c).unwrap();
        for (name, n) in c.named() {
            assert_eq!(json[name], n, "{name}");
            if name != "not_given" {
                assert_eq!(R::from_wire(name).map(R::as_str), Some(name));
            }
        }
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
