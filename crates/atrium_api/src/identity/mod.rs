//! The identity domain at the gateway: tokens, keys, the caller and
//! registration.

pub mod graphql;
pub mod rest;
pub mod wire;

use crate::routes::Api;

pub fn routes(api: &mut Api) {
    api.add::<rest::__path_jwks, _, _>(rest::jwks)
        .add::<rest::__path_token, _, _>(rest::token)
        .add::<rest::__path_register, _, _>(rest::register)
        .add::<rest::__path_me, _, _>(rest::me)
        .add::<rest::__path_update_me, _, _>(rest::update_me);
}
