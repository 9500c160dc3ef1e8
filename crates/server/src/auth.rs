//! Customer tokens: HS256 JWTs (`sub` = customer id, `exp`, `iat`) minted by the
//! merchant's backend with a shared secret, the rules they follow (maximum lifetime,
//! `nbf`/`iat`, optional audience and issuer, per-customer revocation), and the
//! `AuthedCustomer` extractor that checks them and throttles clients that keep failing.
//!
//! A valid token for a customer id the merchant never loaded is that customer signing in:
//! the merchant's backend vouched for them with the shared secret, as an identity
//! provider's assertion does in just-in-time provisioning. They get an empty account, and
//! the first thing stored for them (a subscription, a calendar link) creates their record
//! in the same transaction (`AuthedCustomer::ensure_record`), with the token's optional
//! `name`, `email` and `locale` claims; nothing is written while they only read.

use crate::app::AppState;
use crate::clock::Clock;
use crate::db;
use crate::db::customers::TokenProfile;
use crate::db::Connection;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use std::sync::Arc;
use tokio::sync::OwnedSemaphorePermit;

/// Tolerated clock difference between the merchant's backend and this server.
const LEEWAY_SECS: i64 = 30;

/// The claims this server reads. `exp` is required; `iat` is what per-customer
/// revocation compares against; `nbf`, `aud` and `iss` are checked when present (and
/// `aud`/`iss` are required when the server is configured with one).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Claims {
    sub: String,
    exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    aud: Option<Audience>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iss: Option<String>,
    /// OpenID Connect's standard profile claims, read only for a customer the merchant has
    /// not loaded (any JSON: one that is not a plausible value is left out, never refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    locale: Option<serde_json::Value>,
}

impl Claims {
    /// The profile claims that are plausible values (`admin::records`' rules).
    fn profile(&self) -> TokenProfile {
        use crate::admin::checks::{email_ok, locale_ok};
        let text = |claim: &Option<serde_json::Value>, ok: &dyn Fn(&str) -> bool| {
            claim
                .as_ref()
                .and_then(|v| v.as_str())
                .filter(|s| ok(s))
                .map(str::to_owned)
        };
        TokenProfile {
            name: text(&self.name, &|s| {
                (1..=200).contains(&s.chars().count())
                    && s.trim() == s
                    && !s.chars().any(char::is_control)
            }),
            email: text(&self.email, &email_ok),
            locale: text(&self.locale, &locale_ok),
        }
    }
}

/// RFC 7519 §4.1.3: one audience or several.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, wanted: &str) -> bool {
        match self {
            Audience::One(a) => a == wanted,
            Audience::Many(list) => list.iter().any(|a| a == wanted),
        }
    }
}

/// What a token must satisfy beyond its signature (`--max-token-lifetime`,
/// `--token-audience`, `--token-issuer`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRules {
    /// `exp` may be at most this many seconds after `iat` (or after now, without `iat`).
    pub max_lifetime_secs: i64,
    pub audience: Option<String>,
    pub issuer: Option<String>,
}

impl Default for TokenRules {
    fn default() -> Self {
        TokenRules {
            max_lifetime_secs: 24 * 3600,
            audience: None,
            issuer: None,
        }
    }
}

/// Why a token was refused. Logged for operators; clients only learn "invalid token".
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("malformed token or bad signature")]
    Invalid,
    #[error("token expired")]
    Expired,
    #[error("token lives longer than the maximum lifetime")]
    TooLong,
    #[error("token not valid yet (nbf or iat in the future)")]
    NotYetValid,
    #[error("token audience or issuer is not this server's")]
    WrongAudience,
}

/// A token that passed every check: whose it is, when it was issued, and what it says
/// about them.
#[derive(Debug, PartialEq, Eq)]
pub struct Verified {
    pub customer: String,
    pub issued_at: Option<i64>,
    pub profile: TokenProfile,
}

