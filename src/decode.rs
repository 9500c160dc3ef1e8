//! The contract's response bodies read from `JSON.parse` values (see `json.rs` for why by
//! hand): one `FromJson` per type, field by field, following its serde attributes.
//!
//! Each reader builds its struct with every field named, so a field added to the contract
//! fails to compile here until it is read; the tests below compare every reader with
//! serde_json on the same text.

use crate::json::{Fields, FromJson, JsonError};
use cadence_contract::problem::FieldError;
use cadence_contract::{
    Account, ChangeRecord, ComingPrice, CommunityChoice, Customer, Date, ExtraItem, Interval,
    IntervalUnit, Money, OwnedRoutine, Ownership, Problem, Product, ProductKind, ReasonCode,
    Recommendation, RecommendationAction, Recommendations, Routine, RoutineTask, Subscription,
    SubscriptionOffer, SubscriptionSnapshot, SubscriptionStatus, SwapOption, UpcomingDelivery,
    UsageQuestion,
};
use wasm_bindgen::JsValue;

/// A unit-variant enum read by its wire name, from the contract's one table of names
/// (`wire_names!`). With `else`, a name this widget does not know reads as that variant
/// (the contract's `#[serde(other)]`).
macro_rules! enum_from_json {
    ($t:ident $(else $other:ident)?) => {
        impl FromJson for $t {
            fn from_json(value: &JsValue) -> Result<Self, JsonError> {
                let name = String::from_json(value)?;
                $t::from_wire(&name)
                    $(.or(Some($t::$other)))?
                    .ok_or_else(|| JsonError::expected($t::ONE_OF))
            }
        }
    };
}

enum_from_json!(ProductKind else Unknown);
enum_from_json!(SubscriptionStatus else Unknown);
enum_from_json!(IntervalUnit);
enum_from_json!(ReasonCode else Unknown);
enum_from_json!(RecommendationAction else Unknown);

impl FromJson for Date {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        String::from_json(value)?
            .parse()
            .map_err(|_| JsonError::expected("a date as YYYY-MM-DD"))
    }
}

impl FromJson for Money {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(Money {
            amount_minor: f.req("amount_minor")?,
            currency: f.req("currency")?,
        })
    }
}

impl FromJson for Interval {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(Interval {
            count: f.req("count")?,
            unit: f.req("unit")?,
        })
    }
}

impl FromJson for SubscriptionOffer {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(SubscriptionOffer {
            intervals: f.req("intervals")?,
            default_interval: f.req("default_interval")?,
            discount_percent: f.req("discount_percent")?,
            price: f.req("price")?,
        })
    }
}

impl FromJson for UsageQuestion {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(UsageQuestion {
            prompt: f.req("prompt")?,
            unit: f.req("unit")?,
            min: f.req("min")?,
            max: f.req("max")?,
            default: f.req("default")?,
            units_per_use: f.req("units_per_use")?,
        })
    }
}

impl FromJson for Routine {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(Routine {
            name: f.req("name")?,
            every_days: f.req("every_days")?,
            consumable_sku: f.opt("consumable_sku")?,
            consumable_name: f.opt("consumable_name")?,
            consumable_price: f.opt("consumable_price")?,
            guide_url: f.opt("guide_url")?,
        })
    }
}

impl FromJson for CommunityChoice {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(CommunityChoice {
            interval: f.req("interval")?,
            share_percent: f.req("share_percent")?,
            owners: f.req("owners")?,
        })
    }
}

impl FromJson for OwnedRoutine {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(OwnedRoutine {
            routine: f.req("routine")?,
            last_done: f.opt("last_done")?,
            next_due: f.req("next_due")?,
        })
    }
}

impl FromJson for Ownership {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(Ownership {
            model_sku: f.req("model_sku")?,
            model_name: f.req("model_name")?,
            purchased_on: f.req("purchased_on")?,
            routines: f.req("routines")?,
            reminded: f.opt("reminded")?.unwrap_or(false),
        })
    }
}

impl FromJson for Product {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(Product {
            sku: f.req("sku")?,
            name: f.req("name")?,
            kind: f.req("kind")?,
            description: f.req("description")?,
            price: f.req("price")?,
            units_per_pack: f.opt("units_per_pack")?,
            in_stock: f.req("in_stock")?,
            subscription: f.opt("subscription")?,
            usage: f.opt("usage")?,
            routines: f.list("routines")?,
            community: f.opt("community")?,
            ownership: f.opt("ownership")?,
        })
    }
}

