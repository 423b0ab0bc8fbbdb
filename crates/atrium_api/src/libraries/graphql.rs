//! GraphQL: content libraries, through the same service as REST.

use async_graphql::{Context, InputObject, Object};
use atrium_courses::{LibraryPatch, NewLibrary};

use super::wire::{LibraryDto, LibraryList};
use crate::graphql::request;
use crate::problem::ApiError;
use crate::wire::ListQuery;

#[derive(Default)]
pub struct LibraryQuery;

#[Object]
impl LibraryQuery {
    /// The libraries the caller may author, in creation order, as `GET
    /// /api/v1/libraries`.
    async fn libraries(
        &self,
        ctx: &Context<'_>,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> Result<LibraryList, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let page = ListQuery { limit, cursor }.page()?;
        Ok(state
            .courses
            .list_libraries(&req.caller, scope, page)
            .await?
            .into())
    }

    /// One library (`lib:ORG:SLUG`), for those who may author or preview
    /// it.
    async fn library(&self, ctx: &Context<'_>, key: String) -> Result<LibraryDto, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        Ok(state
            .courses
            .get_library(&req.caller, scope, key)
            .await?
            .into())
    }
}

#[derive(InputObject)]
pub struct CreateLibraryInput {
    /// The short name of an active organization of the tenant.
    pub org: String,
    pub slug: String,
    pub display_name: String,
    #[graphql(default)]
    pub description: String,
}

#[derive(InputObject)]
pub struct UpdateLibraryInput {
    pub display_name: Option<String>,
    pub description: Option<String>,
}

#[derive(Default)]
pub struct LibraryMutation;

#[Object]
impl LibraryMutation {
    /// Creates a library, as `POST /api/v1/libraries`.
    async fn create_library(
        &self,
        ctx: &Context<'_>,
        input: CreateLibraryInput,
    ) -> Result<LibraryDto, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let new = NewLibrary {
            org: input.org,
            slug: input.slug,
            display_name: input.display_name,
            description: input.description,
        };
        Ok(state
            .courses
            .create_library(&req.caller, scope, new)
            .await?
            .into())
    }

    /// Changes a library, as `PATCH /api/v1/libraries/{library_key}`. With
    /// `expectedVersion` (REST's `If-Match`), a library changed since is a
    /// `PRECONDITION_FAILED` error, as `updateCourse` does.
    async fn update_library(
        &self,
        ctx: &Context<'_>,
        key: String,
        input: UpdateLibraryInput,
        expected_version: Option<i64>,
    ) -> Result<LibraryDto, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        let patch = LibraryPatch {
            display_name: input.display_name,
            description: input.description,
            if_match: expected_version.map(|v| format!("\"v{v}\"")),
        };
        Ok(state
            .courses
            .update_library(&req.caller, scope, key, patch)
            .await?
            .into())
    }

    /// Deletes a library and its team's grants; answers `true`.
    async fn delete_library(&self, ctx: &Context<'_>, key: String) -> Result<bool, ApiError> {
        let (state, req) = request(ctx)?;
        let scope = req.tenant()?.scope;
        state
            .courses
            .delete_library(&req.caller, scope, key)
            .await?;
        Ok(true)
    }
}
