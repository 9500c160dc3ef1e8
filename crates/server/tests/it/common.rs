//! Shared test harness: a seeded app on a temporary database, driven with `oneshot`.
//!
//! The database is a SQLite file, or, when `CADENCE_TEST_BACKEND=postgres` (as `cargo
//! xtask test`'s second pass sets), a fresh schema on the throwaway PostgreSQL cluster at
//! `CADENCE_TEST_PG_URL`: the same tests then hold for both.
#![allow(dead_code)] // Helpers kept for the next test even when no module calls them today.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::Router;
use cadence_server::auth::JwtKeys;
use cadence_server::clock::Clock;
use cadence_server::db::{Db, Location};
use cadence_server::limits::Limits;
use cadence_server::merchant_key::MerchantKey;
use cadence_server::storefront::{shop_app, MerchantAccess, ShopState};
use cadence_server::throttle::Throttle;
use cadence_server::{app, demo_data, AppState};
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

pub const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";
pub const SHOP_ORIGIN: &str = "https://shop.example";
pub const API_URL: &str = "http://api.test";
pub const MERCHANT_KEY: &str = "test-merchant-key-0123456789";
/// The fixed "today" of every test: 2026-03-15.
pub const TODAY_SECS: i64 = 20_527 * 86_400;

pub struct TestApp {
    pub dir: tempfile::TempDir,
    pub state: AppState,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// Asserts an RFC 9457 problem with this status, and returns it.
    pub fn problem(&self, status: StatusCode) -> Value {
        assert_eq!(self.status, status, "body: {}", self.text());
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let problem = self.json();
        assert_eq!(problem["status"], status.as_u16());
        assert!(problem["title"].is_string());
        problem
    }
}

pub fn clock() -> Clock {
    Clock::Fixed(TODAY_SECS)
}

impl TestApp {
    pub fn new() -> TestApp {
        let app = TestApp::unseeded();
        demo_data::insert_on_first_start(&app.state.db, clock()).unwrap();
        app
    }

    /// A migrated database without the demo data, for hand-made datasets.
    pub fn unseeded() -> TestApp {
        TestApp::unseeded_on(backend())
    }

    /// A seeded app on SQLite whatever the test pass (SQLite's own query plans, file).
    pub fn sqlite() -> TestApp {
        let app = TestApp::unseeded_on(Backend::Sqlite);
        demo_data::insert_on_first_start(&app.state.db, clock()).unwrap();
        app
    }

    pub fn unseeded_on(backend: Backend) -> TestApp {
        // RUST_LOG=… shows the server's logs (an internal error's cause) under a test.
        if std::env::var_os("RUST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
                .with_test_writer()
                .try_init();
        }
        let dir = tempfile::tempdir().unwrap();
        let widget_dir = dir.path().join("widget");
        std::fs::create_dir(&widget_dir).unwrap();
        std::fs::write(widget_dir.join("cadence.js"), "export default 1;\n").unwrap();
        std::fs::write(
            widget_dir.join("cadence_widget_bg.wasm"),
            b"\0asm\x01\0\0\0",
        )
        .unwrap();
        let db = match backend {
            Backend::Sqlite => Db::open(&dir.path().join("cadence.db")).unwrap().0,
            Backend::Postgres => {
                Db::connect(&Location::Postgres(fresh_pg_schema()), 8)
                    .unwrap()
                    .0
            }
        };
        let state = AppState {
            db,
            clock: clock(),
            keys: Arc::new(JwtKeys::new(SECRET)),
            allowed_origins: vec![HeaderValue::from_static(SHOP_ORIGIN)],
            widget_dir,
            public_url: API_URL.to_owned(),
            merchant_key: Some(MerchantKey::new(MERCHANT_KEY)),
            limits: Arc::default(),
            throttle: Arc::new(Throttle::new(&Limits::default())),
        };
        TestApp { dir, state }
    }

    pub fn router(&self) -> Router {
        app(self.state.clone())
    }

    pub fn shop(&self) -> Router {
        shop_app(self.shop_state())
    }

    /// The demo shop's state over this app (its clock, its API with the merchant key).
    pub fn shop_state(&self) -> ShopState {
        ShopState {
            db: self.state.db.clone(),
            keys: self.state.keys.clone(),
            clock: self.state.clock,
            api_url: API_URL.to_owned(),
            merchant: Some(MerchantAccess {
                key: MERCHANT_KEY.to_owned(),
                api: self.router(),
            }),
            inbox: cadence_server::storefront::inbox::Inbox::new(),
        }
    }

