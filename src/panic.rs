//! The panic hook: a panic reports to the loader, which swaps every widget on the page
//! for its calm fallback message and emits `cadence:error`; the page itself is untouched.

use std::cell::RefCell;
use wasm_bindgen::JsValue;

thread_local! {
    static ON_PANIC: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
}

pub(crate) fn install(on_panic: js_sys::Function) {
    ON_PANIC.with(|slot| *slot.borrow_mut() = Some(on_panic));
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        web_sys::console::error_1(&JsValue::from_str(&format!("cadence: {message}")));
        // `try_with`/`try_borrow`: a panic while the slot is busy must not panic again.
        let _ = ON_PANIC.try_with(|slot| {
            if let Ok(slot) = slot.try_borrow() {
                if let Some(callback) = slot.as_ref() {
                    let _ = callback.call1(&JsValue::NULL, &JsValue::from_str(&message));
                }
            }
        });
    }));
}
