//! The change endpoint's protocol: If-Match (428/412), 404 for others' subscriptions,
//! idempotent replay, key reuse, and the history.

use crate::common::*;
use axum::http::StatusCode;
use serde_json::json;

const SKIP: &str = r#"{"action":"skip","date":"2026-04-02"}"#;
const QTY_3: &str = r#"{"action":"set_quantity","quantity":3}"#;

#[tokio::test]
async fn if_match_is_required_and_must_be_current() {
    let app = TestApp::new();
    let before = app.state_of(ADA_SUB).await;
    let problem = app
        .change_with(ADA_SUB, None, &fresh_key(), SKIP)
        .await
        .problem(StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(problem["type"], "urn:cadence:problem:if-match-required");

    let (_, v1) = app.subscription(ADA_SUB).await;
    assert_eq!(
        app.change_with(ADA_SUB, Some(&v1), &fresh_key(), QTY_3)
            .await
            .status,
        StatusCode::OK
    );
    let (current, v2) = app.subscription(ADA_SUB).await;
    let stale = app
        .change_with(ADA_SUB, Some(&v1), &fresh_key(), SKIP)
        .await;
    let problem = stale.problem(StatusCode::PRECONDITION_FAILED);
    assert_eq!(
        problem["current"], current,
        "412 carries the current subscription"
    );
    assert_eq!(stale.header("etag"), Some(v2.as_str()));
    let weak = format!("W/{v2}");
    app.change_with(ADA_SUB, Some(&weak), &fresh_key(), SKIP)
        .await
        .problem(StatusCode::PRECONDITION_FAILED);
    let after = app.state_of(ADA_SUB).await;
    assert_eq!(after.1, before.1 + 1, "only the quantity change happened");
    assert_eq!(
        app.change_with(ADA_SUB, Some("*"), &fresh_key(), SKIP)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn another_customers_or_unknown_subscription_is_not_found() {
    let app = TestApp::new();
    let before = app.state_of(ADA_SUB).await;
    let (_, etag) = app.subscription(ADA_SUB).await;
    let grace = app.token("cust_grace");
    for id in [ADA_SUB, "sub_nope"] {
        let request = change_request(&grace, id, Some(&etag), &fresh_key(), SKIP);
        app.send(request).await.problem(StatusCode::NOT_FOUND);
        app.get_as(&format!("/api/v1/me/subscriptions/{id}/changes"), &grace)
            .await
            .problem(StatusCode::NOT_FOUND);
    }
    assert_eq!(app.state_of(ADA_SUB).await, before);
    app.change_with(ADA_SUB, Some(&etag), "nope", SKIP)
        .await
        .problem(StatusCode::BAD_REQUEST);
    let request = change_request(
        &app.token("cust_ada"),
        ADA_SUB,
        Some(&etag),
        &fresh_key(),
        SKIP,
    );
    let mut request = request;
    request.headers_mut().remove("idempotency-key");
    app.send(request).await.problem(StatusCode::BAD_REQUEST);
    assert_eq!(app.state_of(ADA_SUB).await, before);
}

#[tokio::test]
async fn retries_replay_and_keys_cannot_be_reused() {
    let app = TestApp::new();
    let (_, v1) = app.subscription(ADA_SUB).await;
    let first = app.change_with(ADA_SUB, Some(&v1), KEY_1, SKIP).await;
    assert_eq!(first.status, StatusCode::OK);
    let after_first = app.state_of(ADA_SUB).await;
    // The retry's If-Match is stale by now; the replay still wins.
    let spaced = r#"{ "date": "2026-04-02", "action": "skip" }"#;
    let retry = app.change_with(ADA_SUB, Some(&v1), KEY_1, spaced).await;
    assert_eq!((retry.status, &retry.body), (StatusCode::OK, &first.body));
    assert_eq!(retry.header("etag"), first.header("etag"));
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.state_of(ADA_SUB).await, after_first);

    let (_, v2) = app.subscription(ADA_SUB).await;
    let problem = app
        .change_with(ADA_SUB, Some(&v2), KEY_1, QTY_3)
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["type"],
        "urn:cadence:problem:idempotency-key-reused"
    );
    // A key used to subscribe cannot be replayed as a change either.
    assert_eq!(
        app.subscribe(KEY_2, INTENSO_EVERY_2_WEEKS).await.status,
        StatusCode::CREATED
    );
    app.change_with(ADA_SUB, Some(&v2), KEY_2, QTY_3)
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.state_of(ADA_SUB).await, after_first);
}

#[tokio::test]
async fn history_lists_changes_newest_first_with_snapshots() {
    let app = TestApp::new();
    app.change(ADA_SUB, SKIP).await;
    app.change(ADA_SUB, QTY_3).await;
    let history = app.history(ADA_SUB).await;
    let actions: Vec<_> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["set_quantity", "skip", "create"]);
    let qty = &history[0];
    assert_eq!(qty["actor"], "customer");
    assert_eq!(
        (&qty["before"]["quantity"], &qty["after"]["quantity"]),
        (&json!(2), &json!(3))
    );
    assert_eq!(history[1]["before"]["next_delivery"], "2026-04-02");
    assert_eq!(history[1]["after"]["next_delivery"], "2026-04-30");
    assert!(history[2].get("before").is_none());
    assert_eq!(history[2]["actor"], "system", "the demo seed");
    assert!(qty["at"].as_str().unwrap().ends_with('Z'));

    // A subscription made through the API starts its history with a customer `create`.
    let id = app.subscribe(KEY_1, INTENSO_EVERY_2_WEEKS).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let history = app.history(&id).await;
    assert_eq!(
        (&history[0]["action"], &history[0]["actor"]),
        (&json!("create"), &json!("customer"))
    );
    assert_eq!(history[0]["after"]["quantity"], 1);

    for n in 1..=25 {
        app.change(
            ADA_SUB,
            &format!(r#"{{"action":"set_quantity","quantity":{}}}"#, n % 20 + 1),
        )
        .await;
    }
    assert_eq!(
        app.history(ADA_SUB).await.as_array().unwrap().len(),
        20,
        "at most 20"
    );
}
