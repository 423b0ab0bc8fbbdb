//! Site configuration and theme: reads, and optimistic writes with history.
//! Provisioning writes the first version of each through [`crate::tx`].

use std::sync::Arc;

use atrium_audit::{AuditFilter, AuditRow, Author, Change};
use atrium_core::{Page, PageRequest, SiteId};
use atrium_db::site_settings::{self, SiteConfigurationRow, SiteThemeRow};
use atrium_db::{Access, Db, TenantScope, TenantTx};
use atrium_permissions::{authorize, Action, Caller, Place};
use chrono::NaiveDateTime;
use serde_json::{json, Map, Value};

use crate::cache::SiteSettingsCache;
use crate::service::read_site;
use crate::theme::{Branding, ThemeInput};
use crate::SitesError;

pub use crate::configuration::{course_org_filter, validate_configuration};
pub use crate::theme::validate_theme;

/// A site's configuration. A site that never had one reads as empty and
/// disabled, at version 0.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SiteConfiguration {
    pub site_id: SiteId,
    pub values: Map<String, Value>,
    pub enabled: bool,
    pub version: i64,
    pub updated_at: Option<NaiveDateTime>,
}

impl SiteConfiguration {
    pub fn etag(&self) -> String {
        format!("\"c{}\"", self.version)
    }

    fn document(&self) -> Value {
        json!({"values": self.values, "enabled": self.enabled})
    }

    pub(crate) fn from_row(
        site_id: SiteId,
        row: Option<SiteConfigurationRow>,
    ) -> Result<Self, SitesError> {
        Ok(match row {
            None => Self {
                site_id,
                values: Map::new(),
                enabled: false,
                version: 0,
                updated_at: None,
            },
            Some(row) => Self {
                site_id,
                values: parse_stored(&row.values_json)?,
                enabled: row.enabled,
                version: row.version,
                updated_at: Some(row.updated_at),
            },
        })
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SiteTheme {
    pub site_id: SiteId,
    pub name: String,
    pub branding: Branding,
    pub version: i64,
    pub updated_at: Option<NaiveDateTime>,
}

impl SiteTheme {
    pub fn etag(&self) -> String {
        format!("\"t{}\"", self.version)
    }

    fn document(&self) -> Value {
        json!({"name": self.name, "branding": self.branding})
    }

    pub(crate) fn from_row(site_id: SiteId, row: Option<SiteThemeRow>) -> Result<Self, SitesError> {
        Ok(match row {
            None => Self {
                site_id,
                name: "default".into(),
                branding: Branding::default(),
                version: 0,
                updated_at: None,
            },
            Some(row) => Self {
                site_id,
                name: row.theme_name,
                branding: serde_json::from_str(&row.branding_json).map_err(|e| {
                    SitesError::StoredData(format!("stored branding unreadable: {e}"))
                })?,
                version: row.version,
                updated_at: Some(row.updated_at),
            },
        })
    }
}

/// One change of a configuration or theme, as the history lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SettingChange {
    pub id: i64,
    pub kind: String,
    pub actor: String,
    pub changed_at: NaiveDateTime,
    pub before: Option<Value>,
    pub after: Value,
}

/// The audit log's actions that the history shows, with their kind.
const HISTORY_ACTIONS: [(&str, &str); 2] = [
    (CONFIGURATION_UPDATE, "configuration"),
    (THEME_UPDATE, "theme"),
];
const CONFIGURATION_UPDATE: &str = "site.configuration.update";
const THEME_UPDATE: &str = "site.theme.update";

impl TryFrom<AuditRow> for SettingChange {
    type Error = SitesError;

