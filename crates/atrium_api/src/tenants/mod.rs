//! The tenants domain at the gateway (platform host): routes, GraphQL parts
//! and wire types.

pub mod graphql;
pub mod rest;
pub mod wire;

use crate::routes::Api;

pub fn routes(api: &mut Api) {
    api.add::<rest::__path_provision, _, _>(rest::provision)
        .add::<rest::__path_list, _, _>(rest::list)
        .add::<rest::__path_get, _, _>(rest::get)
        .add::<rest::__path_update, _, _>(rest::update)
        .add::<rest::__path_delete, _, _>(rest::delete);
}
