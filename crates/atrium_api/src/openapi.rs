//! The OpenAPI 3.1 document: the paths come from the route table
//! ([`crate::routes`]), the problems every operation can answer are attached
//! here once. The checked-in copy at `openapi/openapi.json` is compared with
//! it in a test.

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr, Response};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::problem::{self, Problem, PROBLEM_JSON};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .build(),
                ),
            );
    }
}

/// The problems any operation can answer, whatever it does: a bad request,
/// no or a bad token, not allowed, not found (or not on this host), a body
/// too large or of the wrong type, too many requests, and the server's own
/// failures. Operations declare only the statuses particular to them.
const DEFAULT_PROBLEMS: &[(&str, &str)] = &[
    ("400", "Invalid request"),
    ("401", "No token, or a bad one"),
    ("403", "Not allowed, or the tenant is suspended"),
    ("404", "Not found, or not served on this host"),
    ("413", "Body too large"),
    ("415", "Unsupported content type"),
    ("429", "Too many requests"),
    ("500", "Internal error"),
    ("503", "Temporarily unavailable"),
    ("default", "Another problem"),
];

struct DefaultProblems;

impl Modify for DefaultProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                for (status, description) in DEFAULT_PROBLEMS {
                    operation
                        .responses
                        .responses
                        .entry((*status).to_owned())
                        .or_insert_with(|| problem_response(description));
                }
            }
        }
    }
}

fn problem_response(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name(Problem::name())))
                    .build(),
            )
            .build(),
    )
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Atrium",
        description = "Multi-tenant learning platform API. Every request is resolved to a tenant from its Host header; \
                       the platform host serves operators. Errors are application/problem+json (RFC 9457).",
        license(name = "AGPL-3.0-only")
    ),
    components(schemas(problem::Problem, problem::ProblemFieldError)),
    tags(
        (name = "auth", description = "Tokens, keys, the caller, registration"),
        (name = "tenants", description = "Platform host: provisioning and administration of tenants"),
        (name = "sites", description = "A tenant's sites and the public bootstrap of a site"),
        (name = "site configuration", description = "Configuration, theme, history and resolved settings"),
        (name = "users", description = "A tenant's accounts, for its tenant admins"),
        (name = "role assignments", description = "Grants of roles on the tenant, an organization or a course"),
        (name = "course creator requests", description = "Studio's requests to become a course creator in an organization"),
        (name = "organizations", description = "A tenant's organization tree and its memberships"),
        (name = "courses", description = "Studio: the courses a caller may author, reruns, batch creation"),
        (name = "course team", description = "A course's instructors, staff and beta testers"),
        (name = "catalog", description = "The site's public courses, for anyone"),
        (name = "enrollments", description = "Who takes which course, and a learner's own enrollments"),
        (name = "libraries", description = "Content libraries, partitioned like courses"),
        (name = "api clients", description = "Integrators' client credentials (client_credentials grant)"),
        (name = "audit", description = "The audit log: a tenant's changes (tenant host), operators' actions (platform host)"),
        (name = "operations", description = "Probes and metrics (any host)"),
    )
)]
struct ApiDoc;

pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    let (paths, schemas) = crate::routes::table().documentation();
    document.paths = paths;
    let components = document.components.get_or_insert_with(Default::default);
    for (name, schema) in schemas {
        components.schemas.entry(name).or_insert(schema);
    }
    for modifier in [&BearerAuth as &dyn Modify, &DefaultProblems] {
        modifier.modify(&mut document);
    }
    document
}

pub fn json() -> String {
    document()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
