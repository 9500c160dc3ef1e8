//! `GET /api/v1/recommendations`: ranked, explained recommendations for a product page
//! (anonymous or personal) or a signed-in customer's account.

use crate::app::AppState;
use crate::auth::MaybeCustomer;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::recommend::{self, Context};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use cadence_contract::{Problem, Recommendations};

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RecommendationQuery {
    /// `product` (with `sku`) or `account` (needs a customer token).
    // A string with a pattern, not an enum: an unknown context is a 422 naming the field,
    // not a query that fails to decode.
    #[param(pattern = "^(product|account)$", example = "product")]
    pub context: String,
    /// The viewed product, required with `context=product`.
    #[param(min_length = 1, max_length = 64, example = "CAPS-INTENSO")]
    pub sku: Option<String>,
}

/// Up to six recommendations, best first, each with its reason and score. Anonymous
/// product pages get only "bought together"; a customer token adds due-soon
/// consumables, what fits their machines and better-value subscriptions.
#[utoipa::path(get, path = "/api/v1/recommendations", tag = "recommendations",
    params(RecommendationQuery),
    security((), ("customer_token" = [])),
    responses(
        (status = 200, description = "The recommendations", body = Recommendations),
        (status = 400, description = "A query parameter is missing, unknown or repeated", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Token invalid, or missing with context=account", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No product has this SKU", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown context, or a sku missing, empty or over 64 characters with context=product, or given with context=account", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_recommendations(
    State(state): State<AppState>,
    MaybeCustomer(customer): MaybeCustomer,
    query: Result<Query<RecommendationQuery>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Query(query) = query
        .map_err(|_| ApiError::BadRequest("Use ?context=product&sku=SKU or ?context=account."))?;
    let personal = customer.is_some();
    let ctx = match (query.context.as_str(), query.sku) {
        ("product", Some(sku)) if !sku.trim().is_empty() && sku.len() <= 64 => Context {
            customer: customer.map(|c| c.id),
            viewed: Some(sku),
        },
        ("product", _) => return Err(ApiError::field("/sku", "Name the viewed product.")),
        ("account", None) => Context {
            customer: Some(
                customer
                    .ok_or(ApiError::Unauthorized(
                        "Send a customer token as Authorization: Bearer <token>.",
                    ))?
                    .id,
            ),
            viewed: None,
        },
        ("account", Some(_)) => {
            return Err(ApiError::field("/sku", "The account context takes no sku."))
        }
        _ => {
            return Err(ApiError::field(
                "/context",
                "The context is `product` or `account`.",
            ))
        }
    };
    let today = state.clock.today();
    let items = state
        .db
        .read(move |conn| {
            if let Some(sku) = &ctx.viewed {
                let exists: bool = conn
                    .prepare_cached("SELECT EXISTS (SELECT 1 FROM products WHERE sku = ?1)")?
                    .query_row([sku], |row| row.get(0))?;
                if !exists {
                    return Err(ApiError::NotFound("No product has this SKU."));
                }
            }
            Ok(recommend::recommend(conn, &ctx, today)?)
        })
        .await?;
    let cache = if personal {
        "private, no-store"
    } else {
        "no-cache"
    };
    Ok((
        [
            (header::CACHE_CONTROL, cache),
            (header::VARY, "Authorization"),
        ],
        ApiJson(Recommendations { items }),
    ))
}
