//! The demo shop's `/back-office`: what a merchant's own systems do with Cadence. It shows
//! the webhooks the shop received and verified (`inbox.rs`), the order queue read from
//! `GET /admin/orders` with buttons that report `paid` / `payment_failed` / `fulfilled`,
//! and the demo clock (`POST /admin/demo/clock`), so a visitor can watch a month of
//! deliveries become orders. Forms post to the shop; its server holds the merchant key.

use super::admin_call::{call, CallError};
use super::back_office_page::{self as view, BackOffice};
use super::{error_page, MerchantAccess, ShopState};
use crate::orders::{Order, OrderStatus};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use serde_json::json;

/// How many received webhooks the page lists.
const EVENTS_SHOWN: usize = 30;
/// The statuses that wait for the shop (a fulfilled order is done).
const QUEUED: [OrderStatus; 4] = [
    OrderStatus::Pending,
    OrderStatus::PaymentRetryDue,
    OrderStatus::PaymentFailed,
    OrderStatus::Paid,
];
/// The reason a "Payment failed" button reports (a real shop passes its processor's).
const DEMO_DECLINE: &str = "card_declined (demo back office)";

#[derive(Deserialize)]
struct OrderList {
    orders: Vec<Order>,
}

/// What the last form did, as fixed codes (never text from the URL on the page).
#[derive(Deserialize, Default)]
pub(super) struct Done {
    done: Option<String>,
    days: Option<u32>,
    orders: Option<u64>,
}

impl Done {
    fn note(&self) -> Option<String> {
        Some(match self.done.as_deref()? {
            "paid" => "Reported the order paid.".to_owned(),
            "payment_failed" => {
                "Reported the payment failed: Cadence retries it 1, 2 and 4 days later.".to_owned()
            }
            "fulfilled" => "Reported the order shipped.".to_owned(),
            "clock" => format!(
                "Moved the clock {} days: {} new order(s).",
                self.days.unwrap_or(0),
                self.orders.unwrap_or(0)
            ),
            _ => return None,
        })
    }
}

pub(super) async fn page(State(state): State<ShopState>, Query(done): Query<Done>) -> Response {
    let Some(access) = &state.merchant else {
        return unavailable();
    };
    let orders = match queue(access).await {
        Ok(orders) => orders,
        Err(e) => return super::internal(e),
    };
    let events = state.inbox.latest(EVENTS_SHOWN);
    let html = view::page(&BackOffice {
        today: state.clock.today(),
        note: done.note(),
        orders: &orders,
        events: &events,
        inbox: state.inbox.status(),
        rejected: state.inbox.rejected(),
    });
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(html.into_string()),
    )
        .into_response()
}

/// The webhook list alone, for the page's script to refresh.
pub(super) async fn events(State(state): State<ShopState>) -> Response {
    let html = view::events(
        &state.inbox.latest(EVENTS_SHOWN),
        &state.inbox.status(),
        state.inbox.rejected(),
    );
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(html.into_string()),
    )
        .into_response()
}

/// Orders waiting for the shop, newest first.
async fn queue(access: &MerchantAccess) -> Result<Vec<Order>, CallError> {
    let mut orders = Vec::new();
    for status in QUEUED {
        let path = format!("/admin/orders?status={}&limit=100", status.as_str());
        let page: OrderList = call(access, Method::GET, &path, None).await?;
        orders.extend(page.orders);
    }
    orders.sort_by(|a, b| (b.ordered_on, &b.id).cmp(&(a.ordered_on, &a.id)));
    Ok(orders)
}

#[derive(Deserialize)]
pub(super) struct OutcomeForm {
    outcome: String,
}

/// A button of the order queue: reports the outcome and returns to the page.
pub(super) async fn post_outcome(
    State(state): State<ShopState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<OutcomeForm>,
) -> Response {
    let access = match form_access(&state, &headers) {
        Ok(access) => access,
        Err(refusal) => return *refusal,
    };
    let body = match form.outcome.as_str() {
        "payment_failed" => json!({ "outcome": "payment_failed", "reason": DEMO_DECLINE }),
        "paid" | "fulfilled" => json!({ "outcome": form.outcome }),
        _ => {
            return error_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Choose paid, payment failed or shipped.",
            )
        }
    };
    // The id goes into a path: anything but an order id's characters is not one of ours.
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return error_page(StatusCode::NOT_FOUND, "There is no such order.");
    }
    let path = format!("/admin/orders/{id}/outcome");
    match call::<Order>(access, Method::POST, &path, Some(body)).await {
        Ok(_) => Redirect::to(&format!("/back-office?done={}", form.outcome)).into_response(),
        Err(e) => refused(e),
    }
}

