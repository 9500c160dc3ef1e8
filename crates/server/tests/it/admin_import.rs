//! Bulk import (`POST /api/v1/admin/imports`): every record type by NDJSON, subscriptions by
//! CSV, per-line errors with their numbers while the good lines import, dry runs that write
//! nothing, idempotency by the merchant's ids, and 100,000 lines in batches.

use crate::admin_support::*;
use crate::common::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const NDJSON: &str = "application/x-ndjson";

/// A shop moving in: its catalog, a customer, what she owns, an order and a subscription
/// from her old app, each line relying on the ones before it.
fn moving_in() -> Vec<Value> {
    let mut caps = capsules("Aurora capsules");
    caps["type"] = json!("product");
    caps["sku"] = json!("AURORA-CAPS");
    let mut aurora = machine(&["AURORA-CAPS"], "AURORA-CAPS");
    aurora["type"] = json!("product");
    aurora["sku"] = json!("AURORA-MACHINE");
    vec![
        caps,
        aurora,
        json!({"type": "customer", "id": "cust_lin", "name": "Lin", "email": "lin@example.com"}),
        json!({"type": "owned", "customer_id": "cust_lin", "sku": "AURORA-MACHINE",
               "purchased_on": "2026-01-20"}),
        json!({"type": "order", "id": "shop-1", "customer_id": "cust_lin", "ordered_on": "2026-01-20",
               "lines": [{"sku": "AURORA-MACHINE", "quantity": 1,
                          "unit_price": {"amount_minor": 29900, "currency": "EUR"}}]}),
        json!({"type": "subscription", "id": "rc_991", "customer_id": "cust_lin",
               "sku": "AURORA-CAPS", "quantity": 2, "interval": {"count": 3, "unit": "week"},
               "status": "active", "next_delivery": "2026-03-20", "discount_percent": 20,
               "unit_price": {"amount_minor": 1700, "currency": "EUR"},
               "started_on": "2025-06-01"}),
    ]
}

fn report_of(reply: &Reply) -> Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()
}

