//! Fuzzing the request decoding: arbitrary requests (bodies, content types, paths, query
//! strings, tokens, `Idempotency-Key` and `If-Match`) to every `/api/v1` route, through
//! `app()` on a real SQLite file. Whatever arrives, the answer is never a 5xx, every 4xx
//! is an RFC 9457 problem that echoes none of the input, and a refused request changes
//! nothing in the database.
//!
//! Each test keeps one database across its cases, so accepted requests (a mutated body
//! can still be valid) move the state on and later cases meet cancelled, paused or
//! freshly created subscriptions. `PROPTEST_CASES=N` runs longer.

use crate::common::*;
use axum::body::Body;
use axum::http::{header, HeaderValue, Method, Request, StatusCode};
use cadence_server::auth::JwtKeys;
use cadence_server::clock::Clock;
use cadence_server::db::sql::Value as SqlValue;
use cadence_server::db::{Connection, Dialect};
use cadence_server::openapi::ApiDoc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use serde_json::{json, Value};
use utoipa::OpenApi;

// ---------------------------------------------------------------------------------------
// What a generated request is made of.
// ---------------------------------------------------------------------------------------

/// One path segment.
#[derive(Clone, Debug)]
enum Seg {
    /// A value the route knows (a real SKU or subscription id, or a plausible one).
    Exact(&'static str),
    /// The signed-in customer's real calendar feed file (`<id>.ics`).
    Feed,
    /// Any Unicode text, percent-encoded.
    Text(String),
    /// Any bytes, percent-encoded: mostly not UTF-8.
    Bytes(Vec<u8>),
    /// Written into the URL as is: stray `%`, dots, sub-delimiters.
    Raw(String),
}

#[derive(Clone, Debug)]
enum Route {
    Health,
    Product(Seg),
    PlanIcs(Seg),
    Me,
    MeCalendar,
    CalendarFeed(Seg),
    Subscribe,
    Subscription(Seg),
    Changes(Seg),
    /// `POST /me/routines/{routine_id}/done`.
    RoutineDone(Seg),
    Recommendations,
    Events,
    OpenApi,
    /// Anything else under `/api/v1`.
    Elsewhere(Vec<Seg>),
}

#[derive(Clone, Debug)]
enum MethodGen {
    /// The method the route is for (POST for bodies on `changes`).
    Natural,
    Get,
    Post,
    Other(&'static str),
}

#[derive(Clone, Debug)]
enum Query {
    None,
    /// The route's own parameters with good values.
    Valid(usize),
    /// `key=value` pairs, percent-encoded.
    Pairs(Vec<(String, String)>),
    /// Written into the URL as is.
    Raw(String),
}

#[derive(Clone, Debug)]
enum Auth {
    None,
    /// A valid token for this customer.
    Valid(&'static str),
    Expired,
    UnknownCustomer,
    WrongSecret,
    AlgNone,
    Hs512,
    Tampered,
    /// Correctly signed, with these claims (wrong types, edge times, odd subjects).
    Signed(Value),
    /// `Bearer` in another case, or another scheme.
    Scheme(&'static str),
    /// `Bearer ` and then anything.
    BearerText(String),
    Garbage(Vec<u8>),
    /// Two `Authorization` headers: Ada's and garbage.
    Twice(Vec<u8>),
}

#[derive(Clone, Debug)]
enum IdemKey {
    None,
    Fresh,
    /// One of a few fixed keys, so keys get reused with other bodies and other paths.
    Fixed(usize),
    Upper,
    Braced,
    Urn,
    Garbage(Vec<u8>),
    Text(String),
    Twice,
}

#[derive(Clone, Debug)]
enum IfMatch {
    None,
    /// The subscription's current ETag, read just before the request.
    Current,
    Star,
    Stale,
    Weak,
    Garbage(Vec<u8>),
    Text(String),
}

#[derive(Clone, Debug)]
enum ContentType {
    None,
    Exact(&'static str),
    Garbage(Vec<u8>),
}

#[derive(Clone, Debug)]
enum Mutation {
    Replace(usize, Value),
    Remove(usize),
    Add(usize, String, Value),
    /// Replace a number with this number, or a string with this string: the document keeps
    /// its shape, so the value reaches the domain rules (ranges, dates, SKUs).
    SameType(usize, i64, String),
    /// Splice raw JSON text (numbers serde cannot hold, lone surrogates, …) at a node.
    Raw(usize, &'static str),
}

#[derive(Clone, Debug)]
enum ByteEdit {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Truncate(usize),
}

#[derive(Clone, Debug)]
enum BodyGen {
    Empty,
    Bytes(Vec<u8>),
    Json(Value),
    /// A valid body for the route (one of several).
    Valid(usize),
    /// A valid body with JSON-level mutations.
    Mutated(usize, Vec<Mutation>),
    /// A valid body with byte-level edits.
    Edited(usize, Vec<ByteEdit>),
    /// `[[[[…]]]]` or `{"a":{"a":…}}` this deep.
    Deep(usize, bool),
    /// A valid-looking JSON document this many bytes long (the limit is 16 KiB).
    Huge(usize),
}

#[derive(Clone, Debug)]
struct Case {
    method: MethodGen,
    route: Route,
    query: Query,
    auth: Auth,
    key: IdemKey,
    if_match: IfMatch,
    content_type: ContentType,
    body: BodyGen,
}

// ---------------------------------------------------------------------------------------
// Strategies.
// ---------------------------------------------------------------------------------------

/// Strings that have hurt web applications, and markers we can look for in answers.
const NASTY: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "CAPS-INTENSO'; DROP TABLE subscriptions; --",
    "' OR 1=1 --",
    "\u{202e}OSNETNI-SPAC",
    "שלום עולם",
    "مرحبا",
    "CAPS-INTENSO\u{0}",
    "\u{feff}CAPS-INTENSO",
    " CAPS-INTENSO ",
    "caps-intenso",
    "CAPS-INTENSŌ",
    "👩‍👩‍👧‍👦",
    "e\u{301}\u{301}\u{301}",
    "../../etc/passwd",
    "%00",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "\\",
    "\"",
    "",
    " ",
];

/// Substrings of `NASTY` no problem document may contain: errors never echo input.
const CANARIES: &[&str] = &[
    "<script",
    "onerror",
    "javascript:",
    "DROP TABLE",
    "\u{202e}",
    "{{7*7}}",
    "jndi",
];

fn nasty() -> impl Strategy<Value = String> {
    prop::sample::select(NASTY).prop_map(str::to_owned)
}

fn weird_string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => nasty(),
        3 => any::<String>(),
        2 => "[ -~]{0,40}",
        1 => (1usize..5000).prop_map(|n| "a".repeat(n)),
        1 => prop::sample::select(&[65usize, 256, 4096, 17_000][..]).prop_map(|n| "é".repeat(n)),
        2 => prop::sample::select(&[
            "week", "month", "day", "WEEK", "Week", "year", "fortnight", "weeks",
            "pause_forever", "Skip", "SKIP", "trending", "hover", "too_much_product",
            "CAPS-LUNGO", "DESCALE-KIT", "BARISTA-ONE", "WATER-FILTER", "MILK-FROTHER",
            "2026-02-30", "2026-13-01", "0000-01-01", "9999-12-31", "+2026-04-02",
            "2026-4-2", "2026-04-02T00:00:00Z", "2026-03-16", "2026-04-02", "2026-04-30",
            "2026-03-15", "-0001-01-01", "1e3", "NaN",
        ][..]).prop_map(str::to_owned),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        (-3i64..30).prop_map(Value::from),
        prop::sample::select(vec![
            json!(0),
            json!(-1),
            json!(1.5),
            json!(-0.0),
            json!(1e308),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(u64::from(u32::MAX) + 1),
            json!(65_536),
            json!(9_007_199_254_740_993u64),
            json!(21),
            json!(20),
        ]),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(&[
            "sku", "quantity", "interval", "count", "unit", "action", "date", "deliveries",
            "reason", "events", "kind", "context", "until", "id", "status", "__proto__",
        ][..]).prop_map(str::to_owned),
        1 => weird_string(),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        number(),
        weird_string().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..5)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// A header value's bytes: anything `HeaderValue` can carry (no controls but tab).
fn header_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..80).prop_map(|bytes| {
        bytes
            .into_iter()
            .map(|b| {
                if (b < 0x20 && b != b'\t') || b == 0x7f {
                    b'?'
                } else {
                    b
                }
            })
            .collect()
    })
}

fn seg(known: &'static [&'static str]) -> impl Strategy<Value = Seg> {
    prop_oneof![
        4 => prop::sample::select(known).prop_map(Seg::Exact),
        2 => weird_string().prop_map(Seg::Text),
        1 => prop::collection::vec(any::<u8>(), 0..40).prop_map(Seg::Bytes),
        1 => "[A-Za-z0-9._~!$&'()*+,;=:@%-]{0,30}".prop_map(Seg::Raw),
    ]
}

const SKUS: &[&str] = &[
    "CAPS-INTENSO",
    "CAPS-LUNGO",
    "BARISTA-ONE",
    "DESCALE-KIT",
    "NO-SUCH-SKU",
];
const SUBS: &[&str] = &[
    ADA_SUB,
    ADA_SUB,
    "sub_demo_owner_1_caps-intenso",
    "sub_nope",
];
/// Ada's routines are 1 (descale) and 2 (water filter) in a fresh database.
const ROUTINES: &[&str] = &["1", "2", "1", "999", "descale"];
const FEEDS: &[&str] = &[
    "0000000000000000000000000000000000000000000000000000000000000000.ics",
    "feed.ics",
    "",
];

fn route() -> impl Strategy<Value = Route> {
    prop_oneof![
        1 => Just(Route::Health),
        3 => seg(SKUS).prop_map(Route::Product),
        3 => seg(SKUS).prop_map(Route::PlanIcs),
        2 => Just(Route::Me),
        2 => Just(Route::MeCalendar),
        2 => prop_oneof![3 => Just(Seg::Feed), 2 => seg(FEEDS)].prop_map(Route::CalendarFeed),
        4 => Just(Route::Subscribe),
        2 => seg(SUBS).prop_map(Route::Subscription),
        6 => seg(SUBS).prop_map(Route::Changes),
        2 => seg(ROUTINES).prop_map(Route::RoutineDone),
        3 => Just(Route::Recommendations),
        4 => Just(Route::Events),
        1 => Just(Route::OpenApi),
        1 => prop::collection::vec(seg(&["me", "products", "subscriptions", "widget"]), 0..4)
            .prop_map(Route::Elsewhere),
    ]
}

/// The routes that take a body.
fn body_route() -> impl Strategy<Value = Route> {
    prop_oneof![
        2 => Just(Route::Subscribe),
        4 => prop_oneof![6 => Just(Seg::Exact(ADA_SUB)), 1 => seg(SUBS)].prop_map(Route::Changes),
        2 => Just(Route::Events),
        1 => prop_oneof![3 => Just(Seg::Exact("1")), 1 => seg(ROUTINES)].prop_map(Route::RoutineDone),
    ]
}

/// The routes that take path segments or a query.
fn url_route() -> impl Strategy<Value = Route> {
    prop_oneof![
        seg(SKUS).prop_map(Route::Product),
        seg(SKUS).prop_map(Route::PlanIcs),
        prop_oneof![Just(Seg::Feed), seg(FEEDS)].prop_map(Route::CalendarFeed),
        seg(SUBS).prop_map(Route::Subscription),
        seg(SUBS).prop_map(Route::Changes),
        seg(ROUTINES).prop_map(Route::RoutineDone),
        Just(Route::Recommendations),
        prop::collection::vec(seg(&["me", "products", "openapi.json"]), 0..4)
            .prop_map(Route::Elsewhere),
    ]
}

fn method(fuzz: bool) -> impl Strategy<Value = MethodGen> {
    let other = prop::sample::select(&["PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "FROB"][..])
        .prop_map(MethodGen::Other);
    if fuzz {
        prop_oneof![6 => Just(MethodGen::Natural), 1 => Just(MethodGen::Get), 1 => Just(MethodGen::Post), 2 => other].boxed()
    } else {
        prop_oneof![20 => Just(MethodGen::Natural), 1 => other].boxed()
    }
}

fn query(fuzz: bool) -> impl Strategy<Value = Query> {
    let value = prop_oneof![
        prop::sample::select(
            &[
                "product",
                "account",
                "CAPS-INTENSO",
                "4w",
                "2w",
                "3m",
                "once",
                "0w",
                "+4w",
                "99999d",
                "1",
                "20",
                "21",
                "0",
                "-1",
                "4294967296",
                "",
            ][..]
        )
        .prop_map(str::to_owned),
        weird_string(),
    ];
    let pairs = prop::collection::vec((key(), value), 0..5);
    if fuzz {
        prop_oneof![
            1 => Just(Query::None),
            2 => (0usize..4).prop_map(Query::Valid),
            4 => pairs.prop_map(Query::Pairs),
            2 => "[A-Za-z0-9._~!$&'()*+,;=:@%/?-]{0,40}".prop_map(Query::Raw),
        ]
        .boxed()
    } else {
        prop_oneof![2 => Just(Query::None), 5 => (0usize..4).prop_map(Query::Valid), 1 => pairs.prop_map(Query::Pairs)].boxed()
    }
}

fn signed_claims() -> impl Strategy<Value = Value> {
    let exp = prop_oneof![
        Just(json!(i64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(i64::MAX - 29)),
        (TODAY_SECS - 120..TODAY_SECS + 120).prop_map(Value::from),
        number(),
        weird_string().prop_map(Value::from),
        Just(Value::Null),
    ];
    let sub = prop_oneof![
        3 => prop::sample::select(&["cust_ada", "cust_grace", "", "cust_nobody"][..]).prop_map(Value::from),
        1 => weird_string().prop_map(Value::from),
        1 => number(),
    ];
    (sub, exp, prop::option::of(number())).prop_map(|(sub, exp, iat)| {
        let mut claims = json!({ "sub": sub, "exp": exp });
        if let Some(iat) = iat {
            claims["iat"] = iat;
        }
        claims
    })
}

fn auth(fuzz: bool) -> impl Strategy<Value = Auth> {
    let valid = prop::sample::select(&["cust_ada", "cust_ada", "cust_grace", "cust_owner_1"][..])
        .prop_map(Auth::Valid);
    if !fuzz {
        return prop_oneof![12 => valid, 1 => Just(Auth::None), 1 => Just(Auth::Expired)].boxed();
    }
    prop_oneof![
        8 => valid,
        2 => Just(Auth::None),
        1 => Just(Auth::Expired),
        1 => Just(Auth::UnknownCustomer),
        1 => Just(Auth::WrongSecret),
        1 => Just(Auth::AlgNone),
        1 => Just(Auth::Hs512),
        1 => Just(Auth::Tampered),
        3 => signed_claims().prop_map(Auth::Signed),
        1 => prop::sample::select(&["bearer", "BEARER", "Basic", "Token", "Bearer  ", "Bearer\t", ""][..])
            .prop_map(Auth::Scheme),
        2 => weird_string().prop_map(Auth::BearerText),
        2 => header_bytes().prop_map(Auth::Garbage),
        1 => header_bytes().prop_map(Auth::Twice),
    ]
    .boxed()
}

fn idem_key(fuzz: bool) -> impl Strategy<Value = IdemKey> {
    if !fuzz {
        return prop_oneof![10 => Just(IdemKey::Fresh), 2 => (0usize..3).prop_map(IdemKey::Fixed), 1 => Just(IdemKey::None)].boxed();
    }
    prop_oneof![
        3 => Just(IdemKey::Fresh),
        2 => (0usize..3).prop_map(IdemKey::Fixed),
        2 => Just(IdemKey::None),
        1 => Just(IdemKey::Upper),
        1 => Just(IdemKey::Braced),
        1 => Just(IdemKey::Urn),
        2 => header_bytes().prop_map(IdemKey::Garbage),
        2 => weird_string().prop_map(IdemKey::Text),
        1 => Just(IdemKey::Twice),
    ]
    .boxed()
}

fn if_match(fuzz: bool) -> impl Strategy<Value = IfMatch> {
    if !fuzz {
        return prop_oneof![12 => Just(IfMatch::Current), 1 => Just(IfMatch::Stale), 1 => Just(IfMatch::None)].boxed();
    }
    prop_oneof![
        3 => Just(IfMatch::Current),
        2 => Just(IfMatch::None),
        1 => Just(IfMatch::Star),
        1 => Just(IfMatch::Stale),
        1 => Just(IfMatch::Weak),
        2 => header_bytes().prop_map(IfMatch::Garbage),
        2 => weird_string().prop_map(IfMatch::Text),
    ]
    .boxed()
}

fn content_type(fuzz: bool) -> impl Strategy<Value = ContentType> {
    if !fuzz {
        return prop_oneof![12 => Just(ContentType::Exact("application/json")), 1 => Just(ContentType::None)].boxed();
    }
    prop_oneof![
        4 => Just(ContentType::Exact("application/json")),
        2 => Just(ContentType::None),
        4 => prop::sample::select(&[
            "application/json; charset=utf-8",
            "APPLICATION/JSON",
            "text/plain",
            "text/plain;charset=UTF-8",
            "application/problem+json",
            "application/merge-patch+json",
            "application/json+evil",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyz",
            "application/octet-stream",
            "application/jsonx",
            ";",
            "",
        ][..]).prop_map(ContentType::Exact),
        2 => header_bytes().prop_map(ContentType::Garbage),
    ]
    .boxed()
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        // Mostly leaves, which keep the document's shape and reach the domain rules.
        6 => (any::<usize>(), prop_oneof![
            3 => number(),
            3 => weird_string().prop_map(Value::from),
            2 => json_value(),
        ]).prop_map(|(at, v)| Mutation::Replace(at, v)),
        8 => (any::<usize>(), prop_oneof![
            -3i64..30,
            prop::sample::select(&[4_294_967_295i64, 65_535, 65_536, 1_000_000][..]),
        ], weird_string()).prop_map(|(at, n, s)| Mutation::SameType(at, n, s)),
        2 => any::<usize>().prop_map(Mutation::Remove),
        2 => (any::<usize>(), key(), json_value()).prop_map(|(at, k, v)| Mutation::Add(at, k, v)),
        2 => (any::<usize>(), prop::sample::select(&[
            "1e400", "-1e400", "123456789012345678901234567890", "-0", "1.0e-400", "NaN",
            "Infinity", "0x10", "01", "1.", ".5", "\"\\ud800\"", "\"\\u0000\"", "\"\\uDFFF\\uD800\"",
            "[1,]", "{\"a\":1,}", "tru", "nul", "\"unterminated", "4294967296", "65536",
        ][..])).prop_map(|(at, text)| Mutation::Raw(at, text)),
    ]
}

fn byte_edit() -> impl Strategy<Value = ByteEdit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| ByteEdit::Flip(at, b)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, b)| ByteEdit::Insert(at, b)),
        any::<usize>().prop_map(ByteEdit::Truncate),
    ]
}

