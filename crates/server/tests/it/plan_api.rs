//! The routine plan's data (usage, routines, community, ownership) on the product
//! endpoint, the plan's `.ics` download, and customers' calendar feeds.

use crate::common::*;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use cadence_server::auth::JwtKeys;
use icalendar::{Calendar, Component, DatePerhapsTime};
use serde_json::{json, Value};
use std::sync::Arc;

fn day(offset: i64) -> String {
    let today = cadence_server::clock::Clock::Fixed(TODAY_SECS).today();
    today.add_days(offset).unwrap().to_string()
}

#[tokio::test]
async fn consumables_carry_their_usage_question_and_the_community_choice() {
    let reply = TestApp::new().get("/api/v1/products/CAPS-INTENSO").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("vary"), Some("Authorization"));
    let product = reply.json();
    assert_eq!(
        product["usage"],
        json!({ "prompt": "How many coffees do you make a day?", "unit": "cups a day",
                "min": 1, "max": 12, "default": 2, "units_per_use": 1 })
    );
    // Eight demo owners and Ada own the machine and subscribe; six of them every 4 weeks.
    assert_eq!(
        product["community"],
        json!({ "interval": { "count": 4, "unit": "week" }, "share_percent": 67, "owners": 9 })
    );
    assert!(product.get("routines").is_none(), "consumables: {product}");
    assert!(product.get("ownership").is_none());
}

#[tokio::test]
async fn durables_carry_their_routines_with_guides_and_per_run_costs() {
    let product = TestApp::new()
        .get("/api/v1/products/BARISTA-ONE")
        .await
        .json();
    assert_eq!(
        product["routines"],
        json!([
            { "name": "Descale", "every_days": 90, "consumable_sku": "DESCALE-KIT",
              "consumable_name": "Descaling kit",
              "consumable_price": { "amount_minor": 645, "currency": "EUR" },
              "guide_url": "/guides/descaling" },
            { "name": "Water filter change", "every_days": 60, "consumable_sku": "WATER-FILTER",
              "consumable_name": "Water filter",
              "consumable_price": { "amount_minor": 990, "currency": "EUR" },
              "guide_url": "/guides/water-filter" },
        ])
    );
    assert!(product.get("community").is_none() && product.get("usage").is_none());
}

#[tokio::test]
async fn the_community_choice_needs_five_subscribing_owners() {
    let app = TestApp::new();
    // The signal is precomputed by the background rebuild (as `serve` runs it at start and
    // every 10 minutes): rebuild after each change to the data, then read the page.
    let community = || async {
        cadence_server::recommend::cooccurrence::refresh_db(&app.state.db)
            .await
            .unwrap();
        app.get("/api/v1/products/CAPS-LUNGO").await.json()["community"].clone()
    };
    assert_eq!(
        community().await,
        json!({ "interval": { "count": 6, "unit": "week" }, "share_percent": 50, "owners": 6 })
    );
    let conn = app.state.db.conn().unwrap();
    let sql = |s: &str| conn.execute_batch(s).unwrap();
    // Paused and cancelled subscriptions do not count: four owners left.
    sql(
        "UPDATE subscriptions SET status = 'paused' WHERE id = 'sub_demo_owner_3_caps-lungo';
         UPDATE subscriptions SET status = 'cancelled' WHERE id = 'sub_demo_owner_4_caps-lungo';",
    );
    assert_eq!(community().await, Value::Null);
    // A subscriber who does not own the machine is no owner.
    sql(
        "INSERT INTO customers (id, name, email) VALUES ('cust_x', 'X', 'x@example.com');
         INSERT INTO subscriptions (id, customer_id, sku, quantity, interval_count, interval_unit,
             status, anchor_date, next_delivery, discount_percent, created_at, updated_at)
         VALUES ('sub_x', 'cust_x', 'CAPS-LUNGO', 1, 8, 'week', 'active', '2026-03-01',
             '2026-04-26', 10, '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z');",
    );
    assert_eq!(community().await, Value::Null);
    // Once they buy it, five owners: shown, the tie between 4 and 8 weeks going to 4.
    sql("INSERT INTO owned_products VALUES ('cust_x', 'BARISTA-ONE', '2026-02-01');");
    assert_eq!(
        community().await,
        json!({ "interval": { "count": 4, "unit": "week" }, "share_percent": 40, "owners": 5 })
    );
}

