//! The contract's request bodies (and the interval in event details) written as plain JS
//! objects, for the browser's `JSON.stringify`: the mirror of `decode.rs`.
//!
//! Why not serde_json: its serializer (escaping, integer printing, the internally tagged
//! and flattened change body's serializers) was compiled into both modules for four small
//! bodies; an object here is a few `Reflect.set` calls. The tests hold every writer to
//! what serde_json writes for the same value (field names and order, absent options left
//! out as `skip_serializing_if` does), so the server reads exactly what it always read.

use crate::events::detail;
use cadence_contract::{
    ChangeRequest, Interval, NewSubscription, RecommendationSource, SubscriptionChange,
};
use js_sys::{Reflect, JSON};
use wasm_bindgen::JsValue;

/// A contract type as the JS value serde_json's JSON would parse to.
pub(crate) trait ToJs {
    fn to_js(&self) -> JsValue;
}

/// The JSON text of `value`.
pub(crate) fn to_string<T: ToJs>(value: &T) -> Option<String> {
    JSON::stringify(&value.to_js()).ok()?.as_string()
}

/// Adds `key` to `object` (after those already there, as serde orders them).
fn put(object: &JsValue, key: &str, value: JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), &value);
}

/// Adds `key` when there is a value: `skip_serializing_if = "Option::is_none"`.
fn put_some<T: ToJs>(object: &JsValue, key: &str, value: &Option<T>) {
    if let Some(value) = value {
        put(object, key, value.to_js());
    }
}

impl ToJs for Interval {
    fn to_js(&self) -> JsValue {
        detail(&[
            ("count", self.count.into()),
            ("unit", self.unit.as_str().into()),
        ])
    }
}

impl ToJs for RecommendationSource {
    fn to_js(&self) -> JsValue {
        detail(&[
            ("reason", self.reason.as_str().into()),
            ("context", self.context.as_str().into()),
        ])
    }
}

impl ToJs for NewSubscription {
    fn to_js(&self) -> JsValue {
        let object = detail(&[
            ("sku", self.sku.as_str().into()),
            ("quantity", self.quantity.into()),
            ("interval", self.interval.to_js()),
        ]);
        put_some(&object, "recommendation", &self.recommendation);
        object
    }
}

/// Internally tagged (`action`), with `via` and `recommendation` flattened beside it.
impl ToJs for ChangeRequest {
    fn to_js(&self) -> JsValue {
        use SubscriptionChange as C;
        let object = detail(&[("action", self.change.action().into())]);
        match &self.change {
            C::Skip { date }
            | C::Unskip { date }
            | C::PauseUntil { date }
            | C::Reschedule { date } => put(&object, "date", date.to_string().into()),
            C::PauseFor { deliveries } => put(&object, "deliveries", (*deliveries).into()),
            C::SetInterval { interval } => put(&object, "interval", interval.to_js()),
            C::SetQuantity { quantity } => put(&object, "quantity", (*quantity).into()),
            C::Swap { sku } => put(&object, "sku", sku.as_str().into()),
            C::Cancel { reason } => {
                if let Some(reason) = reason {
                    put(&object, "reason", reason.as_str().into());
                }
            }
            C::AddOnce { sku, quantity } => {
                put(&object, "sku", sku.as_str().into());
                put(&object, "quantity", (*quantity).into());
            }
            C::Pause | C::Resume | C::ShipNow | C::Reactivate => {}
        }
        if let Some(via) = self.via {
            put(&object, "via", via.as_str().into());
        }
        put_some(&object, "recommendation", &self.recommendation);
        object
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use cadence_contract::{CancelReason, ChangeVia, Date, ReasonCode};
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// Our text is serde_json's text, byte for byte (the same names, order and numbers).
    fn same<T: ToJs + serde::Serialize>(value: &T) {
        assert_eq!(
            to_string(value).unwrap(),
            serde_json::to_string(value).unwrap()
        );
    }

    fn source() -> Option<RecommendationSource> {
        Some(RecommendationSource {
            reason: ReasonCode::DueSoon,
            context: "account \"quoted\" é".into(),
        })
    }

    #[wasm_bindgen_test]
    fn every_body_is_what_serde_json_writes() {
        let date: Date = "2026-12-03".parse().unwrap();
        let interval = Interval::weeks(4);
        for recommendation in [None, source()] {
            same(&NewSubscription {
                sku: "CAPS \"Intenso\" <b>".into(),
                quantity: 20,
                interval,
                recommendation,
            });
        }
        let changes = [
            SubscriptionChange::Skip { date },
            SubscriptionChange::Unskip { date },
            SubscriptionChange::Pause,
            SubscriptionChange::PauseFor { deliveries: 6 },
            SubscriptionChange::PauseUntil { date },
            SubscriptionChange::Resume,
            SubscriptionChange::Reschedule { date },
            SubscriptionChange::ShipNow,
            SubscriptionChange::SetInterval { interval },
            SubscriptionChange::SetQuantity { quantity: 3 },
            SubscriptionChange::Swap {
                sku: "LUNGO".into(),
            },
            SubscriptionChange::Cancel { reason: None },
            SubscriptionChange::Cancel {
                reason: Some(CancelReason::TryingSomethingElse),
            },
            SubscriptionChange::Reactivate,
            SubscriptionChange::AddOnce {
                sku: "KIT".into(),
                quantity: 2,
            },
        ];
        for change in changes {
            for (via, recommendation) in [
                (None, None),
                (Some(ChangeVia::CancelOffer), None),
                (None, source()),
            ] {
                same(&ChangeRequest {
                    change: change.clone(),
                    via,
                    recommendation,
                });
            }
        }
        same(&interval);
    }
}