fn body(fuzz: bool) -> impl Strategy<Value = BodyGen> {
    let mutations = prop_oneof![
        3 => prop::collection::vec(mutation(), 1..2),
        1 => prop::collection::vec(mutation(), 2..5),
    ];
    let mutated = (0usize..16, mutations).prop_map(|(i, m)| BodyGen::Mutated(i, m));
    if !fuzz {
        return prop_oneof![8 => (0usize..16).prop_map(BodyGen::Valid), 1 => mutated].boxed();
    }
    prop_oneof![
        1 => Just(BodyGen::Empty),
        2 => prop::collection::vec(any::<u8>(), 0..512).prop_map(BodyGen::Bytes),
        3 => json_value().prop_map(BodyGen::Json),
        2 => (0usize..16).prop_map(BodyGen::Valid),
        8 => mutated,
        3 => (0usize..16, prop::collection::vec(byte_edit(), 1..4)).prop_map(|(i, e)| BodyGen::Edited(i, e)),
        1 => (prop::sample::select(&[2usize, 127, 128, 129, 1000, 20_000][..]), any::<bool>())
            .prop_map(|(d, obj)| BodyGen::Deep(d, obj)),
        1 => prop::sample::select(&[16_383usize, 16_384, 16_385, 70_000][..]).prop_map(BodyGen::Huge),
    ]
    .boxed()
}

