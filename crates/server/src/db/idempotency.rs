//! Stored first responses to `(customer, Idempotency-Key)`, replayed for retries.

use crate::error::ApiError;
use rusqlite::{Connection, OptionalExtension};

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
) -> Result<Option<StoredResponse>, ApiError> {
    Ok(conn
        .prepare_cached(
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
        .optional()?)
}

pub fn store(
    conn: &Connection,
    customer: &str,
    key: &str,
    response: &StoredResponse,
    created_at: &str,
) -> Result<(), ApiError> {
    conn.prepare_cached(
        "INSERT INTO idempotency_keys
           (customer_id, key, request_hash, response_status, response_body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(rusqlite::params![
        customer,
        key,
        response.request_hash,
        response.status,
        response.body,
        created_at
    ])?;
    Ok(())
}
