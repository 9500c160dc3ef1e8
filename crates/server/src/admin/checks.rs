//! The checks a merchant record passes on its own, before any lookup: every failure is a
//! JSON Pointer into the record and a detail written by us (never the value sent back), and
//! a record reports every problem it has at once.

use super::records::{
    CustomerRecord, OfferRecord, OrderRecord, OwnedRecord, ProductRecord, ProductTexts,
    SubscriptionRecord, TaskRecord, UsageRecord,
};
use cadence_contract::problem::FieldError;
use cadence_contract::{Date, Interval, Money, ProductKind, SubscriptionStatus, MAX_QUANTITY};

/// The longest id (SKU, customer, order or subscription id) the admin API takes.
pub const MAX_ID_CHARS: usize = 128;
/// At most this many intervals, compatible products, maintenance tasks or order lines.
pub const MAX_ITEMS: usize = 50;
/// The largest quantity on one order line (history is the shop's, not the widget's).
pub const MAX_LINE_QUANTITY: u32 = 10_000;

/// Field errors, collected so one answer names every problem of a record.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn add(&mut self, pointer: impl Into<String>, detail: impl Into<String>) {
        self.0.push(FieldError {
            pointer: pointer.into(),
            detail: detail.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was found, else every problem.
    pub fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }

    /// Checks `id` as an identifier (see [`id_problem`]).
    pub fn id(&mut self, pointer: impl Into<String>, id: &str) {
        if let Some(why) = id_problem(id) {
            self.add(pointer, why);
        }
    }

    /// Checks one-line text of `min..=max` characters.
    pub fn text(&mut self, pointer: &str, text: &str, min: usize, max: usize) {
        let chars = text.chars().count();
        if chars < min || chars > max || text.chars().any(char::is_control) {
            self.add(
                pointer,
                format!("Give {min} to {max} characters, without control characters."),
            );
        } else if text.trim() != text {
            self.add(pointer, "Remove the spaces around the text.");
        }
    }

    fn money(&mut self, pointer: &str, money: &Money) {
        if money.amount_minor < 0 {
            self.add(
                format!("{pointer}/amount_minor"),
                "An amount is 0 or more, in minor units.",
            );
        }
        if !cadence_contract::money::is_currency_code(&money.currency) {
            self.add(
                format!("{pointer}/currency"),
                "A currency is a three-letter upper-case ISO 4217 code, e.g. EUR.",
            );
        }
    }

    fn interval(&mut self, pointer: &str, interval: Interval) {
        if interval.validate().is_err() {
            self.add(
                pointer,
                "An interval is 1 or more, and at most one year (366 days, 52 weeks, 12 months).",
            );
        }
    }
}

/// Why `id` cannot be an id (SKU, customer, order or subscription), if it cannot: 1–128
/// characters, no control characters, no spaces around it.
pub fn id_problem(id: &str) -> Option<&'static str> {
    if id.is_empty() || id.chars().count() > MAX_ID_CHARS {
        Some("An id is 1 to 128 characters.")
    } else if id.chars().any(char::is_control) {
        Some("An id may not contain control characters.")
    } else if id.trim() != id {
        Some("An id may not start or end with a space.")
    } else {
        None
    }
}

