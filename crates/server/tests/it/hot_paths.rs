//! The hot paths of issue 21, on a real database file: the indexes `/me` and swap options
//! use, the precomputed community signal, the OpenAPI document built once, the cap on
//! subscriptions per customer, ship now once a day, and the demo `/merchant` page's cache.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use cadence_contract::{Interval, COMMUNITY_MIN_OWNERS};
use cadence_server::clock::Clock;
use cadence_server::db::sql::ToValue;
use cadence_server::db::{extras, plan, products};
use cadence_server::db::{Connection, Dialect};
use cadence_server::generate::{generate, Params};
use cadence_server::limits::Limits;
use cadence_server::openapi::{openapi_bytes, ApiDoc};
use cadence_server::recommend::cooccurrence::refresh_db;
use cadence_server::storefront::cache::TtlCache;
use cadence_server::storefront::{shop_app_with, MerchantAccess, ShopState};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use utoipa::OpenApi;

/// SQLite's plan of `sql`, one line per step (`EXPLAIN QUERY PLAN`'s `detail` column).
fn plan_of(conn: &Connection, sql: &str, params: &[&dyn ToValue]) -> Vec<String> {
    assert_eq!(conn.dialect(), Dialect::Sqlite, "SQLite's query plans");
    conn.query_all(&format!("EXPLAIN QUERY PLAN {sql}"), params, |r| {
        r.get::<_, String>(3)
    })
    .unwrap()
}

#[test]
fn the_per_subscription_queries_of_me_search_indexes_and_never_scan() {
    let app = TestApp::sqlite();
    let conn = app.state.db.conn().unwrap();
    let swap = plan_of(
        &conn,
        products::SWAP_OPTIONS_SQL,
        &[&"CAPS-INTENSO", &4, &"week"],
    );
    assert!(
        swap.iter()
            .any(|s| s.contains("USING INDEX products_by_swap_group (swap_group=?)")),
        "{swap:?}"
    );
    // Neither a catalog scan nor a sort: the index hands the group over by name.
    assert!(
        !swap
            .iter()
            .any(|s| s.starts_with("SCAN") || s.contains("TEMP B-TREE")),
        "{swap:?}"
    );
    for (sql, params) in [
        (products::INTERVALS_SQL, vec!["CAPS-INTENSO"]),
        (extras::ON_SQL, vec![ADA_SUB, "2026-04-02"]),
        (plan::COMMUNITY_SQL, vec!["CAPS-INTENSO"]),
    ] {
        let params: Vec<&dyn ToValue> = params.iter().map(|p| p as &dyn ToValue).collect();
        let steps = plan_of(&conn, sql, &params);
        assert!(
            steps.iter().all(|s| s.starts_with("SEARCH")),
            "{sql}: {steps:?}"
        );
    }
}

