//! The API gateway: HTTP (actix-web), GraphQL (async-graphql) and the
//! OpenAPI document (utoipa) over the domain crates.
//!
//! One folder per domain (`identity/`, `sites/`, `tenants/`,
//! `organizations/`, `courses/`, `operations/`…) holds its REST handlers, GraphQL parts and wire types;
//! the files beside them are shared: the route table ([`routes`]), the
//! request context ([`context`]), errors as problems ([`problem`]),
//! conditional requests, idempotency, and the framework's own failures.
//! Handlers stay thin: extract the context and the body, call a domain
//! service, map its answer to a wire type.

mod api_clients;
mod audit;
mod catalog;
mod client_address;
mod conditional;
mod context;
mod course_creator_requests;
mod course_team;
mod courses;
mod enrollments;
mod framework;
pub mod graphql;
mod idempotency;
mod identity;
mod libraries;
pub mod limits;
pub mod observability;
pub mod openapi;
mod operations;
mod operators;
mod organizations;
pub mod problem;
mod role_assignments;
pub mod routes;
mod sites;
mod state;
mod tenants;
mod users;
mod wire;

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{web, App};
use utoipa_swagger_ui::SwaggerUi;

pub use operations::CitusProbe;
pub use state::AppState;

/// The whole application, for `HttpServer` and for in-process tests alike.
pub fn app(
    state: Arc<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let limit = state.settings.max_body_bytes;
    App::new()
        .app_data(web::Data::from(state))
        .app_data(framework::json_config(limit))
        .app_data(framework::payload_config(limit))
        .app_data(framework::query_config())
        .app_data(framework::path_config())
        .configure(|cfg| routes::table().mount(cfg))
        .service(web::redirect("/docs", "/docs/"))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api/openapi.json", openapi::document()))
        .default_service(web::to(framework::not_found))
        .wrap(from_fn(context::resolve_host))
        .wrap(from_fn(framework::problems_everywhere))
        .wrap(from_fn(limits::enforce))
        .wrap(from_fn(observability::observe))
}
