//! A product as the merchant loads it, written and read as one record: the `products` row,
//! its intervals, usage question, compatible products and maintenance tasks (0001, 0002,
//! 0003). Writing replaces every part, so the same record written twice is the same state.

use super::known::ProductFacts;
use crate::admin::records::{OfferRecord, ProductRecord, TaskRecord, UsageRecord};
use crate::db::products::{kind_from_sql, unit_from_sql, unit_to_sql};
use crate::db::{Connection, OptionalExtension, StoreError};
use crate::params;
use cadence_contract::{Interval, Money, ProductKind};

/// How a kind is stored.
pub fn kind_to_sql(kind: ProductKind) -> Result<&'static str, StoreError> {
    match kind {
        ProductKind::Durable => Ok("durable"),
        ProductKind::Consumable => Ok("consumable"),
        ProductKind::Accessory => Ok("accessory"),
        ProductKind::Unknown => Err(StoreError::Corrupt("an unknown kind to store".into())),
    }
}

/// What references to the product will find once `record` is stored.
pub fn facts(record: &ProductRecord) -> ProductFacts {
    ProductFacts {
        kind: record.kind,
        currency: record.price.currency.clone(),
        offer_discount: record.subscription.as_ref().map(|o| o.discount_percent),
    }
}

/// Stores `record` (checked and normalized) as product `sku`; `true` when it is new.
pub fn write(conn: &Connection, sku: &str, record: &ProductRecord) -> Result<bool, StoreError> {
    let existed = conn
        .prepare_cached("SELECT 1 FROM products WHERE sku = ?1")?
        .exists([sku])?;
    let offer = record.subscription.as_ref();
    let default = offer.and_then(|o| o.default_interval);
    conn.prepare_cached(
        "INSERT INTO products (sku, name, kind, description, price_minor, currency,
            units_per_pack, in_stock, subscribable, discount_percent, default_interval_count,
            default_interval_unit, swap_group, translations)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (sku) DO UPDATE SET name = excluded.name, kind = excluded.kind,
            description = excluded.description, price_minor = excluded.price_minor,
            currency = excluded.currency, units_per_pack = excluded.units_per_pack,
            in_stock = excluded.in_stock, subscribable = excluded.subscribable,
            discount_percent = excluded.discount_percent,
            default_interval_count = excluded.default_interval_count,
            default_interval_unit = excluded.default_interval_unit,
            swap_group = excluded.swap_group, translations = excluded.translations",
    )?
    .execute(params![
        sku,
        record.name,
        kind_to_sql(record.kind)?,
        record.description,
        record.price.amount_minor,
        record.price.currency,
        record.units_per_pack,
        record.in_stock,
        offer.is_some(),
        offer.map_or(0, |o| o.discount_percent),
        default.map(|i| i.count),
        default.map(|i| unit_to_sql(i.unit)),
        record.swap_group,
        serde_json::to_string(&record.translations)?,
    ])?;
    write_intervals(conn, sku, offer)?;
    write_usage(conn, sku, record.usage.as_ref())?;
    conn.prepare_cached("DELETE FROM compatibility WHERE model_sku = ?1")?
        .execute([sku])?;
    for fits in &record.compatible {
        conn.prepare_cached("INSERT INTO compatibility (model_sku, fits_sku) VALUES (?1, ?2)")?
            .execute([sku, fits.as_str()])?;
    }
    write_tasks(conn, sku, &record.maintenance)?;
    Ok(!existed)
}

fn write_intervals(
    conn: &Connection,
    sku: &str,
    offer: Option<&OfferRecord>,
) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM product_intervals WHERE sku = ?1")?
        .execute([sku])?;
    for interval in offer.map(|o| o.intervals.as_slice()).unwrap_or_default() {
        conn.prepare_cached(
            "INSERT INTO product_intervals (sku, count, unit) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![sku, interval.count, unit_to_sql(interval.unit)])?;
    }
    Ok(())
}

fn write_usage(
    conn: &Connection,
    sku: &str,
    usage: Option<&UsageRecord>,
) -> Result<(), StoreError> {
    let Some(u) = usage else {
        conn.prepare_cached("DELETE FROM usage_questions WHERE sku = ?1")?
            .execute([sku])?;
        return Ok(());
    };
    conn.prepare_cached(
        "INSERT INTO usage_questions (sku, prompt, unit, min_value, max_value, default_value,
            units_per_use)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (sku) DO UPDATE SET prompt = excluded.prompt, unit = excluded.unit,
            min_value = excluded.min_value, max_value = excluded.max_value,
            default_value = excluded.default_value, units_per_use = excluded.units_per_use",
    )?
    .execute(params![
        sku,
        u.prompt,
        u.unit,
        u.min,
        u.max,
        u.default,
        u.units_per_use
    ])?;
    Ok(())
}

