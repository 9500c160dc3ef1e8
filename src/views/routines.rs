//! The account's maintenance: each task of the shopper's machines with its next due date,
//! a "Mark done" button and a "Remind me" toggle (a message when it falls due). Like a
//! subscription change, the new state shows at once and returns, with the reason, when the
//! server does not record it.
//!
//! A plain function inside the account view's tree rather than a component, and the due
//! date a `String` signal like the view's others: each component and each signal of a new
//! type compiles its own copy of Leptos's machinery into the wasm (measured 0.4 KB brotli).

use super::subscription::failed;
use crate::data::Data;
use crate::format;
use crate::i18n::{t, tf, AccountKey, Locale};
use cadence_contract::RoutineTask;
use leptos::prelude::*;
use leptos::task::spawn_local;

pub(crate) fn maintenance(
    tasks: Vec<RoutineTask>,
    locale: Locale,
    locale_tag: StoredValue<String>,
    data: StoredValue<Data, LocalStorage>,
) -> impl IntoView {
    // One status and one alert for the list, so a screen reader hears each result once,
    // and one change at a time, as on a subscription card.
    let status_text = RwSignal::new(String::new());
    let alert_text = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let date = move |d| format::date(&locale_tag.read_value(), d);
    let due_text = move |d| tf(locale, AccountKey::DueOn, &[("date", &date(d))]);
    let rows = tasks
        .into_iter()
        .map(|task| {
            let RoutineTask {
                routine_id,
                name,
                model_name,
                every_days,
                next_due,
                reminded,
                ..
            } = task;
            let remind_label = format!("{} · {name}", t(locale, AccountKey::RemindMe));
            let reminded = RwSignal::new(reminded);
            let (remind_id, remind_name) = (routine_id.clone(), name.clone());
            let on_remind = move |_| {
                if busy.get_untracked() {
                    return;
                }
                let wanted = !reminded.get_untracked();
                reminded.set(wanted);
                busy.set(true);
                alert_text.set(String::new());
                status_text.set(t(locale, AccountKey::Saving).to_owned());
                let (data, id, task) = (data.get_value(), remind_id.clone(), remind_name.clone());
                spawn_local(async move {
                    match data.routine_remind(&id, wanted).await {
                        Ok(()) => {
                            let key = if wanted {
                                AccountKey::RemindOn
                            } else {
                                AccountKey::RemindOff
                            };
                            status_text.set(tf(locale, key, &[("task", &task)]));
                        }
                        Err(error) => {
                            reminded.set(!wanted);
                            status_text.set(String::new());
                            alert_text.set(failed(locale, &error));
                        }
                    }
                    busy.set(false);
                });
            };
            // The button says what it marks done (the visible words first, as WCAG's
            // label-in-name asks), so a list of "Mark done" buttons is not ambiguous.
            let label = format!("{} · {name}", t(locale, AccountKey::MarkDone));
            let due = RwSignal::new(due_text(next_due));
            let on_click = move |_| {
                if busy.get_untracked() {
                    return;
                }
                let before = due.get_untracked();
                // Shown at once: done today, due one cycle from now.
                if let Some(next) = format::today().and_then(|d| d.add_days(every_days.into())) {
                    due.set(due_text(next));
                }
                busy.set(true);
                alert_text.set(String::new());
                status_text.set(t(locale, AccountKey::Saving).to_owned());
                let (data, id) = (data.get_value(), routine_id.clone());
                spawn_local(async move {
                    match data.routine_done(&id).await {
                        Ok(after) => {
                            status_text.set(tf(
                                locale,
                                AccountKey::DoneTask,
                                &[("task", &after.name), ("date", &date(after.next_due))],
                            ));
                            due.set(due_text(after.next_due));
                        }
                        Err(error) => {
                            due.set(before);
                            status_text.set(String::new());
                            alert_text.set(failed(locale, &error));
                        }
                    }
                    busy.set(false);
                });
            };
            view! {
                <li class="cad-event cad-event-maintenance" data-cadence="task">
                    {name}
                    " · "
                    {model_name}
                    " · "
                    <span data-cadence="due">{move || due.get()}</span>
                    <button
                        type="button"
                        class="cad-button cad-secondary"
                        part="button"
                        data-cadence="mark-done"
                        aria-label=label
                        aria-disabled=move || busy.get().to_string()
                        on:click=on_click
                    >
                        {t(locale, AccountKey::MarkDone)}
                    </button>
                    <button
                        type="button"
                        class="cad-button cad-secondary"
                        part="button"
                        data-cadence="remind"
                        aria-label=remind_label
                        aria-pressed=move || reminded.get().to_string()
                        aria-disabled=move || busy.get().to_string()
                        on:click=on_remind
                    >
                        {t(locale, AccountKey::RemindMe)}
                    </button>
                </li>
            }
        })
        .collect_view();
    view! {
        <section data-cadence="maintenance" aria-labelledby="cad-maintenance-title">
            <h3 class="cad-subheading" id="cad-maintenance-title">
                {t(locale, AccountKey::Maintenance)}
            </h3>
            <ul class="cad-timeline">{rows}</ul>
            <p class="cad-live" role="status" data-cadence="maintenance-announce">
                {move || status_text.get()}
            </p>
            <p class="cad-error" part="error" role="alert" data-cadence="maintenance-alert">
                {move || alert_text.get()}
            </p>
        </section>
    }
}
