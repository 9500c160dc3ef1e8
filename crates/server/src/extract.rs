//! Request extractors whose failures are problem+json: the JSON body and `Idempotency-Key`.

use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

/// `axum::Json`, but every rejection (syntax, shape, content type, size) is an `ApiError`.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Path` with problem+json rejections.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The `Idempotency-Key` header, required on creating requests and required to be a
/// UUID: random keys cannot collide across a customer's retries by accident.
pub struct IdempotencyKey(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let value = parts
            .headers
            .get(IDEMPOTENCY_KEY)
            .ok_or(ApiError::InvalidIdempotencyKey(
                "Send an Idempotency-Key header with a fresh UUID.",
            ))?;
        let uuid = value
            .to_str()
            .ok()
            .and_then(|v| uuid::Uuid::try_parse(v.trim()).ok())
            .ok_or(ApiError::InvalidIdempotencyKey(
                "The Idempotency-Key header must be a UUID.",
            ))?;
        // Canonical (lower-case, hyphenated) so one key spelled two ways is one key.
        Ok(IdempotencyKey(uuid.hyphenated().to_string()))
    }
}

/// The request's client address (`None` in process), for per-client limits and counting.
pub struct RequestClient(pub Option<crate::client::Client>);

impl FromRequestParts<crate::app::AppState> for RequestClient {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::app::AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(RequestClient(state.client(parts)))
    }
}
