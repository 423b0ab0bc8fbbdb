//! The OpenAPI 3.1 document, generated from the handlers' annotations. The
//! checked-in copy at `openapi/openapi.json` is compared with it in a test.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::rest::{auth, sites, tenants};
use crate::{dto, observability, problem};

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

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Atrium",
        description = "Multi-tenant learning platform API. Every request is resolved to a tenant from its Host header; \
                       the platform host serves operators. Errors are application/problem+json (RFC 9457).",
        license(name = "AGPL-3.0-only")
    ),
    paths(
        observability::live, observability::ready, observability::metrics,
        auth::token, auth::jwks, auth::me, auth::register,
        tenants::provision, tenants::list, tenants::get, tenants::update, tenants::delete,
        sites::public_site, sites::list, sites::create, sites::get, sites::update, sites::delete,
        sites::configuration, sites::put_configuration, sites::history, sites::theme, sites::put_theme,
        sites::config_value,
    ),
    components(schemas(problem::Problem, problem::ProblemFieldError, dto::RoleDto)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Tokens, keys, the caller, registration"),
        (name = "tenants", description = "Platform host: provisioning and administration of tenants"),
        (name = "sites", description = "A tenant's sites and the public bootstrap of a site"),
        (name = "site configuration", description = "Configuration, theme, history and resolved settings"),
        (name = "operations", description = "Probes and metrics (any host)"),
    )
)]
pub struct ApiDoc;

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub fn json() -> String {
    document()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
