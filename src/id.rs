//! Idempotency keys: one fresh UUID per shopper intent, so a retried or double-clicked
//! mutation is applied once by the server.

/// A fresh random version-4 UUID naming one shopper intent. Built from
/// `crypto.getRandomValues`, which (unlike `randomUUID`) also exists on plain-http pages.
pub(crate) fn idempotency_key() -> String {
    let mut bytes = [0u8; 16];
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    if bytes == [0; 16] {
        // No crypto at all: Math.random is weaker but still unique enough per intent.
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    // 8-4-4-4-12 hex digits, written out by hand: `format!("{:02x}")` and string slicing
    // would bring integer formatting and slice-boundary panics into the wasm.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut key = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            key.push('-');
        }
        key.push(HEX[usize::from(b >> 4)] as char);
        key.push(HEX[usize::from(b & 0x0f)] as char);
    }
    key
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::idempotency_key;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// A version-4 UUID as RFC 9562 writes it, different every time.
    #[wasm_bindgen_test]
    fn an_idempotency_key_is_a_fresh_lowercase_uuid_v4() {
        let key = idempotency_key();
        assert_eq!(key.len(), 36, "{key}");
        for (i, c) in key.chars().enumerate() {
            match i {
                8 | 13 | 18 | 23 => assert_eq!(c, '-', "{key}"),
                14 => assert_eq!(c, '4', "version nibble: {key}"),
                19 => assert!("89ab".contains(c), "variant: {key}"),
                _ => assert!(c.is_ascii_digit() || ('a'..='f').contains(&c), "{key}"),
            }
        }
        assert_ne!(key, idempotency_key());
    }
}
