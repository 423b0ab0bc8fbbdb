//! A tenant's sites, their configuration, theme and history, resolved
//! configuration values, and the public bootstrap of a site.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use atrium_core::SiteId;
use atrium_sites::{NewSite, SitePatch};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::context::{Auth, TenantHost};
use crate::dto::{
    ConfigValueDto, ListQuery, PublicSiteDto, SettingChangeDto, SettingChangeList,
    SiteConfigurationDto, SiteDto, SiteList, SiteThemeDto,
};
use crate::framework::body_error;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// The public bootstrap of the site at this host: no token needed.
#[utoipa::path(operation_id = "get_public_site", get, path = "/api/v1/site", tag = "sites",
    params(("If-None-Match" = Option<String>, Header, description = "An ETag of an earlier answer")),
    responses(
        (status = 200, description = "The site", body = PublicSiteDto,
         headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = 404, description = "Unknown host, or the platform host", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Suspended tenant", body = Problem, content_type = "application/problem+json"),
        (status = "default", description = "Another problem", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn public_site(
    state: web::Data<AppState>,
    host: TenantHost,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let site = state
        .config
        .public_site(host.scope(), host.0.site_id)
        .await?;
    let etag = HeaderValue::from_str(&site.etag).map_err(|e| ApiError::Internal(e.to_string()))?;
    // Shared caches may keep it, but must revalidate: a change shows at once.
    let cache_control = (header::CACHE_CONTROL, "public, no-cache");
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .map(str::trim)
                .any(|t| t == site.etag || t == "*" || t.strip_prefix("W/") == Some(&site.etag))
        });
    if unchanged {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header(cache_control)
            .finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header(cache_control)
        .json(PublicSiteDto::from(site)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSiteBody {
    /// A lowercase host name; international names are stored as punycode.
    pub domain: String,
    pub name: String,
    /// Make this the tenant's primary site.
    #[serde(default)]
    pub is_primary: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SitePatchBody {
    pub domain: Option<String>,
    pub name: Option<String>,
    /// `true` moves the primary flag here; `false` is refused on the primary.
    pub is_primary: Option<bool>,
}

/// List the tenant's sites.
#[utoipa::path(operation_id = "list_sites", get, path = "/api/v1/sites", tag = "sites", params(ListQuery),
    responses(
        (status = 200, description = "A page of sites", body = SiteList),
        (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a tenant admin", body = Problem, content_type = "application/problem+json"),
        (status = "default", description = "Another problem", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    host: TenantHost,
    Auth(caller): Auth,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = state
        .sites
        .list(&caller, host.scope(), query.page()?)
        .await?;
    Ok(HttpResponse::Ok().json(SiteList::from(page)))
}

/// Add a site (a domain) to the tenant.
#[utoipa::path(operation_id = "create_site", post, path = "/api/v1/sites", tag = "sites", request_body = NewSiteBody,
    responses(
        (status = 201, description = "The new site", body = SiteDto),
        (status = 400, description = "Invalid request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Domain taken", body = Problem, content_type = "application/problem+json"),
        (status = "default", description = "Another problem", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    host: TenantHost,
    Auth(caller): Auth,
    body: web::Json<NewSiteBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let site = state
        .sites
        .create(
            &caller,
            host.scope(),
            NewSite {
                domain: body.domain,
                name: body.name,
                is_primary: body.is_primary,
            },
        )
        .await?;
    Ok(HttpResponse::Created().json(SiteDto::from(site)))
}

/// Read a site.
#[utoipa::path(operation_id = "get_site", get, path = "/api/v1/sites/{id}", tag = "sites", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The site", body = SiteDto),
        (status = 404, description = "No such site in this tenant", body = Problem, content_type = "application/problem+json"),
        (status = "default", description = "Another problem", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    host: TenantHost,
    Auth(caller): Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let site = state.sites.get(&caller, host.scope(), SiteId(*id)).await?;
    Ok(HttpResponse::Ok().json(SiteDto::from(site)))
}

/// Rename a site, change its domain, or make it primary.
#[utoipa::path(operation_id = "update_site", patch, path = "/api/v1/sites/{id}", tag = "sites", params(("id" = i64, Path)), request_body = SitePatchBody,
    responses(
        (status = 200, description = "The changed site", body = SiteDto),
        (status = 400, description = "Invalid request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site in this tenant", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Domain taken, or the primary flag would be lost", body = Problem, content_type = "application/problem+json"),
        (status = "default", description = "Another problem", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    host: TenantHost,
    Auth(caller): Auth,
    id: web::Path<i64>,
    body: web::Json<SitePatchBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let patch = SitePatch {
        domain: body.domain,
        name: body.name,
        is_primary: body.is_primary,
    };
    let site = state
        .sites
        .update(&caller, host.scope(), SiteId(*id), patch)
        .await?;
    Ok(HttpResponse::Ok().json(SiteDto::from(site)))
}

/// Delete a site (not the last, not the primary).
#[utoipa::path(operation_id = "delete_site", delete, path = "/api/v1/sites/{id}", tag = "sites", params(("id" = i64, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such site in this tenant", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The last or the primary site", body = Problem, content_type = "application/problem+json"),
        (status = "default", description = "Another problem", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn delete(
    state: web::Data<AppState>,
    host: TenantHost,
    Auth(caller): Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    state
        .sites
        .delete(&caller, host.scope(), SiteId(*id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigurationBody {
    /// A JSON object of at most 64 KiB.
    #[schema(value_type = Object)]
    pub values: Value,
    pub enabled: bool,
}

fn if_match(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    req.headers()
        .get(header::IF_MATCH)
        .map(|v| {
            v.to_str()
                .map(str::to_owned)
                .map_err(|_| ApiError::validation("If-Match", "must be an entity tag"))
        })
        .transpose()
}

fn with_etag(mut response: HttpResponse, etag: &str) -> Result<HttpResponse, ApiError> {
    let value = HeaderValue::from_str(etag).map_err(|e| ApiError::Internal(e.to_string()))?;
    response.headers_mut().insert(header::ETAG, value);
    Ok(response)
}

/// A site's configuration, with its `ETag`.
#[utoipa::path(operation_id = "get_site_configuration", get, path = "/api/v1/sites/{id}/configuration", tag = "site configuration", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The configuration", body = SiteConfigurationDto, headers(("ETag" = String))),
        (status = 404, description = "No such site in this tenant", body = Problem, content_type = "application/problem+json"),
        (status = "default", description = "Another problem", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn configuration(
    state: web::Data<AppState>,
    host: TenantHost,
    Auth(caller): Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let configuration = state
        .site_settings
        .configuration(&caller, host.scope(), SiteId(*id))
        .await?;
    let etag = configuration.etag();
    with_etag(
        HttpResponse::Ok().json(SiteConfigurationDto::from(configuration)),
        &etag,
    )
}

/// Replace a site's configuration. Send the `ETag` you read as `If-Match`
/// (required once a configuration exists).
#[utoipa::path(operation_id = "put_site_configuration", put, path = "/api/v1/sites/{id}/configuration", tag = "site configuration",
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "The ETag this change is based on")),
    request_body = ConfigurationBody,
    responses(
        (status = 200, description = "The new configuration", body = SiteConfigurationDto, headers(("ETag" = String))),
        (status = 400, description = "Invalid JSON or values", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site in this tenant", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since the ETag sent", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match required", body = Problem, content_type = "application/problem+json"),
        (status = "default", description = "Another problem", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn put_configuration(
    state: web::Data<AppState>,
    host: TenantHost,
    Auth(caller): Auth,
    id: web::Path<i64>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let body: ConfigurationBody =
        serde_json::from_value(body.into_inner()).map_err(|e| body_error(&e))?;
    let Value::Object(values) = body.values else {
        return Err(ApiError::validation("values", "must be a JSON object"));
    };
    let saved = state
        .site_settings
        .put_configuration(
            &caller,
            host.scope(),
            SiteId(*id),
            values,
            body.enabled,
            if_match(&req)?,
        )
        .await?;
    let etag = saved.etag();
    with_etag(
        HttpResponse::Ok().json(SiteConfigurationDto::from(saved)),
        &etag,
    )
}

/// A site's theme and branding, with its `ETag`.
#[utoipa::path(operation_id = "get_site_theme", get, path = "/api/v1/sites/{id}/theme", tag = "site configuration", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The theme", body = SiteThemeDto, headers(("ETag" = String))),
        (status = 404, description = "No such site in this tenant", body = Problem, content_type = "application/problem+json"),
        (status = "default", description = "Another problem", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn theme(
    state: web::Data<AppState>,
    host: TenantHost,
    Auth(caller): Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let theme = state
        .site_settings
        .theme(&caller, host.scope(), SiteId(*id))
        .await?;
    let etag = theme.etag();
    with_etag(HttpResponse::Ok().json(SiteThemeDto::from(theme)), &etag)
}

/// The body of `PUT .../theme`, for the document only: the handler passes
/// the raw JSON to the domain, which names every bad field at once.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ThemeBody {
    pub name: String,
    pub branding: Option<crate::dto::BrandingDto>,
}

/// Replace a site's theme (same `If-Match` rules as the configuration).
#[utoipa::path(operation_id = "put_site_theme", put, path = "/api/v1/sites/{id}/theme", tag = "site configuration",
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "The ETag this change is based on")),
    request_body = ThemeBody,
    responses(
        (status = 200, description = "The new theme", body = SiteThemeDto, headers(("ETag" = String))),
        (status = 400, description = "Invalid theme", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site in this tenant", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since the ETag sent", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match required", body = Problem, content_type = "application/problem+json"),
        (status = "default", description = "Another problem", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn put_theme(
    state: web::Data<AppState>,
    host: TenantHost,
    Auth(caller): Auth,
    id: web::Path<i64>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let saved = state
        .site_settings
        .put_theme(
            &caller,
            host.scope(),
            SiteId(*id),
            body.into_inner(),
            if_match(&req)?,
        )
        .await?;
    let etag = saved.etag();
    with_etag(HttpResponse::Ok().json(SiteThemeDto::from(saved)), &etag)
}

/// Every change of the site's configuration and theme, newest first.
#[utoipa::path(operation_id = "list_site_configuration_history", get, path = "/api/v1/sites/{id}/configuration/history", tag = "site configuration",
    params(("id" = i64, Path), ListQuery),
    responses(
        (status = 200, description = "A page of changes", body = SettingChangeList),
        (status = 404, description = "No such site in this tenant", body = Problem, content_type = "application/problem+json"),
        (status = "default", description = "Another problem", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn history(
    state: web::Data<AppState>,
    host: TenantHost,
    Auth(caller): Auth,
    id: web::Path<i64>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = state
        .site_settings
        .history(&caller, host.scope(), SiteId(*id), query.page()?)
        .await?;
    let list = SettingChangeList {
        items: page.items.into_iter().map(SettingChangeDto::from).collect(),
        next_cursor: page.next_cursor,
    };
    Ok(HttpResponse::Ok().json(list))
}

/// A setting resolved for this site: the site's value when its
/// configuration is enabled, else the platform default.
#[utoipa::path(operation_id = "get_config_value", get, path = "/api/v1/config/{key}", tag = "site configuration", params(("key" = String, Path)),
    responses(
        (status = 200, description = "The resolved value (null when unset)", body = ConfigValueDto),
        (status = "default", description = "A problem", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn config_value(
    state: web::Data<AppState>,
    host: TenantHost,
    Auth(caller): Auth,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let value = state
        .config
        .value_for(&caller, host.scope(), host.0.site_id, &key)
        .await?;
    Ok(HttpResponse::Ok().json(ConfigValueDto::from(value)))
}
