//! The merchant admin API's single records (issue 17 §3): products, customers, what they
//! own and their order history, upserted by the merchant's ids. Each round-trips, the same
//! `PUT` twice is the same state, and what is loaded is what the widget shows.

use crate::admin_support::*;
use crate::common::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_product_round_trips_and_the_same_put_twice_changes_nothing() {
    let app = TestApp::new();
    let created = put(
        &app,
        "/api/v1/admin/products/AURORA-CAPS",
        &capsules("Aurora capsules"),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let stored = created.json();
    // Stored as sent, normalized: intervals shortest first, in stock unless said otherwise.
    let mut record = capsules("Aurora capsules");
    record["in_stock"] = json!(true);
    record["subscription"]["intervals"] =
        json!([{"count": 3, "unit": "week"}, {"count": 6, "unit": "week"}]);
    let expected = json!({"sku": "AURORA-CAPS", "product": record});
    assert_eq!(stored, expected);
    assert_eq!(
        ok(&get(&app, "/api/v1/admin/products/AURORA-CAPS").await),
        expected
    );

    put(
        &app,
        "/api/v1/admin/products/AURORA-MACHINE",
        &machine(&["AURORA-CAPS"], "AURORA-CAPS"),
    )
    .await;
    let before = snapshot(&app);
    for (sku, body) in [
        ("AURORA-CAPS", capsules("Aurora capsules")),
        ("AURORA-MACHINE", machine(&["AURORA-CAPS"], "AURORA-CAPS")),
    ] {
        let again = put(&app, &format!("/api/v1/admin/products/{sku}"), &body).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    }
    assert_eq!(changed(&before, &snapshot(&app)), Vec::<String>::new());

    // A replacement replaces every part: no offer, no usage question, no group.
    let plain = json!({"name": "Aurora capsules", "kind": "consumable",
                       "price": {"amount_minor": 1900, "currency": "EUR"}, "in_stock": false});
    let replaced = ok(&put(&app, "/api/v1/admin/products/AURORA-CAPS", &plain).await);
    assert_eq!(
        replaced,
        json!({"sku": "AURORA-CAPS", "product": {"name": "Aurora capsules", "kind": "consumable",
               "description": "", "price": {"amount_minor": 1900, "currency": "EUR"},
               "in_stock": false}})
    );
}

#[tokio::test]
async fn a_product_loaded_through_the_api_shows_in_the_widget_with_its_offer() {
    let app = TestApp::new();
    ok(&put(
        &app,
        "/api/v1/admin/products/AURORA-CAPS",
        &capsules("Aurora capsules"),
    )
    .await);
    ok(&put(
        &app,
        "/api/v1/admin/products/AURORA-MACHINE",
        &machine(&["AURORA-CAPS"], "AURORA-CAPS"),
    )
    .await);
    let caps = app.get("/api/v1/products/AURORA-CAPS").await.json();
    assert_eq!(caps["name"], "Aurora capsules");
    let offer = &caps["subscription"];
    assert_eq!(
        offer["intervals"],
        json!([{"count": 3, "unit": "week"}, {"count": 6, "unit": "week"}])
    );
    assert_eq!(
        offer["default_interval"],
        json!({"count": 3, "unit": "week"})
    );
    assert_eq!(offer["discount_percent"], 15);
    // 18.00 less 15%.
    assert_eq!(
        offer["price"],
        json!({"amount_minor": 1530, "currency": "EUR"})
    );
    assert_eq!(caps["usage"]["prompt"], "How many cups a day?");

    let machine = app.get("/api/v1/products/AURORA-MACHINE").await.json();
    assert!(machine.get("subscription").is_none());
    assert_eq!(machine["routines"][0]["name"], "Descale");
    assert_eq!(machine["routines"][0]["every_days"], 60);
    assert_eq!(machine["routines"][0]["consumable_sku"], "AURORA-CAPS");
    assert_eq!(
        machine["routines"][0]["guide_url"],
        "/guides/aurora-descale"
    );
}

/// The capsules' product page as the customer sees it.
async fn plan(app: &TestApp, token: &str) -> Value {
    app.get_as("/api/v1/products/AURORA-CAPS", token)
        .await
        .json()
}

#[tokio::test]
async fn owned_products_change_the_customer_s_plan() {
    let app = TestApp::new();
    ok(&put(
        &app,
        "/api/v1/admin/products/AURORA-CAPS",
        &capsules("Aurora capsules"),
    )
    .await);
    ok(&put(
        &app,
        "/api/v1/admin/products/AURORA-MACHINE",
        &machine(&["AURORA-CAPS"], "AURORA-CAPS"),
    )
    .await);
    let created = put(
        &app,
        "/api/v1/admin/customers/cust_lin",
        &json!({"name": "Lin", "email": "lin@example.com", "locale": "de-AT"}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let token = app.token("cust_lin");
    assert!(
        plan(&app, &token).await.get("ownership").is_none(),
        "owns nothing yet"
    );

    let owned = put(
        &app,
        "/api/v1/admin/customers/cust_lin/owned/AURORA-MACHINE",
        &json!({"purchased_on": "2026-01-20"}),
    )
    .await;
    assert_eq!(owned.status, StatusCode::CREATED, "{}", owned.text());
    let ownership = plan(&app, &token).await["ownership"].clone();
    assert_eq!(ownership["model_sku"], "AURORA-MACHINE");
    assert_eq!(ownership["purchased_on"], "2026-01-20");
    // Descaled every 60 days from the purchase: first due 2026-03-21.
    assert_eq!(ownership["routines"][0]["next_due"], "2026-03-21");

    // A later purchase date moves the plan with it; the record shows one date per SKU.
    let again = put(
        &app,
        "/api/v1/admin/customers/cust_lin/owned/AURORA-MACHINE",
        &json!({"purchased_on": "2026-02-01"}),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        plan(&app, &token).await["ownership"]["routines"][0]["next_due"],
        "2026-04-02"
    );
    let record = ok(&get(&app, "/api/v1/admin/customers/cust_lin").await);
    assert_eq!(
        record,
        json!({"id": "cust_lin",
               "customer": {"name": "Lin", "email": "lin@example.com", "locale": "de-AT"},
               "origin": "merchant",
               "owned": [{"sku": "AURORA-MACHINE", "purchased_on": "2026-02-01"}]})
    );

    let removed = admin(
        &app,
        Method::DELETE,
        "/api/v1/admin/customers/cust_lin/owned/AURORA-MACHINE",
        None,
    )
    .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert!(plan(&app, &token).await.get("ownership").is_none());
}

#[tokio::test]
async fn customers_round_trip_and_an_email_belongs_to_one_customer() {
    let app = TestApp::new();
    let body = json!({"name": "Lin", "email": "lin@example.com"});
    assert_eq!(
        put(&app, "/api/v1/admin/customers/cust_lin", &body)
            .await
            .status,
        StatusCode::CREATED
    );
    let before = snapshot(&app);
    assert_eq!(
        put(&app, "/api/v1/admin/customers/cust_lin", &body)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(changed(&before, &snapshot(&app)), Vec::<String>::new());
    // Ada's address, for someone else: refused, nothing written.
    let taken = put(
        &app,
        "/api/v1/admin/customers/cust_lin",
        &json!({"name": "Lin", "email": "ada@example.com"}),
    )
    .await
    .problem(StatusCode::CONFLICT);
    assert!(taken["detail"].as_str().unwrap().contains("email"));
    assert_eq!(changed(&before, &snapshot(&app)), Vec::<String>::new());
    // Ada herself may keep hers, and lose her name.
    let ada = ok(&put(
        &app,
        "/api/v1/admin/customers/cust_ada",
        &json!({"email": "ada@example.com"}),
    )
    .await);
    assert_eq!(ada["customer"], json!({"email": "ada@example.com"}));
    assert_eq!(ada["owned"][0]["sku"], "BARISTA-ONE");
    assert_eq!(
        app.get_as("/api/v1/me", &app.token("cust_ada"))
            .await
            .json()["customer"]["name"],
        ""
    );
}

#[tokio::test]
async fn history_orders_round_trip_and_cadence_s_orders_are_not_rewritten() {
    let app = TestApp::new();
    let order = json!({
        "customer_id": "cust_grace",
        "ordered_on": "2026-02-01",
        "lines": [
            {"sku": "WATER-FILTER", "quantity": 2, "unit_price": {"amount_minor": 990, "currency": "EUR"}},
            {"sku": "CAPS-LUNGO", "quantity": 1, "unit_price": {"amount_minor": 1650, "currency": "EUR"}}
        ]
    });
    let created = put(&app, "/api/v1/admin/orders/shop-1001", &order).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let stored = created.json();
    assert_eq!(stored["origin"], "merchant");
    assert_eq!(
        stored["order"]["lines"][0]["sku"], "CAPS-LUNGO",
        "lines by SKU"
    );
    assert_eq!(
        ok(&get(&app, "/api/v1/admin/orders/shop-1001").await),
        stored
    );
    let before = snapshot(&app);
    assert_eq!(
        put(&app, "/api/v1/admin/orders/shop-1001", &order)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(changed(&before, &snapshot(&app)), Vec::<String>::new());

    // An order Cadence placed (Ada's demo deliveries are): read, not rewritten.
    let cadence_order: String = app
        .state
        .db
        .conn()
        .unwrap()
        .query_row(
            "SELECT id FROM orders WHERE origin = 'cadence' ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let uri = format!("/api/v1/admin/orders/{cadence_order}");
    assert_eq!(ok(&get(&app, &uri).await)["origin"], "cadence");
    put(&app, &uri, &order).await.problem(StatusCode::CONFLICT);
    assert_eq!(changed(&before, &snapshot(&app)), Vec::<String>::new());
}

#[tokio::test]
async fn reads_need_the_read_scope_and_writes_the_write_scope() {
    let app = TestApp::new();
    let reader = key_with(&app, &["read"]).await;
    let writer = key_with(&app, &["write"]).await;
    let as_key = |key: &str, method: Method, uri: &str, body: Option<&Value>| {
        app.send(admin_request_as(key, method, uri, body))
    };
    let body = json!({"name": "Lin"});
    as_key(
        &reader,
        Method::PUT,
        "/api/v1/admin/customers/cust_lin",
        Some(&body),
    )
    .await
    .problem(StatusCode::FORBIDDEN);
    as_key(
        &writer,
        Method::GET,
        "/api/v1/admin/customers/cust_ada",
        None,
    )
    .await
    .problem(StatusCode::FORBIDDEN);
    as_key(
        &writer,
        Method::GET,
        "/api/v1/admin/exports/changes?since=2026-01-01",
        None,
    )
    .await
    .problem(StatusCode::FORBIDDEN);
    assert_eq!(
        as_key(
            &writer,
            Method::PUT,
            "/api/v1/admin/customers/cust_lin",
            Some(&body)
        )
        .await
        .status,
        StatusCode::CREATED
    );
    assert_eq!(
        as_key(
            &reader,
            Method::GET,
            "/api/v1/admin/customers/cust_lin",
            None
        )
        .await
        .status,
        StatusCode::OK
    );
}

/// One bad request: method, URI, body, content type, key, expected status.
type Bad = (Method, String, String, &'static str, String, StatusCode);

/// One bad request per way each route can refuse.
fn bad_requests(reader: &str) -> Vec<Bad> {
    let good = capsules("Aurora capsules");
    let with = |mut value: Value, pointer: &str, field: Value| {
        *value.pointer_mut(pointer).unwrap() = field;
        value.to_string()
    };
    let order = json!({"customer_id": "cust_ada", "ordered_on": "2026-02-01",
        "lines": [{"sku": "CAPS-LUNGO", "quantity": 1, "unit_price": {"amount_minor": 1650, "currency": "EUR"}}]});
    let (json, none, ndjson, csv) = ("application/json", "", "application/x-ndjson", "text/csv");
    let (key, wrong) = (MERCHANT_KEY.to_owned(), "wrong-key".to_owned());
    let reader = reader.to_owned();
    let product = "/api/v1/admin/products/A".to_owned();
    let customer = "/api/v1/admin/customers/c".to_owned();
    let owned = "/api/v1/admin/customers/cust_ada/owned/DESCALE-KIT".to_owned();
    let order_uri = "/api/v1/admin/orders/o1".to_owned();
    let imports = "/api/v1/admin/imports".to_owned();
    use StatusCode as S;
    #[rustfmt::skip]
    let cases = vec![
        // Credentials and scopes.
        (Method::PUT, product.clone(), good.to_string(), json, wrong.clone(), S::UNAUTHORIZED),
        (Method::PUT, product.clone(), good.to_string(), json, reader.clone(), S::FORBIDDEN),
        (Method::POST, imports.clone(), String::new(), ndjson, reader.clone(), S::FORBIDDEN),
        // Bodies.
        (Method::PUT, product.clone(), "{".into(), json, key.clone(), S::BAD_REQUEST),
        (Method::PUT, product.clone(), good.to_string(), "text/plain", key.clone(), S::UNSUPPORTED_MEDIA_TYPE),
        (Method::PUT, product.clone(), json!({"name": "x".repeat(17_000)}).to_string(), json, key.clone(), S::PAYLOAD_TOO_LARGE),
        (Method::PUT, product.clone(), with(good.clone(), "/kind", json!("bundle")), json, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::PUT, product.clone(), with(good.clone(), "/price/currency", json!("eur")), json, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::PUT, product.clone(), with(good.clone(), "/units_per_pack", json!(-1)), json, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::PUT, product.clone(), with(good.clone(), "/swap_group", json!({"colour": "red"})), json, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::PUT, product.clone(), machine(&["NO-SUCH-SKU"], "DESCALE-KIT").to_string(), json, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::PUT, product.clone(), machine(&[], "NO-SUCH-SKU").to_string(), json, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::PUT, format!("/api/v1/admin/products/{}", "x".repeat(129)), good.to_string(), json, key.clone(), S::BAD_REQUEST),
        (Method::GET, "/api/v1/admin/products/NO-SUCH-SKU".into(), String::new(), none, key.clone(), S::NOT_FOUND),
        (Method::GET, "/api/v1/admin/products/%20A".into(), String::new(), none, key.clone(), S::BAD_REQUEST),
        (Method::PUT, customer.clone(), json!({"email": "not an email"}).to_string(), json, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::PUT, customer.clone(), json!({"locale": "english"}).to_string(), json, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::PUT, customer.clone(), json!({"name": ""}).to_string(), json, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::PUT, customer.clone(), json!({"nickname": "c"}).to_string(), json, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::PUT, customer.clone(), "[null, null]".into(), json, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::PUT, customer.clone(), json!({"email": "grace@example.com"}).to_string(), json, key.clone(), S::CONFLICT),
        (Method::PUT, "/api/v1/admin/customers/c%00".into(), "{}".into(), json, key.clone(), S::BAD_REQUEST),
        (Method::GET, "/api/v1/admin/customers/nobody".into(), String::new(), none, key.clone(), S::NOT_FOUND),
        (Method::PUT, owned.clone(), json!({"purchased_on": "2026-03-16"}).to_string(), json, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::PUT, owned.clone(), json!({"purchased_on": "2026-02-30"}).to_string(), json, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::PUT, "/api/v1/admin/customers/nobody/owned/DESCALE-KIT".into(), json!({"purchased_on": "2026-01-01"}).to_string(), json, key.clone(), S::NOT_FOUND),
        (Method::PUT, "/api/v1/admin/customers/cust_ada/owned/NO-SUCH-SKU".into(), json!({"purchased_on": "2026-01-01"}).to_string(), json, key.clone(), S::NOT_FOUND),
        (Method::DELETE, owned.clone(), String::new(), none, key.clone(), S::NOT_FOUND),
        (Method::PUT, order_uri.clone(), with(order.clone(), "/customer_id", json!("nobody")), json, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::PUT, order_uri.clone(), with(order.clone(), "/ordered_on", json!("2026-03-16")), json, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::PUT, order_uri.clone(), with(order.clone(), "/lines", json!([])), json, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::PUT, order_uri.clone(), with(order.clone(), "/lines/0/sku", json!("NO-SUCH-SKU")), json, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::PUT, order_uri.clone(), with(order.clone(), "/lines/0/quantity", json!(0)), json, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::PUT, order_uri.clone(), json!({"customer_id": "cust_grace", "ordered_on": "2026-01-01", "subscription_id": "sub_demo_ada_intenso", "lines": order["lines"]}).to_string(), json, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::GET, "/api/v1/admin/orders/nope".into(), String::new(), none, key.clone(), S::NOT_FOUND),
        // Imports refused whole.
        (Method::POST, imports.clone(), "{}".into(), json, key.clone(), S::UNSUPPORTED_MEDIA_TYPE),
        (Method::POST, format!("{imports}?dry_run=maybe"), String::new(), ndjson, key.clone(), S::BAD_REQUEST),
        (Method::POST, format!("{imports}?wet=1"), String::new(), ndjson, key.clone(), S::BAD_REQUEST),
        (Method::POST, imports.clone(), "id,customer_id,price\nsub_x,cust_ada,1\n".into(), csv, key.clone(), S::UNPROCESSABLE_ENTITY),
        // Exports.
        (Method::GET, "/api/v1/admin/exports/changes".into(), String::new(), none, key.clone(), S::BAD_REQUEST),
        (Method::GET, "/api/v1/admin/exports/changes?since=yesterday".into(), String::new(), none, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::GET, "/api/v1/admin/exports/changes?since=2026-01-01&limit=0".into(), String::new(), none, key.clone(), S::UNPROCESSABLE_ENTITY),
        (Method::GET, "/api/v1/admin/exports/changes?since=2026-01-01&after=x".into(), String::new(), none, key.clone(), S::BAD_REQUEST),
        (Method::GET, "/api/v1/admin/exports/orders?since=2026-01-01&after=2026-01-01".into(), String::new(), none, key.clone(), S::BAD_REQUEST),
        (Method::GET, "/api/v1/admin/exports/cancel-reasons?since=2026-01-01&until=2026-13-01".into(), String::new(), none, key, S::UNPROCESSABLE_ENTITY),
    ];
    cases
}

/// Every bad request is a problem document, and the database stays exactly as it was.
#[tokio::test]
async fn bad_input_to_every_admin_route_is_a_problem_and_writes_nothing() {
    let app = TestApp::new();
    let reader = key_with(&app, &["read"]).await;
    let before = snapshot(&app);
    for (method, uri, body, content_type, key, status) in bad_requests(&reader) {
        let mut request = axum::http::Request::builder()
            .method(method.clone())
            .uri(&uri)
            .header("authorization", format!("Bearer {key}"));
        if !content_type.is_empty() {
            request = request.header("content-type", content_type);
        }
        let reply = app
            .send(request.body(axum::body::Body::from(body)).unwrap())
            .await;
        assert_eq!(reply.status, status, "{method} {uri}: {}", reply.text());
        reply.problem(status);
        assert_eq!(
            changed(&before, &snapshot(&app)),
            Vec::<String>::new(),
            "{method} {uri} wrote"
        );
    }
}

/// The latency of single upserts, through the whole router, on this pass's database.
#[tokio::test]
async fn admin_upserts_are_fast_p99_printed() {
    let app = TestApp::new();
    const N: usize = 600;
    let mut times = Vec::with_capacity(N);
    for i in 0..N {
        let (uri, body) = match i % 3 {
            0 => (
                format!("/api/v1/admin/customers/cust_p{i}"),
                json!({"name": format!("Customer {i}"), "email": format!("c{i}@example.com")}),
            ),
            1 => (
                format!("/api/v1/admin/products/P-{i}"),
                capsules(&format!("Capsules {i}")),
            ),
            _ => (
                format!("/api/v1/admin/orders/o-{i}"),
                json!({"customer_id": format!("cust_p{}", i - 2), "ordered_on": "2026-03-01",
                       "lines": [{"sku": format!("P-{}", i - 1), "quantity": 2,
                                  "unit_price": {"amount_minor": 1800, "currency": "EUR"}}]}),
            ),
        };
        let started = Instant::now();
        let reply = put(&app, &uri, &body).await;
        times.push(started.elapsed());
        assert_eq!(reply.status, StatusCode::CREATED, "{uri}: {}", reply.text());
    }
    times.sort();
    let p = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "admin upsert latency over {N} PUTs ({:?}): p50 {:?}, p99 {:?}, max {:?}",
        backend(),
        p(0.5),
        p(0.99),
        times[times.len() - 1]
    );
    assert!(p(0.99) < Duration::from_millis(500), "p99 {:?}", p(0.99));
}
