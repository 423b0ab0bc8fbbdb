//! Platform operators at the gateway (platform host): list, disable or
//! re-enable, delete.

pub mod rest;
pub mod wire;

use crate::routes::Api;

pub fn routes(api: &mut Api) {
    api.add::<rest::__path_list, _, _>(rest::list)
        .add::<rest::__path_update, _, _>(rest::update)
        .add::<rest::__path_delete, _, _>(rest::delete);
}
