//! JSON in and out of the wasm without a JSON parser compiled in: responses are parsed by
//! the browser's `JSON.parse` and read into the contract's types by hand-written readers
//! (`FromJson`, in `decode.rs`); request bodies are JS objects the browser's
//! `JSON.stringify` writes (`ToJs`, in `encode.rs`).
//!
//! Why not serde's `Deserialize`: its derived visitors (a field enum, a string match per
//! field, an `Option` slot per field, duplicate and missing field errors formatted with
//! `core::fmt`) were ~43 KB of the product module's 442 KB of wasm. A reader here is one
//! `Reflect.get` and one conversion per field. Before that, serde-wasm-bindgen was
//! replaced for formatting serde's `Unexpected` (and with it float printing).
//!
//! The readers follow the contract's serde attributes: a missing field is an error unless
//! it is an `Option` or `#[serde(default)]`, unknown fields are ignored, enum values this
//! widget does not know read as the contract's `Unknown`. Tests hold them to serde_json's
//! reading of the same text.

use js_sys::{Array, Reflect};
use wasm_bindgen::JsValue;

/// Why a body is not the JSON the contract promises: what was expected, and where.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JsonError(pub String);

impl JsonError {
    pub(crate) fn expected(what: &str) -> JsonError {
        JsonError(["expected ", what].concat())
    }

    /// A required field that is absent. Not generic and not inlined: `req` is compiled once
    /// per field type, this once.
    #[cold]
    #[inline(never)]
    fn missing(field: &str) -> JsonError {
        JsonError(["missing field `", field, "`"].concat())
    }

    /// The same error, one field further out: `price.amount_minor: expected …`.
    #[cold]
    #[inline(never)]
    fn within(self, field: &str) -> JsonError {
        let sep = if self.0.starts_with("expected") {
            ": "
        } else {
            "."
        };
        JsonError([field, sep, &self.0].concat())
    }
}

impl core::fmt::Display for JsonError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A contract type read from a value `JSON.parse` produced.
pub(crate) trait FromJson: Sized {
    fn from_json(value: &JsValue) -> Result<Self, JsonError>;
}

/// Parses `text` with the browser's `JSON.parse` and reads it as a `T`.
pub(crate) fn parse<T: FromJson>(text: &str) -> Result<T, JsonError> {
    let value =
        js_sys::JSON::parse(text).map_err(|_| JsonError("the body is not JSON".to_owned()))?;
    T::from_json(&value)
}

/// A JSON object's fields, read by name.
pub(crate) struct Fields(JsValue);

impl Fields {
    pub(crate) fn of(value: &JsValue) -> Result<Fields, JsonError> {
        if value.is_object() && !Array::is_array(value) {
            Ok(Fields(value.clone()))
        } else {
            Err(JsonError::expected("an object"))
        }
    }

    /// A field's value; `undefined` when absent (`null` when the JSON says null).
    fn get(&self, name: &str) -> JsValue {
        Reflect::get(&self.0, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
    }

    /// A field the contract requires.
    pub(crate) fn req<T: FromJson>(&self, name: &str) -> Result<T, JsonError> {
        let value = self.get(name);
        if value.is_undefined() {
            return Err(JsonError::missing(name));
        }
        T::from_json(&value).map_err(|e| e.within(name))
    }

    /// An optional field: absent or null is `None`.
    pub(crate) fn opt<T: FromJson>(&self, name: &str) -> Result<Option<T>, JsonError> {
        let value = self.get(name);
        if value.is_undefined() || value.is_null() {
            return Ok(None);
        }
        T::from_json(&value).map(Some).map_err(|e| e.within(name))
    }

    /// A `#[serde(default)]` list: absent is empty.
    pub(crate) fn list<T: FromJson>(&self, name: &str) -> Result<Vec<T>, JsonError> {
        Ok(self.opt(name)?.unwrap_or_default())
    }
}

impl FromJson for String {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        value
            .as_string()
            .ok_or_else(|| JsonError::expected("a string"))
    }
}

impl FromJson for bool {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        value
            .as_bool()
            .ok_or_else(|| JsonError::expected("a boolean"))
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        if !Array::is_array(value) {
            return Err(JsonError::expected("an array"));
        }
        let array: &Array = wasm_bindgen::JsCast::unchecked_ref(value);
        let mut items = Vec::with_capacity(array.length() as usize);
        for i in 0..array.length() {
            items.push(T::from_json(&array.get(i))?);
        }
        Ok(items)
    }
}

impl<T: FromJson> FromJson for Box<T> {
    fn from_json(value: &JsValue) -> Result<Self, JsonError> {
        T::from_json(value).map(Box::new)
    }
}

