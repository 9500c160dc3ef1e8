//! The demo catalog and customers — a coffee machine, its capsules and upkeep, two
//! customers — that `serve` inserts into a new database (unless `--no-demo-data`) and
//! `seed --with-demo-data` adds; inserted once only, so a merchant's edits (even deleting
//! everything) are never undone. Not the `seed` command's generated data: that is
//! `generate/`. In every build, the production one too: a new database is usable at once.
//!
//! Customer history is placed relative to "today" so the demo always looks current: Ada's
//! subscription has a next delivery in the near future, not years ago.

use crate::clock::Clock;
use crate::db::changes::{self, NewChange};
use crate::db::subscriptions::{self, NewRow};
use crate::db::StoreError;
use crate::db::{Connection, Db};
use crate::params;
use cadence_contract::{Date, Interval};

/// The `meta` key whose presence means "the demo data was inserted once already" (its name
/// is stored in existing databases: it stays).
const SEEDED_KEY: &str = "demo_seeded_on";

/// Inserts the demo data unless it was inserted before; returns whether it did.
pub fn insert_on_first_start(db: &Db, clock: Clock) -> Result<bool, StoreError> {
    db.write_blocking(|tx| insert_unless_seeded(tx, clock))
}

fn insert_unless_seeded(tx: &Connection, clock: Clock) -> Result<bool, StoreError> {
    let seeded: i64 = tx.query_row(
        "SELECT count(*) FROM meta WHERE key = ?1",
        [SEEDED_KEY],
        |r| r.get(0),
    )?;
    if seeded > 0 {
        return Ok(false);
    }
    let today = clock.today();
    catalog(tx)?;
    customers(tx, clock)?;
    community(tx, today)?;
    shared_baskets(tx, today)?;
    crate::recommend::cooccurrence::refresh(tx)?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)",
        params![SEEDED_KEY, today.to_string()],
    )?;
    Ok(true)
}

struct SeedProduct {
    sku: &'static str,
    name: &'static str,
    kind: &'static str,
    description: &'static str,
    price_minor: i64,
    units_per_pack: Option<u32>,
    discount_percent: u8,
    /// Allowed subscription intervals; empty means not subscribable.
    intervals: &'static [Interval],
    default_interval: Option<Interval>,
    /// Products of one group may replace each other in a subscription.
    swap_group: Option<&'static str>,
}

const PRODUCTS: &[SeedProduct] = &[
    SeedProduct {
        sku: "BARISTA-ONE",
        name: "Barista One",
        kind: "durable",
        description:
            "A compact 19-bar capsule espresso machine with a 1.2 l removable water tank, \
            30-second heat-up and a programmable cup size. Descale every three months and change \
            the water filter every two to keep every cup tasting like the first.",
        price_minor: 34_900,
        units_per_pack: None,
        discount_percent: 0,
        intervals: &[],
        default_interval: None,
        swap_group: None,
    },
    SeedProduct {
        sku: "CAPS-INTENSO",
        name: "Espresso Intenso capsules",
        kind: "consumable",
        description: "Dark-roasted Arabica and Robusta blend with notes of cocoa and toasted \
            cereal, intensity 10. Aluminium capsules, recyclable. 50 capsules per pack.",
        price_minor: 1_750,
        units_per_pack: Some(50),
        discount_percent: 10,
        intervals: &[
            Interval::weeks(2),
            Interval::weeks(4),
            Interval::weeks(6),
            Interval::weeks(8),
        ],
        default_interval: Some(Interval::weeks(4)),
        swap_group: Some("barista-one-capsules"),
    },
    SeedProduct {
        sku: "CAPS-LUNGO",
        name: "Lungo Dolce capsules",
        kind: "consumable",
        description: "A smooth, lightly roasted 100% Arabica for a long 110 ml cup, with notes of \
            honey and biscuit, intensity 5. Aluminium capsules, recyclable. 50 capsules per pack.",
        price_minor: 1_650,
        units_per_pack: Some(50),
        discount_percent: 10,
        intervals: &[
            Interval::weeks(2),
            Interval::weeks(4),
            Interval::weeks(6),
            Interval::weeks(8),
        ],
        default_interval: Some(Interval::weeks(4)),
        swap_group: Some("barista-one-capsules"),
    },
    SeedProduct {
        sku: "DESCALE-KIT",
        name: "Descaling kit",
        kind: "consumable",
        description: "Biodegradable lactic-acid descaler made for the Barista One. Removes \
            limescale from the boiler and pipes in one 20-minute cycle. Two sachets per pack.",
        price_minor: 1_290,
        units_per_pack: Some(2),
        discount_percent: 5,
        intervals: &[Interval::months(3), Interval::months(6)],
        default_interval: Some(Interval::months(3)),
        swap_group: None,
    },
    SeedProduct {
        sku: "WATER-FILTER",
        name: "Water filter",
        kind: "consumable",
        description: "Activated-carbon and ion-exchange cartridge that sits in the water tank, \
            reducing limescale and chlorine taste. Replace every two months.",
        price_minor: 990,
        units_per_pack: Some(1),
        discount_percent: 5,
        intervals: &[Interval::months(2), Interval::months(4)],
        default_interval: Some(Interval::months(2)),
        swap_group: None,
    },
    SeedProduct {
        sku: "MILK-FROTHER",
        name: "Milk frother",
        kind: "accessory",
        description: "Induction milk frother for hot and cold foam, 240 ml, dishwasher-safe jug. \
            Styled to sit next to the Barista One.",
        price_minor: 7_900,
        units_per_pack: None,
        discount_percent: 0,
        intervals: &[],
        default_interval: None,
        swap_group: None,
    },
];