#[tokio::test]
async fn an_import_loads_every_kind_and_the_same_file_again_changes_nothing() {
    let app = TestApp::new();
    let file = ndjson(&moving_in());
    let first = report_of(&import(&app, false, NDJSON, file.clone()).await);
    assert_eq!(
        (
            &first["lines"],
            &first["accepted"],
            &first["rejected"],
            &first["created"]
        ),
        (&json!(6), &json!(6), &json!(0), &json!(6)),
        "{first}"
    );
    // The subscription kept its id, next delivery, interval, discount and price.
    let me = app
        .get_as("/api/v1/me", &app.token("cust_lin"))
        .await
        .json();
    assert_eq!(me["customer"]["name"], "Lin");
    let sub = &me["subscriptions"][0];
    assert_eq!(sub["id"], "rc_991");
    assert_eq!(sub["next_delivery"], "2026-03-20");
    assert_eq!(sub["interval"], json!({"count": 3, "unit": "week"}));
    // 17.00 less 20%, twice.
    assert_eq!(
        sub["price_per_delivery"],
        json!({"amount_minor": 2720, "currency": "EUR"})
    );
    assert_eq!(sub["upcoming"][1]["date"], "2026-04-10");
    // She owns the machine the capsules fit: her plan counts from its purchase.
    let caps = app
        .get_as("/api/v1/products/AURORA-CAPS", &app.token("cust_lin"))
        .await
        .json();
    assert_eq!(caps["ownership"]["model_sku"], "AURORA-MACHINE");
    // Her history starts with where the subscription came from.
    let started: String = app
        .state
        .db
        .conn()
        .unwrap()
        .query_row(
            "SELECT created_at FROM subscriptions WHERE id = 'rc_991'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(started, "2025-06-01T00:00:00Z");

    let before = snapshot(&app);
    let again = report_of(&import(&app, false, NDJSON, file).await);
    assert_eq!(
        (&again["created"], &again["updated"], &again["kept"]),
        (&json!(0), &json!(5), &json!(1)),
        "{again}"
    );
    assert_eq!(changed(&before, &snapshot(&app)), Vec::<String>::new());
}

#[tokio::test]
async fn a_dry_run_checks_every_line_as_for_real_and_writes_nothing() {
    let app = TestApp::new();
    let mut lines = moving_in();
    lines.push(
        json!({"type": "order", "id": "shop-2", "customer_id": "cust_nobody",
                      "ordered_on": "2026-01-20", "lines": []}),
    );
    let before = snapshot(&app);
    let dry = report_of(&import(&app, true, NDJSON, ndjson(&lines)).await);
    assert_eq!(dry["dry_run"], true);
    // Lines 3 to 6 rely on lines 1 to 3, which a dry run never wrote.
    assert_eq!(
        (&dry["accepted"], &dry["rejected"]),
        (&json!(6), &json!(1)),
        "{dry}"
    );
    assert_eq!(dry["errors"][0]["line"], 7);
    assert_eq!(changed(&before, &snapshot(&app)), Vec::<String>::new());
    // The real run does what the dry run said.
    let real = report_of(&import(&app, false, NDJSON, ndjson(&lines)).await);
    assert_eq!(
        (&real["accepted"], &real["rejected"]),
        (&dry["accepted"], &dry["rejected"])
    );
    assert_eq!(real["errors"], dry["errors"]);
}

#[tokio::test]
async fn a_bad_line_is_reported_with_its_number_and_the_good_lines_still_import() {
    let app = TestApp::new();
    let body = [
        r#"{"type": "customer", "id": "cust_a", "name": "A"}"#,
        r#"{"type": "customer", "id": "cust_b", "name": "B""#,
        r#"{"type": "coupon", "id": "X"}"#,
        r#"{"type": "owned", "customer_id": "cust_nobody", "sku": "NO-SUCH-SKU", "purchased_on": "2026-01-01"}"#,
        "",
        r#"{"type": "customer", "id": "cust_c", "name": "C", "nickname": "cc"}"#,
        r#"{"type": "customer", "id": "cust_d", "email": "ada@example.com"}"#,
        r#"{"type": "subscription", "id": "s1", "customer_id": "cust_a", "sku": "CAPS-LUNGO", "quantity": 1, "interval": {"count": 4, "unit": "week"}, "status": "active", "next_delivery": "2026-03-15"}"#,
        r#"{"type": "customer", "id": "cust_e", "name": "E"}"#,
    ]
    .join("\n");
    let report = report_of(&import(&app, false, NDJSON, body).await);
    assert_eq!(report["lines"], 9);
    assert_eq!(
        (&report["accepted"], &report["rejected"]),
        (&json!(2), &json!(6)),
        "{report}"
    );
    let errors: Vec<(u64, &str)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["pointer"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors,
        [
            (2, ""),
            (3, "/type"),
            (4, "/customer_id"),
            (4, "/sku"),
            (6, "/nickname"),
            (7, "/email"),
            (8, "/next_delivery")
        ]
    );
    let customers: Vec<String> = app
        .state
        .db
        .conn()
        .unwrap()
        .query_all(
            "SELECT id FROM customers WHERE id LIKE 'cust\\__' ESCAPE '\\' ORDER BY id",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(customers, ["cust_a", "cust_e"]);
}

#[tokio::test]
async fn imported_orders_count_in_repurchase() {
    let app = TestApp::unseeded();
    let cohort = |metrics: &Value| {
        metrics["repurchase"]["cohorts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["month"] == "2025-10")
            .cloned()
            .unwrap()
    };
    let metrics = || async {
        let reply = admin(&app, Method::GET, "/api/v1/merchant/metrics", None).await;
        ok(&reply)
    };
    assert_eq!(cohort(&metrics().await)["customers"], 0);
    let lines = [
        json!({"type": "product", "sku": "FILTER", "name": "Filter", "kind": "consumable",
               "price": {"amount_minor": 990, "currency": "EUR"}}),
        json!({"type": "customer", "id": "cust_1"}),
        json!({"type": "customer", "id": "cust_2"}),
        json!({"type": "order", "id": "o1", "customer_id": "cust_1", "ordered_on": "2025-10-01",
               "lines": [{"sku": "FILTER", "quantity": 1, "unit_price": {"amount_minor": 990, "currency": "EUR"}}]}),
        json!({"type": "order", "id": "o2", "customer_id": "cust_1", "ordered_on": "2025-10-21",
               "lines": [{"sku": "FILTER", "quantity": 1, "unit_price": {"amount_minor": 990, "currency": "EUR"}}]}),
        json!({"type": "order", "id": "o3", "customer_id": "cust_2", "ordered_on": "2025-10-05",
               "lines": [{"sku": "FILTER", "quantity": 3, "unit_price": {"amount_minor": 990, "currency": "EUR"}}]}),
    ];
    let report = report_of(&import(&app, false, NDJSON, ndjson(&lines)).await);
    assert_eq!(report["accepted"], 6, "{report}");
    let october = cohort(&metrics().await);
    assert_eq!(october["customers"], 2);
    // 30 days: both observed, one bought again 20 days after her first order.
    assert_eq!(october["rates"][0]["days"], 30);
    assert_eq!(october["rates"][0]["observed"], 2);
    assert_eq!(october["rates"][0]["repurchased"], 1);
}

#[tokio::test]
async fn csv_subscriptions_keep_their_ids_schedules_and_prices() {
    let app = TestApp::new();
    let csv = "id,customer_id,sku,quantity,interval,status,next_delivery,discount_percent,unit_price_minor,currency,started_on\r\n\
        rc_1,cust_ada,CAPS-LUNGO,2,4w,active,2026-03-27,20,1600,EUR,2025-01-05\r\n\
        rc_2,cust_ada,CAPS-INTENSO,1,6w,paused,2026-04-10,,,,\r\n\
        rc_3,cust_grace,DESCALE-KIT,1,3m,cancelled,,,,,\r\n\
        rc_4,cust_grace,BARISTA-ONE,1,4w,active,2026-04-01,,,,\r\n\
        \"rc_5\",\"cust_grace\",\"WATER-FILTER\",1,2m,active,2026-05-01,,990,USD,\r\n";
    let report = report_of(&import(&app, false, "text/csv; charset=utf-8", csv.to_owned()).await);
    assert_eq!(
        (&report["accepted"], &report["rejected"]),
        (&json!(3), &json!(2)),
        "{report}"
    );
    assert_eq!(report["errors"][0]["line"], 5);
    assert_eq!(report["errors"][0]["pointer"], "/sku");
    assert_eq!(report["errors"][1]["line"], 6);
    assert_eq!(report["errors"][1]["pointer"], "/unit_price/currency");

    let (rc1, _) = app.subscription("rc_1").await;
    assert_eq!(rc1["next_delivery"], "2026-03-27");
    assert_eq!(rc1["interval"], json!({"count": 4, "unit": "week"}));
    // 16.00 agreed (the catalog says 16.50), less 20%, twice.
    assert_eq!(rc1["price_per_delivery"]["amount_minor"], 2560);
    let (rc2, _) = app.subscription("rc_2").await;
    assert_eq!(rc2["status"], "paused");
    assert!(rc2.get("next_delivery").is_none(), "paused until resumed");
    // The catalog's discount when the file gives none.
    assert_eq!(rc2["price_per_delivery"]["amount_minor"], 1575);
    let history = app.history("rc_1").await;
    assert_eq!(history[0]["action"], "import");

    // Ada skips her imported delivery; importing the file again leaves her change alone.
    let skipped = app
        .change("rc_1", r#"{"action":"skip","date":"2026-03-27"}"#)
        .await;
    assert_eq!(skipped.status, StatusCode::OK, "{}", skipped.text());
    let before = snapshot(&app);
    let again = report_of(&import(&app, false, "text/csv", csv.to_owned()).await);
    assert_eq!(
        (&again["kept"], &again["rejected"]),
        (&json!(3), &json!(2)),
        "{again}"
    );
    assert_eq!(changed(&before, &snapshot(&app)), Vec::<String>::new());
    assert_eq!(
        app.subscription("rc_1").await.0["next_delivery"],
        "2026-04-24"
    );
}

#[tokio::test]
async fn an_import_over_the_size_limit_is_refused_and_writes_nothing() {
    let mut app = TestApp::new();
    let mut limits = (*app.state.limits).clone();
    limits.max_import_bytes = 100;
    app.state.limits = std::sync::Arc::new(limits);
    let file = ndjson(&[
        json!({"type": "customer", "id": "cust_a", "name": "A"}),
        json!({"type": "customer", "id": "cust_b", "name": "B"}),
        json!({"type": "customer", "id": "cust_c", "name": "C"}),
    ]);
    assert!(file.len() > 100);
    let before = snapshot(&app);
    // Told by Content-Length, and found while streaming a body that does not say.
    let declared = axum::http::Request::post("/api/v1/admin/imports")
        .header("authorization", format!("Bearer {MERCHANT_KEY}"))
        .header("content-type", NDJSON)
        .header("content-length", file.len())
        .body(axum::body::Body::from(file.clone()))
        .unwrap();
    app.send(declared)
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE);
    import(&app, false, NDJSON, file)
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(changed(&before, &snapshot(&app)), Vec::<String>::new());
}

/// 100,000 lines (customers, what they own, two orders each and a subscription) in one
/// request, while another client keeps writing: the import never holds the database for
/// long, and its speed is printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_lines_import_in_batches_lines_per_second_printed() {
    let app = TestApp::new();
    const CUSTOMERS: usize = 20_000;
    let mut body = String::with_capacity(CUSTOMERS * 5 * 200);
    for i in 0..CUSTOMERS {
        let lines = [
            json!({"type": "customer", "id": format!("bulk_{i}"), "name": format!("Customer {i}"),
                   "email": format!("bulk{i}@example.com")}),
            json!({"type": "owned", "customer_id": format!("bulk_{i}"), "sku": "BARISTA-ONE",
                   "purchased_on": "2025-11-01"}),
            json!({"type": "order", "id": format!("bulk_{i}_1"), "customer_id": format!("bulk_{i}"),
                   "ordered_on": "2025-11-01",
                   "lines": [{"sku": "BARISTA-ONE", "quantity": 1, "unit_price": {"amount_minor": 34900, "currency": "EUR"}},
                             {"sku": "CAPS-INTENSO", "quantity": 2, "unit_price": {"amount_minor": 1750, "currency": "EUR"}}]}),
            json!({"type": "order", "id": format!("bulk_{i}_2"), "customer_id": format!("bulk_{i}"),
                   "ordered_on": "2025-12-01",
                   "lines": [{"sku": "CAPS-LUNGO", "quantity": 3, "unit_price": {"amount_minor": 1650, "currency": "EUR"}}]}),
            json!({"type": "subscription", "id": format!("bulk_sub_{i}"), "customer_id": format!("bulk_{i}"),
                   "sku": "CAPS-INTENSO", "quantity": 1 + i % 3, "interval": {"count": 4, "unit": "week"},
                   "status": "active", "next_delivery": "2026-04-01"}),
        ];
        for line in lines {
            body.push_str(&line.to_string());
            body.push('\n');
        }
    }
    // Another client writes all along; its slowest write is how long the import ever
    // held the database.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (router, done) = (app.router(), done.clone());
        tokio::spawn(async move {
            let mut slowest = Duration::ZERO;
            let mut writes = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let started = Instant::now();
                let body = json!({"name": format!("Side {writes}")});
                let reply = send(
                    router.clone(),
                    admin_request_as(
                        MERCHANT_KEY,
                        Method::PUT,
                        "/api/v1/admin/customers/side",
                        Some(&body),
                    ),
                )
                .await;
                assert!(reply.status.is_success(), "{}", reply.text());
                slowest = slowest.max(started.elapsed());
                writes += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (slowest, writes)
        })
    };
    let started = Instant::now();
    let reply = import(&app, false, NDJSON, body).await;
    let elapsed = started.elapsed();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let (slowest, writes) = writer.await.unwrap();
    let report = report_of(&reply);
    assert_eq!(report["accepted"], 100_000, "{}", report["errors"]);
    assert_eq!(report["rejected"], 0);
    println!(
        "import of 100,000 lines ({:?}): {:.1} s, {:.0} lines/s; a concurrent writer's slowest \
         write {:?} over {writes} writes",
        backend(),
        elapsed.as_secs_f64(),
        100_000.0 / elapsed.as_secs_f64(),
        slowest
    );
    assert!(writes > 0);
    assert!(
        slowest < Duration::from_secs(2),
        "a write waited {slowest:?}"
    );
    assert_eq!(
        app.count("subscriptions WHERE id LIKE 'bulk_sub_%'"),
        20_000
    );
    assert_eq!(
        app.count("order_lines WHERE order_id LIKE 'bulk_%'"),
        60_000
    );
}
