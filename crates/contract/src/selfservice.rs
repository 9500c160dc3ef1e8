//! Subscription self-service: the changes a subscriber can make, and what they see of them.
//!
//! Every change is one `POST /api/v1/me/subscriptions/{id}/changes` with a
//! [`SubscriptionChange`] body, an `Idempotency-Key` and an `If-Match` (the subscription's
//! ETag); the answer is the updated [`crate::Subscription`].

use crate::{Date, Interval, Money, SubscriptionStatus};

/// One change to a subscription. Internally tagged: `{"action": "skip", "date": "2026-12-03"}`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum SubscriptionChange {
    /// Skip one upcoming delivery (one of `Subscription::upcoming`).
    Skip { date: Date },
    /// Undo a skip, while that date is still ahead.
    Unskip { date: Date },
    /// Pause with no end date; nothing ships until `resume`.
    Pause,
    /// Pause for the next `deliveries` deliveries, then resume by itself.
    PauseFor { deliveries: u32 },
    /// Pause until `date`; deliveries restart on that date.
    PauseUntil { date: Date },
    /// End a pause now.
    Resume,
    /// Move the next delivery to `date`; later deliveries follow the interval from there.
    Reschedule { date: Date },
    /// Ship the next delivery today; the schedule continues one interval from today.
    ShipNow,
    /// Change how often deliveries come (one of `Subscription::allowed_intervals`).
    SetInterval { interval: Interval },
    /// Change how many units each delivery holds (1 ..= `MAX_QUANTITY`).
    SetQuantity { quantity: u32 },
    /// Deliver another product instead (one of `Subscription::swap_options`).
    Swap { sku: String },
    /// Cancel. Takes effect at once; no further delivery ships.
    Cancel {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<CancelReason>,
    },
    /// Undo a cancellation while `Subscription::reactivate_until` has not passed.
    Reactivate,
}

/// Why a subscriber cancelled: optional, never required, never pre-selected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    TooMuchProduct,
    TooExpensive,
    NoLongerNeeded,
    TryingSomethingElse,
    Other,
    #[serde(other)]
    Unknown,
}

/// One upcoming delivery date and whether the subscriber skipped it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpcomingDelivery {
    pub date: Date,
    pub skipped: bool,
}

/// A product a subscription may be swapped to.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SwapOption {
    pub sku: String,
    pub name: String,
    /// Price of one unit per delivery, subscription discount applied.
    pub price: Money,
}

/// A subscription's state as recorded in its audit history.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriptionSnapshot {
    pub sku: String,
    pub quantity: u32,
    pub interval: Interval,
    pub status: SubscriptionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_delivery: Option<Date>,
}

/// One line of a subscription's audit history ("recent changes").
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeRecord {
    /// When, as RFC 3339 UTC (`2026-11-23T09:41:00Z`).
    pub at: String,
    /// Who: `customer`, `merchant` or `system`.
    pub actor: String,
    /// `create`, or the change's `action` name (`skip`, `pause_for`, …).
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<SubscriptionSnapshot>,
    pub after: SubscriptionSnapshot,
}
