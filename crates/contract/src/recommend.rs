//! Personal recommendations and the widget's UI events: the bodies of
//! `GET /api/v1/recommendations` and `POST /api/v1/events`.
//!
//! Every recommendation says why it is shown (a reason code plus the fact behind it), so
//! the widget never shows an unexplained upsell.

use crate::{Date, Interval, Money};

/// Why a product is recommended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// A routine of a machine the customer owns needs this consumable soon.
    DueSoon,
    /// It fits a machine the customer owns.
    FitsWhatYouOwn,
    /// Other customers' orders often hold it together with a product in view.
    BoughtTogether,
    /// The same thing for less per unit (a subscription or a larger pack).
    BetterValue,
    /// A reason this client does not know yet.
    #[serde(other)]
    Unknown,
}

/// What the shopper can do with a recommendation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecommendationAction {
    AddToNextDelivery,
    AddToCart,
    Subscribe,
    /// An action this client does not know yet.
    #[serde(other)]
    Unknown,
}

/// One recommended product with its reason.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recommendation {
    pub sku: String,
    pub name: String,
    pub price: Money,
    pub reason: ReasonCode,
    /// Ranking score, higher first; an integer so the widget formats nothing.
    pub score: u32,
    /// DueSoon: when the routine is due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_on: Option<Date>,
    /// FitsWhatYouOwn / DueSoon: the owned model's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_model: Option<String>,
    /// BoughtTogether: the product name it co-occurs with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub because_of: Option<String>,
    /// BetterValue: saving per delivery/unit compared to the current choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saving: Option<Money>,
    /// The first is the primary action.
    pub actions: Vec<RecommendationAction>,
    /// For AddToNextDelivery: the subscription whose next delivery gets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    /// For Subscribe (present exactly when it is offered): the cadence it subscribes at,
    /// the product's default, so the widget subscribes in one request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribe_interval: Option<Interval>,
}

crate::wire::wire_names!(ReasonCode {
    DueSoon = "due_soon",
    FitsWhatYouOwn = "fits_what_you_own",
    BoughtTogether = "bought_together",
    BetterValue = "better_value",
}, other Unknown = "unknown");

crate::wire::wire_names!(RecommendationAction {
    AddToNextDelivery = "add_to_next_delivery",
    AddToCart = "add_to_cart",
    Subscribe = "subscribe",
}, other Unknown = "unknown");

/// Which recommendation a subscribe, an add-once or a swap came from, sent with that
/// request (`NewSubscription::recommendation`, `ChangeRequest::recommendation`). The server
/// counts the recommendation's conversion in the same transaction as the action, so only
/// actions it accepted are conversions; the product is the one the action names.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecommendationSource {
    /// The recommendation's reason (a known one, else 422 at `/recommendation/reason`).
    pub reason: ReasonCode,
    /// Where it was shown: `"product"` or `"account"` (else 422 at
    /// `/recommendation/context`).
    pub context: String,
}

/// Body of `GET /api/v1/recommendations`: at most [`MAX_RECOMMENDATIONS`], best first.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recommendations {
    pub items: Vec<Recommendation>,
}

/// Most recommendations one answer holds.
pub const MAX_RECOMMENDATIONS: usize = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UiEventKind {
    Impression,
    Click,
    Action,
    #[serde(other)]
    Unknown,
}

// `Unknown` never leaves a client or passes the server's validation; it reads as
// `action` so the name is always one the `ui_events` table accepts.
crate::wire::wire_names!(UiEventKind {
    Impression = "impression",
    Click = "click",
    Action = "action",
}, other Unknown = "action");

/// One thing the shopper saw or did with a recommendation.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UiEvent {
    pub kind: UiEventKind,
    pub sku: String,
    #[serde(default)]
    pub reason: Option<ReasonCode>,
    #[serde(default)]
    pub action: Option<RecommendationAction>,
    /// `"product"` or `"account"`.
    pub context: String,
}

/// Body of `POST /api/v1/events`: at most [`MAX_UI_EVENTS`] events.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UiEvents {
    pub events: Vec<UiEvent>,
}

/// Most events one batch may carry.
pub const MAX_UI_EVENTS: usize = 50;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_snake_case_and_unknowns_decode() {
        let r: ReasonCode = serde_json::from_str("\"fits_what_you_own\"").unwrap();
        assert_eq!(r, ReasonCode::FitsWhatYouOwn);
        let r: ReasonCode = serde_json::from_str("\"trending\"").unwrap();
        assert_eq!(r, ReasonCode::Unknown);
        let a: RecommendationAction = serde_json::from_str("\"add_to_next_delivery\"").unwrap();
        assert_eq!(a, RecommendationAction::AddToNextDelivery);
        let k: UiEventKind = serde_json::from_str("\"hover\"").unwrap();
        assert_eq!(k, UiEventKind::Unknown);
    }
}
