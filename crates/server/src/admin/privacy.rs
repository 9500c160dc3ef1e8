//! A customer's data, for the merchant to answer their requests (GDPR art. 15, 17, 20):
//! `GET /api/v1/admin/customers/{id}/export`, everything Cadence holds about them as one
//! JSON document, and `DELETE /api/v1/admin/customers/{id}`, erasure of all of it but what
//! the law requires to keep: the consent records (`crate::consent`) and the cancellation
//! records, which name the customer by id only.
//!
//! Erasure deletes the customer's row (the rows hanging from it go with it: subscriptions
//! and their history, orders, ownership, maintenance log, reminders, messages, opt-outs,
//! pending requests), forgets them in the widget's events (their counts stay), and empties
//! the events their messages made (`notifications:<id>`: name, address, text) so a webhook
//! delivered later carries no personal data.

use super::auth::{AdminAccess, Scope};
use super::catalog::path_id;
use crate::app::AppState;
use crate::db::{Connection, StoreError};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::outbox;
use crate::params;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use cadence_contract::Problem;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What the export holds, table by table: the columns read and how rows are found by
/// customer. Columns are read as text (or null), so one reader serves every table.
const TABLES: [(&str, &str, &str); 11] = [
    (
        "customer",
        "id, name, email, locale, time_zone, origin",
        "FROM customers WHERE id = ?1",
    ),
    (
        "owned_products",
        "sku, purchased_on",
        "FROM owned_products WHERE customer_id = ?1 ORDER BY purchased_on, sku",
    ),
    (
        "subscriptions",
        "id, sku, quantity, interval_count, interval_unit, status, anchor_date, \
         next_delivery, unit_price_minor, discount_percent, paused_until, cancelled_on, \
         created_at, updated_at",
        "FROM subscriptions WHERE customer_id = ?1 ORDER BY created_at, id",
    ),
    (
        "subscription_changes",
        "c.id, c.subscription_id, c.actor, c.action, c.reason, c.via, c.at, c.after_json",
        "FROM subscription_changes c JOIN subscriptions s ON s.id = c.subscription_id \
         WHERE s.customer_id = ?1 ORDER BY c.id",
    ),
    (
        "orders",
        "id, subscription_id, ordered_on, status",
        "FROM orders WHERE customer_id = ?1 ORDER BY ordered_on, id",
    ),
    (
        "order_lines",
        "l.order_id, l.sku, l.quantity, l.unit_price_minor, l.currency",
        "FROM order_lines l JOIN orders o ON o.id = l.order_id \
         WHERE o.customer_id = ?1 ORDER BY l.order_id, l.sku",
    ),
    (
        "maintenance_log",
        "routine_id, done_on, actor, recorded_at",
        "FROM maintenance_log WHERE customer_id = ?1 ORDER BY done_on",
    ),
    (
        "routine_reminders",
        "routine_id, since",
        "FROM routine_reminders WHERE customer_id = ?1 ORDER BY routine_id",
    ),
    (
        "notifications",
        "id, kind, email, state, created_at, sent_at",
        "FROM notifications WHERE customer_id = ?1 ORDER BY created_at, id",
    ),
    (
        "notification_optouts",
        "kind, at",
        "FROM notification_optouts WHERE customer_id = ?1 ORDER BY kind",
    ),
    (
        "consent_records",
        "id, subscription_id, action, channel, sku, product_name, quantity, interval_count, \
         interval_unit, unit_price_minor, discount_percent, price_per_delivery, currency, \
         terms_version, terms_text, language, agreed_at, time_zone, agreed_at_local",
        "FROM consent_records WHERE customer_id = ?1 ORDER BY id",
    ),
];

/// Rows of one table for `customer`, each column as text or null.
fn rows(
    conn: &Connection,
    columns: &str,
    from: &str,
    customer: &str,
) -> Result<Vec<Value>, StoreError> {
    let names: Vec<&str> = columns
        .split(',')
        .map(|c| c.trim().rsplit('.').next().unwrap_or_default())
        .collect();
    let select: Vec<String> = columns
        .split(',')
        .map(|c| format!("CAST({} AS TEXT)", c.trim()))
        .collect();
    conn.query_all(
        &format!("SELECT {} {from}", select.join(", ")),
        [customer],
        |row| {
            let mut object = Map::new();
            for (i, name) in names.iter().enumerate() {
                let value: Option<String> = row.get(i)?;
                object.insert((*name).to_owned(), value.map_or(Value::Null, Value::String));
            }
            Ok(Value::Object(object))
        },
    )
}