#[derive(Deserialize)]
pub(super) struct ClockForm {
    days: u32,
}

#[derive(Deserialize)]
struct ClockMoved {
    run: RunCounts,
}

#[derive(Deserialize)]
struct RunCounts {
    orders: u64,
}

/// The demo clock: moves the server's time forward and lets the scheduler run.
pub(super) async fn post_clock(
    State(state): State<ShopState>,
    headers: HeaderMap,
    Form(form): Form<ClockForm>,
) -> Response {
    let access = match form_access(&state, &headers) {
        Ok(access) => access,
        Err(refusal) => return *refusal,
    };
    let body = json!({ "advance_days": form.days });
    match call::<ClockMoved>(access, Method::POST, "/admin/demo/clock", Some(body)).await {
        Ok(moved) => Redirect::to(&format!(
            "/back-office?done=clock&days={}&orders={}",
            form.days, moved.run.orders
        ))
        .into_response(),
        Err(e) => refused(e),
    }
}

/// The API's refusal, in its own words (the API's details are fixed sentences).
fn refused(error: CallError) -> Response {
    match error {
        CallError::Refused(status, detail) => error_page(status, &detail),
        unexpected @ CallError::Unexpected(_) => super::internal(unexpected),
    }
}

fn unavailable() -> Response {
    error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "This shop has no merchant key, so it has no back office. Start the server with --merchant-key.",
    )
}

/// The back office's forms change things: only this shop's own pages may send them. A
/// browser says where a form came from: `Sec-Fetch-Site` (which no page can set) when it
/// sends it, else `Origin` against `Host`. The shop's `Referrer-Policy: no-referrer` makes
/// Chromium send `Origin: null` even for its own forms, so `Sec-Fetch-Site` decides first.
/// Another site's form posting here is refused, as a real back office's login would.
fn same_origin(headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let allowed = match (text("sec-fetch-site"), text("origin"), text("host")) {
        (Some(site), _, _) => site == "same-origin",
        (None, Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority == host),
        (None, Some(_), None) => false,
        // Not a browser: the API's own checks still hold.
        (None, None, _) => true,
    };
    allowed
}

/// The merchant's access for a form of the back office, or the page that refuses it: a
/// form from another site first, then a shop that has no back office. (Boxed: a
/// `Response` is large, and the refusal is the rare path.)
fn form_access<'a>(
    state: &'a ShopState,
    headers: &HeaderMap,
) -> Result<&'a MerchantAccess, Box<Response>> {
    if !same_origin(headers) {
        return Err(Box::new(cross_site()));
    }
    state
        .merchant
        .as_ref()
        .ok_or_else(|| Box::new(unavailable()))
}

fn cross_site() -> Response {
    error_page(
        StatusCode::FORBIDDEN,
        "The back office only takes forms sent from its own pages.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn only_the_shops_own_forms_pass() {
        let own = [
            ("host", "127.0.0.1:8481"),
            ("origin", "http://127.0.0.1:8481"),
            ("sec-fetch-site", "same-origin"),
        ];
        assert!(same_origin(&headers(&own)));
        // A client that is not a browser sends neither; the API's own checks still hold.
        assert!(same_origin(&headers(&[("host", "127.0.0.1:8481")])));
        let cross = [
            ("host", "127.0.0.1:8481"),
            ("origin", "http://evil.example"),
            ("sec-fetch-site", "cross-site"),
        ];
        assert!(!same_origin(&headers(&cross)));
        let site_only = [("host", "127.0.0.1:8481"), ("sec-fetch-site", "same-site")];
        assert!(!same_origin(&headers(&site_only)));
        // Chromium's own form under `Referrer-Policy: no-referrer`.
        let own_null = [
            ("host", "127.0.0.1:8481"),
            ("origin", "null"),
            ("sec-fetch-site", "same-origin"),
        ];
        assert!(same_origin(&headers(&own_null)));
        let null_only = [("host", "127.0.0.1:8481"), ("origin", "null")];
        assert!(!same_origin(&headers(&null_only)));
        let origin_only = [
            ("host", "127.0.0.1:8481"),
            ("origin", "http://127.0.0.1:9999"),
        ];
        assert!(!same_origin(&headers(&origin_only)));
    }

    #[test]
    fn notes_come_from_codes_only() {
        let done = |d: &str| Done {
            done: Some(d.to_owned()),
            days: Some(30),
            orders: Some(2),
        };
        assert_eq!(
            done("clock").note().as_deref(),
            Some("Moved the clock 30 days: 2 new order(s).")
        );
        assert_eq!(done("<script>").note(), None);
        assert_eq!(Done::default().note(), None);
    }
}