#[allow(clippy::too_many_arguments)]
fn case(
    route: impl Strategy<Value = Route>,
    method: impl Strategy<Value = MethodGen>,
    query: impl Strategy<Value = Query>,
    auth: impl Strategy<Value = Auth>,
    key: impl Strategy<Value = IdemKey>,
    if_match: impl Strategy<Value = IfMatch>,
    content_type: impl Strategy<Value = ContentType>,
    body: impl Strategy<Value = BodyGen>,
) -> impl Strategy<Value = Case> {
    (
        (route, method, query, auth),
        (key, if_match, content_type, body),
    )
        .prop_map(
            |((route, method, query, auth), (key, if_match, content_type, body))| Case {
                method,
                route,
                query,
                auth,
                key,
                if_match,
                content_type,
                body,
            },
        )
}

// ---------------------------------------------------------------------------------------
// Turning a case into a request.
// ---------------------------------------------------------------------------------------

fn percent_encode(bytes: &[u8]) -> String {
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

/// What the fuzzer needs at run time: the app, its tokens and the real feed file.
struct Fixture {
    app: TestApp,
    feed: String,
    /// The OpenAPI document, as served.
    spec: Value,
}

impl Fixture {
    async fn new() -> Fixture {
        let app = TestApp::new();
        let reply = app
            .get_as("/api/v1/me/calendar", &app.token("cust_ada"))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let url = reply.json()["feed_url"].as_str().unwrap().to_owned();
        let feed = url.rsplit('/').next().unwrap().to_owned();
        let spec = serde_json::to_value(ApiDoc::openapi()).unwrap();
        Fixture { app, feed, spec }
    }

    /// The statuses the OpenAPI document lists for the route's operation under `method`,
    /// or `None` when the route has no such operation (unknown paths, other methods).
    fn documented(&self, route: &Route, method: &Method) -> Option<Vec<String>> {
        let template = match route {
            Route::Health => "/api/v1/health",
            Route::Product(_) => "/api/v1/products/{sku}",
            Route::PlanIcs(_) => "/api/v1/products/{sku}/plan.ics",
            Route::Me => "/api/v1/me",
            Route::MeCalendar => "/api/v1/me/calendar",
            Route::CalendarFeed(_) => "/api/v1/calendar/{feed}",
            Route::Subscribe => "/api/v1/me/subscriptions",
            Route::Subscription(_) => "/api/v1/me/subscriptions/{id}",
            Route::Changes(_) => "/api/v1/me/subscriptions/{id}/changes",
            Route::RoutineDone(_) => "/api/v1/me/routines/{routine_id}/done",
            Route::Recommendations => "/api/v1/recommendations",
            Route::Events => "/api/v1/events",
            Route::OpenApi => "/api/v1/openapi.json",
            Route::Elsewhere(_) => return None,
        };
        let operation = &self.spec["paths"][template][method.as_str().to_ascii_lowercase()];
        let responses = operation["responses"].as_object()?;
        Some(responses.keys().cloned().collect())
    }

    fn seg(&self, seg: &Seg) -> String {
        match seg {
            Seg::Exact(s) => percent_encode(s.as_bytes()),
            Seg::Feed => self.feed.clone(),
            Seg::Text(s) => percent_encode(s.as_bytes()),
            Seg::Bytes(b) => percent_encode(b),
            Seg::Raw(s) => s.clone(),
        }
    }

    fn path(&self, route: &Route) -> String {
        let p = |s: &Seg| self.seg(s);
        match route {
            Route::Health => "/api/v1/health".into(),
            Route::Product(s) => format!("/api/v1/products/{}", p(s)),
            Route::PlanIcs(s) => format!("/api/v1/products/{}/plan.ics", p(s)),
            Route::Me => "/api/v1/me".into(),
            Route::MeCalendar => "/api/v1/me/calendar".into(),
            Route::CalendarFeed(s) => format!("/api/v1/calendar/{}", p(s)),
            Route::Subscribe => "/api/v1/me/subscriptions".into(),
            Route::Subscription(s) => format!("/api/v1/me/subscriptions/{}", p(s)),
            Route::Changes(s) => format!("/api/v1/me/subscriptions/{}/changes", p(s)),
            Route::RoutineDone(s) => format!("/api/v1/me/routines/{}/done", p(s)),
            Route::Recommendations => "/api/v1/recommendations".into(),
            Route::Events => "/api/v1/events".into(),
            Route::OpenApi => "/api/v1/openapi.json".into(),
            Route::Elsewhere(segs) => {
                let mut path = "/api/v1".to_owned();
                for s in segs {
                    path.push('/');
                    path.push_str(&p(s));
                }
                path
            }
        }
    }

    fn token(&self, auth: &Auth) -> Option<Vec<u8>> {
        let keys = &self.app.state.keys;
        let bearer = |t: String| Some(format!("Bearer {t}").into_bytes());
        let signed = |alg: Algorithm, claims: &Value| {
            jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(SECRET))
                .unwrap()
        };
        match auth {
            Auth::None => None,
            Auth::Valid(who) => bearer(self.app.token(who)),
            Auth::Expired => bearer(keys.mint("cust_ada", 60, Clock::Fixed(TODAY_SECS - 3600))),
            Auth::UnknownCustomer => bearer(self.app.token("cust_nobody")),
            Auth::WrongSecret => bearer(JwtKeys::new(b"another-secret-another-secret-xx").mint(
                "cust_ada",
                3600,
                clock(),
            )),
            Auth::AlgNone => bearer(format!(
                "{}.{}.",
                b64url(br#"{"alg":"none","typ":"JWT"}"#),
                b64url(format!(r#"{{"sub":"cust_ada","exp":{}}}"#, TODAY_SECS + 3600).as_bytes())
            )),
            Auth::Hs512 => bearer(signed(
                Algorithm::HS512,
                &json!({ "sub": "cust_ada", "exp": TODAY_SECS + 3600 }),
            )),
            Auth::Tampered => {
                let mut token = self.app.token("cust_ada").into_bytes();
                let last = token.len() - 2;
                token[last] = if token[last] == b'A' { b'B' } else { b'A' };
                bearer(String::from_utf8(token).unwrap())
            }
            Auth::Signed(claims) => bearer(signed(Algorithm::HS256, claims)),
            Auth::Scheme(scheme) => {
                Some(format!("{scheme} {}", self.app.token("cust_ada")).into_bytes())
            }
            Auth::BearerText(text) => Some(format!("Bearer {text}").into_bytes()),
            Auth::Garbage(bytes) | Auth::Twice(bytes) => Some(bytes.clone()),
        }
    }

    fn idempotency_key(&self, key: &IdemKey) -> Option<Vec<u8>> {
        const FIXED: [&str; 3] = [KEY_1, KEY_2, "00000000-0000-4000-8000-000000000000"];
        let fresh = || uuid::Uuid::new_v4();
        let key = match key {
            IdemKey::None => return None,
            IdemKey::Fresh | IdemKey::Twice => fresh().to_string(),
            IdemKey::Fixed(i) => FIXED[i % FIXED.len()].to_owned(),
            IdemKey::Upper => fresh().to_string().to_uppercase(),
            IdemKey::Braced => format!("{{{}}}", fresh()),
            IdemKey::Urn => fresh().urn().to_string(),
            IdemKey::Garbage(bytes) => return Some(bytes.clone()),
            IdemKey::Text(text) => text.clone(),
        };
        Some(key.into_bytes())
    }

    /// The current ETag of the subscription a `changes` route names, as Ada sees it.
    async fn current_etag(&self, route: &Route) -> String {
        let id = match route {
            Route::Changes(Seg::Exact(id)) | Route::Subscription(Seg::Exact(id)) => *id,
            _ => ADA_SUB,
        };
        let reply = self
            .app
            .get_as(
                &format!("/api/v1/me/subscriptions/{}", percent_encode(id.as_bytes())),
                &self.app.token("cust_ada"),
            )
            .await;
        reply
            .header("etag")
            .map_or_else(|| format!("\"{id}.v1\""), str::to_owned)
    }

    async fn if_match(&self, if_match: &IfMatch, route: &Route) -> Option<Vec<u8>> {
        let etag = match if_match {
            IfMatch::None => return None,
            IfMatch::Current => self.current_etag(route).await,
            IfMatch::Star => "*".into(),
            IfMatch::Stale => format!("\"{ADA_SUB}.v0\""),
            IfMatch::Weak => format!("W/{}", self.current_etag(route).await),
            IfMatch::Garbage(bytes) => return Some(bytes.clone()),
            IfMatch::Text(text) => text.clone(),
        };
        Some(etag.into_bytes())
    }

    /// The request, or `None` when no HTTP client could send it (an invalid URI).
    async fn request(&self, case: &Case) -> Option<(Method, Request<Body>)> {
        let natural = match case.route {
            Route::Subscribe | Route::Events | Route::RoutineDone(_) => Method::POST,
            Route::Changes(_) if !matches!(case.body, BodyGen::Empty) => Method::POST,
            _ => Method::GET,
        };
        let method = match &case.method {
            MethodGen::Natural => natural,
            MethodGen::Get => Method::GET,
            MethodGen::Post => Method::POST,
            MethodGen::Other(m) => Method::from_bytes(m.as_bytes()).unwrap(),
        };
        let mut uri = self.path(&case.route);
        let query = match &case.query {
            Query::None => None,
            Query::Valid(i) => Some(valid_query(&case.route, *i)),
            Query::Pairs(pairs) => Some(
                pairs
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{}={}",
                            percent_encode(k.as_bytes()),
                            percent_encode(v.as_bytes())
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("&"),
            ),
            Query::Raw(raw) => Some(raw.clone()),
        };
        if let Some(query) = query {
            uri.push('?');
            uri.push_str(&query);
        }
        let uri: axum::http::Uri = uri.parse().ok()?;
        // As from the shop's pages: events are only taken from an allowed origin (the
        // refusal of other origins is tested in tests/events.rs).
        let mut request = Request::builder()
            .method(method.clone())
            .uri(uri)
            .header(header::ORIGIN, SHOP_ORIGIN);
        let header = |bytes: Vec<u8>| HeaderValue::from_bytes(&bytes).ok();
        if let Some(value) = self.token(&case.auth).and_then(header) {
            request = request.header(header::AUTHORIZATION, value);
            if let Auth::Twice(_) = case.auth {
                let ada = format!("Bearer {}", self.app.token("cust_ada"));
                request = request.header(header::AUTHORIZATION, ada);
            }
        }
        if let Some(value) = self.idempotency_key(&case.key).and_then(header) {
            request = request.header("idempotency-key", value);
            if let IdemKey::Twice = case.key {
                request = request.header("idempotency-key", KEY_1);
            }
        }
        if let Some(value) = self
            .if_match(&case.if_match, &case.route)
            .await
            .and_then(header)
        {
            request = request.header(header::IF_MATCH, value);
        }
        let content_type = match &case.content_type {
            ContentType::None => None,
            ContentType::Exact(ct) => Some(ct.as_bytes().to_vec()),
            ContentType::Garbage(bytes) => Some(bytes.clone()),
        };
        if let Some(value) = content_type.and_then(header) {
            request = request.header(header::CONTENT_TYPE, value);
        }
        let body = body_bytes(&case.route, &case.body);
        Some((method, request.body(Body::from(body)).ok()?))
    }
}

fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, &b| n << 8 | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

fn valid_query(route: &Route, i: usize) -> String {
    let options: &[&str] = match route {
        Route::Recommendations => &[
            "context=product&sku=CAPS-INTENSO",
            "context=account",
            "context=product&sku=BARISTA-ONE",
            "sku=DESCALE-KIT&context=product",
        ],
        Route::PlanIcs(_) => &[
            "interval=4w&quantity=2",
            "interval=once",
            "quantity=20",
            "interval=3m",
        ],
        _ => &["", "x=1"],
    };
    options[i % options.len()].to_owned()
}

/// Valid bodies for the route, against the seeded data (today is 2026-03-15; Ada's
/// subscription delivers every 4 weeks, next on 2026-04-02).
fn valid_body(route: &Route, i: usize) -> Value {
    let options: Vec<Value> = match route {
        Route::Subscribe => vec![
            json!({"sku": "CAPS-INTENSO", "quantity": 1, "interval": {"count": 2, "unit": "week"}}),
            json!({"sku": "CAPS-LUNGO", "quantity": 20, "interval": {"count": 8, "unit": "week"}}),
            json!({"sku": "DESCALE-KIT", "quantity": 1, "interval": {"count": 3, "unit": "month"}}),
        ],
        Route::Events => vec![
            json!({"events": [{"kind": "impression", "sku": "CAPS-LUNGO", "reason": "bought_together", "context": "product"}]}),
            json!({"events": [
                {"kind": "click", "sku": "DESCALE-KIT", "reason": "due_soon", "action": "add_to_next_delivery", "context": "account"},
                {"kind": "action", "sku": "WATER-FILTER", "action": "subscribe", "context": "account"}
            ]}),
            json!({"events": []}),
        ],
        // Today is 2026-03-15; Ada bought her machine on 2025-02-08.
        Route::RoutineDone(_) => vec![
            json!({}),
            json!({"done_on": "2026-03-10"}),
            json!({"done_on": null}),
            json!({"done_on": "2025-02-08"}),
        ],
        _ => vec![
            json!({"action": "skip", "date": "2026-04-02"}),
            json!({"action": "unskip", "date": "2026-04-02"}),
            json!({"action": "pause"}),
            json!({"action": "pause_for", "deliveries": 2}),
            json!({"action": "pause_until", "date": "2026-05-01"}),
            json!({"action": "resume"}),
            json!({"action": "reschedule", "date": "2026-04-10"}),
            json!({"action": "ship_now"}),
            json!({"action": "set_interval", "interval": {"count": 2, "unit": "week"}}),
            json!({"action": "set_quantity", "quantity": 3}),
            json!({"action": "swap", "sku": "CAPS-LUNGO"}),
            json!({"action": "cancel", "reason": "too_expensive"}),
            json!({"action": "cancel"}),
            json!({"action": "reactivate"}),
            json!({"action": "add_once", "sku": "DESCALE-KIT", "quantity": 1}),
        ],
    };
    options[i % options.len()].clone()
}

/// JSON pointers to every node of `value`, root first.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            out.push(at.clone());
            for (k, v) in map {
                let k = k.replace('~', "~0").replace('/', "~1");
                pointers(v, format!("{at}/{k}"), out);
            }
        }
        Value::Array(items) => {
            out.push(at.clone());
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => out.push(at),
    }
}

fn node(value: &Value, at: usize) -> String {
    let mut all = Vec::new();
    pointers(value, String::new(), &mut all);
    all.swap_remove(at % all.len())
}

const RAW_MARK: &str = "__cadence_fuzz_raw__";

fn mutate(mut value: Value, mutations: &[Mutation]) -> Vec<u8> {
    let mut raw = None;
    for m in mutations {
        match m {
            Mutation::Replace(at, with) => {
                let p = node(&value, *at);
                *value.pointer_mut(&p).unwrap() = with.clone();
            }
            Mutation::Remove(at) => {
                let p = node(&value, *at);
                match p.rsplit_once('/') {
                    None => value = Value::Null,
                    Some((parent, last)) => match value.pointer_mut(parent).unwrap() {
                        Value::Object(map) => {
                            map.remove(&last.replace("~1", "/").replace("~0", "~"));
                        }
                        Value::Array(items) => {
                            items.remove(last.parse::<usize>().unwrap());
                        }
                        _ => unreachable!("a parent is a container"),
                    },
                }
            }
            Mutation::Add(at, k, v) => {
                let p = node(&value, *at);
                if let Value::Object(map) = value.pointer_mut(&p).unwrap() {
                    map.insert(k.clone(), v.clone());
                } else if let Value::Array(items) = value.pointer_mut(&p).unwrap() {
                    items.push(v.clone());
                }
            }
            Mutation::SameType(at, n, text) => {
                let p = node(&value, *at);
                let target = value.pointer_mut(&p).unwrap();
                match target {
                    Value::Number(_) => *target = Value::from(*n),
                    Value::String(_) => *target = Value::from(text.as_str()),
                    _ => {}
                }
            }
            Mutation::Raw(at, text) => {
                let p = node(&value, *at);
                *value.pointer_mut(&p).unwrap() = Value::from(RAW_MARK);
                raw = Some(*text);
            }
        }
    }
    let text = serde_json::to_string(&value).unwrap();
    match raw {
        // A later mutation may have removed the mark; then the body stays as it is.
        Some(raw) => text.replacen(&format!("\"{RAW_MARK}\""), raw, 1),
        None => text,
    }
    .into_bytes()
}

fn body_bytes(route: &Route, body: &BodyGen) -> Vec<u8> {
    match body {
        BodyGen::Empty => Vec::new(),
        BodyGen::Bytes(bytes) => bytes.clone(),
        BodyGen::Json(value) => serde_json::to_vec(value).unwrap(),
        BodyGen::Valid(i) => serde_json::to_vec(&valid_body(route, *i)).unwrap(),
        BodyGen::Mutated(i, mutations) => mutate(valid_body(route, *i), mutations),
        BodyGen::Edited(i, edits) => {
            let mut bytes = serde_json::to_vec(&valid_body(route, *i)).unwrap();
            for edit in edits {
                match edit {
                    ByteEdit::Flip(at, b) if !bytes.is_empty() => {
                        let at = at % bytes.len();
                        bytes[at] ^= b | 1;
                    }
                    ByteEdit::Flip(..) => {}
                    ByteEdit::Insert(at, b) => {
                        let at = at % (bytes.len() + 1);
                        bytes.splice(at..at, b.iter().copied());
                    }
                    ByteEdit::Truncate(at) => bytes.truncate(at % (bytes.len() + 1)),
                }
            }
            bytes
        }
        BodyGen::Deep(depth, object) => {
            let (open, close) = if *object {
                (r#"{"a":"#, "}")
            } else {
                ("[", "]")
            };
            let mut text = open.repeat(*depth);
            text.push('1');
            text.push_str(&close.repeat(*depth));
            text.into_bytes()
        }
        BodyGen::Huge(len) => {
            let filler = "x".repeat(len.saturating_sub(20));
            serde_json::to_vec(&json!({ "sku": filler, "quantity": 1 })).unwrap()
        }
    }
}

// ---------------------------------------------------------------------------------------
// The properties.
// ---------------------------------------------------------------------------------------

/// Every table of the database, in full: "nothing changed" means equal snapshots. Read
/// from the schema rather than listed, so a table a migration adds is covered too.
fn tables(conn: &Connection) -> Vec<String> {
    let sql = match conn.dialect() {
        Dialect::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        Dialect::Postgres => "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
    };
    conn.query_all(sql, [], |row| row.get(0)).unwrap()
}

/// Per table: its row count and every row's values, sorted (tables `WITHOUT ROWID` have no
/// rowid order to rely on).
fn snapshot(app: &TestApp) -> Vec<(String, usize, String)> {
    let conn = app.state.db.conn().unwrap();
    tables(&conn)
        .into_iter()
        .map(|table| {
            let mut dumped = conn
                .query_all(&format!("SELECT * FROM {table}"), [], |row| {
                    let mut line = String::new();
                    for i in 0..row.column_count() {
                        let value: SqlValue = row.get(i)?;
                        line.push_str(&format!("{value:?}\u{1f}"));
                    }
                    Ok(line)
                })
                .unwrap();
            dumped.sort();
            (table, dumped.len(), dumped.join("\n"))
        })
        .collect()
}

fn counts(snapshot: &[(String, usize, String)]) -> Vec<(&str, usize)> {
    snapshot.iter().map(|(t, n, _)| (t.as_str(), *n)).collect()
}

async fn check(fixture: &Fixture, case: &Case) -> Result<(), TestCaseError> {
    let Some((method, request)) = fixture.request(case).await else {
        // Not a valid URI: no client could send it, the server never sees it.
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
    // The contract lists every status an operation can answer (405 is the method's, not
    // the operation's, and the client's own mistakes in the path may miss the route).
    if let Some(documented) = fixture.documented(&case.route, &method) {
        prop_assert!(
            documented.contains(&status.as_u16().to_string()),
            "{described} answered {status}, which its OpenAPI operation does not list \
             ({documented:?}): {}",
            reply.text()
        );
    }
    if status.is_success() {
        return Ok(());
    }
    prop_assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json"),
        "{} answered {} without a problem document",
        described,
        status
    );
    if method != Method::HEAD {
        let problem: Value = serde_json::from_slice(&reply.body).map_err(|e| {
            TestCaseError::fail(format!(
                "{described}: problem is not JSON ({e}): {}",
                reply.text()
            ))
        })?;
        prop_assert!(problem["type"].is_string(), "{described}: {problem}");
        prop_assert!(problem["title"].is_string(), "{described}: {problem}");
        prop_assert_eq!(problem["status"].as_u64(), Some(u64::from(status.as_u16())));
        let text = reply.text();
        for canary in CANARIES {
            prop_assert!(
                !text.contains(canary),
                "{described} echoed {canary:?}: {text}"
            );
        }
    }
    let after = snapshot(&fixture.app);
    if before != after {
        let changed: Vec<_> = before
            .iter()
            .zip(&after)
            .filter(|(b, a)| b != a)
            .map(|(b, _)| b.0.as_str())
            .collect();
        return Err(TestCaseError::fail(format!(
            "{described} was refused with {status} but changed {changed:?}: counts {:?} -> {:?}",
            counts(&before),
            counts(&after)
        )));
    }
    Ok(())
}

/// Runs `cases` generated requests against one fresh, seeded database.
fn fuzz(default_cases: u32, strategy: impl Strategy<Value = Case>) {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default_cases);
    let config = Config {
        cases,
        // Failures are saved beside this file, in fuzz_requests.proptest-regressions, and
        // replayed first. Named explicitly: proptest's default would look for a main.rs
        // above this file, find this binary's, and use tests/proptest-regressions/ instead.
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        max_shrink_iters: 512,
        ..Config::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let fixture = runtime.block_on(Fixture::new());
    let mut runner = TestRunner::new(config);
    let result = runner.run(&strategy, |case| runtime.block_on(check(&fixture, &case)));
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn any_request_to_any_route() {
    fuzz(
        300,
        case(
            route(),
            method(true),
            query(true),
            auth(true),
            idem_key(true),
            if_match(true),
            content_type(true),
            body(true),
        ),
    );
}

/// Good credentials and headers, so bodies get past them to the decoding and the rules.
#[test]
fn mutated_bodies_with_good_headers() {
    fuzz(
        300,
        case(
            body_route(),
            method(false),
            query(false),
            auth(false),
            idem_key(false),
            if_match(false),
            content_type(false),
            body(true),
        ),
    );
}

/// Valid bodies under garbage tokens, keys, preconditions and content types.
#[test]
fn garbage_headers_around_valid_bodies() {
    fuzz(
        250,
        case(
            body_route(),
            method(false),
            query(false),
            auth(true),
            idem_key(true),
            if_match(true),
            content_type(true),
            body(false),
        ),
    );
}

/// Path segments and query strings on the reading routes.
#[test]
fn paths_and_queries() {
    fuzz(
        250,
        case(
            url_route(),
            method(false),
            query(true),
            auth(false),
            idem_key(false),
            if_match(false),
            content_type(false),
            Just(BodyGen::Empty),
        ),
    );
}
