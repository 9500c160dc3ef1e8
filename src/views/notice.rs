//! Loading skeletons (the final size, so nothing shifts) and the calm error notice.

use crate::i18n::{t, Key, Locale};
use leptos::prelude::*;

/// A placeholder with the loaded view's footprint; `lines` rows of shimmer.
#[component]
#[allow(unreachable_pub, reason = "#[component] makes the props builder pub")]
pub(crate) fn Skeleton(locale: Locale, lines: usize) -> impl IntoView {
    view! {
        <div class="cad-skeleton" aria-busy="true">
            <span class="cad-visually-hidden" role="status">
                {t(locale, Key::Loading)}
            </span>
            {(0..lines).map(|_| view! { <div class="cad-skeleton-line"></div> }).collect_view()}
        </div>
    }
}

/// An announced error message with an optional retry button.
#[component]
#[allow(unreachable_pub, reason = "#[component] makes the props builder pub")]
pub(crate) fn Notice(
    locale: Locale,
    message: &'static str,
    retry: Option<Callback<()>>,
) -> impl IntoView {
    view! {
        <div class="cad-notice" part="error" role="alert">
            <p class="cad-notice-title">{t(locale, Key::ErrorTitle)}</p>
            <p>{message}</p>
            {retry
                .map(|retry| {
                    view! {
                        <button
                            type="button"
                            class="cad-button"
                            part="button"
                            on:click=move |_| retry.run(())
                        >
                            {t(locale, Key::Retry)}
                        </button>
                    }
                })}
        </div>
    }
}
