//! Content libraries at the gateway, through `atrium_courses`.

use crate::routes::Api;

pub fn routes(_api: &mut Api) {}
