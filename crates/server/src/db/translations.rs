//! The merchant's texts of a product in the shopper's language (`products.translations`,
//! migration 0013), laid over what the product says in the shop's own language. What the
//! merchant did not translate stays as written.

use super::StoreError;
use crate::admin::records::ProductTexts;
use crate::db::{Connection, OptionalExtension};
use crate::i18n::Lang;
use cadence_contract::{Product, Routine, RoutineTask};
use std::collections::BTreeMap;

/// Product `sku`'s texts in `lang`, if the merchant gave any.
pub fn texts(conn: &Connection, sku: &str, lang: Lang) -> Result<Option<ProductTexts>, StoreError> {
    let stored: Option<String> = conn
        .prepare_cached("SELECT translations FROM products WHERE sku = ?1")?
        .query_row([sku], |row| row.get(0))
        .optional()?;
    let Some(stored) = stored.filter(|s| s != "{}") else {
        return Ok(None);
    };
    let mut all: BTreeMap<String, ProductTexts> = serde_json::from_str(&stored)?;
    Ok(all.remove(lang.tag()))
}

/// `sku`'s name in `lang`, if translated.
fn name(conn: &Connection, sku: &str, lang: Lang) -> Result<Option<String>, StoreError> {
    Ok(texts(conn, sku, lang)?.and_then(|t| t.name))
}

/// `product` (with its usage question and routines) in `lang`.
pub fn product(conn: &Connection, lang: Lang, product: &mut Product) -> Result<(), StoreError> {
    if let Some(texts) = texts(conn, &product.sku, lang)? {
        if let Some(name) = &texts.name {
            product.name.clone_from(name);
        }
        if let Some(description) = &texts.description {
            product.description.clone_from(description);
        }
        if let Some(usage) = &mut product.usage {
            if let Some(prompt) = &texts.usage_prompt {
                usage.prompt.clone_from(prompt);
            }
            if let Some(unit) = &texts.usage_unit {
                usage.unit.clone_from(unit);
            }
        }
        routine_names(&texts, product.routines.iter_mut());
        if let Some(ownership) = &mut product.ownership {
            routine_names(
                &texts,
                ownership.routines.iter_mut().map(|o| &mut o.routine),
            );
        }
    }
    if let Some(ownership) = &mut product.ownership {
        if let Some(model) = name(conn, &ownership.model_sku, lang)? {
            ownership.model_name = model;
        }
    }
    for routine in &mut product.routines {
        consumable_name(conn, lang, routine)?;
    }
    Ok(())
}

fn routine_names<'a>(texts: &ProductTexts, routines: impl Iterator<Item = &'a mut Routine>) {
    for routine in routines {
        if let Some(name) = texts.maintenance.get(&routine.name) {
            routine.name.clone_from(name);
        }
    }
}

fn consumable_name(conn: &Connection, lang: Lang, routine: &mut Routine) -> Result<(), StoreError> {
    if let Some(sku) = &routine.consumable_sku {
        if let Some(name) = name(conn, sku, lang)? {
            routine.consumable_name = Some(name);
        }
    }
    Ok(())
}

/// The customer's maintenance tasks in `lang`: task and machine names.
pub fn tasks(conn: &Connection, lang: Lang, tasks: &mut [RoutineTask]) -> Result<(), StoreError> {
    let mut cache: BTreeMap<String, Option<ProductTexts>> = BTreeMap::new();
    for task in tasks {
        if !cache.contains_key(&task.model_sku) {
            let texts = texts(conn, &task.model_sku, lang)?;
            cache.insert(task.model_sku.clone(), texts);
        }
        let Some(texts) = &cache[&task.model_sku] else {
            continue;
        };
        if let Some(name) = texts.maintenance.get(&task.name) {
            task.name.clone_from(name);
        }
        if let Some(model) = &texts.name {
            task.model_name.clone_from(model);
        }
    }
    Ok(())
}
