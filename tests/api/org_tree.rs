//! A tenant with an organization tree and accounts, for the tests of roles
//! and creator requests. The organizations endpoints are built elsewhere,
//! so the tree is written straight through the organizations repository.
//!
//! ```text
//! ACME (root)
//! ├── TOP
//! │   └── MID
//! │       └── LOW
//! └── SIB
//!     └── SIBKID
//! ```

use std::sync::Arc;

use atrium_core::{ApiClientId, OrganizationId, TenantId, UserId};
use atrium_db::courses::CourseSettings;
use atrium_db::Access;
use atrium_permissions::{Caller, Grant, GrantScope, Lineage, Role, ScopeSet};
use atrium_tests::{Provisioned, Response, TestApp};
use serde_json::json;

/// A course of TOP: course roles are granted on it. The tree has three
/// more: `course-v1:TOP+OTHER+2026`, `course-v1:LOW+X+1` and
/// `course-v1:SIB+X+1`.
pub const COURSE: &str = "course-v1:TOP+C1+2026";
pub const PASSWORD: &str = "a long enough password";

pub struct Tree {
    pub tenant: Provisioned,
    pub root: i64,
    pub top: i64,
    pub mid: i64,
    pub low: i64,
    pub sib: i64,
    pub sibkid: i64,
}

/// Inserts an organization into `slug`'s tenant; answers its id.
pub fn insert_org(app: &TestApp, slug: &str, short_name: &str, parent: Option<i64>) -> i64 {
    let (slug, short_name) = (slug.to_owned(), short_name.to_owned());
    let db = app.state.db.clone();
    actix_web::rt::System::new()
        .block_on(db.platform(Access::Write, move |tx| {
            let tenant = atrium_db::tenants::find_by_slug(tx, &slug)?;
            let mut scoped = tx.enter_tenant(&tenant)?;
            atrium_db::organizations::insert(
                &mut scoped,
                atrium_db::organizations::NewOrganization {
                    short_name: &short_name,
                    name: &short_name,
                    description: "",
                    parent_id: parent,
                    logo_url: "",
                    is_root: false,
                },
            )
        }))
        .expect("insert organization")
        .id
}

/// Settings of a public course named `name`, without dates.
pub(crate) fn settings(name: &str) -> CourseSettings {
    CourseSettings {
        display_name: name.into(),
        short_description: String::new(),
        language: String::new(),
        visibility: "public".into(),
        invitation_only: false,
        enrollment_limit: None,
        starts_at: None,
        ends_at: None,
        enrollment_starts_at: None,
        enrollment_ends_at: None,
    }
}

/// Inserts the course `key` with `settings` into organization `org` of
/// `slug`'s tenant answers its
/// id.
pub(crate) fn insert_course_with(
    app: &TestApp,
    slug: &str,
    org: i64,
    key: &str,
    settings: CourseSettings,
) -> i64 {
    let (slug, key) = (slug.to_owned(), key.to_owned());
    let db = app.state.db.clone();
    actix_web::rt::System::new()
        .block_on(db.platform(Access::Write, move |tx| {
            let tenant = atrium_db::tenants::find_by_slug(tx, &slug)?;
            let mut scoped = tx.enter_tenant(&tenant)?;
            let mut parts = key.trim_start_matches("course-v1:").split('+');
            let (_, number, run) = (parts.next(), parts.next(), parts.next());
            atrium_db::courses::insert(
                &mut scoped,
                atrium_db::courses::NewCourse {
                    organization_id: org,
                    course_key: &key,
                    number: number.unwrap_or_default(),
                    run: run.unwrap_or_default(),
                    rerun_of: None,
                    settings: &settings,
                },
            )
        }))
        .expect("insert course")
        .id
}

/// Inserts the public course `key` into organization `org` of `slug`'s
/// tenant, for tests that need one to grant course roles on.
pub fn insert_course(app: &TestApp, slug: &str, org: i64, key: &str) {
    insert_course_with(app, slug, org, key, settings(key));
}

fn root_of(app: &TestApp, slug: &str) -> i64 {
    let slug = slug.to_owned();
    let db = app.state.db.clone();
    actix_web::rt::System::new()
        .block_on(db.platform(Access::Read, move |tx| {
            let tenant = atrium_db::tenants::find_by_slug(tx, &slug)?;
            let mut scoped = tx.enter_tenant(&tenant)?;
            atrium_db::organizations::shape(&mut scoped)
        }))
        .expect("read the tree")
        .into_iter()
        .find(|(_, parent)| parent.is_none())
        .expect("a root")
        .0
}

