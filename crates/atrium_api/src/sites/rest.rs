//! REST: a tenant's sites, their configuration, theme and history, resolved
//! configuration values, and the public bootstrap of a site.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use atrium_core::SiteId;
use atrium_sites::{NewSite, SitePatch};
use serde_json::Value;

use super::wire::{
    ConfigValueDto, ConfigurationBody, NewSiteBody, PublicSiteDto, SettingChangeList,
    SiteConfigurationDto, SiteDto, SiteList, SitePatchBody, SiteThemeDto, ThemeBody,
};
use crate::conditional::{if_match, is_not_modified, with_etag};
use crate::context::{RequestContext, RequestHost};
use crate::framework::from_object;
use crate::idempotency;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::wire::ListQuery;

/// The public bootstrap of the site at this host: no token needed.
#[utoipa::path(operation_id = "get_public_site", get, path = "/api/v1/site", tag = "sites",
    params(("If-None-Match" = Option<String>, Header, description = "An ETag of an earlier answer")),
    responses(
        (status = 200, description = "The site", body = PublicSiteDto,
         headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Unchanged since the ETag sent"),
    ))]
pub async fn public_site(
    state: web::Data<AppState>,
    host: RequestHost,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let entry = host.tenant()?;
    let site = state
        .sites
        .helpers
        .public_site(entry.scope, entry.site_id)
        .await?;
    // Shared caches may keep it, but must revalidate: a change shows at once.
    let cache_control = (header::CACHE_CONTROL, "public, no-cache");
    let etag = site.etag.clone();
    let response = if is_not_modified(&req, &etag)? {
        HttpResponse::NotModified()
            .insert_header(cache_control)
            .finish()
    } else {
        HttpResponse::Ok()
            .insert_header(cache_control)
            .json(PublicSiteDto::from(site))
    };
    with_etag(response, &etag)
}

/// List the tenant's sites.
#[utoipa::path(operation_id = "list_sites", get, path = "/api/v1/sites", tag = "sites", params(ListQuery),
    responses((status = 200, description = "A page of sites", body = SiteList)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let page = state
        .sites
        .service
        .list(&ctx.caller, scope, query.page()?)
        .await?;
    Ok(HttpResponse::Ok().json(SiteList::from(page)))
}

/// Add a site (a domain) to the tenant. Honours `Idempotency-Key`.
#[utoipa::path(operation_id = "create_site", post, path = "/api/v1/sites", tag = "sites",
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$", description = "Replays the first answer for a repeated request")),
    request_body = NewSiteBody,
    responses(
        (status = 201, description = "The new site", body = SiteDto),
        (status = 409, description = "Domain taken, or the same Idempotency-Key in flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    ctx: RequestContext,
    req: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let body = body.into_inner();
    idempotency::once(&state, &ctx, &req, &body, || async {
        let body: NewSiteBody = from_object(body.clone())?;
        let new = NewSite {
            domain: body.domain,
            name: body.name,
            is_primary: body.is_primary,
        };
        let site = state.sites.service.create(&ctx.caller, scope, new).await?;
        idempotency::created(SiteDto::from(site))
    })
    .await
}

/// Read a site, with its `ETag` (send it as `If-Match` to change the site).
#[utoipa::path(operation_id = "get_site", get, path = "/api/v1/sites/{id}", tag = "sites", params(("id" = i64, Path)),
    responses((status = 200, description = "The site", body = SiteDto, headers(("ETag" = String)))),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let site = state
        .sites
        .service
        .get(&ctx.caller, scope, SiteId(*id))
        .await?;
    let etag = site.etag();
    with_etag(HttpResponse::Ok().json(SiteDto::from(site)), &etag)
}

