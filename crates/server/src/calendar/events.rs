//! What goes into calendars: a product's `build_plan` (the download) and a customer's
//! upcoming deliveries and maintenance (the feed), as iCalendar events with stable UIDs.

use super::ics::{ics_date, Event};
use crate::db;
use crate::db::Connection;
use crate::db::StoreError;
use crate::i18n::{self, Lang};
use cadence_contract::{
    build_plan, Date, PlanChoice, PlanEvent, PlanEventKind, Product, RoutinePlan,
    SubscriptionStatus,
};

/// How far ahead calendars look, in months.
pub const HORIZON_MONTHS: u32 = 12;

/// The right-hand side of UIDs: the API's host, so UIDs are unique across merchants.
pub fn uid_domain(public_url: &str) -> &str {
    let rest = public_url
        .split_once("://")
        .map_or(public_url, |(_, rest)| rest);
    rest.split(['/', ':']).next().unwrap_or("cadence")
}

/// The events of `product`'s plan under `choice`, worded in `lang`. UIDs name the kind,
/// the product and the date, so downloading the plan again updates these events instead of
/// duplicating them (in whichever language).
pub fn plan_events(
    product: &Product,
    choice: &PlanChoice,
    plan: &RoutinePlan,
    domain: &str,
    lang: Lang,
) -> Vec<Event> {
    plan.events
        .iter()
        .map(|event| {
            let kind = match event.kind {
                PlanEventKind::Delivery => "delivery",
                PlanEventKind::Maintenance => "maintenance",
                PlanEventKind::Unknown => "event",
            };
            Event {
                uid: format!(
                    "{kind}-{}-{}-{}@{domain}",
                    slug(&product.sku),
                    slug(&event.title),
                    ics_date(event.date)
                ),
                date: event.date,
                summary: summary(event, choice.quantity, &product.name, lang),
                description: description(event, lang),
                url: event.guide_url.clone(),
            }
        })
        .collect()
}

/// The customer's calendar: every upcoming, not skipped delivery of their running
/// subscriptions, and the maintenance of each durable they own over the horizon, in the
/// customer's language (a calendar app sends none of its own).
pub fn feed_events(
    conn: &Connection,
    customer: &str,
    today: Date,
    domain: &str,
) -> Result<Vec<Event>, StoreError> {
    let lang = Lang::of_stored(db::customers::locale(conn, customer)?.as_deref());
    let mut events = Vec::new();
    for sub in db::subscriptions::list_for(conn, customer, today)? {
        if !matches!(
            sub.status,
            SubscriptionStatus::Active | SubscriptionStatus::Paused
        ) {
            continue;
        }
        for delivery in sub.upcoming.iter().filter(|d| !d.skipped) {
            events.push(Event {
                uid: format!("{}-{}@{domain}", slug(&sub.id), ics_date(delivery.date)),
                date: delivery.date,
                summary: i18n::calendar::delivery(lang, sub.quantity, &sub.product_name),
                description: Some(i18n::calendar::delivery_note(lang, &sub.price_per_delivery)),
                url: None,
            });
        }
    }
    for owned in db::plan::ownerships(conn, customer, today)? {
        let Some(product) =
            db::plan::product_for(conn, &owned.model_sku, Some(customer), today, lang)?
        else {
            continue;
        };
        let choice = PlanChoice {
            interval: None,
            quantity: 1,
        };
        let plan = build_plan(&product, &choice, today, HORIZON_MONTHS);
        events.extend(plan_events(&product, &choice, &plan, domain, lang));
    }
    events.sort_by_key(|e| e.date);
    Ok(events)
}

fn summary(event: &PlanEvent, quantity: u32, product_name: &str, lang: Lang) -> String {
    match event.kind {
        PlanEventKind::Delivery => i18n::calendar::delivery(lang, quantity, &event.title),
        _ => format!("{}: {product_name}", event.title),
    }
}

fn description(event: &PlanEvent, lang: Lang) -> Option<String> {
    let mut lines = Vec::new();
    if let Some(cost) = &event.cost {
        lines.push(i18n::calendar::cost(lang, cost));
    }
    // A shop-relative guide means nothing in a calendar app: absolute ones only.
    if let Some(guide) = event.guide_url.as_ref().filter(|g| g.starts_with("http")) {
        lines.push(i18n::calendar::guide(lang, guide));
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// Lower-case letters, digits and dashes: safe in UIDs and file names.
pub fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_uid_domains() {
        assert_eq!(slug("CAPS-INTENSO"), "caps-intenso");
        assert_eq!(slug("Water filter change"), "water-filter-change");
        assert_eq!(slug("../é x"), "x");
        assert_eq!(uid_domain("https://api.example:8443/base"), "api.example");
        assert_eq!(uid_domain("http://api.test"), "api.test");
    }
}
