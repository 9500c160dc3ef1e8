//! Concurrent changes on the real multi-threaded runtime and the real pool: one If-Match
//! wins once, and one Idempotency-Key executes once.

use crate::common::*;
use axum::http::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_changes_with_one_if_match_make_one_change() {
    let app = TestApp::new();
    let (_, etag) = app.subscription(ADA_SUB).await;
    let (_, audit_before) = app.state_of(ADA_SUB).await;
    let token = app.token("cust_ada");
    let tasks: Vec<_> = (0..50)
        .map(|n| {
            let body = format!(r#"{{"action":"set_quantity","quantity":{}}}"#, n % 20 + 1);
            let request = change_request(&token, ADA_SUB, Some(&etag), &fresh_key(), &body);
            tokio::spawn(send(app.router(), request))
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().status);
    }
    let wins = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let stale = statuses
        .iter()
        .filter(|s| **s == StatusCode::PRECONDITION_FAILED)
        .count();
    assert_eq!((wins, stale), (1, 49), "{statuses:?}");
    let (sub, audit) = app.state_of(ADA_SUB).await;
    assert_eq!(
        (sub["version"].as_u64(), audit),
        (Some(2), audit_before + 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_retries_of_one_key_execute_once() {
    let app = TestApp::new();
    let (_, etag) = app.subscription(ADA_SUB).await;
    let (_, audit_before) = app.state_of(ADA_SUB).await;
    let token = app.token("cust_ada");
    let body = r#"{"action":"skip","date":"2026-04-02"}"#;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let request = change_request(&token, ADA_SUB, Some(&etag), KEY_1, body);
            tokio::spawn(send(app.router(), request))
        })
        .collect();
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.unwrap());
    }
    assert!(replies.iter().all(|r| r.status == StatusCode::OK));
    assert!(replies.iter().all(|r| r.body == replies[0].body));
    let replayed = replies
        .iter()
        .filter(|r| r.header("idempotent-replayed").is_some())
        .count();
    assert_eq!(replayed, 19);
    let (sub, audit) = app.state_of(ADA_SUB).await;
    assert_eq!(
        (sub["version"].as_u64(), audit),
        (Some(2), audit_before + 1)
    );
}