impl FromJson for ExtraItem {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(ExtraItem {
            sku: f.req("sku")?,
            name: f.req("name")?,
            quantity: f.req("quantity")?,
            price: f.req("price")?,
        })
    }
}

impl FromJson for UpcomingDelivery {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(UpcomingDelivery {
            date: f.req("date")?,
            skipped: f.req("skipped")?,
            extras: f.list("extras")?,
        })
    }
}

impl FromJson for SwapOption {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(SwapOption {
            sku: f.req("sku")?,
            name: f.req("name")?,
            price: f.req("price")?,
        })
    }
}

impl FromJson for Subscription {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(Subscription {
            id: f.req("id")?,
            sku: f.req("sku")?,
            product_name: f.req("product_name")?,
            quantity: f.req("quantity")?,
            interval: f.req("interval")?,
            status: f.req("status")?,
            next_delivery: f.opt("next_delivery")?,
            price_per_delivery: f.req("price_per_delivery")?,
            version: f.req("version")?,
            upcoming: f.list("upcoming")?,
            allowed_intervals: f.list("allowed_intervals")?,
            swap_options: f.list("swap_options")?,
            paused_until: f.opt("paused_until")?,
            cancelled_on: f.opt("cancelled_on")?,
            reactivate_until: f.opt("reactivate_until")?,
            max_pause_until: f.opt("max_pause_until")?,
            payment_problem: f.opt("payment_problem")?.unwrap_or_default(),
            update_payment_url: f.opt("update_payment_url")?,
            coming_price: f.opt("coming_price")?,
            withdrawable_until: f.opt("withdrawable_until")?,
        })
    }
}

impl FromJson for ComingPrice {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(ComingPrice {
            price_per_delivery: f.req("price_per_delivery")?,
            effective_on: f.req("effective_on")?,
        })
    }
}

impl FromJson for Customer {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(Customer {
            id: f.req("id")?,
            name: f.req("name")?,
        })
    }
}

impl FromJson for Account {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(Account {
            customer: f.req("customer")?,
            subscriptions: f.req("subscriptions")?,
            routines: f.list("routines")?,
        })
    }
}

impl FromJson for RoutineTask {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(RoutineTask {
            routine_id: f.req("routine_id")?,
            name: f.req("name")?,
            model_sku: f.req("model_sku")?,
            model_name: f.req("model_name")?,
            every_days: f.req("every_days")?,
            last_done: f.opt("last_done")?,
            next_due: f.req("next_due")?,
            guide_url: f.opt("guide_url")?,
            reminded: f.opt("reminded")?.unwrap_or(false),
        })
    }
}

impl FromJson for SubscriptionSnapshot {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(SubscriptionSnapshot {
            sku: f.req("sku")?,
            quantity: f.req("quantity")?,
            interval: f.req("interval")?,
            status: f.req("status")?,
            next_delivery: f.opt("next_delivery")?,
            price_per_delivery: f.opt("price_per_delivery")?,
        })
    }
}

impl FromJson for ChangeRecord {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(ChangeRecord {
            at: f.req("at")?,
            actor: f.req("actor")?,
            action: f.req("action")?,
            before: f.opt("before")?,
            after: f.req("after")?,
        })
    }
}

impl FromJson for Recommendation {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(Recommendation {
            sku: f.req("sku")?,
            name: f.req("name")?,
            price: f.req("price")?,
            reason: f.req("reason")?,
            score: f.req("score")?,
            due_on: f.opt("due_on")?,
            owned_model: f.opt("owned_model")?,
            because_of: f.opt("because_of")?,
            saving: f.opt("saving")?,
            actions: f.req("actions")?,
            subscription_id: f.opt("subscription_id")?,
            subscribe_interval: f.opt("subscribe_interval")?,
        })
    }
}

impl FromJson for Recommendations {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(Recommendations {
            items: f.req("items")?,
        })
    }
}

impl FromJson for FieldError {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(FieldError {
            pointer: f.req("pointer")?,
            detail: f.req("detail")?,
        })
    }
}

impl FromJson for Problem {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        let f = Fields::of(value)?;
        Ok(Problem {
            kind: f.opt("type")?.unwrap_or_else(|| "about:blank".to_owned()),
            title: f.req("title")?,
            status: f.req("status")?,
            detail: f.opt("detail")?,
            errors: f.list("errors")?,
            current: f.opt("current")?,
        })
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::json::parse;
    use crate::json::tests::both;
    use cadence_contract::Customer;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn money(amount_minor: i64) -> Money {
        Money::new(amount_minor, "EUR")
    }

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn weeks(count: u16) -> Interval {
        Interval {
            count,
            unit: IntervalUnit::Week,
        }
    }

