//! The Cadence contract: the JSON API's types and the pure domain rules both sides share.
//!
//! Invariant: this crate does no IO and has no platform-specific code, so it compiles for
//! `wasm32-unknown-unknown` (the widget) and natively (the server) and the two cannot drift.
#![warn(unreachable_pub)]

pub mod date;
pub mod interval;
pub mod metrics;
pub mod money;
pub mod plan;
pub mod problem;
pub mod recommend;
pub mod refusal;
pub mod resources;
pub mod schedule;
pub mod selfservice;
mod wire;

// What the crate offers, by name: a new public item is exported on purpose, not by a glob.
pub use date::Date;
pub use interval::{Interval, IntervalUnit};
pub use metrics::{
    ratio, CancelReasonCounts, CancelReasonMetrics, CancelReasonMonth, Engagement, MerchantMetrics,
    RecommendationMetrics, RepurchaseCohort, RepurchaseGroup, RepurchaseMetrics, RepurchaseRate,
    Revocation, SubscriptionCounts, SubscriptionMetrics, SubscriptionMonth, METRICS_MONTHS,
    REPURCHASE_WINDOWS,
};
pub use money::Money;
pub use plan::{
    build_plan, next_due, recommend_interval, CadenceAdvice, CalendarFeed, CommunityChoice,
    OwnedRoutine, Ownership, PlanChoice, PlanEvent, PlanEventKind, Routine, RoutinePlan,
    RoutineTask, TaskDone, UsageQuestion, COMMUNITY_MIN_OWNERS, MAX_PLAN_MONTHS,
};
pub use problem::Problem;
pub use recommend::{
    ReasonCode, Recommendation, RecommendationAction, RecommendationSource, Recommendations,
    UiEvent, UiEventKind, UiEvents, MAX_RECOMMENDATIONS, MAX_UI_EVENTS,
};
pub use refusal::Refusal;
pub use resources::{
    Account, ComingPrice, Customer, NewSubscription, Product, ProductKind, Subscription,
    SubscriptionOffer, SubscriptionStatus, MAX_QUANTITY,
};
pub use schedule::{ChangeError, Rules, Schedule};
pub use selfservice::{
    CancelReason, ChangeRecord, ChangeRequest, ChangeVia, ExtraItem, SubscriptionChange,
    SubscriptionSnapshot, SwapOption, UpcomingDelivery,
};

/// The path prefix every API route lives under; bump only with a new, parallel contract.
pub const API_PREFIX: &str = "/api/v1";