fn catalog(tx: &Connection) -> Result<(), StoreError> {
    use crate::db::products::unit_to_sql;
    for p in PRODUCTS {
        tx.execute(
            "INSERT INTO products (sku, name, kind, description, price_minor, currency, units_per_pack,
                in_stock, subscribable, discount_percent, default_interval_count, default_interval_unit,
                swap_group)
             VALUES (?1, ?2, ?3, ?4, ?5, 'EUR', ?6, 1, ?7, ?8, ?9, ?10, ?11)",
            params![
                p.sku,
                p.name,
                p.kind,
                p.description,
                p.price_minor,
                p.units_per_pack,
                !p.intervals.is_empty(),
                p.discount_percent,
                p.default_interval.map(|i| i.count),
                p.default_interval.map(|i| unit_to_sql(i.unit)),
                p.swap_group,
            ],
        )?;
        for interval in p.intervals {
            tx.execute(
                "INSERT INTO product_intervals (sku, count, unit) VALUES (?1, ?2, ?3)",
                params![p.sku, interval.count, unit_to_sql(interval.unit)],
            )?;
        }
    }
    for (name, days, consumable, guide) in [
        ("Descale", 90, "DESCALE-KIT", "/guides/descaling"),
        (
            "Water filter change",
            60,
            "WATER-FILTER",
            "/guides/water-filter",
        ),
    ] {
        tx.execute(
            "INSERT INTO maintenance_routines (durable_sku, name, interval_days, consumable_sku, guide_url)
             VALUES ('BARISTA-ONE', ?1, ?2, ?3, ?4)",
            params![name, days, consumable, guide],
        )?;
    }
    for sku in ["CAPS-INTENSO", "CAPS-LUNGO"] {
        tx.execute(
            "INSERT INTO usage_questions (sku, prompt, unit, min_value, max_value, default_value, units_per_use)
             VALUES (?1, 'How many coffees do you make a day?', 'cups a day', 1, 12, 2, 1)",
            [sku],
        )?;
    }
    for fits in [
        "CAPS-INTENSO",
        "CAPS-LUNGO",
        "DESCALE-KIT",
        "WATER-FILTER",
        "MILK-FROTHER",
    ] {
        tx.execute(
            "INSERT INTO compatibility (model_sku, fits_sku) VALUES ('BARISTA-ONE', ?1)",
            [fits],
        )?;
    }
    Ok(())
}

/// The seed catalog's price of `sku` (0 for one it does not hold, which no caller names):
/// what a demo subscription agreed to.
fn catalog_price(sku: &str) -> i64 {
    PRODUCTS
        .iter()
        .find(|p| p.sku == sku)
        .map_or(0, |p| p.price_minor)
}

fn days_ago(today: Date, days: i64) -> Date {
    today
        .add_days(-days)
        .expect("demo dates lie well within years 1..=9999")
}

