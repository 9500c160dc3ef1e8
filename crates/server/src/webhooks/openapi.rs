//! The webhooks a merchant's systems receive, in the OpenAPI document: an OpenAPI 3.1
//! `webhooks` section (one `post` per event type: the body schema, the three Standard
//! Webhooks headers, what the answer means) and the payload schemas in `components`.
//!
//! utoipa 5 has no field for `webhooks`; its top-level extensions are written flattened
//! into the document, so the section goes in there under its real name.

use crate::notify::data::NotificationData;
use crate::orders::OrderEventData;
use crate::outbox::SubscriptionEventData;
use crate::routines::RoutineTaskDoneData;
use cadence_webhooks::{Event, EventType};
use serde_json::{json, Value};
use utoipa::openapi::{schema::Schema, OpenApi, RefOr};
use utoipa::{Modify, PartialSchema, ToSchema};

/// The envelope with `subscription.*` data, as a named component.
pub const SUBSCRIPTION_EVENT: &str = "SubscriptionEvent";
/// The envelope with `order.*` data, as a named component.
pub const ORDER_EVENT: &str = "OrderEvent";
/// The envelope with `routine.task_done` data, as a named component.
pub const ROUTINE_TASK_EVENT: &str = "RoutineTaskDoneEvent";
/// The envelope with `notification.*` data, as a named component.
pub const NOTIFICATION_EVENT: &str = "NotificationEvent";
/// The envelope with `notification.routine_due` data, as a named component.
pub const ROUTINE_DUE_EVENT: &str = "RoutineDueEvent";
/// The envelope with `cancellation.requested` and `withdrawal.requested` data.
pub const CANCELLATION_EVENT: &str = "CancellationEvent";
/// The envelope with any data: the types whose data is not described yet.
pub const ANY_EVENT: &str = "Event";

/// Each event type, the component its body follows, and what it means.
const EVENTS: [(EventType, &str, &str); 12] = [
    (
        EventType::SubscriptionCreated,
        SUBSCRIPTION_EVENT,
        "A shopper subscribed. `data.subscription` is the subscription as created.",
    ),
    (
        EventType::SubscriptionUpdated,
        SUBSCRIPTION_EVENT,
        "A subscription changed; `data.change.action` names the change (skip, pause, \
         resume, reschedule, ship now, frequency, quantity, swap, add once, cancel with its \
         reason, reactivate) and `data.subscription` is the subscription after it.",
    ),
    (
        EventType::OrderCreated,
        ORDER_EVENT,
        "A due delivery became an order (the scheduler), or a subscriber shipped now; \
         `data.order` has the merchant's ids, the lines and the total. Charge it and report \
         the outcome (`POST /api/v1/admin/orders/{id}/outcome`).",
    ),
    (
        EventType::OrderUpdated,
        ORDER_EVENT,
        "An order's status changed: the merchant reported paid, payment failed or \
         fulfilled, or a failed payment's retry fell due (`payment_retry_due`, with \
         `data.retry`: charge again). `data.payment_problem` marks the last failure.",
    ),
    (
        EventType::RoutineTaskDone,
        ROUTINE_TASK_EVENT,
        "A maintenance task of a customer's machine was marked done, by the shopper or the \
         merchant (`data.actor`); `data.task` is the task re-planned from `data.done_on`. \
         Its `sequence` counts the customer's routine events.",
    ),
    (
        EventType::NotificationDeliveryReminder,
        NOTIFICATION_EVENT,
        "A delivery is `reminder_days_ahead` days away (the notification settings), at \
         `send_hour` of the customer's day: `data` has the subscription, the date, the price, \
         one-click links (skip, pause, unsubscribe) and the message as Cadence writes it in \
         the customer's language. Sent when the merchant takes this kind as events.",
    ),
    (
        EventType::NotificationReceipt,
        NOTIFICATION_EVENT,
        "A receipt for a subscription made or changed (`data.change`): what was agreed, \
         price, frequency, next date, the moment in the customer's time zone, how to cancel. \
         The law asks for it on a durable medium: send it if Cadence does not.",
    ),
    (
        EventType::NotificationYearlyReminder,
        NOTIFICATION_EVENT,
        "A running subscription's yearly reminder (automatic-renewal laws), on the \
         anniversary of subscribing.",
    ),
    (
        EventType::NotificationRoutineDue,
        ROUTINE_DUE_EVENT,
        "A maintenance task the customer asked to be reminded of is due (at `send_hour` of \
         their day): the task, its guide, the part it needs, one-click links (done, add the \
         part to the next delivery, stop) and the message as Cadence writes it.",
    ),
    (
        EventType::NotificationPriceChange,
        NOTIFICATION_EVENT,
        "A merchant's price change was announced (`POST /api/v1/admin/price-changes`), at \
         least the notice period ahead: `data.price_change` has the price per delivery before \
         and after and the date it applies from; the message says how to cancel before it. \
         A legal notice, never opted out of: send it if Cadence does not.",
    ),
    (
        EventType::CancellationRequested,
        CANCELLATION_EVENT,
        "A shopper asked to cancel on the public cancellation page (`/cancel`, no sign-in: \
         §312k BGB), matched or not: `data` has the fields as typed and `data.outcome` \
         (`cancelled`, `scheduled` for `data.effective_on`, `already_cancelled`, or \
         `unmatched`: Cadence found no subscription for these details, so confirm and act on \
         it yourself). A matched cancel also has its `subscription.updated` and receipt.",
    ),
    (
        EventType::WithdrawalRequested,
        CANCELLATION_EVENT,
        "A shopper withdrew, or asked to, from a new subscription (the EU right of \
         withdrawal: `/withdraw` or the widget): `data.outcome` is `withdrawn` (cancelled at \
         once: refund as the law asks), `out_of_period` (after `data.withdrawal_period_ends`: \
         nothing changed), `already_cancelled` or `unmatched`.",
    ),
];

