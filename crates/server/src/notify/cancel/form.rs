//! The cancellation and withdrawal pages as maud templates (escaped by default): the form,
//! refilled with field errors beside their fields (`aria-describedby`, `aria-invalid`),
//! and the confirmation with the moment of receipt and its time zone. No script: the pages
//! work with JavaScript off; one stylesheet, hashed into the CSP.

use super::words as w;
use super::{Kind, Outcome, Recorded, Request};
use crate::i18n::{self, Lang};
use crate::notify::pages::html_response;
use crate::notify::render::fill;
use crate::notify::words::Words;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use base64::Engine;
use cadence_contract::Date;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const CSS: &str = "body{margin:0;font:18px/1.5 system-ui,sans-serif;background:#f5f5f2;color:#1d1d1b}\
main{max-width:36rem;margin:5vh auto;padding:2rem;background:#fff;border-radius:8px}\
h1{font-size:1.4rem;margin:0 0 1rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}\
label,legend{display:block;font-weight:600}\
.field{margin:0 0 1.2rem}fieldset{border:0;padding:0;margin:0 0 1.2rem}\
.choice{display:flex;align-items:center;gap:.5rem;margin:.3rem 0}.choice label{font-weight:400}\
input[type=radio]{width:24px;height:24px;margin:0}\
input[type=text],input[type=email],input[type=date],textarea{box-sizing:border-box;width:100%;font:inherit;padding:.5rem;border:1px solid #6b6b66;border-radius:4px;margin-top:.25rem}\
input:focus-visible,textarea:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid #1d1d1b;outline-offset:2px}\
[aria-invalid=true]{border-color:#a4141b;border-width:2px}\
.hint{display:block;color:#4a4a46;font-size:.9rem}.error{display:block;color:#a4141b;font-weight:600;font-size:.95rem}\
.alert{border-left:4px solid #a4141b;padding:.5rem 1rem;color:#a4141b;font-weight:600}\
button{font:inherit;font-weight:600;padding:.7rem 1.4rem;border:0;border-radius:6px;background:#2f5d50;color:#fff;cursor:pointer;min-height:44px}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}\
a{color:#2f5d50}.muted{color:#4a4a46;font-size:.9rem}";

static STYLE_HASH: LazyLock<String> = LazyLock::new(|| {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(CSS.as_bytes()));
    format!("'sha256-{hash}'")
});

/// Nothing may load or run but this stylesheet; the form posts to this origin only.
static CSP: LazyLock<HeaderValue> = LazyLock::new(|| {
    HeaderValue::from_str(&format!(
        "default-src 'none'; style-src {}; img-src data:; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'",
        *STYLE_HASH
    ))
    .expect("a CSP of ASCII is a header value")
});

/// A form field, for its error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Field {
    Name,
    Email,
    Reference,
    Termination,
    Reason,
    Date,
}

/// The form as typed (to refill it) and what is wrong with it.
#[derive(Debug, Default)]
pub(super) struct Typed {
    pub name: String,
    pub email: String,
    pub reference: String,
    pub termination: String,
    pub reason: String,
    pub date: String,
    pub errors: Vec<(Field, &'static Words)>,
}

impl Typed {
    fn error(&self, field: Field) -> Option<&'static Words> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, words)| *words)
    }
}

/// What every page of these shares.
pub(super) struct Frame<'a> {
    pub kind: Kind,
    pub lang: Lang,
    pub shop: &'a str,
}

fn document(frame: &Frame<'_>, title: &str, main: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(frame.lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) " – " (frame.shop) }
                link rel="icon" href="data:,";
                // The constant above, hashed into the CSP: not user data.
                style { (PreEscaped(CSS)) }
            }
            body { main { (main) } }
        }
    }
}

fn path(kind: Kind) -> &'static str {
    match kind {
        Kind::Cancel => "/cancel",
        Kind::Withdraw => "/withdraw",
    }
}

/// One input: its id (and name), type, label and hint.
struct Input<'a> {
    id: &'a str,
    kind: &'a str,
    label: &'a Words,
    hint: Option<&'a Words>,
    /// A date input's earliest day.
    min: Option<String>,
}

