//! GraphQL: the site bootstrap, sites, configuration, theme and history,
//! through the same services as REST.

use async_graphql::{Context, InputObject, Object};
use atrium_core::SiteId;
use atrium_sites::{NewSite, SitePatch};
use serde_json::Value;

use super::wire::{
    BrandingDto, ConfigValueDto, PublicSiteDto, SettingChangeList, SiteConfigurationDto, SiteDto,
    SiteList, SiteThemeDto,
};
use crate::graphql::request;
use crate::problem::ApiError;
use crate::wire::ListQuery;

#[derive(Default)]
pub struct SiteQuery;

#[Object]
impl SiteQuery {
    /// The public bootstrap of the site at this host (no token needed).
    async fn current_site(&self, ctx: &Context<'_>) -> Result<PublicSiteDto, ApiError> {
        let (state, req) = request(ctx)?;
        let entry = req.tenant()?;
        let site = state
            .sites
            .helpers
            .public_site(entry.scope, entry.site_id)
            .await?;
        Ok(site.into())
    }

    /// The tenant's sites (tenant admins).
    async fn sites(
        &self,
        ctx: &Context<'_>,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> Result<SiteList, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let page = ListQuery { limit, cursor }.page()?;
        Ok(state
            .sites
            .service
            .list(&req.caller, scope, page)
            .await?
            .into())
    }

    async fn site(&self, ctx: &Context<'_>, id: i64) -> Result<SiteDto, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        Ok(state
            .sites
            .service
            .get(&req.caller, scope, SiteId(id))
            .await?
            .into())
    }

    async fn site_configuration(
        &self,
        ctx: &Context<'_>,
        site_id: i64,
    ) -> Result<SiteConfigurationDto, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        Ok(state
            .sites
            .settings
            .configuration(&req.caller, scope, SiteId(site_id))
            .await?
            .into())
    }

    async fn site_theme(&self, ctx: &Context<'_>, site_id: i64) -> Result<SiteThemeDto, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        Ok(state
            .sites
            .settings
            .theme(&req.caller, scope, SiteId(site_id))
            .await?
            .into())
    }

    /// Changes of a site's configuration and theme, newest first.
    async fn site_history(
        &self,
        ctx: &Context<'_>,
        site_id: i64,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> Result<SettingChangeList, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let page = ListQuery { limit, cursor }.page()?;
        Ok(state
            .sites
            .settings
            .history(&req.caller, scope, SiteId(site_id), page)
            .await?
            .into())
    }

    /// A setting resolved for the site at this host.
    async fn config_value(
        &self,
        ctx: &Context<'_>,
        key: String,
    ) -> Result<ConfigValueDto, ApiError> {
        let (state, req) = request(ctx)?;
        let entry = req.tenant()?;
        Ok(state
            .sites
            .helpers
            .value_for(&req.caller, entry.scope, entry.site_id, &key)
            .await?
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
    ) -> Result<SiteDto, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let new = NewSite {
            domain: input.domain,
            name: input.name,
            is_primary: input.is_primary,
        };
        Ok(state
            .sites
            .service
            .create(&req.caller, scope, new)
            .await?
            .into())
    }

    async fn update_site(
        &self,
        ctx: &Context<'_>,
        id: i64,
        input: UpdateSiteInput,
    ) -> Result<SiteDto, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let patch = SitePatch {
            domain: input.domain,
            name: input.name,
            is_primary: input.is_primary,
            if_match: None,
        };
        Ok(state
            .sites
            .service
            .update(&req.caller, scope, SiteId(id), patch)
            .await?
            .into())
    }

    /// Deletes a site; answers `true`.
    async fn delete_site(&self, ctx: &Context<'_>, id: i64) -> Result<bool, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        state
            .sites
            .service
            .delete(&req.caller, scope, SiteId(id))
            .await?;
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
    ) -> Result<SiteConfigurationDto, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        Ok(state
            .sites
            .settings
            .put_configuration(
                &req.caller,
                scope,
                SiteId(site_id),
                values,
                enabled,
                if_match,
            )
            .await?
            .into())
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
    ) -> Result<SiteThemeDto, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let theme = serde_json::json!({"name": name, "branding": branding});
        Ok(state
            .sites
            .settings
            .put_theme(&req.caller, scope, SiteId(site_id), theme, if_match)
            .await?
            .into())
    }
}
