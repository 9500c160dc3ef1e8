//! `cadence-server seed`: a realistic, deterministic dataset for measuring the server —
//! machine families (a machine, four capsule varieties, a descaler, a water filter, three
//! accessories, with routines and compatibility), customers who own a machine, their
//! orders over two years with habits that make products co-occur, subscriptions with
//! their audit trail (skips, pauses, cancellations, pauses taken on the cancel offer) and
//! the widget's recommendation events. The same `--seed` always gives the same data.
//!
//! Written in a few transactions (catalog; customers with their orders and subscriptions;
//! events), then the co-occurrence table is rebuilt like the server does in the background.

pub mod rng;

use crate::db::products::unit_to_sql;
use crate::error::ApiError;
use cadence_contract::{Date, Interval, SubscriptionSnapshot, SubscriptionStatus};
use rng::{Rng, Weighted};
use rusqlite::{params, Connection, Transaction, TransactionBehavior};

/// The `meta` key recording that (and with what) generated data was inserted.
pub const MARK_KEY: &str = "generated_data";

/// Products per machine family: machine, 4 capsules, descaler, filter, 3 accessories.
pub const FAMILY_SIZE: u32 = 10;

/// How far back orders go, in days.
pub const HORIZON_DAYS: i64 = 730;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    pub products: u32,
    pub orders: u32,
    pub customers: u32,
    pub seed: u64,
}

impl Params {
    /// Scale 1 is demo-sized: 100 products, 1 000 orders, 250 customers; all grow linearly.
    pub fn at_scale(scale: u32, seed: u64) -> Params {
        Params {
            products: 100 * scale,
            orders: 1_000 * scale,
            customers: 250 * scale,
            seed,
        }
    }
}

/// What was inserted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub products: u64,
    pub customers: u64,
    pub orders: u64,
    pub order_lines: u64,
    pub subscriptions: u64,
    pub subscription_changes: u64,
    pub ui_events: u64,
    /// Rows of the rebuilt co-occurrence table (both directions).
    pub cooccurrence_pairs: u64,
    /// How long each step took, in order.
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

const BRANDS: [&str; 16] = [
    "Aurora", "Brava", "Crema", "Dolce", "Estrella", "Fiamma", "Gusto", "Lumen", "Moka",
    "Nocciola", "Orzo", "Piccolo", "Rialto", "Sereno", "Tazza", "Vivace",
];
const VARIETIES: [&str; 8] = [
    "Intenso",
    "Lungo",
    "Ristretto",
    "Decaf",
    "Vanilla",
    "Caramel",
    "Dolce",
    "Forte",
];
const ACCESSORIES: [&str; 6] = [
    "Milk frother",
    "Cup set",
    "Knock box",
    "Travel mug",
    "Capsule drawer",
    "Cleaning brush",
];
const FIRST_NAMES: [&str; 16] = [
    "Alex", "Bea", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ines", "Jonas", "Kemal",
    "Lea", "Marta", "Nils", "Olu", "Priya",
];
const LAST_NAMES: [&str; 16] = [
    "Okafor", "Schmidt", "Rossi", "Dubois", "Nowak", "Silva", "Jensen", "Kaya", "Moreau", "Novak",
    "Garcia", "Sato", "Berg", "Costa", "Weber", "Ivanova",
];
const CANCEL_REASONS: [&str; 5] = [
    "too_much_product",
    "too_expensive",
    "no_longer_needed",
    "trying_something_else",
    "other",
];

const CAPSULE_INTERVALS: [Interval; 4] = [
    Interval::weeks(2),
    Interval::weeks(4),
    Interval::weeks(6),
    Interval::weeks(8),
];
const DESCALER_INTERVALS: [Interval; 2] = [Interval::months(3), Interval::months(6)];
const FILTER_INTERVALS: [Interval; 2] = [Interval::months(2), Interval::months(4)];