/// Provisions `slug` with the tree above.
pub fn tree(app: &TestApp, slug: &str) -> Tree {
    let tenant = app.provision(slug);
    let root = root_of(app, slug);
    let top = insert_org(app, slug, "TOP", Some(root));
    let mid = insert_org(app, slug, "MID", Some(top));
    let low = insert_org(app, slug, "LOW", Some(mid));
    let sib = insert_org(app, slug, "SIB", Some(root));
    let sibkid = insert_org(app, slug, "SIBKID", Some(sib));
    for (org, key) in [
        (top, COURSE),
        (top, "course-v1:TOP+OTHER+2026"),
        (low, "course-v1:LOW+X+1"),
        (sib, "course-v1:SIB+X+1"),
    ] {
        insert_course(app, slug, org, key);
    }
    Tree {
        tenant,
        root,
        top,
        mid,
        low,
        sib,
        sibkid,
    }
}

impl Tree {
    /// `org` with its ancestors, as the service reads them.
    pub fn lineage(&self, org: i64) -> Lineage {
        let chain: Vec<i64> = [self.root, self.top, self.mid, self.low]
            .into_iter()
            .take_while(|id| *id != org)
            .chain(std::iter::once(org))
            .collect();
        let chain = if [self.sib, self.sibkid].contains(&org) {
            [self.root, self.sib, self.sibkid]
                .into_iter()
                .take_while(|id| *id != org)
                .chain(std::iter::once(org))
                .collect()
        } else {
            chain
        };
        Lineage::new(
            self.tenant_id(),
            chain.into_iter().map(OrganizationId).collect(),
        )
        .expect("a lineage")
    }

    pub fn tenant_id(&self) -> TenantId {
        TenantId(self.tenant.tenant_id)
    }

    /// The id of the organization a grant's scope lies in.
    pub fn org_of(&self, scope: &str) -> Option<i64> {
        let short = GrantScope::decode(scope)?
            .organization_short_name()?
            .to_owned();
        Some(match short.as_str() {
            "ACME" => self.root,
            "TOP" => self.top,
            "MID" => self.mid,
            "LOW" => self.low,
            "SIB" => self.sib,
            "SIBKID" => self.sibkid,
            other => panic!("no organization {other} in the tree"),
        })
    }

    /// The caller the server sees for an account holding `role` on
    /// `scope` (or nothing), for reading the policy's expectation.
    pub fn user_caller(&self, id: i64, held: Option<(Role, &str)>) -> Caller {
        let grants: Vec<Grant> = held
            .map(|(role, scope)| Grant {
                role,
                scope: GrantScope::decode(scope).expect("a scope"),
                organization: self.org_of(scope).map(OrganizationId),
            })
            .into_iter()
            .collect();
        Caller::User {
            tenant: self.tenant_id(),
            id: UserId(id),
            grants: Arc::from(grants),
        }
    }

    pub fn client_caller(&self, id: i64, scopes: &str) -> Caller {
        Caller::Client {
            tenant: self.tenant_id(),
            id: ApiClientId(id),
            scopes: ScopeSet::parse(scopes).expect("scopes"),
            organization: None,
        }
    }
}

/// Creates an account in `tenant` (as its admin) and logs it in.
pub fn account(app: &TestApp, tenant: &Provisioned, username: &str) -> (i64, String) {
    let id = tenant
        .admin(app, "POST", "/api/v1/users")
        .json(&json!({"email": format!("{username}@example.org"), "username": username, "password": PASSWORD}))
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    (id, app.login(&tenant.domain, username, PASSWORD))
}

/// `POST /api/v1/role-assignments` with `token`.
pub fn grant(
    app: &TestApp,
    tenant: &Provisioned,
    token: &str,
    user: i64,
    role: &str,
    scope: &str,
) -> Response {
    app.req("POST", &tenant.domain, "/api/v1/role-assignments")
        .bearer(token)
        .json(&json!({"user_id": user, "role": role, "scope": scope}))
}

/// A grant made by the tenant's admin; answers its id.
pub fn admin_grants(
    app: &TestApp,
    tenant: &Provisioned,
    user: i64,
    role: &str,
    scope: &str,
) -> i64 {
    grant(app, tenant, &tenant.admin_token, user, role, scope)
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id")
}

/// `DELETE /api/v1/role-assignments/{id}` with `token`.
pub fn revoke(app: &TestApp, tenant: &Provisioned, token: &str, id: i64) -> Response {
    app.req(
        "DELETE",
        &tenant.domain,
        &format!("/api/v1/role-assignments/{id}"),
    )
    .bearer(token)
    .send()
}

/// The number of audit entries of `tenant` with `action` on `target_id`.
pub fn audit_count(app: &TestApp, tenant: &Provisioned, action: &str, target_id: i64) -> i64 {
    app.db.count_as_owner(&format!(
        "SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = {} AND action = '{action}' AND target_id = '{target_id}'",
        tenant.tenant_id
    ))
}
