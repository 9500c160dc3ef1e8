//! Subscription self-service: the changes a subscriber can make, and what they see of them.
//!
//! Every change is one `POST /api/v1/me/subscriptions/{id}/changes` with a
//! [`ChangeRequest`] body (a [`SubscriptionChange`], and where it was chosen), an `Idempotency-Key` and an `If-Match` (the subscription's
//! ETag); the answer is the updated [`crate::Subscription`].

use crate::{Date, Interval, Money, RecommendationSource, SubscriptionStatus};

/// One change to a subscription. Internally tagged: `{"action": "skip", "date": "2026-12-03"}`.
///
/// "Upcoming" deliveries start tomorrow: one due today is already on its way. A refused
/// change changes nothing: 422 (with `errors[].pointer`) for a bad value, 409 for a change
/// that does not apply in the current state. The rules are implemented once, in
/// [`crate::Schedule::apply`].
///
/// - Cancelled: every change but `reactivate` → 409.
/// - Paused: `skip`, `unskip`, `reschedule`, `ship_now` and `pause_for` → 409 (the dates
///   they act on are not running); `pause_until` (change the restart date), `pause` (make
///   it open-ended; 409 if it already is), `resume`, `set_interval`, `set_quantity`,
///   `swap` and `cancel` are allowed.
/// - Active: `resume` → 409; `reactivate` → 409 unless cancelled.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum SubscriptionChange {
    /// Skip one upcoming delivery: `date` must be one of `Subscription::upcoming` that is
    /// not skipped yet (else 422 at `/date`).
    Skip { date: Date },
    /// Undo a skip: `date` must be a skipped delivery still ahead (else 422 at `/date`).
    Unskip { date: Date },
    /// Pause with no end date; nothing ships until `resume`. Skips are dropped.
    Pause,
    /// Pause for the next `deliveries` (1 ..= 6, else 422 at `/deliveries`) non-skipped
    /// deliveries: the one after them is `paused_until`, when deliveries resume by themselves.
    PauseFor {
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 6))]
        deliveries: u32,
    },
    /// Pause until `date` (after today, at most `Subscription::max_pause_until` = today +
    /// 180 days, else 422 at `/date`); deliveries restart on that date, then follow the
    /// interval. Also moves the restart date of a running pause.
    PauseUntil { date: Date },
    /// End a pause now. The next delivery is tomorrow: a subscriber who resumes wants
    /// product soon.
    Resume,
    /// Move the next delivery to `date` (after today, at most today + 90 days, else 422 at
    /// `/date`); later deliveries follow the interval from there; skips before it drop.
    Reschedule { date: Date },
    /// Ship one delivery today (an order dated today); the schedule continues one interval
    /// from today.
    ShipNow,
    /// Change how often deliveries come: one of `Subscription::allowed_intervals` (else
    /// 422 at `/interval`). The next delivery keeps its date; later ones follow the new
    /// interval.
    SetInterval { interval: Interval },
    /// Change how many units each delivery holds: 1 ..= `MAX_QUANTITY` (else 422 at
    /// `/quantity`).
    SetQuantity {
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 20))]
        quantity: u32,
    },
    /// Deliver another product instead: one of `Subscription::swap_options` (else 422 at
    /// `/sku`); the price per delivery becomes that option's price × quantity.
    Swap { sku: String },
    /// Cancel, at once: no further delivery ships. `cancelled_on` = today,
    /// `reactivate_until` = today + 30 days. The optional reason goes to the audit trail.
    Cancel {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<CancelReason>,
    },
    /// Undo a cancellation while today ≤ `Subscription::reactivate_until` (else 409). The
    /// next delivery is the one the subscription had when cancelled if still ahead, else
    /// tomorrow.
    Reactivate,
    /// Add `quantity` (1 ..= `MAX_QUANTITY`, else 422 at `/quantity`) of another product
    /// (in stock, not the subscription's own; else 422 at `/sku`) to the next delivery
    /// only, at its one-time price. Active subscriptions only (else 409). The extra moves
    /// with that delivery when it is skipped or rescheduled, ships with `ship_now`, and is
    /// dropped by an open-ended pause or a cancel. Adding a SKU already there adds up.
    AddOnce {
        sku: String,
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 20))]
        quantity: u32,
    },
}

/// Body of `POST /api/v1/me/subscriptions/{id}/changes`: the change, with an optional
/// `via` next to its `action` in the same object, e.g.
/// `{"action": "pause_for", "deliveries": 1, "via": "cancel_offer"}` (flattened, so a body
/// without `via` is exactly a [`SubscriptionChange`]). A `via` other than `cancel_offer`,
/// or on a change that is not a pause or a skip, is a 422 at `/via`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeRequest {
    #[serde(flatten)]
    pub change: SubscriptionChange,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<ChangeVia>,
    /// On an `add_once` or a `swap` a recommendation offered: which one, so the server
    /// counts its conversion with the change (422 at `/recommendation` on other changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<RecommendationSource>,
}

/// Where a self-service change was chosen, when it matters for the merchant's figures.
/// Sent as [`ChangeRequest::via`]; only a pause or a skip may carry it. Older clients send nothing and are counted as before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChangeVia {
    /// The "pause instead" offer on the cancel confirmation.
    CancelOffer,
    /// A value this client does not know yet.
    #[serde(other)]
    Unknown,
}

crate::wire::wire_names!(ChangeVia {
    CancelOffer = "cancel_offer",
}, other Unknown = "unknown");

