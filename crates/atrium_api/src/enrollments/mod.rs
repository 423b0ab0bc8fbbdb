//! Enrollments at the gateway: a course's roster, enrolling and
//! unenrolling, and a learner's own enrollments, through `atrium_courses`.
//! GraphQL's `Course.enrollments` loads through per-request [`loaders`].

pub mod graphql;
pub mod loaders;
pub mod rest;
pub mod wire;

use crate::routes::Api;

pub fn routes(api: &mut Api) {
    api.add::<rest::__path_enroll, _, _>(rest::enroll)
        .add::<rest::__path_list, _, _>(rest::list)
        .add::<rest::__path_unenroll, _, _>(rest::unenroll)
        .add::<rest::__path_mine, _, _>(rest::mine);
}
