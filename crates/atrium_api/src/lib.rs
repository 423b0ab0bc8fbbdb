//! The API gateway: HTTP (actix-web), GraphQL (async-graphql) and the
//! OpenAPI document (utoipa) over the domain crates. Handlers stay thin:
//! they extract the host, the caller and the body, call a domain service,
//! and map its answer to a wire type. Every failure becomes a problem in
//! one place ([`problem`]).

mod context;
mod dto;
mod framework;
pub mod graphql;
pub mod limits;
pub mod observability;
pub mod openapi;
pub mod problem;
mod rest;
mod state;

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{web, App};
use utoipa_swagger_ui::SwaggerUi;

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
        .configure(rest::routes)
        .service(web::redirect("/docs", "/docs/"))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api/openapi.json", openapi::document()))
        .default_service(web::to(framework::not_found))
        .wrap(from_fn(context::resolve_host))
        .wrap(from_fn(framework::problems_everywhere))
        .wrap(from_fn(limits::enforce))
        .wrap(from_fn(observability::observe))
}
