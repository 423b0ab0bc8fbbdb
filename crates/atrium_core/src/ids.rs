//! Newtype ids: a site id can never be passed where a tenant id is expected.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// One customer of the platform.
    TenantId,
    /// A domain of a tenant.
    SiteId,
    /// A node of a tenant's organization tree.
    OrganizationId,
    /// An account of a tenant.
    UserId,
    /// A platform operator (not a tenant account).
    OperatorId,
    /// An integrator's API client of a tenant (its row id, not its public
    /// `client_id`).
    ApiClientId,
    /// A course of a tenant (its row id; the API names courses by key).
    CourseId,
    /// A content library of a tenant (its row id; the API names it by key).
    LibraryId,
);
