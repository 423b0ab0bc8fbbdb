//! Batch creation for integrators: up to [`MAX_BATCH`] courses in one
//! transaction, all or none. Every item is checked before anything is
//! written, and the answer names each failing item's fields as
//! `courses[INDEX].FIELD`: its settings, an organization the tenant does
//! not have (or a deactivated one), and a key taken already or repeated
//! inside the batch. Those are all `400`s (one answer lists them all); a
//! key taken by a concurrent request between the check and the insert is
//! the single create's `409`, and an organization where the caller may not
//! create courses is a `403` naming the item.

use std::collections::{HashMap, HashSet};

use atrium_audit::Author;
use atrium_core::ValidationErrors;
use atrium_db::{courses, Access, TenantScope};
use atrium_organizations::tx::{all_lineages, find_by_short_names, hold_tree};
use atrium_organizations::Organization;
use atrium_permissions::{authenticated, may, Action, Caller, Denied, Place};

use crate::studio::{creator_joins, grant_team, insert_course, organization_for_new_course};
use crate::{Course, Courses, CoursesError, NewCourse};

/// The most courses one batch may create.
pub const MAX_BATCH: usize = 100;

fn item(index: usize) -> String {
    format!("courses[{index}]")
}

impl Courses {
    /// Creates every course of `batch`, in order, or none of them.
    pub async fn create_courses(
        &self,
        caller: &Caller,
        scope: TenantScope,
        batch: Vec<NewCourse>,
    ) -> Result<Vec<Course>, CoursesError> {
        authenticated(caller)?;
        if batch.is_empty() || batch.len() > MAX_BATCH {
            return Err(ValidationErrors::single(
                "courses",
                format!("must hold 1 to {MAX_BATCH} courses"),
            )
            .into());
        }
        let mut errors = ValidationErrors::default();
        let mut valid = Vec::new();
        let mut first_of: HashMap<String, usize> = HashMap::new();
        for (index, new) in batch.iter().enumerate() {
            match new.validate() {
                Ok((key, settings)) => {
                    let text = key.to_string();
                    if let Some(first) = first_of.get(&text) {
                        errors.add(
                            format!("{}.run", item(index)),
                            format!("repeats the key {text} of courses[{first}]"),
                        );
                    } else {
                        first_of.insert(text, index);
                        valid.push((index, key, settings));
                    }
                }
                Err(item_errors) => errors.extend(item_errors.nested(&item(index))),
            }
        }
        let author = Author::of(caller);
        let caller = caller.clone();
        self.db
            .tenant(scope, Access::Write, move |tx| {
                hold_tree(tx)?;
                let names: Vec<String> = valid
                    .iter()
                    .map(|(_, key, _)| key.org.clone())
                    .collect::<HashSet<_>>()
                    .into_iter()
                    .collect();
                let orgs: HashMap<String, Organization> = find_by_short_names(tx, &names)?
                    .into_iter()
                    .map(|org| (org.short_name.clone(), org))
                    .collect();
                let lineages = all_lineages(tx)?;
                let keys: Vec<String> = first_of.keys().cloned().collect();
                let taken: HashSet<String> = courses::find_by_keys(tx, &keys)?
                    .into_iter()
                    .map(|row| row.course_key)
                    .collect();
                let mut ready = Vec::new();
                for (index, key, settings) in valid {
                    let org = match organization_for_new_course(
                        orgs.get(&key.org).cloned(),
                        &format!("{}.org", item(index)),
                    ) {
                        Ok(org) => org,
                        Err(org_errors) => {
                            errors.extend(org_errors);
                            continue;
                        }
                    };
                    let allowed = match lineages.get(&org.id) {
                        Some(lineage) => {
                            may(&caller, Action::CreateCourse, Place::Organization(lineage))?
                        }
                        None => false,
                    };
                    if !allowed {
                        return Err(Denied::Forbidden(format!(
                            "create courses in {} ({})",
                            org.short_name,
                            item(index)
                        ))
                        .into());
                    }
                    let text = key.to_string();
                    if taken.contains(&text) {
                        errors.add(
                            format!("{}.run", item(index)),
                            format!("the key {text} is taken in this tenant"),
                        );
                        continue;
                    }
                    ready.push((index, org.id, key, settings));
                }
                errors.into_result()?;
                let mut created = Vec::with_capacity(ready.len());
                for (index, org, key, settings) in ready {
                    // Taken by a concurrent request since it was checked:
                    // the whole batch goes (PostgreSQL has aborted the
                    // transaction), and the answer names the item.
                    let course =
                        insert_course(tx, &author, "course.create", org, &key, &settings, None)
                            .map_err(|error| match error {
                                CoursesError::Conflict(why) => {
                                    CoursesError::Conflict(format!("{} ({why})", item(index)))
                                }
                                other => other,
                            })?;
                    grant_team(
                        tx,
                        &author,
                        &course,
                        creator_joins(&caller).into_iter().collect(),
                    )?;
                    created.push(course);
                }
                Ok(created)
            })
            .await
    }
}
