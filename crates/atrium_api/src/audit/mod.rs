//! The audit log at the gateway: a tenant's entries for its tenant admins
//! on a tenant's host, operators' actions for operators on the platform
//! host (REST and GraphQL, the same path and query on both hosts).

pub mod graphql;
pub mod rest;
pub mod wire;

use crate::routes::Api;

pub fn routes(api: &mut Api) {
    api.add::<rest::__path_list, _, _>(rest::list);
}