/// A guide link the widget can open: a path on the shop's site or an http(s) URL, with no
/// characters that would need escaping in an attribute.
fn guide_url_ok(url: &str) -> bool {
    let shape = (url.starts_with('/') && !url.starts_with("//"))
        || url.starts_with("https://")
        || url.starts_with("http://");
    shape
        && url.len() <= 2000
        && url
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`'))
}

impl ProductRecord {
    /// Everything that can be checked without the database.
    pub fn check(&self, problems: &mut Problems) {
        problems.text("/name", &self.name, 1, 200);
        if self.kind == ProductKind::Unknown {
            problems.add("/kind", "A kind is durable, consumable or accessory.");
        }
        if self.description.chars().count() > 5000 || self.description.contains('\0') {
            problems.add("/description", "A description is at most 5,000 characters.");
        }
        problems.money("/price", &self.price);
        if self.units_per_pack.is_some_and(|n| n == 0 || n > 100_000) {
            problems.add("/units_per_pack", "A pack holds 1 to 100,000 units.");
        }
        if let Some(offer) = &self.subscription {
            offer.check(problems);
        }
        if let Some(group) = &self.swap_group {
            problems.text("/swap_group", group, 1, 100);
        }
        if let Some(usage) = &self.usage {
            usage.check(problems);
        }
        let durable = self.kind == ProductKind::Durable;
        if !durable && !self.compatible.is_empty() {
            problems.add(
                "/compatible",
                "Only a durable lists what fits it; list this product on its durable instead.",
            );
        }
        if !durable && !self.maintenance.is_empty() {
            problems.add("/maintenance", "Only a durable has maintenance tasks.");
        }
        if self.compatible.len() > MAX_ITEMS {
            problems.add("/compatible", "At most 50 compatible products.");
        }
        for (i, sku) in self.compatible.iter().enumerate() {
            problems.id(format!("/compatible/{i}"), sku);
            if self.compatible[..i].contains(sku) {
                problems.add(format!("/compatible/{i}"), "This SKU is listed twice.");
            }
        }
        if self.maintenance.len() > MAX_ITEMS {
            problems.add("/maintenance", "At most 50 maintenance tasks.");
        }
        for (i, task) in self.maintenance.iter().enumerate() {
            task.check(&format!("/maintenance/{i}"), problems);
            if self.maintenance[..i].iter().any(|t| t.name == task.name) {
                problems.add(
                    format!("/maintenance/{i}/name"),
                    "Two tasks of one product have this name.",
                );
            }
        }
        for (language, texts) in &self.translations {
            self.check_texts(language, texts, problems);
        }
    }

    fn check_texts(&self, language: &str, texts: &ProductTexts, problems: &mut Problems) {
        let at = format!("/translations/{}", pointer_token(language));
        if !matches!(language, "en" | "fr" | "de") {
            problems.add(&at, "A translation is for en, fr or de.");
            return;
        }
        if let Some(name) = &texts.name {
            problems.text(&format!("{at}/name"), name, 1, 200);
        }
        if let Some(description) = &texts.description {
            if description.chars().count() > 5000 || description.contains('\0') {
                problems.add(
                    format!("{at}/description"),
                    "A description is at most 5,000 characters.",
                );
            }
        }
        for (field, text, max) in [
            ("usage_prompt", &texts.usage_prompt, 200),
            ("usage_unit", &texts.usage_unit, 50),
        ] {
            let Some(text) = text else { continue };
            if self.usage.is_none() {
                problems.add(
                    format!("{at}/{field}"),
                    "The product has no usage question.",
                );
            } else {
                problems.text(&format!("{at}/{field}"), text, 1, max);
            }
        }
        for (task, name) in &texts.maintenance {
            let pointer = format!("{at}/maintenance/{}", pointer_token(task));
            if !self.maintenance.iter().any(|t| &t.name == task) {
                problems.add(
                    &pointer,
                    "The product has no maintenance task of this name.",
                );
            } else {
                problems.text(&pointer, name, 1, 100);
            }
        }
    }

    /// The record as it is stored and read back: intervals shortest first, the default
    /// filled in, compatible products sorted. Two `PUT`s of the same product in another
    /// order store the same thing.
    pub fn normalized(mut self) -> ProductRecord {
        if let Some(offer) = &mut self.subscription {
            offer.intervals.sort_by(|a, b| {
                a.approx_days()
                    .total_cmp(&b.approx_days())
                    .then(a.count.cmp(&b.count))
            });
            if offer.default_interval.is_none() {
                offer.default_interval = offer.intervals.first().copied();
            }
        }
        self.compatible.sort();
        self
    }
}

impl OfferRecord {
    fn check(&self, problems: &mut Problems) {
        if self.intervals.is_empty() || self.intervals.len() > MAX_ITEMS {
            problems.add("/subscription/intervals", "Offer 1 to 50 intervals.");
        }
        for (i, interval) in self.intervals.iter().enumerate() {
            problems.interval(&format!("/subscription/intervals/{i}"), *interval);
            if self.intervals[..i].contains(interval) {
                problems.add(
                    format!("/subscription/intervals/{i}"),
                    "This interval is listed twice.",
                );
            }
        }
        if let Some(default) = self.default_interval {
            if !self.intervals.contains(&default) {
                problems.add(
                    "/subscription/default_interval",
                    "The default interval must be one of the intervals offered.",
                );
            }
        }
        if self.discount_percent > 100 {
            problems.add(
                "/subscription/discount_percent",
                "A discount is 0 to 100 percent.",
            );
        }
    }
}

impl UsageRecord {
    fn check(&self, problems: &mut Problems) {
        problems.text("/usage/prompt", &self.prompt, 1, 200);
        problems.text("/usage/unit", &self.unit, 1, 50);
        if !(self.min <= self.default && self.default <= self.max && self.max <= 10_000) {
            problems.add(
                "/usage/default",
                "The answers must satisfy min ≤ default ≤ max ≤ 10,000.",
            );
        }
        if self.units_per_use == 0 || self.units_per_use > 1000 {
            problems.add("/usage/units_per_use", "One use takes 1 to 1,000 units.");
        }
    }
}

impl TaskRecord {
    fn check(&self, at: &str, problems: &mut Problems) {
        problems.text(&format!("{at}/name"), &self.name, 1, 100);
        if self.every_days == 0 || self.every_days > 3650 {
            problems.add(
                format!("{at}/every_days"),
                "A task recurs every 1 to 3,650 days.",
            );
        }
        if let Some(sku) = &self.consumable_sku {
            problems.id(format!("{at}/consumable_sku"), sku);
        }
        if self.guide_url.as_deref().is_some_and(|u| !guide_url_ok(u)) {
            problems.add(
                format!("{at}/guide_url"),
                "A guide link is a path on the shop's site (/guides/…) or an http(s) URL, \
                 at most 2,000 characters without spaces or quotes.",
            );
        }
    }
}

impl CustomerRecord {
    pub fn check(&self, problems: &mut Problems) {
        if let Some(name) = &self.name {
            problems.text("/name", name, 1, 200);
        }
        if let Some(email) = &self.email {
            if !email_ok(email) {
                problems.add(
                    "/email",
                    "An email address is name@domain, at most 254 characters, without spaces.",
                );
            }
        }
        if let Some(locale) = &self.locale {
            if !locale_ok(locale) {
                problems.add("/locale", "A locale is a BCP 47 language tag, e.g. de-AT.");
            }
        }
        if let Some(zone) = &self.time_zone {
            if !crate::notify::time_zone_ok(zone) {
                problems.add(
                    "/time_zone",
                    "A time zone is an IANA name this server knows, e.g. Europe/Berlin.",
                );
            }
        }
    }
}

/// A map key as one JSON Pointer reference token: `~` and `/` escaped (RFC 6901).
fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A plausible address: one `@` with something on both sides and a dot in the domain. The
/// merchant's systems own addresses; this only keeps obvious garbage out.
pub fn email_ok(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '<' | '>' | '"'))
}

/// A BCP 47 tag's shape: a 2–3 letter language, then subtags of 1–8 letters or digits.
pub fn locale_ok(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let language = parts.next().unwrap_or_default();
    tag.len() <= 35
        && (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

impl OwnedRecord {
    pub fn check(&self, today: Date, problems: &mut Problems) {
        if self.purchased_on > today {
            problems.add("/purchased_on", "A purchase date is not after today.");
        }
    }
}

impl OrderRecord {
    /// The record as stored and read back: lines by SKU.
    pub fn normalized(mut self) -> OrderRecord {
        self.lines.sort_by(|a, b| a.sku.cmp(&b.sku));
        self
    }

    pub fn check(&self, today: Date, problems: &mut Problems) {
        problems.id("/customer_id", &self.customer_id);
        if self.ordered_on > today {
            problems.add("/ordered_on", "An order date is not after today.");
        }
        if self.lines.is_empty() || self.lines.len() > MAX_ITEMS {
            problems.add("/lines", "An order has 1 to 50 lines.");
        }
        for (i, line) in self.lines.iter().enumerate() {
            let at = format!("/lines/{i}");
            problems.id(format!("{at}/sku"), &line.sku);
            if self.lines[..i].iter().any(|l| l.sku == line.sku) {
                problems.add(
                    format!("{at}/sku"),
                    "One line per SKU: add the quantities up.",
                );
            }
            if line.quantity == 0 || line.quantity > MAX_LINE_QUANTITY {
                problems.add(format!("{at}/quantity"), "A quantity is 1 to 10,000.");
            }
            problems.money(&format!("{at}/unit_price"), &line.unit_price);
        }
        if let Some(id) = &self.subscription_id {
            problems.id("/subscription_id", id);
        }
    }
}

impl SubscriptionRecord {
    pub fn check(&self, today: Date, problems: &mut Problems) {
        problems.id("/id", &self.id);
        problems.id("/customer_id", &self.customer_id);
        problems.id("/sku", &self.sku);
        if self.quantity == 0 || self.quantity > MAX_QUANTITY {
            problems.add("/quantity", "A quantity is 1 to 20.");
        }
        problems.interval("/interval", self.interval);
        let after_today = |d: Option<Date>| d.is_none_or(|d| d > today);
        match self.status {
            SubscriptionStatus::Active => {
                if self.next_delivery.is_none() || !after_today(self.next_delivery) {
                    problems.add(
                        "/next_delivery",
                        "An active subscription needs its next delivery, after today.",
                    );
                }
                if self.paused_until.is_some() || self.cancelled_on.is_some() {
                    problems.add(
                        "/status",
                        "paused_until and cancelled_on belong to paused and cancelled subscriptions.",
                    );
                }
            }
            SubscriptionStatus::Paused => {
                if !after_today(self.paused_until) {
                    problems.add("/paused_until", "A pause ends after today.");
                }
                if self.cancelled_on.is_some() {
                    problems.add("/cancelled_on", "A paused subscription is not cancelled.");
                }
            }
            SubscriptionStatus::Cancelled => {
                if self.cancelled_on.is_some_and(|d| d > today) {
                    problems.add("/cancelled_on", "A cancellation is not after today.");
                }
            }
            SubscriptionStatus::Unknown => {
                problems.add("/status", "A status is active, paused or cancelled.");
            }
        }
        if self.discount_percent.is_some_and(|d| d > 100) {
            problems.add("/discount_percent", "A discount is 0 to 100 percent.");
        }
        if let Some(price) = &self.unit_price {
            problems.money("/unit_price", price);
        }
        if self.started_on.is_some_and(|d| d > today) {
            problems.add("/started_on", "A start is not after today.");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        "2026-03-15".parse().unwrap()
    }

    fn pointers(problems: Problems) -> Vec<String> {
        problems.0.into_iter().map(|e| e.pointer).collect()
    }

    #[test]
    fn ids_are_short_printable_and_unpadded() {
        assert_eq!(id_problem("CAPS-INTENSO"), None);
        assert_eq!(id_problem("gid://shopify/Customer/42"), None);
        assert!(id_problem("").is_some());
        assert!(id_problem(" a").is_some());
        assert!(id_problem("a\0b").is_some());
        assert!(id_problem(&"x".repeat(129)).is_some());
        assert_eq!(id_problem(&"é".repeat(128)), None);
    }

    #[test]
    fn a_product_reports_every_problem_with_its_pointer() {
        let product: ProductRecord = serde_json::from_value(serde_json::json!({
            "name": "",
            "kind": "consumable",
            "price": {"amount_minor": -1, "currency": "eur"},
            "subscription": {"intervals": [{"count": 4, "unit": "week"}, {"count": 4, "unit": "week"}],
                             "default_interval": {"count": 2, "unit": "week"}, "discount_percent": 101},
            "compatible": ["A"],
            "maintenance": [{"name": "Descale", "every_days": 0, "guide_url": "javascript:alert(1)"}]
        }))
        .unwrap();
        let mut problems = Problems::default();
        product.check(&mut problems);
        assert_eq!(
            pointers(problems),
            [
                "/name",
                "/price/amount_minor",
                "/price/currency",
                "/subscription/intervals/1",
                "/subscription/default_interval",
                "/subscription/discount_percent",
                "/compatible",
                "/maintenance",
                "/maintenance/0/every_days",
                "/maintenance/0/guide_url",
            ]
        );
    }

    #[test]
    fn normalizing_sorts_and_fills_the_default() {
        let product = serde_json::from_value::<ProductRecord>(serde_json::json!({
            "name": "Caps", "kind": "consumable",
            "price": {"amount_minor": 100, "currency": "EUR"},
            "subscription": {"intervals": [{"count": 2, "unit": "month"}, {"count": 2, "unit": "week"}]},
        }))
        .unwrap()
        .normalized();
        let offer = product.subscription.unwrap();
        assert_eq!(offer.intervals, [Interval::weeks(2), Interval::months(2)]);
        assert_eq!(offer.default_interval, Some(Interval::weeks(2)));
        assert!(product.in_stock, "in stock unless said otherwise");
    }

    #[test]
    fn emails_and_locales_keep_garbage_out() {
        assert!(email_ok("ada@example.com"));
        assert!(!email_ok("ada@localhost"));
        assert!(!email_ok("ada example@x.com"));
        assert!(!email_ok("@x.com"));
        assert!(locale_ok("de-AT"));
        assert!(locale_ok("en"));
        assert!(!locale_ok("english"));
        assert!(!locale_ok("de_AT"));
    }

    #[test]
    fn an_active_subscription_needs_a_future_delivery() {
        let mut record: SubscriptionRecord = serde_json::from_value(serde_json::json!({
            "id": "sub_1", "customer_id": "c", "sku": "S", "quantity": 1,
            "interval": {"count": 4, "unit": "week"}, "status": "active",
            "next_delivery": "2026-03-15"
        }))
        .unwrap();
        let mut problems = Problems::default();
        record.check(today(), &mut problems);
        assert_eq!(pointers(problems), ["/next_delivery"]);
        record.next_delivery = Some("2026-03-16".parse().unwrap());
        let mut problems = Problems::default();
        record.check(today(), &mut problems);
        assert!(problems.is_empty());
    }
}
