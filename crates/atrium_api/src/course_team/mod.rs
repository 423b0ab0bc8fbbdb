//! A course's team at the gateway: its staff, instructors and beta testers
//! (course-scoped role assignments), through `atrium_courses`, REST and
//! GraphQL. A course's nested `team` loads through the per-request
//! [`loaders`].

pub mod graphql;
pub mod loaders;
pub mod rest;
pub mod wire;

use crate::routes::Api;

pub fn routes(api: &mut Api) {
    api.add::<rest::__path_list, _, _>(rest::list)
        .add::<rest::__path_add, _, _>(rest::add)
        .add::<rest::__path_remove, _, _>(rest::remove);
}