    /// Serialized by serde_json (as the server does), read back by our reader: every
    /// field, present and non-empty, so a misspelt name or a forgotten field fails.
    fn round_trip<T: FromJson + serde::Serialize + PartialEq + core::fmt::Debug>(value: T) {
        let text = serde_json::to_string(&value).unwrap();
        assert_eq!(parse::<T>(&text).unwrap(), value, "{text}");
    }

    fn routine() -> Routine {
        Routine {
            name: "Descale".into(),
            every_days: 90,
            consumable_sku: Some("DESCALER".into()),
            consumable_name: Some("Descaler".into()),
            consumable_price: Some(money(899)),
            guide_url: Some("https://example.com/descale".into()),
        }
    }

    fn subscription() -> Subscription {
        Subscription {
            id: "sub_1".into(),
            sku: "CAPS-INTENSO".into(),
            product_name: "Intenso capsules".into(),
            quantity: 2,
            interval: weeks(4),
            status: SubscriptionStatus::Paused,
            next_delivery: Some(date("2026-12-10")),
            price_per_delivery: money(1790),
            version: 7,
            upcoming: vec![UpcomingDelivery {
                date: date("2026-12-10"),
                skipped: true,
                extras: vec![ExtraItem {
                    sku: "DESCALER".into(),
                    name: "Descaler".into(),
                    quantity: 1,
                    price: money(899),
                }],
            }],
            allowed_intervals: vec![
                weeks(2),
                Interval {
                    count: 1,
                    unit: IntervalUnit::Month,
                },
            ],
            swap_options: vec![SwapOption {
                sku: "CAPS-LUNGO".into(),
                name: "Lungo".into(),
                price: money(950),
            }],
            paused_until: Some(date("2027-01-01")),
            cancelled_on: Some(date("2026-11-01")),
            reactivate_until: Some(date("2026-12-01")),
            max_pause_until: Some(date("2027-03-01")),
            payment_problem: true,
            update_payment_url: Some("https://shop.example/account/payment".into()),
            coming_price: Some(ComingPrice {
                price_per_delivery: money(1240),
                effective_on: date("2027-01-15"),
            }),
            withdrawable_until: Some(date("2026-11-10")),
        }
    }

    #[wasm_bindgen_test]
    fn every_field_of_every_response_reads_as_serde_wrote_it() {
        round_trip(Product {
            sku: "MACHINE-1".into(),
            name: "Espresso machine".into(),
            kind: ProductKind::Durable,
            description: "Makes coffee".into(),
            price: money(29900),
            units_per_pack: Some(10),
            in_stock: true,
            subscription: Some(SubscriptionOffer {
                intervals: vec![weeks(2), weeks(4)],
                default_interval: weeks(4),
                discount_percent: 10,
                price: money(-5),
            }),
            usage: Some(UsageQuestion {
                prompt: "Cups a day?".into(),
                unit: "cups".into(),
                min: 1,
                max: 12,
                default: 2,
                units_per_use: 1,
            }),
            routines: vec![routine()],
            community: Some(CommunityChoice {
                interval: weeks(3),
                share_percent: 40,
                owners: 12,
            }),
            ownership: Some(Ownership {
                model_sku: "MACHINE-1".into(),
                model_name: "Espresso machine".into(),
                purchased_on: date("2025-02-28"),
                routines: vec![OwnedRoutine {
                    routine: routine(),
                    last_done: Some(date("2026-09-01")),
                    next_due: date("2026-12-01"),
                }],
                reminded: true,
            }),
        });
        round_trip(Account {
            customer: Customer {
                id: "c1".into(),
                name: "Ada".into(),
            },
            subscriptions: vec![subscription()],
            routines: vec![RoutineTask {
                routine_id: "7".into(),
                name: "Descale".into(),
                model_sku: "MACHINE-1".into(),
                model_name: "Espresso machine".into(),
                every_days: 90,
                last_done: Some(date("2026-09-01")),
                next_due: date("2026-11-30"),
                guide_url: Some("/guides/descaling".into()),
                reminded: true,
            }],
        });
        round_trip(Recommendations {
            items: vec![Recommendation {
                sku: "DESCALER".into(),
                name: "Descaler".into(),
                price: money(899),
                reason: ReasonCode::BetterValue,
                score: 80,
                due_on: Some(date("2026-12-24")),
                owned_model: Some("Espresso machine".into()),
                because_of: Some("Intenso capsules".into()),
                saving: Some(money(100)),
                actions: vec![
                    RecommendationAction::AddToNextDelivery,
                    RecommendationAction::AddToCart,
                    RecommendationAction::Subscribe,
                ],
                subscription_id: Some("sub_1".into()),
                subscribe_interval: Some(weeks(6)),
            }],
        });
        let snapshot = SubscriptionSnapshot {
            sku: "CAPS-INTENSO".into(),
            quantity: 1,
            interval: weeks(4),
            status: SubscriptionStatus::Active,
            next_delivery: Some(date("2026-12-10")),
            price_per_delivery: Some(money(1100)),
        };
        round_trip(vec![ChangeRecord {
            at: "2026-11-23T10:00:00Z".into(),
            actor: "customer".into(),
            action: "set_quantity".into(),
            before: Some(snapshot.clone()),
            after: SubscriptionSnapshot {
                quantity: 2,
                status: SubscriptionStatus::Cancelled,
                ..snapshot
            },
        }]);
        round_trip(Problem {
            kind: "https://cadence.example/problems/stale".into(),
            title: "Precondition failed".into(),
            status: 412,
            detail: Some("changed elsewhere".into()),
            errors: vec![FieldError {
                pointer: "/quantity".into(),
                detail: "at most 20".into(),
            }],
            current: Some(Box::new(subscription())),
        });
    }

