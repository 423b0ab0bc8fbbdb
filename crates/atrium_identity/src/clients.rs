//! API clients for integrators: machine credentials of a tenant, managed by
//! its admins, exchanged for short-lived access tokens with the client
//! credentials grant (RFC 6749 §4.4; no refresh token, §4.4.3).
//!
//! The secret is 32 random bytes, shown once at creation and stored only as
//! its SHA-256 hash: a secret that random cannot be guessed from its hash,
//! so a slow password hash would only cost every token request CPU. The
//! presented secret's hash is compared in constant time.
//!
//! A client's token names the client (`sub` `client:{id}`) and the scopes
//! it was granted; each request looks the client up again (cached per
//! replica, forgotten at once when it is deleted here, and through
//! [`Identity::forget_client`] when another replica deletes it), so a
//! deleted client is refused on its next request.

use std::net::IpAddr;
use std::time::Duration;

use atrium_audit::{Author, Change};
use atrium_core::{
    is_name, ApiClientId, OrganizationId, Page, PageRequest, TenantId, ValidationErrors,
};
use atrium_db::access::AccessChange;
use atrium_db::api_clients::{self, ApiClientRow};
use atrium_db::{Access, DbError, TenantScope, TenantTx};
use atrium_permissions::{authorize, Action, Caller, Place, ScopeSet};
use chrono::NaiveDateTime;
use subtle::ConstantTimeEq;

use crate::secrets::{hash_token, random_token};
use crate::service::{Identity, IssuedToken};
use crate::tokens::{self, Realm, Subject};
use crate::IdentityError;

/// The prefix of every public client id, so that one is recognizable in a
/// configuration file or a log.
const CLIENT_ID_PREFIX: &str = "atc_";

/// How long a client's scopes stay cached on a replica that did not delete
/// it and was not told (the broadcast tells it at once).
pub(crate) const CLIENTS_TTL: Duration = Duration::from_secs(30);

/// A new API client as an admin asks for it.
#[derive(Debug, Clone)]
pub struct NewApiClient {
    pub name: String,
    /// Scope names (`sites:read`, …); at least one.
    pub scopes: Vec<String>,
    /// The short name of the organization the client is limited to.
    pub organization: Option<String>,
}

/// An API client, without its secret.
#[derive(Debug, Clone)]
pub struct ApiClient {
    pub id: ApiClientId,
    /// The public id the client authenticates with.
    pub client_id: String,
    pub name: String,
    pub scopes: ScopeSet,
    /// The short name of the organization the client is limited to.
    pub organization: Option<String>,
    pub created_at: NaiveDateTime,
}

impl ApiClient {
    /// The client as an audit entry shows it: what the API shows, never
    /// the secret or its hash.
    fn audit_view(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id.0,
            "client_id": self.client_id,
            "name": self.name,
            "scopes": self.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "organization": self.organization,
        })
    }
}

/// Records a change of an API client in the tenant's audit log.
fn record_client(
    tx: &mut TenantTx<'_>,
    author: &Author,
    action: &str,
    id: ApiClientId,
    before: Option<&ApiClient>,
    after: Option<&ApiClient>,
) -> Result<(), DbError> {
    atrium_audit::record(
        tx,
        author,
        Change {
            action,
            target_type: "api_client",
            target_id: id.0.to_string(),
            before: before.map(ApiClient::audit_view).as_ref(),
            after: after.map(ApiClient::audit_view).as_ref(),
        },
    )
}

/// A client just created, with the one sight of its secret.
#[derive(Debug, Clone)]
pub struct CreatedApiClient {
    pub client: ApiClient,
    pub client_secret: String,
}

/// A client credentials grant's answer: the token and the scopes granted.
#[derive(Debug, Clone)]
pub struct ClientToken {
    pub token: IssuedToken,
    pub scopes: ScopeSet,
}

/// What authenticating a client's token needs to know of the client.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientAccess {
    scopes: ScopeSet,
    organization: Option<OrganizationId>,
}

/// `(tenant, client)` → the client's access, `None` once it is gone.
pub(crate) type ClientCache = moka::sync::Cache<(TenantId, ApiClientId), Option<ClientAccess>>;

