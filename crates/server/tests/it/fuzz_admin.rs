//! Fuzzing the merchant data routes of the admin API (products, customers, what they own,
//! order history, imports, exports), as `fuzz_requests.rs` does the widget's: arbitrary
//! paths, queries, credentials, content types and bodies (valid ones mutated, NDJSON and
//! CSV lines included). Whatever arrives, the answer is never a 5xx, is a status its
//! OpenAPI operation lists, every 4xx is a problem document that echoes none of the input,
//! and a refused request changes nothing in the database. A test also checks that every
//! operation of these routes in the OpenAPI document is one the fuzzer sends.

use crate::admin_support::{capsules, key_with, machine, snapshot};
use crate::common::*;
use axum::body::Body;
use axum::http::{header, HeaderValue, Method, Request};
use cadence_server::openapi::ApiDoc;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use serde_json::{json, Value};
use utoipa::OpenApi;

/// What a route's body is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    None,
    Product,
    Customer,
    Owned,
    Order,
    Import,
    Export,
}

/// The operations fuzzed: method, OpenAPI path, the values each path parameter is mostly
/// given, and the body.
const OPS: &[(&str, &str, &[&[&str]], Kind)] = &[
    (
        "PUT",
        "/api/v1/admin/products/{sku}",
        &[SKUS],
        Kind::Product,
    ),
    ("GET", "/api/v1/admin/products/{sku}", &[SKUS], Kind::None),
    (
        "PUT",
        "/api/v1/admin/customers/{id}",
        &[CUSTOMERS],
        Kind::Customer,
    ),
    (
        "GET",
        "/api/v1/admin/customers/{id}",
        &[CUSTOMERS],
        Kind::None,
    ),
    (
        "PUT",
        "/api/v1/admin/customers/{id}/owned/{sku}",
        &[CUSTOMERS, SKUS],
        Kind::Owned,
    ),
    (
        "DELETE",
        "/api/v1/admin/customers/{id}/owned/{sku}",
        &[CUSTOMERS, SKUS],
        Kind::None,
    ),
    (
        "DELETE",
        "/api/v1/admin/customers/{id}",
        &[CUSTOMERS],
        Kind::None,
    ),
    (
        "GET",
        "/api/v1/admin/customers/{id}/export",
        &[CUSTOMERS],
        Kind::None,
    ),
    ("GET", "/api/v1/admin/exports/consents", &[], Kind::Export),
    ("PUT", "/api/v1/admin/orders/{id}", &[ORDERS], Kind::Order),
    ("GET", "/api/v1/admin/orders/{id}", &[ORDERS], Kind::None),
    ("POST", "/api/v1/admin/imports", &[], Kind::Import),
    ("GET", "/api/v1/admin/exports/changes", &[], Kind::Export),
    (
        "GET",
        "/api/v1/admin/exports/cancel-reasons",
        &[],
        Kind::Export,
    ),
    ("GET", "/api/v1/admin/exports/orders", &[], Kind::Export),
];

const SKUS: &[&str] = &[
    "CAPS-INTENSO",
    "BARISTA-ONE",
    "DESCALE-KIT",
    "FUZZ-CAPS",
    "NO-SUCH-SKU",
];
const CUSTOMERS: &[&str] = &["cust_ada", "cust_grace", "cust_fuzz", "cust_owner_1"];
const ORDERS: &[&str] = &["ord_ada_1", "shop-1", "shop-2"];

const NASTY: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "'; DROP TABLE customers; --",
    "\u{202e}evil",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "CAPS-INTENSO\u{0}",
    " CAPS-INTENSO",
    "",
    "é",
    "2026-02-30",
    "2026-03-16",
    "9999-12-31",
    "0000-01-01",
    "4w",
    "0w",
    "active",
    "cancelled",
    "EUR",
    "eur",
];
const CANARIES: &[&str] = &[
    "<script",
    "onerror",
    "javascript:",
    "DROP TABLE",
    "\u{202e}",
    "{{7*7}}",
    "jndi",
];

#[derive(Clone, Debug)]
enum Seg {
    Known(usize),
    Text(String),
    Raw(String),
}

#[derive(Clone, Debug)]
enum Auth {
    Operator,
    ReadOnly,
    WriteOnly,
    Wrong,
    None,
    Garbage(Vec<u8>),
}

