//! Subscriptions as CSV (`Content-Type: text/csv`), the format other subscription apps
//! export: a header naming the columns (any order), then one subscription per line. Fields
//! follow RFC 4180 (quoted with `"`, a quote doubled inside), except that a quoted field
//! may not span lines: every record is one line, so every error has its line number.

use super::checks::Problems;
use super::records::SubscriptionRecord;
use cadence_contract::problem::FieldError;
use cadence_contract::{Date, Interval, Money, SubscriptionStatus};

/// The columns a subscription CSV may have; the first six are required.
pub const COLUMNS: [&str; 13] = [
    "id",
    "customer_id",
    "sku",
    "quantity",
    "interval",
    "status",
    "next_delivery",
    "paused_until",
    "cancelled_on",
    "discount_percent",
    "unit_price_minor",
    "currency",
    "started_on",
];
const REQUIRED: usize = 6;

/// The fields of one CSV line, or why it cannot be split.
pub fn split(line: &str) -> Result<Vec<String>, &'static str> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => {
                quoted = false;
                match chars.peek() {
                    None | Some(',') => {}
                    Some(_) => return Err("A closing quote must end its field."),
                }
            }
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            (false, '"') => return Err("A quote inside an unquoted field: quote the field."),
            (false, ',') => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err("A quoted field must end on its line.");
    }
    fields.push(field);
    Ok(fields)
}

/// Which column holds which field, from the header line.
pub struct Header(Vec<usize>);

impl Header {
    /// Reads the header: known names only, each once, the required ones present.
    pub fn parse(line: &str) -> Result<Header, &'static str> {
        let names = split(line.trim_start_matches('\u{feff}'))?;
        let mut positions = Vec::with_capacity(names.len());
        for name in &names {
            let Some(at) = COLUMNS.iter().position(|c| c == name) else {
                return Err("The header names a column a subscription does not have.");
            };
            if positions.contains(&at) {
                return Err("The header names a column twice.");
            }
            positions.push(at);
        }
        if (0..REQUIRED).any(|c| !positions.contains(&c)) {
            return Err("The header needs id, customer_id, sku, quantity, interval and status.");
        }
        Ok(Header(positions))
    }

    /// One line as a subscription, or every problem with the column as its pointer.
    pub fn record(&self, line: &str) -> Result<SubscriptionRecord, Vec<FieldError>> {
        let fail = |detail: &str| {
            vec![FieldError {
                pointer: String::new(),
                detail: detail.to_owned(),
            }]
        };
        let fields = split(line).map_err(fail)?;
        if fields.len() != self.0.len() {
            return Err(fail(
                "The line has another number of fields than the header.",
            ));
        }
        let mut cells: [Option<&str>; COLUMNS.len()] = [None; COLUMNS.len()];
        for (field, &column) in fields.iter().zip(&self.0) {
            let value = field.trim();
            if !value.is_empty() {
                cells[column] = Some(value);
            }
        }
        let mut problems = Problems::default();
        let mut take = |column: usize, problem: &str| -> Option<String> {
            let value = cells[column];
            if value.is_none() && column < REQUIRED {
                problems.add(format!("/{}", COLUMNS[column]), problem);
            }
            value.map(str::to_owned)
        };
        let id = take(0, "Give the subscription's id.");
        let customer_id = take(1, "Give the customer's id.");
        let sku = take(2, "Give the product's SKU.");
        let quantity = take(3, "Give a quantity.");
        let interval = take(4, "Give an interval (e.g. 4w, 2m, 30d).");
        let status = take(5, "Give a status (active, paused or cancelled).");
        let [next_delivery, paused_until, cancelled_on, started_on] =
            [6, 7, 8, 12].map(|c| take(c, ""));
        let discount = take(9, "");
        let price = take(10, "");
        let currency = take(11, "");
        let quantity = quantity.and_then(|q| number(&mut problems, "/quantity", &q));
        let interval = interval.and_then(|i| {
            let parsed = Interval::parse_short(&i);
            if parsed.is_none() {
                problems.add(
                    "/interval",
                    "An interval is a count and d, w or m: 30d, 4w, 2m.",
                );
            }
            parsed
        });
        let status = status.and_then(|s| {
            let parsed = match s.as_str() {
                "active" => Some(SubscriptionStatus::Active),
                "paused" => Some(SubscriptionStatus::Paused),
                "cancelled" | "canceled" => Some(SubscriptionStatus::Cancelled),
                _ => None,
            };
            if parsed.is_none() {
                problems.add("/status", "A status is active, paused or cancelled.");
            }
            parsed
        });
        let mut date = |column: &str, value: Option<String>| -> Option<Date> {
            let text = value?;
            let parsed = text.parse::<Date>().ok();
            if parsed.is_none() {
                problems.add(format!("/{column}"), "A date is YYYY-MM-DD.");
            }
            parsed
        };
        let next_delivery = date("next_delivery", next_delivery);
        let paused_until = date("paused_until", paused_until);
        let cancelled_on = date("cancelled_on", cancelled_on);
        let started_on = date("started_on", started_on);
        let discount_percent = discount
            .and_then(|d| number(&mut problems, "/discount_percent", &d))
            .map(|d: u32| u8::try_from(d).unwrap_or(u8::MAX));
        let amount = price.and_then(|p| number::<i64>(&mut problems, "/unit_price_minor", &p));
        let unit_price = match (amount, currency) {
            (Some(amount), Some(currency)) => Some(Money::new(amount, currency)),
            (None, None) => None,
            _ => {
                problems.add(
                    "/unit_price_minor",
                    "An agreed price needs both unit_price_minor and currency.",
                );
                None
            }
        };
        problems.into_result()?;
        match (id, customer_id, sku, quantity, interval, status) {
            (
                Some(id),
                Some(customer_id),
                Some(sku),
                Some(quantity),
                Some(interval),
                Some(status),
            ) => Ok(SubscriptionRecord {
                id,
                customer_id,
                sku,
                quantity,
                interval,
                status,
                next_delivery,
                paused_until,
                cancelled_on,
                discount_percent,
                unit_price,
                started_on,
            }),
            // Each missing value added a problem above.
            _ => Err(fail("A required field is missing.")),
        }
    }
}