/// Everything Cadence holds about customer `id`, by table (values as stored, as text).
#[utoipa::path(get, path = "/api/v1/admin/customers/{id}/export", tag = "admin",
    params(("id" = String, Path, description = "The merchant's customer id")),
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "One JSON object: a key per table (`customer`, `owned_products`, `subscriptions`, `subscription_changes`, `orders`, `order_lines`, `maintenance_log`, `routine_reminders`, `notifications`, `notification_optouts`, `consent_records`), each a list of rows", body = Object),
        (status = 400, description = "An impossible id in the path", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the read scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No customer has this id (never loaded, or erased)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export_customer(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiPath(id): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Read)?;
    path_id(&id)?;
    let document = state
        .db
        .read(move |conn| {
            let mut document = BTreeMap::new();
            for (name, columns, from) in TABLES {
                document.insert(name, rows(conn, columns, from, &id)?);
            }
            if document["customer"].is_empty() {
                return Err(ApiError::NotFound("No customer has this id."));
            }
            Ok(document)
        })
        .await?;
    Ok((
        [(header::CACHE_CONTROL, "private, no-store")],
        ApiJson(document),
    ))
}

/// What an erasure removed and kept.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Erasure {
    pub customer_id: String,
    /// Rows deleted, per table (the ones that went with the customer's row included).
    pub erased: BTreeMap<String, u64>,
    /// Rows kept because the law requires them (`consent_records`), naming the customer
    /// by id only.
    pub kept: BTreeMap<String, u64>,
}

/// Erases customer `id`: everything but their consent records.
///
/// Subscriptions stop with it (no delivery is made for an erased customer). Tell your own
/// systems too: Cadence erases only what it holds.
#[utoipa::path(delete, path = "/api/v1/admin/customers/{id}", tag = "admin",
    params(("id" = String, Path, description = "The merchant's customer id")),
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "Erased; what went and what was kept", body = Erasure),
        (status = 400, description = "An impossible id in the path", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the write scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No customer has this id (never loaded, or already erased)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn erase_customer(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiPath(id): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    access.require(Scope::Write)?;
    path_id(&id)?;
    let erasure = state.db.write(move |tx| erase(tx, &id)).await?;
    Ok(ApiJson(erasure))
}

fn erase(tx: &Connection, id: &str) -> Result<Erasure, ApiError> {
    let count = |sql: &str| -> Result<u64, StoreError> {
        tx.query_row(sql, [id], |row| row.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
    };
    let mut erased = BTreeMap::new();
    // Counted before the cascade takes them.
    for (name, _, from) in TABLES.iter().filter(|(n, ..)| *n != "consent_records") {
        let from = from.split(" ORDER BY").next().unwrap_or(from);
        erased.insert(
            (*name).to_owned(),
            count(&format!("SELECT count(*) {from}"))?,
        );
    }
    if erased["customer"] == 0 {
        return Err(ApiError::NotFound("No customer has this id."));
    }
    // Their messages' events: the envelope stays (a delivery in flight still has a body),
    // the data says only that it was erased.
    let stream = outbox::notification_stream(id);
    let events: Vec<(String, String)> = tx.query_all(
        "SELECT id, payload FROM outbox_events WHERE stream = ?1",
        [&stream],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    for (event, payload) in &events {
        let mut value: Value = serde_json::from_str(payload).unwrap_or(Value::Null);
        if let Some(object) = value.as_object_mut() {
            object.insert(
                "data".into(),
                serde_json::json!({ "customer_id": id, "erased": true }),
            );
        }
        tx.execute(
            "UPDATE outbox_events SET payload = ?1 WHERE id = ?2",
            params![value.to_string(), event],
        )?;
    }
    erased.insert("message_events".into(), events.len() as u64);
    let forgotten = tx.execute(
        "UPDATE ui_events SET customer_id = NULL WHERE customer_id = ?1",
        [id],
    )?;
    erased.insert("widget_events".into(), forgotten as u64);
    tx.execute("DELETE FROM customers WHERE id = ?1", [id])?;
    let kept = BTreeMap::from([(
        "consent_records".to_owned(),
        count("SELECT count(*) FROM consent_records WHERE customer_id = ?1")?,
    )]);
    Ok(Erasure {
        customer_id: id.to_owned(),
        erased,
        kept,
    })
}