/// The shared HS256 secret, as signing and verifying keys, and the rules tokens follow.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// Signs calendar feed ids (`calendar::feed`): derived from the secret, so a feed id is
    /// never a MAC anything else could accept, and rotating the secret revokes feeds.
    feed: [u8; 32],
    /// Signs one-click links in messages (`notify::links`), derived the same way.
    link: [u8; 32],
    rules: TokenRules,
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Self {
        JwtKeys::with_rules(secret, TokenRules::default())
    }

    pub fn with_rules(secret: &[u8], rules: TokenRules) -> Self {
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            feed: crate::calendar::feed::derive_key(secret),
            link: crate::notify::links::derive_key(secret),
            rules,
        }
    }

    pub fn feed_key(&self) -> &[u8; 32] {
        &self.feed
    }

    pub fn link_key(&self) -> &[u8; 32] {
        &self.link
    }

    pub fn rules(&self) -> &TokenRules {
        &self.rules
    }

    /// A token for `customer` valid for `ttl_secs` from the clock's now, with `iat` and
    /// the configured audience and issuer.
    pub fn mint(&self, customer: &str, ttl_secs: i64, clock: Clock) -> String {
        let now = clock.unix_seconds();
        let claims = Claims {
            sub: customer.to_owned(),
            exp: now + ttl_secs,
            iat: Some(now),
            nbf: None,
            aud: self.rules.audience.clone().map(Audience::One),
            iss: self.rules.issuer.clone(),
            name: None,
            email: None,
            locale: None,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing of plain claims cannot fail")
    }

    /// The customer in a valid, current token that follows the rules.
    pub fn verify(&self, token: &str, clock: Clock) -> Result<Verified, TokenError> {
        // Only HS256: a token naming another algorithm (or `none`) is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        // Time and audience are checked below against our `Clock`, the server's single
        // source of time; `exp` itself is mandatory because `Claims::exp` is not optional.
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| TokenError::Invalid)?
            .claims;
        let now = clock.unix_seconds();
        // Saturating: a validly signed `exp` near i64::MAX must not overflow (a panic).
        if claims.exp.saturating_add(LEEWAY_SECS) <= now {
            return Err(TokenError::Expired);
        }
        let future = |t: Option<i64>| t.is_some_and(|t| t > now.saturating_add(LEEWAY_SECS));
        if future(claims.iat) || future(claims.nbf) {
            return Err(TokenError::NotYetValid);
        }
        // A stolen token is worth at most the maximum lifetime, whatever `exp` it names.
        let from = claims.iat.unwrap_or(now);
        let max = self.rules.max_lifetime_secs.saturating_add(LEEWAY_SECS);
        if claims.exp.saturating_sub(from) > max {
            return Err(TokenError::TooLong);
        }
        if let Some(wanted) = &self.rules.audience {
            if !claims.aud.as_ref().is_some_and(|aud| aud.contains(wanted)) {
                return Err(TokenError::WrongAudience);
            }
        }
        if let Some(wanted) = &self.rules.issuer {
            if claims.iss.as_deref() != Some(wanted.as_str()) {
                return Err(TokenError::WrongAudience);
            }
        }
        if claims.sub.is_empty() {
            return Err(TokenError::Invalid);
        }
        Ok(Verified {
            profile: claims.profile(),
            customer: claims.sub,
            issued_at: claims.iat,
        })
    }
}

/// A signed-in customer, from `Authorization: Bearer <jwt>`; rejects with 401 otherwise.
/// Holds one of the customer's in-flight slots (`Throttle::customer_slot`) for as long as
/// the handler holds it.
#[derive(Clone, Debug)]
pub struct AuthedCustomer {
    pub id: String,
    pub name: String,
    /// Bumped when the merchant revokes the customer's access: the calendar feed id
    /// includes it, so revocation also retires the feed.
    pub feed_generation: i64,
    /// For a customer the merchant never loaded: what their record is made of when the
    /// first thing is stored for them. `None` once they have a record.
    unrecorded: Option<TokenProfile>,
    _slot: Option<Arc<OwnedSemaphorePermit>>,
}

