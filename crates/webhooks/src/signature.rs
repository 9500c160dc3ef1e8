//! Standard Webhooks signatures (<https://www.standardwebhooks.com>): the `whsec_` secret,
//! `v1,<base64 HMAC-SHA256>` over `{id}.{timestamp}.{payload}`, and the three headers.
//!
//! Following the specification rather than inventing a scheme means a merchant verifies
//! our calls with an existing library in any language; `tests/reference_library.rs` holds
//! this module to the Python reference library. [`verify`] exists for our own demo
//! receiver and tests.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::{DecodePaddingMode, Engine as _};
use core::fmt;
use core::str::FromStr;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The prefix that marks a Standard Webhooks symmetric secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// The specification's bounds on the secret's random bytes (192 to 512 bits).
pub const SECRET_MIN_BYTES: usize = 24;
pub const SECRET_MAX_BYTES: usize = 64;
/// How far `webhook-timestamp` may be from the receiver's clock, either way (the
/// reference libraries' tolerance): older calls are replays.
pub const TOLERANCE_SECS: i64 = 5 * 60;

pub const HEADER_ID: &str = "webhook-id";
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
pub const HEADER_SIGNATURE: &str = "webhook-signature";

/// Standard base64 that reads secrets with or without their `=` padding: the reference
/// libraries accept both, so a merchant's pasted secret should not fail on it here.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// An endpoint's signing secret: 24 to 64 random bytes, written `whsec_<base64>`.
///
/// Deliberately not `Display`, and `Debug` hides the bytes, so a secret reaches a log only
/// through an explicit [`Secret::to_whsec`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

/// Why a string is not a [`Secret`]; the message suits a problem+json `detail`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("a webhook secret starts with \"whsec_\"")]
    Prefix,
    #[error("a webhook secret is \"whsec_\" followed by standard base64")]
    Base64,
    #[error("a webhook secret holds 24 to 64 bytes; this one holds {0}")]
    Length(usize),
}

impl Secret {
    /// A new secret from 32 random bytes the caller drew (this crate does no IO, so it
    /// has no random source of its own). 32 bytes is what Svix and Stripe issue.
    pub fn generate(rng_bytes: [u8; 32]) -> Self {
        Secret(rng_bytes.to_vec())
    }

    /// A secret from its raw bytes, which must number 24 to 64.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SecretError> {
        if !(SECRET_MIN_BYTES..=SECRET_MAX_BYTES).contains(&bytes.len()) {
            return Err(SecretError::Length(bytes.len()));
        }
        Ok(Secret(bytes.to_vec()))
    }

    /// Reads `whsec_<base64>` (padding optional).
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let encoded = text
            .strip_prefix(SECRET_PREFIX)
            .ok_or(SecretError::Prefix)?;
        let bytes = LENIENT.decode(encoded).map_err(|_| SecretError::Base64)?;
        Self::from_bytes(&bytes)
    }

    /// The secret as the merchant copies it: `whsec_` and padded standard base64.
    pub fn to_whsec(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.0))
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.0).expect("HMAC takes a key of any length")
    }
}

impl FromStr for Secret {
    type Err = SecretError;
    fn from_str(text: &str) -> Result<Self, SecretError> {
        Self::parse(text)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(whsec_…, {} bytes)", self.0.len())
    }
}

/// The HMAC over `{msg_id}.{timestamp}.{payload}`, as the specification concatenates them.
fn mac_of(secret: &Secret, msg_id: &str, timestamp_secs: i64, payload: &[u8]) -> HmacSha256 {
    let mut mac = secret.mac();
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp_secs.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac
}

/// One signature, `v1,<base64 HMAC-SHA256>`. `payload` is the body exactly as sent: the
/// receiver verifies the bytes it got, so the dispatcher must sign and send the same
/// bytes (never re-serialise the JSON between the two).
pub fn sign(secret: &Secret, msg_id: &str, timestamp_secs: i64, payload: &[u8]) -> String {
    let tag = mac_of(secret, msg_id, timestamp_secs, payload).finalize();
    format!("v1,{}", STANDARD.encode(tag.into_bytes()))
}

/// The three headers of one delivery attempt, values only (names: [`HEADER_ID`], …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookHeaders {
    /// `webhook-id`: the event's id, the same on every retry, so receivers deduplicate.
    pub id: String,
    /// `webhook-timestamp`: unix seconds of this attempt (not of the event).
    pub timestamp: String,
    /// `webhook-signature`: one `v1,…` per secret, separated by spaces.
    pub signature: String,
}

