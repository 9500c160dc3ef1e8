//! `GET /api/v1/me`: the signed-in customer, their subscriptions and their machines'
//! maintenance tasks.

use crate::app::AppState;
use crate::auth::AuthedCustomer;
use crate::db;
use crate::error::ApiError;
use crate::extract::ApiJson;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use cadence_contract::{Account, Customer, Problem};

/// The customer's account.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    security(("customer_token" = [])),
    responses(
        (status = 200, description = "The customer, their subscriptions and the maintenance tasks of the machines they own", body = Account),
        (status = 401, description = "Missing, invalid or expired customer token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_me(
    State(state): State<AppState>,
    customer: AuthedCustomer,
) -> Result<impl IntoResponse, ApiError> {
    let id = customer.id.clone();
    let today = state.clock.today();
    let lang = crate::i18n::current();
    let (subscriptions, routines) = state
        .db
        .read(move |conn| {
            let mut routines = db::routines::tasks_for(conn, &id, today)?;
            db::translations::tasks(conn, lang, &mut routines)?;
            Ok::<_, db::StoreError>((db::subscriptions::list_for(conn, &id, today)?, routines))
        })
        .await?;
    let account = Account {
        customer: Customer {
            id: customer.id,
            name: customer.name,
        },
        subscriptions,
        routines,
    };
    // Personal data: no shared or browser cache may keep it.
    Ok((
        [(header::CACHE_CONTROL, "private, no-store")],
        ApiJson(account),
    ))
}
