//! One import line as a record: an NDJSON line's `type` and id taken out and the rest read
//! as the record of that type (the body of its single `PUT`), and applied as one. What is
//! wrong with a line is said in our words, with a JSON Pointer where one can be named.

use super::apply::{self, Applied, Apply};
use super::records::{CustomerRecord, OrderRecord, OwnedRecord, ProductRecord, SubscriptionRecord};
use crate::db::admin_data::known::Known;
use crate::db::{Connection, StoreError};
use cadence_contract::problem::FieldError;
use cadence_contract::Date;
use serde::Deserialize;
use serde_json::{Map, Value};

/// One line's record.
#[derive(Debug)]
pub enum Record {
    Product(String, Box<ProductRecord>),
    Customer(String, CustomerRecord),
    Owned(OwnedLine),
    Order(String, OrderRecord),
    Subscription(Box<SubscriptionRecord>),
}

/// `{"type": "owned", "customer_id", "sku", "purchased_on"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnedLine {
    customer_id: String,
    sku: String,
    purchased_on: Date,
}

pub fn whole_line(detail: &str) -> Vec<FieldError> {
    vec![FieldError {
        pointer: String::new(),
        detail: detail.to_owned(),
    }]
}

/// What serde says about a record, in our words: which field is missing or unknown when
/// it names one (field names of ours, or the line's own when they are plain words), never
/// a value from the line.
fn shape_error(e: &serde_json::Error) -> Vec<FieldError> {
    let text = e.to_string();
    let named = |prefix: &str| {
        let rest = text.strip_prefix(prefix)?;
        let name = rest.split('`').next()?;
        let plain = !name.is_empty()
            && name.len() <= 40
            && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        plain.then(|| format!("/{name}"))
    };
    let (pointer, detail) = if let Some(p) = named("missing field `") {
        (p, "This field is required.")
    } else if let Some(p) = named("unknown field `") {
        (p, "This record type has no such field.")
    } else if text.starts_with("unknown field") {
        (
            String::new(),
            "The line has a field this record type does not have.",
        )
    } else {
        (
            String::new(),
            "A value has the wrong type or is out of range (numbers are whole, dates YYYY-MM-DD).",
        )
    };
    vec![FieldError {
        pointer,
        detail: detail.to_owned(),
    }]
}

fn decode<T: serde::de::DeserializeOwned>(
    object: Map<String, Value>,
) -> Result<T, Vec<FieldError>> {
    serde_json::from_value(Value::Object(object)).map_err(|e| shape_error(&e))
}

/// Takes the record's own id field (`sku` or `id`) out of the line's object.
fn take_id(object: &mut Map<String, Value>, key: &str) -> Result<String, Vec<FieldError>> {
    match object.remove(key) {
        Some(Value::String(id)) => Ok(id),
        _ => Err(vec![FieldError {
            pointer: format!("/{key}"),
            detail: "Give the record's id as a string.".to_owned(),
        }]),
    }
}

/// One NDJSON line as a record.
pub fn parse_ndjson(text: &str) -> Result<Record, Vec<FieldError>> {
    let Ok(Value::Object(mut object)) = serde_json::from_str::<Value>(text) else {
        return Err(whole_line("Each line is one JSON object."));
    };
    let kind = match object.remove("type") {
        Some(Value::String(kind)) => kind,
        _ => String::new(),
    };
    Ok(match kind.as_str() {
        "product" => {
            let sku = take_id(&mut object, "sku")?;
            Record::Product(sku, Box::new(decode::<ProductRecord>(object)?.normalized()))
        }
        "customer" => {
            let id = take_id(&mut object, "id")?;
            Record::Customer(id, decode(object)?)
        }
        "owned" => Record::Owned(decode(object)?),
        "order" => {
            let id = take_id(&mut object, "id")?;
            Record::Order(id, decode::<OrderRecord>(object)?.normalized())
        }
        "subscription" => {
            // The id is one of the record's fields here: put it back as it was.
            Record::Subscription(Box::new(decode(object)?))
        }
        _ => {
            return Err(vec![FieldError {
                pointer: "/type".to_owned(),
                detail: "A type is product, customer, owned, order or subscription.".to_owned(),
            }])
        }
    })
}

pub fn apply_record(
    conn: &Connection,
    known: &mut dyn Known,
    record: &Record,
    how: &Apply,
) -> Result<Applied, StoreError> {
    match record {
        Record::Product(sku, product) => apply::product(conn, known, sku, product, how),
        Record::Customer(id, customer) => apply::customer(conn, known, id, customer, how),
        Record::Owned(line) => {
            let record = OwnedRecord {
                purchased_on: line.purchased_on,
            };
            apply::owned(conn, known, &line.customer_id, &line.sku, &record, how)
        }
        Record::Order(id, order) => apply::order(conn, known, id, order, how),
        Record::Subscription(subscription) => apply::subscription(conn, known, subscription, how),
    }
}
