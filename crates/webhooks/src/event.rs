//! The event envelope every webhook carries as its body, and the names of the event types.
//!
//! The shape follows the Standard Webhooks payload recommendation (`type`, `timestamp`,
//! `data`) plus what receivers need to be correct under at-least-once delivery: `id`, to
//! deduplicate (it is also the `webhook-id` header), and `sequence`, to order events of one
//! subscription, since retries can deliver them out of order.

use cadence_contract::Date;
use core::fmt;
use core::str::FromStr;

/// The prefix of every event id.
pub const EVENT_ID_PREFIX: &str = "evt_";

/// What happened. Names are `resource.verb`, hierarchical as the specification
/// recommends, so later families (`notification.*`) fit beside these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventType {
    #[serde(rename = "subscription.created")]
    SubscriptionCreated,
    /// Any change to a subscription; `data` names the change (skip, pause, cancel, …).
    #[serde(rename = "subscription.updated")]
    SubscriptionUpdated,
    #[serde(rename = "order.created")]
    OrderCreated,
    /// An order's outcome changed (paid, payment failed, fulfilled).
    #[serde(rename = "order.updated")]
    OrderUpdated,
    #[serde(rename = "routine.task_done")]
    RoutineTaskDone,
    /// A delivery is a few days away: what ships, when, the price, one-click links.
    #[serde(rename = "notification.delivery_reminder")]
    NotificationDeliveryReminder,
    /// What a shopper agreed to or changed, for a durable record (never opted out of).
    #[serde(rename = "notification.receipt")]
    NotificationReceipt,
    /// A running subscription's yearly reminder (automatic-renewal laws).
    #[serde(rename = "notification.yearly_reminder")]
    NotificationYearlyReminder,
    /// A maintenance task the customer asked to be reminded of is due.
    #[serde(rename = "notification.routine_due")]
    NotificationRoutineDue,
    /// A merchant's price change is announced: old and new price, the date, how to cancel.
    #[serde(rename = "notification.price_change")]
    NotificationPriceChange,
    /// A shopper asked to cancel without signing in (the public cancellation page), matched
    /// to a subscription or not: the request's fields and what came of it.
    #[serde(rename = "cancellation.requested")]
    CancellationRequested,
    /// A shopper asked to withdraw from a new subscription (EU right of withdrawal): the
    /// request's fields and what came of it.
    #[serde(rename = "withdrawal.requested")]
    WithdrawalRequested,
}

impl EventType {
    /// Every type, for the endpoints' event filter and its validation.
    pub const ALL: [EventType; 12] = [
        EventType::SubscriptionCreated,
        EventType::SubscriptionUpdated,
        EventType::OrderCreated,
        EventType::OrderUpdated,
        EventType::RoutineTaskDone,
        EventType::NotificationDeliveryReminder,
        EventType::NotificationReceipt,
        EventType::NotificationYearlyReminder,
        EventType::NotificationRoutineDue,
        EventType::NotificationPriceChange,
        EventType::CancellationRequested,
        EventType::WithdrawalRequested,
    ];

    /// The wire name, as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::SubscriptionCreated => "subscription.created",
            EventType::SubscriptionUpdated => "subscription.updated",
            EventType::OrderCreated => "order.created",
            EventType::OrderUpdated => "order.updated",
            EventType::RoutineTaskDone => "routine.task_done",
            EventType::NotificationDeliveryReminder => "notification.delivery_reminder",
            EventType::NotificationReceipt => "notification.receipt",
            EventType::NotificationYearlyReminder => "notification.yearly_reminder",
            EventType::NotificationRoutineDue => "notification.routine_due",
            EventType::NotificationPriceChange => "notification.price_change",
            EventType::CancellationRequested => "cancellation.requested",
            EventType::WithdrawalRequested => "withdrawal.requested",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is no [`EventType`]; the message suits a problem+json `detail`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown event type {0:?}; expected one of subscription.created subscription.updated \
     order.created order.updated routine.task_done notification.delivery_reminder \
     notification.receipt notification.yearly_reminder notification.routine_due \
     notification.price_change"
)]
pub struct UnknownEventType(pub String);

impl FromStr for EventType {
    type Err = UnknownEventType;
    fn from_str(name: &str) -> Result<Self, UnknownEventType> {
        EventType::ALL
            .into_iter()
            .find(|t| t.as_str() == name)
            .ok_or_else(|| UnknownEventType(name.to_owned()))
    }
}

/// The body of every webhook call: one event. Deduplicate by `id` (a retry or a replay
/// sends the same id again) and order one subscription's events by `sequence`.
//
// (Not in the doc comment, which becomes the OpenAPI description.) `D` is the event's
// data: a typed struct where the server builds it, so the OpenAPI document describes each
// type's payload as `Event<ThatData>`; `serde_json::Value` where only the envelope matters
// (the outbox, the demo receiver). Serialise the event once, when it is written to the
// outbox, and send those bytes on every attempt: the signature covers the exact bytes.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event<D = serde_json::Value> {
    /// `evt_` and 32 lowercase hex digits; the same in the `webhook-id` header and on
    /// every retry and replay, so receivers deduplicate by it.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "evt_5f0c6d0e2b8a4f67a1c9d3e2f4b5a6c7")
    )]
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// When the change happened (not when this attempt was made), RFC 3339 UTC.
    #[cfg_attr(feature = "openapi", schema(example = "2026-11-23T09:41:00Z"))]
    pub timestamp: String,
    /// 1, 2, 3, … per subscription (for `order.*` too: the order's subscription), in the
    /// order the changes committed: a receiver that sees a lower number than it already
    /// applied can ignore it.
    pub sequence: u64,
    pub data: D,
}

