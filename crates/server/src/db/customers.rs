//! Customer queries: the token's lookups, the merchant's customer records (admin API) and
//! what they own, and the record a valid token creates for an id the merchant never loaded.
//!
//! A name or email may be absent (0011): a customer made from a token has neither until the
//! merchant loads one. Readers that show a name get `""` then.

use super::StoreError;
use crate::admin::records::{CustomerOrigin, CustomerRecord, OwnedItem, StoredCustomer};
use crate::db::{Connection, OptionalExtension};
use crate::params;
use cadence_contract::{Customer, Date};

/// The customer's display name, if the customer exists.
pub fn name(conn: &Connection, id: &str) -> Result<Option<String>, StoreError> {
    conn.prepare_cached("SELECT coalesce(name, '') FROM customers WHERE id = ?1")?
        .query_row([id], |row| row.get(0))
        .optional()
}

/// What checking a customer token needs to know about its customer.
pub struct AuthRecord {
    pub name: String,
    /// Tokens issued at or before this instant (Unix seconds) are refused.
    pub tokens_revoked_at: Option<i64>,
    pub feed_generation: i64,
}

pub fn auth_record(conn: &Connection, id: &str) -> Result<Option<AuthRecord>, StoreError> {
    conn.prepare_cached(
        "SELECT coalesce(name, ''), tokens_revoked_at, feed_generation FROM customers
         WHERE id = ?1",
    )?
    .query_row([id], |row| {
        Ok(AuthRecord {
            name: row.get(0)?,
            tokens_revoked_at: row.get(1)?,
            feed_generation: row.get(2)?,
        })
    })
    .optional()
}

/// Revokes every token issued to `id` up to `now` and retires its calendar feed (a new
/// feed id is made on the next `GET /me/calendar`). Nobody else's tokens or feeds change.
/// A customer the merchant never loaded can hold valid tokens too (`auth.rs`), so an id
/// without a record gets one (origin `token`) that carries the revocation; `false` only
/// for an id no record can have.
pub fn revoke_access(conn: &Connection, id: &str, now: i64) -> Result<bool, StoreError> {
    if crate::admin::checks::id_problem(id).is_some() {
        return Ok(false);
    }
    conn.prepare_cached(
        "INSERT INTO customers (id, origin, tokens_revoked_at, feed_generation)
         VALUES (?1, 'token', ?2, 1)
         ON CONFLICT (id) DO UPDATE SET tokens_revoked_at = excluded.tokens_revoked_at,
            feed_generation = customers.feed_generation + 1",
    )?
    .execute(crate::params![id, now])?;
    conn.prepare_cached("DELETE FROM calendar_feeds WHERE customer_id = ?1")?
        .execute([id])?;
    Ok(true)
}

/// Every customer, by name (the demo shop's account picker).
pub fn list(conn: &Connection) -> Result<Vec<Customer>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT id, coalesce(name, '') FROM customers ORDER BY 2, id")?;
    let rows = stmt.query_map([], |row| {
        Ok(Customer {
            id: row.get(0)?,
            name: row.get(1)?,
        })
    })?;
    rows.collect::<crate::db::sql::Result<_>>()
}

/// What a valid customer token may say about its customer beyond the id (the standard
/// `name`, `email` and `locale` claims, when the merchant's backend sends them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenProfile {
    pub name: Option<String>,
    pub email: Option<String>,
    pub locale: Option<String>,
}

/// Makes sure customer `id` exists before something is stored for them: a token the
/// merchant signed names a customer, loaded or not, so one never loaded gets a record of
/// origin `token` with what the token says (an email another customer holds is left out).
/// Called inside the transaction that stores the first thing; nothing happens for a
/// customer who exists, so the merchant's own record always wins.
pub fn ensure(conn: &Connection, id: &str, profile: &TokenProfile) -> Result<(), StoreError> {
    if conn
        .prepare_cached("SELECT 1 FROM customers WHERE id = ?1")?
        .exists([id])?
    {
        return Ok(());
    }
    let email = match &profile.email {
        Some(email)
            if !conn
                .prepare_cached("SELECT 1 FROM customers WHERE email = ?1")?
                .exists([email])? =>
        {
            Some(email.as_str())
        }
        _ => None,
    };
    conn.prepare_cached(
        "INSERT INTO customers (id, name, email, locale, origin) VALUES (?1, ?2, ?3, ?4, 'token')
         ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![id, profile.name, email, profile.locale])?;
    Ok(())
}

