//! `GET /api/v1/recommendations` on the demo seed: reasons, exclusions, auth and input.

use crate::common::TestApp;
use axum::http::StatusCode;
use serde_json::Value;

fn reasons(body: &Value) -> Vec<(String, String)> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["sku"].as_str().unwrap().to_owned(),
                i["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn anonymous_product_page_sees_bought_together_only() {
    let app = TestApp::new();
    let reply = app
        .get("/api/v1/recommendations?context=product&sku=CAPS-INTENSO")
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body = reply.json();
    let got = reasons(&body);
    assert!(
        got.contains(&("DESCALE-KIT".into(), "bought_together".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("WATER-FILTER".into(), "bought_together".into())),
        "{got:?}"
    );
    assert!(got
        .iter()
        .all(|(s, r)| r == "bought_together" && s != "CAPS-INTENSO"));
    assert_eq!(body["items"][0]["because_of"], "Espresso Intenso capsules");
    assert_eq!(body["items"][0]["score"], 203);
}

#[tokio::test]
async fn adas_account_is_personal_and_explained() {
    let app = TestApp::new();
    let reply = app
        .get_as(
            "/api/v1/recommendations?context=account",
            &app.token("cust_ada"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.header("cache-control"), Some("private, no-store"));
    let body = reply.json();
    let first = &body["items"][0];
    assert_eq!(first["sku"], "WATER-FILTER");
    assert_eq!(first["reason"], "due_soon");
    assert_eq!(first["due_on"], "2026-04-04");
    assert_eq!(first["owned_model"], "Barista One");
    assert_eq!(first["actions"][0], "add_to_next_delivery");
    assert_eq!(first["subscription_id"], crate::common::ADA_SUB);
    let got = reasons(&body);
    assert!(
        got.contains(&("MILK-FROTHER".into(), "fits_what_you_own".into())),
        "{got:?}"
    );
    assert!(got
        .iter()
        .all(|(s, _)| s != "CAPS-INTENSO" && s != "BARISTA-ONE"));
    let scores: Vec<u64> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["score"].as_u64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(scores.len() <= 6);
}

#[tokio::test]
async fn out_of_stock_and_just_bought_are_excluded() {
    let app = TestApp::new();
    let conn = app.state.db.conn().unwrap();
    conn.execute(
        "UPDATE products SET in_stock = 0 WHERE sku = 'MILK-FROTHER'",
        [],
    )
    .unwrap();
    // Grace bought Lungo and the frother 20 days ago; a fresh Lungo order 3 days ago.
    conn.execute(
        "INSERT INTO orders (id, customer_id, ordered_on) VALUES ('o_new', 'cust_grace', '2026-03-12')",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO order_lines VALUES ('o_new', 'DESCALE-KIT', 1, 1290, 'EUR')",
        [],
    )
    .unwrap();
    let reply = app
        .get_as(
            "/api/v1/recommendations?context=account",
            &app.token("cust_grace"),
        )
        .await;
    let got = reasons(&reply.json());
    assert!(
        got.iter()
            .all(|(s, _)| s != "MILK-FROTHER" && s != "DESCALE-KIT"),
        "{got:?}"
    );
}

#[tokio::test]
async fn account_needs_a_token_and_bad_input_is_a_problem() {
    let app = TestApp::new();
    app.get("/api/v1/recommendations?context=account")
        .await
        .problem(StatusCode::UNAUTHORIZED);
    app.get_as(
        "/api/v1/recommendations?context=product&sku=CAPS-INTENSO",
        "nope",
    )
    .await
    .problem(StatusCode::UNAUTHORIZED);
    app.get("/api/v1/recommendations?context=shelf")
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    app.get("/api/v1/recommendations?context=product")
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    app.get("/api/v1/recommendations")
        .await
        .problem(StatusCode::BAD_REQUEST);
    app.get("/api/v1/recommendations?context=product&sku=NOPE")
        .await
        .problem(StatusCode::NOT_FOUND);
}