/// One catalog row about to be inserted.
struct NewProduct {
    sku: String,
    name: String,
    kind: &'static str,
    description: String,
    price: i64,
    pack: Option<u32>,
    intervals: &'static [Interval],
    discount: u8,
    group: Option<String>,
}

/// One audit row of a generated subscription.
struct Change {
    at: String,
    action: &'static str,
    before: Option<String>,
    after: String,
    reason: Option<&'static str>,
    via: Option<&'static str>,
}

/// A machine family's SKUs and prices (minor units), as customers shop them.
struct Family {
    machine: (String, i64),
    capsules: Vec<(String, i64)>,
    descaler: (String, i64),
    filter: (String, i64),
    accessories: Vec<(String, i64)>,
}

/// Inserts the dataset into a migrated database; refuses if generated data is already
/// there (the ids would collide). Demo data, if any, is left as it is.
pub fn generate(conn: &mut Connection, p: &Params, today: Date) -> Result<Summary, ApiError> {
    let already: i64 = conn.query_row(
        "SELECT count(*) FROM meta WHERE key = ?1",
        [MARK_KEY],
        |r| r.get(0),
    )?;
    if already > 0 {
        return Err(ApiError::Conflict(
            "this database already holds generated data; use a new file".into(),
        ));
    }
    if p.orders > 0 && p.products < FAMILY_SIZE - 3 {
        return Err(ApiError::BadRequest(
            "orders need at least one complete machine family: 7 products or more",
        ));
    }
    let mut rng = Rng::new(p.seed);
    let mut summary = Summary::default();
    let mut clock = std::time::Instant::now();
    let mut lap = |summary: &mut Summary, step| {
        summary.timings.push((step, clock.elapsed()));
        clock = std::time::Instant::now();
    };

    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let families = catalog(&tx, p.products, &mut rng)?;
    tx.commit()?;
    summary.products = u64::from(p.products);
    lap(&mut summary, "catalog");

    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let customer_ids = customers(&tx, p, &families, &mut rng, today, &mut summary)?;
    tx.commit()?;
    lap(&mut summary, "customers, orders, subscriptions");

    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    summary.ui_events = events(&tx, p.orders / 2, &families, &customer_ids, &mut rng, today)?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)",
        params![
            MARK_KEY,
            format!(
                "seed={} products={} orders={} customers={} on={today}",
                p.seed, p.products, p.orders, p.customers
            )
        ],
    )?;
    tx.commit()?;
    lap(&mut summary, "recommendation events");

    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    summary.cooccurrence_pairs = crate::recommend::cooccurrence::refresh(&tx)? as u64;
    tx.commit()?;
    lap(&mut summary, "co-occurrence rebuild");
    Ok(summary)
}