    fn try_from(row: AuditRow) -> Result<Self, SitesError> {
        let parse = |text: &str| {
            serde_json::from_str(text).map_err(|e| SitesError::StoredData(e.to_string()))
        };
        let kind = HISTORY_ACTIONS
            .iter()
            .find(|(action, _)| *action == row.action)
            .map_or("unknown", |(_, kind)| kind);
        Ok(Self {
            id: row.id,
            kind: kind.to_owned(),
            actor: row.actor,
            changed_at: row.occurred_at,
            before: row.before_json.as_deref().map(parse).transpose()?,
            after: row
                .after_json
                .as_deref()
                .map(parse)
                .transpose()?
                .unwrap_or(Value::Null),
        })
    }
}

fn parse_stored(text: &str) -> Result<Map<String, Value>, SitesError> {
    serde_json::from_str(text)
        .map_err(|e| SitesError::StoredData(format!("stored configuration unreadable: {e}")))
}

/// The `If-Match` rule of a write: a document that exists may only be
/// replaced by a client that names its current version.
fn check_precondition(
    current_version: i64,
    current_etag: &str,
    if_match: Option<&str>,
) -> Result<(), SitesError> {
    match if_match {
        None if current_version > 0 => Err(SitesError::PreconditionRequired),
        None => Ok(()),
        Some(tags) if atrium_core::etag::if_match(tags, current_etag, current_version > 0) => {
            Ok(())
        }
        Some(_) => Err(SitesError::PreconditionFailed),
    }
}

pub(crate) fn write_configuration(
    tx: &mut TenantTx<'_>,
    current: &SiteConfiguration,
    next: &SiteConfiguration,
    author: &Author,
) -> Result<SiteConfiguration, SitesError> {
    let values_json = Value::Object(next.values.clone()).to_string();
    let replaces = (current.version > 0).then_some(current.version);
    let saved = site_settings::save_configuration(
        tx,
        current.site_id.0,
        &values_json,
        next.enabled,
        replaces,
    )?
    .ok_or(SitesError::PreconditionFailed)?;
    let saved = SiteConfiguration::from_row(current.site_id, Some(saved))?;
    let before = (current.version > 0).then(|| current.document());
    atrium_audit::record(
        tx,
        author,
        Change {
            action: CONFIGURATION_UPDATE,
            target_type: "site",
            target_id: current.site_id.to_string(),
            before: before.as_ref(),
            after: Some(&saved.document()),
        },
    )?;
    Ok(saved)
}

pub(crate) fn write_theme(
    tx: &mut TenantTx<'_>,
    current: &SiteTheme,
    next: &ThemeInput,
    author: &Author,
) -> Result<SiteTheme, SitesError> {
    let branding_json =
        serde_json::to_string(&next.branding).map_err(|e| SitesError::StoredData(e.to_string()))?;
    let replaces = (current.version > 0).then_some(current.version);
    let saved =
        site_settings::save_theme(tx, current.site_id.0, &next.name, &branding_json, replaces)?
            .ok_or(SitesError::PreconditionFailed)?;
    let saved = SiteTheme::from_row(current.site_id, Some(saved))?;
    let before = (current.version > 0).then(|| current.document());
    atrium_audit::record(
        tx,
        author,
        Change {
            action: THEME_UPDATE,
            target_type: "site",
            target_id: current.site_id.to_string(),
            before: before.as_ref(),
            after: Some(&saved.document()),
        },
    )?;
    Ok(saved)
}

pub struct SettingsService {
    db: Db,
    cache: Arc<SiteSettingsCache>,
}

impl SettingsService {
    pub fn new(db: Db, cache: Arc<SiteSettingsCache>) -> Self {
        Self { db, cache }
    }

    pub async fn configuration(
        &self,
        caller: &Caller,
        scope: TenantScope,
        site: SiteId,
    ) -> Result<SiteConfiguration, SitesError> {
        authorize(caller, Action::ViewSites, Place::Tenant(scope.tenant_id()))?;
        self.db
            .tenant(scope, Access::Read, move |tx| {
                read_site(tx, site)?;
                SiteConfiguration::from_row(site, site_settings::configuration(tx, site.0)?)
            })
            .await
    }

    /// Replaces a site's configuration. `values` must be a JSON object;
    /// `if_match` is the client's `If-Match` header, required once a
    /// configuration exists.
    pub async fn put_configuration(
        &self,
        caller: &Caller,
        scope: TenantScope,
        site: SiteId,
        values: Value,
        enabled: bool,
        if_match: Option<String>,
    ) -> Result<SiteConfiguration, SitesError> {
        authorize(
            caller,
            Action::ManageSites,
            Place::Tenant(scope.tenant_id()),
        )?;
        let Value::Object(values) = values else {
            return Err(
                atrium_core::ValidationErrors::single("values", "must be a JSON object").into(),
            );
        };
        validate_configuration(&values)?;
        let author = Author::of(caller);
        let saved = self
            .db
            .tenant(scope, Access::Write, move |tx| {
                read_site(tx, site)?;
                let current =
                    SiteConfiguration::from_row(site, site_settings::configuration(tx, site.0)?)?;
                check_precondition(current.version, &current.etag(), if_match.as_deref())?;
                check_org_filter(tx, &values)?;
                let next = SiteConfiguration {
                    values,
                    enabled,
                    ..current.clone()
                };
                write_configuration(tx, &current, &next, &author)
            })
            .await?;
        self.cache.invalidate();
        Ok(saved)
    }

