//! `ApiError`: every way an API request can fail, answered as RFC 9457 problem+json.
//!
//! Details are written by us, never copied from the request, so an error page cannot be
//! used to reflect attacker-chosen text. Internal failures are logged with their cause and
//! answered with a generic 500.

use crate::db::StoreError;
use crate::i18n;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cadence_contract::problem::{FieldError, PROBLEM_CONTENT_TYPE};
use cadence_contract::{ChangeError, Problem, Refusal, Subscription};

/// Stable problem `type` URIs clients may branch on (the rest use `about:blank`).
pub mod types {
    pub const VALIDATION: &str = "urn:cadence:problem:validation";
    pub const INVALID_TOKEN: &str = "urn:cadence:problem:invalid-token";
    pub const IDEMPOTENCY_KEY_REUSED: &str = "urn:cadence:problem:idempotency-key-reused";
    pub const IDEMPOTENCY_KEY_INVALID: &str = "urn:cadence:problem:idempotency-key-invalid";
    pub const CHANGE_NOT_ALLOWED: &str = "urn:cadence:problem:change-not-allowed";
    pub const STALE_VERSION: &str = "urn:cadence:problem:stale-version";
    pub const IF_MATCH_REQUIRED: &str = "urn:cadence:problem:if-match-required";
    pub const INVALID_MERCHANT_KEY: &str = "urn:cadence:problem:invalid-merchant-key";
    pub const MERCHANT_KEY_NOT_CONFIGURED: &str = "urn:cadence:problem:merchant-key-not-configured";
    pub const INSUFFICIENT_SCOPE: &str = "urn:cadence:problem:insufficient-scope";
    pub const RATE_LIMITED: &str = "urn:cadence:problem:rate-limited";
    pub const UNAVAILABLE: &str = "urn:cadence:problem:unavailable";
    pub const ORIGIN_NOT_ALLOWED: &str = "urn:cadence:problem:origin-not-allowed";
}

