//! Orders in the database: a delivery's order and its lines (the scheduler's and ship
//! now's), reading orders with their lines by id or by date range, and their outcomes.

use super::StoreError;
use crate::db::{Connection, Dialect, OptionalExtension, Row};
use crate::orders::{Order, OrderLine, OrderStatus};
use crate::params;
use cadence_contract::{Date, Money};

/// A fresh order id.
pub fn new_id() -> String {
    format!("ord_{}", uuid::Uuid::new_v4().simple())
}

/// A subscription's order about to be created (`pending`).
pub struct NewOrder<'a> {
    pub id: &'a str,
    pub customer_id: &'a str,
    pub subscription_id: &'a str,
    /// The scheduled delivery it is; `None` for a ship now.
    pub delivery_date: Option<Date>,
    pub ordered_on: Date,
    pub now: &'a str,
}

/// Inserts a pending order without lines. `false`: the subscription's delivery on that
/// date has an order already (the unique index `orders_by_delivery`), and nothing was
/// written.
pub fn insert(conn: &Connection, order: &NewOrder<'_>) -> Result<bool, StoreError> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO orders (id, customer_id, ordered_on, subscription_id, delivery_date,
                 status, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6)
             ON CONFLICT (subscription_id, delivery_date) DO NOTHING",
        )?
        .execute(params![
            order.id,
            order.customer_id,
            order.ordered_on.to_string(),
            order.subscription_id,
            order.delivery_date.map(|d| d.to_string()),
            order.now
        ])?;
    Ok(inserted == 1)
}

/// Adds `quantity` of `sku` at `unit_price`. The same SKU again adds to its quantity at
/// the first line's price: an extra of the subscription's own product (possible after a
/// swap) then costs the subscriber's price, never more.
pub fn add_line(
    conn: &Connection,
    order_id: &str,
    sku: &str,
    quantity: u32,
    unit_price: &Money,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO order_lines (order_id, sku, quantity, unit_price_minor, currency)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (order_id, sku) DO UPDATE SET quantity = order_lines.quantity + excluded.quantity",
    )?
    .execute(params![
        order_id,
        sku,
        quantity,
        unit_price.amount_minor,
        unit_price.currency
    ])?;
    Ok(())
}

/// Puts the one-time extras riding with the subscription's delivery on `date` on the order
/// as lines, and removes them (and any older ones, which can no longer ship) from the
/// subscription. Extras of later deliveries stay.
pub fn ship_extras(
    conn: &Connection,
    order_id: &str,
    subscription: &str,
    date: Date,
) -> Result<(), StoreError> {
    let extras: Vec<(String, u32, i64, String)> = conn
        .prepare_cached(
            "SELECT sku, quantity, unit_price_minor, currency FROM subscription_extras
             WHERE subscription_id = ?1 AND ships_on = ?2 ORDER BY sku",
        )?
        .query_map(params![subscription, date.to_string()], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect::<crate::db::sql::Result<_>>()?;
    for (sku, quantity, price, currency) in extras {
        add_line(conn, order_id, &sku, quantity, &Money::new(price, currency))?;
    }
    conn.prepare_cached(
        "DELETE FROM subscription_extras WHERE subscription_id = ?1 AND ships_on <= ?2",
    )?
    .execute(params![subscription, date.to_string()])?;
    Ok(())
}

const SELECT: &str = "SELECT id, customer_id, subscription_id, delivery_date, ordered_on, status,
        failed_payments, next_retry_at, failure_reason, created_at, updated_at
     FROM orders";

fn date(text: &str) -> Result<Date, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("an order date {text:?} is not a date")))
}

/// An order's row, before its lines are read.
fn order(row: &Row<'_>) -> Result<Order, StoreError> {
    let status: String = row.get(5)?;
    Ok(Order {
        id: row.get(0)?,
        customer_id: row.get(1)?,
        subscription_id: row.get(2)?,
        delivery_date: row
            .get::<_, Option<String>>(3)?
            .as_deref()
            .map(date)
            .transpose()?,
        ordered_on: date(&row.get::<_, String>(4)?)?,
        status: OrderStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("an order status {status:?}")))?,
        lines: Vec::new(),
        total: Money::new(0, "XXX"),
        failed_payments: row.get(6)?,
        next_retry_at: row.get(7)?,
        failure_reason: row.get(8)?,
        created_at: row.get(9)?,
        updated_at: row.get(10)?,
    })
}

/// Reads the order's lines (by SKU) and their total. An order without lines (none is
/// written so, but history is the shop's) totals 0 in ISO 4217's "no currency", XXX.
fn with_lines(conn: &Connection, mut order: Order) -> Result<Order, StoreError> {
    order.lines = conn
        .prepare_cached(
            "SELECT sku, quantity, unit_price_minor, currency FROM order_lines
             WHERE order_id = ?1 ORDER BY sku",
        )?
        .query_map([&order.id], |row| {
            Ok(OrderLine {
                sku: row.get(0)?,
                quantity: row.get(1)?,
                unit_price: Money::new(row.get(2)?, row.get::<_, String>(3)?),
            })
        })?
        .collect::<crate::db::sql::Result<_>>()?;
    if let Some(first) = order.lines.first() {
        let amount = order
            .lines
            .iter()
            .map(|l| l.unit_price.times(l.quantity).amount_minor)
            .fold(0i64, i64::saturating_add);
        order.total = Money::new(amount, first.unit_price.currency.clone());
    }
    Ok(order)
}

