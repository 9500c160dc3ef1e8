//! The generated catalog: machine families of ten products (a machine, four capsule
//! varieties, a descaler, a water filter, three accessories) with their subscription
//! intervals, compatibility, maintenance routines and usage questions.

use super::rng::Rng;
use super::{GenerateError, FAMILY_SIZE};
use crate::db::products::unit_to_sql;
use crate::db::Connection;
use crate::db::StoreError;
use crate::params;
use cadence_contract::Interval;

const BRANDS: [&str; 16] = [
    "Aurora", "Brava", "Crema", "Dolce", "Estrella", "Fiamma", "Gusto", "Lumen", "Moka",
    "Nocciola", "Orzo", "Piccolo", "Rialto", "Sereno", "Tazza", "Vivace",
];
const VARIETIES: [&str; 8] = [
    "Intenso",
    "Lungo",
    "Ristretto",
    "Decaf",
    "Vanilla",
    "Caramel",
    "Dolce",
    "Forte",
];
const ACCESSORIES: [&str; 6] = [
    "Milk frother",
    "Cup set",
    "Knock box",
    "Travel mug",
    "Capsule drawer",
    "Cleaning brush",
];
const CAPSULE_INTERVALS: [Interval; 4] = [
    Interval::weeks(2),
    Interval::weeks(4),
    Interval::weeks(6),
    Interval::weeks(8),
];
const DESCALER_INTERVALS: [Interval; 2] = [Interval::months(3), Interval::months(6)];
const FILTER_INTERVALS: [Interval; 2] = [Interval::months(2), Interval::months(4)];

/// One catalog row about to be inserted.
struct NewProduct {
    sku: String,
    name: String,
    kind: &'static str,
    description: String,
    price: i64,
    pack: Option<u32>,
    intervals: &'static [Interval],
    discount: u8,
    group: Option<String>,
}

/// A product as customers shop it.
#[derive(Default)]
pub(super) struct Item {
    pub sku: String,
    /// Minor units (EUR).
    pub price: i64,
}

/// A machine family's products, as customers shop them.
pub(super) struct Family {
    pub machine: Item,
    pub capsules: Vec<Item>,
    pub descaler: Item,
    pub filter: Item,
    pub accessories: Vec<Item>,
}

