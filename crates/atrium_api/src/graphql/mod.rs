//! The GraphQL API: the same services, scoping and permission checks as
//! REST. The host's resolution and the caller travel in each request's
//! context data; nothing is cached across requests.

mod sites;
mod tenants;

use actix_web::{web, HttpRequest, HttpResponse};
use async_graphql::http::GraphiQLSource;
use async_graphql::{Context, EmptySubscription, ErrorExtensions, MergedObject, Schema};
use atrium_core::Settings;
use atrium_permissions::Caller;
use atrium_sites::{HostEntry, Resolution};

use crate::context::{authenticate, request_resolution, scope_of};
use crate::problem::ApiError;
use crate::state::AppState;

#[derive(MergedObject, Default)]
pub struct Query(tenants::TenantQuery, sites::SiteQuery);

#[derive(MergedObject, Default)]
pub struct Mutation(sites::SiteMutation);

pub type AtriumSchema = Schema<Query, Mutation, EmptySubscription>;

pub fn build_schema(settings: &Settings) -> AtriumSchema {
    let builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(settings.graphql_max_depth)
        .limit_complexity(settings.graphql_max_complexity);
    if settings.graphql_introspection {
        builder.finish()
    } else {
        builder.disable_introspection().finish()
    }
}

/// The SDL of the schema, as checked in at `openapi/schema.graphql`.
pub fn sdl() -> String {
    build_schema(&Settings::default()).sdl()
}

/// What each resolver knows about its request.
pub struct RequestData {
    pub state: web::Data<AppState>,
    pub resolution: Resolution,
    pub caller: Caller,
}

pub(crate) fn request<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a RequestData> {
    ctx.data::<RequestData>()
}

/// The tenant host of the request, or a NOT_FOUND error on the platform host.
pub(crate) fn tenant_host(data: &RequestData) -> async_graphql::Result<&HostEntry> {
    match &data.resolution {
        Resolution::Tenant(entry) => Ok(entry),
        _ => Err(gql_error(ApiError::NotFound(
            "this field on the platform host (use a tenant's site)".into(),
        ))),
    }
}

pub(crate) fn platform_host(data: &RequestData) -> async_graphql::Result<()> {
    match &data.resolution {
        Resolution::Platform => Ok(()),
        _ => Err(gql_error(ApiError::NotFound(
            "this field on a tenant's site (use the platform host)".into(),
        ))),
    }
}

/// An API error as a GraphQL error: the message, and `extensions.code`
/// (e.g. `NOT_FOUND`), `extensions.status` and field errors.
pub(crate) fn gql_error(error: impl Into<ApiError>) -> async_graphql::Error {
    let error: ApiError = error.into();
    let problem = error.problem();
    let code = error.code();
    async_graphql::Error::new(problem.detail.clone()).extend_with(move |_, extensions| {
        extensions.set("code", code.clone());
        extensions.set("status", i32::from(problem.status));
        if !problem.errors.is_empty() {
            let fields =
                serde_json::to_value(&problem.errors).and_then(async_graphql::Value::from_json);
            extensions.set("errors", fields.unwrap_or(async_graphql::Value::Null));
        }
    })
}

/// `POST /graphql`: one operation per JSON request. Taking the body through
/// `web::Json` puts it under the same size limit as every other body and
/// refuses batches (an array is not a request).
pub async fn execute(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: web::Json<async_graphql::Request>,
) -> Result<HttpResponse, ApiError> {
    let resolution = request_resolution(&req)?;
    let caller = authenticate(
        &state,
        scope_of(&resolution),
        req.headers().get(actix_web::http::header::AUTHORIZATION),
    )
    .await?;
    let schema = state.graphql.clone();
    let request = request.into_inner().data(RequestData {
        state,
        resolution,
        caller,
    });
    let mut response = schema.execute(request).await;
    // Errors raised by async-graphql itself (parse, validation, limits)
    // carry no code; give them one, so every error has `extensions.code`.
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "GRAPHQL_VALIDATION_FAILED");
        }
    }
    Ok(HttpResponse::Ok().json(response))
}

/// `GET /graphql`: the GraphiQL explorer, when introspection is on.
pub async fn graphiql(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if !state.settings.graphql_introspection {
        return Err(ApiError::NotFound("GraphiQL (introspection is off)".into()));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(GraphiQLSource::build().endpoint("/graphql").finish()))
}
