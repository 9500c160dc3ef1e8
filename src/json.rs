//! JSON in and out of the wasm without a JSON parser compiled in: responses are parsed by
//! the browser's `JSON.parse` and read into the contract's types by a small serde
//! `Deserializer` over the resulting JS value; request bodies are written by serde_json.
//!
//! Why not serde-wasm-bindgen: it handles every JS type (maps, bigints, typed arrays), and
//! its error messages format serde's `Unexpected`, which compiles Rust's float printing into
//! the wasm (measured: ~17 KB raw for `f64: Display` alone). JSON only has strings, numbers,
//! booleans, null, arrays and objects, and our errors name what was expected, not the value.

use js_sys::{Array, Object, Reflect};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use std::fmt;
use wasm_bindgen::{JsCast, JsValue};

/// Why a body is not the JSON the contract promises.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonError(pub String);

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for JsonError {}

impl de::Error for JsonError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        JsonError(message.to_string())
    }

    // The two errors that carry the offending value: named by what was expected only, so
    // serde's `Unexpected` (and with it float formatting) is never displayed.
    fn invalid_type(_: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        JsonError(format!("invalid type, expected {expected}"))
    }

    fn invalid_value(_: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        JsonError(format!("invalid value, expected {expected}"))
    }
}

/// Parses `text` with the browser's `JSON.parse` and reads it as a `T`.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    let value =
        js_sys::JSON::parse(text).map_err(|_| JsonError("the body is not JSON".to_owned()))?;
    from_value(value)
}

/// Reads an already parsed JSON value as a `T`.
pub fn from_value<T: DeserializeOwned>(value: JsValue) -> Result<T, JsonError> {
    T::deserialize(JsonValue(value))
}

/// A request body: serde_json's text, for `fetch`.
pub fn to_string<T: serde::Serialize>(value: &T) -> Option<String> {
    serde_json::to_string(value).ok()
}

/// A value as a plain JS object (for `CustomEvent` details): the JSON text parsed back.
pub fn to_js<T: serde::Serialize>(value: &T) -> JsValue {
    to_string(value)
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .unwrap_or(JsValue::NULL)
}

/// A value produced by `JSON.parse`.
struct JsonValue(JsValue);

/// Integers beyond this are not exact in a JS number; they stay floats.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

impl JsonValue {
    fn string(self) -> Result<String, JsonError> {
        self.0.as_string().ok_or_else(|| expected("a string"))
    }

    fn object(self) -> Result<Fields, JsonError> {
        if self.0.is_object() && !Array::is_array(&self.0) {
            let object: Object = self.0.unchecked_into();
            Ok(Fields {
                keys: Object::keys(&object),
                object,
                next: 0,
            })
        } else {
            Err(expected("an object"))
        }
    }

    fn array(self) -> Result<Elements, JsonError> {
        if Array::is_array(&self.0) {
            Ok(Elements {
                array: self.0.unchecked_into(),
                next: 0,
            })
        } else {
            Err(expected("an array"))
        }
    }

    /// JSON has one number type; serde's integer visitors only take integers.
    fn number<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        let n = self.0.as_f64().ok_or_else(|| expected("a number"))?;
        if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
            if n >= 0.0 {
                visitor.visit_u64(n as u64)
            } else {
                visitor.visit_i64(n as i64)
            }
        } else {
            visitor.visit_f64(n)
        }
    }
}

fn expected(what: &str) -> JsonError {
    JsonError(format!("invalid type, expected {what}"))
}

/// Every numeric entry point reads a JSON number the same way (`JsonValue::number`).
macro_rules! forward_to_number {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
                self.number(visitor)
            }
        )*
    };
}

/// Each typed entry point calls only the visitor method its JSON type needs. Forwarding
/// everything to `deserialize_any` would instantiate every visit method of every
/// contract type (measured: several KB of wasm); only internally tagged enums, which serde
/// buffers, go through `deserialize_any`.
impl<'de> de::Deserializer<'de> for JsonValue {
    type Error = JsonError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        let v = &self.0;
        if v.as_string().is_some() {
            visitor.visit_string(self.string()?)
        } else if v.as_f64().is_some() {
            self.number(visitor)
        } else if let Some(b) = v.as_bool() {
            visitor.visit_bool(b)
        } else if v.is_null() || v.is_undefined() {
            visitor.visit_unit()
        } else if Array::is_array(v) {
            visitor.visit_seq(self.array()?)
        } else {
            visitor.visit_map(self.object()?)
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        visitor.visit_bool(self.0.as_bool().ok_or_else(|| expected("a boolean"))?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        visitor.visit_string(self.string()?)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        visitor.visit_string(self.string()?)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        visitor.visit_string(self.string()?)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        if self.0.is_null() {
            visitor.visit_unit()
        } else {
            Err(expected("null"))
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        if self.0.is_null() || self.0.is_undefined() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        visitor.visit_seq(self.array()?)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        visitor.visit_map(self.object()?)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        visitor.visit_map(self.object()?)
    }

    /// Only unit variants travel as plain strings; the contract's enums with data are
    /// internally tagged, which serde reads through `deserialize_any`.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        visitor.visit_enum(self.string()?.into_deserializer())
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        visitor.visit_newtype_struct(self)
    }

    /// Unknown fields are skipped without being read.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        visitor.visit_unit()
    }