impl SubscriptionChange {
    /// The change's wire name (`skip`, `pause_for`, …), as recorded in the audit trail.
    pub fn action(&self) -> &'static str {
        match self {
            SubscriptionChange::Skip { .. } => "skip",
            SubscriptionChange::Unskip { .. } => "unskip",
            SubscriptionChange::Pause => "pause",
            SubscriptionChange::PauseFor { .. } => "pause_for",
            SubscriptionChange::PauseUntil { .. } => "pause_until",
            SubscriptionChange::Resume => "resume",
            SubscriptionChange::Reschedule { .. } => "reschedule",
            SubscriptionChange::ShipNow => "ship_now",
            SubscriptionChange::SetInterval { .. } => "set_interval",
            SubscriptionChange::SetQuantity { .. } => "set_quantity",
            SubscriptionChange::Swap { .. } => "swap",
            SubscriptionChange::Cancel { .. } => "cancel",
            SubscriptionChange::Reactivate => "reactivate",
            SubscriptionChange::AddOnce { .. } => "add_once",
        }
    }
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

crate::wire::wire_names!(CancelReason {
    TooMuchProduct = "too_much_product",
    TooExpensive = "too_expensive",
    NoLongerNeeded = "no_longer_needed",
    TryingSomethingElse = "trying_something_else",
    Other = "other",
}, other Unknown = "unknown");

/// One upcoming delivery date and whether the subscriber skipped it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpcomingDelivery {
    pub date: Date,
    pub skipped: bool,
    /// One-time additions (`add_once`); only ever on the next non-skipped delivery.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extras: Vec<ExtraItem>,
}

/// A one-time addition to a subscription's next delivery.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExtraItem {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    /// Price of one unit (the one-time price).
    pub price: Money,
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
    /// What one delivery costs (discount and quantity included); absent in rows recorded
    /// before prices were locked (migration 0015).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_per_delivery: Option<Money>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: &str) -> ChangeRequest {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn via_sits_next_to_the_action_and_is_optional() {
        let text = r#"{"action":"pause_for","deliveries":1,"via":"cancel_offer"}"#;
        let sent = ChangeRequest {
            change: SubscriptionChange::PauseFor { deliveries: 1 },
            via: Some(ChangeVia::CancelOffer),
            recommendation: None,
        };
        assert_eq!(serde_json::to_string(&sent).unwrap(), text);
        assert_eq!(request(text), sent);
        // Without `via`, the body is the change exactly as before `via` existed.
        let plain = ChangeRequest {
            change: SubscriptionChange::Pause,
            via: None,
            recommendation: None,
        };
        assert_eq!(
            serde_json::to_string(&plain).unwrap(),
            serde_json::to_string(&SubscriptionChange::Pause).unwrap()
        );
        assert_eq!(request(r#"{"action":"pause","via":null}"#), plain);
        assert_eq!(
            request(r#"{"via":"banner","action":"pause"}"#).via,
            Some(ChangeVia::Unknown)
        );
    }

    #[test]
    fn a_recommendation_sits_next_to_the_action_too() {
        let text = r#"{"action":"add_once","sku":"KIT","quantity":1,"recommendation":{"reason":"due_soon","context":"account"}}"#;
        let sent = ChangeRequest {
            change: SubscriptionChange::AddOnce {
                sku: "KIT".into(),
                quantity: 1,
            },
            via: None,
            recommendation: Some(crate::RecommendationSource {
                reason: crate::ReasonCode::DueSoon,
                context: "account".into(),
            }),
        };
        assert_eq!(serde_json::to_string(&sent).unwrap(), text);
        assert_eq!(request(text), sent);
        // Its own fields are checked: a typo inside it is an error, not dropped.
        assert!(serde_json::from_str::<ChangeRequest>(
            r#"{"action":"add_once","sku":"KIT","quantity":1,"recommendation":{"reason":"due_soon","context":"account","x":1}}"#
        )
        .is_err());
    }

    /// `action()` (the audit trail's and the `cadence:subscription-changed` event's name)
    /// is the tag serde writes, for every variant.
    #[test]
    fn action_is_the_serde_tag() {
        let date: Date = "2026-12-03".parse().unwrap();
        let sku = || "X".to_owned();
        for change in [
            SubscriptionChange::Skip { date },
            SubscriptionChange::Unskip { date },
            SubscriptionChange::Pause,
            SubscriptionChange::PauseFor { deliveries: 1 },
            SubscriptionChange::PauseUntil { date },
            SubscriptionChange::Resume,
            SubscriptionChange::Reschedule { date },
            SubscriptionChange::ShipNow,
            SubscriptionChange::SetInterval {
                interval: Interval::weeks(4),
            },
            SubscriptionChange::SetQuantity { quantity: 2 },
            SubscriptionChange::Swap { sku: sku() },
            SubscriptionChange::Cancel { reason: None },
            SubscriptionChange::Reactivate,
            SubscriptionChange::AddOnce {
                sku: sku(),
                quantity: 1,
            },
        ] {
            let json = serde_json::to_value(&change).unwrap();
            assert_eq!(json["action"], change.action(), "{json}");
        }
    }

    #[test]
    fn the_change_stays_strict_inside_the_request() {
        let refused = |json: &str| serde_json::from_str::<ChangeRequest>(json).is_err();
        assert!(refused(r#"{"action":"skip","date":"2026-01-01","x":1}"#));
        assert!(refused(r#"{"action":"fly"}"#));
        assert!(refused(r#"{"via":"cancel_offer"}"#));
        assert!(refused(r#"{"action":"pause","via":5}"#));
    }
}
