//! Problem+json answers for unknown routes and unsupported methods.

use crate::error::ApiError;

pub async fn not_found() -> ApiError {
    ApiError::NotFound("There is nothing at this address.")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
