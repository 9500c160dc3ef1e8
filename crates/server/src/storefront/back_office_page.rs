//! The demo back office's HTML: the verified webhooks, the order queue with its outcome
//! buttons, and the demo clock. Every interpolated value goes through `escape`; forms post
//! to the shop, whose server calls the API with the merchant key.

use super::inbox::Received;
use super::pages::{layout, price};
use crate::html::escape;
use crate::orders::{Order, OrderStatus};
use cadence_contract::Date;
use serde_json::Value;
use std::fmt::Write;

/// What the page shows, gathered by the handler.
pub(super) struct BackOffice<'a> {
    pub today: Date,
    /// A note on what the last form did, already in words.
    pub note: Option<String>,
    pub orders: &'a [Order],
    pub events: &'a [Received],
    /// `Err`: why the shop receives no webhooks.
    pub inbox: Result<(), String>,
    pub rejected: u64,
}

pub(super) fn page(view: &BackOffice<'_>) -> String {
    let note = view
        .note
        .as_deref()
        .map(|n| format!(r#"<p class="notice" role="status">{}</p>"#, escape(n)))
        .unwrap_or_default();
    let main = format!(
        r#"<h1>Back office</h1>
<p class="note">What the merchant's own systems see: the webhooks Cadence sent to this shop (each signature verified), and the orders Cadence created, whose payment the shop reports back.</p>
{note}
<section class="back-office-clock" aria-labelledby="clock-title">
<h2 id="clock-title">Demo clock</h2>
<p>Today is <strong data-back-office="today">{today}</strong> on this demo server.</p>
<form method="post" action="/back-office/clock">
<label for="clock-days">Move the clock forward</label>
<select id="clock-days" name="days"><option value="7">1 week</option><option value="30" selected>30 days</option><option value="90">90 days</option></select>
<button class="button" type="submit">Move the clock</button>
</form>
</section>
<section aria-labelledby="orders-title">
<h2 id="orders-title">Order queue</h2>
{orders}
</section>
<section aria-labelledby="webhooks-title">
<h2 id="webhooks-title">Latest webhooks</h2>
<div id="webhook-inbox" data-refresh="/back-office/events">{events}</div>
</section>"#,
        today = view.today,
        orders = orders(view.orders),
        events = events(view.events, &view.inbox, view.rejected),
    );
    layout("Back office", &main, None)
}

/// The webhook list alone (the page's script swaps it in as events arrive).
pub(super) fn events(events: &[Received], inbox: &Result<(), String>, rejected: u64) -> String {
    let mut out = String::new();
    if let Err(problem) = inbox {
        let _ = write!(out, r#"<p class="notice">{}</p>"#, escape(problem));
    }
    if rejected > 0 {
        let _ = write!(
            out,
            r#"<p class="note">{rejected} call(s) refused: their signature did not verify.</p>"#
        );
    }
    if events.is_empty() {
        out.push_str(r#"<p class="note">No webhook yet. Change a subscription in <a href="/account?as=cust_ada">the account</a>, or move the clock.</p>"#);
        return out;
    }
    out.push_str(r#"<ol class="webhooks" data-back-office="webhooks">"#);
    for received in events {
        let event = &received.event;
        let again = if received.deliveries > 1 {
            format!(" · delivered {} times", received.deliveries)
        } else {
            String::new()
        };
        let data = serde_json::to_string_pretty(&event.data).unwrap_or_default();
        let _ = write!(
            out,
            r#"<li data-event-type="{kind}" data-event-id="{id}"><p><strong>{kind}</strong> {summary} <span class="verified">Signature verified</span></p>
<p class="note">{id} · sequence {sequence} · happened {timestamp} · received {received}{again}</p>
<details><summary>Payload</summary><pre>{data}</pre></details></li>"#,
            kind = escape(event.event_type.as_str()),
            summary = escape(&summary(&event.data)),
            id = escape(&event.id),
            sequence = event.sequence,
            timestamp = escape(&event.timestamp),
            received = escape(&received.received_at),
            data = escape(&data),
        );
    }
    out.push_str("</ol>");
    out
}

/// One line on what an event says, from the fields every type's `data` has.
fn summary(data: &Value) -> String {
    let customer = data["customer_id"]
        .as_str()
        .or_else(|| data["order"]["customer_id"].as_str())
        .unwrap_or("");
    if let Some(action) = data["change"]["action"].as_str() {
        let product = data["subscription"]["product_name"]
            .as_str()
            .or_else(|| data["subscription"]["sku"].as_str())
            .unwrap_or("a subscription");
        let actor = data["change"]["actor"].as_str().unwrap_or("someone");
        return format!("{customer}: {action} on {product} (by the {actor})");
    }
    if let Some(status) = data["order"]["status"].as_str() {
        let id = data["order"]["id"].as_str().unwrap_or("");
        return match data["previous_status"].as_str() {
            Some(before) => format!("{customer}: order {id} {before} → {status}"),
            None => format!("{customer}: order {id}, {status}"),
        };
    }
    if let Some(task) = data["task"]["name"].as_str() {
        return format!("{customer}: {task} done");
    }
    customer.to_owned()
}

fn orders(orders: &[Order]) -> String {
    if orders.is_empty() {
        return r#"<p class="note">No order waits for the shop. Deliveries become orders on their date: move the clock to see them arrive.</p>"#.to_owned();
    }
    let mut rows = String::new();
    for order in orders {
        let lines: Vec<String> = order
            .lines
            .iter()
            .map(|l| format!("{} × {}", l.quantity, l.sku))
            .collect();
        let _ = write!(
            rows,
            r#"<tr data-order="{id}"><th scope="row">{id}</th><td>{on}</td><td>{customer}</td><td>{lines}</td><td>{total}</td><td data-order-status>{status}</td><td>{actions}</td></tr>"#,
            id = escape(&order.id),
            on = order.ordered_on,
            customer = escape(&order.customer_id),
            lines = escape(&lines.join(", ")),
            total = escape(&price(&order.total)),
            status = escape(&status_text(order)),
            actions = actions(order),
        );
    }
    format!(
        r#"<div class="table-scroll" tabindex="0" role="region" aria-labelledby="orders-title"><table class="orders">
<thead><tr><th scope="col">Order</th><th scope="col">Date</th><th scope="col">Customer</th><th scope="col">Items</th><th scope="col">Total</th><th scope="col">Status</th><th scope="col">Report</th></tr></thead>
<tbody>{rows}</tbody></table></div>"#
    )
}

fn status_text(order: &Order) -> String {
    let status = order.status.as_str().replace('_', " ");
    match (&order.next_retry_at, order.failed_payments) {
        (Some(at), n) if n > 0 => format!("{status} ({n} failed, retry {at})"),
        (None, n) if n > 0 => format!("{status} ({n} failed)"),
        _ => status,
    }
}

/// The outcome buttons the order's status allows, each named for its order.
fn actions(order: &Order) -> String {
    let buttons: &[(&str, &str)] = match order.status {
        OrderStatus::Pending | OrderStatus::PaymentRetryDue => {
            &[("paid", "Paid"), ("payment_failed", "Payment failed")]
        }
        OrderStatus::Paid => &[("fulfilled", "Shipped")],
        OrderStatus::PaymentFailed | OrderStatus::Fulfilled => &[],
    };
    if buttons.is_empty() {
        return String::new();
    }
    let id = escape(&order.id);
    let mut form = format!(
        r#"<form method="post" action="/back-office/orders/{id}/outcome" class="outcome">"#
    );
    for (value, label) in buttons {
        let _ = write!(
            form,
            r#"<button class="button" type="submit" name="outcome" value="{value}" aria-label="{label}: {id}">{label}</button>"#
        );
    }
    form.push_str("</form>");
    form
}