impl<D> Event<D> {
    /// An event that happened at `occurred_at` (unix seconds).
    pub fn new(
        id: EventId,
        event_type: EventType,
        occurred_at: i64,
        sequence: u64,
        data: D,
    ) -> Self {
        Event {
            id: id.0,
            event_type,
            timestamp: rfc3339_utc(occurred_at),
            sequence,
            data,
        }
    }
}

/// A fresh event id, `evt_` and 32 lowercase hex digits of 16 random bytes the caller
/// drew. Only letters, digits and `_`, as a `webhook-id` must be.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EventId(String);

impl EventId {
    pub fn from_random(bytes: [u8; 16]) -> Self {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        EventId(format!("{EVENT_ID_PREFIX}{hex}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `unix_secs` as RFC 3339 UTC with whole seconds (`2026-11-23T09:41:00Z`), the form the
/// server's clock writes. Instants outside years 1–9999 are clamped to those years' ends.
pub fn rfc3339_utc(unix_secs: i64) -> String {
    const DAY: i64 = 86_400;
    let days = unix_secs.div_euclid(DAY);
    let rem = unix_secs.rem_euclid(DAY);
    match Date::from_days(days) {
        Some(date) => format!(
            "{date}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        ),
        None if unix_secs < 0 => "0001-01-01T00:00:00Z".to_owned(),
        None => "9999-12-31T23:59:59Z".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn type_names_match_serde_and_parse_back() {
        for t in EventType::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), json!(t.as_str()));
            assert_eq!(t.as_str().parse::<EventType>(), Ok(t));
            assert_eq!(
                serde_json::from_value::<EventType>(json!(t.as_str())).unwrap(),
                t
            );
        }
        let err = "subscription.deleted".parse::<EventType>().unwrap_err();
        assert!(err.to_string().contains("\"subscription.deleted\""));
        assert!(err.to_string().contains("routine.task_done"));
    }

    #[test]
    fn the_envelope_has_the_documented_shape() {
        let id = EventId::from_random([0xab; 16]);
        let event = Event::new(
            id,
            EventType::SubscriptionUpdated,
            1_795_426_860,
            3,
            json!({"subscription_id": "sub_1", "change": {"action": "skip"}}),
        );
        let body = serde_json::to_value(&event).unwrap();
        assert_eq!(
            body,
            json!({
                "id": "evt_abababababababababababababababab",
                "type": "subscription.updated",
                "timestamp": "2026-11-23T09:41:00Z",
                "sequence": 3,
                "data": {"subscription_id": "sub_1", "change": {"action": "skip"}},
            })
        );
        let back: Event = serde_json::from_value(body).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn typed_data_round_trips() {
        #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        struct TaskDone {
            task: String,
        }
        let event = Event::new(
            EventId::from_random([1; 16]),
            EventType::RoutineTaskDone,
            0,
            1,
            TaskDone {
                task: "descale".into(),
            },
        );
        let text = serde_json::to_string(&event).unwrap();
        assert_eq!(
            serde_json::from_str::<Event<TaskDone>>(&text).unwrap(),
            event
        );
    }

    /// What the server's OpenAPI document gets for one event type's payload.
    #[cfg(feature = "openapi")]
    #[test]
    fn the_openapi_schema_describes_the_envelope() {
        #[derive(utoipa::ToSchema)]
        #[allow(dead_code)]
        struct TaskDone {
            task: String,
        }
        let schema = <Event<TaskDone> as utoipa::PartialSchema>::schema();
        let schema = serde_json::to_value(schema).unwrap();
        assert_eq!(
            schema["required"],
            json!(["id", "type", "timestamp", "sequence", "data"])
        );
        assert_eq!(
            schema["properties"]["type"]["$ref"],
            "#/components/schemas/EventType"
        );
        assert_eq!(
            schema["properties"]["data"]["$ref"],
            "#/components/schemas/TaskDone"
        );
        // The description is for merchants: no notes for the dispatcher's author.
        assert!(!schema["description"].as_str().unwrap().contains("outbox"));
    }

    #[test]
    fn event_ids_are_valid_webhook_ids() {
        let id = EventId::from_random([0x0f; 16]);
        assert_eq!(id.as_str().len(), 4 + 32);
        assert!(crate::signature::is_valid_msg_id(id.as_str()));
        assert_ne!(id, EventId::from_random([0xf0; 16]));
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339_utc(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339_utc(i64::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339_utc(i64::MIN), "0001-01-01T00:00:00Z");
    }
}