/// One order with its lines.
pub fn find(conn: &Connection, id: &str) -> Result<Option<Order>, StoreError> {
    let sql = format!("{SELECT} WHERE id = ?1");
    let found = conn
        .prepare_cached(&sql)?
        .query_row([id], order)
        .optional()?;
    found.map(|o| with_lines(conn, o)).transpose()
}

/// [`find`], locking the row on PostgreSQL until the transaction ends, so two reports
/// about one order queue instead of failing each other's serializable transaction.
pub fn find_for_update(conn: &Connection, id: &str) -> Result<Option<Order>, StoreError> {
    let lock = match conn.dialect() {
        Dialect::Postgres => " FOR UPDATE",
        // SQLite's write transaction holds the whole database already.
        Dialect::Sqlite => "",
    };
    let sql = format!("{SELECT} WHERE id = ?1{lock}");
    let found = conn
        .prepare_cached(&sql)?
        .query_row([id], order)
        .optional()?;
    found.map(|o| with_lines(conn, o)).transpose()
}

/// Which orders a list holds: `ordered_on` within `since..=until`, in a status, after a
/// cursor (the last order of the previous page), at most `limit`, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub since: Option<Date>,
    pub until: Option<Date>,
    pub status: Option<OrderStatus>,
    pub after: Option<(Date, String)>,
    pub limit: u32,
}

/// The orders `filter` selects, with their lines, ordered by (`ordered_on`, `id`): the
/// index `orders_by_ordered_on` serves every variant.
pub fn list(conn: &Connection, filter: &Filter) -> Result<Vec<Order>, StoreError> {
    let mut clauses = Vec::new();
    let mut values: Vec<crate::db::sql::Value> = Vec::new();
    let mut bind = |clause: &str, value: String, values: &mut Vec<_>| {
        values.push(crate::db::sql::Value::Text(value));
        clauses.push(clause.replace('?', &format!("?{}", values.len())));
    };
    if let Some(since) = filter.since {
        bind("ordered_on >= ?", since.to_string(), &mut values);
    }
    if let Some(until) = filter.until {
        bind("ordered_on <= ?", until.to_string(), &mut values);
    }
    if let Some(status) = filter.status {
        bind("status = ?", status.as_str().to_owned(), &mut values);
    }
    if let Some((on, id)) = &filter.after {
        // (ordered_on, id) > (on, id), spelled out: the index serves it on both databases.
        values.push(crate::db::sql::Value::Text(on.to_string()));
        values.push(crate::db::sql::Value::Text(id.clone()));
        let (a, b) = (values.len() - 1, values.len());
        clauses.push(format!(
            "(ordered_on > ?{a} OR (ordered_on = ?{a} AND id > ?{b}))"
        ));
    }
    values.push(crate::db::sql::Value::Int(i64::from(filter.limit)));
    let where_ = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    let sql = format!(
        "{SELECT}{where_} ORDER BY ordered_on, id LIMIT ?{}",
        values.len()
    );
    let orders = conn.query_all(&sql, values, order)?;
    orders.into_iter().map(|o| with_lines(conn, o)).collect()
}

/// Writes an order's new status and payment fields.
pub fn set_status(
    conn: &Connection,
    id: &str,
    status: OrderStatus,
    failed_payments: u32,
    next_retry_at: Option<&str>,
    failure_reason: Option<&str>,
    now: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE orders SET status = ?2, failed_payments = ?3, next_retry_at = ?4,
             failure_reason = ?5, updated_at = ?6
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        status.as_str(),
        failed_payments,
        next_retry_at,
        failure_reason,
        now
    ])?;
    Ok(())
}

/// Up to `limit` orders whose payment retry is due at `now`, soonest first; on PostgreSQL
/// locked, skipping those another server holds (it is handling them).
pub fn retries_due(conn: &Connection, now: &str, limit: u32) -> Result<Vec<String>, StoreError> {
    let lock = match conn.dialect() {
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => "",
    };
    let sql = format!(
        "SELECT id FROM orders WHERE next_retry_at <= ?1 ORDER BY next_retry_at, id LIMIT ?2{lock}"
    );
    conn.prepare_cached(&sql)?
        .query_map(params![now, limit], |row| row.get(0))?
        .collect()
}

/// Marks the subscription's payment problem: `order`'s charge failed after the last retry.
pub fn set_payment_problem(
    conn: &Connection,
    subscription: &str,
    order: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE subscriptions SET payment_problem_order = ?2 WHERE id = ?1")?
        .execute(params![subscription, order])?;
    Ok(())
}

/// Clears the subscription's payment problem when `paid` settles it: it is the order
/// whose payment failed, or a later one (the payment details work again).
pub fn clear_payment_problem(
    conn: &Connection,
    subscription: &str,
    paid: &Order,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE subscriptions SET payment_problem_order = NULL
         WHERE id = ?1 AND payment_problem_order IS NOT NULL
           AND (payment_problem_order = ?2 OR NOT EXISTS (
                SELECT 1 FROM orders o WHERE o.id = subscriptions.payment_problem_order
                  AND o.ordered_on > ?3))",
    )?
    .execute(params![subscription, paid.id, paid.ordered_on.to_string()])?;
    Ok(())
}