pub(crate) fn client_cache() -> ClientCache {
    moka::sync::Cache::builder()
        .max_capacity(100_000)
        .time_to_live(CLIENTS_TTL)
        .build()
}

impl NewApiClient {
    /// Field errors for the name and the scopes (the organization is
    /// checked against the tenant's, in the transaction).
    fn validate(&self) -> (ValidationErrors, ScopeSet) {
        let mut errors = ValidationErrors::default();
        if !is_name(&self.name, 255) {
            errors.add("name", "must be 1 to 255 characters");
        }
        let mut scopes = ScopeSet::default();
        let mut unknown = Vec::new();
        for word in &self.scopes {
            match atrium_permissions::Scope::parse(word) {
                Some(scope) => scopes.insert(scope),
                None => unknown.push(format!("{word:?}")),
            }
        }
        if !unknown.is_empty() {
            let known: Vec<_> = atrium_permissions::Scope::ALL
                .iter()
                .map(|s| s.as_str())
                .collect();
            errors.add(
                "scopes",
                format!(
                    "unknown scope {}; the scopes are {}",
                    unknown.join(", "),
                    known.join(", ")
                ),
            );
        } else if scopes.is_empty() {
            errors.add("scopes", "must name at least one scope");
        }
        (errors, scopes)
    }
}

/// The rows as clients, their organizations named by short name.
fn described(tx: &mut TenantTx<'_>, rows: Vec<ApiClientRow>) -> Result<Vec<ApiClient>, DbError> {
    let ids: Vec<OrganizationId> = rows
        .iter()
        .filter_map(|row| row.organization_id.map(OrganizationId))
        .collect();
    let organizations = if ids.is_empty() {
        Vec::new()
    } else {
        atrium_organizations::tx::find_by_ids(tx, &ids)?
    };
    Ok(rows
        .into_iter()
        .map(|row| {
            let organization = row.organization_id.and_then(|id| {
                organizations
                    .iter()
                    .find(|org| org.id.0 == id)
                    .map(|org| org.short_name.clone())
            });
            ApiClient {
                id: ApiClientId(row.id),
                client_id: row.client_id,
                name: row.name,
                scopes: ScopeSet::parse_known(&row.scopes),
                organization,
                created_at: row.created_at,
            }
        })
        .collect())
}

fn not_found(error: DbError) -> IdentityError {
    match error {
        DbError::NotFound => IdentityError::ApiClientNotFound,
        other => other.into(),
    }
}