/// The longer problem details, named so the match in `to_problem` stays formattable
/// (rustfmt gives up on a whole match when one line cannot fit, and then formats none).
mod details {
    pub(super) const MERCHANT_KEYS_OFF: &str =
        "This server has no merchant key, so its merchant endpoints are off. Start it with --merchant-key or CADENCE_MERCHANT_KEY.";
    pub(super) const BODY_SHAPE: &str =
        "The JSON body is missing a field, has an unknown field or a value of the wrong type.";
    pub(super) const KEY_REUSED: &str =
        "This Idempotency-Key was already used for a different request; use a new key for a new request.";
    pub(super) const IF_MATCH: &str =
        "Send If-Match with the subscription's ETag, so a change never overwrites one you have not seen.";
    pub(super) const STALE: &str =
        "The subscription was changed since you loaded it; `current` holds it as it is now.";
    pub(super) const UNAVAILABLE: &str =
        "The server is busy or cannot reach its database right now. Please try again in a moment.";
    pub(super) const ORIGIN: &str =
        "This endpoint only takes requests from the shop pages this server is configured for.";
    pub(super) const INTERNAL: &str = "Something went wrong on our side. Please try again later.";
    pub(super) const METHOD: &str = "This resource does not support this method.";
    pub(super) const TIMEOUT: &str = "The request took too long to arrive or to answer.";
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    NotFound(&'static str),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// A merchant endpoint without the right merchant key.
    #[error("merchant key: {0}")]
    MerchantUnauthorized(&'static str),
    /// A merchant endpoint on a server that has no merchant key configured.
    #[error("no merchant key configured")]
    MerchantKeyNotConfigured,
    /// A valid admin key without the scope this endpoint needs.
    #[error("insufficient scope: {0}")]
    InsufficientScope(&'static str),
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("idempotency key: {0}")]
    InvalidIdempotencyKey(&'static str),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// A body in a media type this route does not take; says which it takes.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaTypeFor(&'static str),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("validation failed")]
    Validation(Vec<FieldIssue>),
    #[error("the body does not match the expected shape")]
    UnprocessableBody,
    #[error("idempotency key reused with a different request")]
    IdempotencyKeyReused,
    #[error("conflict: {0:?}")]
    Conflict(Detail),
    #[error("If-Match required")]
    PreconditionRequired,
    /// `If-Match` named an older version; carries the current one for the client.
    #[error("stale If-Match")]
    PreconditionFailed(Box<Subscription>),
    /// A client, customer or origin went over one of the `Limits`; it may try again after
    /// `retry_after_secs` (sent as `Retry-After`).
    #[error("rate limited: {why}")]
    TooManyRequests {
        why: &'static str,
        retry_after_secs: u64,
    },
    /// The server cannot answer now (its database is saturated or unreachable); answered
    /// at once with `Retry-After`, never by hanging.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The request took longer than `Limits::request_timeout`.
    #[error("request timeout")]
    RequestTimeout,
    /// A browser request from a page origin this server does not serve.
    #[error("origin not allowed")]
    OriginNotAllowed,
    #[error("internal error: {0}")]
    Internal(String),
}

/// What `Retry-After` says when the database is saturated: long enough for the queue to
/// drain, short enough that a shopper's retry is not noticeably late.
const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 2;

/// What a problem says about one field or conflict: words for developers, already
/// written, or a refusal a shopper may read, worded in the request's language when the
/// response is built (errors are often raised on a database thread, far from the request).
#[derive(Debug, Clone)]
pub enum Detail {
    Said(String),
    Refused(Refusal),
}

impl Detail {
    fn words(&self) -> String {
        match self {
            Detail::Said(text) => text.clone(),
            Detail::Refused(why) => i18n::refusal(i18n::current(), why),
        }
    }
}

impl From<&str> for Detail {
    fn from(text: &str) -> Self {
        Detail::Said(text.to_owned())
    }
}

impl From<String> for Detail {
    fn from(text: String) -> Self {
        Detail::Said(text)
    }
}

impl From<Refusal> for Detail {
    fn from(why: Refusal) -> Self {
        Detail::Refused(why)
    }
}

/// One invalid field: its JSON Pointer and what is wrong with it.
#[derive(Debug, Clone)]
pub struct FieldIssue {
    pub pointer: String,
    pub detail: Detail,
}

impl FieldIssue {
    pub fn new(pointer: &str, detail: impl Into<Detail>) -> Self {
        FieldIssue {
            pointer: pointer.to_owned(),
            detail: detail.into(),
        }
    }
}

impl From<FieldError> for FieldIssue {
    fn from(e: FieldError) -> Self {
        FieldIssue {
            pointer: e.pointer,
            detail: Detail::Said(e.detail),
        }
    }
}

impl ApiError {
    /// A validation error on one field.
    pub fn field(pointer: &str, detail: impl Into<Detail>) -> Self {
        ApiError::Validation(vec![FieldIssue::new(pointer, detail)])
    }

    /// Validation errors already worded (the admin API's, for developers).
    pub fn fields(errors: Vec<FieldError>) -> Self {
        ApiError::Validation(errors.into_iter().map(FieldIssue::from).collect())
    }

    /// What a shopper may read about this error in `lang`, when it is a refusal worded
    /// for shoppers (a conflict, or the first such field issue).
    pub fn refusal_words(&self, lang: i18n::Lang) -> Option<String> {
        let refusal = |detail: &Detail| match detail {
            Detail::Refused(why) => Some(i18n::refusal(lang, why)),
            Detail::Said(_) => None,
        };
        match self {
            ApiError::Conflict(detail) => refusal(detail),
            ApiError::Validation(issues) => issues.iter().find_map(|i| refusal(&i.detail)),
            _ => None,
        }
    }

