//! Content libraries at the gateway (REST and GraphQL), through
//! `atrium_courses`.

pub mod graphql;
pub mod rest;
pub mod wire;

use crate::routes::Api;

pub fn routes(api: &mut Api) {
    api.add::<rest::__path_list, _, _>(rest::list)
        .add::<rest::__path_create, _, _>(rest::create)
        .add::<rest::__path_get, _, _>(rest::get)
        .add::<rest::__path_update, _, _>(rest::update)
        .add::<rest::__path_delete, _, _>(rest::delete);
}