impl WebhookHeaders {
    /// `(name, value)` pairs, ready for an HTTP client.
    pub fn pairs(&self) -> [(&'static str, &str); 3] {
        [
            (HEADER_ID, &self.id),
            (HEADER_TIMESTAMP, &self.timestamp),
            (HEADER_SIGNATURE, &self.signature),
        ]
    }
}

/// Why [`headers`] refused to sign.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// An endpoint always has a current secret; sending unsigned would defeat the point.
    #[error("no secret to sign with")]
    NoSecret,
    /// The specification asks that the id hold no `.`: `{id}.{timestamp}.{payload}`
    /// would otherwise be ambiguous. It must also be a valid header value.
    #[error("a webhook id is 1 to 256 characters of A-Z a-z 0-9 _ -")]
    BadId,
}

/// Whether `id` is safe as `webhook-id` (see [`SignError::BadId`]).
pub fn is_valid_msg_id(id: &str) -> bool {
    (1..=256).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The headers of one attempt, signed with every secret given: during a secret rotation's
/// overlap window the dispatcher passes the new and the old secret, and a receiver that
/// knows either accepts the call (the specification's space-separated list).
pub fn headers(
    msg_id: &str,
    timestamp_secs: i64,
    payload: &[u8],
    secrets: &[&Secret],
) -> Result<WebhookHeaders, SignError> {
    if secrets.is_empty() {
        return Err(SignError::NoSecret);
    }
    if !is_valid_msg_id(msg_id) {
        return Err(SignError::BadId);
    }
    let signature = secrets
        .iter()
        .map(|secret| sign(secret, msg_id, timestamp_secs, payload))
        .collect::<Vec<_>>()
        .join(" ");
    Ok(WebhookHeaders {
        id: msg_id.to_owned(),
        timestamp: timestamp_secs.to_string(),
        signature,
    })
}

/// Why a received call failed [`verify`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("webhook-timestamp is not a whole number of seconds")]
    BadTimestamp,
    #[error("webhook-timestamp is more than five minutes old")]
    TooOld,
    #[error("webhook-timestamp is more than five minutes ahead")]
    TooNew,
    #[error("no v1 signature in webhook-signature matches")]
    NoMatch,
}

