//! The widget's only door to the network: typed calls to the Cadence JSON API.
//!
//! Invariant: no other module fetches. Every call has a timeout, sends the customer
//! token when there is one, and turns every failure (offline, timeout, non-2xx,
//! problem+json, a body that is not the JSON we expect) into an [`ApiError`].

use cadence_contract::{Account, Problem, Product};
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;

/// How long a request may take before the shopper is told it failed.
pub const TIMEOUT_MS: u32 = 10_000;

/// Everything that can go wrong talking to the API, in terms the UI can act on.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// No answer: offline, DNS, CORS refusal, connection reset or timeout.
    Network(String),
    /// The server answered with an error status (and a problem document, if it sent one).
    Status {
        status: u16,
        problem: Option<Problem>,
    },
    /// A 2xx answer whose body is not what the contract promises.
    Decode(String),
}

impl ApiError {
    /// A stable code for `cadence:error` events.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Network(_) => "network",
            ApiError::Status { status: 401, .. } => "unauthorized",
            ApiError::Status { status: 404, .. } => "not_found",
            ApiError::Status { .. } => "http",
            ApiError::Decode(_) => "decode",
        }
    }
}

impl core::fmt::Display for ApiError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ApiError::Network(e) => write!(f, "network error: {e}"),
            ApiError::Status {
                status,
                problem: Some(p),
            } => write!(f, "HTTP {status}: {p}"),
            ApiError::Status {
                status,
                problem: None,
            } => write!(f, "HTTP {status}"),
            ApiError::Decode(e) => write!(f, "unexpected response: {e}"),
        }
    }
}

/// A client bound to one API base URL and, for account views, one customer token.
#[derive(Clone, Debug)]
pub struct Api {
    base: String,
    token: Option<String>,
}

impl Api {
    pub fn new(base: impl Into<String>, token: Option<String>) -> Self {
        Api {
            base: base.into(),
            token,
        }
    }

    pub async fn product(&self, sku: &str) -> Result<Product, ApiError> {
        let path = format!(
            "/products/{}",
            String::from(js_sys::encode_uri_component(sku))
        );
        self.get(&path).await
    }

    pub async fn account(&self) -> Result<Account, ApiError> {
        self.get("/me").await
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let signal = web_sys::AbortSignal::timeout_with_u32(TIMEOUT_MS);
        let mut request = Request::get(&format!("{}{path}", self.base))
            .header("Accept", "application/json")
            .abort_signal(Some(&signal));
        if let Some(token) = &self.token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        let response = request
            .send()
            .await
            .map_err(|e| ApiError::Network(e.to_string()))?;
        decode(response).await
    }
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    if !(200..300).contains(&status) {
        let problem = parse::<Problem>(&text).ok();
        return Err(ApiError::Status { status, problem });
    }
    parse(&text).map_err(ApiError::Decode)
}

/// The browser's `JSON.parse`, then serde over the JS value: much smaller wasm than a
/// JSON parser compiled in, and just as strict about the contract's types.
fn parse<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let value = js_sys::JSON::parse(text).map_err(|_| "the body is not JSON".to_owned())?;
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}