fn number<T: std::str::FromStr>(problems: &mut Problems, pointer: &str, text: &str) -> Option<T> {
    let parsed = text.parse().ok();
    if parsed.is_none() {
        problems.add(pointer, "Give a whole number.");
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_follow_rfc_4180_on_one_line() {
        assert_eq!(split("a,b,,c").unwrap(), ["a", "b", "", "c"]);
        assert_eq!(
            split(r#""a,b","say ""hi""",c"#).unwrap(),
            ["a,b", r#"say "hi""#, "c"]
        );
        assert!(split(r#""open"#).is_err());
        assert!(split(r#"a"b"#).is_err());
        assert!(split(r#""a"b"#).is_err());
    }

    #[test]
    fn a_header_names_known_columns_once_with_the_required_ones() {
        assert!(Header::parse("id,customer_id,sku,quantity,interval,status").is_ok());
        assert!(Header::parse("\u{feff}status,interval,quantity,sku,customer_id,id").is_ok());
        assert!(Header::parse("id,customer_id,sku,quantity,interval").is_err());
        assert!(Header::parse("id,customer_id,sku,quantity,interval,status,price").is_err());
        assert!(Header::parse("id,id,customer_id,sku,quantity,interval,status").is_err());
    }

    #[test]
    fn a_row_becomes_a_subscription_or_every_problem() {
        let header = Header::parse(
            "id,customer_id,sku,quantity,interval,status,next_delivery,unit_price_minor,currency",
        )
        .unwrap();
        let record = header
            .record("sub_1,cust_1,CAPS,2,4w,active,2026-04-01,1500,EUR")
            .unwrap();
        assert_eq!(record.interval, Interval::weeks(4));
        assert_eq!(record.unit_price, Some(Money::new(1500, "EUR")));
        assert_eq!(record.next_delivery, Some("2026-04-01".parse().unwrap()));
        let errors = header
            .record("sub_1,,CAPS,two,4x,active,2026-02-30,1500,")
            .unwrap_err();
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/customer_id",
                "/quantity",
                "/interval",
                "/next_delivery",
                "/unit_price_minor"
            ]
        );
        assert!(header.record("a,b").is_err());
    }
}
