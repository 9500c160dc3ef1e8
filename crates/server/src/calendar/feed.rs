//! Calendar feed ids: HMAC-SHA256 of the customer id under a key derived from the server's
//! secret. Calendar apps fetch feeds without headers, so the id in the URL is the only
//! credential: unguessable, stable per customer, and revoked by rotating the secret or,
//! for one customer, by bumping their feed generation (`POST /merchant/customers/{id}/revoke`).

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The feed key, derived from the shared secret with a fixed label (domain separation).
pub fn derive_key(secret: &[u8]) -> [u8; 32] {
    mac(secret, b"cadence calendar feed key v1")
}

/// The customer's feed id at `generation`: 64 lower-case hex digits. Generation 0 is
/// the customer id alone, so feeds made before revocation existed keep working.
pub fn feed_id(key: &[u8; 32], customer: &str, generation: i64) -> String {
    let message = match generation {
        0 => customer.to_owned(),
        // A newline cannot occur in a customer id read from a token's `sub` and stored.
        n => format!("{customer}\n{n}"),
    };
    mac(key, message.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `id` is the feed id of `customer` at `generation`, compared in constant time.
pub fn verify(key: &[u8; 32], customer: &str, generation: i64, id: &str) -> bool {
    let expected = feed_id(key, customer, generation);
    expected.len() == id.len()
        && expected
            .bytes()
            .zip(id.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Whether `id` has the shape of a feed id at all (checked before any database lookup).
pub fn well_formed(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn mac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_per_customer_secret_and_generation() {
        let key = derive_key(b"0123456789abcdef0123456789abcdef");
        let ada = feed_id(&key, "cust_ada", 0);
        assert!(well_formed(&ada));
        assert_eq!(ada, feed_id(&key, "cust_ada", 0));
        assert_ne!(ada, feed_id(&key, "cust_grace", 0));
        assert_ne!(
            ada,
            feed_id(
                &derive_key(b"another secret, another feed id"),
                "cust_ada",
                0
            )
        );
        assert!(verify(&key, "cust_ada", 0, &ada));
        assert!(!verify(&key, "cust_grace", 0, &ada));
        assert!(!well_formed(&ada.to_uppercase()));
        // Revoked once: a new id, and the old one no longer verifies.
        let renewed = feed_id(&key, "cust_ada", 1);
        assert_ne!(renewed, ada);
        assert!(verify(&key, "cust_ada", 1, &renewed));
        assert!(!verify(&key, "cust_ada", 1, &ada));
    }
}