fn catalog(tx: &Transaction<'_>, products: u32, rng: &mut Rng) -> Result<Vec<Family>, ApiError> {
    let mut product = tx.prepare_cached(
        "INSERT INTO products (sku, name, kind, description, price_minor, currency, units_per_pack,
            in_stock, subscribable, discount_percent, default_interval_count, default_interval_unit,
            swap_group)
         VALUES (?1, ?2, ?3, ?4, ?5, 'EUR', ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    let mut interval =
        tx.prepare_cached("INSERT INTO product_intervals (sku, count, unit) VALUES (?1, ?2, ?3)")?;
    let mut fits =
        tx.prepare_cached("INSERT INTO compatibility (model_sku, fits_sku) VALUES (?1, ?2)")?;
    let mut routine = tx.prepare_cached(
        "INSERT INTO maintenance_routines (durable_sku, name, interval_days, consumable_sku, guide_url)
         VALUES (?1, ?2, ?3, ?4, NULL)",
    )?;
    let mut usage = tx.prepare_cached(
        "INSERT INTO usage_questions (sku, prompt, unit, min_value, max_value, default_value, units_per_use)
         VALUES (?1, 'How many coffees do you make a day?', 'cups a day', 1, 12, 2, 1)",
    )?;
    let mut families: Vec<Family> = Vec::new();
    for i in 0..products {
        let f = i / FAMILY_SIZE;
        let role = i % FAMILY_SIZE;
        let brand = BRANDS[f as usize % BRANDS.len()];
        let model = format!("{brand} {}", 100 + f / BRANDS.len() as u32);
        let base = format!("G{f:05}");
        let machine_sku = format!("{base}-M");
        let NewProduct {
            sku,
            name,
            kind,
            description,
            price,
            pack,
            intervals,
            discount,
            group,
        } = match role {
            0 => NewProduct {
                sku: machine_sku.clone(),
                name: format!("{model} machine"),
                kind: "durable",
                description: format!(
                    "The {model} capsule machine: 19 bar, 1 l tank. Descale every three \
                     months, change the filter every two."
                ),
                price: rng.range(99, 599) * 100 - 1,
                pack: None,
                intervals: &[],
                discount: 0,
                group: None,
            },
            1..=4 => {
                let variety = VARIETIES[(f + role) as usize % VARIETIES.len()];
                NewProduct {
                    sku: format!("{base}-C{role}"),
                    name: format!("{model} {variety} capsules"),
                    kind: "consumable",
                    description: format!(
                        "{variety} capsules for the {model}. 50 capsules per pack."
                    ),
                    price: rng.range(12, 24) * 100 + 50,
                    pack: Some(50),
                    intervals: &CAPSULE_INTERVALS,
                    discount: 10,
                    group: Some(format!("{base}-capsules")),
                }
            }
            5 => NewProduct {
                sku: format!("{base}-DS"),
                name: format!("{model} descaling kit"),
                kind: "consumable",
                description: format!("Descaler made for the {model}. Two sachets per pack."),
                price: rng.range(9, 15) * 100 + 90,
                pack: Some(2),
                intervals: &DESCALER_INTERVALS,
                discount: 5,
                group: None,
            },
            6 => NewProduct {
                sku: format!("{base}-WF"),
                name: format!("{model} water filter"),
                kind: "consumable",
                description: format!(
                    "Water filter cartridge for the {model}'s tank. Replace every two months."
                ),
                price: rng.range(6, 12) * 100 + 90,
                pack: Some(1),
                intervals: &FILTER_INTERVALS,
                discount: 5,
                group: None,
            },
            _ => {
                let a = role - 7;
                let accessory = ACCESSORIES[(f + 2 * a) as usize % ACCESSORIES.len()];
                NewProduct {
                    sku: format!("{base}-A{a}"),
                    name: format!("{accessory} for the {model}"),
                    kind: "accessory",
                    description: format!(
                        "A {} styled to sit next to the {model}.",
                        accessory.to_lowercase()
                    ),
                    price: rng.range(15, 99) * 100 - 10,
                    pack: None,
                    intervals: &[],
                    discount: 0,
                    group: None,
                }
            }
        };
        // Capsules every 4 weeks; a descaler and a filter at their routine's pace.
        let default = intervals.get(if (1..=4).contains(&role) { 1 } else { 0 });
        product.execute(params![
            sku,
            name,
            kind,
            description,
            price,
            pack,
            // One product in fifty is out of stock, as in any real catalog.
            !rng.chance(0.02),
            !intervals.is_empty(),
            discount,
            default.map(|i| i.count),
            default.map(|i| unit_to_sql(i.unit)),
            group,
        ])?;
        for i in intervals {
            interval.execute(params![sku, i.count, unit_to_sql(i.unit)])?;
        }
        if role == 0 {
            families.push(Family {
                machine: (sku, price),
                capsules: Vec::new(),
                descaler: (String::new(), 0),
                filter: (String::new(), 0),
                accessories: Vec::new(),
            });
            continue;
        }
        fits.execute(params![machine_sku, sku])?;
        let family = families
            .last_mut()
            .ok_or_else(|| ApiError::Internal("a family without a machine".into()))?;
        match role {
            1..=4 => {
                usage.execute([&sku])?;
                family.capsules.push((sku, price));
            }
            5 => {
                routine.execute(params![machine_sku, "Descale", 90, sku])?;
                family.descaler = (sku, price);
            }
            6 => {
                routine.execute(params![machine_sku, "Water filter change", 60, sku])?;
                family.filter = (sku, price);
            }
            _ => family.accessories.push((sku, price)),
        }
    }
    // Customers shop complete families only (the last one may be cut short).
    families.retain(|f| f.capsules.len() == 4 && !f.filter.0.is_empty());
    Ok(families)
}

fn days_ago(today: Date, days: i64) -> Date {
    today.add_days(-days).unwrap_or(today)
}

fn stamp(date: Date, rng: &mut Rng) -> String {
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        rng.range(7, 22),
        rng.range(0, 59),
        rng.range(0, 59)
    )
}

