//! `Fetched`: data a task fetches into a signal, the primitive the data facade
//! (`data.rs`) hands to views: `None` while loading, then the outcome; `reload` for
//! "Try again".

use crate::api::ApiError;
use leptos::prelude::*;

/// Data a task fetches into a signal: `None` while loading, then the outcome; `reload`
/// fetches again, and only the latest fetch's outcome is kept.
///
/// Not a `LocalResource`: Leptos's async machinery (`AsyncDerived`, its transitions, locks
/// and wakers) was compiled in per value type, and none of it is needed to show one
/// answer at a time (measured: 9 KB brotli of the product module, 10 KB of the account's).
pub(crate) struct Fetched<T: Send + Sync + 'static> {
    state: RwSignal<Option<Result<T, ApiError>>>,
    start: StoredValue<Box<dyn Fn()>, LocalStorage>,
}

impl<T: Send + Sync + 'static> Clone for Fetched<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Fetched<T> {}

impl<T: Clone + Send + Sync + 'static> Fetched<T> {
    pub(crate) fn new<Fut>(fetch: impl Fn() -> Fut + 'static) -> Self
    where
        Fut: std::future::Future<Output = Result<T, ApiError>> + 'static,
    {
        let state = RwSignal::new(None);
        let latest = std::rc::Rc::new(std::cell::Cell::new(0u32));
        let start = move || {
            let this_fetch = latest.get().wrapping_add(1);
            latest.set(this_fetch);
            let _ = state.try_set(None);
            let (answer, latest) = (fetch(), latest.clone());
            leptos::task::spawn_local(async move {
                let outcome = answer.await;
                // A reload started meanwhile: its answer is the one to show.
                if latest.get() == this_fetch {
                    // The view may be gone by now (unmounted): then there is nobody to tell.
                    let _ = state.try_set(Some(outcome));
                }
            });
        };
        start();
        Fetched {
            state,
            start: StoredValue::new_local(Box::new(start)),
        }
    }

    /// The outcome so far (tracked): `None` while loading.
    pub(crate) fn get(&self) -> Option<Result<T, ApiError>> {
        self.state.get()
    }

    /// Fetches again (the notices' "Try again").
    pub(crate) fn reload(&self) {
        let _ = self.start.try_with_value(|start| start());
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::Fetched;
    use crate::api::ApiError;
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::JsValue;
    use wasm_bindgen_futures::JsFuture;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// Resolves after the tasks queued so far (spawned futures included) have run.
    async fn next_task() {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            let _ = web_sys::window()
                .unwrap()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        });
        JsFuture::from(promise).await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn fetched_shows_loading_then_the_outcome_and_only_the_latest_reload_wins() {
        // Each fetch waits on a promise the test resolves by hand, in any order.
        let pending: Rc<RefCell<Vec<js_sys::Function>>> = Rc::default();
        let calls = pending.clone();
        // Made inside a mounted view, as the widget's are: mounting starts Leptos's executor.
        let made = Rc::new(RefCell::new(None));
        let slot = made.clone();
        let host = web_sys::window()
            .unwrap()
            .document()
            .unwrap()
            .create_element("div")
            .unwrap();
        let _mounted =
            leptos::mount::mount_to(wasm_bindgen::JsCast::unchecked_into(host), move || {
                *slot.borrow_mut() = Some(make(calls));
            });
        let fetched: Fetched<u32> = made.borrow().unwrap();
        fn make(calls: Rc<RefCell<Vec<js_sys::Function>>>) -> Fetched<u32> {
            Fetched::new(move || {
                let promise =
                    js_sys::Promise::new(&mut |resolve, _| calls.borrow_mut().push(resolve));
                async move {
                    let value = JsFuture::from(promise).await.unwrap();
                    match value.as_f64() {
                        Some(n) => Ok(n as u32),
                        None => Err(ApiError::Network("refused".into())),
                    }
                }
            })
        }
        assert_eq!(fetched.get(), None, "loading");
        let resolve = |i: usize, value: JsValue| {
            pending.borrow()[i].call1(&JsValue::NULL, &value).unwrap();
        };
        resolve(0, JsValue::NULL);
        next_task().await;
        assert_eq!(
            fetched.get(),
            Some(Err(ApiError::Network("refused".into())))
        );

        fetched.reload();
        assert_eq!(fetched.get(), None, "loading again");
        fetched.reload();
        assert_eq!(pending.borrow().len(), 3, "one fetch per load");
        // The newest answers first; the older one, arriving late, is dropped.
        resolve(2, JsValue::from(2));
        next_task().await;
        resolve(1, JsValue::from(1));
        next_task().await;
        assert_eq!(fetched.get(), Some(Ok(2)));
    }
}