fn customers(tx: &Connection, clock: Clock) -> Result<(), StoreError> {
    let today = clock.today();
    for (id, name, email, bought_days_ago) in [
        ("cust_ada", "Ada Lovelace", "ada@example.com", 400),
        ("cust_grace", "Grace Hopper", "grace@example.com", 45),
    ] {
        tx.execute(
            "INSERT INTO customers (id, name, email) VALUES (?1, ?2, ?3)",
            params![id, name, email],
        )?;
        tx.execute(
            "INSERT INTO owned_products (customer_id, sku, purchased_on) VALUES (?1, 'BARISTA-ONE', ?2)",
            params![id, days_ago(today, bought_days_ago).to_string()],
        )?;
    }

    // Ada: machine and capsules at purchase, a descaling kit later, then a capsule
    // subscription every 4 weeks that has delivered three times so far.
    order(
        tx,
        "ord_ada_1",
        "cust_ada",
        days_ago(today, 400),
        None,
        &[("BARISTA-ONE", 1, 34_900), ("CAPS-INTENSO", 2, 1_750)],
    )?;
    order(
        tx,
        "ord_ada_2",
        "cust_ada",
        days_ago(today, 310),
        None,
        &[("DESCALE-KIT", 1, 1_290)],
    )?;
    order(
        tx,
        "ord_ada_3",
        "cust_ada",
        days_ago(today, 150),
        None,
        &[("CAPS-INTENSO", 3, 1_750), ("WATER-FILTER", 1, 990)],
    )?;

    let interval = Interval::weeks(4);
    let anchor = days_ago(today, 94);
    let sub_id = "sub_demo_ada_intenso";
    let created_at = format!("{anchor}T09:30:00Z");
    subscriptions::insert(
        tx,
        &NewRow {
            id: sub_id,
            customer_id: "cust_ada",
            sku: "CAPS-INTENSO",
            quantity: 2,
            interval,
            anchor_date: anchor,
            next_delivery: interval.upcoming(anchor, today.add_days(1).unwrap_or(today), 1)[0],
            discount_percent: 10,
            unit_price_minor: catalog_price("CAPS-INTENSO"),
            now: &created_at,
        },
    )?;
    let after = subscriptions::find(tx, "cust_ada", sub_id, today)?
        .ok_or_else(|| StoreError::Corrupt("demo subscription vanished after insert".into()))?;
    changes::record(
        tx,
        &NewChange {
            subscription_id: sub_id,
            actor: "system",
            action: "create",
            before: None,
            after: &subscriptions::snapshot(&after),
            reason: None,
            at: &created_at,
        },
    )?;
    for n in 1..=3 {
        let delivered = interval.nth_after(anchor, n).unwrap_or(anchor);
        if delivered <= today {
            let id = format!("ord_ada_sub_{n}");
            order(
                tx,
                &id,
                "cust_ada",
                delivered,
                Some(sub_id),
                &[("CAPS-INTENSO", 2, 1_575)],
            )?;
        }
    }

    // Ada descaled with that kit a few days after it arrived (the water filter she
    // never logged: its due date follows her purchase date).
    tx.execute(
        "INSERT INTO maintenance_log (customer_id, routine_id, done_on)
         SELECT 'cust_ada', id, ?1 FROM maintenance_routines
         WHERE durable_sku = 'BARISTA-ONE' AND name = 'Descale'",
        [days_ago(today, 300).to_string()],
    )?;

    // Grace: a newer owner who buys Lungo now and then, without a subscription.
    order(
        tx,
        "ord_grace_1",
        "cust_grace",
        days_ago(today, 45),
        None,
        &[("BARISTA-ONE", 1, 34_900), ("CAPS-LUNGO", 1, 1_650)],
    )?;
    order(
        tx,
        "ord_grace_2",
        "cust_grace",
        days_ago(today, 20),
        None,
        &[("CAPS-LUNGO", 2, 1_650), ("MILK-FROTHER", 1, 7_900)],
    )?;
    Ok(())
}

/// One order line: SKU, quantity, unit price in minor units.
type Line<'a> = (&'a str, u32, i64);

fn order(
    tx: &Connection,
    id: &str,
    customer: &str,
    on: Date,
    subscription: Option<&str>,
    lines: &[Line<'_>],
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO orders (id, customer_id, ordered_on, subscription_id) VALUES (?1, ?2, ?3, ?4)",
        params![id, customer, on.to_string(), subscription],
    )?;
    for (sku, quantity, unit_price_minor) in lines {
        tx.execute(
            "INSERT INTO order_lines (order_id, sku, quantity, unit_price_minor, currency)
             VALUES (?1, ?2, ?3, ?4, 'EUR')",
            params![id, sku, quantity, unit_price_minor],
        )?;
    }
    Ok(())
}

