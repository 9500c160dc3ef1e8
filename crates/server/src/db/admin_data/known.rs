//! What a merchant record's references are checked against: the database ([`Stored`]), or,
//! in an import's dry run, the database plus what the lines accepted so far would have
//! written ([`DryRun`]): a dry run writes nothing, yet a customer line followed by that
//! customer's orders must pass exactly as it would for real. An import's real batches ask
//! through [`Cached`], which remembers within its transaction.

use crate::admin::records::OrderOrigin;
use crate::db::products::kind_from_sql;
use crate::db::{Connection, OptionalExtension, StoreError};
use cadence_contract::ProductKind;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

/// What checking a reference to a product needs to know about it.
#[derive(Clone, Debug, PartialEq)]
pub struct ProductFacts {
    pub kind: ProductKind,
    pub currency: String,
    /// The subscribe & save discount when the product can be subscribed to.
    pub offer_discount: Option<u8>,
}

/// The lookups, and what an accepted record adds to them.
pub trait Known {
    fn product(&self, conn: &Connection, sku: &str) -> Result<Option<ProductFacts>, StoreError>;
    fn customer(&self, conn: &Connection, id: &str) -> Result<bool, StoreError>;
    /// The customer holding `email`, if any.
    fn email_owner(&self, conn: &Connection, email: &str) -> Result<Option<String>, StoreError>;
    /// The customer of subscription `id`, if it exists.
    fn subscription_customer(
        &self,
        conn: &Connection,
        id: &str,
    ) -> Result<Option<String>, StoreError>;
    /// Who placed order `id`, if it exists.
    fn order_origin(&self, conn: &Connection, id: &str) -> Result<Option<OrderOrigin>, StoreError>;

    /// A product record was accepted (stored, or would have been).
    fn accepted_product(&mut self, sku: &str, facts: ProductFacts);
    /// A customer record was accepted, with this email.
    fn accepted_customer(&mut self, id: &str, email: Option<&str>);
    fn accepted_subscription(&mut self, id: &str, customer: &str);
    fn accepted_order(&mut self, id: &str);
}

/// The database as it is: what was accepted is already written.
pub struct Stored;

impl Known for Stored {
    fn product(&self, conn: &Connection, sku: &str) -> Result<Option<ProductFacts>, StoreError> {
        conn.prepare_cached(
            "SELECT kind, currency, subscribable, discount_percent FROM products WHERE sku = ?1",
        )?
        .query_row([sku], |row| {
            let subscribable: bool = row.get(2)?;
            Ok(ProductFacts {
                kind: kind_from_sql(&row.get::<_, String>(0)?),
                currency: row.get(1)?,
                offer_discount: if subscribable {
                    Some(row.get(3)?)
                } else {
                    None
                },
            })
        })
        .optional()
    }

    fn customer(&self, conn: &Connection, id: &str) -> Result<bool, StoreError> {
        conn.prepare_cached("SELECT 1 FROM customers WHERE id = ?1")?
            .exists([id])
    }

    fn email_owner(&self, conn: &Connection, email: &str) -> Result<Option<String>, StoreError> {
        conn.prepare_cached("SELECT id FROM customers WHERE email = ?1")?
            .query_row([email], |row| row.get(0))
            .optional()
    }

    fn subscription_customer(
        &self,
        conn: &Connection,
        id: &str,
    ) -> Result<Option<String>, StoreError> {
        conn.prepare_cached("SELECT customer_id FROM subscriptions WHERE id = ?1")?
            .query_row([id], |row| row.get(0))
            .optional()
    }

    fn order_origin(&self, conn: &Connection, id: &str) -> Result<Option<OrderOrigin>, StoreError> {
        let origin: Option<String> = conn
            .prepare_cached("SELECT origin FROM orders WHERE id = ?1")?
            .query_row([id], |row| row.get(0))
            .optional()?;
        Ok(origin.map(|o| {
            if o == "merchant" {
                OrderOrigin::Merchant
            } else {
                OrderOrigin::Cadence
            }
        }))
    }

    fn accepted_product(&mut self, _: &str, _: ProductFacts) {}
    fn accepted_customer(&mut self, _: &str, _: Option<&str>) {}
    fn accepted_subscription(&mut self, _: &str, _: &str) {}
    fn accepted_order(&mut self, _: &str) {}
}

/// The database seen through the lines a dry run accepted so far. Holds ids only (a few
/// tens of bytes per accepted line), never the records.
#[derive(Default)]
pub struct DryRun {
    products: HashMap<String, ProductFacts>,
    customers: HashSet<String>,
    /// Accepted customers' emails as the file sets them (`None`: the file removed it).
    emails: HashMap<String, Option<String>>,
    email_owners: HashMap<String, String>,
    subscriptions: HashMap<String, String>,
    orders: HashSet<String>,
}