/// Tasks are matched by name, so a task that stays keeps its row, and with it every
/// customer's record of doing it (`maintenance_log`); a task no longer listed goes, with
/// its records.
fn write_tasks(conn: &Connection, sku: &str, tasks: &[TaskRecord]) -> Result<(), StoreError> {
    let existing: Vec<(i64, String)> = conn.query_all(
        "SELECT id, name FROM maintenance_routines WHERE durable_sku = ?1",
        [sku],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    for (id, name) in &existing {
        if !tasks.iter().any(|t| &t.name == name) {
            conn.prepare_cached("DELETE FROM maintenance_routines WHERE id = ?1")?
                .execute([*id])?;
        }
    }
    for task in tasks {
        let values = params![
            sku,
            task.name,
            task.every_days,
            task.consumable_sku,
            task.guide_url
        ];
        let updated = conn
            .prepare_cached(
                "UPDATE maintenance_routines SET interval_days = ?3, consumable_sku = ?4,
                    guide_url = ?5
                 WHERE durable_sku = ?1 AND name = ?2",
            )?
            .execute(values)?;
        if updated == 0 {
            conn.prepare_cached(
                "INSERT INTO maintenance_routines (durable_sku, name, interval_days,
                    consumable_sku, guide_url)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(values)?;
        }
    }
    Ok(())
}

/// Product `sku` as its record, or `None`.
pub fn read(conn: &Connection, sku: &str) -> Result<Option<ProductRecord>, StoreError> {
    let found = conn
        .prepare_cached(
            "SELECT name, kind, description, price_minor, currency, units_per_pack, in_stock,
                subscribable, discount_percent, default_interval_count, default_interval_unit,
                swap_group, translations
             FROM products WHERE sku = ?1",
        )?
        .query_row([sku], |row| {
            let default: (Option<u16>, Option<String>) = (row.get(9)?, row.get(10)?);
            Ok((
                ProductRecord {
                    name: row.get(0)?,
                    kind: kind_from_sql(&row.get::<_, String>(1)?),
                    description: row.get(2)?,
                    price: Money::new(row.get(3)?, row.get::<_, String>(4)?),
                    units_per_pack: row.get(5)?,
                    in_stock: row.get(6)?,
                    subscription: None,
                    swap_group: row.get(11)?,
                    usage: None,
                    compatible: Vec::new(),
                    maintenance: Vec::new(),
                    translations: serde_json::from_str(&row.get::<_, String>(12)?)?,
                },
                row.get::<_, bool>(7)?,
                row.get::<_, u8>(8)?,
                default,
            ))
        })
        .optional()?;
    let Some((mut record, subscribable, discount_percent, default)) = found else {
        return Ok(None);
    };
    if subscribable {
        let intervals = conn.query_all(
            "SELECT count, unit FROM product_intervals WHERE sku = ?1",
            [sku],
            |row| Ok((row.get::<_, u16>(0)?, row.get::<_, String>(1)?)),
        )?;
        let interval = |(count, unit): (u16, String)| -> Result<Interval, StoreError> {
            Ok(Interval {
                count,
                unit: unit_from_sql(&unit)?,
            })
        };
        record.subscription = Some(OfferRecord {
            intervals: intervals
                .into_iter()
                .map(interval)
                .collect::<Result<_, _>>()?,
            default_interval: match default {
                (Some(count), Some(unit)) => Some(interval((count, unit))?),
                _ => None,
            },
            discount_percent,
        });
    }
    record.usage = conn
        .prepare_cached(
            "SELECT prompt, unit, min_value, max_value, default_value, units_per_use
             FROM usage_questions WHERE sku = ?1",
        )?
        .query_row([sku], |row| {
            Ok(UsageRecord {
                prompt: row.get(0)?,
                unit: row.get(1)?,
                min: row.get(2)?,
                max: row.get(3)?,
                default: row.get(4)?,
                units_per_use: row.get(5)?,
            })
        })
        .optional()?;
    record.compatible = conn.query_all(
        "SELECT fits_sku FROM compatibility WHERE model_sku = ?1 ORDER BY fits_sku",
        [sku],
        |row| row.get(0),
    )?;
    record.maintenance = conn.query_all(
        "SELECT name, interval_days, consumable_sku, guide_url FROM maintenance_routines
         WHERE durable_sku = ?1 ORDER BY id",
        [sku],
        |row| {
            Ok(TaskRecord {
                name: row.get(0)?,
                every_days: row.get(1)?,
                consumable_sku: row.get(2)?,
                guide_url: row.get(3)?,
            })
        },
    )?;
    Ok(Some(record.normalized()))
}
