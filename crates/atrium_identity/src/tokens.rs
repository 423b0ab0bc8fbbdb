//! Access tokens: EdDSA-signed JWTs bound to the realm that issued them.
//!
//! Verification pins the algorithm and requires `exp`, `iss`, `aud` and
//! `sub` (jsonwebtoken requires only `exp` unless told), and compares `iss`
//! with the realm of the host the token was sent to.

use atrium_core::{OperatorId, TenantId, UserId};
use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::keys::KeyStore;
use crate::IdentityError;

pub const AUDIENCE: &str = "atrium-api";

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

/// Who a token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Operator(OperatorId),
    User(UserId),
}

impl Subject {
    fn encode(self) -> String {
        match self {
            Subject::Operator(id) => format!("operator:{id}"),
            Subject::User(id) => format!("user:{id}"),
        }
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
    iat: i64,
    jti: String,
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
        iat: now,
        jti: uuid_like(),
    };
    let signer = keys.signer();
    let mut header = Header::new(Algorithm::EdDSA);
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

/// Checks signature, algorithm, expiry, issuer (the realm) and audience.
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
    let key = header
        .kid
        .as_deref()
        .and_then(|kid| keys.decoding(kid))
        .ok_or(IdentityError::InvalidToken("unknown signing key"))?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.set_issuer(&[realm.issuer()]);
    validation.set_audience(&[AUDIENCE]);
    validation.leeway = 30;
    let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind;
        IdentityError::InvalidToken(match e.kind() {
            ErrorKind::ExpiredSignature => "token expired",
            ErrorKind::InvalidIssuer => "token was not issued for this site",
            ErrorKind::InvalidSignature => "bad signature",
            _ => "token rejected",
        })
    })?;
    let subject =
        Subject::decode(&data.claims.sub).ok_or(IdentityError::InvalidToken("unknown subject"))?;
    Ok(Verified {
        realm,
        subject,
        expires_at: data.claims.exp,
    })
}

fn uuid_like() -> String {
    use base64::Engine;
    let bytes: [u8; 16] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
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
        header.kid = Some(keys.kid().to_owned());
        let expired = Claims {
            iss: Realm::Platform.issuer(),
            sub: "operator:1".into(),
            aud: AUDIENCE.into(),
            exp: chrono::Utc::now().timestamp() - 3600,
            iat: 0,
            jti: "x".into(),
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
}
