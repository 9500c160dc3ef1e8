//! The demo back office's HTML: the verified webhooks, the order queue with its outcome
//! buttons, and the demo clock, as maud templates (every interpolated value escaped by the
//! template engine). Forms post to the shop, whose server calls the API with the merchant
//! key.

use super::inbox::Received;
use super::pages::{layout, price};
use crate::orders::{Order, OrderStatus};
use cadence_contract::Date;
use maud::{html, Markup};
use serde_json::Value;

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

pub(super) fn page(view: &BackOffice<'_>) -> Markup {
    let main = html! {
        h1 { "Back office" }
        p class="note" {
            "What the merchant's own systems see: the webhooks Cadence sent to this shop (each \
             signature verified), and the orders Cadence created, whose payment the shop \
             reports back."
        }
        @if let Some(note) = &view.note {
            p class="notice" role="status" { (note) }
        }
        (clock(view.today))
        section aria-labelledby="orders-title" {
            h2 id="orders-title" { "Order queue" }
            (orders(view.orders))
        }
        section aria-labelledby="webhooks-title" {
            h2 id="webhooks-title" { "Latest webhooks" }
            div id="webhook-inbox" data-refresh="/back-office/events" {
                (events(view.events, &view.inbox, view.rejected))
            }
        }
    };
    layout("Back office", main, None)
}

/// The demo clock: today's date and the form that moves it forward.
fn clock(today: Date) -> Markup {
    html! {
        section class="back-office-clock" aria-labelledby="clock-title" {
            h2 id="clock-title" { "Demo clock" }
            p {
                "Today is " strong data-back-office="today" { (today.to_string()) }
                " on this demo server."
            }
            form method="post" action="/back-office/clock" {
                label for="clock-days" { "Move the clock forward" }
                select id="clock-days" name="days" {
                    option value="7" { "1 week" }
                    option value="30" selected { "30 days" }
                    option value="90" { "90 days" }
                }
                button class="button" type="submit" { "Move the clock" }
            }
        }
    }
}

/// The webhook list alone (the page's script swaps it in as events arrive).
pub(super) fn events(events: &[Received], inbox: &Result<(), String>, rejected: u64) -> Markup {
    html! {
        @if let Err(problem) = inbox {
            p class="notice" { (problem) }
        }
        @if rejected > 0 {
            p class="note" { (rejected) " call(s) refused: their signature did not verify." }
        }
        @if events.is_empty() {
            p class="note" {
                "No webhook yet. Change a subscription in "
                a href="/account?as=cust_ada" { "the account" }
                ", or move the clock."
            }
        } @else {
            ol class="webhooks" data-back-office="webhooks" {
                @for received in events { (event(received)) }
            }
        }
    }
}

/// One verified webhook: its type and gist, where it came from, and its payload.
fn event(received: &Received) -> Markup {
    let event = &received.event;
    let kind = event.event_type.as_str();
    // The payload is pretty-printed JSON shown as text in a `<pre>`: maud escapes it like
    // any other text, so a `</pre>` or `<script>` inside a value stays inert.
    let data = serde_json::to_string_pretty(&event.data).unwrap_or_default();
    html! {
        li data-event-type=(kind) data-event-id=(event.id) {
            p {
                strong { (kind) } " " (summary(&event.data)) " "
                span class="verified" { "Signature verified" }
            }
            p class="note" {
                (event.id) " · sequence " (event.sequence) " · happened " (event.timestamp)
                " · received " (received.received_at)
                @if received.deliveries > 1 {
                    " · delivered " (received.deliveries) " times"
                }
            }
            details {
                summary { "Payload" }
                pre { (data) }
            }
        }
    }
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

/// The order queue's column headings.
const COLUMNS: [&str; 7] = [
    "Order", "Date", "Customer", "Items", "Total", "Status", "Report",
];

fn orders(orders: &[Order]) -> Markup {
    if orders.is_empty() {
        return html! {
            p class="note" {
                "No order waits for the shop. Deliveries become orders on their date: move the \
                 clock to see them arrive."
            }
        };
    }
    html! {
        div class="table-scroll" tabindex="0" role="region" aria-labelledby="orders-title" {
            table class="orders" {
                thead {
                    tr { @for column in COLUMNS { th scope="col" { (column) } } }
                }
                tbody { @for order in orders { (order_row(order)) } }
            }
        }
    }
}

fn order_row(order: &Order) -> Markup {
    let lines: Vec<String> = order
        .lines
        .iter()
        .map(|l| format!("{} × {}", l.quantity, l.sku))
        .collect();
    html! {
        tr data-order=(order.id) {
            th scope="row" { (order.id) }
            td { (order.ordered_on.to_string()) }
            td { (order.customer_id) }
            td { (lines.join(", ")) }
            td { (price(&order.total)) }
            td data-order-status { (status_text(order)) }
            td { (actions(order)) }
        }
    }
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
fn actions(order: &Order) -> Markup {
    let buttons: &[(&str, &str)] = match order.status {
        OrderStatus::Pending | OrderStatus::PaymentRetryDue => {
            &[("paid", "Paid"), ("payment_failed", "Payment failed")]
        }
        OrderStatus::Paid => &[("fulfilled", "Shipped")],
        OrderStatus::PaymentFailed | OrderStatus::Fulfilled => &[],
    };
    let id = &order.id;
    html! {
        @if !buttons.is_empty() {
            form method="post" action={ "/back-office/orders/" (id) "/outcome" } class="outcome" {
                @for (value, label) in buttons {
                    button class="button" type="submit" name="outcome" value=(value)
                        aria-label={ (label) ": " (id) } {
                        (label)
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn payloads_and_ids_are_escaped() {
        let received = Received {
            event: serde_json::from_value(json!({
                "id": "evt_\"1", "type": "order.created", "timestamp": "2026-03-15T10:00:00Z",
                "sequence": 1, "data": {"note": "</pre><script>alert(1)</script>"}
            }))
            .unwrap(),
            received_at: "2026-03-15T10:00:01Z".into(),
            deliveries: 2,
        };
        let html = events(&[received], &Ok(()), 0).into_string();
        assert!(
            !html.contains("<script>") && html.contains("&lt;/pre&gt;&lt;script&gt;"),
            "{html}"
        );
        assert!(html.contains(r#"data-event-id="evt_&quot;1""#));
        assert!(html.contains(" · delivered 2 times</p>"));
    }
}
