//! Configuration helpers, after Open edX's `configuration_helpers`: the one
//! way Atrium reads a setting. A site's value wins when its configuration is
//! enabled; then the platform default (`site_defaults` in `atrium.toml`);
//! then the caller's own default.

use std::sync::Arc;

use atrium_core::SiteId;
use atrium_db::{sites, Access, Db, TenantScope};
use atrium_permissions::{authorize, Action, Caller, Place};
use serde_json::{Map, Value};

use crate::cache::{SiteSettingsCache, SiteSnapshot};
use crate::configuration::{
    course_org_filter, ALLOW_PUBLIC_ACCOUNT_CREATION, PLATFORM_NAME, PUBLIC_KEYS,
    REQUIRE_ORGANIZATION_MEMBERSHIP, SITE_NAME,
};
use crate::theme::Branding;
use crate::SitesError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueSource {
    Site,
    Platform,
}

/// A resolved setting.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ResolvedValue {
    pub key: String,
    pub value: Value,
    pub source: ValueSource,
}

/// What `GET /api/v1/site` shows: everything a frontend needs to draw the
/// site before anyone logs in, and nothing private.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PublicSite {
    pub name: String,
    pub domain: String,
    pub platform_name: String,
    pub theme_name: String,
    pub branding: Branding,
    pub configuration: Map<String, Value>,
    pub registration_open: bool,
    /// Changes whenever anything above may change.
    pub etag: String,
}

pub struct ConfigHelpers {
    db: Db,
    cache: Arc<SiteSettingsCache>,
    defaults: Map<String, Value>,
}

impl ConfigHelpers {
    pub fn new(db: Db, cache: Arc<SiteSettingsCache>, defaults: Map<String, Value>) -> Self {
        Self {
            db,
            cache,
            defaults,
        }
    }

    /// Resolves `key` for a site snapshot.
    pub fn resolve(&self, snapshot: &SiteSnapshot, key: &str) -> Option<(Value, ValueSource)> {
        let configuration = &snapshot.configuration;
        configuration
            .enabled
            .then(|| configuration.values.get(key))
            .flatten()
            .map(|value| (value.clone(), ValueSource::Site))
            .or_else(|| {
                self.defaults
                    .get(key)
                    .map(|value| (value.clone(), ValueSource::Platform))
            })
    }

    /// The value of `key` for a site, or `default`.
    pub async fn value(
        &self,
        scope: TenantScope,
        site: SiteId,
        key: &str,
        default: Value,
    ) -> Result<Value, SitesError> {
        let snapshot = self.cache.snapshot(scope, site).await?;
        Ok(self
            .resolve(&snapshot, key)
            .map_or(default, |(value, _)| value))
    }

    /// `GET /api/v1/config/{key}`: a missing key resolves to `null` from
    /// the platform, as Open edX's helpers answer `None`.
    pub async fn value_for(
        &self,
        caller: &Caller,
        scope: TenantScope,
        site: SiteId,
        key: &str,
    ) -> Result<ResolvedValue, SitesError> {
        authorize(caller, Action::ViewSites, Place::Tenant(scope.tenant_id()))?;
        let snapshot = self.cache.snapshot(scope, site).await?;
        let (value, source) = self
            .resolve(&snapshot, key)
            .unwrap_or((Value::Null, ValueSource::Platform));
        Ok(ResolvedValue {
            key: key.to_owned(),
            value,
            source,
        })
    }

    /// Whether self-registration is open on a site.
    pub async fn registration_open(
        &self,
        scope: TenantScope,
        site: SiteId,
    ) -> Result<bool, SitesError> {
        let snapshot = self.cache.snapshot(scope, site).await?;
        Ok(self.registration_open_in(&snapshot))
    }

    fn registration_open_in(&self, snapshot: &SiteSnapshot) -> bool {
        self.resolve(snapshot, ALLOW_PUBLIC_ACCOUNT_CREATION)
            .and_then(|(v, _)| v.as_bool())
            .unwrap_or(true)
    }

