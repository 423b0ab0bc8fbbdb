//! Access tokens: EdDSA-signed JWTs bound to the realm that issued them.
//!
//! Verification pins the algorithm, requires RFC 9068's `typ: at+jwt`
//! header (so that no other JWT signed by the same key, say an ID token or
//! a future mail link, passes for an access token) and the claims `exp`,
//! `nbf`, `iss`, `aud` and `sub` (jsonwebtoken requires only `exp` unless
//! told, and checks `nbf` only when asked), and compares `iss` with the
//! realm of the host the token was sent to.

use atrium_core::{ApiClientId, OperatorId, TenantId, UserId};
use atrium_permissions::ScopeSet;
use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::keys::KeyStore;
use crate::IdentityError;

pub const AUDIENCE: &str = "atrium-api";

/// The `typ` header of an access token (RFC 9068 §2.1).
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// Where a token was issued and is valid: the platform host, or the hosts
/// of one tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Realm {
    Platform,
    Tenant(TenantId),
}

impl Realm {
    pub fn issuer(self) -> String {
        match self {
            Realm::Platform => "atrium:platform".into(),
            Realm::Tenant(id) => format!("atrium:tenant:{id}"),
        }
    }
}

/// Who a token speaks for. An API client's token also carries the scopes
/// it was granted (the `scope` claim), since the client may have asked for
/// fewer than it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Operator(OperatorId),
    User(UserId),
    Client { id: ApiClientId, scopes: ScopeSet },
}

impl Subject {
    fn encode(self) -> String {
        match self {
            Subject::Operator(id) => format!("operator:{id}"),
            Subject::User(id) => format!("user:{id}"),
            Subject::Client { id, .. } => format!("client:{id}"),
        }
    }

    /// The `scope` claim: a client's alone.
    fn scope_claim(self) -> Option<String> {
        match self {
            Subject::Client { scopes, .. } => Some(scopes.encode()),
            _ => None,
        }
    }

    /// Reads `sub` (and, for a client, `scope`); a client's token without
    /// a `scope` claim is not one of ours.
    fn decode_with_scope(value: &str, scope: Option<&str>) -> Option<Self> {
        if let Some(id) = value.strip_prefix("client:") {
            return Some(Subject::Client {
                id: ApiClientId(id.parse().ok()?),
                scopes: ScopeSet::parse_known(scope?),
            });
        }
        Self::decode(value)
    }

    fn decode(value: &str) -> Option<Self> {
        let (kind, id) = value.split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "operator" => Some(Subject::Operator(OperatorId(id))),
            "user" => Some(Subject::User(UserId(id))),
            _ => None,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    aud: String,
    exp: i64,
    nbf: i64,
    iat: i64,
    jti: String,
    /// An API client's granted scopes, space-separated (RFC 9068 §2.2.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

pub(crate) fn issue(
    keys: &KeyStore,
    realm: Realm,
    subject: Subject,
    ttl_secs: u64,
) -> Result<String, IdentityError> {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        iss: realm.issuer(),
        sub: subject.encode(),
        aud: AUDIENCE.into(),
        exp: now + ttl_secs as i64,
        nbf: now,
        iat: now,
        jti: crate::secrets::random_token(16),
        scope: subject.scope_claim(),
    };
    let signer = keys.signer();
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some(ACCESS_TOKEN_TYPE.into());
    header.kid = Some(signer.kid().to_owned());
    jsonwebtoken::encode(&header, &claims, signer.encoding())
        .map_err(|e| IdentityError::Key(e.to_string()))
}

/// A token that passed [`verify`]: what it says, and until when.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Verified {
    pub realm: Realm,
    pub subject: Subject,
    pub expires_at: i64,
}

/// The subject of `token` if it is valid in `realm`.
#[cfg(test)]
pub(crate) fn verify(keys: &KeyStore, token: &str, realm: Realm) -> Result<Subject, IdentityError> {
    verify_claims(keys, token, realm).map(|verified| verified.subject)
}

