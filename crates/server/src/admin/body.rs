//! `Record<T>`: a record's JSON body, which must be an object. serde reads a struct from
//! a JSON array too (its fields in order), so `[null, null]` would pass for a customer whose
//! fields are all optional; a record is only ever sent as an object.

use crate::error::ApiError;
use crate::extract::ApiJson;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

pub struct Record<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Record<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let ApiJson(value) = ApiJson::<serde_json::Value>::from_request(request, state).await?;
        if !value.is_object() {
            return Err(ApiError::UnprocessableBody);
        }
        serde_json::from_value(value)
            .map(Record)
            .map_err(|_| ApiError::UnprocessableBody)
    }
}
