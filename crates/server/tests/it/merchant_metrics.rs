//! `GET /api/v1/merchant/metrics` and the shop's `/merchant` page: the merchant key,
//! repurchase by cohort on a hand-made dataset, subscription events made through the API
//! (with `via: cancel_offer`), and click-through/conversion from the widget's events.
//! Today is 2026-03-15, so the figures cover 2025-04 to 2026-03.

use crate::common::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

const METRICS: &str = "/api/v1/merchant/metrics";

async fn metrics(app: &TestApp) -> Value {
    let reply = app.get_as(METRICS, MERCHANT_KEY).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.header("cache-control"), Some("private, no-store"));
    reply.json()
}

#[tokio::test]
async fn the_merchant_key_is_required_and_checked() {
    let mut app = TestApp::new();
    let missing = app.get(METRICS).await;
    let problem = missing.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(problem["type"], "urn:cadence:problem:invalid-merchant-key");
    assert_eq!(
        missing.header("www-authenticate"),
        Some(r#"Bearer realm="cadence-merchant""#)
    );
    for wrong in [
        "Bearer not-the-merchant-key".to_owned(),
        format!("Bearer {MERCHANT_KEY}x"),
        format!("Basic {MERCHANT_KEY}"),
        // A valid customer token is not a merchant key.
        format!("Bearer {}", app.token("cust_ada")),
    ] {
        let request = Request::get(METRICS)
            .header(header::AUTHORIZATION, wrong.as_str())
            .body(Body::empty())
            .unwrap();
        let reply = app.send(request).await;
        let problem = reply.problem(StatusCode::UNAUTHORIZED);
        assert_eq!(problem["type"], "urn:cadence:problem:invalid-merchant-key");
        assert!(!reply.text().contains(MERCHANT_KEY), "never echoed");
    }
    assert_eq!(
        app.get_as(METRICS, MERCHANT_KEY).await.status,
        StatusCode::OK
    );

    // A server without a merchant key has the endpoint off, and says how to turn it on.
    app.state.merchant_key = None;
    let off = app.get_as(METRICS, MERCHANT_KEY).await;
    let problem = off.problem(StatusCode::FORBIDDEN);
    assert_eq!(
        problem["type"],
        "urn:cadence:problem:merchant-key-not-configured"
    );
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("--merchant-key"));
}

fn insert_orders(app: &TestApp, orders: &[(&str, &str)]) {
    let conn = app.state.db.conn().unwrap();
    for (n, (customer, on)) in orders.iter().enumerate() {
        conn.execute(
            "INSERT INTO customers (id, name, email) VALUES (?1, ?1, ?1 || '@example.com')
             ON CONFLICT DO NOTHING",
            [customer],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO orders (id, customer_id, ordered_on) VALUES (?1, ?2, ?3)",
            cadence_server::params![format!("ord_{n}"), customer, on],
        )
        .unwrap();
    }
}

fn rates(cohort: &Value) -> Vec<(u64, u64, u64, Option<f64>)> {
    cohort["rates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["days"].as_u64().unwrap(),
                r["observed"].as_u64().unwrap(),
                r["repurchased"].as_u64().unwrap(),
                r["rate"].as_f64(),
            )
        })
        .collect()
}