#[derive(Clone, Debug)]
enum Mutation {
    Replace(usize, Value),
    Remove(usize),
    Add(usize, String, Value),
}

#[derive(Clone, Debug)]
enum BodyGen {
    Empty,
    Bytes(Vec<u8>),
    Json(Value),
    Valid(usize),
    Mutated(usize, Vec<Mutation>),
    /// Import lines: each a valid record, mutated or not, or noise.
    Lines(Vec<(usize, Vec<Mutation>, bool)>),
    Csv(Vec<String>),
    Huge(usize),
}

#[derive(Clone, Debug)]
struct Case {
    op: usize,
    method: Option<&'static str>,
    segs: Vec<Seg>,
    query: Option<String>,
    auth: Auth,
    content_type: Option<String>,
    accept: Option<&'static str>,
    body: BodyGen,
}

fn nasty() -> impl Strategy<Value = String> {
    prop::sample::select(NASTY).prop_map(str::to_owned)
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![3 => nasty(), 2 => any::<String>(), 1 => "[ -~]{0,30}"]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-3i64..200).prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-z_]{1,12}", inner), 0..4)
                .prop_map(|f| Value::Object(f.into_iter().collect())),
        ]
    })
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        5 => (any::<usize>(), json_value()).prop_map(|(at, v)| Mutation::Replace(at, v)),
        2 => any::<usize>().prop_map(Mutation::Remove),
        1 => (any::<usize>(), prop_oneof!["[a-z_]{1,12}".boxed(), nasty().boxed()], json_value())
            .prop_map(|(at, k, v)| Mutation::Add(at, k, v)),
    ]
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(mutation(), 1..3)
}

fn body() -> impl Strategy<Value = BodyGen> {
    prop_oneof![
        1 => Just(BodyGen::Empty),
        1 => prop::collection::vec(any::<u8>(), 0..200).prop_map(BodyGen::Bytes),
        2 => json_value().prop_map(BodyGen::Json),
        4 => (0usize..8).prop_map(BodyGen::Valid),
        8 => (0usize..8, mutations()).prop_map(|(i, m)| BodyGen::Mutated(i, m)),
        6 => prop::collection::vec(
                (0usize..16, prop::collection::vec(mutation(), 0..2), prop::bool::weighted(0.1)),
                0..8,
            ).prop_map(BodyGen::Lines),
        2 => prop::collection::vec(
                prop_oneof![
                    3 => Just("s_fz,cust_ada,CAPS-LUNGO,1,4w,active,2026-04-01".to_owned()),
                    2 => "[a-z0-9_,\"-]{0,60}",
                    1 => nasty(),
                ],
                0..5,
            ).prop_map(BodyGen::Csv),
        1 => prop::sample::select(&[16_383usize, 16_385, 40_000][..]).prop_map(BodyGen::Huge),
    ]
}

fn seg() -> impl Strategy<Value = Seg> {
    prop_oneof![
        6 => (0usize..8).prop_map(Seg::Known),
        2 => text().prop_map(Seg::Text),
        1 => "[A-Za-z0-9._~!$&'()*+,;=:@%-]{0,20}".prop_map(Seg::Raw),
    ]
}

fn query() -> impl Strategy<Value = Option<String>> {
    let pair = (
        prop::sample::select(&["since", "until", "after", "limit", "dry_run", "x"][..]),
        prop_oneof![
            prop::sample::select(
                &[
                    "2026-01-01",
                    "2026-03-15T00:00:00Z",
                    "2026-13-01",
                    "true",
                    "false",
                    "1",
                    "0",
                    "10001",
                    "2026-01-01:ord_ada_1",
                    "-1",
                    "",
                    "2026-03-15T25:00:00Z",
                ][..]
            )
            .prop_map(str::to_owned),
            text(),
        ],
    );
    prop_oneof![
        2 => Just(None),
        3 => prop::sample::select(&[
            "since=2026-01-01", "since=2000-01-01&until=2026-04-01&limit=2",
            "since=2026-01-01&after=3", "since=2000-01-01&after=2025-01-01:ord_ada_1&limit=1",
            "dry_run=true", "dry_run=false",
        ][..]).prop_map(|q| Some(q.to_owned())),
        3 => prop::collection::vec(pair, 0..4).prop_map(|pairs| Some(
            pairs.iter().map(|(k, v)| format!("{k}={}", encode(v.as_bytes()))).collect::<Vec<_>>().join("&"),
        )),
    ]
}