/// Checks type, signature, algorithm, expiry and start, issuer (the
/// realm) and audience.
pub(crate) fn verify_claims(
    keys: &KeyStore,
    token: &str,
    realm: Realm,
) -> Result<Verified, IdentityError> {
    let header = jsonwebtoken::decode_header(token)
        .map_err(|_| IdentityError::InvalidToken("malformed token"))?;
    if header.alg != Algorithm::EdDSA {
        return Err(IdentityError::InvalidToken("unexpected algorithm"));
    }
    // RFC 9068 §4 compares `typ` as a media type: case aside, with or
    // without its `application/` prefix.
    let typ = header.typ.as_deref().unwrap_or("").to_ascii_lowercase();
    if typ.strip_prefix("application/").unwrap_or(&typ) != ACCESS_TOKEN_TYPE {
        return Err(IdentityError::InvalidToken("not an access token"));
    }
    let key = header
        .kid
        .as_deref()
        .and_then(|kid| keys.decoding(kid))
        .ok_or(IdentityError::InvalidToken("unknown signing key"))?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
    validation.validate_nbf = true;
    validation.set_issuer(&[realm.issuer()]);
    validation.set_audience(&[AUDIENCE]);
    validation.leeway = 30;
    let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind;
        IdentityError::InvalidToken(match e.kind() {
            ErrorKind::ExpiredSignature => "token expired",
            ErrorKind::ImmatureSignature => "token not valid yet",
            ErrorKind::InvalidIssuer => "token was not issued for this site",
            ErrorKind::InvalidSignature => "bad signature",
            _ => "token rejected",
        })
    })?;
    let subject = Subject::decode_with_scope(&data.claims.sub, data.claims.scope.as_deref())
        .ok_or(IdentityError::InvalidToken("unknown subject"))?;
    Ok(Verified {
        realm,
        subject,
        expires_at: data.claims.exp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> (tempfile::TempDir, KeyStore) {
        let dir = tempfile::tempdir().unwrap();
        let keys = KeyStore::load_or_generate(&dir.path().join("k.pem")).unwrap();
        (dir, keys)
    }

    #[test]
    fn a_token_verifies_only_in_its_own_realm() {
        let (_dir, keys) = keys();
        let realm = Realm::Tenant(TenantId(7));
        let token = issue(&keys, realm, Subject::User(UserId(3)), 60).unwrap();
        assert_eq!(
            verify(&keys, &token, realm).unwrap(),
            Subject::User(UserId(3))
        );
        assert!(matches!(
            verify(&keys, &token, Realm::Tenant(TenantId(8))),
            Err(IdentityError::InvalidToken(_))
        ));
        assert!(matches!(
            verify(&keys, &token, Realm::Platform),
            Err(IdentityError::InvalidToken(_))
        ));
    }

    #[test]
    fn a_client_token_carries_its_scopes() {
        let (_dir, keys) = keys();
        let realm = Realm::Tenant(TenantId(7));
        let subject = Subject::Client {
            id: ApiClientId(4),
            scopes: ScopeSet::parse("users:read sites:read").unwrap(),
        };
        let token = issue(&keys, realm, subject, 60).unwrap();
        assert_eq!(verify(&keys, &token, realm).unwrap(), subject);
        let payload = token.split('.').nth(1).unwrap();
        use base64::Engine;
        let claims: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(claims["sub"], "client:4");
        assert_eq!(claims["scope"], "sites:read users:read");
        let user = issue(&keys, realm, Subject::User(UserId(3)), 60).unwrap();
        let payload = user.split('.').nth(1).unwrap();
        let claims: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap();
        assert!(claims.get("scope").is_none(), "{claims}");
    }

    #[test]
    fn rejects_tokens_of_other_keys_and_tampered_tokens() {
        let (_a, ours) = keys();
        let (_b, theirs) = keys();
        let token = issue(
            &theirs,
            Realm::Platform,
            Subject::Operator(OperatorId(1)),
            60,
        )
        .unwrap();
        assert!(verify(&ours, &token, Realm::Platform).is_err());
        let mut token =
            issue(&ours, Realm::Platform, Subject::Operator(OperatorId(1)), 60).unwrap();
        token.push('x');
        assert!(verify(&ours, &token, Realm::Platform).is_err());
    }

    #[test]
    fn rejects_expired_tokens_and_tokens_without_required_claims() {
        let (_dir, keys) = keys();
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(ACCESS_TOKEN_TYPE.into());
        header.kid = Some(keys.kid().to_owned());
        let expired = Claims {
            iss: Realm::Platform.issuer(),
            sub: "operator:1".into(),
            aud: AUDIENCE.into(),
            exp: chrono::Utc::now().timestamp() - 3600,
            nbf: 0,
            iat: 0,
            jti: "x".into(),
            scope: None,
        };
        let token = jsonwebtoken::encode(&header, &expired, keys.signer().encoding()).unwrap();
        assert!(matches!(
            verify(&keys, &token, Realm::Platform),
            Err(IdentityError::InvalidToken("token expired"))
        ));
        let no_audience = serde_json::json!({"iss": Realm::Platform.issuer(), "sub": "operator:1",
            "exp": chrono::Utc::now().timestamp() + 60});
        let token = jsonwebtoken::encode(&header, &no_audience, keys.signer().encoding()).unwrap();
        assert!(verify(&keys, &token, Realm::Platform).is_err());
    }

    #[test]
    fn rejects_tokens_not_valid_yet_and_jwts_that_are_not_access_tokens() {
        let (_dir, keys) = keys();
        let now = chrono::Utc::now().timestamp();
        let claims = |nbf: i64| {
            serde_json::json!({"iss": Realm::Platform.issuer(), "sub": "operator:1",
                "aud": AUDIENCE, "exp": now + 3600, "nbf": nbf, "iat": now, "jti": "x"})
        };
        let sign = |typ: Option<&str>, claims: &serde_json::Value| {
            let mut header = Header::new(Algorithm::EdDSA);
            header.typ = typ.map(str::to_owned);
            header.kid = Some(keys.kid().to_owned());
            jsonwebtoken::encode(&header, claims, keys.signer().encoding()).unwrap()
        };
        let valid = sign(Some("at+jwt"), &claims(now));
        assert!(verify(&keys, &valid, Realm::Platform).is_ok());
        let media_type = sign(Some("Application/AT+JWT"), &claims(now));
        assert!(verify(&keys, &media_type, Realm::Platform).is_ok());
        let early = sign(Some("at+jwt"), &claims(now + 600));
        assert!(matches!(
            verify(&keys, &early, Realm::Platform),
            Err(IdentityError::InvalidToken("token not valid yet"))
        ));
        let mut without_nbf = claims(now);
        without_nbf.as_object_mut().unwrap().remove("nbf");
        assert!(verify(&keys, &sign(Some("at+jwt"), &without_nbf), Realm::Platform).is_err());
        for typ in [None, Some("JWT"), Some("id+jwt")] {
            assert!(matches!(
                verify(&keys, &sign(typ, &claims(now)), Realm::Platform),
                Err(IdentityError::InvalidToken("not an access token"))
            ));
        }
    }
}
