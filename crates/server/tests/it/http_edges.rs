//! Routing edges (404, 405), CORS, and the OpenAPI document.

use crate::common::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};

#[tokio::test]
async fn unknown_routes_are_404_problems() {
    let app = TestApp::new();
    app.get("/api/v1/nope").await.problem(StatusCode::NOT_FOUND);
    app.get("/api/v1").await.problem(StatusCode::NOT_FOUND);
    app.get("/elsewhere").await.problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn wrong_methods_are_405_problems_with_allow() {
    let app = TestApp::new();
    let reply = app
        .send(
            Request::delete("/api/v1/products/CAPS-INTENSO")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    reply.problem(StatusCode::METHOD_NOT_ALLOWED);
    assert!(reply.header("allow").unwrap().contains("GET"));
    let reply = app
        .send(
            Request::get("/api/v1/me/subscriptions")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    reply.problem(StatusCode::METHOD_NOT_ALLOWED);
}

fn preflight(origin: &str) -> Request<Body> {
    Request::builder()
        .method(Method::OPTIONS)
        .uri("/api/v1/me/subscriptions")
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type, idempotency-key",
        )
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let app = TestApp::new();
    let allowed = app.send(preflight(SHOP_ORIGIN)).await;
    assert!(allowed.status.is_success());
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some(SHOP_ORIGIN)
    );
    let methods = allowed.header("access-control-allow-methods").unwrap();
    // Only the methods some route answers: GET and POST.
    assert!(
        methods.contains("GET") && methods.contains("POST"),
        "{methods}"
    );
    assert!(
        !methods.contains("PATCH") && !methods.contains("DELETE") && !methods.contains("PUT"),
        "{methods}"
    );
    let headers = allowed
        .header("access-control-allow-headers")
        .unwrap()
        .to_lowercase();
    for h in [
        "authorization",
        "content-type",
        "if-match",
        "idempotency-key",
    ] {
        assert!(headers.contains(h), "{h} in {headers}");
    }

    let refused = app.send(preflight("https://evil.example")).await;
    assert!(refused.header("access-control-allow-origin").is_none());

    let get = Request::get("/api/v1/products/CAPS-INTENSO")
        .header("origin", SHOP_ORIGIN)
        .body(Body::empty());
    let reply = app.send(get.unwrap()).await;
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some(SHOP_ORIGIN)
    );
    let exposed = reply
        .header("access-control-expose-headers")
        .unwrap()
        .to_lowercase();
    for h in ["etag", "location", "retry-after"] {
        assert!(exposed.contains(h), "{h} in {exposed}");
    }
}

#[tokio::test]
async fn openapi_lists_every_path_with_problems_and_bearer_auth() {
    let doc = TestApp::new().get("/api/v1/openapi.json").await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/health",
        "/api/v1/products/{sku}",
        "/api/v1/me",
        "/api/v1/me/subscriptions",
        "/api/v1/me/subscriptions/{id}",
        "/api/v1/me/subscriptions/{id}/changes",
        "/api/v1/openapi.json",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["customer_token"]["scheme"],
        "bearer"
    );
    let post = &doc["paths"]["/api/v1/me/subscriptions"]["post"];
    assert!(post["responses"]["422"]["content"]["application/problem+json"].is_object());
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    let change = &doc["paths"]["/api/v1/me/subscriptions/{id}/changes"];
    for status in ["200", "409", "412", "422", "428"] {
        assert!(change["post"]["responses"][status].is_object(), "{status}");
    }
    assert!(change["get"]["responses"]["200"].is_object());
    for schema in [
        "SubscriptionChange",
        "ChangeRecord",
        "UpcomingDelivery",
        "SwapOption",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
}

/// The limits a client can read in the contract are the ones the server enforces, so
/// generated clients (and Schemathesis) send valid quantities instead of guessing.
#[tokio::test]
async fn openapi_states_the_quantity_limits_the_server_enforces() {
    let doc = TestApp::new().get("/api/v1/openapi.json").await.json();
    let schemas = &doc["components"]["schemas"];
    let max = f64::from(cadence_contract::MAX_QUANTITY);
    let mut quantities = vec![&schemas["NewSubscription"]["properties"]["quantity"]];
    let variants = schemas["SubscriptionChange"]["oneOf"].as_array().unwrap();
    quantities.extend(
        variants
            .iter()
            .filter_map(|v| v["properties"].get("quantity")),
    );
    assert_eq!(quantities.len(), 3, "subscribe, set_quantity, add_once");
    for quantity in quantities {
        assert_eq!(quantity["minimum"].as_f64(), Some(1.0), "{quantity}");
        assert_eq!(quantity["maximum"].as_f64(), Some(max), "{quantity}");
    }
    let pause_for = variants
        .iter()
        .find_map(|v| v["properties"].get("deliveries"))
        .unwrap();
    assert_eq!(pause_for["maximum"].as_f64(), Some(6.0));
}

#[tokio::test]
async fn openapi_states_the_interval_and_recommendation_limits_the_server_enforces() {
    let app = TestApp::new();
    let doc = app.get("/api/v1/openapi.json").await.json();
    let count = &doc["components"]["schemas"]["Interval"]["properties"]["count"];
    assert_eq!(count["minimum"].as_f64(), Some(1.0), "{count}");
    assert_eq!(count["maximum"].as_f64(), Some(366.0), "{count}");
    use cadence_contract::Interval;
    assert!(Interval::days(366).validate().is_ok() && Interval::days(367).validate().is_err());
    assert!(Interval::days(0).validate().is_err());

    let params = doc["paths"]["/api/v1/recommendations"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let schema_of = |name: &str| {
        params
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["schema"].clone())
            .unwrap()
    };
    assert_eq!(schema_of("context")["pattern"], "^(product|account)$");
    assert_eq!(schema_of("sku")["maxLength"].as_u64(), Some(64));
    // What the pattern and the length refuse, the server refuses; what they allow, it reads.
    app.get("/api/v1/recommendations?context=shop")
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    let long = "A".repeat(65);
    app.get(&format!(
        "/api/v1/recommendations?context=product&sku={long}"
    ))
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY);
    let longest = "A".repeat(64);
    app.get(&format!(
        "/api/v1/recommendations?context=product&sku={longest}"
    ))
    .await
    .problem(StatusCode::NOT_FOUND);
}
