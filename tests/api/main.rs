//! API tests against a real server, each on its own database, on SQLite and
//! (with `ATRIUM_TEST_DATABASE_URL`) PostgreSQL.

mod access;
mod access_tokens;
mod api_clients;
mod architecture;
mod audit;
mod auth;
mod contracts;
mod course_team;
mod creator_requests;
mod domain_claims;
mod errors;
mod exposure;
mod graphql;
mod graphql_loaders;
mod idempotency;
mod isolation;
mod keys;
mod libraries;
mod limits;
mod lost_updates;
mod memberships;
mod migrations;
mod operations;
mod org_tree;
mod organizations;
mod permission_matrix;
mod postgres;
mod recovery;
mod refresh_tokens;
mod role_assignments;
mod site_configuration;
mod sites;
mod tenants;
mod throttle;
mod users;
