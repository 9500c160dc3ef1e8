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

/// `product` (with its usage question, routines and the owner's machine) in `lang`.
pub fn product(conn: &Connection, lang: Lang, product: &mut Product) -> Result<(), StoreError> {
    let own = texts(conn, &product.sku, lang)?;
    if let Some(texts) = &own {
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
        routine_names(texts, product.routines.iter_mut());
    }
    // A consumable's page shows the machine it fits (whose routines these are); a
    // durable's page the product itself, whose texts are already read.
    let mut names = ConsumableNames::default();
    if let Some(ownership) = &mut product.ownership {
        let fetched;
        let model = if ownership.model_sku == product.sku {
            own.as_ref()
        } else {
            fetched = texts(conn, &ownership.model_sku, lang)?;
            fetched.as_ref()
        };
        if let Some(model) = model {
            if let Some(name) = &model.name {
                ownership.model_name.clone_from(name);
            }
            routine_names(model, ownership.routines.iter_mut().map(|o| &mut o.routine));
        }
        for owned in &mut ownership.routines {
            names.apply(conn, lang, &mut owned.routine)?;
        }
    }
    for routine in &mut product.routines {
        names.apply(conn, lang, routine)?;
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

/// Consumables' translated names, each read once: a durable's page lists its routines
/// twice (the plan's and the owner's), often with one consumable.
#[derive(Default)]
struct ConsumableNames(BTreeMap<String, Option<String>>);

impl ConsumableNames {
    fn apply(
        &mut self,
        conn: &Connection,
        lang: Lang,
        routine: &mut Routine,
    ) -> Result<(), StoreError> {
        let Some(sku) = &routine.consumable_sku else {
            return Ok(());
        };
        if !self.0.contains_key(sku) {
            let name = texts(conn, sku, lang)?.and_then(|t| t.name);
            self.0.insert(sku.clone(), name);
        }
        if let Some(name) = &self.0[sku] {
            routine.consumable_name = Some(name.clone());
        }
        Ok(())
    }
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
