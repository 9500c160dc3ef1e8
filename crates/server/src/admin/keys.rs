//! `/api/v1/admin/keys`: the merchant's named API keys. Created with the scopes they need
//! (the secret is shown once, at creation, and stored only as its digest), listed, revoked.

use super::auth::{digest, AdminAccess, Scope};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::params;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use cadence_contract::Problem;
use serde::{Deserialize, Serialize};

/// A key to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdminKey {
    /// What the key is for, for the merchant's own records (1–100 characters).
    #[schema(min_length = 1, max_length = 100, example = "ERP order sync")]
    pub name: String,
    /// What it may do; at least one.
    #[schema(min_items = 1)]
    pub scopes: Vec<Scope>,
}

/// A key, without its secret.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AdminKey {
    pub id: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub created_at: String,
    /// When it was revoked; absent while it works.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

/// A key just created, with its secret: shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedAdminKey {
    pub key: AdminKey,
    /// Send as `Authorization: Bearer <secret>`. Not stored: keep it now.
    pub secret: String,
}

/// The keys, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AdminKeyList {
    pub keys: Vec<AdminKey>,
}

fn scopes_text(scopes: &[Scope]) -> String {
    let mut names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(" ")
}

/// Creates a named key with scopes. Only the server's merchant key may do this.
#[utoipa::path(post, path = "/api/v1/admin/keys", tag = "admin",
    security(("merchant_key" = [])),
    request_body = NewAdminKey,
    responses(
        (status = 201, description = "Created; the secret is in the body, once", body = CreatedAdminKey),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the merchant key creates keys", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad name or scopes", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_key(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiJson(body): ApiJson<NewAdminKey>,
) -> Result<impl IntoResponse, ApiError> {
    access.require_operator()?;
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::field(
            "/name",
            "Give the key a name of 1 to 100 characters.",
        ));
    }
    if body.scopes.is_empty() {
        return Err(ApiError::field(
            "/scopes",
            "Give the key at least one scope.",
        ));
    }
    let id = format!("key_{}", uuid::Uuid::new_v4().simple());
    let secret = format!(
        "cadence_sk_{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let key = AdminKey {
        id: id.clone(),
        name,
        scopes: {
            let mut s = body.scopes.clone();
            s.sort_by_key(|s| s.as_str());
            s.dedup();
            s
        },
        created_at: state.clock.timestamp(),
        revoked_at: None,
    };
    let row = (
        key.id.clone(),
        key.name.clone(),
        digest(&secret),
        scopes_text(&key.scopes),
        key.created_at.clone(),
    );
    state
        .db
        .write(move |tx| {
            tx.execute(
                "INSERT INTO admin_keys (id, name, digest, scopes, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![row.0, row.1, row.2, row.3, row.4],
            )
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(CreatedAdminKey { key, secret }),
    ))
}

/// Every key, revoked ones included, newest first; never their secrets.
#[utoipa::path(get, path = "/api/v1/admin/keys", tag = "admin",
    security(("merchant_key" = [])),
    responses(
        (status = 200, description = "The keys", body = AdminKeyList),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the merchant key lists keys", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_keys(
    State(state): State<AppState>,
    access: AdminAccess,
) -> Result<impl IntoResponse, ApiError> {
    access.require_operator()?;
    let keys = state
        .db
        .read(|conn| {
            conn.query_all(
                "SELECT id, name, scopes, created_at, revoked_at FROM admin_keys
                 ORDER BY created_at DESC, id",
                [],
                |row| {
                    Ok(AdminKey {
                        id: row.get(0)?,
                        name: row.get(1)?,
                        scopes: row
                            .get::<_, String>(2)?
                            .split_whitespace()
                            .filter_map(Scope::parse)
                            .collect(),
                        created_at: row.get(3)?,
                        revoked_at: row.get(4)?,
                    })
                },
            )
        })
        .await?;
    Ok(ApiJson(AdminKeyList { keys }))
}

/// Revokes a key at once: its next request is refused. Revoking again changes nothing.
#[utoipa::path(post, path = "/api/v1/admin/keys/{id}/revoke", tag = "admin",
    params(("id" = String, Path, description = "The key's id")),
    security(("merchant_key" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Key missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the merchant key revokes keys", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No key has this id", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke_key(
    State(state): State<AppState>,
    access: AdminAccess,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    access.require_operator()?;
    let now = state.clock.timestamp();
    let found = state
        .db
        .write(move |tx| {
            tx.execute(
                "UPDATE admin_keys SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
                params![id, now],
            )
        })
        .await?;
    if found == 0 {
        return Err(ApiError::NotFound("No API key has this id."));
    }
    Ok(StatusCode::NO_CONTENT)
}
