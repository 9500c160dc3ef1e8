//! Customer tokens: HS256 JWTs (`sub` = customer id, `exp`) minted by the merchant's
//! backend with a shared secret, and the `AuthedCustomer` extractor that checks them.

use crate::app::AppState;
use crate::clock::Clock;
use crate::db;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};

/// Tolerated clock difference between the merchant's backend and this server.
const LEEWAY_SECS: i64 = 30;

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Claims {
    sub: String,
    exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iat: Option<i64>,
}

/// Why a token was refused. Logged for operators; clients only learn "invalid token".
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("malformed token or bad signature")]
    Invalid,
    #[error("token expired")]
    Expired,
}

/// The shared HS256 secret, as signing and verifying keys.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// Signs calendar feed ids (`calendar::feed`): derived from the secret, so a feed id is
    /// never a MAC anything else could accept, and rotating the secret revokes feeds.
    feed: [u8; 32],
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Self {
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            feed: crate::calendar::feed::derive_key(secret),
        }
    }

    pub fn feed_key(&self) -> &[u8; 32] {
        &self.feed
    }

    /// A token for `customer` valid for `ttl_secs` from the clock's now.
    pub fn mint(&self, customer: &str, ttl_secs: i64, clock: Clock) -> String {
        let now = clock.unix_seconds();
        let claims = Claims {
            sub: customer.to_owned(),
            exp: now + ttl_secs,
            iat: Some(now),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing of plain claims cannot fail")
    }

    /// The customer id in a valid, unexpired token.
    pub fn verify(&self, token: &str, clock: Clock) -> Result<String, TokenError> {
        // Only HS256: a token naming another algorithm (or `none`) is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked below against our `Clock`, the server's single source of time;
        // `exp` itself is still mandatory because `Claims::exp` is not optional.
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| TokenError::Invalid)?;
        // Saturating: a validly signed `exp` near i64::MAX must not overflow (a panic).
        if data.claims.exp.saturating_add(LEEWAY_SECS) <= clock.unix_seconds() {
            return Err(TokenError::Expired);
        }
        if data.claims.sub.is_empty() {
            return Err(TokenError::Invalid);
        }
        Ok(data.claims.sub)
    }
}

/// A signed-in customer, from `Authorization: Bearer <jwt>`; rejects with 401 otherwise.
#[derive(Clone, Debug)]
pub struct AuthedCustomer {
    pub id: String,
    pub name: String,
}

impl FromRequestParts<AppState> for AuthedCustomer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or(ApiError::Unauthorized(
                "Send a customer token as Authorization: Bearer <token>.",
            ))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError::Unauthorized(
                "Send a customer token as Authorization: Bearer <token>.",
            ))?;
        let id = state.keys.verify(token, state.clock).map_err(|e| {
            tracing::info!(reason = %e, "refused a customer token");
            match e {
                TokenError::Expired => ApiError::Unauthorized("The customer token has expired."),
                TokenError::Invalid => ApiError::Unauthorized("The customer token is not valid."),
            }
        })?;
        let lookup = id.clone();
        let name = state
            .db
            .read(move |conn| db::customers::name(conn, &lookup))
            .await?;
        match name {
            Some(name) => Ok(AuthedCustomer { id, name }),
            None => {
                tracing::info!("refused a validly signed token for an unknown customer");
                Err(ApiError::Unauthorized("The customer token is not valid."))
            }
        }
    }
}

/// The customer when the request carries `Authorization`, `None` when it carries none.
/// A token that is sent but invalid is still a 401: a shopper who believes they are
/// signed in must not silently get anonymous answers.
pub struct MaybeCustomer(pub Option<AuthedCustomer>);

impl FromRequestParts<AppState> for MaybeCustomer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(MaybeCustomer(None));
        }
        AuthedCustomer::from_request_parts(parts, state)
            .await
            .map(|customer| MaybeCustomer(Some(customer)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn mint_then_verify_round_trips() {
        let keys = JwtKeys::new(SECRET);
        let token = keys.mint("cust_ada", 3600, Clock::Fixed(1_800_000_000));
        assert_eq!(
            keys.verify(&token, Clock::Fixed(1_800_000_100)),
            Ok("cust_ada".to_owned())
        );
    }

    #[test]
    fn expired_tokens_are_refused_after_the_leeway() {
        let keys = JwtKeys::new(SECRET);
        let token = keys.mint("cust_ada", 60, Clock::Fixed(1_800_000_000));
        assert!(keys
            .verify(&token, Clock::Fixed(1_800_000_060 + LEEWAY_SECS - 1))
            .is_ok());
        assert_eq!(
            keys.verify(&token, Clock::Fixed(1_800_000_060 + LEEWAY_SECS)),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn wrong_secret_or_tampering_is_refused() {
        let token = JwtKeys::new(SECRET).mint("cust_ada", 3600, Clock::Fixed(1_800_000_000));
        let other = JwtKeys::new(b"another-secret-another-secret-xx");
        assert_eq!(
            other.verify(&token, Clock::Fixed(1_800_000_000)),
            Err(TokenError::Invalid)
        );
        // Swap in another customer's payload under Ada's signature.
        let grace = JwtKeys::new(SECRET).mint("cust_grace", 3600, Clock::Fixed(1_800_000_000));
        let parts: Vec<&str> = token.split('.').collect();
        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            grace.split('.').nth(1).unwrap(),
            parts[2]
        );
        assert_eq!(
            JwtKeys::new(SECRET).verify(&tampered, Clock::Fixed(1_800_000_000)),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn extreme_exp_values_neither_overflow_nor_pass_when_past() {
        let keys = JwtKeys::new(SECRET);
        let token = |exp: i64| {
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &serde_json::json!({ "sub": "cust_ada", "exp": exp }),
                &EncodingKey::from_secret(SECRET),
            )
            .unwrap()
        };
        let now = Clock::Fixed(1_800_000_000);
        assert_eq!(
            keys.verify(&token(i64::MAX), now),
            Ok("cust_ada".to_owned())
        );
        assert_eq!(
            keys.verify(&token(i64::MAX - LEEWAY_SECS + 1), now),
            Ok("cust_ada".to_owned())
        );
        assert_eq!(keys.verify(&token(i64::MIN), now), Err(TokenError::Expired));
    }

    #[test]
    fn tokens_without_exp_are_refused() {
        let keys = JwtKeys::new(SECRET);
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &serde_json::json!({ "sub": "cust_ada" }),
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert_eq!(
            keys.verify(&token, Clock::Fixed(0)),
            Err(TokenError::Invalid)
        );
    }
}
