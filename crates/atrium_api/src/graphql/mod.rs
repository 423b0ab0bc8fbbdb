//! The GraphQL API: the same services, scoping and permission checks as
//! REST. The request's context (host and caller, the same value REST
//! handlers extract) travels in each request's data; nothing is cached
//! across requests. Resolvers return `Result<_, ApiError>`, and every error
//! gets its code, status and field errors here, in one place. The HTTP
//! transport (content negotiation, GET, persisted queries) is in [`http`].

pub(crate) mod graphiql;
pub(crate) mod http;

use actix_web::http::Method;
use actix_web::web;
use async_graphql::{Context, EmptySubscription, MergedObject, Schema, ServerError};
use atrium_core::Settings;

use crate::context::RequestContext;
use crate::problem::ApiError;
use crate::routes::Api;
use crate::state::AppState;
use crate::{
    api_clients, audit, catalog, course_creator_requests, course_team, courses, enrollments,
    identity, libraries, organizations, role_assignments, sites, tenants, users,
};

// Every domain's queries: one entry per domain. The doc comment below is
// the schema's description of the root type, for API users.
/// Atrium's queries. Authenticate with `Authorization: Bearer <access
/// token>`. Tokens come only from the REST token endpoint,
/// `POST /api/v1/auth/token`, and are revoked at `POST /api/v1/auth/revoke`
/// (the OAuth 2.0 convention): GraphQL has no login or token mutation.
#[derive(MergedObject, Default)]
pub struct Query(
    tenants::graphql::TenantQuery,
    identity::graphql::IdentityQuery,
    sites::graphql::SiteQuery,
    api_clients::graphql::ApiClientQuery,
    users::graphql::UserQuery,
    audit::graphql::AuditQuery,
    role_assignments::graphql::RoleAssignmentQuery,
    course_creator_requests::graphql::CreatorRequestQuery,
    organizations::graphql::OrganizationQuery,
    catalog::graphql::CatalogQuery,
    enrollments::graphql::EnrollmentQuery,
    courses::graphql::CourseQuery,
    course_team::graphql::CourseTeamQuery,
    libraries::graphql::LibraryQuery,
);

// Every domain's mutations: one entry per domain.
/// Atrium's mutations, with the same permission checks as REST. There is
/// no login or token mutation: tokens come only from the REST token
/// endpoint, `POST /api/v1/auth/token` (the OAuth 2.0 convention).
#[derive(MergedObject, Default)]
pub struct Mutation(
    sites::graphql::SiteMutation,
    api_clients::graphql::ApiClientMutation,
    users::graphql::UserMutation,
    role_assignments::graphql::RoleAssignmentMutation,
    course_creator_requests::graphql::CreatorRequestMutation,
    organizations::graphql::OrganizationMutation,
    enrollments::graphql::EnrollmentMutation,
    courses::graphql::CourseMutation,
    course_team::graphql::CourseTeamMutation,
    libraries::graphql::LibraryMutation,
);

pub type AtriumSchema = Schema<Query, Mutation, EmptySubscription>;

pub fn build_schema(settings: &Settings) -> AtriumSchema {
    let builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(settings.graphql_max_depth)
        .limit_complexity(settings.graphql_max_complexity)
        .extension(http::persisted_queries())
        .extension(http::QueriesOnlyOverGet);
    let builder = if settings.graphql_introspection {
        builder
    } else {
        builder.disable_introspection()
    };
    // "Did you mean …?" spells out field names: with introspection off it
    // would give back, one typo at a time, what introspection withholds.
    if settings.graphql_suggestions && settings.graphql_introspection {
        builder.finish()
    } else {
        builder.disable_suggestions().finish()
    }
}

/// The SDL of the schema, as checked in at `openapi/schema.graphql`.
pub fn sdl() -> String {
    build_schema(&Settings::default()).sdl()
}

pub fn routes(api: &mut Api) {
    api.undocumented("/graphql", Method::POST, web::post().to(http::post))
        .undocumented("/graphql", Method::GET, web::get().to(http::get))
        .undocumented(
            "/graphql/assets/{name}",
            Method::GET,
            web::get().to(graphiql::asset),
        );
}

/// What each resolver knows about its request.
pub(crate) struct RequestData {
    state: web::Data<AppState>,
    context: RequestContext,
}

/// The application and the request's context, for a resolver.
pub(crate) fn request<'a>(
    ctx: &'a Context<'_>,
) -> Result<(&'a AppState, &'a RequestContext), ApiError> {
    let data = ctx
        .data::<RequestData>()
        .map_err(|_| ApiError::Internal("GraphQL request without its context".into()))?;
    Ok((&data.state, &data.context))
}

/// Gives every error its `extensions`: for an [`ApiError`] raised by a
/// resolver, the problem's detail, `code` (e.g. `NOT_FOUND`), `status` and
/// field errors; for async-graphql's own (parse, validation, limits,
/// persisted queries), a code: Apollo clients look for
/// `PERSISTED_QUERY_NOT_FOUND`.
pub(crate) fn explain(error: &mut ServerError) {
    let api = error.source::<ApiError>().cloned();
    let extensions = error.extensions.get_or_insert_with(Default::default);
    match api {
        Some(api) => {
            let problem = api.problem();
            extensions.set("code", api.code());
            extensions.set("status", i32::from(problem.status));
            if !problem.errors.is_empty() {
                let fields =
                    serde_json::to_value(&problem.errors).and_then(async_graphql::Value::from_json);
                extensions.set("errors", fields.unwrap_or(async_graphql::Value::Null));
            }
            error.message = problem.detail;
        }
        None if extensions.get("code").is_none() => {
            let code = match error.message.as_str() {
                "PersistedQueryNotFound" => "PERSISTED_QUERY_NOT_FOUND",
                _ => "GRAPHQL_VALIDATION_FAILED",
            };
            extensions.set("code", code);
        }
        None => {}
    }
}