/// Rename a site, change its domain, or make it primary. With `If-Match`
/// (the `ETag` of a read) the change applies only if the site is still that
/// version, else `412`; without it, the change applies to whatever is current.
#[utoipa::path(operation_id = "update_site", patch, path = "/api/v1/sites/{id}", tag = "sites",
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "The ETag this change is based on")),
    request_body = SitePatchBody,
    responses(
        (status = 200, description = "The changed site", body = SiteDto, headers(("ETag" = String))),
        (status = 409, description = "Domain taken, or the primary flag would be lost", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since the ETag sent", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let body: SitePatchBody = from_object(body.into_inner())?;
    let patch = SitePatch {
        domain: body.domain,
        name: body.name,
        is_primary: body.is_primary,
        if_match: if_match(&req)?,
    };
    let site = state
        .sites
        .service
        .update(&ctx.caller, scope, SiteId(*id), patch)
        .await?;
    let etag = site.etag();
    with_etag(HttpResponse::Ok().json(SiteDto::from(site)), &etag)
}

/// Delete a site (not the last, not the primary).
#[utoipa::path(operation_id = "delete_site", delete, path = "/api/v1/sites/{id}", tag = "sites", params(("id" = i64, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "The last or the primary site", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn delete(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    state
        .sites
        .service
        .delete(&ctx.caller, scope, SiteId(*id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A site's configuration, with its `ETag`.
#[utoipa::path(operation_id = "get_site_configuration", get, path = "/api/v1/sites/{id}/configuration", tag = "site configuration", params(("id" = i64, Path)),
    responses((status = 200, description = "The configuration", body = SiteConfigurationDto, headers(("ETag" = String)))),
    security(("bearer" = [])))]
pub async fn configuration(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let configuration = state
        .sites
        .settings
        .configuration(&ctx.caller, scope, SiteId(*id))
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
        (status = 412, description = "Changed since the ETag sent", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match required", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn put_configuration(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<i64>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    // Parsed here rather than by the extractor so that a body that is not
    // JSON and one of the wrong shape get the same problem as everywhere.
    let body: ConfigurationBody = from_object(body.into_inner())?;
    let saved = state
        .sites
        .settings
        .put_configuration(
            &ctx.caller,
            scope,
            SiteId(*id),
            body.values,
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
    responses((status = 200, description = "The theme", body = SiteThemeDto, headers(("ETag" = String)))),
    security(("bearer" = [])))]
pub async fn theme(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let theme = state
        .sites
        .settings
        .theme(&ctx.caller, scope, SiteId(*id))
        .await?;
    let etag = theme.etag();
    with_etag(HttpResponse::Ok().json(SiteThemeDto::from(theme)), &etag)
}

/// Replace a site's theme (same `If-Match` rules as the configuration).
#[utoipa::path(operation_id = "put_site_theme", put, path = "/api/v1/sites/{id}/theme", tag = "site configuration",
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "The ETag this change is based on")),
    request_body = ThemeBody,
    responses(
        (status = 200, description = "The new theme", body = SiteThemeDto, headers(("ETag" = String))),
        (status = 412, description = "Changed since the ETag sent", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match required", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn put_theme(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<i64>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    // The raw JSON goes to the domain, which names every bad field at once.
    let saved = state
        .sites
        .settings
        .put_theme(
            &ctx.caller,
            scope,
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
    responses((status = 200, description = "A page of changes", body = SettingChangeList)),
    security(("bearer" = [])))]
pub async fn history(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<i64>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = ctx.tenant()?.scope;
    let page = state
        .sites
        .settings
        .history(&ctx.caller, scope, SiteId(*id), query.page()?)
        .await?;
    Ok(HttpResponse::Ok().json(SettingChangeList::from(page)))
}

/// A setting resolved for this site: the site's value when its
/// configuration is enabled, else the platform default.
#[utoipa::path(operation_id = "get_config_value", get, path = "/api/v1/config/{key}", tag = "site configuration", params(("key" = String, Path)),
    responses((status = 200, description = "The resolved value (null when unset)", body = ConfigValueDto)),
    security(("bearer" = [])))]
pub async fn config_value(
    state: web::Data<AppState>,
    ctx: RequestContext,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let entry = ctx.tenant()?;
    let value = state
        .sites
        .helpers
        .value_for(&ctx.caller, entry.scope, entry.site_id, &key)
        .await?;
    Ok(HttpResponse::Ok().json(ConfigValueDto::from(value)))
}
