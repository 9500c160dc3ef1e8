//! The webhook endpoints' admin API: create (the secret shown once), list, read, change,
//! delete, rotate; which URLs are accepted (https only, no private or link-local
//! addresses, loopback only where the server allows it); and bad input to every webhook
//! route answered with problem+json, writing nothing.

use crate::common::*;
use crate::webhook_harness::{admin, app, create_endpoint};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use cadence_server::limits::Limits;
use cadence_webhooks::{Policy, Secret};
use serde_json::{json, Value};
use std::sync::Arc;

/// Every row of the webhook tables: what "nothing written" compares.
fn webhook_rows(app: &TestApp) -> Vec<String> {
    let conn = app.state.db.conn().unwrap();
    let mut rows = Vec::new();
    for (table, order) in [
        ("webhook_endpoints", "id"),
        ("webhook_deliveries", "id"),
        ("webhook_attempts", "delivery_id, attempt"),
    ] {
        let sql = format!("SELECT * FROM {table} ORDER BY {order}");
        rows.extend(
            conn.query_all(&sql, [], |row| {
                let cells: Vec<String> = (0..row.column_count())
                    .map(|i| format!("{:?}", row.get::<_, cadence_server::db::sql::Value>(i)))
                    .collect();
                Ok(format!("{table}: {}", cells.join(" | ")))
            })
            .unwrap(),
        );
    }
    rows
}