#[tokio::test]
async fn a_token_adds_the_owned_machine_with_real_due_dates() {
    let app = TestApp::new();
    // Grace bought her machine 45 days ago and logged nothing: due dates follow the purchase.
    let reply = app
        .get_as("/api/v1/products/BARISTA-ONE", &app.token("cust_grace"))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("cache-control"), Some("private, no-store"));
    let ownership = &reply.json()["ownership"];
    assert_eq!(ownership["model_sku"], "BARISTA-ONE");
    assert_eq!(ownership["model_name"], "Barista One");
    assert_eq!(ownership["purchased_on"], day(-45));
    let routines = ownership["routines"].as_array().unwrap();
    assert_eq!(routines[0]["routine"]["name"], "Descale");
    assert_eq!(routines[0]["next_due"], day(45));
    assert!(routines[0].get("last_done").is_none());
    assert_eq!(routines[1]["next_due"], day(15));

    // Ada descaled 300 days ago (the log): every 90 days from then, rolled past today.
    // Her water filter: 400 days since purchase, every 60 → due in 20 days. The capsule
    // page knows her machine too, since the capsules fit it.
    let ada = app
        .get_as("/api/v1/products/CAPS-INTENSO", &app.token("cust_ada"))
        .await
        .json();
    let routines = &ada["ownership"]["routines"];
    assert_eq!(ada["ownership"]["model_sku"], "BARISTA-ONE");
    assert_eq!(routines[0]["last_done"], day(-300));
    assert_eq!(routines[0]["next_due"], day(60));
    assert_eq!(routines[1]["next_due"], day(20));
    assert!(
        ada["community"].is_object(),
        "personal answers keep the public parts"
    );

    // A customer who owns nothing it fits: no ownership; no token: anonymous.
    app.state
        .db
        .conn()
        .unwrap()
        .execute_batch(
            "INSERT INTO customers (id, name, email) VALUES ('cust_new', 'New', 'new@example.com')",
        )
        .unwrap();
    let new = app
        .get_as("/api/v1/products/CAPS-INTENSO", &app.token("cust_new"))
        .await
        .json();
    assert!(new.get("ownership").is_none());
    let anonymous = app.get("/api/v1/products/BARISTA-ONE").await;
    assert_eq!(anonymous.header("cache-control"), Some("no-cache"));
    assert!(anonymous.json().get("ownership").is_none());
}

#[tokio::test]
async fn a_bad_token_on_the_product_is_a_401_not_an_anonymous_answer() {
    let app = TestApp::new();
    let forged = JwtKeys::new(b"not-the-secret-not-the-secret-!!").mint("cust_ada", 3600, clock());
    for token in [forged.as_str(), "garbage"] {
        let reply = app.get_as("/api/v1/products/CAPS-INTENSO", token).await;
        reply.problem(StatusCode::UNAUTHORIZED);
    }
    let basic = Request::get("/api/v1/products/CAPS-INTENSO")
        .header(header::AUTHORIZATION, "Basic YWRhOnB3")
        .body(Body::empty())
        .unwrap();
    app.send(basic).await.problem(StatusCode::UNAUTHORIZED);
    let reply = app
        .get_as("/api/v1/products/CAPS-INTENSO/plan.ics", "garbage")
        .await;
    reply.problem(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn plan_ics_refuses_bad_input_with_problems() {
    let app = TestApp::new();
    let base = "/api/v1/products/CAPS-INTENSO/plan.ics";
    app.get("/api/v1/products/NOPE/plan.ics?interval=4w")
        .await
        .problem(StatusCode::NOT_FOUND);
    for (query, pointer) in [
        ("interval=3w", "/interval"),  // not one the product offers
        ("interval=4x", "/interval"),  // malformed
        ("interval=0w", "/interval"),  // zero
        ("interval=13m", "/interval"), // over a year
        ("interval=%2B4w", "/interval"),
        ("quantity=0", "/quantity"),
        ("quantity=21", "/quantity"),
        ("quantity=two", "/quantity"),
        ("quantity=-1", "/quantity"),
    ] {
        let problem = app
            .get(&format!("{base}?{query}"))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["pointer"], pointer, "{query}");
        assert!(!problem.to_string().contains("two"), "never echoes input");
    }
    // Both wrong: both reported.
    let problem = app
        .get(&format!("{base}?interval=1y&quantity=0"))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2);
    // A machine is bought once: no interval but `once`.
    app.get("/api/v1/products/BARISTA-ONE/plan.ics?interval=4w")
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    app.get(&format!("{base}?interval=4w&colour=red"))
        .await
        .problem(StatusCode::BAD_REQUEST);
}