/// `input` with its label, hint and error, refilled with `value`.
fn input(lang: Lang, input: Input<'_>, value: &str, error: Option<&Words>) -> Markup {
    let Input {
        id,
        kind,
        label,
        hint,
        min,
    } = input;
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described: Vec<&str> = [
        hint.map(|_| hint_id.as_str()),
        error.map(|_| error_id.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let described = (!described.is_empty()).then(|| described.join(" "));
    html! {
        div class="field" {
            label for=(id) { (label.get(lang)) }
            @if let Some(hint) = hint { span class="hint" id=(hint_id) { (hint.get(lang)) } }
            @if let Some(error) = error { span class="error" id=(error_id) { (error.get(lang)) } }
            @if kind == "textarea" {
                textarea id=(id) name=(id) rows="3" maxlength="2000"
                    aria-describedby=[described.as_deref()]
                    aria-invalid=[error.map(|_| "true")] { (value) }
            } @else {
                input id=(id) name=(id) type=(kind) value=(value) min=[min]
                    autocomplete=[autocomplete(id)]
                    aria-describedby=[described.as_deref()]
                    aria-invalid=[error.map(|_| "true")];
            }
        }
    }
}

/// What a browser may fill a field with (WCAG 1.3.5).
fn autocomplete(id: &str) -> Option<&'static str> {
    match id {
        "name" => Some("name"),
        "email" => Some("email"),
        _ => None,
    }
}

/// The form, empty or refilled, with `note` above it (a failure to record); `days` is
/// the merchant's withdrawal period.
pub(super) fn form(
    frame: &Frame<'_>,
    typed: &Typed,
    note: Option<&Words>,
    today: Date,
    days: u32,
    status: StatusCode,
) -> Response {
    let lang = frame.lang;
    let (title, button) = match frame.kind {
        Kind::Cancel => (&w::CANCEL_TITLE, &w::BUTTON_CANCEL),
        Kind::Withdraw => (&w::WITHDRAW_TITLE, &w::BUTTON_WITHDRAW),
    };
    let action = format!("{}?lang={}", path(frame.kind), lang.tag());
    let extraordinary = typed.termination == "extraordinary";
    let termination_error = typed.error(Field::Termination);
    let main = html! {
        h1 { (title.get(lang)) }
        @if !typed.errors.is_empty() {
            p class="alert" role="alert" { (w::FIX.get(lang)) }
        }
        @if let Some(note) = note {
            p class="alert" role="alert" { (note.get(lang)) }
        }
        p {
            @match frame.kind {
                Kind::Cancel => (w::CANCEL_INTRO.get(lang)),
                Kind::Withdraw => (fill(&w::WITHDRAW_INTRO, lang, &[("days", &days.to_string())])),
            }
        }
        form method="post" action=(action) novalidate {
            (input(lang, text("name", &w::NAME, None), &typed.name, typed.error(Field::Name)))
            (input(lang, Input { kind: "email", ..text("email", &w::EMAIL, Some(&w::EMAIL_HINT)) },
                &typed.email, typed.error(Field::Email)))
            (input(lang, text("reference", &w::REFERENCE, Some(&w::REFERENCE_HINT)),
                &typed.reference, typed.error(Field::Reference)))
            @if frame.kind == Kind::Cancel {
                fieldset aria-describedby=[termination_error.map(|_| "termination-error")] {
                    legend { (w::TERMINATION.get(lang)) }
                    @if let Some(error) = termination_error {
                        span class="error" id="termination-error" { (error.get(lang)) }
                    }
                    div class="choice" {
                        input id="ordinary" type="radio" name="termination" value="ordinary"
                            checked[!extraordinary];
                        label for="ordinary" { (w::ORDINARY.get(lang)) }
                    }
                    div class="choice" {
                        input id="extraordinary" type="radio" name="termination"
                            value="extraordinary" checked[extraordinary];
                        label for="extraordinary" { (w::EXTRAORDINARY.get(lang)) }
                    }
                }
                (input(lang, Input { kind: "textarea", ..text("reason", &w::REASON, None) },
                    &typed.reason, typed.error(Field::Reason)))
                (input(lang, Input {
                    kind: "date",
                    min: Some(today.to_string()),
                    ..text("date", &w::DATE, Some(&w::DATE_HINT))
                }, &typed.date, typed.error(Field::Date)))
            }
            button type="submit" { (button.get(lang)) }
        }
        (other_page(frame))
    };
    let page = document(frame, title.get(lang), main);
    html_response(status, page, CSP.clone())
}

fn text<'a>(id: &'a str, label: &'a Words, hint: Option<&'a Words>) -> Input<'a> {
    Input {
        id,
        kind: "text",
        label,
        hint,
        min: None,
    }
}