    pub fn token(&self, customer: &str) -> String {
        self.state.keys.mint(customer, 3600, clock())
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        send(self.router(), request).await
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    pub async fn get_as(&self, uri: &str, token: &str) -> Reply {
        let request = Request::get(uri).header(header::AUTHORIZATION, format!("Bearer {token}"));
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// `POST /api/v1/me/subscriptions` as Ada, with a JSON body and an Idempotency-Key.
    pub async fn subscribe(&self, key: &str, body: &str) -> Reply {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/me/subscriptions")
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", self.token("cust_ada")),
            )
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", key)
            .body(Body::from(body.to_owned()))
            .unwrap();
        self.send(request).await
    }

    /// Rows in `table`, read straight from the database.
    pub fn count(&self, table: &str) -> i64 {
        let conn = self.state.db.conn().unwrap();
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }
}

/// Which database a test pass runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// This pass's database: `CADENCE_TEST_BACKEND=postgres` or SQLite.
pub fn backend() -> Backend {
    match std::env::var("CADENCE_TEST_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        Ok("sqlite") | Err(_) => Backend::Sqlite,
        Ok(other) => panic!("CADENCE_TEST_BACKEND={other}: expected sqlite or postgres"),
    }
}

/// The test cluster's URL (`cargo xtask test` starts the cluster and sets it).
pub fn pg_url() -> String {
    std::env::var("CADENCE_TEST_PG_URL").expect(
        "CADENCE_TEST_PG_URL is not set: the PostgreSQL tests run under `cargo xtask test`, \
         which starts a throwaway cluster",
    )
}

/// A new, empty schema on the test cluster, and a URL whose sessions use it: every test
/// gets its own tables, as every SQLite test gets its own file.
pub fn fresh_pg_schema() -> String {
    let url = pg_url();
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    // On a thread of its own: the synchronous client may not run inside a test's runtime.
    let create = format!("CREATE SCHEMA {schema}");
    let admin_url = url.clone();
    std::thread::spawn(move || {
        let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls).unwrap();
        admin.batch_execute(&create).unwrap();
    })
    .join()
    .unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-c%20search_path%3D{schema}")
}

pub async fn send(router: Router, request: Request<Body>) -> Reply {
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

pub const INTENSO_EVERY_2_WEEKS: &str =
    r#"{"sku":"CAPS-INTENSO","quantity":1,"interval":{"count":2,"unit":"week"}}"#;
pub const KEY_1: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
pub const KEY_2: &str = "0b5f9c1e-3a4d-4f6e-9b8a-1c2d3e4f5a6b";

/// Ada's demo subscription: CAPS-INTENSO × 2 every 4 weeks, next delivery 2026-04-02.
pub const ADA_SUB: &str = "sub_demo_ada_intenso";

pub fn fresh_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn change_request(
    token: &str,
    id: &str,
    if_match: Option<&str>,
    key: &str,
    body: &str,
) -> Request<Body> {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/me/subscriptions/{id}/changes"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", key);
    if let Some(etag) = if_match {
        request = request.header(header::IF_MATCH, etag);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

impl TestApp {
    /// Ada's subscription `id` and its ETag.
    pub async fn subscription(&self, id: &str) -> (Value, String) {
        let reply = self
            .get_as(
                &format!("/api/v1/me/subscriptions/{id}"),
                &self.token("cust_ada"),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let etag = reply.header("etag").unwrap().to_owned();
        (reply.json(), etag)
    }

    /// One change as Ada with an explicit If-Match and key.
    pub async fn change_with(
        &self,
        id: &str,
        if_match: Option<&str>,
        key: &str,
        body: &str,
    ) -> Reply {
        let token = self.token("cust_ada");
        self.send(change_request(&token, id, if_match, key, body))
            .await
    }

    /// One change as Ada against the current ETag, with a fresh key.
    pub async fn change(&self, id: &str, body: &str) -> Reply {
        let (_, etag) = self.subscription(id).await;
        self.change_with(id, Some(&etag), &fresh_key(), body).await
    }

    /// Ada's change history of `id`.
    pub async fn history(&self, id: &str) -> Value {
        let reply = self
            .get_as(
                &format!("/api/v1/me/subscriptions/{id}/changes"),
                &self.token("cust_ada"),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        reply.json()
    }

    /// The subscription and its audit row count: what "nothing changed" compares.
    pub async fn state_of(&self, id: &str) -> (Value, i64) {
        let (sub, _) = self.subscription(id).await;
        let conn = self.state.db.conn().unwrap();
        let audit = conn
            .query_row(
                "SELECT count(*) FROM subscription_changes WHERE subscription_id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap();
        (sub, audit)
    }
}
