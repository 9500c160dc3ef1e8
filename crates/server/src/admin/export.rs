//! `GET /api/v1/admin/exports/{changes,cancel-reasons,orders}`: what happened over a time
//! range, for the merchant's own reporting. NDJSON (one record per line) or, with
//! `Accept: text/csv`, CSV with a header. Changes and orders come in pages of `limit`
//! (keyset cursors: each page is one short read, however long the range); a full page
//! carries `Link: <…>; rel="next"`, the URL of the next.

use super::auth::{AdminAccess, Scope};
use super::export_page::{
    csv_line, id_cursor, ndjson_line, page, range, wants_csv, ExportQuery, BAD_QUERY,
};
use crate::app::AppState;
use crate::db::admin_data::exports::{self, CancelReasonRow, ChangeRow, OrderLineRow};
use crate::error::ApiError;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use cadence_contract::{Date, Problem};
use std::fmt::Write as _;

/// Subscription changes (who did what, with cancel reasons and the state after), by id.
#[utoipa::path(get, path = "/api/v1/admin/exports/changes", tag = "admin",
    params(ExportQuery),
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "One page of changes, oldest first: NDJSON of ChangeRow, or CSV with the columns id, at, subscription_id, customer_id, actor, action, reason, via, sku, quantity, interval, status, next_delivery",
            headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page may follow")),
            content((String = "application/x-ndjson"), (String = "text/csv"))),
        (status = 400, description = "A query parameter is unknown, missing or repeated, or the cursor is not one", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the read scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "since, until or limit is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export_changes(
    State(state): State<AppState>,
    access: AdminAccess,
    query: Result<Query<ExportQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    access.require(Scope::Read)?;
    let range = range(query)?;
    let after = id_cursor(&range)?;
    let (since, until, limit) = (range.since.clone(), range.until.clone(), range.limit);
    let rows = state
        .db
        .read(move |conn| exports::changes(conn, &since, &until, after, limit))
        .await?;
    let csv = wants_csv(&headers);
    let mut body = String::new();
    if csv {
        csv_line(
            &mut body,
            &[
                "id",
                "at",
                "subscription_id",
                "customer_id",
                "actor",
                "action",
                "reason",
                "via",
                "sku",
                "quantity",
                "interval",
                "status",
                "next_delivery",
            ],
        );
    }
    for row in &rows {
        if csv {
            change_csv(&mut body, row);
        } else {
            ndjson_line(&mut body, row)?;
        }
    }
    let next = (rows.len() == range.limit as usize)
        .then(|| rows.last().map(|r| ("changes", &range, r.id.to_string())))
        .flatten();
    Ok(page(csv, body, next))
}

fn change_csv(out: &mut String, row: &ChangeRow) {
    let after = row.after.as_ref();
    let status = after.map(|a| serde_json::to_value(a.status).unwrap_or_default());
    csv_line(
        out,
        &[
            &row.id.to_string(),
            &row.at,
            &row.subscription_id,
            &row.customer_id,
            &row.actor,
            &row.action,
            row.reason.as_deref().unwrap_or_default(),
            row.via.as_deref().unwrap_or_default(),
            after.map_or("", |a| a.sku.as_str()),
            &after.map_or_else(String::new, |a| a.quantity.to_string()),
            &after.map_or_else(String::new, |a| a.interval.to_short()),
            status.as_ref().and_then(|s| s.as_str()).unwrap_or_default(),
            &after
                .and_then(|a| a.next_delivery)
                .map_or_else(String::new, |d| d.to_string()),
        ],
    );
}

/// Cancellations per month (UTC) and reason; no reason given: an empty reason.
#[utoipa::path(get, path = "/api/v1/admin/exports/cancel-reasons", tag = "admin",
    params(ExportQuery),
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "Every month and reason with cancellations, oldest first: NDJSON of CancelReasonRow, or CSV with the columns month, reason, cancellations",
            content((String = "application/x-ndjson"), (String = "text/csv"))),
        (status = 400, description = "A query parameter is unknown, missing or repeated", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the read scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "since, until or limit is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export_cancel_reasons(
    State(state): State<AppState>,
    access: AdminAccess,
    query: Result<Query<ExportQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    access.require(Scope::Read)?;
    let range = range(query)?;
    let (since, until) = (range.since.clone(), range.until.clone());
    let rows: Vec<CancelReasonRow> = state
        .db
        .read(move |conn| exports::cancel_reasons(conn, &since, &until))
        .await?;
    let csv = wants_csv(&headers);
    let mut body = String::new();
    if csv {
        csv_line(&mut body, &["month", "reason", "cancellations"]);
    }
    for row in &rows {
        if csv {
            csv_line(
                &mut body,
                &[
                    &row.month,
                    row.reason.as_deref().unwrap_or_default(),
                    &row.cancellations.to_string(),
                ],
            );
        } else {
            ndjson_line(&mut body, row)?;
        }
    }
    Ok(page(csv, body, None))
}