/// Stores the merchant's record of customer `id` (checked; its email free); `true` when
/// the customer is new. A customer made from a token becomes the merchant's.
pub fn write(conn: &Connection, id: &str, record: &CustomerRecord) -> Result<bool, StoreError> {
    let existed = conn
        .prepare_cached("SELECT 1 FROM customers WHERE id = ?1")?
        .exists([id])?;
    conn.prepare_cached(
        "INSERT INTO customers (id, name, email, locale, time_zone, origin)
         VALUES (?1, ?2, ?3, ?4, ?5, 'merchant')
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email,
            locale = excluded.locale, time_zone = excluded.time_zone, origin = 'merchant'",
    )?
    .execute(params![
        id,
        record.name,
        record.email,
        record.locale,
        record.time_zone
    ])?;
    Ok(!existed)
}

/// The language tag customer `id` reads in (`locale`), if anyone said.
pub fn locale(conn: &Connection, id: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT locale FROM customers WHERE id = ?1")?
        .query_row([id], |row| row.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}

/// Customer `id` with what they own, or `None`.
pub fn read(conn: &Connection, id: &str) -> Result<Option<StoredCustomer>, StoreError> {
    let found = conn
        .prepare_cached(
            "SELECT name, email, locale, origin, time_zone FROM customers WHERE id = ?1",
        )?
        .query_row([id], |row| {
            Ok((
                CustomerRecord {
                    name: row.get(0)?,
                    email: row.get(1)?,
                    locale: row.get(2)?,
                    time_zone: row.get(4)?,
                },
                row.get::<_, String>(3)?,
            ))
        })
        .optional()?;
    let Some((customer, origin)) = found else {
        return Ok(None);
    };
    Ok(Some(StoredCustomer {
        id: id.to_owned(),
        customer,
        origin: if origin == "token" {
            CustomerOrigin::Token
        } else {
            CustomerOrigin::Merchant
        },
        owned: owned(conn, id)?,
    }))
}

/// What customer `id` owns: each SKU once, with its latest purchase date, by SKU.
pub fn owned(conn: &Connection, id: &str) -> Result<Vec<OwnedItem>, StoreError> {
    let rows: Vec<(String, String)> = conn.query_all(
        "SELECT sku, max(purchased_on) FROM owned_products WHERE customer_id = ?1
         GROUP BY sku ORDER BY sku",
        [id],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    rows.into_iter()
        .map(|(sku, on)| {
            Ok(OwnedItem {
                sku,
                purchased_on: on.parse::<Date>().map_err(|_| {
                    StoreError::Corrupt(format!("bad purchase date {on:?} in the database"))
                })?,
            })
        })
        .collect()
}

/// Customer `id` owns `sku`, bought on `on` (replacing the dates stored for that SKU);
/// `true` when they did not own it before.
pub fn set_owned(conn: &Connection, id: &str, sku: &str, on: Date) -> Result<bool, StoreError> {
    let removed = remove_owned(conn, id, sku)?;
    conn.prepare_cached(
        "INSERT INTO owned_products (customer_id, sku, purchased_on) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![id, sku, on.to_string()])?;
    Ok(!removed)
}

/// Customer `id` no longer owns `sku`; `false` when they did not.
pub fn remove_owned(conn: &Connection, id: &str, sku: &str) -> Result<bool, StoreError> {
    let removed = conn
        .prepare_cached("DELETE FROM owned_products WHERE customer_id = ?1 AND sku = ?2")?
        .execute([id, sku])?;
    Ok(removed > 0)
}
