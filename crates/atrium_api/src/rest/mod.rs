//! REST routes. Each path is one `web::resource`, so a wrong method is a
//! 405 rather than a 404.

pub mod auth;
pub mod sites;
pub mod tenants;

use actix_web::web;

use crate::{graphql, observability};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/health/live").route(web::get().to(observability::live)))
        .service(web::resource("/health/ready").route(web::get().to(observability::ready)))
        .service(web::resource("/metrics").route(web::get().to(observability::metrics)))
        .service(web::resource("/.well-known/jwks.json").route(web::get().to(auth::jwks)))
        .service(web::resource("/api/v1/auth/token").route(web::post().to(auth::token)))
        .service(web::resource("/api/v1/auth/register").route(web::post().to(auth::register)))
        .service(web::resource("/api/v1/me").route(web::get().to(auth::me)))
        .service(
            web::resource("/api/v1/tenants")
                .route(web::get().to(tenants::list))
                .route(web::post().to(tenants::provision)),
        )
        .service(
            web::resource("/api/v1/tenants/{slug}")
                .route(web::get().to(tenants::get))
                .route(web::patch().to(tenants::update))
                .route(web::delete().to(tenants::delete)),
        )
        .service(web::resource("/api/v1/site").route(web::get().to(sites::public_site)))
        .service(
            web::resource("/api/v1/sites")
                .route(web::get().to(sites::list))
                .route(web::post().to(sites::create)),
        )
        .service(
            web::resource("/api/v1/sites/{id}")
                .route(web::get().to(sites::get))
                .route(web::patch().to(sites::update))
                .route(web::delete().to(sites::delete)),
        )
        .service(
            web::resource("/api/v1/sites/{id}/configuration")
                .route(web::get().to(sites::configuration))
                .route(web::put().to(sites::put_configuration)),
        )
        .service(
            web::resource("/api/v1/sites/{id}/configuration/history")
                .route(web::get().to(sites::history)),
        )
        .service(
            web::resource("/api/v1/sites/{id}/theme")
                .route(web::get().to(sites::theme))
                .route(web::put().to(sites::put_theme)),
        )
        .service(web::resource("/api/v1/config/{key}").route(web::get().to(sites::config_value)))
        .service(
            web::resource("/graphql")
                .route(web::post().to(graphql::execute))
                .route(web::get().to(graphql::graphiql)),
        );
}