    pub async fn theme(
        &self,
        caller: &Caller,
        scope: TenantScope,
        site: SiteId,
    ) -> Result<SiteTheme, SitesError> {
        authorize(caller, Action::ViewSites, Place::Tenant(scope.tenant_id()))?;
        self.db
            .tenant(scope, Access::Read, move |tx| {
                read_site(tx, site)?;
                SiteTheme::from_row(site, site_settings::theme(tx, site.0)?)
            })
            .await
    }

    pub async fn put_theme(
        &self,
        caller: &Caller,
        scope: TenantScope,
        site: SiteId,
        theme: Value,
        if_match: Option<String>,
    ) -> Result<SiteTheme, SitesError> {
        authorize(
            caller,
            Action::ManageSites,
            Place::Tenant(scope.tenant_id()),
        )?;
        let input = validate_theme(&theme)?;
        let author = Author::of(caller);
        let saved = self
            .db
            .tenant(scope, Access::Write, move |tx| {
                read_site(tx, site)?;
                let current = SiteTheme::from_row(site, site_settings::theme(tx, site.0)?)?;
                check_precondition(current.version, &current.etag(), if_match.as_deref())?;
                write_theme(tx, &current, &input, &author)
            })
            .await?;
        self.cache.invalidate();
        Ok(saved)
    }

    /// Changes of a site's configuration and theme, newest first.
    pub async fn history(
        &self,
        caller: &Caller,
        scope: TenantScope,
        site: SiteId,
        page: PageRequest,
    ) -> Result<Page<SettingChange>, SitesError> {
        authorize(caller, Action::ViewSites, Place::Tenant(scope.tenant_id()))?;
        let rows = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                read_site(tx, site)?;
                let filter = AuditFilter {
                    target_type: Some("site".into()),
                    target_id: Some(site.to_string()),
                    actions: HISTORY_ACTIONS
                        .map(|(action, _)| action.to_owned())
                        .to_vec(),
                    ..AuditFilter::default()
                };
                Ok::<_, SitesError>(atrium_audit::entries(
                    tx,
                    &filter,
                    page.after,
                    page.fetch_limit(),
                )?)
            })
            .await?;
        let page = Page::from_rows(rows, page, |row| row.id);
        let items = page
            .items
            .into_iter()
            .map(SettingChange::try_from)
            .collect::<Result<_, _>>()?;
        Ok(Page {
            items,
            next_cursor: page.next_cursor,
        })
    }
}

/// Every organization a `course_org_filter` names must be one of the tenant's.
fn check_org_filter(tx: &mut TenantTx<'_>, values: &Map<String, Value>) -> Result<(), SitesError> {
    let wanted = course_org_filter(values);
    if wanted.is_empty() {
        return Ok(());
    }
    atrium_organizations::tx::hold_tree(tx)?;
    let found = atrium_organizations::tx::existing_short_names(tx, &wanted)?;
    let missing: Vec<_> = wanted
        .iter()
        .filter(|name| !found.contains(name))
        .cloned()
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(atrium_core::ValidationErrors::single(
            "values.course_org_filter",
            format!(
                "names organizations this tenant does not have: {}",
                missing.join(", ")
            ),
        )
        .into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preconditions_follow_rfc_9110() {
        assert!(check_precondition(0, "\"c0\"", None).is_ok());
        assert!(matches!(
            check_precondition(3, "\"c3\"", None),
            Err(SitesError::PreconditionRequired)
        ));
        assert!(check_precondition(3, "\"c3\"", Some("\"c3\"")).is_ok());
        assert!(check_precondition(3, "\"c3\"", Some("\"c1\", \"c3\"")).is_ok());
        assert!(matches!(
            check_precondition(3, "\"c3\"", Some("W/\"c3\"")),
            Err(SitesError::PreconditionFailed)
        ));
        assert!(check_precondition(3, "\"c3\"", Some("*")).is_ok());
        assert!(matches!(
            check_precondition(0, "\"c0\"", Some("*")),
            Err(SitesError::PreconditionFailed)
        ));
        assert!(matches!(
            check_precondition(3, "\"c3\"", Some("\"c2\"")),
            Err(SitesError::PreconditionFailed)
        ));
    }
}
