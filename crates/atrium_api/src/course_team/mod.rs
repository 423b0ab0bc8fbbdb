//! A course's team at the gateway: its staff, instructors and beta testers
//! (course-scoped role assignments), through `atrium_courses`.

use crate::routes::Api;

pub fn routes(_api: &mut Api) {}
