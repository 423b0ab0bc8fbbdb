//! Organizations at the gateway: the tenant's organization tree and its
//! memberships (REST and GraphQL), through `atrium_organizations`.
//! GraphQL's nested fields load through per-request [`loaders`].

pub mod graphql;
pub mod loaders;
pub mod rest;
pub mod wire;

use crate::routes::Api;

pub fn routes(api: &mut Api) {
    api.add::<rest::__path_list, _, _>(rest::list)
        .add::<rest::__path_create, _, _>(rest::create)
        .add::<rest::__path_get, _, _>(rest::get)
        .add::<rest::__path_update, _, _>(rest::update)
        .add::<rest::__path_delete, _, _>(rest::delete)
        .add::<rest::__path_list_members, _, _>(rest::list_members)
        .add::<rest::__path_add_member, _, _>(rest::add_member)
        .add::<rest::__path_remove_member, _, _>(rest::remove_member)
        .add::<rest::__path_user_organizations, _, _>(rest::user_organizations);
}