/// The next delivery after `day` of a schedule anchored on `anchor`.
fn next_after(interval: Interval, anchor: Date, day: Date) -> Option<Date> {
    interval
        .upcoming(anchor, day.add_days(1)?, 1)
        .first()
        .copied()
}

fn snapshot(
    sku: &str,
    quantity: u32,
    interval: Interval,
    status: SubscriptionStatus,
    next_delivery: Option<Date>,
) -> Result<String, ApiError> {
    Ok(serde_json::to_string(&SubscriptionSnapshot {
        sku: sku.to_owned(),
        quantity,
        interval,
        status,
        next_delivery,
    })?)
}

/// Customers, what they own, their subscriptions with the audit trail, and their orders.
/// Returns the customer ids.
fn customers(
    tx: &Transaction<'_>,
    p: &Params,
    families: &[Family],
    rng: &mut Rng,
    today: Date,
    summary: &mut Summary,
) -> Result<Vec<String>, ApiError> {
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
        "INSERT OR IGNORE INTO owned_products (customer_id, sku, purchased_on) VALUES (?1, ?2, ?3)",
    )?;
    let mut order = tx.prepare_cached(
        "INSERT INTO orders (id, customer_id, ordered_on, subscription_id) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut line = tx.prepare_cached(
        "INSERT INTO order_lines (order_id, sku, quantity, unit_price_minor, currency)
         VALUES (?1, ?2, ?3, ?4, 'EUR')",
    )?;
    let mut subscription = tx.prepare_cached(
        "INSERT INTO subscriptions (id, customer_id, sku, quantity, interval_count, interval_unit,
            status, anchor_date, next_delivery, discount_percent, version, created_at, updated_at,
            paused_until, cancelled_on, reactivate_until)
         VALUES (?1, ?2, ?3, ?4, ?5, 'week', ?6, ?7, ?8, 10, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    let mut change = tx.prepare_cached(
        "INSERT INTO subscription_changes
            (subscription_id, actor, action, before_json, after_json, reason, at, via)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
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

        owned.execute(params![id, family.machine.0, first.to_string()])?;
        if rng.chance(0.05) {
            let other = &families[popularity.sample(rng).unwrap_or(0)];
            let on = days_ago(today, rng.range(0, first.days_until(today)));
            owned.execute(params![id, other.machine.0, on.to_string()])?;
        }

        // A third of the regulars subscribe to their favourite at their second order.
        let mut subscribed: Option<(String, Date, Option<Date>)> = None;
        if n >= 3 && rng.chance(0.35) {
            let start = dates[1];
            let weeks = ((rhythm + 7) / 14 * 2).clamp(2, 8) as u16;
            let interval = Interval::weeks(weeks);
            let sku = &family.capsules[favourite].0;
            let quantity = rng.range(1, 2) as u32;
            let sub_id = format!("sub_gen_{c:06}");
            let age = start.days_until(today);
            let ended = days_ago(today, rng.range(0, (age - 1).max(0)));
            let roll = rng.unit();
            let snap = |status, next| snapshot(sku, quantity, interval, status, next);
            let active_next = |day: Date| next_after(interval, start, day);
            let created_at = format!("{start}T08:00:00Z");
            let mut trail = vec![Change {
                at: created_at.clone(),
                action: "create",
                before: None,
                after: snap(SubscriptionStatus::Active, active_next(start))?,
                reason: None,
                via: None,
            }];
            let last_active = if roll < 0.7 { today } else { ended };
            for _ in 0..rng.range(0, 2) {
                if start >= last_active {
                    break;
                }
                let on = start
                    .add_days(rng.range(1, start.days_until(last_active)))
                    .unwrap_or(start);
                let s = snap(SubscriptionStatus::Active, active_next(on))?;
                trail.push(Change {
                    at: stamp(on, rng),
                    action: "skip",
                    before: Some(s.clone()),
                    after: s,
                    reason: None,
                    via: None,
                });
            }
            // A pause taken on the cancel offer, long since over.
            if roll < 0.7 && start < today && rng.chance(0.12) {
                let on = start
                    .add_days(rng.range(1, start.days_until(today)))
                    .unwrap_or(start);
                trail.push(Change {
                    at: stamp(on, rng),
                    action: "pause_for",
                    before: Some(snap(SubscriptionStatus::Active, active_next(on))?),
                    after: snap(SubscriptionStatus::Paused, None)?,
                    reason: None,
                    via: Some("cancel_offer"),
                });
            }
            let (status, anchor, next, paused_until, cancelled_on, reactivate_until, end) =
                if roll < 0.7 {
                    ("active", start, active_next(today), None, None, None, None)
                } else if roll < 0.85 {
                    let via_offer = rng.chance(0.3);
                    let until = via_offer
                        .then(|| {
                            interval
                                .upcoming(start, ended.add_days(1)?, 2)
                                .get(1)
                                .copied()
                        })
                        .flatten();
                    trail.push(Change {
                        at: stamp(ended, rng),
                        action: if via_offer { "pause_for" } else { "pause" },
                        before: Some(snap(SubscriptionStatus::Active, active_next(ended))?),
                        after: snap(SubscriptionStatus::Paused, until)?,
                        reason: None,
                        via: via_offer.then_some("cancel_offer"),
                    });
                    let next = until.filter(|u| *u > today);
                    ("paused", start, next, until, None, None, Some(ended))
                } else {
                    let had = active_next(ended).unwrap_or(ended);
                    trail.push(Change {
                        at: stamp(ended, rng),
                        action: "cancel",
                        before: Some(snap(SubscriptionStatus::Active, Some(had))?),
                        after: snap(SubscriptionStatus::Cancelled, None)?,
                        reason: rng.chance(0.6).then(|| *rng.pick(&CANCEL_REASONS)),
                        via: None,
                    });
                    (
                        "cancelled",
                        had,
                        None,
                        None,
                        Some(ended),
                        ended.add_days(30),
                        Some(ended),
                    )
                };
            // In time order, so audit ids follow time as they do when the API writes them.
            trail.sort_by(|a, b| a.at.cmp(&b.at));
            let updated_at = trail
                .last()
                .map(|t| t.at.clone())
                .unwrap_or(created_at.clone());
            let date = |d: Option<Date>| d.map(|d| d.to_string());
            subscription.execute(params![
                sub_id,
                id,
                sku,
                quantity,
                weeks,
                status,
                anchor.to_string(),
                date(next),
                trail.len() as i64,
                created_at,
                updated_at,
                date(paused_until),
                date(cancelled_on),
                date(reactivate_until),
            ])?;
            for c in &trail {
                change.execute(params![
                    sub_id, "customer", c.action, c.before, c.after, c.reason, c.at, c.via
                ])?;
            }
            summary.subscriptions += 1;
            summary.subscription_changes += trail.len() as u64;
            subscribed = Some((sub_id, start, end));
        }

        for (k, on) in dates.iter().enumerate() {
            let order_id = format!("ord_gen_{order_no:07}");
            order_no += 1;
            let delivery = subscribed
                .as_ref()
                .filter(|(_, start, end)| k >= 1 && on >= start && end.is_none_or(|e| *on < e))
                .map(|(sub, _, _)| sub.as_str());
            order.execute(params![order_id, id, on.to_string(), delivery])?;
            let discount = |price: i64| {
                if delivery.is_some() {
                    price - price / 10
                } else {
                    price
                }
            };
            let mut lines: Vec<(&(String, i64), i64)> =
                vec![(&family.capsules[favourite], rng.range(1, 3))];
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
            for (i, ((sku, price), quantity)) in lines.iter().enumerate() {
                let price = if i == 0 { discount(*price) } else { *price };
                line.execute(params![order_id, sku, quantity, price])?;
            }
            summary.order_lines += lines.len() as u64;
        }
        summary.orders += dates.len() as u64;
        ids.push(id);
    }
    summary.customers = ids.len() as u64;
    Ok(ids)
}

