//! The platform layer: provisioning tenants in one transaction, and the
//! operator's view of them (list, read, suspend, reactivate, delete).

mod error;
mod provisioning;
mod service;

pub use error::TenantsError;
pub use provisioning::{AdminAccount, ProvisionRequest, Provisioned};
pub use service::{Tenant, TenantPatch, TenantService, TenantStatus};