/// The swap options, found through the index, are what they were: per product and
/// interval, so two subscriptions to one product at different intervals differ.
#[tokio::test]
async fn me_shows_each_subscription_its_own_choices() {
    let app = TestApp::new();
    // Lungo stops offering 2 weeks: Intenso every 2 weeks can no longer swap to it.
    app.state
        .db
        .conn()
        .unwrap()
        .execute(
            "DELETE FROM product_intervals WHERE sku = 'CAPS-LUNGO' AND count = 2",
            [],
        )
        .unwrap();
    let reply = app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let me = app
        .get_as("/api/v1/me", &app.token("cust_ada"))
        .await
        .json();
    let subs = me["subscriptions"].as_array().unwrap();
    let of = |interval: u64| {
        subs.iter()
            .find(|s| s["sku"] == "CAPS-INTENSO" && s["interval"]["count"] == interval)
            .unwrap_or_else(|| panic!("no Intenso every {interval} weeks: {me}"))
    };
    let skus = |s: &Value| -> Vec<String> {
        s["swap_options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["sku"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(skus(of(4)), ["CAPS-LUNGO"]);
    assert!(skus(of(2)).is_empty(), "{}", of(2));
    assert_eq!(of(2)["allowed_intervals"], of(4)["allowed_intervals"]);
}

/// The community signal as `db::plan::community` computed it per request before it was
/// precomputed (two aggregates for one product), kept here as the reference.
fn community_per_request(conn: &Connection, sku: &str, allowed: &[Interval]) -> Option<Value> {
    const FROM: &str = "FROM subscriptions s
         WHERE s.sku = ?1 AND s.status = 'active'
           AND EXISTS (SELECT 1 FROM owned_products o
                       JOIN compatibility c ON c.model_sku = o.sku AND c.fits_sku = ?1
                       WHERE o.customer_id = s.customer_id)";
    let owners: u32 = conn
        .query_row(
            &format!("SELECT count(DISTINCT s.customer_id) {FROM}"),
            [sku],
            |r| r.get(0),
        )
        .unwrap();
    if owners < COMMUNITY_MIN_OWNERS {
        return None;
    }
    let mut stmt = conn
        .prepare(&format!(
            "SELECT s.interval_count, s.interval_unit, count(DISTINCT s.customer_id)
             {FROM} GROUP BY s.interval_count, s.interval_unit"
        ))
        .unwrap();
    let rows = stmt
        .query_map([sku], |r| {
            Ok((
                r.get::<_, u16>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
            ))
        })
        .unwrap();
    let mut best: Option<(Interval, u32)> = None;
    for row in rows {
        let (count, unit, n) = row.unwrap();
        let unit = products::unit_from_sql(&unit).unwrap();
        let interval = Interval { count, unit };
        let better = match best {
            None => true,
            Some((b, m)) => n > m || (n == m && interval.approx_days() < b.approx_days()),
        };
        if better {
            best = Some((interval, n));
        }
    }
    best.filter(|(i, _)| allowed.contains(i)).map(|(i, n)| {
        serde_json::json!({
            "interval": i,
            "share_percent": ((n * 200 + owners) / (owners * 2)).min(100),
            "owners": owners,
        })
    })
}

/// Every product's precomputed signal equals the per-request computation it replaced, on a
/// generated shop, and stays as it was until the background rebuild runs.
#[tokio::test]
async fn the_precomputed_community_signal_equals_the_per_request_one() {
    let app = TestApp::unseeded();
    let today = Clock::Fixed(TODAY_SECS).today();
    generate(&app.state.db, &Params::at_scale(10, 21), today).unwrap();
    let conn = app.state.db.conn().unwrap();
    let compare = |conn: &Connection| -> (usize, usize) {
        let skus: Vec<String> = conn
            .prepare("SELECT sku FROM products ORDER BY sku")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let (mut shown, mut differ) = (0, 0);
        for sku in &skus {
            let product = plan::product_for(conn, sku, None, today, Default::default())
                .unwrap()
                .unwrap();
            let allowed = product
                .subscription
                .as_ref()
                .map_or(Vec::new(), |o| o.intervals.clone());
            let expected = match product.subscription {
                Some(_) => community_per_request(conn, sku, &allowed),
                None => None,
            };
            let got = product.community.map(|c| serde_json::to_value(c).unwrap());
            shown += usize::from(got.is_some());
            differ += usize::from(got != expected);
        }
        (shown, differ)
    };
    // `generate` ends with the rebuild, as seeding does.
    let (shown, differ) = compare(&conn);
    assert!(
        shown >= 3,
        "too few products with a signal to compare: {shown}"
    );
    assert_eq!(differ, 0);

    // Owners change their minds: the pages keep the last rebuild's figures until the next.
    let busiest: String = conn
        .query_row(
            "SELECT sku FROM community_choices ORDER BY owners DESC, sku LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let before = app.get(&format!("/api/v1/products/{busiest}")).await.json()["community"].clone();
    assert!(before.is_object());
    conn.execute(
        "UPDATE subscriptions SET status = 'cancelled' WHERE sku = ?1 AND status = 'active'",
        [&busiest],
    )
    .unwrap();
    let stale = app.get(&format!("/api/v1/products/{busiest}")).await.json()["community"].clone();
    assert_eq!(
        stale, before,
        "read from the table, not counted per request"
    );
    let (_, differ) = compare(&conn);
    assert_eq!(differ, 1, "only the changed product is behind");
    refresh_db(&app.state.db).await.unwrap();
    assert_eq!(compare(&conn).1, 0);
    let after = app.get(&format!("/api/v1/products/{busiest}")).await.json();
    assert!(after.get("community").is_none(), "{after}");
}

/// An interval the merchant withdraws stops being shown at once, without a rebuild: the
/// offer is checked when the row is read.
#[tokio::test]
async fn a_withdrawn_interval_is_never_shown_as_the_community_choice() {
    let app = TestApp::new();
    let community =
        || async { app.get("/api/v1/products/CAPS-INTENSO").await.json()["community"].clone() };
    assert_eq!(community().await["interval"]["count"], 4);
    app.state
        .db
        .conn()
        .unwrap()
        .execute(
            "DELETE FROM product_intervals WHERE sku = 'CAPS-INTENSO' AND count = 4",
            [],
        )
        .unwrap();
    assert_eq!(community().await, Value::Null);
    // The rebuild keeps the owners' choice; the catalog still decides whether it shows.
    refresh_db(&app.state.db).await.unwrap();
    assert_eq!(community().await, Value::Null);
    let stored: (u16, String) = app
        .state
        .db
        .conn()
        .unwrap()
        .query_row(
            "SELECT interval_count, interval_unit FROM community_choices WHERE sku = 'CAPS-INTENSO'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(stored, (4, "week".to_owned()));
}

#[tokio::test]
async fn the_openapi_document_is_built_once_and_served_as_json() {
    let app = TestApp::new();
    let first = app.get("/api/v1/openapi.json").await;
    let second = app.get("/api/v1/openapi.json").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.header("content-type"), Some("application/json"));
    assert_eq!(first.body, second.body);
    assert!(std::ptr::eq(openapi_bytes(), openapi_bytes()), "one copy");
    assert_eq!(
        first.json(),
        serde_json::to_value(ApiDoc::openapi()).unwrap(),
        "the same document utoipa generates"
    );
    let path = &first.json()["paths"]["/api/v1/me/subscriptions"]["post"]["responses"];
    assert!(
        path["409"].is_object(),
        "the cap's 409 is documented: {path}"
    );
}

/// Ada's subscriptions that are not cancelled.
fn held(app: &TestApp) -> u32 {
    app.state
        .db
        .conn()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM subscriptions WHERE customer_id = 'cust_ada' AND status <> 'cancelled'",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

fn with_cap(app: &mut TestApp, cap: u32) {
    app.state.limits = Arc::new(Limits {
        max_subscriptions_per_customer: cap,
        ..Limits::default()
    });
}

/// Everything a refused subscribe must leave alone.
fn written(app: &TestApp) -> [i64; 4] {
    [
        app.count("subscriptions"),
        app.count("subscription_changes"),
        app.count("idempotency_keys"),
        app.count("orders"),
    ]
}

#[tokio::test]
async fn a_customer_holds_at_most_the_cap_of_subscriptions() {
    let mut app = TestApp::new();
    let cap = held(&app) + 1;
    with_cap(&mut app, cap);
    let first = app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());

    let before = written(&app);
    let refused = app.subscribe(KEY_2, INTENSO_EVERY_2_WEEKS).await;
    let problem = refused.problem(StatusCode::CONFLICT);
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("{cap} subscriptions")),
        "names the limit: {detail}"
    );
    assert_eq!(written(&app), before, "nothing written");

    // The first request, retried, still replays its answer.
    let replay = app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS).await;
    assert_eq!(replay.status, StatusCode::CREATED);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.body, first.body);

    // Cancelled subscriptions do not count: cancel one, and there is room again.
    let id = first.json()["id"].as_str().unwrap().to_owned();
    let cancel = app.change(&id, r#"{"action":"cancel"}"#).await;
    assert_eq!(cancel.status, StatusCode::OK, "{}", cancel.text());
    let again = app.subscribe(KEY_2, INTENSO_EVERY_2_WEEKS).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text());

    // Reactivating the cancelled one would go over the cap: refused, nothing written.
    let (sub, audit) = app.state_of(&id).await;
    let reactivate = app.change(&id, r#"{"action":"reactivate"}"#).await;
    let detail = reactivate.problem(StatusCode::CONFLICT)["detail"].clone();
    assert!(
        detail.as_str().unwrap().contains("subscriptions"),
        "{detail}"
    );
    assert_eq!(app.state_of(&id).await, (sub, audit));
    assert_eq!(held(&app), cap);
}

