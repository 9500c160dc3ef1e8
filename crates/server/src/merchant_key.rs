//! The merchant API key (`--merchant-key`): what the merchant's own back office sends as
//! `Authorization: Bearer <key>` to read merchant endpoints (`/api/v1/merchant/*`), and the
//! `MerchantAuth` extractor that checks it in constant time.

use crate::app::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};
use sha2::{Digest, Sha256};
use std::fmt;

/// A configured merchant key, kept as its SHA-256 only: comparing two digests of equal
/// length in constant time reveals neither the key's bytes nor its length.
#[derive(Clone)]
pub struct MerchantKey {
    digest: [u8; 32],
}

impl MerchantKey {
    pub fn new(key: &str) -> Self {
        MerchantKey {
            digest: Sha256::digest(key.as_bytes()).into(),
        }
    }

    /// Whether `presented` is the key; takes the same time whatever bytes differ.
    pub fn matches(&self, presented: &str) -> bool {
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let difference = self
            .digest
            .iter()
            .zip(presented.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(difference) == 0
    }
}

impl fmt::Debug for MerchantKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MerchantKey(…)")
    }
}

/// A request that carries the merchant key. 401 when it is missing or wrong, 403 when the
/// server has no merchant key at all (the endpoints are off, not merely locked).
pub struct MerchantAuth;

impl FromRequestParts<AppState> for MerchantAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(key) = &state.merchant_key else {
            return Err(ApiError::MerchantKeyNotConfigured);
        };
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
                "Send the merchant key as Authorization: Bearer <key>.",
            ))?;
        if key.matches(presented) {
            Ok(MerchantAuth)
        } else {
            Err(state.throttle.credential_failed(
                client,
                "wrong merchant key",
                ApiError::MerchantUnauthorized("The merchant key is not valid."),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_key_matches() {
        let key = MerchantKey::new("merchant-key-0123456789");
        assert!(key.matches("merchant-key-0123456789"));
        assert!(!key.matches("merchant-key-012345678"));
        assert!(!key.matches("merchant-key-0123456789 "));
        assert!(!key.matches(""));
        assert_eq!(format!("{key:?}"), "MerchantKey(…)", "never logged");
    }
}