    #[wasm_bindgen_test]
    fn absent_options_unknown_fields_and_newer_enum_values_read_as_serde_reads_them() {
        let product: Product = both(
            r#"{"sku":"X","name":"N","kind":"bundle","description":"","in_stock":false,
                "price":{"amount_minor":100,"currency":"EUR","cents":1},"later_field":[1]}"#,
        );
        assert_eq!(product.kind, ProductKind::Unknown);
        assert_eq!(product.routines, vec![]);
        let subscription: Subscription = both(
            r#"{"id":"s","sku":"X","product_name":"N","quantity":1,"status":"on_hold",
                "interval":{"count":1,"unit":"month"},"version":3,
                "price_per_delivery":{"amount_minor":0,"currency":"EUR"}}"#,
        );
        assert_eq!(subscription.status, SubscriptionStatus::Unknown);
        assert_eq!(subscription.next_delivery, None);
        let problem: Problem = both(r#"{"title":"Not Found","status":404}"#);
        assert_eq!(problem.kind, "about:blank");
        // A customer who owns no machine: no `routines` at all.
        let account: Account = both(r#"{"customer":{"id":"c","name":"C"},"subscriptions":[]}"#);
        assert_eq!(account.routines, vec![]);
        let reco: Recommendations = both(
            r#"{"items":[{"sku":"A","name":"A","price":{"amount_minor":1,"currency":"EUR"},
                "reason":"trending","score":1,"actions":["gift_wrap","add_to_cart"]}]}"#,
        );
        assert_eq!(reco.items[0].reason, ReasonCode::Unknown);
        assert_eq!(
            reco.items[0].actions,
            vec![
                RecommendationAction::Unknown,
                RecommendationAction::AddToCart
            ]
        );
    }

    #[wasm_bindgen_test]
    fn what_the_contract_forbids_is_refused_with_where_and_why() {
        let refused = |text: &str| {
            assert!(
                serde_json::from_str::<Subscription>(text).is_err(),
                "serde: {text}"
            );
            parse::<Subscription>(text).unwrap_err().0
        };
        let base = r#""id":"s","sku":"X","product_name":"N","quantity":1,"status":"active","version":3,"price_per_delivery":{"amount_minor":0,"currency":"EUR"}"#;
        assert_eq!(
            refused(&format!(
                r#"{{{base},"interval":{{"count":1,"unit":"fortnight"}}}}"#
            )),
            "interval.unit: expected one of day week month"
        );
        assert_eq!(
            refused(&format!(
                r#"{{{base},"interval":{{"count":0.5,"unit":"day"}}}}"#
            )),
            "interval.count: expected a whole number in range"
        );
        assert_eq!(
            refused(&format!(
                r#"{{{base},"interval":{{"count":1,"unit":"day"}},"next_delivery":"2026-02-30"}}"#
            )),
            "next_delivery: expected a date as YYYY-MM-DD"
        );
        assert_eq!(refused(&format!("{{{base}}}")), "missing field `interval`");
        assert_eq!(refused("[]"), "expected an object");
    }
}
