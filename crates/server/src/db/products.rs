//! Catalog queries: products with their subscription offer.

use super::StoreError;
use crate::db::{Connection, OptionalExtension, Row};
use cadence_contract::{
    Interval, IntervalUnit, Money, Product, ProductKind, SubscriptionOffer, SwapOption,
};

/// How interval units are spelled in the database.
pub fn unit_to_sql(unit: IntervalUnit) -> &'static str {
    match unit {
        IntervalUnit::Day => "day",
        IntervalUnit::Week => "week",
        IntervalUnit::Month => "month",
    }
}

pub fn unit_from_sql(unit: &str) -> Result<IntervalUnit, StoreError> {
    match unit {
        "day" => Ok(IntervalUnit::Day),
        "week" => Ok(IntervalUnit::Week),
        "month" => Ok(IntervalUnit::Month),
        other => Err(StoreError::Corrupt(format!(
            "unknown interval unit {other:?} in the database"
        ))),
    }
}

/// `products.kind` as stored → the contract's kind.
pub fn kind_from_sql(kind: &str) -> ProductKind {
    match kind {
        "durable" => ProductKind::Durable,
        "consumable" => ProductKind::Consumable,
        "accessory" => ProductKind::Accessory,
        _ => ProductKind::Unknown,
    }
}

const COLUMNS: &str =
    "sku, name, kind, description, price_minor, currency, units_per_pack, in_stock,
     subscribable, discount_percent, default_interval_count, default_interval_unit";

struct Raw {
    product: Product,
    subscribable: bool,
    discount_percent: u8,
    default_interval: Option<(u16, String)>,
}

fn raw(row: &Row<'_>) -> crate::db::sql::Result<Raw> {
    let count: Option<u16> = row.get(10)?;
    let unit: Option<String> = row.get(11)?;
    Ok(Raw {
        product: Product {
            sku: row.get(0)?,
            name: row.get(1)?,
            kind: kind_from_sql(&row.get::<_, String>(2)?),
            description: row.get(3)?,
            price: Money::new(row.get(4)?, row.get::<_, String>(5)?),
            units_per_pack: row.get(6)?,
            in_stock: row.get(7)?,
            subscription: None,
            // Plan data is added by `db::plan::product_for` where an endpoint needs it.
            usage: None,
            routines: Vec::new(),
            community: None,
            ownership: None,
        },
        subscribable: row.get(8)?,
        discount_percent: row.get(9)?,
        default_interval: count.zip(unit),
    })
}

/// `intervals`' query (public so tests can check its plan: one indexed search).
pub const INTERVALS_SQL: &str = "SELECT count, unit FROM product_intervals WHERE sku = ?1";

/// The intervals a product may be subscribed at, shortest first.
pub fn intervals(conn: &Connection, sku: &str) -> Result<Vec<Interval>, StoreError> {
    let mut stmt = conn.prepare_cached(INTERVALS_SQL)?;
    let rows = stmt.query_map([sku], |row| {
        Ok((row.get::<_, u16>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut list = Vec::new();
    for row in rows {
        let (count, unit) = row?;
        list.push(Interval {
            count,
            unit: unit_from_sql(&unit)?,
        });
    }
    list.sort_by(|a, b| a.approx_days().total_cmp(&b.approx_days()));
    Ok(list)
}

/// Attaches the subscription offer: only when the product is subscribable and has at least
/// one allowed interval, so the widget never offers a plan the server would refuse.
fn complete(conn: &Connection, raw: Raw) -> Result<Product, StoreError> {
    let mut product = raw.product;
    if raw.subscribable {
        let intervals = intervals(conn, &product.sku)?;
        if let Some(first) = intervals.first().copied() {
            let default_interval = match raw.default_interval {
                Some((count, unit)) => Interval {
                    count,
                    unit: unit_from_sql(&unit)?,
                },
                None => first,
            };
            // A default the shopper could not choose would be refused on submit.
            let default_interval = if intervals.contains(&default_interval) {
                default_interval
            } else {
                first
            };
            product.subscription = Some(SubscriptionOffer {
                price: product.price.discounted(raw.discount_percent),
                intervals,
                default_interval,
                discount_percent: raw.discount_percent,
            });
        }
    }
    Ok(product)
}

pub fn find(conn: &Connection, sku: &str) -> Result<Option<Product>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM products WHERE sku = ?1");
    let found = conn
        .prepare_cached(&sql)?
        .query_row([sku], raw)
        .optional()?;
    found.map(|raw| complete(conn, raw)).transpose()
}

/// Every product, durables first, then by name (the demo shop's catalog page).
pub fn list(conn: &Connection) -> Result<Vec<Product>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM products
         ORDER BY CASE kind WHEN 'durable' THEN 0 WHEN 'consumable' THEN 1 ELSE 2 END, name"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let raws = stmt
        .query_map([], raw)?
        .collect::<crate::db::sql::Result<Vec<_>>>()?;
    raws.into_iter().map(|raw| complete(conn, raw)).collect()
}

/// `swap_options`' query: `products_by_swap_group` (migration 0006) finds the group's
/// products already by name, so it costs the group's size, not the catalog's (public so
/// tests can check its plan).
pub const SWAP_OPTIONS_SQL: &str = "SELECT p.sku, p.name, p.price_minor, p.currency,
        p.discount_percent
     FROM products p JOIN products mine ON mine.sku = ?1
     WHERE p.swap_group = mine.swap_group AND p.sku <> mine.sku
       AND p.subscribable = 1 AND p.in_stock = 1
       AND EXISTS (SELECT 1 FROM product_intervals i
                   WHERE i.sku = p.sku AND i.count = ?2 AND i.unit = ?3)
     ORDER BY p.name";

/// What a subscription to `sku` at `interval` may be swapped to: the other subscribable,
/// in-stock products of its swap group that offer the same interval (so a swap never
/// leaves a subscription on an interval its product does not allow). By name.
pub fn swap_options(
    conn: &Connection,
    sku: &str,
    interval: Interval,
) -> Result<Vec<SwapOption>, StoreError> {
    let mut stmt = conn.prepare_cached(SWAP_OPTIONS_SQL)?;
    let rows = stmt.query_map(
        crate::params![sku, interval.count, unit_to_sql(interval.unit)],
        |row| {
            let price = Money::new(row.get(2)?, row.get::<_, String>(3)?);
            Ok(SwapOption {
                sku: row.get(0)?,
                name: row.get(1)?,
                price: price.discounted(row.get(4)?),
            })
        },
    )?;
    rows.collect::<crate::db::sql::Result<_>>()
}

/// The subscribe & save discount the catalog offers on `sku` now.
pub fn discount_percent(conn: &Connection, sku: &str) -> Result<Option<u8>, StoreError> {
    conn.prepare_cached("SELECT discount_percent FROM products WHERE sku = ?1")?
        .query_row([sku], |row| row.get(0))
        .optional()
}
