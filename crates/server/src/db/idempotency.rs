//! Stored first responses to `(customer, Idempotency-Key)`, replayed for retries.
//!
//! Callers look the key up, do their work and store the response in one transaction, so
//! a request is executed once however many times it is retried, concurrently or not.
//! Refused requests (4xx) are not stored: fixing the body and retrying with the same key
//! works.

use super::StoreError;
use crate::db::{Connection, OptionalExtension};
use sha2::{Digest, Sha256};

/// What a request means, independent of JSON formatting: equal hashes = the same request.
/// Covers the method and path (so one key cannot be replayed against another
/// subscription) and the body, re-serialised from its parsed form.
pub fn request_hash(
    method: &str,
    path: &str,
    body: &impl serde::Serialize,
) -> Result<String, StoreError> {
    let canonical = serde_json::to_string(body)?;
    let digest = Sha256::digest(format!("{method} {path}\n{canonical}"));
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// The stored response to replay for this key, if the key was used for this very
/// request; `IdempotencyKeyReused` if it was used for another.
pub fn replay(
    conn: &Connection,
    customer: &str,
    key: &str,
    request_hash: &str,
) -> Result<Option<StoredResponse>, StoreError> {
    match find(conn, customer, key)? {
        Some(stored) if stored.request_hash != request_hash => {
            Err(StoreError::IdempotencyKeyReused)
        }
        found => Ok(found),
    }
}

/// What the first request with a key looked like and what it was answered.
pub struct StoredResponse {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
}

pub fn find(
    conn: &Connection,
    customer: &str,
    key: &str,
) -> Result<Option<StoredResponse>, StoreError> {
    conn.prepare_cached(
        "SELECT request_hash, response_status, response_body
             FROM idempotency_keys WHERE customer_id = ?1 AND key = ?2",
    )?
    .query_row([customer, key], |row| {
        Ok(StoredResponse {
            request_hash: row.get(0)?,
            status: row.get(1)?,
            body: row.get(2)?,
        })
    })
    .optional()
}

pub fn store(
    conn: &Connection,
    customer: &str,
    key: &str,
    response: &StoredResponse,
    created_at: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO idempotency_keys
           (customer_id, key, request_hash, response_status, response_body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(crate::params![
        customer,
        key,
        response.request_hash,
        response.status,
        response.body,
        created_at
    ])?;
    Ok(())
}