    /// When a site requires its users to be members of an organization it
    /// serves (`REQUIRE_ORGANIZATION_MEMBERSHIP`), the organizations it
    /// serves (its `course_org_filter`; empty: all of the tenant's);
    /// `None` when it does not.
    pub async fn membership_required(
        &self,
        scope: TenantScope,
        site: SiteId,
    ) -> Result<Option<Vec<String>>, SitesError> {
        let snapshot = self.cache.snapshot(scope, site).await?;
        let required = self
            .resolve(&snapshot, REQUIRE_ORGANIZATION_MEMBERSHIP)
            .and_then(|(v, _)| v.as_bool())
            .unwrap_or(false);
        Ok(required.then(|| {
            if snapshot.configuration.enabled {
                course_org_filter(&snapshot.configuration.values)
            } else {
                Vec::new()
            }
        }))
    }

    /// The organizations whose courses a site shows (`course_org_filter`);
    /// empty means all of the tenant's.
    pub async fn organizations_of_site(
        &self,
        scope: TenantScope,
        site: SiteId,
    ) -> Result<Vec<String>, SitesError> {
        let snapshot = self.cache.snapshot(scope, site).await?;
        Ok(if snapshot.configuration.enabled {
            course_org_filter(&snapshot.configuration.values)
        } else {
            Vec::new()
        })
    }

    /// The value of `key` for an organization: from the first site whose
    /// `course_org_filter` names it, else the platform default.
    pub async fn value_for_organization(
        &self,
        scope: TenantScope,
        organization: &str,
        key: &str,
    ) -> Result<Option<Value>, SitesError> {
        let site_ids = self
            .db
            .tenant(scope, Access::Read, |tx| sites::list(tx, None, i64::MAX))
            .await?
            .into_iter()
            .map(|row| SiteId(row.id));
        for site in site_ids {
            let snapshot = self.cache.snapshot(scope, site).await?;
            let configuration = &snapshot.configuration;
            if configuration.enabled
                && course_org_filter(&configuration.values)
                    .iter()
                    .any(|o| o == organization)
            {
                return Ok(self.resolve(&snapshot, key).map(|(value, _)| value));
            }
        }
        Ok(self.defaults.get(key).cloned())
    }

    /// The public bootstrap of a site, from the cache.
    pub async fn public_site(
        &self,
        scope: TenantScope,
        site: SiteId,
    ) -> Result<PublicSite, SitesError> {
        let snapshot = self.cache.snapshot(scope, site).await?;
        let text = |key: &str| {
            self.resolve(&snapshot, key)
                .and_then(|(v, _)| v.as_str().map(str::to_owned))
        };
        let public_keys: Vec<String> = self
            .resolve(&snapshot, PUBLIC_KEYS)
            .and_then(|(v, _)| {
                v.as_array().map(|keys| {
                    keys.iter()
                        .filter_map(|k| k.as_str().map(str::to_owned))
                        .collect()
                })
            })
            .unwrap_or_default();
        let configuration = public_keys
            .iter()
            .filter_map(|key| {
                self.resolve(&snapshot, key)
                    .map(|(value, _)| (key.clone(), value))
            })
            .collect();
        Ok(PublicSite {
            name: text(SITE_NAME).unwrap_or_else(|| snapshot.site.name.clone()),
            // The host it is served on: a domain awaiting approval is not.
            domain: (snapshot.site.active_domain.as_ref())
                .unwrap_or(&snapshot.site.domain)
                .clone(),
            platform_name: text(PLATFORM_NAME).unwrap_or_else(|| "Atrium".into()),
            theme_name: snapshot.theme.name.clone(),
            branding: snapshot.theme.branding.clone(),
            configuration,
            registration_open: self.registration_open_in(&snapshot),
            etag: format!(
                "\"s{}-{}-c{}-t{}\"",
                snapshot.site.id,
                snapshot.site.updated_at.and_utc().timestamp_micros(),
                snapshot.configuration.version,
                snapshot.theme.version
            ),
        })
    }
}
