//! Generated customers and their orders: each owns a machine (popular ones sell much more)
//! and orders its capsules at their own rhythm for up to two years, with the habits that
//! make products co-occur; a third of the regulars subscribe (`subscriptions.rs`).

use super::catalog::{Family, Item};
use super::rng::{Rng, Weighted};
use super::subscriptions::{subscribe, Delivering, NewSubscription};
use super::{days_ago, GenerateError, Params, Summary, HORIZON_DAYS};
use crate::db::Connection;
use crate::params;
use cadence_contract::Date;

const FIRST_NAMES: [&str; 16] = [
    "Alex", "Bea", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ines", "Jonas", "Kemal",
    "Lea", "Marta", "Nils", "Olu", "Priya",
];
const LAST_NAMES: [&str; 16] = [
    "Okafor", "Schmidt", "Rossi", "Dubois", "Nowak", "Silva", "Jensen", "Kaya", "Moreau", "Novak",
    "Garcia", "Sato", "Berg", "Costa", "Weber", "Ivanova",
];
/// Customers, what they own, their subscriptions with the audit trail, and their orders.
/// Returns the customer ids.
pub(super) fn customers(
    tx: &Connection,
    p: &Params,
    families: &[Family],
    rng: &mut Rng,
    today: Date,
    summary: &mut Summary,
) -> Result<Vec<String>, GenerateError> {
    let count = p.customers.min(p.orders).max(u32::from(p.orders > 0)) as usize;
    if count == 0 || families.is_empty() {
        return Ok(Vec::new());
    }
    // Every customer orders once; the other orders go to the loyal ones (a third never
    // come back), in proportion to an exponential "habit" weight.
    let mut orders = vec![1u32; count];
    let habit = Weighted::new((0..count).map(|_| {
        if rng.chance(0.35) {
            0.0
        } else {
            -(1.0 - rng.unit()).ln()
        }
    }));
    for _ in count..p.orders as usize {
        match habit.sample(rng) {
            Some(i) if orders[i] < 300 => orders[i] += 1,
            Some(_) => {}
            None => break,
        }
    }
    // Popular machines sell much more than the rest (Zipf-like).
    let popularity = Weighted::new((0..families.len()).map(|f| 1.0 / (f as f64 + 1.0).powf(0.9)));

    let mut customer =
        tx.prepare_cached("INSERT INTO customers (id, name, email) VALUES (?1, ?2, ?3)")?;
    let mut owned = tx.prepare_cached(
        "INSERT INTO owned_products (customer_id, sku, purchased_on) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
    )?;
    let mut order = tx.prepare_cached(
        "INSERT INTO orders (id, customer_id, ordered_on, subscription_id) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut line = tx.prepare_cached(
        "INSERT INTO order_lines (order_id, sku, quantity, unit_price_minor, currency)
         VALUES (?1, ?2, ?3, ?4, 'EUR')",
    )?;

    let mut ids = Vec::with_capacity(count);
    let mut order_no = 0u64;
    for (c, &n) in orders.iter().enumerate() {
        let id = format!("cust_gen_{c:06}");
        customer.execute(params![
            id,
            format!(
                "{} {}",
                FIRST_NAMES[c % FIRST_NAMES.len()],
                LAST_NAMES[(c / FIRST_NAMES.len() + c * 7) % LAST_NAMES.len()]
            ),
            format!("gen{c}@example.com")
        ])?;
        let family = &families[popularity.sample(rng).unwrap_or(0)];
        // A favourite variety (the first ones are the favourites of most) and a second.
        let favourite = Weighted::new([0.4, 0.3, 0.2, 0.1]).sample(rng).unwrap_or(0);
        let second = (favourite + 1 + rng.below(3) as usize) % 4;

        // Orders every `rhythm` days, ending at the latest today.
        let n = i64::from(n);
        let mut rhythm = rng.range(14, 75);
        if n > 1 && (n - 1) * rhythm > HORIZON_DAYS - 1 {
            rhythm = ((HORIZON_DAYS - 1) / (n - 1)).max(1);
        }
        let span = (n - 1) * rhythm;
        let first = days_ago(
            today,
            rng.range(span.min(HORIZON_DAYS - 1), HORIZON_DAYS - 1),
        );
        let jitter = (rhythm / 3).min(3);
        let dates: Vec<Date> = (0..n)
            .map(|k| {
                let j = if k == 0 {
                    0
                } else {
                    rng.range(-jitter, jitter)
                };
                first
                    .add_days(k * rhythm + j)
                    .unwrap_or(first)
                    .clamp(first, today)
            })
            .collect();

        owned.execute(params![id, family.machine.sku, first.to_string()])?;
        if rng.chance(0.05) {
            let other = &families[popularity.sample(rng).unwrap_or(0)];
            let on = days_ago(today, rng.range(0, first.days_until(today)));
            owned.execute(params![id, other.machine.sku, on.to_string()])?;
        }

        // A third of the regulars subscribe to their favourite at their second order.
        let mut subscribed: Option<Delivering> = None;
        if n >= 3 && rng.chance(0.35) {
            let new = NewSubscription {
                number: c,
                customer: &id,
                sku: &family.capsules[favourite].sku,
                rhythm,
                start: dates[1],
            };
            subscribed = Some(subscribe(tx, &new, rng, today, summary)?);
        }

        for (k, on) in dates.iter().enumerate() {
            let order_id = format!("ord_gen_{order_no:07}");
            order_no += 1;
            let delivery = subscribed
                .as_ref()
                .filter(|s| k >= 1 && *on >= s.start && s.end.is_none_or(|e| *on < e))
                .map(|s| s.id.as_str());
            order.execute(params![order_id, id, on.to_string(), delivery])?;
            let discount = |price: i64| {
                if delivery.is_some() {
                    price - price / 10
                } else {
                    price
                }
            };
            let mut lines: Vec<(&Item, i64)> = vec![(&family.capsules[favourite], rng.range(1, 3))];
            if k == 0 {
                lines.push((&family.machine, 1));
                if rng.chance(0.5) {
                    lines.push((&family.capsules[second], rng.range(1, 2)));
                }
                if rng.chance(0.3) {
                    lines.push((rng.pick(&family.accessories), 1));
                }
            } else {
                if rng.chance(0.35) {
                    lines.push((&family.capsules[second], rng.range(1, 2)));
                }
                if rng.chance(0.2) {
                    lines.push((&family.descaler, 1));
                }
                if rng.chance(0.25) {
                    lines.push((&family.filter, 1));
                }
                if rng.chance(0.06) {
                    lines.push((rng.pick(&family.accessories), 1));
                }
            }
            for (i, (item, quantity)) in lines.iter().enumerate() {
                let price = if i == 0 {
                    discount(item.price)
                } else {
                    item.price
                };
                line.execute(params![order_id, item.sku, quantity, price])?;
            }
            summary.order_lines += lines.len() as u64;
        }
        summary.orders += dates.len() as u64;
        ids.push(id);
    }
    summary.customers = ids.len() as u64;
    Ok(ids)
}
