//! The wire types of platform operators.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::wire::{list_type, utc};

#[derive(Debug, Clone, Serialize, ToSchema, SimpleObject)]
#[graphql(name = "Operator")]
pub struct OperatorDto {
    pub id: i64,
    pub email: String,
    /// A disabled operator cannot log in, and its tokens are refused.
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<atrium_identity::Operator> for OperatorDto {
    fn from(o: atrium_identity::Operator) -> Self {
        Self {
            id: o.id.0,
            email: o.email,
            is_active: o.is_active,
            created_at: utc(o.created_at),
        }
    }
}

list_type!(OperatorList, OperatorDto);

/// `PATCH /api/v1/operators/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperatorPatchBody {
    /// `false` disables the operator (refused for the last active one),
    /// `true` enables it again.
    pub is_active: bool,
}