#[tokio::test]
async fn concurrent_subscribes_cannot_both_pass_the_cap() {
    let mut app = TestApp::new();
    let cap = held(&app) + 1;
    with_cap(&mut app, cap);
    let (a, b) = tokio::join!(
        app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS),
        app.subscribe(KEY_2, INTENSO_EVERY_2_WEEKS)
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT]);
    assert_eq!(held(&app), cap);
}

#[tokio::test]
async fn ship_now_ships_at_most_once_a_day_per_subscription() {
    let mut app = TestApp::new();
    let orders = app.count("orders");
    let (_, etag) = app.subscription(ADA_SUB).await;
    let first_key = fresh_key();
    let first = app
        .change_with(ADA_SUB, Some(&etag), &first_key, r#"{"action":"ship_now"}"#)
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    assert_eq!(app.count("orders"), orders + 1);

    // Pressed again with a new key and the new ETag: refused, nothing written.
    let new_etag = first.header("etag").unwrap().to_owned();
    let state = app.state_of(ADA_SUB).await;
    let before = written(&app);
    let again = app
        .change_with(
            ADA_SUB,
            Some(&new_etag),
            &fresh_key(),
            r#"{"action":"ship_now"}"#,
        )
        .await;
    let detail = again.problem(StatusCode::CONFLICT)["detail"].clone();
    assert!(detail.as_str().unwrap().contains("today"), "{detail}");
    assert_eq!(
        written(&app),
        before,
        "no order, audit row or stored answer"
    );
    assert_eq!(app.state_of(ADA_SUB).await, state);

    // The first press, retried, replays its answer.
    let replay = app
        .change_with(ADA_SUB, Some(&etag), &first_key, r#"{"action":"ship_now"}"#)
        .await;
    assert_eq!(replay.status, StatusCode::OK);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.body, first.body);

    // Other changes go on, and the next day ship now works again.
    let skip_target = app.subscription(ADA_SUB).await.0["upcoming"][0]["date"].clone();
    let skip = app
        .change(
            ADA_SUB,
            &format!(r#"{{"action":"skip","date":{skip_target}}}"#),
        )
        .await;
    assert_eq!(skip.status, StatusCode::OK, "{}", skip.text());
    let next_day = Clock::Fixed(TODAY_SECS + 86_400);
    app.state.clock = next_day;
    let token = app.state.keys.mint("cust_ada", 3600, next_day);
    let current = app
        .get_as(&format!("/api/v1/me/subscriptions/{ADA_SUB}"), &token)
        .await;
    let etag = current.header("etag").unwrap();
    let tomorrow = app
        .send(change_request(
            &token,
            ADA_SUB,
            Some(etag),
            &fresh_key(),
            r#"{"action":"ship_now"}"#,
        ))
        .await;
    assert_eq!(tomorrow.status, StatusCode::OK, "{}", tomorrow.text());
    assert_eq!(app.count("orders"), orders + 2);
}

/// The demo shop with its `/merchant` page cache supplied.
fn shop(app: &TestApp, cache: Arc<TtlCache<axum::body::Bytes>>) -> axum::Router {
    shop_app_with(
        ShopState {
            db: app.state.db.clone(),
            keys: app.state.keys.clone(),
            clock: clock(),
            api_url: API_URL.to_owned(),
            merchant: Some(MerchantAccess {
                key: MERCHANT_KEY.to_owned(),
                api: app.router(),
            }),
            inbox: cadence_server::storefront::inbox::Inbox::new(),
        },
        cache,
    )
}

async fn merchant_page(shop: &axum::Router) -> Reply {
    let reply = send(
        shop.clone(),
        Request::get("/merchant").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.header("cache-control"), Some("private, no-store"));
    reply
}

/// Five cancellations this month: a change the page's figures show.
fn cancel_some(app: &TestApp) {
    let conn = app.state.db.conn().unwrap();
    for n in 0..5 {
        conn.execute(
            "INSERT INTO subscription_changes (subscription_id, actor, action, after_json, at)
             VALUES (?1, 'customer', 'cancel', '{}', ?2)",
            cadence_server::params![ADA_SUB, format!("2026-03-1{n}T09:00:00Z")],
        )
        .unwrap();
    }
}

#[tokio::test]
async fn the_merchant_page_is_computed_once_per_window() {
    let app = TestApp::new();
    let cache = Arc::new(TtlCache::new(Duration::from_secs(30)));
    let cached = shop(&app, cache.clone());
    let first = merchant_page(&cached).await;
    cancel_some(&app);
    let second = merchant_page(&cached).await;
    assert_eq!(
        second.body, first.body,
        "within the window: the same figures"
    );
    assert_eq!(cache.computations(), 1);

    // Once the window has passed (here: a cache whose window is zero) the figures are
    // fresh, and they differ: the cached page really was the old one.
    let expired = Arc::new(TtlCache::new(Duration::ZERO));
    let fresh = merchant_page(&shop(&app, expired.clone())).await;
    assert_ne!(fresh.body, first.body);
    assert_eq!(
        fresh.body,
        merchant_page(&shop(&app, expired.clone())).await.body
    );
    assert_eq!(expired.computations(), 2);
}

#[tokio::test]
async fn sixteen_concurrent_merchant_pages_cost_one_computation() {
    let app = TestApp::new();
    let cache = Arc::new(TtlCache::new(Duration::from_secs(30)));
    let shop = shop(&app, cache.clone());
    let pages: Vec<_> = (0..16)
        .map(|_| {
            let shop = shop.clone();
            tokio::spawn(async move { merchant_page(&shop).await.body })
        })
        .collect();
    let mut bodies = Vec::new();
    for page in pages {
        bodies.push(page.await.unwrap());
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(cache.computations(), 1);
}
