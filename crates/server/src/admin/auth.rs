//! Who may call the admin API: named merchant API keys with scopes, stored as SHA-256
//! digests, revocable, plus the operator's `--merchant-key`, which holds every scope and
//! alone may create and revoke keys (so a leaked write key cannot mint itself more).

use crate::app::AppState;
use crate::db::{OptionalExtension, StoreError};
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};
use sha2::{Digest, Sha256};

/// What a key may do.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read products, customers, orders, subscriptions, events and exports.
    Read,
    /// Create and change them (upserts, imports, order outcomes, task done).
    Write,
    /// Manage webhook endpoints, read their delivery logs, replay events.
    Webhooks,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Write, Scope::Webhooks];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Webhooks => "webhooks",
        }
    }

    pub fn parse(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// A request carrying a valid admin credential.
#[derive(Clone, Debug)]
pub struct AdminAccess {
    /// The admin key's id, or `None` for the operator's merchant key.
    pub key_id: Option<String>,
    pub scopes: Vec<Scope>,
}

impl AdminAccess {
    /// 403 problem unless the credential holds `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::InsufficientScope(match scope {
                Scope::Read => "This endpoint needs a key with the read scope.",
                Scope::Write => "This endpoint needs a key with the write scope.",
                Scope::Webhooks => "This endpoint needs a key with the webhooks scope.",
            }))
        }
    }

    /// Only the operator's merchant key manages keys.
    pub fn require_operator(&self) -> Result<(), ApiError> {
        match self.key_id {
            None => Ok(()),
            Some(_) => Err(ApiError::InsufficientScope(
                "Only the server's merchant key (--merchant-key) creates and revokes API keys.",
            )),
        }
    }
}

/// The stored form of a key: its SHA-256, hex. A lookup by digest compares nothing
/// byte by byte in our code, so its timing says nothing about the key.
pub fn digest(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl FromRequestParts<AppState> for AdminAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let client = state.client(parts);
        // A client that keeps guessing is refused before its next guess is even checked.
        state.throttle.credential_allowed(client)?;
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError::MerchantUnauthorized(
                "Send an admin API key (or the merchant key) as Authorization: Bearer <key>.",
            ))?
            .to_owned();
        if state
            .merchant_key
            .as_ref()
            .is_some_and(|key| key.matches(&presented))
        {
            return Ok(AdminAccess {
                key_id: None,
                scopes: Scope::ALL.to_vec(),
            });
        }
        let digest = digest(&presented);
        let found = state
            .db
            .read(move |conn| {
                conn.query_row(
                    "SELECT id, scopes FROM admin_keys WHERE digest = ?1 AND revoked_at IS NULL",
                    [&digest],
                    |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)),
                )
                .optional()
            })
            .await
            .map_err(|e: StoreError| ApiError::from(e))?;
        match found {
            Some((id, scopes)) => Ok(AdminAccess {
                key_id: Some(id),
                scopes: scopes.split_whitespace().filter_map(Scope::parse).collect(),
            }),
            None => Err(state.throttle.credential_failed(
                client,
                "wrong admin key",
                ApiError::MerchantUnauthorized("The API key is not valid or was revoked."),
            )),
        }
    }
}