/// What every webhook call means for its receiver, beside each event's own description.
const DELIVERY: &str = "Signed per Standard Webhooks: verify `webhook-signature` over \
    `{webhook-id}.{webhook-timestamp}.{raw body}` with the endpoint's `whsec_` secret, using \
    any Standard Webhooks library. Delivered at least once: deduplicate by `id` (equal to \
    `webhook-id`; retries and replays repeat it). One subscription's events reach an \
    endpoint one at a time in `sequence` order; a receiver that has applied a higher \
    `sequence` can ignore a lower one.";

fn header(name: &str, description: &str, example: &str) -> Value {
    json!({
        "name": name,
        "in": "header",
        "required": true,
        "description": description,
        "schema": {"type": "string"},
        "example": example,
    })
}

/// The `webhooks` section: one operation per event type.
pub fn webhooks_section() -> Value {
    let headers = [
        header(
            "webhook-id",
            "The event's id, the same on every retry and replay: deduplicate by it.",
            "evt_5f0c6d0e2b8a4f67a1c9d3e2f4b5a6c7",
        ),
        header(
            "webhook-timestamp",
            "Unix seconds of this attempt; refuse calls more than 5 minutes off your clock.",
            "1795426860",
        ),
        header(
            "webhook-signature",
            "`v1,<base64 HMAC-SHA256>`, one per secret, space-separated (two during a secret \
             rotation's overlap window).",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ),
    ];
    let mut section = serde_json::Map::new();
    for (event_type, component, what) in EVENTS {
        let name = event_type.as_str();
        section.insert(
            name.to_owned(),
            json!({"post": {
                "operationId": format!("webhook_{}", name.replace('.', "_")),
                "tags": ["webhooks"],
                "summary": name,
                "description": format!("{what}\n\n{DELIVERY}"),
                "parameters": headers,
                "requestBody": {
                    "required": true,
                    "content": {"application/json": {
                        "schema": {"$ref": format!("#/components/schemas/{component}")},
                    }},
                },
                "responses": {
                    "2XX": {"description": "Received. Answer within 10 seconds; do the work afterwards."},
                    "410": {"description": "Gone: Cadence disables the endpoint and stops sending."},
                    "default": {"description": "Anything else (redirects included: they are not followed) is retried with exponential backoff for 3 days."},
                },
            }}),
        );
    }
    Value::Object(section)
}

/// Adds the payload schemas and the `webhooks` section to the document.
pub struct WebhookDocs;

fn named<T: ToSchema>(out: &mut Vec<(String, RefOr<Schema>)>) {
    out.push((T::name().into_owned(), T::schema()));
    T::schemas(out);
}

