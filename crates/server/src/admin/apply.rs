//! Applying one merchant record, the same way for a single `PUT` and for an import line:
//! its own checks, then its references (against the database, or a dry run's view of it),
//! then — unless it is a dry run — the write. A refusal is every problem found, each with
//! its JSON Pointer; nothing is written for a refused record.

use super::checks::Problems;
use super::records::{
    CustomerRecord, OrderOrigin, OrderRecord, OwnedRecord, ProductRecord, SubscriptionRecord,
};
use crate::db::admin_data::known::Known;
use crate::db::admin_data::{catalog, history, imported};
use crate::db::{customers, Connection, OptionalExtension, StoreError};
use crate::error::ApiError;
use cadence_contract::problem::FieldError;
use cadence_contract::{Date, ProductKind};

/// When and how a record is applied.
#[derive(Clone, Debug)]
pub struct Apply {
    pub today: Date,
    /// RFC 3339 UTC, for the audit rows.
    pub now: String,
    /// `false`: a dry run, which checks and writes nothing.
    pub write: bool,
}

/// What applying an accepted record did (or, in a dry run, would do).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    /// An imported subscription whose id Cadence already holds: left as it is.
    Kept,
}

/// Why a record was refused: its own or its references' problems (422), or a clash with
/// what is stored (409: an email another customer holds, an order Cadence placed, a
/// subscription of another customer).
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    Invalid(Vec<FieldError>),
    Conflict(Vec<FieldError>),
}

