//! The Ed25519 key that signs access tokens, and its public half as a JWKS.
//!
//! The private key lives in a PKCS#8 PEM file. When the file is absent it is
//! generated with mode 0600; replicas must share one file (mount the same
//! secret), since a token signed by one must verify on all.

use std::io::Write;
use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{DecodingKey, EncodingKey};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::IdentityError;

const PEM_TAG: &str = "PRIVATE KEY";

pub struct KeyStore {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwks: Jwks,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyStore")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// A JSON Web Key Set (RFC 7517) of public keys.
#[derive(Debug, Clone, Serialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// An Ed25519 public key as an OKP JWK (RFC 8037).
#[derive(Debug, Clone, Serialize)]
pub struct Jwk {
    pub kty: &'static str,
    pub crv: &'static str,
    pub alg: &'static str,
    #[serde(rename = "use")]
    pub use_: &'static str,
    pub kid: String,
    pub x: String,
}

impl KeyStore {
    /// Loads the key from `path`, generating it first when the file is absent.
    pub fn load_or_generate(path: &Path) -> Result<Self, IdentityError> {
        let key_error = |what: &str, e: &dyn std::fmt::Display| {
            IdentityError::Key(format!("{what} {}: {e}", path.display()))
        };
        if !path.exists() {
            let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
                .map_err(|e| IdentityError::Key(format!("key generation failed: {e}")))?;
            let pem = pem::encode(&pem::Pem::new(PEM_TAG, pkcs8.as_ref().to_vec()));
            write_private(path, pem.as_bytes()).map_err(|e| key_error("cannot write", &e))?;
            tracing::info!(path = %path.display(), "generated a new token signing key");
        }
        refuse_shared_key(path)?;
        let text = std::fs::read_to_string(path).map_err(|e| key_error("cannot read", &e))?;
        let parsed = pem::parse(text).map_err(|e| key_error("not a PEM file:", &e))?;
        if parsed.tag() != PEM_TAG {
            return Err(IdentityError::Key(format!(
                "{} holds a {}, not a PKCS#8 private key",
                path.display(),
                parsed.tag()
            )));
        }
        Self::from_pkcs8(parsed.contents())
    }

    fn from_pkcs8(der: &[u8]) -> Result<Self, IdentityError> {
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
            .map_err(|e| IdentityError::Key(format!("not an Ed25519 key: {e}")))?;
        let public = pair.public_key().as_ref();
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(public)[..12]);
        let jwks = Jwks {
            keys: vec![Jwk {
                kty: "OKP",
                crv: "Ed25519",
                alg: "EdDSA",
                use_: "sig",
                kid: kid.clone(),
                x: URL_SAFE_NO_PAD.encode(public),
            }],
        };
        Ok(Self {
            kid,
            encoding: EncodingKey::from_ed_der(der),
            // jsonwebtoken wants the raw 32-byte public key here, not SPKI.
            decoding: DecodingKey::from_ed_der(public),
            jwks,
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn jwks(&self) -> &Jwks {
        &self.jwks
    }

    pub(crate) fn encoding(&self) -> &EncodingKey {
        &self.encoding
    }

    /// The verification key for `kid`, if it is one of ours.
    pub(crate) fn decoding(&self, kid: &str) -> Option<&DecodingKey> {
        (kid == self.kid).then_some(&self.decoding)
    }
}

/// A signing key that other accounts can read lets them mint tokens for
/// every tenant: refused, as OpenSSH refuses such private keys.
#[cfg(unix)]
fn refuse_shared_key(path: &Path) -> Result<(), IdentityError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| IdentityError::Key(format!("cannot read {}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(IdentityError::Key(format!(
            "the signing key {path} is accessible to group or others (mode {mode:03o}); \
             run `chmod 600 {path}` (and keep it owned by the service's user)",
            path = path.display(),
            mode = mode & 0o777,
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_shared_key(_: &Path) -> Result<(), IdentityError> {
    Ok(())
}

fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_a_private_file_once_and_reloads_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/jwt.pem");
        let first = KeyStore::load_or_generate(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let second = KeyStore::load_or_generate(&path).unwrap();
        assert_eq!(first.kid(), second.kid());
        assert_eq!(first.jwks().keys[0].x.len(), 43);
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_key_that_group_or_others_can_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwt.pem");
        KeyStore::load_or_generate(&path).unwrap();
        for mode in [0o644, 0o640, 0o604, 0o660] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let Err(IdentityError::Key(message)) = KeyStore::load_or_generate(&path) else {
                panic!("mode {mode:o} was accepted");
            };
            assert!(message.contains(&path.display().to_string()), "{message}");
            assert!(message.contains("chmod 600"), "{message}");
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        KeyStore::load_or_generate(&path).expect("an owner-only key is accepted");
    }

    #[test]
    fn rejects_a_file_that_is_not_a_private_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwt.pem");
        std::fs::write(&path, "not a key").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let Err(IdentityError::Key(message)) = KeyStore::load_or_generate(&path) else {
            panic!("a file that is not a key was accepted");
        };
        assert!(message.contains("not a PEM file"), "{message}");
    }
}
