//! Sites: the domains of a tenant, their configuration and theme, the
//! configuration helpers the rest of Atrium reads settings through, and the
//! directory that resolves a request's host to its tenant.

mod cache;
mod claims;
mod configuration;
mod directory;
mod domain;
mod error;
mod helpers;
mod mirror;
mod service;
pub mod settings;
mod theme;
pub mod tx;

pub use cache::{SiteSettingsCache, SiteSnapshot};
pub use claims::{
    approve_domain_claim, reject_domain_claim, DomainClaim, DomainClaims, DomainStatus,
};
pub use configuration::{course_org_filter, MAX_CONFIGURATION_BYTES};
pub use directory::{HostEntry, Resolution, SiteDirectory};
pub use domain::normalize_domain;
pub use error::SitesError;
pub use helpers::{ConfigHelpers, PublicSite, ResolvedValue, ValueSource};
pub use service::{NewSite, Site, SitePatch, SiteService};
pub use settings::{SettingChange, SettingsService, SiteConfiguration, SiteTheme};
pub use theme::{Branding, ThemeInput};
