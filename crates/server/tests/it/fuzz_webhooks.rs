//! Fuzzing the webhook admin routes, as `fuzz_admin.rs` does the merchant data routes:
//! valid bodies mutated (fields removed, replaced by any JSON, unknown ones added), any
//! JSON, raw bytes, odd content types, unknown and garbled ids, queries and credentials.
//! Whatever arrives: never a 5xx, a status its OpenAPI operation lists, every 4xx a
//! problem document that quotes nothing it was sent, and a refused request writes nothing.
//! No dispatcher runs here: endpoints the fuzzer creates are never called.

use crate::admin_support::snapshot;
use crate::common::*;
use crate::webhook_harness::{app, create_endpoint};
use axum::body::Body;
use axum::http::{header, Method, Request};
use cadence_server::openapi::ApiDoc;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};
use serde_json::{json, Value};
use utoipa::OpenApi;

/// A marker every generated string carries, so an echo of the input is easy to spot.
const MARK: &str = "QZX";

/// The operations: method, OpenAPI path, a valid body (`None`: no body).
fn ops() -> Vec<(&'static str, &'static str, Option<Value>)> {
    let base = "/api/v1/admin/webhooks/endpoints";
    vec![
        (
            "POST",
            base,
            Some(
                json!({"url": "https://hooks.example.com/in", "description": "ERP",
                        "event_types": ["subscription.updated"], "enabled": true}),
            ),
        ),
        ("GET", base, None),
        ("GET", "/api/v1/admin/webhooks/endpoints/{id}", None),
        (
            "PATCH",
            "/api/v1/admin/webhooks/endpoints/{id}",
            Some(
                json!({"url": "https://erp.example.com/h", "event_types": null, "enabled": false}),
            ),
        ),
        ("DELETE", "/api/v1/admin/webhooks/endpoints/{id}", None),
        (
            "POST",
            "/api/v1/admin/webhooks/endpoints/{id}/rotate-secret",
            Some(json!({"overlap_secs": 3600})),
        ),
        (
            "GET",
            "/api/v1/admin/webhooks/endpoints/{id}/deliveries",
            None,
        ),
        (
            "POST",
            "/api/v1/admin/webhooks/endpoints/{id}/replay",
            Some(json!({"since": "2026-03-01T00:00:00Z", "until": "2026-04-01T00:00:00Z"})),
        ),
    ]
}

#[derive(Clone, Debug)]
enum Mutation {
    Remove(usize),
    Replace(usize, Value),
    Add(String, Value),
}

#[derive(Clone, Debug)]
enum BodyGen {
    Valid,
    Mutated(Vec<Mutation>),
    Json(Value),
    Bytes(Vec<u8>),
}

#[derive(Clone, Debug)]
struct Case {
    op: usize,
    /// 0: the real endpoint; 1: an unknown id; else the text.
    id: (u8, String),
    query: Option<String>,
    body: BodyGen,
    content_type: Option<&'static str>,
    /// 0: the merchant key; 1: none; 2: a wrong key.
    auth: u8,
}

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,12}".prop_map(|s| format!("{MARK}{s}"))
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        text().prop_map(Value::from),
        Just(json!("order.created")),
        Just(json!("http://127.0.0.1:1/")),
        Just(json!("https://10.0.0.1/")),
        Just(json!(604_801)),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn case(ops: usize) -> impl Strategy<Value = Case> {
    let mutation = prop_oneof![
        any::<usize>().prop_map(Mutation::Remove),
        (any::<usize>(), json_value()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        ("[a-z_]{1,10}", json_value()).prop_map(|(k, v)| Mutation::Add(k, v)),
    ];
    let body = prop_oneof![
        2 => Just(BodyGen::Valid),
        5 => prop::collection::vec(mutation, 1..3).prop_map(BodyGen::Mutated),
        1 => json_value().prop_map(BodyGen::Json),
        1 => prop::collection::vec(any::<u8>(), 0..40).prop_map(BodyGen::Bytes),
    ];
    let query = prop_oneof![
        3 => Just(None),
        1 => Just(Some("limit=5&state=delivered".to_owned())),
        2 => ("[a-z]{1,8}", "[ -~]{0,8}").prop_map(|(k, v)| {
            Some(format!("{k}={}", encode(format!("{MARK}{v}").as_bytes())))
        }),
    ];
    (
        0..ops,
        (0u8..4, text()),
        query,
        body,
        prop_oneof![
            6 => Just(Some("application/json")),
            1 => Just(None),
            1 => Just(Some("text/plain")),
        ],
        prop_oneof![8 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)],
    )
        .prop_map(|(op, id, query, body, content_type, auth)| Case {
            op,
            id,
            query,
            body,
            content_type,
            auth,
        })
}