/// Recommendation impressions over the last year, with clicks and actions at rates that
/// differ by reason (a due consumable converts better than a crowd signal).
fn events(
    tx: &Transaction<'_>,
    impressions: u32,
    families: &[Family],
    customers: &[String],
    rng: &mut Rng,
    today: Date,
) -> Result<u64, ApiError> {
    if families.is_empty() || customers.is_empty() {
        return Ok(0);
    }
    // reason, share of impressions, click rate, action rate, action, context
    const REASONS: [(&str, f64, f64, f64, &str, &str); 4] = [
        (
            "due_soon",
            0.2,
            0.14,
            0.07,
            "add_to_next_delivery",
            "account",
        ),
        (
            "fits_what_you_own",
            0.3,
            0.07,
            0.025,
            "add_to_cart",
            "account",
        ),
        (
            "bought_together",
            0.35,
            0.045,
            0.012,
            "add_to_cart",
            "product",
        ),
        ("better_value", 0.15, 0.09, 0.04, "subscribe", "account"),
    ];
    let pick_reason = Weighted::new(REASONS.iter().map(|r| r.1));
    let popularity = Weighted::new((0..families.len()).map(|f| 1.0 / (f as f64 + 1.0).powf(0.9)));
    let mut insert = tx.prepare_cached(
        "INSERT INTO ui_events (at, customer_id, kind, sku, reason, action, context)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut count = tx.prepare_cached(
        "INSERT INTO ui_event_daily (day, reason, impressions, clicks, actions)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (day, reason) DO UPDATE SET impressions = impressions + excluded.impressions,
           clicks = clicks + excluded.clicks, actions = actions + excluded.actions",
    )?;
    let mut rows = 0u64;
    for _ in 0..impressions {
        let (reason, _, click, act, action, context) =
            REASONS[pick_reason.sample(rng).unwrap_or(0)];
        let family = &families[popularity.sample(rng).unwrap_or(0)];
        let sku = if reason == "fits_what_you_own" {
            &rng.pick(&family.accessories).0
        } else {
            &rng.pick(&family.capsules).0
        };
        let customer = (context == "account" || rng.chance(0.3)).then(|| rng.pick(customers));
        let at = stamp(days_ago(today, rng.range(0, 364)), rng);
        insert.execute(params![
            at,
            customer,
            "impression",
            sku,
            reason,
            None::<&str>,
            context
        ])?;
        rows += 1;
        let clicked = rng.chance(click);
        if clicked {
            insert.execute(params![
                at,
                customer,
                "click",
                sku,
                reason,
                None::<&str>,
                context
            ])?;
            rows += 1;
        }
        let acted = rng.chance(act);
        if acted {
            insert.execute(params![
                at, customer, "action", sku, reason, action, context
            ])?;
            rows += 1;
        }
        // The merchant figures read daily counts (`ui_event_daily`), kept as events arrive.
        let day = &at[..10];
        count.execute(params![
            day,
            reason,
            1,
            i64::from(clicked),
            i64::from(acted)
        ])?;
    }
    Ok(rows)
}