    /// A change that does not apply now (409), for the reason `why`.
    pub fn conflict(why: impl Into<Detail>) -> Self {
        ApiError::Conflict(why.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unauthorized(_) | ApiError::MerchantUnauthorized(_) => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::MerchantKeyNotConfigured | ApiError::InsufficientScope(_) => {
                StatusCode::FORBIDDEN
            }
            ApiError::BadRequest(_) | ApiError::InvalidIdempotencyKey(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType | ApiError::UnsupportedMediaTypeFor(_) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Validation(_)
            | ApiError::UnprocessableBody
            | ApiError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::OriginNotAllowed => StatusCode::FORBIDDEN,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem document sent to the client.
    pub fn to_problem(&self) -> Problem {
        let status = self.status();
        let title = status.canonical_reason().unwrap_or("Error").to_owned();
        let conflict_words = match self {
            ApiError::Conflict(why) => why.words(),
            _ => String::new(),
        };
        let (kind, title, detail, errors): (_, String, Option<&str>, Vec<FieldError>) = match self {
            ApiError::NotFound(what) => (None, title, Some(*what), vec![]),
            ApiError::MethodNotAllowed => (None, title, Some(details::METHOD), vec![]),
            ApiError::Unauthorized(why) => (
                Some(types::INVALID_TOKEN),
                "Invalid or missing customer token".into(),
                Some(*why),
                vec![],
            ),
            ApiError::MerchantUnauthorized(why) => (
                Some(types::INVALID_MERCHANT_KEY),
                "Invalid or missing merchant key".into(),
                Some(*why),
                vec![],
            ),
            ApiError::InsufficientScope(why) => (
                Some(types::INSUFFICIENT_SCOPE),
                "The key lacks a scope this endpoint needs".into(),
                Some(*why),
                vec![],
            ),
            ApiError::MerchantKeyNotConfigured => (
                Some(types::MERCHANT_KEY_NOT_CONFIGURED),
                "Merchant endpoints are off".into(),
                Some(details::MERCHANT_KEYS_OFF),
                vec![],
            ),
            ApiError::BadRequest(why) => (None, title, Some(*why), vec![]),
            ApiError::InvalidIdempotencyKey(why) => (
                Some(types::IDEMPOTENCY_KEY_INVALID),
                "Invalid Idempotency-Key".into(),
                Some(*why),
                vec![],
            ),
            ApiError::UnsupportedMediaType => (
                None,
                title,
                Some("Send the request body as application/json."),
                vec![],
            ),
            ApiError::UnsupportedMediaTypeFor(why) => (None, title, Some(*why), vec![]),
            ApiError::PayloadTooLarge => {
                (None, title, Some("The request body is too large."), vec![])
            }
            ApiError::Validation(errors) => (
                Some(types::VALIDATION),
                "Your request is not valid".into(),
                Some("One or more fields are invalid; see errors."),
                errors
                    .iter()
                    .map(|e| FieldError {
                        pointer: e.pointer.clone(),
                        detail: e.detail.words(),
                    })
                    .collect(),
            ),
            ApiError::UnprocessableBody => (
                Some(types::VALIDATION),
                "Your request is not valid".into(),
                Some(details::BODY_SHAPE),
                vec![],
            ),
            ApiError::IdempotencyKeyReused => (
                Some(types::IDEMPOTENCY_KEY_REUSED),
                "Idempotency-Key already used".into(),
                Some(details::KEY_REUSED),
                vec![],
            ),
            ApiError::Conflict(_) => (
                Some(types::CHANGE_NOT_ALLOWED),
                "This change is not possible now".into(),
                Some(conflict_words.as_str()),
                vec![],
            ),
            ApiError::PreconditionRequired => (
                Some(types::IF_MATCH_REQUIRED),
                title,
                Some(details::IF_MATCH),
                vec![],
            ),
            ApiError::PreconditionFailed(_) => (
                Some(types::STALE_VERSION),
                "The subscription has changed".into(),
                Some(details::STALE),
                vec![],
            ),
            ApiError::TooManyRequests { why, .. } => (
                Some(types::RATE_LIMITED),
                "Too many requests".into(),
                Some(*why),
                vec![],
            ),
            ApiError::Unavailable(_) => (
                Some(types::UNAVAILABLE),
                "Temporarily unavailable".into(),
                Some(details::UNAVAILABLE),
                vec![],
            ),
            ApiError::RequestTimeout => (None, title, Some(details::TIMEOUT), vec![]),
            ApiError::OriginNotAllowed => (
                Some(types::ORIGIN_NOT_ALLOWED),
                "Origin not allowed".into(),
                Some(details::ORIGIN),
                vec![],
            ),
            ApiError::Internal(_) => (None, title, Some(details::INTERNAL), vec![]),
        };
        let current = match self {
            ApiError::PreconditionFailed(current) => Some(current.clone()),
            _ => None,
        };
        Problem {
            kind: kind.unwrap_or("about:blank").to_owned(),
            title,
            status: status.as_u16(),
            detail: detail.map(str::to_owned),
            errors,
            current,
        }
    }
}

/// Renders a problem document with the problem+json media type.
pub fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(problem).unwrap_or_default();
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
        )],
        body,
    )
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(%cause, "internal error while serving a request");
        }
        if let ApiError::Unavailable(cause) = &self {
            tracing::warn!(%cause, "answered 503: database unavailable or saturated");
        }
        let mut response = problem_response(&self.to_problem());
        let retry_after = match &self {
            ApiError::TooManyRequests {
                retry_after_secs, ..
            } => Some((*retry_after_secs).max(1)),
            ApiError::Unavailable(_) => Some(UNAVAILABLE_RETRY_AFTER_SECS),
            _ => None,
        };
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let ApiError::PreconditionFailed(current) = &self {
            // The current validator, so the client can retry against it directly.
            if let Ok(etag) = HeaderValue::from_str(&current.etag()) {
                response.headers_mut().insert(header::ETAG, etag);
            }
        }
        if matches!(self, ApiError::MerchantUnauthorized(_)) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer realm="cadence-merchant""#),
            );
        }
        if matches!(self, ApiError::Unauthorized(_)) {
            // RFC 6750: tell the client which scheme to use, without leaking why in detail.
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer realm="cadence", error="invalid_token""#),
            );
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
            JsonRejection::JsonSyntaxError(_) => {
                ApiError::BadRequest("The request body is not valid JSON.")
            }
            JsonRejection::JsonDataError(_) => ApiError::UnprocessableBody,
            JsonRejection::BytesRejection(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::PayloadTooLarge
            }
            _ => ApiError::BadRequest("The request body could not be read."),
        }
    }
}

