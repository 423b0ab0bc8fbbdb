//! API clients at the gateway: integrators' client credentials, managed by
//! a tenant's admins. Their token comes from the token endpoint
//! (`grant_type=client_credentials`, in `identity/`).

pub mod graphql;
pub mod rest;
pub mod wire;

use crate::routes::Api;

pub fn routes(api: &mut Api) {
    api.add::<rest::__path_list, _, _>(rest::list)
        .add::<rest::__path_create, _, _>(rest::create)
        .add::<rest::__path_get, _, _>(rest::get)
        .add::<rest::__path_delete, _, _>(rest::delete);
}
