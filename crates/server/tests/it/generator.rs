//! The data generator (`cadence-server seed`) and `bench-recommendations`: deterministic
//! output, co-occurrence above the minimum support that matches a recount from the order
//! lines, and anonymous product pages that show it as "bought together".

use crate::common::*;
use axum::http::StatusCode;
use cadence_server::generate::{generate, Params};
use cadence_server::recommend::cooccurrence::MIN_SUPPORT;
use std::collections::HashSet;

fn small(seed: u64) -> Params {
    Params {
        products: 60,
        orders: 800,
        customers: 200,
        seed,
    }
}

fn generated(params: &Params) -> (TestApp, cadence_server::generate::Summary) {
    let app = TestApp::unseeded();
    let summary = generate(&app.state.db, params, clock().today()).unwrap();
    (app, summary)
}

/// Every order line, in a stable order: what "the same data" compares.
fn lines(app: &TestApp) -> Vec<(String, String, String, i64, i64)> {
    let conn = app.state.db.conn().unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT o.customer_id, o.ordered_on, l.sku, l.quantity, l.unit_price_minor
             FROM orders o JOIN order_lines l ON l.order_id = o.id ORDER BY o.id, l.sku",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn the_same_seed_gives_the_same_data_and_counts_match_the_tables() {
    let (a, summary) = generated(&small(7));
    assert_eq!(summary.products, 60);
    assert_eq!(summary.orders, 800);
    assert_eq!(summary.customers, 200);
    for (table, expected) in [
        ("products", summary.products),
        ("customers", summary.customers),
        ("orders", summary.orders),
        ("order_lines", summary.order_lines),
        ("subscriptions", summary.subscriptions),
        ("subscription_changes", summary.subscription_changes),
        ("ui_events", summary.ui_events),
        ("cooccurrence", summary.cooccurrence_pairs),
    ] {
        assert_eq!(a.count(table) as u64, expected, "{table}");
    }
    assert!(summary.subscriptions > 0 && summary.ui_events > 0);
    let today = clock().today().to_string();
    let latest: String = a
        .state
        .db
        .conn()
        .unwrap()
        .query_row("SELECT max(ordered_on) FROM orders", [], |r| r.get(0))
        .unwrap();
    assert!(latest <= today, "no order in the future: {latest}");

    let (b, again) = generated(&small(7));
    assert_eq!(lines(&a), lines(&b));
    assert_eq!(summary.subscription_changes, again.subscription_changes);
    let (c, _) = generated(&small(8));
    assert_ne!(lines(&a), lines(&c), "another seed, other data");

    // Generated ids would collide: a second run on the same file is refused.
    let twice = generate(&a.state.db, &small(7), clock().today());
    assert!(twice.is_err());
}

#[tokio::test]
async fn co_occurring_products_are_recommended_as_bought_together() {
    let (app, _) = generated(&small(11));
    let conn = app.state.db.conn().unwrap();
    let (anchor, partner, support): (String, String, i64) = conn
        .query_row(
            // Not a machine: a machine's page may rank what fits it above what is bought
            // with it, whereas a consumable's page has nothing else to show.
            "SELECT c.sku_a, c.sku_b, c.orders FROM cooccurrence c
             JOIN products p ON p.sku = c.sku_a AND p.kind <> 'durable'
             ORDER BY c.orders DESC, c.sku_a, c.sku_b LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert!(support >= MIN_SUPPORT);
    // The table agrees with a count straight from the order lines.
    let recount: i64 = conn
        .query_row(
            "SELECT count(DISTINCT a.order_id) FROM order_lines a
             JOIN order_lines b ON b.order_id = a.order_id
             WHERE a.sku = ?1 AND b.sku = ?2",
            [&anchor, &partner],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(recount, support);
    let weak: i64 = conn
        .query_row(
            "SELECT count(*) FROM cooccurrence WHERE orders < ?1",
            [MIN_SUPPORT],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(weak, 0, "pairs below the minimum support are not kept");
    let partners: HashSet<String> = conn
        .prepare("SELECT sku_b FROM cooccurrence WHERE sku_a = ?1")
        .unwrap()
        .query_map([&anchor], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let anchor_name: String = conn
        .query_row("SELECT name FROM products WHERE sku = ?1", [&anchor], |r| {
            r.get(0)
        })
        .unwrap();
    drop(conn);

    let reply = app
        .get(&format!(
            "/api/v1/recommendations?context=product&sku={anchor}"
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let items = reply.json()["items"].as_array().unwrap().clone();
    let together: Vec<_> = items
        .iter()
        .filter(|i| i["reason"] == "bought_together")
        .collect();
    assert!(!together.is_empty(), "{items:?}");
    for item in together {
        assert!(partners.contains(item["sku"].as_str().unwrap()), "{item}");
        assert_eq!(item["because_of"], anchor_name.as_str());
    }
}

#[tokio::test]
async fn merchant_figures_on_generated_data_are_consistent() {
    let (app, summary) = generated(&small(3));
    let body = app
        .get_as("/api/v1/merchant/metrics", MERCHANT_KEY)
        .await
        .json();
    let cohorts = body["repurchase"]["cohorts"].as_array().unwrap();
    let new_customers: u64 = cohorts
        .iter()
        .map(|c| c["customers"].as_u64().unwrap())
        .sum();
    assert!(new_customers > 0 && new_customers <= summary.customers);
    for window in body["repurchase"]["all"].as_array().unwrap() {
        assert!(window["repurchased"].as_u64() <= window["observed"].as_u64());
    }
    assert!(body["repurchase"]["all"][0]["observed"].as_u64().unwrap() > 0);
    let total = &body["subscriptions"]["total"];
    assert!(total["started"].as_u64().unwrap() > 0);
    assert!(
        total["kept_instead_of_cancel"].as_u64().unwrap()
            <= total["paused"].as_u64().unwrap() + total["skipped"].as_u64().unwrap()
    );
    let all = &body["recommendations"]["all"];
    let per_reason: u64 = body["recommendations"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["impressions"].as_u64().unwrap())
        .sum();
    assert_eq!(all["impressions"].as_u64().unwrap(), per_reason);
    assert!(per_reason > 0);
}

#[test]
fn the_seed_and_bench_commands_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bench.db");
    let bin = env!("CARGO_BIN_EXE_cadence-server");
    let seed = std::process::Command::new(bin)
        .args(["seed", "--db"])
        .arg(&db)
        .args(["--scale", "1", "--seed", "5", "--with-demo-data"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&seed.stdout);
    assert!(
        seed.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&seed.stderr)
    );
    assert!(out.contains("inserted the demo data"), "{out}");
    assert!(
        out.contains("generated 100 products, 250 customers, 1000 orders"),
        "{out}"
    );
    let bench = std::process::Command::new(bin)
        .args(["bench-recommendations", "--db"])
        .arg(&db)
        .args(["--requests", "20", "--concurrency", "2"])
        .env_remove("CADENCE_JWT_SECRET")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&bench.stdout);
    assert!(
        bench.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&bench.stderr)
    );
    assert!(out.contains("co-occurrence rebuild:"), "{out}");
    for context in ["product ", "account "] {
        let line = out
            .lines()
            .find(|l| l.starts_with(context))
            .unwrap_or_else(|| panic!("{context}: {out}"));
        assert!(line.contains("count     20  errors   0"), "{line}");
        assert!(line.contains("p99"), "{line}");
    }
}