impl From<ChangeError> for ApiError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::Invalid { pointer, refusal } => ApiError::field(pointer, refusal),
            ChangeError::Conflict(why) => ApiError::conflict(why),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        ApiError::BadRequest("The URL path contains an invalid value.")
    }
}

/// The one place storage failures become HTTP answers.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            // The pool had no connection free in time (or could open none), or SQLite stayed
            // busy or locked past `busy_timeout`, or PostgreSQL is down, restarting or kept
            // losing serialization conflicts: saturated or unreachable, a 503 to retry (with
            // Retry-After), not a bug.
            StoreError::Unavailable(_) | StoreError::Busy(_) | StoreError::Conflict(_) => {
                ApiError::Unavailable(e.to_string())
            }
            StoreError::Sqlite(_)
            | StoreError::Postgres(_)
            | StoreError::NoRows
            | StoreError::Json(_)
            | StoreError::Task(_) => ApiError::Internal(e.to_string()),
            StoreError::Corrupt(why) => ApiError::Internal(why),
            StoreError::Invalid { pointer, detail } => ApiError::field(pointer, detail),
            StoreError::IdempotencyKeyReused => ApiError::IdempotencyKeyReused,
        }
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::Internal(format!("json: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: std::os::raw::c_int) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    /// The storage layer's failures keep the answers they had when it returned `ApiError`.
    #[test]
    fn store_errors_map_to_the_same_answers() {
        let answer = |e: StoreError| ApiError::from(e).into_response();
        for busy in [rusqlite::ffi::SQLITE_BUSY, rusqlite::ffi::SQLITE_LOCKED] {
            let response = answer(sqlite(busy).into());
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        }
        let other = answer(sqlite(rusqlite::ffi::SQLITE_CONSTRAINT).into());
        assert_eq!(other.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(other.headers().get(header::RETRY_AFTER).is_none());

        // A pool whose one connection is taken: the wait times out.
        let pool = r2d2::Pool::builder()
            .max_size(1)
            .connection_timeout(std::time::Duration::from_millis(10))
            .build(r2d2_sqlite::SqliteConnectionManager::memory())
            .unwrap();
        let _held = pool.get().unwrap();
        let saturated = answer(pool.get().unwrap_err().into());
        assert_eq!(saturated.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(saturated.headers()[header::RETRY_AFTER], "2");

        let corrupt = answer(StoreError::Corrupt("bad date".into()));
        assert_eq!(corrupt.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let invalid = ApiError::from(StoreError::Invalid {
            pointer: "/quantity",
            detail: "too many".into(),
        })
        .to_problem();
        assert_eq!(invalid.status, 422);
        assert_eq!(invalid.errors[0].pointer, "/quantity");
        let reused = ApiError::from(StoreError::IdempotencyKeyReused).to_problem();
        assert_eq!(reused.kind, types::IDEMPOTENCY_KEY_REUSED);
    }
}
