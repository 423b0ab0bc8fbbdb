//! Courses at the gateway: Studio's courses (list, create, read, change,
//! delete), reruns and batch creation (REST and GraphQL), through
//! `atrium_courses`.

use crate::routes::Api;

pub fn routes(_api: &mut Api) {}
