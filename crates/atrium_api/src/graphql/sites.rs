//! Tenant hosts: the site bootstrap, sites, configuration, theme, history.

use async_graphql::{Context, InputObject, Object};
use atrium_core::SiteId;
use atrium_sites::{NewSite, SitePatch};
use serde_json::Value;

use super::{gql_error, request, tenant_host};
use crate::dto::{
    BrandingDto, ConfigValueDto, ListQuery, MeDto, PublicSiteDto, SettingChangeDto,
    SettingChangeList, SiteConfigurationDto, SiteDto, SiteList, SiteThemeDto,
};
use crate::problem::ApiError;

#[derive(Default)]
pub struct SiteQuery;

#[Object]
impl SiteQuery {
    /// The caller: operator or user, its tenant and its roles.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<MeDto> {
        let data = request(ctx)?;
        MeDto::of(&data.caller, &data.resolution).map_err(gql_error)
    }

    /// The public bootstrap of the site at this host (no token needed).
    async fn current_site(&self, ctx: &Context<'_>) -> async_graphql::Result<PublicSiteDto> {
        let data = request(ctx)?;
        let host = tenant_host(data)?;
        Ok(data
            .state
            .config
            .public_site(host.scope, host.site_id)
            .await
            .map_err(gql_error)?
            .into())
    }

    /// The tenant's sites (tenant admins).
    async fn sites(
        &self,
        ctx: &Context<'_>,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> async_graphql::Result<SiteList> {
        let data = request(ctx)?;
        let host = tenant_host(data)?;
        let page = ListQuery { limit, cursor }.page().map_err(gql_error)?;
        Ok(data
            .state
            .sites
            .list(&data.caller, host.scope, page)
            .await
            .map_err(gql_error)?
            .into())
    }

    async fn site(&self, ctx: &Context<'_>, id: i64) -> async_graphql::Result<SiteDto> {
        let data = request(ctx)?;
        let host = tenant_host(data)?;
        Ok(data
            .state
            .sites
            .get(&data.caller, host.scope, SiteId(id))
            .await
            .map_err(gql_error)?
            .into())
    }

    async fn site_configuration(
        &self,
        ctx: &Context<'_>,
        site_id: i64,
    ) -> async_graphql::Result<SiteConfigurationDto> {
        let data = request(ctx)?;
        let host = tenant_host(data)?;
        Ok(data
            .state
            .site_settings
            .configuration(&data.caller, host.scope, SiteId(site_id))
            .await
            .map_err(gql_error)?
            .into())
    }

    async fn site_theme(
        &self,
        ctx: &Context<'_>,
        site_id: i64,
    ) -> async_graphql::Result<SiteThemeDto> {
        let data = request(ctx)?;
        let host = tenant_host(data)?;
        Ok(data
            .state
            .site_settings
            .theme(&data.caller, host.scope, SiteId(site_id))
            .await
            .map_err(gql_error)?
            .into())
    }

    /// Changes of a site's configuration and theme, newest first.
    async fn site_history(
        &self,
        ctx: &Context<'_>,
        site_id: i64,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> async_graphql::Result<SettingChangeList> {
        let data = request(ctx)?;
        let host = tenant_host(data)?;
        let page = ListQuery { limit, cursor }.page().map_err(gql_error)?;
        let page = data
            .state
            .site_settings
            .history(&data.caller, host.scope, SiteId(site_id), page)
            .await
            .map_err(gql_error)?;
        Ok(SettingChangeList {
            items: page.items.into_iter().map(SettingChangeDto::from).collect(),
            next_cursor: page.next_cursor,
        })
    }

    /// A setting resolved for the site at this host.
    async fn config_value(
        &self,
        ctx: &Context<'_>,
        key: String,
    ) -> async_graphql::Result<ConfigValueDto> {
        let data = request(ctx)?;
        let host = tenant_host(data)?;
        Ok(data
            .state
            .config
            .value_for(&data.caller, host.scope, host.site_id, &key)
            .await
            .map_err(gql_error)?
            .into())
    }
}

#[derive(InputObject)]
pub struct CreateSiteInput {
    pub domain: String,
    pub name: String,
    #[graphql(default)]
    pub is_primary: bool,
}

#[derive(InputObject)]
pub struct UpdateSiteInput {
    pub domain: Option<String>,
    pub name: Option<String>,
    pub is_primary: Option<bool>,
}

#[derive(Default)]
pub struct SiteMutation;

#[Object]
impl SiteMutation {
    async fn create_site(
        &self,
        ctx: &Context<'_>,
        input: CreateSiteInput,
    ) -> async_graphql::Result<SiteDto> {
        let data = request(ctx)?;
        let host = tenant_host(data)?;
        let new = NewSite {
            domain: input.domain,
            name: input.name,
            is_primary: input.is_primary,
        };
        Ok(data
            .state
            .sites
            .create(&data.caller, host.scope, new)
            .await
            .map_err(gql_error)?
            .into())
    }

    async fn update_site(
        &self,
        ctx: &Context<'_>,
        id: i64,
        input: UpdateSiteInput,
    ) -> async_graphql::Result<SiteDto> {
        let data = request(ctx)?;
        let host = tenant_host(data)?;
        let patch = SitePatch {
            domain: input.domain,
            name: input.name,
            is_primary: input.is_primary,
        };
        Ok(data
            .state
            .sites
            .update(&data.caller, host.scope, SiteId(id), patch)
            .await
            .map_err(gql_error)?
            .into())
    }

    /// Deletes a site; answers `true`.
    async fn delete_site(&self, ctx: &Context<'_>, id: i64) -> async_graphql::Result<bool> {
        let data = request(ctx)?;
        let host = tenant_host(data)?;
        data.state
            .sites
            .delete(&data.caller, host.scope, SiteId(id))
            .await
            .map_err(gql_error)?;
        Ok(true)
    }

    /// Replaces a site's configuration; `ifMatch` is the ETag read
    /// (`"c<version>"`), required once a configuration exists.
    async fn put_site_configuration(
        &self,
        ctx: &Context<'_>,
        site_id: i64,
        values: Value,
        enabled: bool,
        if_match: Option<String>,
    ) -> async_graphql::Result<SiteConfigurationDto> {
        let data = request(ctx)?;
        let host = tenant_host(data)?;
        let Value::Object(values) = values else {
            return Err(gql_error(ApiError::validation(
                "values",
                "must be a JSON object",
            )));
        };
        let saved = data
            .state
            .site_settings
            .put_configuration(
                &data.caller,
                host.scope,
                SiteId(site_id),
                values,
                enabled,
                if_match,
            )
            .await
            .map_err(gql_error)?;
        Ok(saved.into())
    }

    /// Replaces a site's theme; `ifMatch` as for the configuration
    /// (`"t<version>"`).
    async fn put_site_theme(
        &self,
        ctx: &Context<'_>,
        site_id: i64,
        name: String,
        branding: Option<BrandingDto>,
        if_match: Option<String>,
    ) -> async_graphql::Result<SiteThemeDto> {
        let data = request(ctx)?;
        let host = tenant_host(data)?;
        let theme = serde_json::json!({"name": name, "branding": branding});
        let saved = data
            .state
            .site_settings
            .put_theme(&data.caller, host.scope, SiteId(site_id), theme, if_match)
            .await
            .map_err(gql_error)?;
        Ok(saved.into())
    }
}
