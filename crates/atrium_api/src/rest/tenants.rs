//! Platform host: tenant provisioning and administration.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use atrium_identity::NewAccount;
use atrium_organizations::NewOrganization;
use atrium_tenants::{
    IdempotencyKey, ProvisionOutcome, ProvisionRequest, TenantPatch, TenantStatus,
};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::context::{Auth, PlatformHost};
use crate::dto::{ListQuery, ProvisionedDto, TenantDto, TenantList};
use crate::framework::body_error;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

const IDEMPOTENCY_KEY: &str = "idempotency-key";
const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvisionOrganization {
    /// The `ORG` of course keys: letters, digits, `_`, `.`, `-`.
    pub short_name: String,
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvisionAdmin {
    pub email: String,
    pub username: String,
    /// At least 10 characters.
    pub password: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvisionTenantBody {
    /// `^[a-z0-9][a-z0-9-]{1,62}$`
    pub slug: String,
    pub name: String,
    /// The primary site's host name, lowercase.
    pub domain: String,
    pub organization: ProvisionOrganization,
    pub admin: ProvisionAdmin,
    /// Initial values of the site configuration (enabled).
    #[schema(value_type = Option<Object>)]
    pub configuration: Option<serde_json::Map<String, Value>>,
    /// Initial theme: `{name, branding}`.
    #[schema(value_type = Option<Object>)]
    pub theme: Option<Value>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantPatchBody {
    pub name: Option<String>,
    /// `active` or `suspended`.
    #[schema(value_type = Option<String>)]
    pub status: Option<TenantStatus>,
}

/// JSON with object keys sorted at every level, so that two bodies that
/// differ only in key order count as the same request.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<_> = map.keys().collect();
            keys.sort();
            let fields: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", Value::String((*k).clone()), canonical(&map[*k])))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

fn idempotency_key(req: &HttpRequest, body: &Value) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()))
        .ok_or_else(|| {
            ApiError::validation(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            )
        })?;
    let request_hash = format!("{:x}", Sha256::digest(canonical(body).as_bytes()));
    Ok(Some(IdempotencyKey {
        key: key.to_owned(),
        request_hash,
    }))
}

/// Provision a tenant: tenant, primary site, root organization, admin
/// account, optional configuration and theme, all or nothing.
#[utoipa::path(operation_id = "provision_tenant", post, path = "/api/v1/tenants", tag = "tenants",
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for a repeated request")),
    request_body = ProvisionTenantBody,
    responses(
        (status = 201, description = "Provisioned (or replayed)", body = ProvisionedDto),
        (status = 400, description = "Invalid request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an operator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Slug or domain taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        (status = "default", description = "Another problem", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn provision(
    state: web::Data<AppState>,
    _platform: PlatformHost,
    Auth(caller): Auth,
    req: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let idempotency = idempotency_key(&req, &body)?;
    let parsed: ProvisionTenantBody = serde_json::from_value(body).map_err(|e| body_error(&e))?;
    let request = ProvisionRequest {
        slug: parsed.slug,
        name: parsed.name,
        domain: parsed.domain,
        organization: NewOrganization {
            short_name: parsed.organization.short_name,
            name: parsed.organization.name,
        },
        admin: NewAccount {
            email: parsed.admin.email,
            username: parsed.admin.username,
            name: parsed.admin.name,
            password: parsed.admin.password,
        },
        configuration: parsed.configuration,
        theme: parsed.theme,
    };
    let render = |provisioned: &atrium_tenants::Provisioned| {
        serde_json::to_value(ProvisionedDto::from(provisioned)).unwrap_or(Value::Null)
    };
    let outcome = state
        .tenants
        .provision(&caller, request, idempotency, render)
        .await?;
    Ok(match outcome {
        ProvisionOutcome::Created(body) => HttpResponse::Created().json(body),
        ProvisionOutcome::Replayed(body) => HttpResponse::Created()
            .insert_header((IDEMPOTENT_REPLAYED, HeaderValue::from_static("true")))
            .json(body),
    })
}

/// List tenants.
#[utoipa::path(operation_id = "list_tenants", get, path = "/api/v1/tenants", tag = "tenants", params(ListQuery),
    responses(
        (status = 200, description = "A page of tenants", body = TenantList),
        (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an operator", body = Problem, content_type = "application/problem+json"),
        (status = "default", description = "Another problem", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    _platform: PlatformHost,
    Auth(caller): Auth,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = state.tenants.list(&caller, query.page()?).await?;
    Ok(HttpResponse::Ok().json(TenantList::from(page)))
}

/// Read a tenant.
#[utoipa::path(operation_id = "get_tenant", get, path = "/api/v1/tenants/{slug}", tag = "tenants", params(("slug" = String, Path)),
    responses(
        (status = 200, description = "The tenant", body = TenantDto),
        (status = 404, description = "No such tenant", body = Problem, content_type = "application/problem+json"),
        (status = "default", description = "Another problem", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    _platform: PlatformHost,
    Auth(caller): Auth,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let tenant = state.tenants.get(&caller, &slug).await?;
    Ok(HttpResponse::Ok().json(TenantDto::from(tenant)))
}

/// Rename, suspend (`{"status": "suspended"}`) or reactivate a tenant.
#[utoipa::path(operation_id = "update_tenant", patch, path = "/api/v1/tenants/{slug}", tag = "tenants", params(("slug" = String, Path)),
    request_body = TenantPatchBody,
    responses(
        (status = 200, description = "The changed tenant", body = TenantDto),
        (status = 400, description = "Invalid request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant", body = Problem, content_type = "application/problem+json"),
        (status = "default", description = "Another problem", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    _platform: PlatformHost,
    Auth(caller): Auth,
    slug: web::Path<String>,
    body: web::Json<TenantPatchBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let tenant = state
        .tenants
        .update(
            &caller,
            &slug,
            TenantPatch {
                name: body.name,
                status: body.status,
            },
        )
        .await?;
    Ok(HttpResponse::Ok().json(TenantDto::from(tenant)))
}

/// Delete a tenant and everything it owns.
#[utoipa::path(operation_id = "delete_tenant", delete, path = "/api/v1/tenants/{slug}", tag = "tenants", params(("slug" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such tenant", body = Problem, content_type = "application/problem+json"),
        (status = "default", description = "Another problem", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn delete(
    state: web::Data<AppState>,
    _platform: PlatformHost,
    Auth(caller): Auth,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.tenants.delete(&caller, &slug).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    #[test]
    fn canonical_json_ignores_key_order() {
        let a = serde_json::json!({"b": 1, "a": {"y": [1, {"d": 2, "c": 3}], "x": "s"}});
        let b = serde_json::json!({"a": {"x": "s", "y": [1, {"c": 3, "d": 2}]}, "b": 1});
        assert_eq!(super::canonical(&a), super::canonical(&b));
        assert_ne!(
            super::canonical(&a),
            super::canonical(&serde_json::json!({"b": 2}))
        );
    }
}
