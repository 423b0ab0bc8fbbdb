//! Operations at the gateway: probes and metrics, answered on any host.

pub mod rest;

use crate::routes::Api;

pub fn routes(api: &mut Api) {
    api.add::<rest::__path_live, _, _>(rest::live)
        .add::<rest::__path_ready, _, _>(rest::ready)
        .add::<rest::__path_metrics, _, _>(rest::metrics);
}