/// A JSON number that is a whole number within `min..=max` (what serde's integer
/// visitors accept): one shared check, so each integer type adds only a cast.
fn whole(value: &JsValue, min: f64, max: f64) -> Result<f64, JsonError> {
    match value.as_f64() {
        Some(n) if n.fract() == 0.0 && n >= min && n <= max => Ok(n),
        Some(_) => Err(JsonError::expected("a whole number in range")),
        None => Err(JsonError::expected("a number")),
    }
}

/// Integers beyond this are not exact in a JS number.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

macro_rules! integers {
    ($($t:ty: $min:expr, $max:expr;)*) => {
        $(
            impl FromJson for $t {
                fn from_json(value: &JsValue) -> Result<Self, JsonError> {
                    whole(value, $min, $max).map(|n| n as $t)
                }
            }
        )*
    };
}

integers! {
    u8: 0.0, u8::MAX as f64;
    u16: 0.0, u16::MAX as f64;
    u32: 0.0, u32::MAX as f64;
    u64: 0.0, MAX_SAFE_INTEGER;
    i64: -MAX_SAFE_INTEGER, MAX_SAFE_INTEGER;
}

#[cfg(all(test, target_arch = "wasm32"))]
pub(crate) mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// Reads `text` with our reader and with serde_json, asserts they agree, returns ours.
    pub(crate) fn both<T>(text: &str) -> T
    where
        T: FromJson + serde::de::DeserializeOwned + PartialEq + core::fmt::Debug,
    {
        let ours = parse::<T>(text).unwrap();
        assert_eq!(ours, serde_json::from_str::<T>(text).unwrap(), "{text}");
        ours
    }

    #[wasm_bindgen_test]
    fn reads_what_serde_json_reads() {
        assert_eq!(both::<Vec<u32>>("[1, 2, 3]"), vec![1, 2, 3]);
        assert_eq!(both::<i64>("-7"), -7);
        assert_eq!(both::<u8>("255"), 255);
        assert_eq!(both::<u64>("9007199254740991"), 9_007_199_254_740_991);
        assert_eq!(both::<String>(r#""caf\u00e9 \"x\"""#), "café \"x\"");
        assert!(both::<bool>("true"));
        assert_eq!(both::<Vec<String>>("[]"), Vec::<String>::new());
    }

    #[wasm_bindgen_test]
    fn names_what_was_expected_and_rejects_what_does_not_fit() {
        assert_eq!(parse::<u32>("\"3\"").unwrap_err().0, "expected a number");
        for (text, why) in [
            ("70000", "beyond u16"),
            ("1.5", "not whole"),
            ("-1", "negative"),
            ("1e300", "beyond every integer"),
        ] {
            assert!(parse::<u16>(text).is_err(), "{text}: {why}");
        }
        assert_eq!(parse::<u32>("{").unwrap_err().0, "the body is not JSON");
        assert_eq!(parse::<bool>("null").unwrap_err().0, "expected a boolean");
        assert_eq!(parse::<Vec<u8>>("{}").unwrap_err().0, "expected an array");
        assert_eq!(
            parse::<Vec<u8>>("[1, 300]").unwrap_err().0,
            "expected a whole number in range"
        );
    }

    #[wasm_bindgen_test]
    fn fields_are_required_optional_or_default_and_errors_say_where() {
        let value = js_sys::JSON::parse(r#"{"a": 1, "b": null, "c": {"d": "x"}}"#).unwrap();
        let f = Fields::of(&value).unwrap();
        assert_eq!(f.req::<u32>("a"), Ok(1));
        assert_eq!(f.opt::<u32>("b"), Ok(None));
        assert_eq!(f.opt::<u32>("z"), Ok(None));
        assert_eq!(f.list::<u32>("z"), Ok(vec![]));
        assert_eq!(f.req::<u32>("z").unwrap_err().0, "missing field `z`");
        assert!(f.req::<u32>("b").is_err(), "null is not a number");
        struct D(u32);
        impl FromJson for D {
            fn from_json(value: &JsValue) -> Result<Self, JsonError> {
                Fields::of(value)?.req("d").map(D)
            }
        }
        assert_eq!(
            f.req::<D>("c").map(|d| d.0).unwrap_err().0,
            "c.d: expected a number"
        );
        assert_eq!(
            Fields::of(&JsValue::from(3)).err().unwrap().0,
            "expected an object"
        );
        let array = js_sys::JSON::parse("[]").unwrap();
        assert!(Fields::of(&array).is_err(), "an array is not an object");
    }
}