/// Verifies a received call as a merchant's library would: the timestamp within
/// [`TOLERANCE_SECS`] of `now_secs`, and any `v1` signature matching, compared in
/// constant time (an early-exit comparison would leak how many bytes matched). Entries of
/// other versions (`v1a`, …) are skipped, as the specification says.
pub fn verify(
    secret: &Secret,
    headers: &WebhookHeaders,
    payload: &[u8],
    now_secs: i64,
) -> Result<(), VerifyError> {
    let timestamp: i64 = headers
        .timestamp
        .parse()
        .map_err(|_| VerifyError::BadTimestamp)?;
    if timestamp < now_secs.saturating_sub(TOLERANCE_SECS) {
        return Err(VerifyError::TooOld);
    }
    if timestamp > now_secs.saturating_add(TOLERANCE_SECS) {
        return Err(VerifyError::TooNew);
    }
    let expected = mac_of(secret, &headers.id, timestamp, payload);
    let matches = headers
        .signature
        .split(' ')
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .filter_map(|encoded| STANDARD.decode(encoded).ok())
        // `verify_slice` is the `Mac` trait's constant-time comparison.
        .any(|tag| expected.clone().verify_slice(&tag).is_ok());
    if matches {
        Ok(())
    } else {
        Err(VerifyError::NoMatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(byte: u8) -> Secret {
        Secret::generate([byte; 32])
    }

    /// The test vector the Standard Webhooks libraries share: its secret, id, timestamp
    /// and body give its signature, so our concatenation and encoding are theirs.
    #[test]
    fn signs_the_shared_test_vector() {
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let payload = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, payload),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_round_trip_through_whsec() {
        let original = secret(7);
        let text = original.to_whsec();
        assert!(text.starts_with("whsec_"));
        assert_eq!(Secret::parse(&text).unwrap(), original);
        // Without padding too, as the reference libraries read it.
        assert_eq!(Secret::parse(text.trim_end_matches('=')).unwrap(), original);
        assert_eq!(text.parse::<Secret>().unwrap(), original);
    }

    #[test]
    fn bad_secrets_are_refused_with_a_reason() {
        assert_eq!(Secret::parse("c2VjcmV0"), Err(SecretError::Prefix));
        assert_eq!(Secret::parse("whsec_not base64!"), Err(SecretError::Base64));
        let short = format!("whsec_{}", STANDARD.encode([1u8; 23]));
        assert_eq!(Secret::parse(&short), Err(SecretError::Length(23)));
        let long = format!("whsec_{}", STANDARD.encode([1u8; 65]));
        assert_eq!(Secret::parse(&long), Err(SecretError::Length(65)));
        for len in [24, 64] {
            let ok = format!("whsec_{}", STANDARD.encode(vec![1u8; len]));
            assert!(Secret::parse(&ok).is_ok(), "{len} bytes");
        }
    }

    #[test]
    fn debug_does_not_print_the_secret() {
        let s = secret(9);
        let shown = format!("{s:?}");
        assert!(!shown.contains(&s.to_whsec()[6..12]), "{shown}");
    }

    #[test]
    fn headers_list_one_signature_per_secret() {
        let (old, new) = (secret(1), secret(2));
        let h = headers("evt_1", 1_700_000_000, b"{}", &[&new, &old]).unwrap();
        assert_eq!(h.id, "evt_1");
        assert_eq!(h.timestamp, "1700000000");
        let parts: Vec<&str> = h.signature.split(' ').collect();
        assert_eq!(
            parts,
            [
                sign(&new, "evt_1", 1_700_000_000, b"{}"),
                sign(&old, "evt_1", 1_700_000_000, b"{}")
            ]
        );
        assert_eq!(h.pairs()[2], ("webhook-signature", h.signature.as_str()));
    }

    #[test]
    fn headers_refuse_no_secret_and_ambiguous_ids() {
        assert_eq!(headers("evt_1", 1, b"", &[]), Err(SignError::NoSecret));
        let s = secret(1);
        for id in ["", "evt.1", "evt 1", "evt\n1", &"a".repeat(257)] {
            assert_eq!(headers(id, 1, b"", &[&s]), Err(SignError::BadId), "{id:?}");
        }
    }

    #[test]
    fn verify_accepts_any_listed_secret_within_tolerance() {
        let (old, new, other) = (secret(1), secret(2), secret(3));
        let now = 1_700_000_000;
        let h = headers("evt_1", now, b"{\"a\":1}", &[&new, &old]).unwrap();
        assert_eq!(verify(&new, &h, b"{\"a\":1}", now), Ok(()));
        assert_eq!(verify(&old, &h, b"{\"a\":1}", now + TOLERANCE_SECS), Ok(()));
        assert_eq!(verify(&old, &h, b"{\"a\":1}", now - TOLERANCE_SECS), Ok(()));
        assert_eq!(
            verify(&other, &h, b"{\"a\":1}", now),
            Err(VerifyError::NoMatch)
        );
        assert_eq!(
            verify(&new, &h, b"{\"a\":2}", now),
            Err(VerifyError::NoMatch)
        );
        assert_eq!(
            verify(&new, &h, b"{\"a\":1}", now + TOLERANCE_SECS + 1),
            Err(VerifyError::TooOld)
        );
        assert_eq!(
            verify(&new, &h, b"{\"a\":1}", now - TOLERANCE_SECS - 1),
            Err(VerifyError::TooNew)
        );
    }

    #[test]
    fn verify_checks_the_id_and_timestamp_too() {
        let s = secret(1);
        let h = headers("evt_1", 100, b"x", &[&s]).unwrap();
        let other_id = WebhookHeaders {
            id: "evt_2".into(),
            ..h.clone()
        };
        assert_eq!(verify(&s, &other_id, b"x", 100), Err(VerifyError::NoMatch));
        let other_time = WebhookHeaders {
            timestamp: "101".into(),
            ..h.clone()
        };
        assert_eq!(
            verify(&s, &other_time, b"x", 100),
            Err(VerifyError::NoMatch)
        );
        let garbled = WebhookHeaders {
            timestamp: "1e3".into(),
            ..h
        };
        assert_eq!(
            verify(&s, &garbled, b"x", 100),
            Err(VerifyError::BadTimestamp)
        );
    }

    #[test]
    fn verify_skips_other_versions_and_garbage_entries() {
        let s = secret(1);
        let good = sign(&s, "evt_1", 100, b"x");
        let h = WebhookHeaders {
            id: "evt_1".into(),
            timestamp: "100".into(),
            signature: format!("v1a,AAAA v1,!!! v2,{} {good}", &good[3..]),
        };
        assert_eq!(verify(&s, &h, b"x", 100), Ok(()));
        let without = WebhookHeaders {
            signature: format!("v2,{}", &good[3..]),
            ..h
        };
        assert_eq!(verify(&s, &without, b"x", 100), Err(VerifyError::NoMatch));
    }
}