fn auth() -> impl Strategy<Value = Auth> {
    prop_oneof![
        12 => Just(Auth::Operator),
        2 => Just(Auth::ReadOnly),
        2 => Just(Auth::WriteOnly),
        1 => Just(Auth::Wrong),
        1 => Just(Auth::None),
        1 => prop::collection::vec(32u8..127, 0..40).prop_map(Auth::Garbage),
    ]
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        8 => Just(None),
        2 => prop::sample::select(&[
            "application/json", "application/x-ndjson", "text/csv", "text/plain",
            "application/jsonl; charset=utf-8", "TEXT/CSV", "", "multipart/form-data",
        ][..]).prop_map(|c| Some(c.to_owned())),
        1 => "[ -~]{0,30}".prop_map(Some),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        (
            0..OPS.len(),
            prop::option::weighted(
                0.1,
                prop::sample::select(&["GET", "PUT", "POST", "DELETE", "PATCH"][..]),
            ),
        ),
        prop::collection::vec(seg(), 2),
        query(),
        auth(),
        content_type(),
        prop::option::of(prop::sample::select(
            &["text/csv", "application/x-ndjson", "*/*"][..],
        )),
        body(),
    )
        .prop_map(
            |((op, method), segs, query, auth, content_type, accept, body)| Case {
                op,
                method,
                segs,
                query,
                auth,
                content_type,
                accept,
                body,
            },
        )
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

/// Valid bodies against the seeded data (today is 2026-03-15).
fn valid(kind: Kind, i: usize) -> Value {
    let options = match kind {
        Kind::Product => vec![
            capsules("Fuzz capsules"),
            machine(&["CAPS-INTENSO", "DESCALE-KIT"], "DESCALE-KIT"),
            json!({"name": "Plain", "kind": "accessory", "price": {"amount_minor": 0, "currency": "USD"}}),
        ],
        Kind::Customer => vec![
            json!({"name": "Fuzz", "email": "fuzz@example.com", "locale": "en"}),
            json!({}),
            json!({"email": "ada@example.com"}),
        ],
        Kind::Owned => vec![
            json!({"purchased_on": "2026-01-02"}),
            json!({"purchased_on": "2026-03-15"}),
        ],
        Kind::Order => vec![
            json!({"customer_id": "cust_ada", "ordered_on": "2026-02-01", "lines": [
                {"sku": "CAPS-LUNGO", "quantity": 2, "unit_price": {"amount_minor": 1650, "currency": "EUR"}}]}),
            json!({"customer_id": "cust_grace", "ordered_on": "2025-12-24", "subscription_id": "sub_demo_ada_intenso",
                   "lines": [{"sku": "WATER-FILTER", "quantity": 1, "unit_price": {"amount_minor": 990, "currency": "EUR"}}]}),
        ],
        Kind::Import => vec![
            json!({"type": "customer", "id": "cust_fuzz", "name": "Fuzz"}),
            json!({"type": "owned", "customer_id": "cust_grace", "sku": "DESCALE-KIT", "purchased_on": "2026-02-02"}),
            json!({"type": "order", "id": "shop-2", "customer_id": "cust_grace", "ordered_on": "2026-01-05",
                   "lines": [{"sku": "CAPS-LUNGO", "quantity": 1, "unit_price": {"amount_minor": 1650, "currency": "EUR"}}]}),
            json!({"type": "subscription", "id": "s_fz", "customer_id": "cust_grace", "sku": "CAPS-LUNGO",
                   "quantity": 1, "interval": {"count": 4, "unit": "week"}, "status": "paused",
                   "next_delivery": "2026-04-01", "paused_until": "2026-05-01"}),
            {
                let mut p = capsules("Fuzz capsules");
                p["type"] = json!("product");
                p["sku"] = json!("FUZZ-CAPS");
                p
            },
        ],
        Kind::None | Kind::Export => vec![json!({})],
    };
    options[i % options.len()].clone()
}

fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                pointers(
                    v,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn mutate(mut value: Value, mutations: &[Mutation]) -> Value {
    for m in mutations {
        let mut all = Vec::new();
        pointers(&value, String::new(), &mut all);
        let at = |i: &usize| all[i % all.len()].clone();
        match m {
            Mutation::Replace(i, with) => *value.pointer_mut(&at(i)).unwrap() = with.clone(),
            Mutation::Remove(i) => {
                let p = at(i);
                if let Some((parent, last)) = p.rsplit_once('/') {
                    match value.pointer_mut(parent).unwrap() {
                        Value::Object(map) => {
                            map.remove(&last.replace("~1", "/").replace("~0", "~"));
                        }
                        Value::Array(items) => {
                            items.remove(last.parse::<usize>().unwrap());
                        }
                        _ => {}
                    }
                }
            }
            Mutation::Add(i, k, v) => {
                if let Value::Object(map) = value.pointer_mut(&at(i)).unwrap() {
                    map.insert(k.clone(), v.clone());
                }
            }
        }
    }
    value
}

fn body_bytes(kind: Kind, body: &BodyGen) -> Vec<u8> {
    match body {
        BodyGen::Empty => Vec::new(),
        BodyGen::Bytes(bytes) => bytes.clone(),
        BodyGen::Json(value) => value.to_string().into_bytes(),
        BodyGen::Valid(i) => valid(kind, *i).to_string().into_bytes(),
        BodyGen::Mutated(i, m) => mutate(valid(kind, *i), m).to_string().into_bytes(),
        BodyGen::Lines(lines) => lines
            .iter()
            .map(|(i, m, noise)| {
                if *noise {
                    "{\"type\":".to_owned()
                } else {
                    mutate(valid(Kind::Import, *i), m).to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            .into_bytes(),
        BodyGen::Csv(rows) => {
            let mut text = "id,customer_id,sku,quantity,interval,status,next_delivery\n".to_owned();
            for row in rows {
                text.push_str(row);
                text.push('\n');
            }
            text.into_bytes()
        }
        BodyGen::Huge(len) => json!({"name": "x".repeat(*len)}).to_string().into_bytes(),
    }
}

struct Fixture {
    app: TestApp,
    read_only: String,
    write_only: String,
    spec: Value,
}

impl Fixture {
    fn request(&self, case: &Case) -> Option<(String, Method, Request<Body>)> {
        let (natural, template, params, kind) = OPS[case.op];
        let method = Method::from_bytes(case.method.unwrap_or(natural).as_bytes()).ok()?;
        let mut path = template.to_owned();
        for (n, known) in params.iter().enumerate() {
            let start = path.find('{')?;
            let end = path[start..].find('}')? + start;
            let value = match &case.segs[n] {
                Seg::Known(i) => encode(known[i % known.len()].as_bytes()),
                Seg::Text(t) => encode(t.as_bytes()),
                Seg::Raw(r) => r.clone(),
            };
            path.replace_range(start..=end, &value);
        }
        if let Some(query) = &case.query {
            path.push('?');
            path.push_str(query);
        }
        let uri: axum::http::Uri = path.parse().ok()?;
        let mut request = Request::builder().method(method.clone()).uri(uri);
        let credential = match &case.auth {
            Auth::Operator => Some(format!("Bearer {MERCHANT_KEY}").into_bytes()),
            Auth::ReadOnly => Some(format!("Bearer {}", self.read_only).into_bytes()),
            Auth::WriteOnly => Some(format!("Bearer {}", self.write_only).into_bytes()),
            Auth::Wrong => Some(b"Bearer not-a-key-not-a-key".to_vec()),
            Auth::None => None,
            Auth::Garbage(bytes) => Some(bytes.clone()),
        };
        if let Some(value) = credential.and_then(|c| HeaderValue::from_bytes(&c).ok()) {
            request = request.header(header::AUTHORIZATION, value);
        }
        let content_type = case.content_type.clone().unwrap_or_else(|| {
            match (kind, &case.body) {
                (Kind::Import, BodyGen::Csv(_)) => "text/csv",
                (Kind::Import, _) => "application/x-ndjson",
                _ => "application/json",
            }
            .to_owned()
        });
        if let Ok(value) = HeaderValue::from_str(&content_type) {
            request = request.header(header::CONTENT_TYPE, value);
        }
        if let Some(accept) = case.accept {
            request = request.header(header::ACCEPT, accept);
        }
        let body = if kind == Kind::None || kind == Kind::Export {
            match &case.body {
                BodyGen::Bytes(b) => b.clone(),
                _ => Vec::new(),
            }
        } else {
            body_bytes(kind, &case.body)
        };
        Some((
            template.to_owned(),
            method,
            request.body(Body::from(body)).ok()?,
        ))
    }

    fn documented(&self, template: &str, method: &Method) -> Option<Vec<String>> {
        let operation = &self.spec["paths"][template][method.as_str().to_ascii_lowercase()];
        Some(
            operation["responses"]
                .as_object()?
                .keys()
                .cloned()
                .collect(),
        )
    }
}

async fn check(fixture: &Fixture, case: &Case) -> Result<(), TestCaseError> {
    let Some((template, method, request)) = fixture.request(case) else {
        return Ok(());
    };
    let described = format!("{} {}", request.method(), request.uri());
    let before = snapshot(&fixture.app);
    let reply = fixture.app.send(request).await;
    let status = reply.status;
    prop_assert!(
        status.is_success() || status.is_client_error(),
        "{described} answered {status}: {}",
        reply.text()
    );
    // Another method, or an empty path segment, misses the operation (405, 404): only a
    // request that reaches it must answer what it documents.
    let (natural, _, params, _) = OPS[case.op];
    let empty_segment = case.segs[..params.len()].iter().any(|s| match s {
        Seg::Text(t) | Seg::Raw(t) => t.is_empty(),
        Seg::Known(_) => false,
    });
    let reaches = case.method.is_none_or(|m| m == natural) && !empty_segment;
    if let Some(documented) = fixture.documented(&template, &method) {
        if reaches {
            prop_assert!(
                documented.contains(&status.as_u16().to_string()),
                "{described} answered {status}, not in {documented:?}: {}",
                reply.text()
            );
        }
    }
    if status.is_success() {
        return Ok(());
    }
    prop_assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json"),
        "{}",
        described
    );
    let text = reply.text();
    let problem: Value = serde_json::from_str(&text)
        .map_err(|e| TestCaseError::fail(format!("{described}: not JSON ({e}): {text}")))?;
    prop_assert_eq!(problem["status"].as_u64(), Some(u64::from(status.as_u16())));
    for canary in CANARIES {
        prop_assert!(
            !text.contains(canary),
            "{described} echoed {canary:?}: {text}"
        );
    }
    let after = snapshot(&fixture.app);
    prop_assert!(
        before == after,
        "{described} was refused with {status} but wrote"
    );
    Ok(())
}

#[test]
fn any_request_to_the_admin_data_routes() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let config = Config {
        cases,
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        max_shrink_iters: 256,
        ..Config::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let fixture = runtime.block_on(async {
        let app = TestApp::new();
        let read_only = key_with(&app, &["read"]).await;
        let write_only = key_with(&app, &["write"]).await;
        let spec = serde_json::to_value(ApiDoc::openapi()).unwrap();
        Fixture {
            app,
            read_only,
            write_only,
            spec,
        }
    });
    let mut runner = TestRunner::new(config);
    if let Err(e) = runner.run(&case(), |case| runtime.block_on(check(&fixture, &case))) {
        panic!("{e}");
    }
}

/// Every operation the OpenAPI document has on these routes is one the fuzzer sends, so a
/// route added here is fuzzed or this fails.
#[test]
fn the_fuzzer_sends_every_operation_of_the_admin_data_routes() {
    let spec = serde_json::to_value(ApiDoc::openapi()).unwrap();
    let mine = [
        "/api/v1/admin/products",
        "/api/v1/admin/customers/{id}",
        "/api/v1/admin/imports",
        "/api/v1/admin/exports",
    ];
    let mut documented = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        let ours = mine.iter().any(|p| path.starts_with(p)) || path == "/api/v1/admin/orders/{id}";
        // The routines' task-done route under a customer is not one of these.
        if !ours || path.contains("/routines/") {
            continue;
        }
        for method in item.as_object().unwrap().keys() {
            documented.push((method.to_ascii_uppercase(), path.clone()));
        }
    }
    documented.sort();
    let mut fuzzed: Vec<(String, String)> = OPS
        .iter()
        .map(|(m, p, _, _)| (m.to_string(), p.to_string()))
        .collect();
    fuzzed.sort();
    assert_eq!(documented, fuzzed);
}
