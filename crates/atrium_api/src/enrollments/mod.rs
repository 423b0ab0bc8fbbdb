//! Enrollments at the gateway: a course's roster, enrolling and
//! unenrolling, and a learner's own enrollments, through `atrium_courses`.

use crate::routes::Api;

pub fn routes(_api: &mut Api) {}
