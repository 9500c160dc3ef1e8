//! One-click links in messages: single-purpose (skip *this* delivery, pause *this*
//! subscription, stop *this* kind of reminder, open the account), signed with a key derived
//! from the server's secret, expiring. A link is `<payload>.<mac>`, both URL-safe base64:
//! anyone may read what it says, nobody can change it. Opening one changes nothing (mail
//! scanners open links); the page it shows has one button (`pages.rs`), and what a press
//! did is recorded by the link's hash, so a second press changes nothing new.

use super::Kind;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cadence_contract::Date;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// What a link does when its button is pressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Skip the delivery of `date`.
    Skip,
    /// Pause the subscription until the shopper resumes it.
    Pause,
    /// Stop reminders of `kind` (RFC 8058 one-click: a POST acts at once).
    Unsubscribe,
    /// Sign in to the hosted account page (`account.rs`), once.
    SignIn,
    /// Mark maintenance task `routine` done today.
    Done,
    /// Add part `sku` once to the next delivery of `subscription`.
    AddPart,
    /// Stop the reminders of maintenance task `routine`.
    StopRoutine,
    /// Confirm the request `notification` names: reminders for machine `sku` (`follow.rs`).
    Follow,
}

/// A link's signed contents. Short field names keep the URL short.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    #[serde(rename = "a")]
    pub action: Action,
    #[serde(rename = "c")]
    pub customer: String,
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<String>,
    #[serde(rename = "d", default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    #[serde(rename = "k", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    /// The maintenance task a routine link is about.
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    pub routine: Option<String>,
    /// The product a part link adds.
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// The message it came in: links of two messages never share a hash.
    #[serde(rename = "n")]
    pub notification: String,
    /// Unix seconds after which it only says it expired.
    #[serde(rename = "e")]
    pub expires: i64,
}

/// Why a link does nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// Not a link this server signed (edited, cut short, another server's).
    Invalid,
    /// Signed here, but past its expiry.
    Expired,
}

/// The link key, derived from the shared secret with its own label (domain separation from
/// tokens and calendar feeds).
pub fn derive_key(secret: &[u8]) -> [u8; 32] {
    mac(secret, b"cadence one-click link key v1")
}

/// The token for `link`: what goes after `/links/` in the URL.
pub fn sign(key: &[u8; 32], link: &Link) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(link).expect("a link serialises"));
    let tag = URL_SAFE_NO_PAD.encode(mac(key, payload.as_bytes()));
    format!("{payload}.{tag}")
}

/// The link `token` carries, if this server signed it and it has not expired at `now`.
pub fn verify(key: &[u8; 32], token: &str, now: i64) -> Result<Link, LinkError> {
    if token.len() > 2_000 {
        return Err(LinkError::Invalid);
    }
    let (payload, tag) = token.split_once('.').ok_or(LinkError::Invalid)?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag)
        .map_err(|_| LinkError::Invalid)?;
    let mut check = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    check.update(payload.as_bytes());
    // `verify_slice` compares in constant time.
    check.verify_slice(&tag).map_err(|_| LinkError::Invalid)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| LinkError::Invalid)?;
    let link: Link = serde_json::from_slice(&bytes).map_err(|_| LinkError::Invalid)?;
    if now > link.expires {
        return Err(LinkError::Expired);
    }
    Ok(link)
}

/// SHA-256 in hex: what the database keeps instead of a credential (a link's token in
/// `link_uses`, an address in `sign_in_requests`), never the thing itself.
pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn mac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip() -> Link {
        Link {
            action: Action::Skip,
            customer: "cust_ada".into(),
            subscription: Some("sub_1".into()),
            date: Some("2026-12-10".parse().unwrap()),
            kind: None,
            routine: None,
            sku: None,
            notification: "ntf_1".into(),
            expires: 1_000,
        }
    }

    #[test]
    fn a_signed_link_verifies_until_it_expires() {
        let key = derive_key(b"0123456789abcdef0123456789abcdef");
        let token = sign(&key, &skip());
        assert_eq!(verify(&key, &token, 999), Ok(skip()));
        assert_eq!(verify(&key, &token, 1_000), Ok(skip()));
        assert_eq!(verify(&key, &token, 1_001), Err(LinkError::Expired));
    }

    #[test]
    fn any_edit_or_another_key_is_refused() {
        let key = derive_key(b"0123456789abcdef0123456789abcdef");
        let token = sign(&key, &skip());
        let other = derive_key(b"another secret, another server!!");
        assert_eq!(verify(&other, &token, 0), Err(LinkError::Invalid));
        // A link for someone else's subscription, with the old signature.
        let forged_payload = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&Link {
                customer: "cust_bob".into(),
                ..skip()
            })
            .unwrap(),
        );
        let tag = token.split_once('.').unwrap().1;
        let forged = format!("{forged_payload}.{tag}");
        assert_eq!(verify(&key, &forged, 0), Err(LinkError::Invalid));
        for broken in [
            "",
            ".",
            "abc",
            &token[..token.len() - 2],
            &format!("{token}x"),
        ] {
            assert_eq!(verify(&key, broken, 0), Err(LinkError::Invalid), "{broken}");
        }
        assert_ne!(
            hash(&token),
            hash(&sign(
                &key,
                &Link {
                    expires: 2,
                    ..skip()
                }
            ))
        );
    }
}
