//! The Cadence widget: the entry points the JS loader calls, and the module map.
//!
//! The loader (`src/loader.js`) instantiates this module once per page, calls [`init`]
//! once, then [`mount`] for every `<cadence-widget>` element that nears the viewport.
//! Everything renders into a container inside the element's shadow root: the widget
//! never writes outside its host element.

pub mod api;
pub mod app;
pub mod config;
pub mod data;
pub mod decode;
pub mod events;
pub mod fetched;
pub mod format;
pub mod i18n;
pub mod id;
pub mod json;
pub mod panic;
pub mod predict;
pub mod telemetry;
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
