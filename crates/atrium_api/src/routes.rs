//! The one list of what the server routes: each REST operation is
//! registered once, from its handler and the `#[utoipa::path]` beside it, and
//! both the actix routes and the OpenAPI paths are read from that list, so a
//! route cannot be served undocumented or documented unserved.
//!
//! Operations that share a path become one `web::resource`, so a method it
//! does not have is a 405 (with `Allow`), not a 404.

use actix_web::dev::HttpServiceFactory;
use actix_web::http::Method;
use actix_web::{web, FromRequest, Handler, HttpRequest, Responder, Route};
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{Paths, RefOr};

use crate::problem::ApiError;
use crate::{
    api_clients, audit, catalog, course_creator_requests, course_team, courses, enrollments,
    graphql, identity, libraries, operations, operators, organizations, role_assignments, sites,
    tenants, users,
};

/// Every domain's registrations: one line per domain.
const DOMAINS: &[fn(&mut Api)] = &[
    operations::routes,
    identity::routes,
    tenants::routes,
    operators::routes,
    sites::routes,
    users::routes,
    api_clients::routes,
    audit::routes,
    role_assignments::routes,
    course_creator_requests::routes,
    organizations::routes,
    courses::routes,
    course_team::routes,
    catalog::routes,
    enrollments::routes,
    libraries::routes,
    graphql::routes,
];

/// The whole route table of the application.
pub fn table() -> Api {
    let mut api = Api::default();
    for register in DOMAINS {
        register(&mut api);
    }
    api
}

/// One routed operation.
pub struct Registered {
    pub path: String,
    pub method: Method,
    route: Route,
    /// The OpenAPI operation and the schemas it refers to; `None` for the
    /// few routes outside the REST contract (GraphQL's endpoint).
    doc: Option<Documentation>,
}

struct Documentation {
    method: HttpMethod,
    operation: Operation,
    schemas: Vec<(String, RefOr<Schema>)>,
}

impl Registered {
    pub fn is_documented(&self) -> bool {
        self.doc.is_some()
    }
}

#[derive(Default)]
pub struct Api {
    operations: Vec<Registered>,
    /// Paths whose bodies may be larger than `max_body_bytes`, and how much.
    body_limits: Vec<(String, usize)>,
}

impl Api {
    /// Registers a handler under the path and method(s) its
    /// `#[utoipa::path]` declares: pass the generated `__path_<handler>`
    /// type as `P`.
    pub fn add<P, H, Args>(&mut self, handler: H) -> &mut Self
    where
        // `SchemaReferences` is how utoipa's own derive (and utoipa-actix-web)
        // collects the schemas an operation refers to.
        P: utoipa::Path + utoipa::__dev::SchemaReferences,
        H: Handler<Args>,
        Args: FromRequest + 'static,
        H::Output: Responder + 'static,
    {
        let mut schemas = Vec::new();
        P::schemas(&mut schemas);
        for documented in P::methods() {
            let method = actix_method(&documented);
            self.operations.push(Registered {
                path: P::path(),
                route: web::method(method.clone()).to(handler.clone()),
                method,
                doc: Some(Documentation {
                    method: documented,
                    operation: P::operation(),
                    schemas: schemas.clone(),
                }),
            });
        }
        self
    }

    /// Registers a route that is not part of the REST contract.
    pub fn undocumented(&mut self, path: &str, method: Method, route: Route) -> &mut Self {
        self.operations.push(Registered {
            path: path.to_owned(),
            method,
            route,
            doc: None,
        });
        self
    }

    /// Lets the bodies sent to `path` be up to `bytes` long, whatever
    /// `max_body_bytes` says: for a body that is many items at once (a
    /// batch of courses), which one item's limit would cut short.
    pub fn body_limit(&mut self, path: &str, bytes: usize) -> &mut Self {
        self.body_limits.push((path.to_owned(), bytes));
        self
    }

    /// What is routed, in registration order.
    pub fn registered(&self) -> &[Registered] {
        &self.operations
    }

    /// The OpenAPI paths and the schemas they refer to.
    pub fn documentation(&self) -> (Paths, Vec<(String, RefOr<Schema>)>) {
        let mut paths = Paths::new();
        let mut schemas = Vec::new();
        for registered in &self.operations {
            if let Some(doc) = &registered.doc {
                paths.add_path_operation(
                    &registered.path,
                    vec![doc.method.clone()],
                    doc.operation.clone(),
                );
                schemas.extend(doc.schemas.iter().cloned());
            }
        }
        (paths, schemas)
    }

    /// Mounts every path as one resource with one route per method.
    pub fn mount(self, cfg: &mut web::ServiceConfig) {
        let mut resources: Vec<(String, Vec<(Method, Route)>)> = Vec::new();
        for registered in self.operations {
            match resources
                .iter_mut()
                .find(|(path, _)| *path == registered.path)
            {
                Some((_, routes)) => routes.push((registered.method, registered.route)),
                None => {
                    resources.push((registered.path, vec![(registered.method, registered.route)]))
                }
            }
        }
        for (path, routes) in resources {
            let limit = self
                .body_limits
                .iter()
                .find(|(limited, _)| *limited == path)
                .map(|(_, bytes)| *bytes);
            cfg.service(resource(&path, routes, limit));
        }
    }
}

fn resource(
    path: &str,
    routes: Vec<(Method, Route)>,
    body_limit: Option<usize>,
) -> impl HttpServiceFactory {
    let allow = routes
        .iter()
        .map(|(method, _)| method.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut resource = web::resource(path);
    if let Some(limit) = body_limit {
        // The resource's configuration is found before the application's.
        resource = resource
            .app_data(crate::framework::json_config(limit))
            .app_data(crate::framework::payload_config(limit));
    }
    for (_, route) in routes {
        resource = resource.route(route);
    }
    resource.default_service(web::to(move |req: HttpRequest| {
        let allow = allow.clone();
        async move {
            Err::<actix_web::HttpResponse, _>(ApiError::MethodNotAllowed {
                detail: format!("{} is not allowed on {}", req.method(), req.path()),
                allow,
            })
        }
    }))
}

fn actix_method(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}