    forward_to_number! {
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_f32 deserialize_f64
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char bytes byte_buf unit_struct tuple tuple_struct
    }
}

/// An array's elements, in order.
struct Elements {
    array: Array,
    next: u32,
}

impl<'de> de::SeqAccess<'de> for Elements {
    type Error = JsonError;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, JsonError> {
        if self.next >= self.array.length() {
            return Ok(None);
        }
        let value = self.array.get(self.next);
        self.next += 1;
        seed.deserialize(JsonValue(value)).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some((self.array.length() - self.next) as usize)
    }
}

/// An object's own fields, in `Object.keys` order.
struct Fields {
    object: Object,
    keys: Array,
    next: u32,
}

impl<'de> de::MapAccess<'de> for Fields {
    type Error = JsonError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, JsonError> {
        if self.next >= self.keys.length() {
            return Ok(None);
        }
        let key = self.keys.get(self.next).as_string().unwrap_or_default();
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, JsonError> {
        let key = self.keys.get(self.next);
        self.next += 1;
        let value = Reflect::get(&self.object, &key).unwrap_or(JsValue::UNDEFINED);
        seed.deserialize(JsonValue(value))
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use cadence_contract::{Product, ProductKind, SubscriptionChange};
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn both<T: DeserializeOwned + PartialEq + fmt::Debug>(text: &str) -> T {
        let ours: T = parse(text).unwrap();
        let serde_json: T = serde_json::from_str(text).unwrap();
        assert_eq!(ours, serde_json);
        ours
    }

    #[wasm_bindgen_test]
    fn reads_what_serde_json_reads() {
        assert_eq!(both::<Vec<u32>>("[1, 2, 3]"), vec![1, 2, 3]);
        assert_eq!(both::<Option<i64>>("-7"), Some(-7));
        assert_eq!(both::<Option<String>>("null"), None);
        assert_eq!(both::<f64>("2.5"), 2.5);
        assert_eq!(both::<f64>("3"), 3.0);
        assert_eq!(
            both::<ProductKind>("\"consumable\""),
            ProductKind::Consumable
        );
        // An enum value newer than this widget is read as the contract's fallback.
        assert_eq!(both::<ProductKind>("\"bundle\""), ProductKind::Unknown);
        let change: SubscriptionChange = both(r#"{"action":"pause_for","deliveries":2}"#);
        assert_eq!(change, SubscriptionChange::PauseFor { deliveries: 2 });
    }

    #[wasm_bindgen_test]
    fn names_what_was_expected_and_rejects_what_does_not_fit() {
        assert_eq!(
            parse::<u32>("\"3\"").unwrap_err().0,
            "invalid type, expected a number"
        );
        assert!(parse::<u16>("70000").is_err());
        assert!(parse::<u32>("1.5").is_err());
        assert!(parse::<u32>("-1").is_err());
        assert_eq!(parse::<u32>("{").unwrap_err().0, "the body is not JSON");
        assert!(parse::<Product>("{}")
            .unwrap_err()
            .0
            .contains("missing field"));
        assert!(parse::<SubscriptionChange>(r#"{"action":"skip","oops":1}"#).is_err());
    }

    #[wasm_bindgen_test]
    fn request_bodies_round_trip() {
        let change = SubscriptionChange::PauseFor { deliveries: 3 };
        let text = to_string(&change).unwrap();
        assert_eq!(text, r#"{"action":"pause_for","deliveries":3}"#);
        assert_eq!(parse::<SubscriptionChange>(&text).unwrap(), change);
        let detail = to_js(&change);
        assert_eq!(
            Reflect::get(&detail, &"deliveries".into())
                .unwrap()
                .as_f64(),
            Some(3.0)
        );
    }
}
