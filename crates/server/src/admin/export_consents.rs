//! `GET /api/v1/admin/exports/consents`: every consent record (`crate::consent`) agreed in
//! a time range, for the merchant's own files: NDJSON, or CSV with `Accept: text/csv`, in
//! keyset pages like the other exports. Records of erased customers are in it too.

use super::auth::{AdminAccess, Scope};
use super::export_page::{csv_line, id_cursor, ndjson_line, page, range, wants_csv, ExportQuery};
use crate::app::AppState;
use crate::consent::{self, ConsentRecord};
use crate::error::ApiError;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use cadence_contract::Problem;

const COLUMNS: [&str; 19] = [
    "id",
    "agreed_at",
    "agreed_at_local",
    "time_zone",
    "subscription_id",
    "customer_id",
    "action",
    "channel",
    "sku",
    "product_name",
    "quantity",
    "interval",
    "unit_price_minor",
    "discount_percent",
    "price_per_delivery_minor",
    "currency",
    "language",
    "terms_version",
    "terms_text",
];

/// What each shopper agreed to, by id: subscribing and every change to what they pay or
/// how often, with the terms as shown.
#[utoipa::path(get, path = "/api/v1/admin/exports/consents", tag = "admin",
    params(ExportQuery),
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "One page of consent records, oldest first: NDJSON of ConsentRecord, or CSV with the columns id, agreed_at, agreed_at_local, time_zone, subscription_id, customer_id, action, channel, sku, product_name, quantity, interval, unit_price_minor, discount_percent, price_per_delivery_minor, currency, language, terms_version, terms_text",
            headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page may follow")),
            content((String = "application/x-ndjson"), (String = "text/csv"))),
        (status = 400, description = "A query parameter is unknown, missing or repeated, or the cursor is not one", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the read scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "since, until or limit is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export_consents(
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
        .read(move |conn| {
            consent::in_range(conn, &since, &until, after, limit).map_err(ApiError::from)
        })
        .await?;
    let csv = wants_csv(&headers);
    let mut body = String::new();
    if csv {
        csv_line(&mut body, &COLUMNS);
    }
    for row in &rows {
        if csv {
            consent_csv(&mut body, row);
        } else {
            ndjson_line(&mut body, row)?;
        }
    }
    let next = (rows.len() == range.limit as usize)
        .then(|| rows.last().map(|r| ("consents", &range, r.id.to_string())))
        .flatten();
    Ok(page(csv, body, next))
}

fn consent_csv(out: &mut String, r: &ConsentRecord) {
    csv_line(
        out,
        &[
            &r.id.to_string(),
            &r.agreed_at,
            &r.agreed_at_local,
            &r.time_zone,
            &r.subscription_id,
            &r.customer_id,
            &r.action,
            &r.channel,
            &r.sku,
            &r.product_name,
            &r.quantity.to_string(),
            &format!("{} {}", r.interval_count, r.interval_unit),
            &r.unit_price.amount_minor.to_string(),
            &r.discount_percent.to_string(),
            &r.price_per_delivery.amount_minor.to_string(),
            &r.price_per_delivery.currency,
            &r.language,
            &r.terms_version,
            &r.terms_text,
        ],
    );
}