#[tokio::test]
async fn endpoints_are_created_listed_changed_and_deleted() {
    let app = app();
    let reply = admin(
        &app,
        Method::POST,
        "/webhooks/endpoints",
        Some(json!({
            "url": "HTTPS://Hooks.Example.com/cadence/../in",
            "description": "  ERP  ",
            "event_types": ["subscription.updated", "order.created", "subscription.updated"],
        })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let created = reply.json();
    let endpoint = &created["endpoint"];
    let id = endpoint["id"].as_str().unwrap();
    assert_eq!(
        reply.header("location"),
        Some(format!("/api/v1/admin/webhooks/endpoints/{id}").as_str())
    );
    // The secret is a Standard Webhooks secret, shown here only.
    let secret = created["secret"].as_str().unwrap();
    assert!(Secret::parse(secret).is_ok(), "{secret}");
    assert_eq!(endpoint["url"], "https://hooks.example.com/in");
    assert_eq!(endpoint["description"], "ERP");
    assert_eq!(
        endpoint["event_types"],
        json!(["subscription.updated", "order.created"])
    );
    assert_eq!(endpoint["enabled"], true);
    let listed = admin(&app, Method::GET, "/webhooks/endpoints", None).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json()["endpoints"][0], *endpoint);
    assert!(
        !listed.text().contains(secret),
        "the list never shows secrets"
    );
    let got = admin(
        &app,
        Method::GET,
        &format!("/webhooks/endpoints/{id}"),
        None,
    )
    .await;
    assert_eq!(got.json(), *endpoint);
    assert!(!got.text().contains("whsec_"));

    // Every type again (null), disabled, a new URL.
    let path = format!("/webhooks/endpoints/{id}");
    let changed = admin(
        &app,
        Method::PATCH,
        &path,
        Some(json!({"event_types": null, "enabled": false, "url": "https://erp.example.com/h"})),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text());
    let changed = changed.json();
    assert_eq!(changed["event_types"], Value::Null);
    assert_eq!(changed["enabled"], false);
    assert_eq!(changed["url"], "https://erp.example.com/h");
    assert_eq!(changed["description"], "ERP", "fields not sent stay");
    // An empty change changes nothing.
    let same = admin(&app, Method::PATCH, &path, Some(json!({}))).await;
    assert_eq!(same.json(), changed);

    let deleted = admin(&app, Method::DELETE, &path, None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let gone = admin(&app, Method::GET, &path, None).await;
    gone.problem(StatusCode::NOT_FOUND);
    assert_eq!(app.count("webhook_endpoints"), 0);
}

#[tokio::test]
async fn a_rotation_keeps_the_old_secret_for_the_overlap_window() {
    let app = app();
    let (id, first) = create_endpoint(&app, json!({"url": "https://hooks.example.com/"})).await;
    let path = format!("/webhooks/endpoints/{id}/rotate-secret");
    let rotated = admin(&app, Method::POST, &path, Some(json!({}))).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text());
    let rotated = rotated.json();
    let second = rotated["secret"].as_str().unwrap();
    assert_ne!(second, first);
    // Default overlap: 24 h from the server's clock (2026-03-15T00:00:00Z in the tests).
    assert_eq!(
        rotated["endpoint"]["previous_secret_expires_at"],
        "2026-03-16T00:00:00Z"
    );
    let conn = app.state.db.conn().unwrap();
    let (current, previous): (String, String) = conn
        .query_row(
            "SELECT secret, previous_secret FROM webhook_endpoints WHERE id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (current.as_str(), previous.as_str()),
        (second, first.as_str())
    );
    // overlap 0: the old secret goes at once (a leaked secret).
    let now = admin(&app, Method::POST, &path, Some(json!({"overlap_secs": 0}))).await;
    let now = now.json();
    assert!(now["endpoint"].get("previous_secret_expires_at").is_none());
    let previous: Option<String> = conn
        .query_row(
            "SELECT previous_secret FROM webhook_endpoints WHERE id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(previous, None);
}

/// What the URL rules accept under a policy, and what they refuse (with no echo).
async fn url_answer(app: &TestApp, url: &str) -> Reply {
    admin(
        app,
        Method::POST,
        "/webhooks/endpoints",
        Some(json!({ "url": url })),
    )
    .await
}

#[tokio::test]
async fn endpoint_urls_are_https_public_and_loopback_only_where_allowed() {
    // The production default: public https only.
    let strict = TestApp::new();
    assert_eq!(strict.state.limits.webhook_policy, Policy::default());
    for url in ["https://hooks.example.com/x", "https://8.8.8.8/x"] {
        assert_eq!(
            url_answer(&strict, url).await.status,
            StatusCode::CREATED,
            "{url}"
        );
    }
    for url in [
        "http://hooks.example.com/x",
        "ftp://hooks.example.com/x",
        "https://127.0.0.1/x",
        "http://127.0.0.1:9/x",
        "https://localhost/x",
        "https://[::1]/x",
        "https://10.0.0.1/x",
        "https://172.16.5.4/x",
        "https://192.168.1.10/x",
        "https://[fd00::1]/x",
        "https://169.254.169.254/latest/meta-data",
        "https://[fe80::1]/x",
        "https://0.0.0.0/x",
        "https://intranet/x",
        "https://user:pw@hooks.example.com/x",
        "https://hooks.example.com/x#zzfragzz",
        "hooks.example.com/x",
    ] {
        let reply = url_answer(&strict, url).await;
        let problem = reply.problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["pointer"], "/url", "{url}");
        let body = reply.text();
        for echoed in [
            "169.254.169.254",
            "intranet",
            "user:pw",
            "zzfragzz",
            "10.0.0.1",
        ] {
            assert!(!body.contains(echoed), "{url}: {body}");
        }
    }
    assert_eq!(strict.count("webhook_endpoints"), 2);

    // Loopback allowed (the demo, tests): plain http too, but only to loopback.
    let demo = app();
    for url in [
        "http://127.0.0.1:8080/x",
        "http://localhost:8080/x",
        "http://[::1]:8080/x",
        "https://127.0.0.1/x",
    ] {
        assert_eq!(
            url_answer(&demo, url).await.status,
            StatusCode::CREATED,
            "{url}"
        );
    }
    for url in [
        "http://hooks.example.com/x",
        "https://10.0.0.1/x",
        "https://169.254.169.254/",
    ] {
        url_answer(&demo, url)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
    }

    // Private networks where the operator allows them; link-local stays out.
    let mut private = TestApp::new();
    private.state.limits = Arc::new(Limits {
        webhook_policy: Policy {
            allow_private: true,
            ..Policy::default()
        },
        ..Limits::default()
    });
    for url in ["https://10.0.0.1/x", "https://192.168.1.10/x"] {
        assert_eq!(
            url_answer(&private, url).await.status,
            StatusCode::CREATED,
            "{url}"
        );
    }
    for url in [
        "https://169.254.169.254/",
        "https://127.0.0.1/x",
        "http://10.0.0.1/x",
    ] {
        url_answer(&private, url)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
    }
}

/// One bad request and the status it must get.
struct Bad {
    method: Method,
    path: String,
    body: Option<&'static str>,
    content_type: &'static str,
    status: StatusCode,
}

fn bad(method: Method, path: &str, body: Option<&'static str>, status: StatusCode) -> Bad {
    Bad {
        method,
        path: path.to_owned(),
        body,
        content_type: "application/json",
        status,
    }
}

#[tokio::test]
async fn bad_input_to_every_webhook_route_is_a_problem_and_writes_nothing() {
    let app = app();
    let (id, _) = create_endpoint(&app, json!({"url": "http://127.0.0.1:9/x"})).await;
    let (off, _) = create_endpoint(
        &app,
        json!({"url": "http://127.0.0.1:9/y", "enabled": false}),
    )
    .await;
    // One event and one delivery, so the log and replay have something to refuse around.
    app.change(ADA_SUB, r#"{"action":"skip","date":"2026-04-02"}"#)
        .await;
    let before = webhook_rows(&app);
    assert_eq!(app.count("webhook_deliveries"), 1);

    use StatusCode as S;
    let ep = format!("/webhooks/endpoints/{id}");
    let nobody = "/webhooks/endpoints/ep_nobody";
    let long = Box::leak(
        format!(
            r#"{{"url":"https://h.example.com/","description":"{}"}}"#,
            "d".repeat(201)
        )
        .into_boxed_str(),
    );
    let mut cases = vec![
        // Create.
        bad(
            Method::POST,
            "/webhooks/endpoints",
            Some("{"),
            S::BAD_REQUEST,
        ),
        bad(
            Method::POST,
            "/webhooks/endpoints",
            Some("[]"),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::POST,
            "/webhooks/endpoints",
            Some("{}"),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::POST,
            "/webhooks/endpoints",
            Some(r#"{"url":"https://h.example.com/","secret":"whsec_x"}"#),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::POST,
            "/webhooks/endpoints",
            Some(r#"{"url":"http://h.example.com/"}"#),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::POST,
            "/webhooks/endpoints",
            Some(r#"{"url":"https://h.example.com/","event_types":[]}"#),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::POST,
            "/webhooks/endpoints",
            Some(r#"{"url":"https://h.example.com/","event_types":["order.shipped"]}"#),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::POST,
            "/webhooks/endpoints",
            Some(r#"{"url":"https://h.example.com/","event_types":"order.created"}"#),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::POST,
            "/webhooks/endpoints",
            Some(r#"{"url":"https://h.example.com/","enabled":"yes"}"#),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::POST,
            "/webhooks/endpoints",
            Some(long),
            S::UNPROCESSABLE_ENTITY,
        ),
        // Change.
        bad(
            Method::PATCH,
            &ep,
            Some(r#"{"url":"https://10.0.0.1/"}"#),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::PATCH,
            &ep,
            Some(r#"{"event_types":[]}"#),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::PATCH,
            &ep,
            Some(r#"{"event_types":["nope"]}"#),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::PATCH,
            &ep,
            Some(r#"{"id":"ep_other"}"#),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(Method::PATCH, &ep, Some("not json"), S::BAD_REQUEST),
        bad(
            Method::PATCH,
            nobody,
            Some(r#"{"enabled":false}"#),
            S::NOT_FOUND,
        ),
        // Delete, read.
        bad(Method::DELETE, nobody, None, S::NOT_FOUND),
        bad(Method::GET, nobody, None, S::NOT_FOUND),
        // Rotate.
        bad(
            Method::POST,
            &format!("{ep}/rotate-secret"),
            Some(r#"{"overlap_secs":604801}"#),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::POST,
            &format!("{ep}/rotate-secret"),
            Some(r#"{"overlap_secs":-1}"#),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::POST,
            &format!("{ep}/rotate-secret"),
            Some(r#"{"secret":"whsec_mine"}"#),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::POST,
            &format!("{nobody}/rotate-secret"),
            Some("{}"),
            S::NOT_FOUND,
        ),
        // The log.
        bad(
            Method::GET,
            &format!("{ep}/deliveries?limit=0"),
            None,
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::GET,
            &format!("{ep}/deliveries?limit=101"),
            None,
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::GET,
            &format!("{ep}/deliveries?limit=ten"),
            None,
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::GET,
            &format!("{ep}/deliveries?state=lost"),
            None,
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::GET,
            &format!("{ep}/deliveries?before=dlv_nobody"),
            None,
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::GET,
            &format!("{ep}/deliveries?page=2"),
            None,
            S::BAD_REQUEST,
        ),
        bad(
            Method::GET,
            &format!("{nobody}/deliveries"),
            None,
            S::NOT_FOUND,
        ),
        // Replay.
        bad(
            Method::POST,
            &format!("{ep}/replay"),
            Some("{}"),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::POST,
            &format!("{ep}/replay"),
            Some(r#"{"event_id":"evt_nobody"}"#),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::POST,
            &format!("{ep}/replay"),
            Some(
                r#"{"event_id":"evt_1","since":"2026-01-01T00:00:00Z","until":"2026-02-01T00:00:00Z"}"#,
            ),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::POST,
            &format!("{ep}/replay"),
            Some(r#"{"since":"2026-01-01"}"#),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::POST,
            &format!("{ep}/replay"),
            Some(r#"{"since":"2026-02-01T00:00:00Z","until":"2026-01-01T00:00:00Z"}"#),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::POST,
            &format!("{ep}/replay"),
            Some(r#"{"since":"yesterday","until":"2026-01-01T00:00:00Z"}"#),
            S::UNPROCESSABLE_ENTITY,
        ),
        bad(
            Method::POST,
            &format!("/webhooks/endpoints/{off}/replay"),
            Some(r#"{"since":"2026-01-01T00:00:00Z","until":"2027-01-01T00:00:00Z"}"#),
            S::CONFLICT,
        ),
        bad(
            Method::POST,
            &format!("{nobody}/replay"),
            Some(r#"{"since":"2026-01-01T00:00:00Z","until":"2027-01-01T00:00:00Z"}"#),
            S::NOT_FOUND,
        ),
    ];
    // Not JSON at all.
    cases.push(Bad {
        content_type: "text/plain",
        ..bad(
            Method::POST,
            "/webhooks/endpoints",
            Some(r#"{"url":"https://h.example.com/"}"#),
            S::UNSUPPORTED_MEDIA_TYPE,
        )
    });
    for case in &cases {
        let mut request = Request::builder()
            .method(case.method.clone())
            .uri(format!("/api/v1/admin{}", case.path))
            .header(header::AUTHORIZATION, format!("Bearer {MERCHANT_KEY}"));
        if case.body.is_some() {
            request = request.header(header::CONTENT_TYPE, case.content_type);
        }
        let body = case.body.map(Body::from).unwrap_or_else(Body::empty);
        let reply = app.send(request.body(body).unwrap()).await;
        assert_eq!(
            reply.status,
            case.status,
            "{} {} {:?}: {}",
            case.method,
            case.path,
            case.body,
            reply.text()
        );
        reply.problem(case.status);
        assert_eq!(
            webhook_rows(&app),
            before,
            "{} {} wrote",
            case.method,
            case.path
        );
    }
}

#[tokio::test]
async fn webhook_routes_need_the_webhooks_scope() {
    let app = app();
    let created = admin(
        &app,
        Method::POST,
        "/keys",
        Some(json!({"name": "reader", "scopes": ["read", "write"]})),
    )
    .await;
    let reader = created.json()["secret"].as_str().unwrap().to_owned();
    let created = admin(
        &app,
        Method::POST,
        "/keys",
        Some(json!({"name": "hooks", "scopes": ["webhooks"]})),
    )
    .await;
    let hooks = created.json()["secret"].as_str().unwrap().to_owned();
    let call = |key: Option<String>| {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/admin/webhooks/endpoints")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(key) = key {
            request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
        }
        request
            .body(Body::from(r#"{"url":"https://hooks.example.com/"}"#))
            .unwrap()
    };
    app.send(call(None)).await.problem(StatusCode::UNAUTHORIZED);
    let refused = app.send(call(Some(reader))).await;
    let problem = refused.problem(StatusCode::FORBIDDEN);
    assert_eq!(problem["type"], "urn:cadence:problem:insufficient-scope");
    assert_eq!(app.count("webhook_endpoints"), 0);
    assert_eq!(
        app.send(call(Some(hooks))).await.status,
        StatusCode::CREATED
    );
}