impl Known for DryRun {
    fn product(&self, conn: &Connection, sku: &str) -> Result<Option<ProductFacts>, StoreError> {
        match self.products.get(sku) {
            Some(facts) => Ok(Some(facts.clone())),
            None => Stored.product(conn, sku),
        }
    }

    fn customer(&self, conn: &Connection, id: &str) -> Result<bool, StoreError> {
        Ok(self.customers.contains(id) || Stored.customer(conn, id)?)
    }

    fn email_owner(&self, conn: &Connection, email: &str) -> Result<Option<String>, StoreError> {
        if let Some(owner) = self.email_owners.get(email) {
            // Unless the file gave that customer another address since.
            if self
                .emails
                .get(owner)
                .is_some_and(|e| e.as_deref() == Some(email))
            {
                return Ok(Some(owner.clone()));
            }
        }
        let stored = Stored.email_owner(conn, email)?;
        // A stored owner the file moved to another address no longer holds it.
        Ok(stored.filter(|owner| match self.emails.get(owner) {
            Some(now) => now.as_deref() == Some(email),
            None => true,
        }))
    }

    fn subscription_customer(
        &self,
        conn: &Connection,
        id: &str,
    ) -> Result<Option<String>, StoreError> {
        match self.subscriptions.get(id) {
            Some(customer) => Ok(Some(customer.clone())),
            None => Stored.subscription_customer(conn, id),
        }
    }

    fn order_origin(&self, conn: &Connection, id: &str) -> Result<Option<OrderOrigin>, StoreError> {
        if self.orders.contains(id) {
            return Ok(Some(OrderOrigin::Merchant));
        }
        Stored.order_origin(conn, id)
    }

    fn accepted_product(&mut self, sku: &str, facts: ProductFacts) {
        self.products.insert(sku.to_owned(), facts);
    }

    fn accepted_customer(&mut self, id: &str, email: Option<&str>) {
        self.customers.insert(id.to_owned());
        self.emails.insert(id.to_owned(), email.map(str::to_owned));
        if let Some(email) = email {
            self.email_owners.insert(email.to_owned(), id.to_owned());
        }
    }

    fn accepted_subscription(&mut self, id: &str, customer: &str) {
        self.subscriptions
            .insert(id.to_owned(), customer.to_owned());
    }

    fn accepted_order(&mut self, id: &str) {
        self.orders.insert(id.to_owned());
    }
}

/// The database inside one write transaction, remembering its answers: an import batch
/// asks about the same products and customers line after line. Safe because nothing but
/// this transaction changes what it sees, and what it accepts it records here too.
#[derive(Default)]
pub struct Cached {
    products: RefCell<HashMap<String, Option<ProductFacts>>>,
    customers: RefCell<HashSet<String>>,
}

impl Known for Cached {
    fn product(&self, conn: &Connection, sku: &str) -> Result<Option<ProductFacts>, StoreError> {
        if let Some(found) = self.products.borrow().get(sku) {
            return Ok(found.clone());
        }
        let found = Stored.product(conn, sku)?;
        self.products
            .borrow_mut()
            .insert(sku.to_owned(), found.clone());
        Ok(found)
    }

    fn customer(&self, conn: &Connection, id: &str) -> Result<bool, StoreError> {
        if self.customers.borrow().contains(id) {
            return Ok(true);
        }
        let found = Stored.customer(conn, id)?;
        if found {
            self.customers.borrow_mut().insert(id.to_owned());
        }
        Ok(found)
    }

    fn email_owner(&self, conn: &Connection, email: &str) -> Result<Option<String>, StoreError> {
        Stored.email_owner(conn, email)
    }

    fn subscription_customer(
        &self,
        conn: &Connection,
        id: &str,
    ) -> Result<Option<String>, StoreError> {
        Stored.subscription_customer(conn, id)
    }

    fn order_origin(&self, conn: &Connection, id: &str) -> Result<Option<OrderOrigin>, StoreError> {
        Stored.order_origin(conn, id)
    }

    fn accepted_product(&mut self, sku: &str, facts: ProductFacts) {
        self.products.get_mut().insert(sku.to_owned(), Some(facts));
    }

    fn accepted_customer(&mut self, id: &str, _: Option<&str>) {
        self.customers.get_mut().insert(id.to_owned());
    }

    fn accepted_subscription(&mut self, _: &str, _: &str) {}
    fn accepted_order(&mut self, _: &str) {}
}
