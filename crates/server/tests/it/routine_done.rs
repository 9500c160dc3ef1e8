//! Maintenance marked done: `POST /api/v1/me/routines/{routine_id}/done` (the shopper) and
//! `POST /api/v1/admin/customers/{id}/routines/{routine_id}/done` (the merchant). The
//! routine re-plans from that day on the account, the product page and the calendar feed;
//! `routine.task_done` is enqueued once per idempotency key; bad input changes nothing.
//!
//! Today is 2026-03-15. Ada bought her Barista One 400 days ago (2025-02-08) and descaled
//! 300 days ago (2025-05-19): descaling (every 90 days) is next due 2026-05-14, the water
//! filter (every 60 days, never logged) 2026-04-04.

use crate::common::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

fn done_request(
    uri: &str,
    bearer: &str,
    key: Option<&str>,
    content_type: Option<&str>,
    body: &str,
) -> Request<Body> {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {bearer}"));
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    if let Some(ct) = content_type {
        request = request.header(header::CONTENT_TYPE, ct);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

/// Ada's routines as `GET /me` lists them.
async fn routines(app: &TestApp) -> Vec<Value> {
    let reply = app.get_as("/api/v1/me", &app.token("cust_ada")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()["routines"].as_array().unwrap().clone()
}

/// The id of Ada's routine called `name`.
async fn routine_id(app: &TestApp, name: &str) -> String {
    routines(app)
        .await
        .iter()
        .find(|r| r["name"] == name)
        .unwrap()["routine_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Ada marks `routine` done with `body` (JSON when not empty) under `key`.
async fn mark_done(app: &TestApp, routine: &str, key: &str, body: &str) -> Reply {
    let content_type = (!body.is_empty()).then_some("application/json");
    app.send(done_request(
        &format!("/api/v1/me/routines/{routine}/done"),
        &app.token("cust_ada"),
        Some(key),
        content_type,
        body,
    ))
    .await
}

/// The `routine.task_done` events in the outbox, oldest first (their payloads).
fn task_done_events(app: &TestApp) -> Vec<Value> {
    let conn = app.state.db.conn().unwrap();
    conn.query_all(
        "SELECT payload FROM outbox_events WHERE type = 'routine.task_done' ORDER BY position",
        [],
        |r| r.get::<_, String>(0),
    )
    .unwrap()
    .iter()
    .map(|p| serde_json::from_str(p).unwrap())
    .collect()
}

/// Ada's calendar feed, as a calendar app fetches it.
async fn calendar(app: &TestApp) -> String {
    let reply = app
        .get_as("/api/v1/me/calendar", &app.token("cust_ada"))
        .await;
    let url = reply.json()["feed_url"].as_str().unwrap().to_owned();
    let path = url.strip_prefix(API_URL).unwrap().to_owned();
    let feed = app.get(&path).await;
    assert_eq!(feed.status, StatusCode::OK);
    feed.text()
}

/// The dates of the calendar's events whose summary starts with `summary`.
fn dates_of(ics: &str, summary: &str) -> Vec<String> {
    let mut dates = Vec::new();
    for event in ics.split("BEGIN:VEVENT").skip(1) {
        let unfolded = event.replace("\r\n ", "");
        if unfolded
            .lines()
            .any(|l| l.starts_with(&format!("SUMMARY:{summary}")))
        {
            let date = unfolded
                .lines()
                .find_map(|l| l.strip_prefix("DTSTART;VALUE=DATE:"))
                .unwrap();
            dates.push(date.trim().to_owned());
        }
    }
    dates
}

/// What "nothing changed" compares: the log, the outbox and the stored keys.
fn written(app: &TestApp) -> (i64, i64, i64) {
    (
        app.count("maintenance_log"),
        app.count("outbox_events"),
        app.count("idempotency_keys"),
    )
}

#[tokio::test]
async fn the_account_lists_the_maintenance_of_owned_machines_soonest_first() {
    let app = TestApp::new();
    let list = routines(&app).await;
    let summary: Vec<(&str, &str, Option<&str>, u64)> = list
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap(),
                r["next_due"].as_str().unwrap(),
                r["last_done"].as_str(),
                r["every_days"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("Water filter change", "2026-04-04", None, 60),
            ("Descale", "2026-05-14", Some("2025-05-19"), 90),
        ]
    );
    assert_eq!(list[1]["model_sku"], "BARISTA-ONE");
    assert_eq!(list[1]["model_name"], "Barista One");
    assert_eq!(list[1]["guide_url"], "/guides/descaling");
    // A customer who owns no machine has no `routines` at all.
    let conn = app.state.db.conn().unwrap();
    conn.execute(
        "INSERT INTO customers (id, name, email) VALUES ('cust_new', 'New', 'new@example.com')",
        [],
    )
    .unwrap();
    let me = app
        .get_as("/api/v1/me", &app.token("cust_new"))
        .await
        .json();
    assert!(me.get("routines").is_none(), "{me}");
}

#[tokio::test]
async fn marking_a_task_done_replans_it_everywhere_and_moves_the_calendar() {
    let app = TestApp::new();
    let descale = routine_id(&app, "Descale").await;
    assert_eq!(dates_of(&calendar(&app).await, "Descale")[0], "20260514");

    // No body: done today.
    let reply = mark_done(&app, &descale, KEY_1, "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.header("cache-control"), Some("private, no-store"));
    let task = reply.json();
    assert_eq!(task["routine_id"], descale.as_str());
    assert_eq!(task["last_done"], "2026-03-15");
    assert_eq!(task["next_due"], "2026-06-13", "90 days after today");

    // The account, the product page's plan and the calendar feed agree.
    let list = routines(&app).await;
    assert_eq!(
        list[0]["name"], "Water filter change",
        "still the sooner one"
    );
    assert_eq!(list[1]["next_due"], "2026-06-13");
    let product = app
        .get_as("/api/v1/products/BARISTA-ONE", &app.token("cust_ada"))
        .await
        .json();
    let owned = product["ownership"]["routines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["routine"]["name"] == "Descale")
        .unwrap()
        .clone();
    assert_eq!(
        (owned["last_done"].clone(), owned["next_due"].clone()),
        (json!("2026-03-15"), json!("2026-06-13"))
    );
    let dates = dates_of(&calendar(&app).await, "Descale");
    assert_eq!(dates[0], "20260613", "{dates:?}");
    assert!(!dates.contains(&"20260514".to_owned()), "{dates:?}");

    // A day in the past re-plans from that day.
    let filter = routine_id(&app, "Water filter change").await;
    let reply = mark_done(&app, &filter, KEY_2, r#"{"done_on":"2026-03-10"}"#).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["next_due"], "2026-05-09");
    assert_eq!(
        dates_of(&calendar(&app).await, "Water filter change")[0],
        "20260509"
    );
    // Logging an older day than the latest moves nothing: the latest one counts.
    let reply = mark_done(&app, &filter, &fresh_key(), r#"{"done_on":"2026-03-01"}"#).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["last_done"], "2026-03-10");
    assert_eq!(reply.json()["next_due"], "2026-05-09");
}

#[tokio::test]
async fn one_idempotency_key_records_once_and_enqueues_one_event() {
    let app = TestApp::new();
    let descale = routine_id(&app, "Descale").await;
    let before = written(&app);
    let first = mark_done(&app, &descale, KEY_1, r#"{"done_on":"2026-03-14"}"#).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    assert_eq!(first.header("idempotent-replayed"), None);
    let retry = mark_done(&app, &descale, KEY_1, r#"{ "done_on": "2026-03-14" }"#).await;
    assert_eq!(retry.status, StatusCode::OK);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.body, first.body);
    assert_eq!(
        written(&app),
        (before.0 + 1, before.1 + 1, before.2 + 1),
        "one log entry, one event, one stored answer"
    );
    // The same key for another request is refused, and writes nothing.
    let reused = mark_done(&app, &descale, KEY_1, r#"{"done_on":"2026-03-13"}"#).await;
    reused.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(written(&app), (before.0 + 1, before.1 + 1, before.2 + 1));

    let events = task_done_events(&app);
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event["type"], "routine.task_done");
    assert!(event["id"].as_str().unwrap().starts_with("evt_"));
    assert_eq!(event["sequence"], 1, "the customer's stream");
    let data = &event["data"];
    assert_eq!(data["customer_id"], "cust_ada");
    assert_eq!(data["done_on"], "2026-03-14");
    assert_eq!(data["actor"], "customer");
    assert_eq!(data["task"]["routine_id"], descale.as_str());
    assert_eq!(data["task"]["model_sku"], "BARISTA-ONE");
    assert_eq!(data["task"]["next_due"], "2026-06-12");
    let stream: String = app
        .state
        .db
        .conn()
        .unwrap()
        .query_row(
            "SELECT stream FROM outbox_events WHERE type = 'routine.task_done'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stream, "customer:cust_ada");

    // Another key is another time it was done: a second event, next in the stream.
    let again = mark_done(&app, &descale, &fresh_key(), "").await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    let events = task_done_events(&app);
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["sequence"], 2);
}

#[tokio::test]
async fn bad_input_is_a_problem_and_changes_nothing() {
    let app = TestApp::new();
    let descale = routine_id(&app, "Descale").await;
    let ada = app.token("cust_ada");
    let path = format!("/api/v1/me/routines/{descale}/done");
    let before = written(&app);
    let json = Some("application/json");
    let key = KEY_1;
    let cases: Vec<(Request<Body>, StatusCode, Option<&str>)> = vec![
        // In the future, before the purchase (2025-02-08), not a date.
        (
            done_request(&path, &ada, Some(key), json, r#"{"done_on":"2026-03-16"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("/done_on"),
        ),
        (
            done_request(&path, &ada, Some(key), json, r#"{"done_on":"2025-02-07"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("/done_on"),
        ),
        (
            done_request(&path, &ada, Some(key), json, r#"{"done_on":"last week"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("/done_on"),
        ),
        (
            done_request(&path, &ada, Some(key), json, r#"{"done_on":"2026-02-30"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("/done_on"),
        ),
        // Another field, another shape, not JSON, not declared JSON.
        (
            done_request(&path, &ada, Some(key), json, r#"{"when":"2026-03-01"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        ),
        (
            done_request(&path, &ada, Some(key), json, r#"["2026-03-01"]"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        ),
        (
            done_request(&path, &ada, Some(key), json, "{"),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            done_request(&path, &ada, Some(key), Some("text/plain"), "{}"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
        ),
        // No key, a key that is not a UUID, no token.
        (
            done_request(&path, &ada, None, None, ""),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            done_request(&path, &ada, Some("again"), None, ""),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            Request::post(&path)
                .header("idempotency-key", key)
                .body(Body::empty())
                .unwrap(),
            StatusCode::UNAUTHORIZED,
            None,
        ),
        // A routine of no machine Ada owns, or no routine at all.
        (
            done_request("/api/v1/me/routines/999999/done", &ada, Some(key), None, ""),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            done_request("/api/v1/me/routines/+1/done", &ada, Some(key), None, ""),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            done_request(
                "/api/v1/me/routines/descale/done",
                &ada,
                Some(key),
                None,
                "",
            ),
            StatusCode::NOT_FOUND,
            None,
        ),
    ];
    for (request, status, pointer) in cases {
        let described = format!("{} {}", request.method(), request.uri());
        let reply = app.send(request).await;
        assert_eq!(reply.status, status, "{described}: {}", reply.text());
        let problem = reply.problem(status);
        if let Some(pointer) = pointer {
            assert_eq!(problem["errors"][0]["pointer"], pointer, "{described}");
        }
        assert!(!reply.text().contains("last week"), "never echoed");
        assert_eq!(written(&app), before, "{described} changed something");
    }
    // Grace owns a Barista One too, but not Ada's log: her own routine ids work for her,
    // a customer without the machine gets a 404 for the same id.
    let conn = app.state.db.conn().unwrap();
    conn.execute(
        "INSERT INTO customers (id, name, email) VALUES ('cust_new', 'New', 'new@example.com')",
        [],
    )
    .unwrap();
    let reply = app
        .send(done_request(
            &path,
            &app.token("cust_new"),
            Some(key),
            None,
            "",
        ))
        .await;
    reply.problem(StatusCode::NOT_FOUND);
    assert_eq!(written(&app), before);
    // After all that, the key is still free: fixing the request works.
    let reply = mark_done(&app, &descale, key, "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

#[tokio::test]
async fn the_merchant_marks_a_customers_task_done_with_the_write_scope() {
    let app = TestApp::new();
    let filter = routine_id(&app, "Water filter change").await;
    let path = format!("/api/v1/admin/customers/cust_ada/routines/{filter}/done");
    let json = Some("application/json");
    let before = written(&app);

    // A key with the read scope only is refused; so are a wrong key and none.
    let created = app
        .send(
            Request::post("/api/v1/admin/keys")
                .header(header::AUTHORIZATION, format!("Bearer {MERCHANT_KEY}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"name":"reports","scopes":["read"]}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let read_only = created.json()["secret"].as_str().unwrap().to_owned();
    let body = r#"{"done_on":"2026-03-01"}"#;
    let refused = app
        .send(done_request(&path, &read_only, Some(KEY_1), json, body))
        .await;
    refused.problem(StatusCode::FORBIDDEN);
    let refused = app
        .send(done_request(&path, "not-a-key", Some(KEY_1), json, body))
        .await;
    refused.problem(StatusCode::UNAUTHORIZED);
    // A customer token is no admin key.
    let refused = app
        .send(done_request(
            &path,
            &app.token("cust_ada"),
            Some(KEY_1),
            json,
            body,
        ))
        .await;
    refused.problem(StatusCode::UNAUTHORIZED);
    // No such customer; the customer's own rules (not in the future).
    let unknown = app
        .send(done_request(
            &format!("/api/v1/admin/customers/cust_nobody/routines/{filter}/done"),
            MERCHANT_KEY,
            Some(KEY_1),
            json,
            body,
        ))
        .await;
    unknown.problem(StatusCode::NOT_FOUND);
    let future = app
        .send(done_request(
            &path,
            MERCHANT_KEY,
            Some(KEY_1),
            json,
            r#"{"done_on":"2027-01-01"}"#,
        ))
        .await;
    assert_eq!(
        future.problem(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["pointer"],
        "/done_on"
    );
    assert_eq!(written(&app), before, "nothing but the new API key");

    let reply = app
        .send(done_request(&path, MERCHANT_KEY, Some(KEY_1), json, body))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["next_due"], "2026-04-30");
    let retry = app
        .send(done_request(&path, MERCHANT_KEY, Some(KEY_1), json, body))
        .await;
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    let events = task_done_events(&app);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["actor"], "merchant");
    let actor: String = app
        .state
        .db
        .conn()
        .unwrap()
        .query_row(
            "SELECT actor FROM maintenance_log WHERE done_on = '2026-03-01'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(actor, "merchant");
    // The shopper sees it.
    let list = routines(&app).await;
    assert_eq!(list[0]["name"], "Water filter change");
    assert_eq!(list[0]["last_done"], "2026-03-01");
}

#[tokio::test]
async fn the_openapi_document_describes_both_routes() {
    let doc = TestApp::new().get("/api/v1/openapi.json").await.json();
    for (path, scheme) in [
        ("/api/v1/me/routines/{routine_id}/done", "customer_token"),
        (
            "/api/v1/admin/customers/{id}/routines/{routine_id}/done",
            "merchant_key",
        ),
    ] {
        let post = &doc["paths"][path]["post"];
        assert_eq!(post["security"][0][scheme], json!([]), "{path}");
        assert_ne!(
            post["requestBody"]["required"],
            json!(true),
            "{path}: the body is optional"
        );
        // No body, `null` or the object.
        let body = post["requestBody"]["content"]["application/json"]["schema"].to_string();
        assert!(
            body.contains("#/components/schemas/TaskDone") && body.contains("null"),
            "{body}"
        );
        assert_eq!(
            post["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/RoutineTask"
        );
        for status in ["400", "401", "404", "415", "422"] {
            assert!(post["responses"][status].is_object(), "{path} {status}");
        }
    }
    assert!(doc["components"]["schemas"]["TaskDone"].is_object());
}