impl Refusal {
    pub fn errors(&self) -> &[FieldError] {
        match self {
            Refusal::Invalid(errors) | Refusal::Conflict(errors) => errors,
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> ApiError {
        match refusal {
            Refusal::Invalid(errors) => ApiError::fields(errors),
            Refusal::Conflict(errors) => ApiError::conflict(
                errors
                    .into_iter()
                    .next()
                    .map_or_else(String::new, |e| e.detail),
            ),
        }
    }
}

pub type Applied = Result<Outcome, Refusal>;

fn refused(problems: Problems) -> Applied {
    Err(Refusal::Invalid(problems.0))
}

fn conflict(pointer: &str, detail: &str) -> Applied {
    Err(Refusal::Conflict(vec![FieldError {
        pointer: pointer.to_owned(),
        detail: detail.to_owned(),
    }]))
}

fn created(new: bool) -> Outcome {
    if new {
        Outcome::Created
    } else {
        Outcome::Updated
    }
}

/// A product (`record` normalized), its compatible products and task consumables loaded.
/// The currency of product `sku` when it differs from `currency` and the product has
/// subscriptions: each holds its agreed price in minor units of that currency
/// (`unit_price_minor`, 0015), so a change of currency would re-read every one of them.
fn subscribed_in_another_currency(
    conn: &Connection,
    sku: &str,
    currency: &str,
) -> Result<Option<String>, StoreError> {
    conn.prepare_cached(
        "SELECT p.currency FROM products p
         WHERE p.sku = ?1 AND p.currency <> ?2
           AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.sku = p.sku)",
    )?
    .query_row([sku, currency], |row| row.get(0))
    .optional()
}

pub fn product(
    conn: &Connection,
    known: &mut dyn Known,
    sku: &str,
    record: &ProductRecord,
    how: &Apply,
) -> Result<Applied, StoreError> {
    let mut problems = Problems::default();
    problems.id("/sku", sku);
    record.check(&mut problems);
    if !problems.is_empty() {
        return Ok(refused(problems));
    }
    for (i, fits) in record.compatible.iter().enumerate() {
        if fits == sku {
            problems.add(format!("/compatible/{i}"), "A product does not fit itself.");
        } else if known.product(conn, fits)?.is_none() {
            problems.add(
                format!("/compatible/{i}"),
                "No product has this SKU: load it before the durable it fits.",
            );
        }
    }
    if let Some(currency) = subscribed_in_another_currency(conn, sku, &record.price.currency)? {
        problems.add(
            "/price/currency",
            format!(
                "Subscribers pay this product in {currency}: their agreed prices would change \
                 meaning. Keep {currency}, or sell the product under a new SKU."
            ),
        );
    }
    for (i, task) in record.maintenance.iter().enumerate() {
        let Some(consumable) = &task.consumable_sku else {
            continue;
        };
        if consumable == sku || known.product(conn, consumable)?.is_none() {
            problems.add(
                format!("/maintenance/{i}/consumable_sku"),
                "No other product has this SKU: load the consumable before the durable.",
            );
        }
    }
    if !problems.is_empty() {
        return Ok(refused(problems));
    }
    let outcome = if how.write {
        created(catalog::write(conn, sku, record)?)
    } else {
        created(known.product(conn, sku)?.is_none())
    };
    known.accepted_product(sku, catalog::facts(record));
    Ok(Ok(outcome))
}

/// A customer, their email not another customer's.
pub fn customer(
    conn: &Connection,
    known: &mut dyn Known,
    id: &str,
    record: &CustomerRecord,
    how: &Apply,
) -> Result<Applied, StoreError> {
    let mut problems = Problems::default();
    problems.id("/id", id);
    record.check(&mut problems);
    if !problems.is_empty() {
        return Ok(refused(problems));
    }
    if let Some(email) = &record.email {
        if known
            .email_owner(conn, email)?
            .is_some_and(|owner| owner != id)
        {
            return Ok(conflict(
                "/email",
                "Another customer has this email address.",
            ));
        }
    }
    let outcome = if how.write {
        created(customers::write(conn, id, record)?)
    } else {
        created(!known.customer(conn, id)?)
    };
    known.accepted_customer(id, record.email.as_deref());
    Ok(Ok(outcome))
}

/// Customer `customer` owns product `sku` since `record.purchased_on`.
pub fn owned(
    conn: &Connection,
    known: &mut dyn Known,
    customer: &str,
    sku: &str,
    record: &OwnedRecord,
    how: &Apply,
) -> Result<Applied, StoreError> {
    let mut problems = Problems::default();
    problems.id("/customer_id", customer);
    problems.id("/sku", sku);
    record.check(how.today, &mut problems);
    if !problems.is_empty() {
        return Ok(refused(problems));
    }
    if !known.customer(conn, customer)? {
        problems.add(
            "/customer_id",
            "No customer has this id: load the customer first.",
        );
    }
    if known.product(conn, sku)?.is_none() {
        problems.add("/sku", "No product has this SKU: load the product first.");
    }
    if !problems.is_empty() {
        return Ok(refused(problems));
    }
    let outcome = if how.write {
        created(customers::set_owned(
            conn,
            customer,
            sku,
            record.purchased_on,
        )?)
    } else {
        Outcome::Updated
    };
    Ok(Ok(outcome))
}

/// An order of the shop's history (`record` normalized), its customer, products and
/// subscription loaded; never one Cadence placed.
pub fn order(
    conn: &Connection,
    known: &mut dyn Known,
    id: &str,
    record: &OrderRecord,
    how: &Apply,
) -> Result<Applied, StoreError> {
    let mut problems = Problems::default();
    problems.id("/id", id);
    record.check(how.today, &mut problems);
    if !problems.is_empty() {
        return Ok(refused(problems));
    }
    if !known.customer(conn, &record.customer_id)? {
        problems.add(
            "/customer_id",
            "No customer has this id: load the customer first.",
        );
    }
    for (i, line) in record.lines.iter().enumerate() {
        if known.product(conn, &line.sku)?.is_none() {
            problems.add(
                format!("/lines/{i}/sku"),
                "No product has this SKU: load the product first.",
            );
        }
    }
    if let Some(subscription) = &record.subscription_id {
        if known.subscription_customer(conn, subscription)?.as_deref()
            != Some(record.customer_id.as_str())
        {
            problems.add(
                "/subscription_id",
                "The customer has no subscription with this id.",
            );
        }
    }
    if !problems.is_empty() {
        return Ok(refused(problems));
    }
    let origin = known.order_origin(conn, id)?;
    if origin == Some(OrderOrigin::Cadence) {
        return Ok(conflict(
            "/id",
            "Cadence placed this order: report its outcome instead of rewriting it.",
        ));
    }
    let outcome = if how.write {
        created(history::write(conn, id, record)?)
    } else {
        created(origin.is_none())
    };
    known.accepted_order(id);
    Ok(Ok(outcome))
}

/// A subscription moved from another app: created when Cadence does not hold its id yet,
/// kept as it is when it does (for the same customer).
pub fn subscription(
    conn: &Connection,
    known: &mut dyn Known,
    record: &SubscriptionRecord,
    how: &Apply,
) -> Result<Applied, StoreError> {
    let mut problems = Problems::default();
    record.check(how.today, &mut problems);
    if !problems.is_empty() {
        return Ok(refused(problems));
    }
    if !known.customer(conn, &record.customer_id)? {
        problems.add(
            "/customer_id",
            "No customer has this id: load the customer first.",
        );
    }
    let product = known.product(conn, &record.sku)?;
    match &product {
        None => problems.add("/sku", "No product has this SKU: load the product first."),
        Some(facts) if facts.kind == ProductKind::Durable => {
            problems.add("/sku", "A durable is bought once, not subscribed to.");
        }
        Some(facts) => {
            if record
                .unit_price
                .as_ref()
                .is_some_and(|p| p.currency != facts.currency)
            {
                problems.add(
                    "/unit_price/currency",
                    "The agreed price must be in the product's currency.",
                );
            }
        }
    }
    if !problems.is_empty() {
        return Ok(refused(problems));
    }
    match known.subscription_customer(conn, &record.id)? {
        Some(customer) if customer == record.customer_id => return Ok(Ok(Outcome::Kept)),
        Some(_) => {
            return Ok(conflict(
                "/id",
                "Another customer's subscription has this id.",
            ))
        }
        None => {}
    }
    let discount = record
        .discount_percent
        .or(product.and_then(|p| p.offer_discount))
        .unwrap_or(0);
    if how.write {
        imported::create(conn, record, discount, how.today, &how.now)?;
    }
    known.accepted_subscription(&record.id, &record.customer_id);
    Ok(Ok(Outcome::Created))
}
