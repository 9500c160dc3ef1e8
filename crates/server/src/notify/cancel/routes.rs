//! `GET`/`POST /cancel` and `/withdraw`: the form, its checks (a 422 page refilled, with
//! each error beside its field, and nothing stored), and the confirmation. No token, no
//! script; the language is `?lang=` when it is ours, else the browser's.

use super::form::{self, Field, Frame, Typed};
use super::words as w;
use super::{Kind, Request, Termination};
use crate::app::AppState;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::notify::settings;
use crate::selfservice::At;
use axum::extract::rejection::FormRejection;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use cadence_contract::Date;
use serde::Deserialize;

/// The furthest ahead a wished date may be: three years.
const MAX_DAYS_AHEAD: i64 = 3 * 366;

/// `/cancel` and `/withdraw`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cancel", get(ask_cancel).post(send_cancel))
        .route("/withdraw", get(ask_withdraw).post(send_withdraw))
}

/// The form's fields as posted; absent ones are empty.
#[derive(Default, Deserialize)]
struct Sent {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    termination: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    date: String,
}

/// The page's language, the shop's name and the withdrawal period.
struct Context {
    lang: Lang,
    shop: String,
    days: u32,
}

async fn context(state: &AppState, query: Option<&str>, headers: &HeaderMap) -> Context {
    let asked = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("lang="))
        .and_then(Lang::of_tag);
    let browser = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or(Lang::En, Lang::from_accept_language);
    let lang = asked.unwrap_or(browser);
    let found = state
        .db
        .read(|conn| Ok::<_, ApiError>(settings::load(conn)?))
        .await;
    let (shop, days) = match found {
        Ok(s) => (s.brand.name, s.withdrawal_days),
        Err(_) => (String::new(), settings::MIN_WITHDRAWAL_DAYS),
    };
    Context { lang, shop, days }
}

async fn ask(state: AppState, kind: Kind, query: Option<String>, headers: HeaderMap) -> Response {
    let c = context(&state, query.as_deref(), &headers).await;
    let frame = Frame {
        kind,
        lang: c.lang,
        shop: &c.shop,
    };
    form::form(
        &frame,
        &Typed::default(),
        None,
        state.clock.today(),
        c.days,
        StatusCode::OK,
    )
}

async fn ask_cancel(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    ask(state, Kind::Cancel, query, headers).await
}

async fn ask_withdraw(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    ask(state, Kind::Withdraw, query, headers).await
}

async fn send_cancel(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    sent: Result<Form<Sent>, FormRejection>,
) -> Response {
    send(state, Kind::Cancel, query, headers, sent).await
}

async fn send_withdraw(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    sent: Result<Form<Sent>, FormRejection>,
) -> Response {
    send(state, Kind::Withdraw, query, headers, sent).await
}

/// Checks what was sent: the request, or the form as typed with its errors.
fn check(kind: Kind, sent: Sent, lang: Lang, today: Date) -> Result<Request, Box<Typed>> {
    let mut typed = Typed {
        name: sent.name.trim().to_owned(),
        email: sent.email.trim().to_owned(),
        reference: sent.reference.trim().to_owned(),
        termination: sent.termination.trim().to_owned(),
        reason: sent.reason.trim().to_owned(),
        date: sent.date.trim().to_owned(),
        errors: Vec::new(),
    };
    let printable = |s: &str| !s.chars().any(char::is_control);
    let chars = |s: &str| s.chars().count();
    if typed.name.is_empty() || chars(&typed.name) > 200 || !printable(&typed.name) {
        typed.errors.push((Field::Name, &w::ERR_NAME));
    }
    if !crate::admin::checks::email_ok(&typed.email) {
        typed.errors.push((Field::Email, &w::ERR_EMAIL));
    }
    if chars(&typed.reference) > 100 || !printable(&typed.reference) {
        typed.errors.push((Field::Reference, &w::ERR_REFERENCE));
    }
    let termination = match (kind, typed.termination.as_str()) {
        (Kind::Withdraw, _) => None,
        (Kind::Cancel, "" | "ordinary") => Some(Termination::Ordinary),
        (Kind::Cancel, "extraordinary") => Some(Termination::Extraordinary),
        (Kind::Cancel, _) => {
            typed.errors.push((Field::Termination, &w::ERR_TERMINATION));
            None
        }
    };
    // Line breaks are fine in a reason; other control characters are not.
    let reason_ok = !typed
        .reason
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r');
    if kind == Kind::Cancel && (chars(&typed.reason) > 2000 || !reason_ok) {
        typed.errors.push((Field::Reason, &w::ERR_REASON));
    }
    let wished_on = match (kind, typed.date.as_str()) {
        (Kind::Withdraw, _) | (Kind::Cancel, "") => None,
        (Kind::Cancel, text) => {
            let last = today.add_days(MAX_DAYS_AHEAD).unwrap_or(today);
            match text.parse::<Date>() {
                Ok(day) if day >= today && day <= last => Some(day),
                _ => {
                    typed.errors.push((Field::Date, &w::ERR_DATE));
                    None
                }
            }
        }
    };
    if !typed.errors.is_empty() {
        return Err(Box::new(typed));
    }
    Ok(Request {
        kind,
        termination,
        reason: (kind == Kind::Cancel && !typed.reason.is_empty()).then(|| typed.reason.clone()),
        name: typed.name,
        email: typed.email,
        reference: typed.reference,
        wished_on,
        lang,
    })
}

