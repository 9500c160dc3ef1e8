//! The shop's server calling the Cadence API with the merchant key, as a merchant's back
//! office does: the very requests of the admin API, sent through the API's router in the
//! same process instead of over the network. The key never reaches a browser.

use super::MerchantAccess;
use axum::body::{Body, Bytes};
use axum::http::{header, Method, Request, StatusCode};
use cadence_contract::API_PREFIX;
use serde::de::DeserializeOwned;
use tower::ServiceExt;

/// The most the shop reads of one answer (the metrics and order pages are far smaller).
const MAX_ANSWER: usize = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub(super) enum CallError {
    /// The API refused: its status and the problem's `detail` (or `title`).
    #[error("the API answered {0}: {1}")]
    Refused(StatusCode, String),
    #[error("{0}")]
    Unexpected(String),
}

/// Sends `method path` (below `/api/v1`) with an optional JSON body; the answer's body
/// when it is a 2xx.
pub(super) async fn send(
    access: &MerchantAccess,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> Result<Bytes, CallError> {
    let mut request = Request::builder()
        .method(method)
        .uri(format!("{API_PREFIX}{path}"))
        .header(header::AUTHORIZATION, format!("Bearer {}", access.key));
    let body = match body {
        Some(json) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let request = request
        .body(body)
        .map_err(|e| CallError::Unexpected(format!("the request: {e}")))?;
    let response = match access.api.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), MAX_ANSWER)
        .await
        .map_err(|e| CallError::Unexpected(format!("the answer: {e}")))?;
    if status.is_success() {
        return Ok(bytes);
    }
    let problem: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let detail = problem["detail"]
        .as_str()
        .or_else(|| problem["title"].as_str())
        .unwrap_or("no detail")
        .to_owned();
    Err(CallError::Refused(status, detail))
}

/// [`send`], the answer read as `T`.
pub(super) async fn call<T: DeserializeOwned>(
    access: &MerchantAccess,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> Result<T, CallError> {
    let bytes = send(access, method, path, body).await?;
    serde_json::from_slice(&bytes)
        .map_err(|e| CallError::Unexpected(format!("the answer to {path}: {e}")))
}