/// One order as an NDJSON record.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct OrderExport {
    pub id: String,
    pub customer_id: String,
    pub ordered_on: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    /// `cadence` (a delivery, ship now) or `merchant` (the shop's history).
    pub origin: String,
    pub lines: Vec<OrderExportLine>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct OrderExportLine {
    pub sku: String,
    pub quantity: u32,
    pub unit_price_minor: i64,
    pub currency: String,
}

/// Orders by date (then id), each with its lines; Cadence's deliveries and the shop's
/// history alike.
#[utoipa::path(get, path = "/api/v1/admin/exports/orders", tag = "admin",
    params(ExportQuery),
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "One page of orders: NDJSON of OrderExport (one order per line), or CSV of order lines with the columns order_id, customer_id, ordered_on, subscription_id, origin, sku, quantity, unit_price_minor, currency",
            headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page may follow")),
            content((String = "application/x-ndjson"), (String = "text/csv"))),
        (status = 400, description = "A query parameter is unknown, missing or repeated, or the cursor is not one", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the read scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "since, until or limit is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export_orders(
    State(state): State<AppState>,
    access: AdminAccess,
    query: Result<Query<ExportQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    access.require(Scope::Read)?;
    let range = range(query)?;
    let day = |instant: &str| -> Result<Date, ApiError> {
        instant[..10]
            .parse()
            .map_err(|_| ApiError::Internal("a checked instant without a date".into()))
    };
    let (since, until) = (day(&range.since)?, day(&range.until)?);
    // The cursor is the last order's date and id: `YYYY-MM-DD:id`.
    let after = match &range.after {
        None => None,
        Some(cursor) => {
            let parsed = cursor
                .get(..10)
                .and_then(|d| d.parse::<Date>().ok())
                .zip(cursor.get(10..).and_then(|rest| rest.strip_prefix(':')));
            Some(parsed.ok_or(ApiError::BadRequest(BAD_QUERY))?)
        }
    };
    let after = after.map(|(d, id)| (d, id.to_owned()));
    let limit = range.limit;
    let rows = state
        .db
        .read(move |conn| {
            exports::orders(
                conn,
                since,
                until,
                after.as_ref().map(|(d, id)| (*d, id.as_str())),
                limit,
            )
        })
        .await?;
    let csv = wants_csv(&headers);
    let mut body = String::new();
    let orders = group(&rows);
    if csv {
        csv_line(
            &mut body,
            &[
                "order_id",
                "customer_id",
                "ordered_on",
                "subscription_id",
                "origin",
                "sku",
                "quantity",
                "unit_price_minor",
                "currency",
            ],
        );
        for row in &rows {
            order_csv(&mut body, row);
        }
    } else {
        for order in &orders {
            ndjson_line(&mut body, order)?;
        }
    }
    let next = (orders.len() == limit as usize)
        .then(|| {
            orders
                .last()
                .map(|o| ("orders", &range, format!("{}:{}", o.ordered_on, o.id)))
        })
        .flatten();
    Ok(page(csv, body, next))
}

/// The rows (lines, ordered by order) as orders with their lines.
fn group(rows: &[OrderLineRow]) -> Vec<OrderExport> {
    let mut orders: Vec<OrderExport> = Vec::new();
    for row in rows {
        if orders.last().is_none_or(|o| o.id != row.order_id) {
            orders.push(OrderExport {
                id: row.order_id.clone(),
                customer_id: row.customer_id.clone(),
                ordered_on: row.ordered_on,
                subscription_id: row.subscription_id.clone(),
                origin: row.origin.clone(),
                lines: Vec::new(),
            });
        }
        if let (Some(order), Some(sku), Some(quantity), Some(price), Some(currency)) = (
            orders.last_mut(),
            &row.sku,
            row.quantity,
            row.unit_price_minor,
            &row.currency,
        ) {
            order.lines.push(OrderExportLine {
                sku: sku.clone(),
                quantity,
                unit_price_minor: price,
                currency: currency.clone(),
            });
        }
    }
    orders
}

fn order_csv(out: &mut String, row: &OrderLineRow) {
    let mut quantity = String::new();
    let mut price = String::new();
    if let Some(q) = row.quantity {
        let _ = write!(quantity, "{q}");
    }
    if let Some(p) = row.unit_price_minor {
        let _ = write!(price, "{p}");
    }
    csv_line(
        out,
        &[
            &row.order_id,
            &row.customer_id,
            &row.ordered_on.to_string(),
            row.subscription_id.as_deref().unwrap_or_default(),
            &row.origin,
            row.sku.as_deref().unwrap_or_default(),
            &quantity,
            &price,
            row.currency.as_deref().unwrap_or_default(),
        ],
    );
}
