//! `cadence:*` DOM events: how the widget talks to the merchant's own code.
//!
//! Events are dispatched on the host element, bubbling and `composed`, so a listener on
//! `document` hears them through the shadow boundary. The detail is a plain object.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, HtmlElement};

/// Builds a plain JS object from string pairs, for an event's `detail`.
pub(crate) fn detail(pairs: &[(&str, JsValue)]) -> JsValue {
    let obj = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&obj, &JsValue::from_str(k), v);
    }
    obj.into()
}

/// Dispatches `cadence:{name}` on `host`. Never throws: a listener's exception stays
/// with the listener (the browser reports it), and a failed construction is ignored.
pub(crate) fn emit(host: &HtmlElement, name: &str, detail: JsValue) {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(&format!("cadence:{name}"), &init) {
        let _ = host.dispatch_event(&event);
    }
}

/// `cadence:error` with a stable machine-readable `code` and a developer-facing message.
pub(crate) fn emit_error(host: &HtmlElement, code: &str, message: &str) {
    emit(
        host,
        "error",
        detail(&[("code", code.into()), ("message", message.into())]),
    );
}

/// `cadence:add-to-cart`: hands a purchase to the shop's own cart. `plan` is
/// `"one_time"` or the chosen interval (`{"count": 4, "unit": "week"}`); `source` names
/// where it was chosen when it was not the purchase options (`"recommendation"`).
pub(crate) fn emit_add_to_cart(
    host: &HtmlElement,
    sku: &str,
    quantity: u32,
    plan: Option<cadence_contract::Interval>,
    source: Option<&str>,
) {
    let plan = match plan {
        Some(interval) => crate::encode::ToJs::to_js(&interval),
        None => JsValue::from_str("one_time"),
    };
    let detail = detail(&[
        ("sku", sku.into()),
        ("quantity", quantity.into()),
        ("plan", plan),
    ]);
    if let Some(source) = source {
        let _ = Reflect::set(&detail, &JsValue::from_str("source"), &source.into());
    }
    emit(host, "add-to-cart", detail);
}