/// Anonymous Barista One owners and their capsule subscriptions (owner n, SKU, every
/// `weeks`, started days ago), so the community signal (five owners at least) shows in
/// the demo. Migration 0003 inserts the same rows into demo databases seeded before it.
const DEMO_OWNERS: &[(u32, &str, u16, i64)] = &[
    (1, "CAPS-INTENSO", 4, 10),
    (2, "CAPS-INTENSO", 4, 17),
    (3, "CAPS-INTENSO", 4, 3),
    (4, "CAPS-INTENSO", 4, 22),
    (5, "CAPS-INTENSO", 2, 5),
    (6, "CAPS-INTENSO", 2, 9),
    (7, "CAPS-INTENSO", 6, 30),
    (8, "CAPS-INTENSO", 4, 12),
    (3, "CAPS-LUNGO", 6, 8),
    (4, "CAPS-LUNGO", 6, 20),
    (5, "CAPS-LUNGO", 4, 2),
    (6, "CAPS-LUNGO", 6, 35),
    (7, "CAPS-LUNGO", 8, 14),
    (8, "CAPS-LUNGO", 4, 25),
];

fn community(tx: &Connection, today: Date) -> Result<(), StoreError> {
    for n in 1..=8 {
        let id = format!("cust_owner_{n}");
        tx.execute(
            "INSERT INTO customers (id, name, email) VALUES (?1, ?2, ?3)",
            params![
                id,
                format!("Demo owner {n}"),
                format!("owner{n}@example.com")
            ],
        )?;
        tx.execute(
            "INSERT INTO owned_products (customer_id, sku, purchased_on) VALUES (?1, 'BARISTA-ONE', ?2)",
            params![id, days_ago(today, 60 + 25 * i64::from(n)).to_string()],
        )?;
    }
    for &(n, sku, weeks, started) in DEMO_OWNERS {
        let anchor = days_ago(today, started);
        let interval = Interval::weeks(weeks);
        subscriptions::insert(
            tx,
            &NewRow {
                id: &format!("sub_demo_owner_{n}_{}", sku.to_lowercase()),
                customer_id: &format!("cust_owner_{n}"),
                sku,
                quantity: 1,
                interval,
                anchor_date: anchor,
                next_delivery: interval.nth_after(anchor, 1).unwrap_or(today),
                discount_percent: 10,
                unit_price_minor: catalog_price(sku),
                now: &format!("{anchor}T08:00:00Z"),
            },
        )?;
    }
    Ok(())
}

/// Demo owners' one-time orders: capsules with a descaling kit (3 orders, exactly the
/// minimum support) and capsules with a water filter (2 here + Ada's = 3), so anonymous
/// product pages show "bought together"; pairs seen fewer times stay hidden.
fn shared_baskets(tx: &Connection, today: Date) -> Result<(), StoreError> {
    let baskets: &[(u32, i64, &[Line<'_>])] = &[
        (
            1,
            40,
            &[("CAPS-INTENSO", 2, 1_750), ("DESCALE-KIT", 1, 1_290)],
        ),
        (
            2,
            55,
            &[("CAPS-INTENSO", 1, 1_750), ("DESCALE-KIT", 1, 1_290)],
        ),
        (
            3,
            70,
            &[("CAPS-INTENSO", 3, 1_750), ("DESCALE-KIT", 1, 1_290)],
        ),
        (
            4,
            33,
            &[("CAPS-INTENSO", 2, 1_750), ("WATER-FILTER", 1, 990)],
        ),
        (
            5,
            61,
            &[("CAPS-INTENSO", 1, 1_750), ("WATER-FILTER", 1, 990)],
        ),
        (
            6,
            80,
            &[("CAPS-LUNGO", 1, 1_650), ("MILK-FROTHER", 1, 7_900)],
        ),
    ];
    for &(n, days, lines) in baskets {
        order(
            tx,
            &format!("ord_owner_{n}_basket"),
            &format!("cust_owner_{n}"),
            days_ago(today, days),
            None,
            lines,
        )?;
    }
    Ok(())
}
