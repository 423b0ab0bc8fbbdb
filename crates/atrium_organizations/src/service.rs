//! The organizations domain's service: one value shared by the gateway,
//! whose methods live beside the rules they apply (the tree, memberships,
//! role assignments, course-creator requests).

use std::sync::Arc;

use atrium_db::{Db, DbResult, TenantTx};
use atrium_permissions::Caller;

use crate::Organization;

/// One more thing that may hold an organization and so refuse its
/// deletion, owned by another domain (a site's `course_org_filter`, an API
/// client limited to it, later courses): run inside the deletion's
/// transaction, it answers what holds the organization (`"site 3's
/// course_org_filter"`), or nothing. Other domains depend on this crate,
/// not the reverse, so they hand their checks in at construction.
pub type HolderCheck =
    Arc<dyn Fn(&mut TenantTx<'_>, &Organization) -> DbResult<Vec<String>> + Send + Sync>;

/// What a course-scoped grant names, answered inside the grant's
/// transaction by the domain that keeps courses and libraries: `None` when
/// the tenant has no course or library of that key, else whether the
/// caller may see it (so that a refused grant on one it cannot see is the
/// same `404` as on one that does not exist). The row is held until the
/// grant commits, so a deletion cannot leave the grant behind.
pub type ContentCheck =
    Arc<dyn Fn(&mut TenantTx<'_>, &Caller, &str) -> DbResult<Option<bool>> + Send + Sync>;

pub struct Organizations {
    pub(crate) db: Db,
    /// Checked, besides children and grants, before a deletion.
    pub(crate) holders: Vec<HolderCheck>,
    /// Checked before a grant on a course scope; none: only the key's
    /// organization is checked.
    pub(crate) content: Option<ContentCheck>,
}

impl Organizations {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            holders: Vec::new(),
            content: None,
        }
    }

    /// Makes a grant on a course scope name an existing course or library
    /// (see [`ContentCheck`]): a grant on a key the tenant does not have is
    /// a `404`.
    pub fn with_content(mut self, check: ContentCheck) -> Self {
        self.content = Some(check);
        self
    }

    /// Registers a check that a deletion runs (see [`HolderCheck`]).
    pub fn with_holder(mut self, check: HolderCheck) -> Self {
        self.holders.push(check);
        self
    }
}
