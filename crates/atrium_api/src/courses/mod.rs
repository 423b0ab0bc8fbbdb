//! Courses at the gateway: Studio's courses (list, create, read, change,
//! delete), reruns and batch creation (REST and GraphQL), through
//! `atrium_courses`.

pub mod graphql;
pub mod rest;
pub mod wire;

use crate::routes::Api;

/// A batch's body: a hundred courses at their largest (a 10,000-character
/// description each, up to four bytes a character in UTF-8).
const BATCH_BODY_BYTES: usize = 5 * 1024 * 1024;

pub fn routes(api: &mut Api) {
    // `/courses/batch` before `/courses/{course_key}`: the router tries
    // resources in this order, and a course key always starts with
    // `course-v1:`, so no key is taken for `batch`.
    api.add::<rest::__path_create_batch, _, _>(rest::create_batch)
        .add::<rest::__path_list, _, _>(rest::list)
        .add::<rest::__path_create, _, _>(rest::create)
        .add::<rest::__path_get, _, _>(rest::get)
        .add::<rest::__path_update, _, _>(rest::update)
        .add::<rest::__path_delete, _, _>(rest::delete)
        .add::<rest::__path_rerun, _, _>(rest::rerun)
        .body_limit("/api/v1/courses/batch", BATCH_BODY_BYTES);
}
