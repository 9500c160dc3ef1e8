//! The Cadence widget: the entry points the JS loader calls, and the module map.
//!
//! The loader (`src/loader.js`) instantiates this module once per page, calls [`init`]
//! once, then [`mount`] for every `<cadence-widget>` element that nears the viewport.
//! Everything renders into a container inside the element's shadow root: the widget
//! never writes outside its host element.
//!
//! Only the entry points below (and `views::after_this_task`, which the browser tests use) are
//! public; everything else is crate-private, so `unreachable_pub` keeps each item's
//! visibility honest and rustc reports code nothing uses.
#![warn(unreachable_pub)]
// A one-view build (each module `dist` ships) compiles the shared modules whole, so the other
// view's parts fall out of use there (the linker drops them); dead code is judged in the
// build with both views, which `cargo xtask test` lints too.
#![cfg_attr(
    not(all(feature = "product-view", feature = "account-view")),
    allow(dead_code)
)]

mod api;
mod app;
mod config;
mod data;
mod decode;
mod encode;
mod events;
mod fetched;
mod format;
mod i18n;
mod id;
mod json;
mod panic;
mod predict;
mod telemetry;
pub mod views;

use std::any::Any;
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

/// Called once by the loader after instantiation: installs the panic hook, which reports
/// through `on_panic(message)` so the loader can replace every widget with its fallback.
#[wasm_bindgen]
pub fn init(on_panic: js_sys::Function) {
    panic::install(on_panic);
}

/// A mounted widget; dropping it (or calling `unmount`) removes the view and its
/// reactive state.
#[wasm_bindgen]
pub struct Mounted {
    _handle: Box<dyn Any>,
}

#[wasm_bindgen]
impl Mounted {
    /// Unmounts the view; the loader calls this when the element leaves the document.
    pub fn unmount(self) {}
}

/// Mounts the widget configured by `host`'s attributes into `container`, an element
/// inside `host`'s shadow root. `default_api` is the API base the loader derived from
/// its own URL, used when the merchant sets no `api` attribute.
#[wasm_bindgen]
pub fn mount(host: HtmlElement, container: HtmlElement, default_api: String) -> Mounted {
    let raw = config::RawConfig::from_host(&host, default_api);
    let handle = leptos::mount::mount_to(container, move || app::App(app::AppProps { host, raw }));
    Mounted {
        _handle: Box::new(handle),
    }
}