async fn send(
    state: AppState,
    kind: Kind,
    query: Option<String>,
    headers: HeaderMap,
    sent: Result<Form<Sent>, FormRejection>,
) -> Response {
    let c = context(&state, query.as_deref(), &headers).await;
    let frame = Frame {
        kind,
        lang: c.lang,
        shop: &c.shop,
    };
    let today = state.clock.today();
    let sent = sent.map(|Form(sent)| sent).unwrap_or_default();
    let request = match check(kind, sent, c.lang, today) {
        Ok(request) => request,
        Err(typed) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return form::form(&frame, &typed, None, today, c.days, status);
        }
    };
    let at = At {
        today,
        now: state.clock.timestamp(),
        unix: state.clock.unix_seconds(),
    };
    let cap = state.limits.max_subscriptions_per_customer;
    let asked = request.clone();
    let recorded = state
        .db
        .write(move |tx| super::record(tx, &asked, &at, cap))
        .await;
    match recorded {
        Ok(recorded) => {
            let zone = jiff::tz::TimeZone::get(&recorded.zone).unwrap_or(jiff::tz::TimeZone::UTC);
            let moment = crate::notify::store::moment_text(
                c.lang,
                recorded.received_at,
                &zone,
                &recorded.zone,
            )
            .unwrap_or_default();
            form::confirmation(&frame, &request, &recorded, &moment)
        }
        Err(e) => {
            tracing::warn!(error = %e, "a cancellation request could not be recorded");
            let typed = Typed {
                name: request.name,
                email: request.email,
                reference: request.reference,
                termination: request
                    .termination
                    .map(|t| t.as_str().to_owned())
                    .unwrap_or_default(),
                reason: request.reason.unwrap_or_default(),
                date: request.wished_on.map(|d| d.to_string()).unwrap_or_default(),
                errors: Vec::new(),
            };
            form::try_later(&frame, &typed, today, c.days)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(name: &str, email: &str, date: &str) -> Sent {
        Sent {
            name: name.into(),
            email: email.into(),
            date: date.into(),
            ..Sent::default()
        }
    }

    #[test]
    fn each_bad_field_is_named_and_good_ones_pass() {
        let today: Date = "2026-03-15".parse().unwrap();
        let fields = |s: Sent| match check(Kind::Cancel, s, Lang::En, today) {
            Ok(_) => vec![],
            Err(typed) => typed.errors.into_iter().map(|(f, _)| f).collect(),
        };
        assert_eq!(fields(sent("Ada", "ada@example.com", "")), vec![]);
        assert_eq!(fields(sent("Ada", "ada@example.com", "2026-04-01")), vec![]);
        assert_eq!(
            fields(sent("", "nope", "2026-03-14")),
            vec![Field::Name, Field::Email, Field::Date]
        );
        assert_eq!(
            fields(sent("Ada", "ada@example.com", "2099-01-01")),
            vec![Field::Date]
        );
        let odd = Sent {
            termination: "sometimes".into(),
            ..sent("Ada", "ada@example.com", "")
        };
        assert_eq!(fields(odd), vec![Field::Termination]);
        let request = check(
            Kind::Withdraw,
            sent(" Ada ", "ada@example.com", "garbage"),
            Lang::De,
            today,
        )
        .unwrap();
        assert_eq!((request.name.as_str(), request.wished_on), ("Ada", None));
        assert_eq!(request.termination, None);
    }
}