/// The link to the other page: withdrawing is a cancel too; cancelling is always possible.
fn other_page(frame: &Frame<'_>) -> Markup {
    let lang = frame.lang;
    let (href, label) = match frame.kind {
        Kind::Cancel => (path(Kind::Withdraw), &w::LINK_WITHDRAW),
        Kind::Withdraw => (path(Kind::Cancel), &w::LINK_CANCEL),
    };
    html! {
        p class="muted" { a href={(href) "?lang=" (lang.tag())} { (label.get(lang)) } }
    }
}

/// The confirmation: what was received, when (with its time zone), and what happened.
pub(super) fn confirmation(
    frame: &Frame<'_>,
    request: &Request,
    recorded: &Recorded,
    moment: &str,
) -> Response {
    let lang = frame.lang;
    let id = recorded.subscription_id.clone().unwrap_or_default();
    let date = |d: Option<Date>| d.map(|d| i18n::long_date(lang, d)).unwrap_or_default();
    let said = |words: &Words, day: Option<Date>| {
        fill(
            words,
            lang,
            &[
                ("id", &id),
                ("date", &date(day)),
                ("at", moment),
                ("shop", frame.shop),
            ],
        )
    };
    let (outcome, follows) = match recorded.outcome {
        Outcome::Cancelled => (
            said(&w::OUTCOME_CANCELLED, recorded.effective_on),
            Some(&w::EMAIL_FOLLOWS),
        ),
        Outcome::Scheduled => (
            said(&w::OUTCOME_SCHEDULED, recorded.effective_on),
            Some(&w::EMAIL_LATER),
        ),
        Outcome::AlreadyCancelled => (said(&w::OUTCOME_ALREADY, recorded.effective_on), None),
        Outcome::Unmatched => (said(&w::OUTCOME_UNMATCHED, None), None),
        Outcome::Withdrawn => (
            said(&w::OUTCOME_WITHDRAWN, recorded.effective_on),
            Some(&w::EMAIL_FOLLOWS),
        ),
        Outcome::OutOfPeriod => (said(&w::OUTCOME_LATE, recorded.period_ends), None),
    };
    let kind = match request.kind {
        Kind::Cancel => &w::KIND_CANCEL,
        Kind::Withdraw => &w::KIND_WITHDRAW,
    };
    let none = w::NONE_GIVEN.get(lang);
    let main = html! {
        h1 { (w::RECEIVED_TITLE.get(lang)) }
        p role="status" { (fill(&w::RECEIVED_AT, lang, &[("at", moment)])) }
        p { (outcome) }
        @if recorded.outcome == Outcome::OutOfPeriod {
            p { a href={"/cancel?lang=" (lang.tag())} { (w::LINK_CANCEL.get(lang)) } }
        }
        @if let Some(follows) = follows { p { (follows.get(lang)) } }
        h2 { (w::YOUR_REQUEST.get(lang)) }
        dl {
            dt { (w::KIND.get(lang)) }
            dd {
                (kind.get(lang))
                @if let Some(termination) = request.termination {
                    " – "
                    @match termination {
                        super::Termination::Ordinary => (w::ORDINARY.get(lang)),
                        super::Termination::Extraordinary => (w::EXTRAORDINARY.get(lang)),
                    }
                }
            }
            @if let Some(reason) = &request.reason { dt { (w::REASON.get(lang)) } dd { (reason) } }
            dt { (w::NAME.get(lang)) } dd { (request.name) }
            dt { (w::EMAIL.get(lang)) } dd { (request.email) }
            dt { (w::REFERENCE.get(lang)) }
            dd { @if request.reference.is_empty() { (none) } @else { (request.reference) } }
            @if request.kind == Kind::Cancel {
                dt { (w::WISHED.get(lang)) }
                dd {
                    @match request.wished_on {
                        Some(day) => (i18n::long_date(lang, day)),
                        None => (w::AT_ONCE.get(lang)),
                    }
                }
            }
            dt { (w::REQUEST_ID.get(lang)) } dd { (recorded.id) }
        }
        p class="muted" { (w::KEEP.get(lang)) }
    };
    let page = document(frame, w::RECEIVED_TITLE.get(lang), main);
    html_response(StatusCode::OK, page, CSP.clone())
}

/// A calm page when the request could not be recorded (the database away): nothing was
/// stored, the form is shown again as typed.
pub(super) fn try_later(frame: &Frame<'_>, typed: &Typed, today: Date, days: u32) -> Response {
    let status = StatusCode::SERVICE_UNAVAILABLE;
    let mut response = form(frame, typed, Some(&w::TRY_LATER), today, days, status);
    response
        .headers_mut()
        .insert("retry-after", HeaderValue::from_static("5"));
    response
}