impl Identity {
    /// The tenant's API clients (tenant admins).
    pub async fn api_clients(
        &self,
        caller: &Caller,
        scope: TenantScope,
        page: PageRequest,
    ) -> Result<Page<ApiClient>, IdentityError> {
        authorize(
            caller,
            Action::ManageApiClients,
            Place::Tenant(scope.tenant_id()),
        )?;
        let clients = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                let rows = api_clients::list(tx, page.after, page.fetch_limit())?;
                described(tx, rows)
            })
            .await?;
        Ok(Page::from_rows(clients, page, |client| client.id.0))
    }

    /// One API client (tenant admins).
    pub async fn api_client(
        &self,
        caller: &Caller,
        scope: TenantScope,
        id: ApiClientId,
    ) -> Result<ApiClient, IdentityError> {
        authorize(
            caller,
            Action::ManageApiClients,
            Place::Tenant(scope.tenant_id()),
        )?;
        self.read_client(scope, id).await
    }

    /// The API client making this request, as `me` shows it.
    pub async fn calling_client(
        &self,
        caller: &Caller,
        scope: TenantScope,
    ) -> Result<ApiClient, IdentityError> {
        match caller {
            Caller::Client { tenant, id, .. } if *tenant == scope.tenant_id() => {
                self.read_client(scope, *id).await
            }
            _ => Err(IdentityError::ApiClientNotFound),
        }
    }

    async fn read_client(
        &self,
        scope: TenantScope,
        id: ApiClientId,
    ) -> Result<ApiClient, IdentityError> {
        self.db
            .tenant(scope, Access::Read, move |tx| {
                let row = api_clients::get(tx, id.0).map_err(not_found)?;
                let mut described = described(tx, vec![row])?;
                described.pop().ok_or(IdentityError::ApiClientNotFound)
            })
            .await
    }

    /// Creates an API client (tenant admins). The answer carries the
    /// secret: the only time it is ever told.
    pub async fn create_api_client(
        &self,
        caller: &Caller,
        scope: TenantScope,
        new: NewApiClient,
    ) -> Result<CreatedApiClient, IdentityError> {
        authorize(
            caller,
            Action::ManageApiClients,
            Place::Tenant(scope.tenant_id()),
        )?;
        let (mut errors, scopes) = new.validate();
        let client_id = format!("{CLIENT_ID_PREFIX}{}", random_token(16));
        let client_secret = random_token(32);
        let hash = hash_token(&client_secret);
        let author = Author::of(caller);
        let client = self
            .db
            .tenant(scope, Access::Write, move |tx| {
                let organization = match new.organization.as_deref() {
                    None => None,
                    Some(short_name) => {
                        atrium_organizations::tx::hold_tree(tx)?;
                        let found = atrium_organizations::tx::find_by_short_name(tx, short_name)?;
                        if found.is_none() {
                            errors.add(
                                "organization",
                                "no organization of this tenant has this short name",
                            );
                        }
                        found
                    }
                };
                errors.into_result()?;
                let row = api_clients::insert(
                    tx,
                    api_clients::NewApiClient {
                        client_id: &client_id,
                        name: new.name.trim(),
                        secret_hash: &hash,
                        scopes: &scopes.encode(),
                        organization_id: organization.as_ref().map(|org| org.id.0),
                    },
                )?;
                let created = ApiClient {
                    id: ApiClientId(row.id),
                    client_id: row.client_id,
                    name: row.name,
                    scopes,
                    organization: organization.map(|org| org.short_name),
                    created_at: row.created_at,
                };
                record_client(
                    tx,
                    &author,
                    "api_client.create",
                    created.id,
                    None,
                    Some(&created),
                )?;
                Ok::<_, IdentityError>(created)
            })
            .await?;
        Ok(CreatedApiClient {
            client,
            client_secret,
        })
    }

    /// Deletes an API client (tenant admins); its tokens are refused from
    /// the next request on.
    pub async fn delete_api_client(
        &self,
        caller: &Caller,
        scope: TenantScope,
        id: ApiClientId,
    ) -> Result<(), IdentityError> {
        authorize(
            caller,
            Action::ManageApiClients,
            Place::Tenant(scope.tenant_id()),
        )?;
        let author = Author::of(caller);
        self.db
            .tenant(scope, Access::Write, move |tx| {
                let row = api_clients::get(tx, id.0).map_err(not_found)?;
                let before = described(tx, vec![row])?.pop();
                api_clients::delete(tx, id.0).map_err(not_found)?;
                record_client(tx, &author, "api_client.delete", id, before.as_ref(), None)?;
                // Its tokens stop working on every replica once this commits.
                let change = AccessChange::Client {
                    tenant: scope.tenant_id(),
                    client: id.0,
                };
                atrium_db::access::announce(tx, &change)?;
                Ok::<_, IdentityError>(())
            })
            .await
    }

    /// Forgets what this replica knows of a client (after a change made
    /// elsewhere): its next request reads it again.
    pub fn forget_client(&self, tenant: TenantId, id: ApiClientId) {
        self.clients.invalidate(&(tenant, id));
    }

    /// The client credentials grant on a tenant host: `requested` narrows
    /// the scopes (space-separated), else the token gets all the client's.
    /// Failed attempts are limited like logins, per client id and `client`
    /// address.
    pub async fn client_credentials(
        &self,
        scope: TenantScope,
        client_id: &str,
        client_secret: &str,
        requested: Option<&str>,
        client: Option<IpAddr>,
    ) -> Result<ClientToken, IdentityError> {
        let realm = Realm::Tenant(scope.tenant_id());
        let name = format!("client:{client_id}");
        let attempt = self.throttle.attempt(realm, &[&name], client).await?;
        let wanted = client_id.to_owned();
        let found = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                api_clients::find_by_client_id(tx, &wanted)
            })
            .await?;
        // The hash is computed and compared whether or not the client
        // exists, so that the two failures take the same time.
        let presented = hash_token(client_secret);
        let stored = found.as_ref().map_or("", |row| row.secret_hash.as_str());
        let matches: bool = presented.as_bytes().ct_eq(stored.as_bytes()).into();
        let row = match found {
            Some(row) if matches => row,
            _ => return Err(IdentityError::InvalidClient),
        };
        self.throttle.succeeded(attempt).await?;
        let held = ScopeSet::parse_known(&row.scopes);
        let scopes = match requested.map(str::trim).filter(|s| !s.is_empty()) {
            None => held,
            Some(requested) => {
                let asked = ScopeSet::parse(requested).map_err(|word| {
                    IdentityError::InvalidScope(format!("unknown scope {word:?}"))
                })?;
                if !asked.is_subset(held) {
                    let missing: Vec<_> = asked
                        .iter()
                        .filter(|s| !held.contains(*s))
                        .map(|s| s.as_str())
                        .collect();
                    return Err(IdentityError::InvalidScope(format!(
                        "this client does not hold {}",
                        missing.join(", ")
                    )));
                }
                asked
            }
        };
        let id = ApiClientId(row.id);
        let access_token = tokens::issue(
            &self.keys,
            realm,
            Subject::Client { id, scopes },
            self.client_ttl_secs,
        )?;
        Ok(ClientToken {
            token: IssuedToken {
                access_token,
                expires_in: self.client_ttl_secs,
                refresh_token: None,
            },
            scopes,
        })
    }

    /// The caller behind a client's token: the client must still exist,
    /// and the token's scopes count only as far as the client holds them.
    pub(crate) async fn client_caller(
        &self,
        scope: TenantScope,
        id: ApiClientId,
        token_scopes: ScopeSet,
    ) -> Result<Caller, IdentityError> {
        let key = (scope.tenant_id(), id);
        let access = match self.counters.api_clients.count(self.clients.get(&key)) {
            Some(cached) => cached,
            None => {
                let epoch = self.access_epoch.load(std::sync::atomic::Ordering::SeqCst);
                let loaded = self
                    .db
                    .tenant(scope, Access::Read, move |tx| {
                        match api_clients::get(tx, id.0) {
                            Ok(row) => Ok(Some(ClientAccess {
                                scopes: ScopeSet::parse_known(&row.scopes),
                                organization: row.organization_id.map(OrganizationId),
                            })),
                            Err(DbError::NotFound) => Ok(None),
                            Err(e) => Err(e),
                        }
                    })
                    .await?;
                self.remember_unless_changed(epoch, || self.clients.insert(key, loaded));
                loaded
            }
        };
        let access = access.ok_or(IdentityError::InvalidToken("API client deleted"))?;
        Ok(Caller::Client {
            tenant: scope.tenant_id(),
            id,
            scopes: token_scopes.intersection(access.scopes),
            organization: access.organization,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(name: &str, scopes: &[&str]) -> NewApiClient {
        NewApiClient {
            name: name.into(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            organization: None,
        }
    }

    fn fields(errors: &ValidationErrors) -> Vec<&str> {
        errors.errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn validates_name_and_scopes() {
        let (errors, scopes) = new("Course sync", &["sites:read", "users:write"]).validate();
        assert!(errors.is_empty());
        assert_eq!(scopes.encode(), "sites:read users:write");
        let (errors, _) = new("", &[]).validate();
        assert_eq!(fields(&errors), ["name", "scopes"]);
        let (errors, _) = new("Sync", &["sites:read", "sites:admin"]).validate();
        assert_eq!(fields(&errors), ["scopes"]);
        assert!(errors.errors[0].message.contains("\"sites:admin\""));
    }

    #[test]
    fn ids_and_secrets_are_random_and_only_hashes_are_kept() {
        let a = random_token(32);
        let b = random_token(32);
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(random_token(16).len(), 22);
        assert_ne!(hash_token(&a), a);
        assert_eq!(hash_token(&a), hash_token(&a));
    }
}