impl Modify for WebhookDocs {
    fn modify(&self, openapi: &mut OpenApi) {
        let mut schemas = Vec::new();
        named::<SubscriptionEventData<'static>>(&mut schemas);
        named::<EventType>(&mut schemas);
        type SubscriptionEnvelope = Event<SubscriptionEventData<'static>>;
        schemas.push((
            SUBSCRIPTION_EVENT.to_owned(),
            SubscriptionEnvelope::schema(),
        ));
        SubscriptionEnvelope::schemas(&mut schemas);
        named::<OrderEventData<'static>>(&mut schemas);
        type OrderEnvelope = Event<OrderEventData<'static>>;
        schemas.push((ORDER_EVENT.to_owned(), OrderEnvelope::schema()));
        OrderEnvelope::schemas(&mut schemas);
        named::<RoutineTaskDoneData<'static>>(&mut schemas);
        type RoutineEnvelope = Event<RoutineTaskDoneData<'static>>;
        schemas.push((ROUTINE_TASK_EVENT.to_owned(), RoutineEnvelope::schema()));
        RoutineEnvelope::schemas(&mut schemas);
        named::<crate::notify::routine::RoutineDueData>(&mut schemas);
        type RoutineDueEnvelope = Event<crate::notify::routine::RoutineDueData>;
        schemas.push((ROUTINE_DUE_EVENT.to_owned(), RoutineDueEnvelope::schema()));
        RoutineDueEnvelope::schemas(&mut schemas);
        named::<NotificationData>(&mut schemas);
        type NotificationEnvelope = Event<NotificationData>;
        schemas.push((
            NOTIFICATION_EVENT.to_owned(),
            NotificationEnvelope::schema(),
        ));
        NotificationEnvelope::schemas(&mut schemas);
        named::<crate::notify::cancel::CancellationEventData>(&mut schemas);
        type CancellationEnvelope = Event<crate::notify::cancel::CancellationEventData>;
        schemas.push((
            CANCELLATION_EVENT.to_owned(),
            CancellationEnvelope::schema(),
        ));
        CancellationEnvelope::schemas(&mut schemas);
        schemas.push((ANY_EVENT.to_owned(), Event::<Value>::schema()));
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, schema) in schemas {
            components.schemas.entry(name).or_insert(schema);
        }
        openapi
            .extensions
            .get_or_insert_with(Default::default)
            .insert("webhooks".to_owned(), webhooks_section());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The served document has the section at its top level (OpenAPI 3.1 `webhooks`), and
    /// every body schema it names is in `components`, with the envelope's fields.
    #[test]
    fn the_document_carries_the_webhooks_and_their_schemas() {
        use utoipa::OpenApi as _;
        let doc = serde_json::to_value(crate::openapi::ApiDoc::openapi()).unwrap();
        let webhooks = doc["webhooks"]
            .as_object()
            .expect("a top-level webhooks section");
        assert_eq!(webhooks.len(), EventType::ALL.len());
        for (name, item) in webhooks {
            let target = item["post"]["requestBody"]["content"]["application/json"]["schema"]
                ["$ref"]
                .as_str()
                .unwrap();
            let schema = target.strip_prefix("#/components/schemas/").unwrap();
            let found = &doc["components"]["schemas"][schema];
            assert_eq!(
                found["required"],
                json!(["id", "type", "timestamp", "sequence", "data"]),
                "{name}: {schema}"
            );
        }
        let data = &doc["components"]["schemas"][SUBSCRIPTION_EVENT]["properties"]["data"];
        assert_eq!(data["$ref"], "#/components/schemas/SubscriptionEventData");
        assert!(doc["components"]["schemas"]["ChangeSummary"].is_object());
    }

    #[test]
    fn every_event_type_has_a_webhook_with_its_headers() {
        let section = webhooks_section();
        for t in EventType::ALL {
            let op = &section[t.as_str()]["post"];
            let names: Vec<&str> = op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            assert_eq!(
                names,
                ["webhook-id", "webhook-timestamp", "webhook-signature"]
            );
            assert!(
                op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                    .as_str()
                    .unwrap()
                    .starts_with("#/components/schemas/")
            );
        }
    }
}
