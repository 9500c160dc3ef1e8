//! The operator's endpoints: `GET /api/v1/health` (the process answers: liveness, for load
//! balancers and the demo's smoke tests), `GET /api/v1/ready` (the database answers and its
//! schema is this server's: readiness, whether to send it traffic) and `GET /api/v1/metrics`
//! (Prometheus text, behind the merchant key).

use crate::app::AppState;
use crate::db::{Dialect, StoreError};
use crate::error::{problem_response, types};
use crate::merchant_key::MerchantAuth;
use crate::prometheus;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use cadence_contract::Problem;
use std::time::Duration;

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok` when the server answers.
    pub status: &'static str,
}

/// Whether the server is up.
#[utoipa::path(get, path = "/api/v1/health", tag = "meta",
    responses((status = 200, description = "The server is up", body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The answer of a ready server.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Ready {
    /// Always `ready`.
    #[schema(example = "ready")]
    pub status: &'static str,
    /// Which database this server runs on.
    #[schema(inline)]
    pub database: DatabaseKind,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

/// How long `/ready` waits for the database: well under a load balancer's usual check
/// timeout (5 s), so it hears "not ready" in words rather than a timeout of its own, and
/// under the pool's 5 s wait, which would otherwise decide the answer's time.
const READY_TIMEOUT: Duration = Duration::from_secs(3);

/// What `Retry-After` says on a 503 from `/ready`: as for any 503 of the API.
const READY_RETRY_AFTER_SECS: u32 = 2;

/// Whether this server can take traffic now.
///
/// Ready when its database answers within 3 seconds and the database's schema is the one
/// this server needs (its migrations are applied); otherwise 503, saying which. Exempt
/// from the rate limit, as `/health` is: load balancers poll it.
#[utoipa::path(get, path = "/api/v1/ready", tag = "meta",
    responses(
        (status = 200, description = "The database answers and its schema is current",
            body = Ready),
        (status = 503,
            description = "Not ready (the detail says why); retry after Retry-After seconds",
            body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn ready(State(state): State<AppState>) -> Response {
    let db = state.db.clone();
    // `Db::ready` blocks (a pooled connection, a query): off the async workers. When the
    // timeout wins the check goes on in the background, bounded by the pool's wait and the
    // statement timeout.
    let check = tokio::task::spawn_blocking(move || db.ready());
    let why = match tokio::time::timeout(READY_TIMEOUT, check).await {
        Ok(Ok(Ok(()))) => {
            let database = match state.db.dialect() {
                Dialect::Sqlite => DatabaseKind::Sqlite,
                Dialect::Postgres => DatabaseKind::Postgres,
            };
            return Json(Ready {
                status: "ready",
                database,
            })
            .into_response();
        }
        Ok(Ok(Err(e))) => {
            tracing::warn!(cause = %e, "not ready");
            not_ready_because(&e)
        }
        Ok(Err(e)) => {
            tracing::error!(cause = %e, "the readiness check failed");
            "The readiness check itself failed; the server's log says why.".to_owned()
        }
        Err(_) => {
            tracing::warn!("not ready: the database did not answer within {READY_TIMEOUT:?}");
            format!(
                "The database did not answer within {} seconds: it is unreachable or saturated.",
                READY_TIMEOUT.as_secs()
            )
        }
    };
    let mut response = problem_response(&Problem {
        kind: types::UNAVAILABLE.to_owned(),
        title: "Not ready".to_owned(),
        status: StatusCode::SERVICE_UNAVAILABLE.as_u16(),
        detail: Some(why),
        errors: Vec::new(),
        current: None,
    });
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(READY_RETRY_AFTER_SECS),
    );
    response
}

/// Why the database is not ready, in words an operator can act on. The database's own
/// message goes to the log only: `/ready` is public, and a driver's error may name hosts
/// and users.
fn not_ready_because(e: &StoreError) -> String {
    match e {
        StoreError::Unavailable(_) | StoreError::Busy(_) | StoreError::Conflict(_) => {
            "The database is unreachable or has no connection free; the server's log says which."
                .to_owned()
        }
        // `Db::ready`'s own words ("schema version N, this server needs M"): no secret.
        StoreError::Corrupt(versions) => format!(
            "The database schema is not the one this server needs ({versions}): a server \
             applies its migrations when it starts, so restart this version on it."
        ),
        _ => "The database answered with an error; the server's log says which.".to_owned(),
    }
}

/// This process's operator metrics, in the Prometheus text format.
///
/// Version 0.0.4 of the text exposition format: requests and latencies per route template,
/// the database pool, refusals by the server's limits, and (once known) the scheduler's
/// and the outbox's lag. Behind the merchant key, as the merchant endpoints, and off (403)
/// when the server has none.
#[utoipa::path(get, path = "/api/v1/metrics", tag = "meta",
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "The metrics, as `text/plain; version=0.0.4`",
            body = String, content_type = "text/plain"),
        (status = 401, description = "Merchant key missing or wrong",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "This server has no merchant key configured",
            body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn metrics(State(state): State<AppState>, _merchant: MerchantAuth) -> Response {
    let body = prometheus::exposition(&state).await;
    ([(header::CONTENT_TYPE, prometheus::CONTENT_TYPE)], body).into_response()
}
