//! The identity domain at the gateway: tokens, keys, the caller,
//! registration, and getting back into an account (password reset).

pub mod graphql;
pub mod recovery;
pub mod rest;
pub mod wire;

use crate::routes::Api;

pub fn routes(api: &mut Api) {
    api.add::<rest::__path_jwks, _, _>(rest::jwks)
        .add::<rest::__path_token, _, _>(rest::token)
        .add::<rest::__path_revoke, _, _>(rest::revoke)
        .add::<rest::__path_register, _, _>(rest::register)
        .add::<rest::__path_me, _, _>(rest::me)
        .add::<rest::__path_update_me, _, _>(rest::update_me)
        .add::<recovery::__path_request_password_reset, _, _>(recovery::request_password_reset)
        .add::<recovery::__path_confirm_password_reset, _, _>(recovery::confirm_password_reset)
        .add::<recovery::__path_verify_email, _, _>(recovery::verify_email);
}