/// Checks the RFC 5545 framing our parser cannot see (it unfolds first), then parses.
fn parse_ics(reply: &Reply) -> Calendar {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(
        reply.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    let text = reply.text();
    assert!(text.ends_with("\r\n"));
    for line in text.split("\r\n") {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare line break"
        );
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
    }
    for required in [
        "BEGIN:VCALENDAR\r\n",
        "VERSION:2.0\r\n",
        "PRODID:",
        "END:VCALENDAR\r\n",
    ] {
        assert!(text.contains(required), "{required}");
    }
    text.parse::<Calendar>().expect("a parseable iCalendar")
}

/// (date, summary, uid) of every event, in file order.
fn events(calendar: &Calendar) -> Vec<(String, String, String)> {
    calendar
        .events()
        .map(|e| {
            let date = match e.get_start() {
                Some(DatePerhapsTime::Date(d)) => d.to_string(),
                other => panic!("not an all-day event: {other:?}"),
            };
            assert!(e.property_value("DTSTAMP").is_some());
            (
                date,
                e.get_summary().unwrap().to_owned(),
                e.get_uid().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn plan_ics_is_a_valid_calendar_of_the_plan() {
    let app = TestApp::new();
    let reply = app
        .get("/api/v1/products/CAPS-INTENSO/plan.ics?interval=4w&quantity=2")
        .await;
    assert_eq!(
        reply.header("content-disposition"),
        Some(r#"attachment; filename="caps-intenso-plan.ics""#)
    );
    let list = events(&parse_ics(&reply));
    // 12 months of deliveries every 4 weeks, from one interval after today.
    assert_eq!(list.len(), 13);
    for (n, (date, summary, _)) in list.iter().enumerate() {
        assert_eq!(*date, day(28 * (n as i64 + 1)));
        assert_eq!(summary, "Delivery: 2 × Espresso Intenso capsules");
    }
    let uids: std::collections::HashSet<_> = list.iter().map(|e| e.2.clone()).collect();
    assert_eq!(uids.len(), 13, "unique UIDs");
    // Downloading again gives the same UIDs, so calendar apps update instead of duplicating.
    let again = app
        .get("/api/v1/products/CAPS-INTENSO/plan.ics?interval=4w&quantity=2")
        .await;
    assert_eq!(events(&parse_ics(&again)), list);
    // Without a query: the product's default (every 4 weeks, one pack); `once`: nothing.
    let default = app.get("/api/v1/products/CAPS-INTENSO/plan.ics").await;
    assert_eq!(events(&parse_ics(&default)).len(), 13);
    let once = app
        .get("/api/v1/products/CAPS-INTENSO/plan.ics?interval=once")
        .await;
    assert!(events(&parse_ics(&once)).is_empty());
}

#[tokio::test]
async fn the_machines_plan_follows_the_owners_due_dates() {
    let app = TestApp::new();
    let anonymous = events(&parse_ics(
        &app.get("/api/v1/products/BARISTA-ONE/plan.ics").await,
    ));
    assert_eq!(anonymous[0].0, day(60));
    assert_eq!(anonymous[0].1, "Water filter change: Barista One");
    assert_eq!(anonymous[1].0, day(90));
    assert_eq!(anonymous[1].1, "Descale: Barista One");

    let reply = app
        .get_as(
            "/api/v1/products/BARISTA-ONE/plan.ics",
            &app.token("cust_grace"),
        )
        .await;
    assert_eq!(reply.header("cache-control"), Some("private, no-store"));
    let grace = events(&parse_ics(&reply));
    let dates = |name: &str| -> Vec<String> {
        grace
            .iter()
            .filter(|e| e.1.starts_with(name))
            .map(|e| e.0.clone())
            .collect()
    };
    assert_eq!(dates("Descale"), [day(45), day(135), day(225), day(315)]);
    assert_eq!(dates("Water filter")[..2], [day(15), day(75)]);
    let text = reply.text();
    assert!(text.contains("DESCRIPTION:Cost: €6.45"), "{text}");
}

#[tokio::test]
async fn the_feed_url_works_without_headers_and_cannot_be_guessed() {
    let app = TestApp::new();
    let feed = app
        .get_as("/api/v1/me/calendar", &app.token("cust_ada"))
        .await;
    assert_eq!(feed.status, StatusCode::OK);
    assert_eq!(feed.header("cache-control"), Some("private, no-store"));
    let url = feed.json()["feed_url"].as_str().unwrap().to_owned();
    let path = url
        .strip_prefix(API_URL)
        .expect("absolute, on the API's public URL");
    assert!(
        path.starts_with("/api/v1/calendar/") && path.ends_with(".ics"),
        "{url}"
    );
    assert!(!url.contains("cust_ada"));
    // Stable: asking again gives the same URL; Grace gets another.
    let again = app
        .get_as("/api/v1/me/calendar", &app.token("cust_ada"))
        .await
        .json();
    assert_eq!(again["feed_url"], url.as_str());
    let grace = app
        .get_as("/api/v1/me/calendar", &app.token("cust_grace"))
        .await
        .json();
    assert_ne!(grace["feed_url"], url.as_str());
    app.get("/api/v1/me/calendar")
        .await
        .problem(StatusCode::UNAUTHORIZED);

    // No Authorization header: the id in the URL is the credential.
    let calendar = parse_ics(&app.get(path).await);
    let list = events(&calendar);
    let on = |date: String| {
        list.iter()
            .filter(|e| e.0 == date)
            .map(|e| e.1.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        on("2026-04-02".into()),
        ["Delivery: 2 × Espresso Intenso capsules"]
    );
    assert_eq!(on(day(20)), ["Water filter change: Barista One"]);
    assert_eq!(on(day(60)), ["Descale: Barista One"]);
    assert!(list.windows(2).all(|w| w[0].0 <= w[1].0), "by date");

    // One changed digit, a malformed id, no suffix, another secret: all plain 404s.
    let id = &path["/api/v1/calendar/".len()..path.len() - 4];
    let flipped = format!(
        "{}{}",
        if id.starts_with('0') { '1' } else { '0' },
        &id[1..]
    );
    for bad in [
        format!("/api/v1/calendar/{flipped}.ics"),
        "/api/v1/calendar/cust_ada.ics".to_owned(),
        format!("/api/v1/calendar/{id}"),
        format!("/api/v1/calendar/{}.ics", id.to_uppercase()),
    ] {
        app.get(&bad).await.problem(StatusCode::NOT_FOUND);
    }
    let mut rotated = app.state.clone();
    rotated.keys = Arc::new(JwtKeys::new(b"a-rotated-secret-a-rotated-secret"));
    let request = Request::get(path).body(Body::empty()).unwrap();
    send(cadence_server::app(rotated), request)
        .await
        .problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_openapi_document_describes_the_plan() {
    let doc = TestApp::new().get("/api/v1/openapi.json").await.json();
    for path in [
        "/api/v1/products/{sku}/plan.ics",
        "/api/v1/me/calendar",
        "/api/v1/calendar/{feed}",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
    }
    let schemas = &doc["components"]["schemas"];
    for name in [
        "UsageQuestion",
        "Routine",
        "CommunityChoice",
        "Ownership",
        "OwnedRoutine",
        "PlanEvent",
        "PlanEventKind",
        "RoutinePlan",
        "CadenceAdvice",
        "CalendarFeed",
    ] {
        assert!(schemas[name].is_object(), "{name}");
    }
    let product = &schemas["Product"]["properties"];
    for field in ["usage", "routines", "community", "ownership"] {
        assert!(product[field].is_object(), "{field}");
    }
    let params = doc["paths"]["/api/v1/products/{sku}/plan.ics"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let names: Vec<_> = params.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["sku", "interval", "quantity"]);
}

#[tokio::test]
async fn every_demo_guide_url_is_a_page_on_the_demo_shop() {
    let app = TestApp::new();
    let product = app.get("/api/v1/products/BARISTA-ONE").await.json();
    for routine in product["routines"].as_array().unwrap() {
        let url = routine["guide_url"].as_str().unwrap();
        let request = Request::get(url).body(Body::empty()).unwrap();
        let page = send(app.shop(), request).await;
        assert_eq!(page.status, StatusCode::OK, "{url}");
        assert!(page.text().contains("<ol>"), "{url}");
    }
    let missing = Request::get("/guides/nope").body(Body::empty()).unwrap();
    assert_eq!(
        send(app.shop(), missing).await.status,
        StatusCode::NOT_FOUND
    );
}
