//! Fuzzing the order routes of the admin API (the order list, outcome reports, the demo's
//! clock), as `fuzz_webhooks.rs` does the webhook routes: valid bodies mutated, any JSON,
//! raw bytes, odd content types, real, unknown and garbled order ids, queries and
//! credentials. Whatever arrives: never a 5xx, a status its OpenAPI operation lists, every
//! 4xx a problem document that quotes nothing it was sent, and a refused request writes
//! nothing.

use crate::admin_support::snapshot;
use crate::common::*;
use crate::orders_support::{order_id, run_on};
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
    vec![
        ("GET", "/api/v1/admin/orders", None),
        (
            "POST",
            "/api/v1/admin/orders/{id}/outcome",
            Some(json!({"outcome": "payment_failed", "reason": "card_declined"})),
        ),
        (
            "POST",
            "/api/v1/admin/orders/{id}/outcome",
            Some(json!({"outcome": "paid"})),
        ),
        (
            "POST",
            "/api/v1/admin/demo/clock",
            Some(json!({"advance_days": 3})),
        ),
    ]
}

#[derive(Clone, Debug)]
enum BodyGen {
    Valid,
    /// The valid body with one field replaced by any JSON, or one added.
    Mutated(String, Value),
    Json(Value),
    Bytes(Vec<u8>),
}

#[derive(Clone, Debug)]
struct Case {
    op: usize,
    /// 0, 1: a real order (Ada's, a demo owner's); 2: an unknown id; else the text.
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
        Just(json!("paid")),
        Just(json!("fulfilled")),
        Just(json!("payment_failed")),
        Just(json!(366)),
        Just(json!(367)),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
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

fn case(ops: usize) -> impl Strategy<Value = Case> {
    let field = prop_oneof![
        Just("outcome".to_owned()),
        Just("reason".to_owned()),
        Just("advance_days".to_owned()),
        "[a-z_]{1,10}",
    ];
    let body = prop_oneof![
        3 => Just(BodyGen::Valid),
        5 => (field, json_value()).prop_map(|(k, v)| BodyGen::Mutated(k, v)),
        1 => json_value().prop_map(BodyGen::Json),
        1 => prop::collection::vec(any::<u8>(), 0..40).prop_map(BodyGen::Bytes),
    ];
    let query = prop_oneof![
        2 => Just(None),
        2 => Just(Some("since=2026-03-01&until=2026-06-01&status=pending&limit=5".to_owned())),
        1 => Just(Some("status=payment_retry_due&after=2026-04-02~ord_0".to_owned())),
        3 => (
            prop_oneof![
                Just("since".to_owned()),
                Just("until".to_owned()),
                Just("status".to_owned()),
                Just("limit".to_owned()),
                Just("after".to_owned()),
                "[a-z]{1,8}"
            ],
            "[ -~]{0,12}"
        )
            .prop_map(|(k, v)| Some(format!("{k}={}", encode(format!("{MARK}{v}").as_bytes())))),
    ];
    (
        0..ops,
        (0u8..5, text()),
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

/// The statuses an operation documents (its own and the ones every operation may give).
fn documented(doc: &Value, method: &str, path: &str) -> Vec<u16> {
    doc["paths"][path][method.to_lowercase()]["responses"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {path} is not in the document"))
        .keys()
        .filter_map(|k| k.parse().ok())
        .collect()
}

#[test]
fn any_request_to_the_order_routes() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut app = TestApp::new();
    // A demo server's clock, so the clock control answers too.
    app.state.clock = clock().movable();
    let orders = rt.block_on(async {
        run_on(&app, "2026-04-02").await;
        [
            order_id(&app, ADA_SUB, "2026-04-02"),
            order_id(&app, "sub_demo_owner_1_caps-intenso", "2026-04-02"),
        ]
    });
    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
    let ops = ops();
    let mut runner = TestRunner::new(Config {
        cases: 200,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    });
    // What came back, by status: the run must have both accepted and refused requests.
    let seen = std::cell::RefCell::new(std::collections::BTreeMap::<u16, usize>::new());
    let result = runner.run(&case(ops.len()), |case| {
        let (method, path, valid) = &ops[case.op];
        let id = match case.id.0 {
            0 | 1 => orders[usize::from(case.id.0)].clone(),
            2 => "ord_nobody".to_owned(),
            _ => encode(case.id.1.as_bytes()),
        };
        let mut uri = path.replace("{id}", &id);
        if let Some(query) = &case.query {
            uri = format!("{uri}?{query}");
        }
        let body = match (&case.body, valid) {
            (_, None) => Vec::new(),
            (BodyGen::Valid, Some(v)) => v.to_string().into_bytes(),
            (BodyGen::Mutated(k, with), Some(v)) => {
                let mut v = v.clone();
                v[k.as_str()] = with.clone();
                v.to_string().into_bytes()
            }
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
    println!("order routes fuzzed, answers by status: {seen:?}");
    assert!(seen.keys().any(|s| (200..300).contains(s)), "{seen:?}");
    assert!(seen.keys().any(|s| (400..500).contains(s)), "{seen:?}");
}