fn encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn mutate(mut value: Value, mutations: &[Mutation]) -> Value {
    let Value::Object(map) = &mut value else {
        return value;
    };
    for m in mutations {
        let keys: Vec<String> = map.keys().cloned().collect();
        match m {
            Mutation::Remove(i) if !keys.is_empty() => {
                map.remove(&keys[i % keys.len()]);
            }
            Mutation::Replace(i, with) if !keys.is_empty() => {
                map.insert(keys[i % keys.len()].clone(), with.clone());
            }
            Mutation::Add(k, v) => {
                map.insert(k.clone(), v.clone());
            }
            _ => {}
        }
    }
    value
}

/// The statuses an operation documents (its own and the ones every operation may give).
fn documented(doc: &Value, method: &str, path: &str) -> Vec<u16> {
    let responses = &doc["paths"][path][method.to_lowercase()]["responses"];
    responses
        .as_object()
        .unwrap_or_else(|| panic!("{method} {path} is not in the document"))
        .keys()
        .filter_map(|k| k.parse().ok())
        .collect()
}

#[test]
fn any_request_to_the_webhook_routes() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = app();
    let endpoint = rt.block_on(async {
        let (id, _) = create_endpoint(&app, json!({"url": "https://hooks.example.com/"})).await;
        // One event and its delivery, for the log and replay.
        app.change(ADA_SUB, r#"{"action":"pause"}"#).await;
        id
    });
    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
    let ops = ops();
    let mut runner = TestRunner::new(Config {
        cases: 160,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    });
    // What came back, by status: the run must have both accepted and refused requests.
    let seen = std::cell::RefCell::new(std::collections::BTreeMap::<u16, usize>::new());
    let result = runner.run(&case(ops.len()), |case| {
        let (method, path, valid) = &ops[case.op];
        let id = match case.id.0 {
            0 => endpoint.clone(),
            1 => "ep_nobody".to_owned(),
            _ => encode(case.id.1.as_bytes()),
        };
        let mut uri = path.replace("{id}", &id);
        if let Some(query) = &case.query {
            uri = format!("{uri}?{query}");
        }
        let body = match (&case.body, valid) {
            (_, None) => Vec::new(),
            (BodyGen::Valid, Some(v)) => v.to_string().into_bytes(),
            (BodyGen::Mutated(m), Some(v)) => mutate(v.clone(), m).to_string().into_bytes(),
            (BodyGen::Json(v), Some(_)) => v.to_string().into_bytes(),
            (BodyGen::Bytes(b), Some(_)) => b.clone(),
        };
        let mut request = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(&uri);
        request = match case.auth {
            0 => request.header(header::AUTHORIZATION, format!("Bearer {MERCHANT_KEY}")),
            1 => request,
            _ => request.header(header::AUTHORIZATION, format!("Bearer {MARK}-wrong")),
        };
        if let (Some(kind), Some(_)) = (case.content_type, valid) {
            request = request.header(header::CONTENT_TYPE, kind);
        }
        let before = snapshot(&app);
        let reply = rt.block_on(app.send(request.body(Body::from(body)).unwrap()));
        let status = reply.status.as_u16();
        *seen.borrow_mut().entry(status).or_default() += 1;
        prop_assert!(status < 500, "{method} {uri}: {status} {}", reply.text());
        let listed = documented(&doc, method, path);
        prop_assert!(
            listed.contains(&status),
            "{method} {path}: {status} is not documented ({listed:?}): {}",
            reply.text()
        );
        if status >= 400 {
            prop_assert_eq!(
                reply.header("content-type"),
                Some("application/problem+json"),
                "{} {}",
                method,
                uri
            );
            prop_assert!(
                !reply.text().contains(MARK),
                "{method} {uri} echoed: {}",
                reply.text()
            );
            prop_assert!(before == snapshot(&app), "{method} {uri}: a {status} wrote");
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let seen = seen.into_inner();
    println!("webhook routes fuzzed, answers by status: {seen:?}");
    assert!(seen.keys().any(|s| (200..300).contains(s)), "{seen:?}");
    assert!(seen.keys().any(|s| (400..500).contains(s)), "{seen:?}");
}