/// Inserts `products` products, family by family, and returns the complete families.
pub(super) fn catalog(
    tx: &Connection,
    products: u32,
    rng: &mut Rng,
) -> Result<Vec<Family>, GenerateError> {
    let mut product = tx.prepare_cached(
        "INSERT INTO products (sku, name, kind, description, price_minor, currency, units_per_pack,
            in_stock, subscribable, discount_percent, default_interval_count, default_interval_unit,
            swap_group)
         VALUES (?1, ?2, ?3, ?4, ?5, 'EUR', ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    let mut interval =
        tx.prepare_cached("INSERT INTO product_intervals (sku, count, unit) VALUES (?1, ?2, ?3)")?;
    let mut fits =
        tx.prepare_cached("INSERT INTO compatibility (model_sku, fits_sku) VALUES (?1, ?2)")?;
    let mut routine = tx.prepare_cached(
        "INSERT INTO maintenance_routines (durable_sku, name, interval_days, consumable_sku, guide_url)
         VALUES (?1, ?2, ?3, ?4, NULL)",
    )?;
    let mut usage = tx.prepare_cached(
        "INSERT INTO usage_questions (sku, prompt, unit, min_value, max_value, default_value, units_per_use)
         VALUES (?1, 'How many coffees do you make a day?', 'cups a day', 1, 12, 2, 1)",
    )?;
    let mut families: Vec<Family> = Vec::new();
    for i in 0..products {
        let f = i / FAMILY_SIZE;
        let role = i % FAMILY_SIZE;
        let brand = BRANDS[f as usize % BRANDS.len()];
        let model = format!("{brand} {}", 100 + f / BRANDS.len() as u32);
        let base = format!("G{f:05}");
        let machine_sku = format!("{base}-M");
        let NewProduct {
            sku,
            name,
            kind,
            description,
            price,
            pack,
            intervals,
            discount,
            group,
        } = match role {
            0 => NewProduct {
                sku: machine_sku.clone(),
                name: format!("{model} machine"),
                kind: "durable",
                description: format!(
                    "The {model} capsule machine: 19 bar, 1 l tank. Descale every three \
                     months, change the filter every two."
                ),
                price: rng.range(99, 599) * 100 - 1,
                pack: None,
                intervals: &[],
                discount: 0,
                group: None,
            },
            1..=4 => {
                let variety = VARIETIES[(f + role) as usize % VARIETIES.len()];
                NewProduct {
                    sku: format!("{base}-C{role}"),
                    name: format!("{model} {variety} capsules"),
                    kind: "consumable",
                    description: format!(
                        "{variety} capsules for the {model}. 50 capsules per pack."
                    ),
                    price: rng.range(12, 24) * 100 + 50,
                    pack: Some(50),
                    intervals: &CAPSULE_INTERVALS,
                    discount: 10,
                    group: Some(format!("{base}-capsules")),
                }
            }
            5 => NewProduct {
                sku: format!("{base}-DS"),
                name: format!("{model} descaling kit"),
                kind: "consumable",
                description: format!("Descaler made for the {model}. Two sachets per pack."),
                price: rng.range(9, 15) * 100 + 90,
                pack: Some(2),
                intervals: &DESCALER_INTERVALS,
                discount: 5,
                group: None,
            },
            6 => NewProduct {
                sku: format!("{base}-WF"),
                name: format!("{model} water filter"),
                kind: "consumable",
                description: format!(
                    "Water filter cartridge for the {model}'s tank. Replace every two months."
                ),
                price: rng.range(6, 12) * 100 + 90,
                pack: Some(1),
                intervals: &FILTER_INTERVALS,
                discount: 5,
                group: None,
            },
            _ => {
                let a = role - 7;
                let accessory = ACCESSORIES[(f + 2 * a) as usize % ACCESSORIES.len()];
                NewProduct {
                    sku: format!("{base}-A{a}"),
                    name: format!("{accessory} for the {model}"),
                    kind: "accessory",
                    description: format!(
                        "A {} styled to sit next to the {model}.",
                        accessory.to_lowercase()
                    ),
                    price: rng.range(15, 99) * 100 - 10,
                    pack: None,
                    intervals: &[],
                    discount: 0,
                    group: None,
                }
            }
        };
        // Capsules every 4 weeks; a descaler and a filter at their routine's pace.
        let default = intervals.get(if (1..=4).contains(&role) { 1 } else { 0 });
        product.execute(params![
            sku,
            name,
            kind,
            description,
            price,
            pack,
            // One product in fifty is out of stock, as in any real catalog.
            !rng.chance(0.02),
            !intervals.is_empty(),
            discount,
            default.map(|i| i.count),
            default.map(|i| unit_to_sql(i.unit)),
            group,
        ])?;
        for i in intervals {
            interval.execute(params![sku, i.count, unit_to_sql(i.unit)])?;
        }
        if role == 0 {
            families.push(Family {
                machine: Item { sku, price },
                capsules: Vec::new(),
                descaler: Item::default(),
                filter: Item::default(),
                accessories: Vec::new(),
            });
            continue;
        }
        fits.execute(params![machine_sku, sku])?;
        let family = families
            .last_mut()
            .ok_or_else(|| StoreError::Corrupt("a family without a machine".into()))?;
        match role {
            1..=4 => {
                usage.execute([&sku])?;
                family.capsules.push(Item { sku, price });
            }
            5 => {
                routine.execute(params![machine_sku, "Descale", 90, sku])?;
                family.descaler = Item { sku, price };
            }
            6 => {
                routine.execute(params![machine_sku, "Water filter change", 60, sku])?;
                family.filter = Item { sku, price };
            }
            _ => family.accessories.push(Item { sku, price }),
        }
    }
    // Customers shop complete families only (the last one may be cut short).
    families.retain(|f| f.capsules.len() == 4 && !f.filter.sku.is_empty());
    Ok(families)
}
