//! The catalog: what learners and anonymous visitors find on a site. The
//! public courses of the organizations the site serves (its
//! `course_org_filter`, with everything below them; all of the tenant's
//! when the filter is empty), in the site's order. Public information
//! only, and the same for every caller: no token is needed, so nothing
//! here is authorized beyond the host's tenant.

use std::collections::HashSet;

use atrium_core::{is_key_part, OrganizationId, Page, SeekKey, SeekRequest, ValidationErrors};
use atrium_db::catalog::{self, CatalogFilter, CatalogSeek, Timing};
use atrium_db::{Access, TenantScope, TenantTx};
use atrium_organizations::tx::{all_lineages, find_by_short_names};
use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

use crate::{Course, Courses, CoursesError};

/// The catalog's order, chosen by the site
/// (`ENABLE_COURSE_SORTING_BY_START_DATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogOrder {
    /// By display name, then id.
    DisplayName,
    /// By start date, courses without one last, then id.
    StartDate,
}

impl CatalogOrder {
    /// The name its cursors carry: a cursor of one order is refused by the
    /// other (`400`), so a site that changes its order cannot make a
    /// client skip or repeat courses.
    pub fn as_str(self) -> &'static str {
        match self {
            CatalogOrder::DisplayName => "name",
            CatalogOrder::StartDate => "start",
        }
    }
}

/// The catalog's filters, as sent (validated by [`Courses::catalog`]).
#[derive(Debug, Clone, Default)]
pub struct CatalogQuery {
    /// A short name: that organization and those below it (within what the
    /// site serves).
    pub organization: Option<String>,
    pub language: Option<String>,
    /// Text in the display name, without regard to case.
    pub text: Option<String>,
    /// `upcoming`, `current` or `ended`.
    pub status: Option<String>,
}

/// What the site serves: its `course_org_filter` (empty: everything) and
/// its order, read by the gateway from the site's configuration.
#[derive(Debug, Clone)]
pub struct CatalogSite {
    pub course_org_filter: Vec<String>,
    pub order: CatalogOrder,
}

const STATUSES: &str = "upcoming, current or ended";

fn timing(status: &str) -> Option<Timing> {
    Some(match status {
        "upcoming" => Timing::Upcoming,
        "current" => Timing::Current,
        "ended" => Timing::Ended,
        _ => return None,
    })
}

/// A start date as a cursor carries it: RFC 3339 at the precision stored
/// (SQLite keeps what it is given), so the seek compares equal to it.
fn encode_start(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn decode_start(text: &str) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| at.naive_utc())
}

/// The ids of the organizations `names` name (those the tenant has), in
/// one read however many a site's filter names.
fn ids_named<'a>(
    tx: &mut TenantTx<'_>,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<HashSet<OrganizationId>, CoursesError> {
    let names: Vec<String> = names.into_iter().map(str::to_owned).collect();
    if names.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(find_by_short_names(tx, &names)?
        .into_iter()
        .map(|org| org.id)
        .collect())
}

/// The organizations whose courses the catalog shows: those named by the
/// site's filter and everything below them, narrowed to `organization`
/// and everything below it. `None`: all of the tenant's.
fn served_organizations(
    tx: &mut TenantTx<'_>,
    site_filter: &[String],
    organization: Option<&str>,
) -> Result<Option<Vec<i64>>, CoursesError> {
    if site_filter.is_empty() && organization.is_none() {
        return Ok(None);
    }
    let named = ids_named(tx, site_filter.iter().map(String::as_str))?;
    let chosen = ids_named(tx, organization)?;
    let lineages = all_lineages(tx)?;
    let below = |roots: &HashSet<OrganizationId>, id: &OrganizationId| {
        lineages
            .get(id)
            .is_some_and(|lineage| lineage.chain().iter().any(|at| roots.contains(at)))
    };
    let served: Vec<i64> = lineages
        .keys()
        .filter(|id| site_filter.is_empty() || below(&named, id))
        .filter(|id| organization.is_none() || below(&chosen, id))
        .map(|id| id.0)
        .collect();
    // A filter that serves every organization (a site naming the root)
    // filters nothing: without it, a page is one range of a catalog index
    // rather than a sort of the organizations' courses.
    Ok((served.len() < lineages.len()).then_some(served))
}

impl Courses {
    /// A page of the site's catalog. `page` must have been parsed for
    /// `site.order` ([`CatalogOrder::as_str`]).
    pub async fn catalog(
        &self,
        scope: TenantScope,
        site: CatalogSite,
        query: CatalogQuery,
        page: SeekRequest,
    ) -> Result<Page<Course>, CoursesError> {
        let mut errors = ValidationErrors::default();
        let timing = match query.status.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(status) => match timing(status) {
                Some(timing) => Some((timing, Utc::now().naive_utc())),
                None => {
                    errors.add("status", format!("must be {STATUSES}"));
                    None
                }
            },
        };
        let seek = match (site.order, page.after.clone()) {
            (CatalogOrder::DisplayName, after) => {
                CatalogSeek::Name(after.map(|at| (at.key.unwrap_or_default(), at.id)))
            }
            (CatalogOrder::StartDate, None) => CatalogSeek::Start(None),
            (CatalogOrder::StartDate, Some(at)) => match at.key.as_deref().map(decode_start) {
                None => CatalogSeek::Start(Some((None, at.id))),
                Some(Some(start)) => CatalogSeek::Start(Some((Some(start), at.id))),
                Some(None) => {
                    errors.add("cursor", "is not a cursor this API issued");
                    CatalogSeek::Start(None)
                }
            },
        };
        if let Some(org) = &query.organization {
            if !is_key_part(org) {
                errors.add(
                    "organization",
                    "must be a short name: 1 to 64 letters, digits, _, . or -",
                );
            }
        }
        if query
            .language
            .as_ref()
            .is_some_and(|l| l.chars().count() > 64)
        {
            errors.add("language", "must be at most 64 characters");
        }
        if query.text.as_ref().is_some_and(|t| t.chars().count() > 255) {
            errors.add("q", "must be at most 255 characters");
        }
        errors.into_result()?;
        let non_empty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        let organization = query.organization;
        let mut filter = CatalogFilter {
            organizations: None,
            language: non_empty(query.language),
            text: non_empty(query.text),
            timing,
        };
        let limit = page.fetch_limit();
        let rows = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                filter.organizations =
                    served_organizations(tx, &site.course_org_filter, organization.as_deref())?;
                if filter.organizations.as_ref().is_some_and(Vec::is_empty) {
                    return Ok(Vec::new());
                }
                Ok::<_, CoursesError>(catalog::public_courses(tx, &filter, &seek, limit)?)
            })
            .await?;
        let order = site.order;
        Ok(Page::from_seek_rows(
            rows.into_iter().map(Course::from).collect(),
            &page,
            |course| SeekKey {
                key: match order {
                    CatalogOrder::DisplayName => Some(course.display_name.clone()),
                    CatalogOrder::StartDate => course.start.map(encode_start),
                },
                id: course.id.0,
            },
        ))
    }
}
