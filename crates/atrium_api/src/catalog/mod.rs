//! The catalog at the gateway: the site's public courses, for learners and
//! anonymous visitors, through `atrium_courses`.

use crate::routes::Api;

pub fn routes(_api: &mut Api) {}