#[tokio::test]
async fn repurchase_at_30_60_90_days_by_first_order_month() {
    let app = TestApp::unseeded();
    // Ages are days from the first order to today (2026-03-15); gaps, days to the next
    // order on a later day.
    insert_orders(
        &app,
        &[
            // November 2025 cohort, all four observed for 90 days (ages 134, 125, 120, 105).
            // a: gap 19 → repurchased within 30, 60 and 90.
            ("a", "2025-11-01"),
            ("a", "2025-11-20"),
            // b: a second order the same day does not count; next gap 56 → 60 and 90 only.
            ("b", "2025-11-10"),
            ("b", "2025-11-10"),
            ("b", "2026-01-05"),
            // c: gap 97 → none.
            ("c", "2025-11-15"),
            ("c", "2026-02-20"),
            // d: never again.
            ("d", "2025-11-30"),
            // January 2026 cohort. e: age 72 (observed for 30 and 60), gap 29 → both.
            ("e", "2026-01-02"),
            ("e", "2026-01-31"),
            // f: age 54 (observed for 30 only), gap 49 → not within 30.
            ("f", "2026-01-20"),
            ("f", "2026-03-10"),
            // March 2026 cohort. g: age 14, observed for no window yet.
            ("g", "2026-03-01"),
            ("g", "2026-03-05"),
            // h: first order before the covered months, so in no cohort, even though it
            // ordered again in November.
            ("h", "2025-02-01"),
            ("h", "2025-11-05"),
        ],
    );
    let body = metrics(&app).await;
    assert_eq!(body["as_of"], "2026-03-15");
    assert_eq!(body["since_month"], "2025-04");
    let r = &body["repurchase"];
    assert_eq!(r["windows"], json!([30, 60, 90]));
    assert!(r["definition"]
        .as_str()
        .unwrap()
        .contains("first order falls in that month"));
    let cohorts = r["cohorts"].as_array().unwrap();
    assert_eq!(cohorts.len(), 12);
    let cohort = |month: &str| cohorts.iter().find(|c| c["month"] == month).unwrap();

    // November: 4 customers; within 30: a (1 of 4); within 60 and 90: a, b (2 of 4).
    assert_eq!(cohort("2025-11")["customers"], 4);
    assert_eq!(
        rates(cohort("2025-11")),
        [
            (30, 4, 1, Some(0.25)),
            (60, 4, 2, Some(0.5)),
            (90, 4, 2, Some(0.5))
        ]
    );
    // January: 30 days: e and f observed, e repurchased (1 of 2); 60: e only (1 of 1);
    // 90: nobody observed yet, so no rate.
    assert_eq!(cohort("2026-01")["customers"], 2);
    assert_eq!(
        rates(cohort("2026-01")),
        [
            (30, 2, 1, Some(0.5)),
            (60, 1, 1, Some(1.0)),
            (90, 0, 0, None)
        ]
    );
    assert_eq!(cohort("2026-03")["customers"], 1);
    assert_eq!(
        rates(cohort("2026-03")),
        [(30, 0, 0, None), (60, 0, 0, None), (90, 0, 0, None)]
    );
    assert_eq!(cohort("2025-12")["customers"], 0);
    assert_eq!(cohort("2025-04")["customers"], 0, "h is in no cohort");
    // All cohorts: 30 → 2 of 6; 60 → 3 of 5; 90 → 2 of 4.
    let all: Vec<_> = r["all"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["observed"].as_u64().unwrap(),
                x["repurchased"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(all, [(6, 2), (5, 3), (4, 2)]);
    assert_eq!(r["all"][0]["rate"].as_f64(), Some(2.0 / 6.0));
}

fn march(body: &Value) -> Value {
    let months = body["subscriptions"]["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(months[11]["month"], "2026-03");
    months[11]["counts"].clone()
}

#[tokio::test]
async fn subscription_events_count_changes_made_through_the_api() {
    let app = TestApp::new();
    let before = march(&metrics(&app).await);

    // Started: one new subscription.
    let created = app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let new_id = created.json()["id"].as_str().unwrap().to_owned();
    // Skipped: Ada's next delivery.
    let (sub, _) = app.subscription(ADA_SUB).await;
    let next = sub["upcoming"][0]["date"].as_str().unwrap().to_owned();
    let reply = app
        .change(
            ADA_SUB,
            &json!({"action": "skip", "date": next}).to_string(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    // `via` on anything but a pause or skip is refused and records nothing.
    let refused = app
        .change(&new_id, r#"{"action":"cancel","via":"cancel_offer"}"#)
        .await;
    assert_eq!(
        refused.problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["pointer"],
        "/via"
    );
    let unknown = app
        .change(ADA_SUB, r#"{"action":"pause","via":"banner"}"#)
        .await;
    unknown.problem(StatusCode::UNPROCESSABLE_ENTITY);
    // Paused, and kept instead of cancel: the cancel confirmation's offer.
    let reply = app
        .change(
            ADA_SUB,
            r#"{"action":"pause_for","deliveries":1,"via":"cancel_offer"}"#,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["status"], "paused");
    // Moving the end of a running pause is not another pause.
    let reply = app
        .change(ADA_SUB, r#"{"action":"pause_until","date":"2026-05-01"}"#)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    // Cancelled: the new subscription.
    let reply = app
        .change(&new_id, r#"{"action":"cancel","reason":"too_expensive"}"#)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());

    let after = march(&metrics(&app).await);
    let delta = |field: &str| after[field].as_u64().unwrap() - before[field].as_u64().unwrap();
    assert_eq!(delta("started"), 1);
    assert_eq!(delta("skipped"), 1);
    assert_eq!(delta("paused"), 1);
    assert_eq!(delta("cancelled"), 1);
    assert_eq!(delta("kept_instead_of_cancel"), 1);

    let via: Vec<(String, Option<String>)> = {
        let conn = app.state.db.conn().unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT action, via FROM subscription_changes WHERE subscription_id = ?1
                 AND action <> 'create' ORDER BY id",
            )
            .unwrap();
        stmt.query_map([ADA_SUB], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(
        via,
        [
            ("skip".to_owned(), None),
            ("pause_for".to_owned(), Some("cancel_offer".to_owned())),
            ("pause_until".to_owned(), None),
        ]
    );
}

#[tokio::test]
async fn a_retry_with_via_replays_and_a_different_via_is_a_reused_key() {
    let app = TestApp::new();
    let (_, etag) = app.subscription(ADA_SUB).await;
    let key = fresh_key();
    let with_via = r#"{"action":"pause_for","deliveries":1,"via":"cancel_offer"}"#;
    let first = app.change_with(ADA_SUB, Some(&etag), &key, with_via).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let retry = app.change_with(ADA_SUB, Some(&etag), &key, with_via).await;
    assert_eq!((retry.status, retry.body), (first.status, first.body));
    let without = app
        .change_with(
            ADA_SUB,
            Some(&etag),
            &key,
            r#"{"action":"pause_for","deliveries":1}"#,
        )
        .await;
    without.problem(StatusCode::UNPROCESSABLE_ENTITY);
    let (_, audit) = app.state_of(ADA_SUB).await;
    let (_, fresh) = TestApp::new().state_of(ADA_SUB).await;
    assert_eq!(audit, fresh + 1, "one change, recorded once");
}

fn event(kind: &str, reason: Option<&str>, n: usize) -> Vec<Value> {
    let mut e = json!({"kind": kind, "sku": "WATER-FILTER", "context": "account"});
    if let Some(reason) = reason {
        e["reason"] = json!(reason);
    }
    if kind == "action" {
        e["action"] = json!("add_to_cart");
    }
    vec![e; n]
}

#[tokio::test]
async fn click_through_and_conversion_per_reason() {
    let app = TestApp::new();
    let batch: Vec<Value> = [
        event("impression", Some("due_soon"), 10),
        event("click", Some("due_soon"), 4),
        // An older widget's `action` on the button press: accepted, not a conversion (the
        // server counts those when it accepts the action: tests/it/conversions.rs).
        event("action", Some("due_soon"), 1),
        event("impression", Some("bought_together"), 20),
        event("click", Some("bought_together"), 1),
        // A click without any impression of the same recommendation: counted apart, as
        // unmatched, in no rate (a flood of such clicks cannot move the figures).
        event("click", Some("better_value"), 1),
        event("impression", None, 5),
    ]
    .concat();
    assert_eq!(batch.len(), 42);
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/events")
        .header(header::CONTENT_TYPE, "text/plain;charset=UTF-8")
        .header(header::ORIGIN, SHOP_ORIGIN)
        .body(Body::from(json!({ "events": batch }).to_string()))
        .unwrap();
    // In process (no client address), every event counts: the once-per-shopper rule is
    // tested in tests/events.rs and against a real server in tests/hostile.rs.
    assert_eq!(app.send(request).await.status, StatusCode::ACCEPTED);
    // Before the covered months: left out.
    app.state
        .db
        .conn()
        .unwrap()
        .execute(
            "INSERT INTO ui_event_daily (day, reason, impressions, clicks)
             VALUES ('2025-03-31', 'due_soon', 100, 100)",
            [],
        )
        .unwrap();

    let body = metrics(&app).await;
    let r = &body["recommendations"];
    let reasons = r["reasons"].as_array().unwrap();
    let names: Vec<&str> = reasons
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "due_soon",
            "fits_what_you_own",
            "bought_together",
            "better_value"
        ]
    );
    let row = |i: usize| {
        let e = &reasons[i];
        (
            e["impressions"].as_u64().unwrap(),
            e["clicks"].as_u64().unwrap(),
            e["actions"].as_u64().unwrap(),
            e["click_through"].as_f64(),
            e["conversion"].as_f64(),
        )
    };
    // due_soon: 4 / 10 clicks, no conversion.
    assert_eq!(row(0), (10, 4, 0, Some(0.4), Some(0.0)));
    assert_eq!(row(1), (0, 0, 0, None, None));
    // bought_together: 1 / 20 clicks, 0 / 20 actions.
    assert_eq!(row(2), (20, 1, 0, Some(0.05), Some(0.0)));
    assert_eq!(row(3), (0, 0, 0, None, None));
    assert_eq!(r["unmatched"], 1);
    // All: 10 + 20 + 5 impressions, 4 + 1 clicks, 1 action.
    let all = &r["all"];
    assert!(all.get("reason").is_none());
    assert_eq!(all["impressions"], 35);
    assert_eq!(all["clicks"], 5);
    assert_eq!(all["click_through"].as_f64(), Some(5.0 / 35.0));
    assert_eq!(all["conversion"].as_f64(), Some(0.0));
}

pub async fn shop_page(app: &TestApp, uri: &str) -> Reply {
    send(app.shop(), Request::get(uri).body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn the_merchant_page_draws_each_figure_with_its_definition() {
    let app = TestApp::new();
    let page = shop_page(&app, "/merchant").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert_eq!(page.header("cache-control"), Some("private, no-store"));
    let csp = page.header("content-security-policy").unwrap();
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let html = page.text();
    assert!(!html.contains(MERCHANT_KEY), "the key stays on the server");
    assert!(!html.contains("<script>") && !html.contains("style="));
    for id in [
        "repurchase",
        "subscriptions",
        "cancel-reasons",
        "recommendations",
    ] {
        assert!(
            html.contains(&format!(
                r#"role="img" aria-labelledby="{id}-title {id}-desc""#
            )),
            "{id}"
        );
        assert!(
            html.contains(&format!(r#"<title id="{id}-title">"#)),
            "{id}"
        );
        assert!(html.contains(&format!(r#"<desc id="{id}-desc">"#)), "{id}");
    }
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 4);
    assert_eq!(html.matches("<table>").count(), 4);
    assert!(html.matches("<rect x=").count() > 0, "bars drawn");
    // Each definition, escaped as the page's template escapes it, next to its chart.
    for definition in [
        cadence_server::metrics::repurchase::DEFINITION,
        cadence_server::metrics::subscriptions::DEFINITION,
        cadence_server::metrics::cancel_reasons::DEFINITION,
        cadence_server::metrics::engagement::DEFINITION,
    ] {
        assert!(
            html.contains(&maud::html! { (definition) }.into_string()),
            "{definition}"
        );
    }
    // Ada's subscription started in December 2025 (94 days before today).
    assert!(html.contains("2025-12, Started: 1"), "bar tooltip");

    let catalog = shop_page(&app, "/").await.text();
    assert!(catalog.contains(r#"<a href="/merchant">Merchant</a>"#));
}

#[tokio::test]
async fn the_merchant_page_says_when_the_shop_has_no_key() {
    let app = TestApp::new();
    let shop = cadence_server::storefront::shop_app(cadence_server::storefront::ShopState {
        db: app.state.db.clone(),
        keys: app.state.keys.clone(),
        clock: clock(),
        api_url: API_URL.to_owned(),
        merchant: None,
        inbox: cadence_server::storefront::inbox::Inbox::new(),
    });
    let page = send(shop, Request::get("/merchant").body(Body::empty()).unwrap()).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.text().contains("--merchant-key"));
}

#[tokio::test]
async fn the_openapi_document_describes_the_metrics_and_the_merchant_key() {
    let doc = TestApp::new().get("/api/v1/openapi.json").await.json();
    let get = &doc["paths"]["/api/v1/merchant/metrics"]["get"];
    assert_eq!(get["security"][0]["merchant_key"], json!([]));
    for status in ["200", "401", "403"] {
        assert!(get["responses"][status].is_object(), "{status}");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["merchant_key"]["scheme"],
        "bearer"
    );
    for schema in [
        "MerchantMetrics",
        "RepurchaseCohort",
        "SubscriptionCounts",
        "Engagement",
        "ChangeVia",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
}