impl AuthedCustomer {
    /// Creates the customer's record, inside the caller's write transaction, if they have
    /// none yet: call it before storing anything that refers to the customer.
    pub fn ensure_record(&self, tx: &Connection) -> Result<(), db::StoreError> {
        match &self.unrecorded {
            Some(profile) => db::customers::ensure(tx, &self.id, profile),
            None => Ok(()),
        }
    }
}

const SEND_TOKEN: &str = "Send a customer token as Authorization: Bearer <token>.";
const NOT_VALID: &str = "The customer token is not valid.";

impl FromRequestParts<AppState> for AuthedCustomer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let client = state.client(parts);
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or(ApiError::Unauthorized(SEND_TOKEN))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError::Unauthorized(SEND_TOKEN))?;
        state.throttle.credential_allowed(client)?;
        let refused = |why: &'static str, detail: &'static str| {
            state
                .throttle
                .credential_failed(client, why, ApiError::Unauthorized(detail))
        };
        let verified = state.keys.verify(token, state.clock).map_err(|e| match e {
            TokenError::Expired => refused("expired token", "The customer token has expired."),
            TokenError::Invalid => refused("invalid token", NOT_VALID),
            TokenError::TooLong => refused(
                "token lifetime over the maximum",
                "The customer token lives longer than this server allows.",
            ),
            TokenError::NotYetValid => refused("token not valid yet", NOT_VALID),
            TokenError::WrongAudience => refused("token for another audience or issuer", NOT_VALID),
        })?;
        let lookup = verified.customer.clone();
        let found = state
            .db
            .read(move |conn| db::customers::auth_record(conn, &lookup))
            .await?;
        let (record, unrecorded) = match found {
            Some(record) => (record, None),
            // Never loaded: signed in all the same (see the module's note), as long as the
            // id is one a record can have.
            None if crate::admin::checks::id_problem(&verified.customer).is_none() => (
                db::customers::AuthRecord {
                    name: verified.profile.name.clone().unwrap_or_default(),
                    tokens_revoked_at: None,
                    feed_generation: 0,
                },
                Some(verified.profile.clone()),
            ),
            None => return Err(refused("token for an impossible customer id", NOT_VALID)),
        };
        // Revoked: every token issued at or before the revocation is refused (one without
        // `iat` cannot show it came later, so it is refused too).
        if let Some(revoked_at) = record.tokens_revoked_at {
            if verified.issued_at.is_none_or(|iat| iat <= revoked_at) {
                return Err(refused("revoked token", NOT_VALID));
            }
        }
        let slot = match client {
            Some(_) => Some(Arc::new(
                state.throttle.customer_slot(&verified.customer).await?,
            )),
            // In process (the demo shop, tests): nothing to protect the pool from.
            None => None,
        };
        Ok(AuthedCustomer {
            id: verified.customer,
            name: record.name,
            feed_generation: record.feed_generation,
            unrecorded,
            _slot: slot,
        })
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
            Ok(Verified {
                customer: "cust_ada".to_owned(),
                issued_at: Some(1_800_000_000),
                profile: TokenProfile::default(),
            })
        );
    }

    /// The profile claims a new customer's record is made of: plausible strings only, and
    /// anything else in them (a number, a script) left out rather than refusing the token.
    #[test]
    fn profile_claims_are_read_when_plausible() {
        let keys = JwtKeys::new(SECRET);
        let now = 1_800_000_000;
        let token = |extra: serde_json::Value| {
            let mut claims = serde_json::json!({ "sub": "cust_new", "exp": now + 60 });
            claims
                .as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            signed(claims)
        };
        let good = keys
            .verify(
                &token(serde_json::json!({"name": "Ada L.", "email": "ada@example.com", "locale": "de-AT"})),
                Clock::Fixed(now),
            )
            .unwrap();
        assert_eq!(
            good.profile,
            TokenProfile {
                name: Some("Ada L.".into()),
                email: Some("ada@example.com".into()),
                locale: Some("de-AT".into()),
            }
        );
        let odd = keys
            .verify(
                &token(serde_json::json!({"name": 42, "email": "<script>", "locale": "x"})),
                Clock::Fixed(now),
            )
            .unwrap();
        assert_eq!(odd.profile, TokenProfile::default());
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

    fn signed(claims: serde_json::Value) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap()
    }

    #[test]
    fn extreme_exp_values_neither_overflow_nor_pass() {
        let keys = JwtKeys::new(SECRET);
        let now = Clock::Fixed(1_800_000_000);
        let token = |exp: i64| signed(serde_json::json!({ "sub": "cust_ada", "exp": exp }));
        // A token that never expires is a credential nobody can take back: refused.
        assert_eq!(keys.verify(&token(i64::MAX), now), Err(TokenError::TooLong));
        assert_eq!(keys.verify(&token(i64::MIN), now), Err(TokenError::Expired));
        let iat = |iat: i64| {
            signed(serde_json::json!({ "sub": "cust_ada", "exp": i64::MAX, "iat": iat }))
        };
        assert_eq!(keys.verify(&iat(i64::MIN), now), Err(TokenError::TooLong));
    }

    #[test]
    fn lifetime_is_capped_from_iat_or_from_now() {
        let keys = JwtKeys::new(SECRET);
        let now = 1_800_000_000;
        let day = 24 * 3600;
        let with_iat = |iat: i64, exp: i64| {
            signed(serde_json::json!({ "sub": "cust_ada", "iat": iat, "exp": exp }))
        };
        assert!(keys
            .verify(&with_iat(now, now + day), Clock::Fixed(now))
            .is_ok());
        assert_eq!(
            keys.verify(
                &with_iat(now, now + day + LEEWAY_SECS + 1),
                Clock::Fixed(now)
            ),
            Err(TokenError::TooLong)
        );
        // An old iat does not make a long token acceptable later on.
        assert_eq!(
            keys.verify(&with_iat(now - 100 * day, now + day), Clock::Fixed(now)),
            Err(TokenError::TooLong)
        );
        let no_iat = signed(serde_json::json!({ "sub": "cust_ada", "exp": now + 2 * day }));
        assert_eq!(
            keys.verify(&no_iat, Clock::Fixed(now)),
            Err(TokenError::TooLong)
        );
        assert!(keys.verify(&no_iat, Clock::Fixed(now + day)).is_ok());
    }

    #[test]
    fn nbf_and_iat_in_the_future_are_refused_beyond_the_leeway() {
        let keys = JwtKeys::new(SECRET);
        let now = 1_800_000_000;
        let token = |claim: &str, at: i64| {
            let mut claims = serde_json::json!({ "sub": "cust_ada", "exp": now + 3600 });
            claims[claim] = serde_json::json!(at);
            signed(claims)
        };
        for claim in ["nbf", "iat"] {
            assert!(keys
                .verify(&token(claim, now + LEEWAY_SECS), Clock::Fixed(now))
                .is_ok());
            assert_eq!(
                keys.verify(&token(claim, now + LEEWAY_SECS + 1), Clock::Fixed(now)),
                Err(TokenError::NotYetValid),
                "{claim}"
            );
        }
    }

    #[test]
    fn audience_and_issuer_are_required_once_configured() {
        let rules = TokenRules {
            audience: Some("cadence".into()),
            issuer: Some("https://shop.example".into()),
            ..TokenRules::default()
        };
        let keys = JwtKeys::with_rules(SECRET, rules);
        let now = Clock::Fixed(1_800_000_000);
        assert!(keys.verify(&keys.mint("cust_ada", 60, now), now).is_ok());
        let exp = 1_800_000_060;
        for claims in [
            serde_json::json!({ "sub": "a", "exp": exp }),
            serde_json::json!({ "sub": "a", "exp": exp, "aud": "other", "iss": "https://shop.example" }),
            serde_json::json!({ "sub": "a", "exp": exp, "aud": "cadence", "iss": "https://evil.example" }),
        ] {
            assert_eq!(
                keys.verify(&signed(claims), now),
                Err(TokenError::WrongAudience)
            );
        }
        let many = serde_json::json!({ "sub": "a", "exp": exp, "aud": ["x", "cadence"], "iss": "https://shop.example" });
        assert!(keys.verify(&signed(many), now).is_ok());
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
