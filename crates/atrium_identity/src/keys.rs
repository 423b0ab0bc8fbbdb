//! The Ed25519 keys that sign access tokens, their public halves as a JWKS,
//! and their rotation.
//!
//! Keys live in the database (`signing_keys`), where every replica sees
//! them; the private half is sealed with the key-encryption key ([`Kek`],
//! AES-256-GCM, the key id as associated data), so a copy of the database
//! alone signs nothing. The newest key that is neither superseded nor
//! retired signs. `atrium keys rotate` adds a key and supersedes the
//! signer: a superseded key still verifies until the last token it signed
//! has expired (superseded + access-token lifetime + the verification
//! leeway), then drops out of the keyring and the JWKS. A retired key
//! verifies nothing from the moment replicas hear of it.
//!
//! Every replica holds a [`KeyStore`]: the keyring read from the database,
//! swapped whole when it changes (PostgreSQL announces changes on
//! [`signing_keys::CHANNEL`]; every replica also reloads on a timer, and
//! when a token names a key it does not know).
//!
//! At start, when the table is empty, the first replica (under a table
//! lock, so two replicas starting together cannot both make one) imports
//! the PEM key file of earlier versions if there is one, so that tokens it
//! signed stay valid, or else generates a key.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use atrium_core::Settings;
use atrium_db::signing_keys::{self, SigningKeyRow};
use atrium_db::{Access, Db};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::NaiveDateTime;
use jsonwebtoken::{DecodingKey, EncodingKey};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::IdentityError;

const PEM_TAG: &str = "PRIVATE KEY";
const ALGORITHM: &str = "EdDSA";
/// The environment variable holding the key-encryption key.
pub const KEK_ENV: &str = "ATRIUM_KEY_ENCRYPTION_KEY";
/// Sealed private keys start with this, so the format can change later.
const SEALED_TAG: &str = "v1:";
/// The clock skew token verification allows (`tokens.rs`), added to how
/// long a superseded key keeps verifying.
pub const LEEWAY_SECS: u64 = 30;
/// A token naming an unknown key makes a replica look in the database at
/// most this often (a stream of forged kids must not become a stream of
/// queries).
const UNKNOWN_KID_RELOAD: Duration = Duration::from_secs(5);

/// The key-encryption key: 32 bytes, AES-256-GCM.
pub struct Kek(LessSafeKey);

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek(..)")
    }
}

impl Kek {
    /// From its base64 text (standard alphabet, padding optional).
    pub fn from_base64(text: &str) -> Result<Self, IdentityError> {
        let text = text.trim().trim_end_matches('=');
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(text)
            .map_err(|_| IdentityError::Key("the key-encryption key is not base64 text".into()))?;
        Self::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, IdentityError> {
        let key = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| {
            IdentityError::Key(format!(
                "the key-encryption key must be 32 bytes (base64 of 32 random bytes), not {}",
                bytes.len()
            ))
        })?;
        Ok(Self(LessSafeKey::new(key)))
    }

    /// The key of these settings: `ATRIUM_KEY_ENCRYPTION_KEY` when set, else
    /// the file (`key_encryption_key_file`, or beside `jwt_key_file`),
    /// generated when absent.
    pub fn from_settings(settings: &Settings) -> Result<Self, IdentityError> {
        match std::env::var(KEK_ENV) {
            Ok(text) if !text.trim().is_empty() => {
                Self::from_base64(&text).map_err(|e| naming(KEK_ENV, e))
            }
            _ => Self::load_or_generate(&settings.key_encryption_key_path()),
        }
    }

    /// Reads the key from `path`, generating it first (mode 0600) when the
    /// file is absent; refuses a file that group or others can read.
    pub fn load_or_generate(path: &Path) -> Result<Self, IdentityError> {
        if !path.exists() {
            let mut bytes = [0u8; 32];
            SystemRandom::new()
                .fill(&mut bytes)
                .map_err(|_| IdentityError::Key("no randomness for a key-encryption key".into()))?;
            let mut text = STANDARD.encode(bytes);
            text.push('\n');
            match write_private(path, text.as_bytes()) {
                Ok(()) => {
                    tracing::info!(path = %path.display(), "generated a new key-encryption key")
                }
                // Another process made it first: read theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    return Err(IdentityError::Key(format!(
                        "cannot write {}: {e}",
                        path.display()
                    )))
                }
            }
        }
        refuse_shared_key(path, "key-encryption key")?;
        let text = std::fs::read_to_string(path)
            .map_err(|e| IdentityError::Key(format!("cannot read {}: {e}", path.display())))?;
        Self::from_base64(&text).map_err(|e| naming(&path.display().to_string(), e))
    }

    /// `v1:` + base64(nonce ‖ ciphertext ‖ tag); a fresh random nonce per
    /// seal, the key id bound as associated data (a sealed key copied onto
    /// another row does not open).
    fn seal(&self, kid: &str, plaintext: &[u8]) -> Result<String, IdentityError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| IdentityError::Key("no randomness for a nonce".into()))?;
        let mut sealed = plaintext.to_vec();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(kid.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| IdentityError::Key("sealing failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{SEALED_TAG}{}", STANDARD.encode(out)))
    }

    fn unseal(&self, kid: &str, sealed: &str) -> Result<Vec<u8>, IdentityError> {
        let malformed =
            || IdentityError::Key(format!("the sealed private key of {kid} is malformed"));
        let bytes = sealed
            .strip_prefix(SEALED_TAG)
            .and_then(|b| STANDARD.decode(b).ok())
            .filter(|b| b.len() > NONCE_LEN)
            .ok_or_else(malformed)?;
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| malformed())?;
        let mut buffer = ciphertext.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(kid.as_bytes()), &mut buffer)
            .map_err(|_| {
                IdentityError::Key(format!(
                    "cannot unseal signing key {kid}: this is not the key-encryption key that \
                     sealed it (every replica needs the same {KEK_ENV} or key_encryption_key_file)"
                ))
            })?;
        Ok(plain.to_vec())
    }
}

/// A key error that says where the key came from.
fn naming(source: &str, error: IdentityError) -> IdentityError {
    match error {
        IdentityError::Key(message) => IdentityError::Key(format!("{source}: {message}")),
        other => other,
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

/// The key that signs new tokens.
pub struct Signer {
    kid: String,
    encoding: EncodingKey,
}

impl Signer {
    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub(crate) fn encoding(&self) -> &EncodingKey {
        &self.encoding
    }
}

struct Verifier {
    decoding: Arc<DecodingKey>,
    /// Unix seconds after which it verifies nothing; `None` while it signs.
    until: Option<i64>,
    jwk: Jwk,
}

/// One consistent view of the keys: swapped whole, never edited.
struct Keyring {
    /// The rows it was built from: a reload that reads the same rows keeps
    /// the keyring (and its caches) as it is.
    rows: Vec<SigningKeyRow>,
    signer: Arc<Signer>,
    verifiers: HashMap<String, Verifier>,
}

impl Keyring {
    /// From the table's rows: unseals the signer (only its private half is
    /// needed), reusing `previous`'s when it is the same key.
    fn build(
        rows: Vec<SigningKeyRow>,
        kek: Option<&Kek>,
        grace_secs: i64,
        previous: Option<&Arc<Signer>>,
    ) -> Result<Self, IdentityError> {
        let signer_row = rows
            .iter()
            .filter(|r| r.superseded_at.is_none() && r.retired_at.is_none())
            .max_by(|a, b| (a.created_at, &a.kid).cmp(&(b.created_at, &b.kid)))
            .ok_or_else(|| {
                IdentityError::Key(
                    "no signing key: every key is superseded or retired; run `atrium keys rotate`"
                        .into(),
                )
            })?;
        let signer = match previous {
            Some(previous) if previous.kid == signer_row.kid => Arc::clone(previous),
            _ => {
                let kek = kek.ok_or_else(|| IdentityError::Key("no key-encryption key".into()))?;
                let der = kek.unseal(&signer_row.kid, &signer_row.sealed_private_key)?;
                Arc::new(signer_of(&der)?.0)
            }
        };
        let mut verifiers = HashMap::new();
        for row in rows.iter().filter(|r| r.retired_at.is_none()) {
            if row.algorithm != ALGORITHM {
                return Err(IdentityError::Key(format!(
                    "signing key {} uses {}, which this version does not know",
                    row.kid, row.algorithm
                )));
            }
            let public = URL_SAFE_NO_PAD
                .decode(&row.public_key)
                .ok()
                .filter(|p| p.len() == 32)
                .ok_or_else(|| {
                    IdentityError::Key(format!("the public key of {} is malformed", row.kid))
                })?;
            let until = row
                .superseded_at
                .map(|at| at.and_utc().timestamp() + grace_secs);
            verifiers.insert(
                row.kid.clone(),
                Verifier {
                    // jsonwebtoken wants the raw 32-byte public key here, not SPKI.
                    decoding: Arc::new(DecodingKey::from_ed_der(&public)),
                    until,
                    jwk: jwk(&row.kid, &public),
                },
            );
        }
        Ok(Self {
            rows,
            signer,
            verifiers,
        })
    }

    fn verifier(&self, kid: &str, now: i64) -> Option<&Verifier> {
        self.verifiers
            .get(kid)
            .filter(|v| v.until.is_none_or(|until| now <= until))
    }
}

fn jwk(kid: &str, public: &[u8]) -> Jwk {
    Jwk {
        kty: "OKP",
        crv: "Ed25519",
        alg: ALGORITHM,
        use_: "sig",
        kid: kid.to_owned(),
        x: URL_SAFE_NO_PAD.encode(public),
    }
}

/// The signer of a PKCS#8 document, and its public key. The kid is derived
/// from the public key, as before keys moved into the database: an
/// imported key keeps its kid, and the tokens it signed keep verifying.
fn signer_of(der: &[u8]) -> Result<(Signer, Vec<u8>), IdentityError> {
    let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
        .map_err(|e| IdentityError::Key(format!("not an Ed25519 key: {e}")))?;
    let public = pair.public_key().as_ref().to_vec();
    let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(&public)[..12]);
    Ok((
        Signer {
            kid,
            encoding: EncodingKey::from_ed_der(der),
        },
        public,
    ))
}

fn generate_pkcs8() -> Result<Vec<u8>, IdentityError> {
    Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .map(|doc| doc.as_ref().to_vec())
        .map_err(|e| IdentityError::Key(format!("key generation failed: {e}")))
}

/// A row for a new key, its private half sealed.
fn new_row(der: &[u8], kek: &Kek) -> Result<SigningKeyRow, IdentityError> {
    let (signer, public) = signer_of(der)?;
    Ok(SigningKeyRow {
        sealed_private_key: kek.seal(&signer.kid, der)?,
        kid: signer.kid,
        algorithm: ALGORITHM.into(),
        public_key: URL_SAFE_NO_PAD.encode(public),
        created_at: now(),
        superseded_at: None,
        retired_at: None,
    })
}

fn now() -> NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}

/// Where a keyring reloads from.
struct Source {
    db: Db,
    kek: Arc<Kek>,
    grace_secs: i64,
    /// When the last reload for an unknown kid ran.
    last_unknown_reload: Mutex<Option<Instant>>,
}

/// This replica's keyring: read by every token issued or verified, swapped
/// whole on reload.
pub struct KeyStore {
    ring: RwLock<Arc<Keyring>>,
    source: Option<Source>,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyStore")
            .field("kid", &self.kid())
            .finish_non_exhaustive()
    }
}

/// How long a superseded key keeps verifying: until the last token it
/// signed has expired (a user's access token or an API client's, whichever
/// lives longer), plus the verification leeway.
pub fn grace_secs(settings: &Settings) -> u64 {
    settings
        .access_token_ttl_secs
        .max(settings.client_token_ttl_secs)
        + LEEWAY_SECS
}

impl KeyStore {
    /// The keyring of the database behind `db`, with the key-encryption key
    /// and the PEM file to import of `settings` (see the module's doc).
    pub async fn open(db: &Db, settings: &Settings) -> Result<Self, IdentityError> {
        let kek = Kek::from_settings(settings)?;
        Self::open_with(db, kek, &settings.jwt_key_file, grace_secs(settings)).await
    }

    /// [`KeyStore::open`] with its parts: superseded keys verify for
    /// `grace_secs` after being superseded.
    pub async fn open_with(
        db: &Db,
        kek: Kek,
        import: &Path,
        grace_secs: u64,
    ) -> Result<Self, IdentityError> {
        let kek = Arc::new(kek);
        let rows = bootstrap(db, &kek, import).await?;
        let grace_secs = i64::try_from(grace_secs).unwrap_or(i64::MAX / 2);
        let ring = Keyring::build(rows, Some(&kek), grace_secs, None)?;
        Ok(Self {
            ring: RwLock::new(Arc::new(ring)),
            source: Some(Source {
                db: db.clone(),
                kek,
                grace_secs,
                last_unknown_reload: Mutex::new(None),
            }),
        })
    }

    /// One key from a PEM file, generated (mode 0600) when the file is
    /// absent, and never reloaded: for tools and tests without a database.
    pub fn load_or_generate(path: &Path) -> Result<Self, IdentityError> {
        if !path.exists() {
            let pkcs8 = generate_pkcs8()?;
            let pem = pem::encode(&pem::Pem::new(PEM_TAG, pkcs8));
            write_private(path, pem.as_bytes())
                .map_err(|e| IdentityError::Key(format!("cannot write {}: {e}", path.display())))?;
            tracing::info!(path = %path.display(), "generated a new token signing key");
        }
        let der = read_pem(path)?;
        let (signer, public) = signer_of(&der)?;
        let row = SigningKeyRow {
            kid: signer.kid.clone(),
            algorithm: ALGORITHM.into(),
            public_key: URL_SAFE_NO_PAD.encode(&public),
            sealed_private_key: String::new(),
            created_at: now(),
            superseded_at: None,
            retired_at: None,
        };
        let ring = Keyring::build(vec![row], None, 0, Some(&Arc::new(signer)))?;
        Ok(Self {
            ring: RwLock::new(Arc::new(ring)),
            source: None,
        })
    }

    fn ring(&self) -> Arc<Keyring> {
        Arc::clone(
            &self
                .ring
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// The key that signs now (its kid and private half together, so that
    /// a rotation between two reads cannot mix them).
    pub fn signer(&self) -> Arc<Signer> {
        Arc::clone(&self.ring().signer)
    }

    /// The kid of the key that signs now.
    pub fn kid(&self) -> String {
        self.ring().signer.kid.clone()
    }

    /// The public keys that verify now.
    pub fn jwks(&self) -> Jwks {
        let ring = self.ring();
        let now = chrono::Utc::now().timestamp();
        let mut keys: Vec<_> = ring
            .rows
            .iter()
            .rev()
            .filter_map(|row| ring.verifier(&row.kid, now))
            .map(|v| v.jwk.clone())
            .collect();
        keys.dedup_by(|a, b| a.kid == b.kid);
        Jwks { keys }
    }

    /// The verification key for `kid`, if it is one of ours that still
    /// verifies.
    pub(crate) fn decoding(&self, kid: &str) -> Option<Arc<DecodingKey>> {
        let now = chrono::Utc::now().timestamp();
        self.ring()
            .verifier(kid, now)
            .map(|v| Arc::clone(&v.decoding))
    }

    /// Whether `kid` is in the table as this replica last read it (in any
    /// state).
    fn knows(&self, kid: &str) -> bool {
        self.ring().rows.iter().any(|row| row.kid == kid)
    }

    /// Reads the keys again; `true` when they changed.
    pub async fn reload(&self) -> Result<bool, IdentityError> {
        let Some(source) = &self.source else {
            return Ok(false);
        };
        let rows = source.db.platform(Access::Read, signing_keys::list).await?;
        let current = self.ring();
        if rows == current.rows {
            return Ok(false);
        }
        let next = Keyring::build(
            rows,
            Some(&source.kek),
            source.grace_secs,
            Some(&current.signer),
        )?;
        let signer = next.signer.kid.clone();
        *self
            .ring
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(next);
        tracing::info!(signer, "signing keys reloaded");
        Ok(true)
    }

    /// When `token` names a key this replica has never seen (another one
    /// may just have rotated), reloads, at most once per few seconds;
    /// `true` when the keys changed.
    pub(crate) async fn reload_for_unknown(&self, token: &str) -> Result<bool, IdentityError> {
        let Some(source) = &self.source else {
            return Ok(false);
        };
        let Some(kid) = jsonwebtoken::decode_header(token).ok().and_then(|h| h.kid) else {
            return Ok(false);
        };
        if self.knows(&kid) {
            return Ok(false);
        }
        {
            let mut last = source
                .last_unknown_reload
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if last.is_some_and(|at| at.elapsed() < UNKNOWN_KID_RELOAD) {
                return Ok(false);
            }
            *last = Some(Instant::now());
        }
        self.reload().await
    }

    /// Adds a key that signs from now on, superseding the signer; the new
    /// kid. The caller reloads (`Identity::rotate_keys`, which also drops
    /// what was verified with the old keyring).
    pub(crate) async fn rotate(&self) -> Result<String, IdentityError> {
        let source = self
            .source
            .as_ref()
            .ok_or_else(|| IdentityError::Key("a key from a file cannot be rotated".into()))?;
        rotate(&source.db, &source.kek).await
    }

    /// Retires `kid` (see [`retire`]); the caller reloads, as for
    /// [`KeyStore::rotate`].
    pub(crate) async fn retire(&self, kid: &str) -> Result<(), IdentityError> {
        let source = self
            .source
            .as_ref()
            .ok_or_else(|| IdentityError::Key("a key from a file cannot be retired".into()))?;
        retire(&source.db, kid).await
    }
}

/// The table's keys, made on first start: under the table lock, so that
/// of two replicas starting together one makes the key and the other reads
/// it.
async fn bootstrap(
    db: &Db,
    kek: &Arc<Kek>,
    import: &Path,
) -> Result<Vec<SigningKeyRow>, IdentityError> {
    // Read (and checked) before the transaction: file access does not
    // belong inside a lock.
    let imported = if import.exists() {
        Some(read_pem(import)?)
    } else {
        None
    };
    let kek = Arc::clone(kek);
    let shown = import.display().to_string();
    db.platform(Access::Write, move |tx| {
        signing_keys::lock(tx)?;
        let rows = signing_keys::list(tx)?;
        if !rows.is_empty() {
            return Ok(rows);
        }
        let der = match imported {
            Some(der) => {
                tracing::info!(
                    path = shown,
                    "imported the token signing key into the database"
                );
                der
            }
            None => {
                tracing::info!("generated the first token signing key");
                generate_pkcs8()?
            }
        };
        let row = new_row(&der, &kek)?;
        signing_keys::insert(tx, &row)?;
        Ok(vec![row])
    })
    .await
}

/// Adds a new signing key and supersedes the one that signed, in one
/// transaction under the table lock; the new kid. Running replicas pick it
/// up (notification, timer, or the first token with the new kid).
pub async fn rotate(db: &Db, kek: &Arc<Kek>) -> Result<String, IdentityError> {
    let row = new_row(&generate_pkcs8()?, kek)?;
    let kid = row.kid.clone();
    db.platform(Access::Write, move |tx| {
        signing_keys::lock(tx)?;
        signing_keys::insert(tx, &row)?;
        signing_keys::supersede_all_but(tx, &row.kid, row.created_at)?;
        Ok::<_, IdentityError>(())
    })
    .await?;
    Ok(kid)
}

/// Retires `kid`: tokens it signed stop verifying as soon as replicas hear
/// of it. The key that signs cannot be retired (rotate first), so there is
/// always one.
pub async fn retire(db: &Db, kid: &str) -> Result<(), IdentityError> {
    let kid = kid.to_owned();
    db.platform(Access::Write, move |tx| {
        signing_keys::lock(tx)?;
        let rows = signing_keys::list(tx)?;
        let row = rows
            .iter()
            .find(|r| r.kid == kid)
            .ok_or_else(|| IdentityError::Key(format!("no signing key {kid}")))?;
        if row.retired_at.is_some() {
            return Ok(());
        }
        let signers = rows
            .iter()
            .filter(|r| r.superseded_at.is_none() && r.retired_at.is_none())
            .count();
        if row.superseded_at.is_none() && signers <= 1 {
            return Err(IdentityError::Key(format!(
                "{kid} is the only key that signs: run `atrium keys rotate` first"
            )));
        }
        signing_keys::retire(tx, &kid, now())?;
        Ok(())
    })
    .await
}

/// Where a key stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    /// Signs new tokens.
    Signing,
    /// Superseded; verifies the tokens it signed until `until`.
    Verifying { until: NaiveDateTime },
    /// Superseded long enough that no token it signed is still valid.
    Expired,
    /// Verifies nothing.
    Retired,
}

impl std::fmt::Display for KeyState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyState::Signing => f.write_str("signing"),
            KeyState::Verifying { until } => {
                write!(f, "verifying until {}", until.format("%Y-%m-%dT%H:%M:%SZ"))
            }
            KeyState::Expired => f.write_str("expired"),
            KeyState::Retired => f.write_str("retired"),
        }
    }
}

/// One line of `atrium keys list`.
#[derive(Debug, Clone)]
pub struct KeyInfo {
    pub kid: String,
    pub created_at: NaiveDateTime,
    pub state: KeyState,
}

/// Every key, oldest first, with its state; superseded keys verify for
/// `grace_secs` (the access-token lifetime plus [`LEEWAY_SECS`]).
pub async fn list(db: &Db, grace_secs: u64) -> Result<Vec<KeyInfo>, IdentityError> {
    let rows = db.platform(Access::Read, signing_keys::list).await?;
    let signer = rows
        .iter()
        .filter(|r| r.superseded_at.is_none() && r.retired_at.is_none())
        .max_by(|a, b| (a.created_at, &a.kid).cmp(&(b.created_at, &b.kid)))
        .map(|r| r.kid.clone());
    let now = chrono::Utc::now().naive_utc();
    let grace = chrono::Duration::seconds(i64::try_from(grace_secs).unwrap_or(i64::MAX / 2_000));
    Ok(rows
        .into_iter()
        .map(|row| {
            let state = match (row.retired_at, row.superseded_at) {
                (Some(_), _) => KeyState::Retired,
                (None, Some(at)) if at + grace < now => KeyState::Expired,
                (None, Some(at)) => KeyState::Verifying { until: at + grace },
                (None, None) if signer.as_deref() == Some(&row.kid) => KeyState::Signing,
                // An older key nobody superseded (not made by `rotate`).
                (None, None) => KeyState::Verifying {
                    until: NaiveDateTime::MAX,
                },
            };
            KeyInfo {
                kid: row.kid,
                created_at: row.created_at,
                state,
            }
        })
        .collect())
}

fn read_pem(path: &Path) -> Result<Vec<u8>, IdentityError> {
    let key_error = |what: &str, e: &dyn std::fmt::Display| {
        IdentityError::Key(format!("{what} {}: {e}", path.display()))
    };
    refuse_shared_key(path, "signing key")?;
    let text = std::fs::read_to_string(path).map_err(|e| key_error("cannot read", &e))?;
    let parsed = pem::parse(text).map_err(|e| key_error("not a PEM file:", &e))?;
    if parsed.tag() != PEM_TAG {
        return Err(IdentityError::Key(format!(
            "{} holds a {}, not a PKCS#8 private key",
            path.display(),
            parsed.tag()
        )));
    }
    Ok(parsed.contents().to_vec())
}

/// A key file that other accounts can read lets them mint tokens for
/// every tenant (or unseal the keys that do): refused, as OpenSSH refuses
/// such private keys.
#[cfg(unix)]
fn refuse_shared_key(path: &Path, what: &str) -> Result<(), IdentityError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| IdentityError::Key(format!("cannot read {}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(IdentityError::Key(format!(
            "the {what} {path} is accessible to group or others (mode {mode:03o}); \
             run `chmod 600 {path}` (and keep it owned by the service's user)",
            path = path.display(),
            mode = mode & 0o777,
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_shared_key(_: &Path, _: &str) -> Result<(), IdentityError> {
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

    fn kek() -> Kek {
        let mut bytes = [0u8; 32];
        SystemRandom::new().fill(&mut bytes).unwrap();
        Kek::from_bytes(&bytes).unwrap()
    }

    #[test]
    fn a_sealed_key_opens_with_its_kek_and_kid_only() {
        let kek = kek();
        let der = generate_pkcs8().unwrap();
        let row = new_row(&der, &kek).unwrap();
        assert!(row.sealed_private_key.starts_with(SEALED_TAG));
        assert!(!row.sealed_private_key.contains(&STANDARD.encode(&der)));
        assert_eq!(kek.unseal(&row.kid, &row.sealed_private_key).unwrap(), der);
        // A fresh nonce each time: the same key seals differently.
        assert_ne!(
            kek.seal(&row.kid, &der).unwrap(),
            kek.seal(&row.kid, &der).unwrap()
        );
        // Bound to its kid: moved onto another row, it does not open.
        let Err(IdentityError::Key(message)) = kek.unseal("another-kid", &row.sealed_private_key)
        else {
            panic!("unsealed under another kid");
        };
        assert!(message.contains("another-kid"), "{message}");
        // A flipped bit is caught by the tag.
        let mut tampered = STANDARD
            .decode(row.sealed_private_key.strip_prefix(SEALED_TAG).unwrap())
            .unwrap();
        *tampered.last_mut().unwrap() ^= 1;
        let tampered = format!("{SEALED_TAG}{}", STANDARD.encode(tampered));
        assert!(kek.unseal(&row.kid, &tampered).is_err());
    }

    #[test]
    fn a_wrong_kek_is_a_clear_error_not_a_panic() {
        let der = generate_pkcs8().unwrap();
        let row = new_row(&der, &kek()).unwrap();
        let Err(error) = Keyring::build(vec![row.clone()], Some(&kek()), 60, None) else {
            panic!("a wrong key-encryption key unsealed the signer");
        };
        let message = error.to_string();
        assert!(message.contains("cannot unseal signing key"), "{message}");
        assert!(message.contains(&row.kid), "{message}");
        assert!(message.contains(KEK_ENV), "{message}");
        for garbage in ["", "v1:", "v1:!!!", "v2:AAAA", "v1:AAAA"] {
            let Err(IdentityError::Key(message)) = kek().unseal(&row.kid, garbage) else {
                panic!("{garbage:?} unsealed");
            };
            assert!(message.contains("malformed"), "{garbage:?}: {message}");
        }
    }

    #[test]
    fn the_kek_is_32_bytes_of_base64_from_a_private_file() {
        assert!(Kek::from_base64(&STANDARD.encode([7u8; 32])).is_ok());
        let short = Kek::from_base64(&STANDARD.encode([7u8; 16])).unwrap_err();
        assert!(short.to_string().contains("32 bytes"), "{short}");
        assert!(Kek::from_base64("not base64 at all!").is_err());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/kek");
        let made = Kek::load_or_generate(&path).unwrap();
        let der = generate_pkcs8().unwrap();
        let sealed = made.seal("k", &der).unwrap();
        let again = Kek::load_or_generate(&path).unwrap();
        assert_eq!(again.unseal("k", &sealed).unwrap(), der);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
            let refused = Kek::load_or_generate(&path).unwrap_err().to_string();
            assert!(refused.contains("chmod 600"), "{refused}");
        }
    }

    #[test]
    fn superseded_keys_verify_for_the_grace_period_and_retired_ones_not_at_all() {
        let kek = kek();
        let old = new_row(&generate_pkcs8().unwrap(), &kek).unwrap();
        let mut superseded = old.clone();
        superseded.superseded_at = Some(now() - chrono::Duration::seconds(100));
        let signer = new_row(&generate_pkcs8().unwrap(), &kek).unwrap();
        let ring = Keyring::build(
            vec![superseded.clone(), signer.clone()],
            Some(&kek),
            300,
            None,
        )
        .unwrap();
        let now = chrono::Utc::now().timestamp();
        assert_eq!(ring.signer.kid, signer.kid);
        assert!(ring.verifier(&superseded.kid, now).is_some());
        let ring = Keyring::build(
            vec![superseded.clone(), signer.clone()],
            Some(&kek),
            60,
            None,
        )
        .unwrap();
        assert!(
            ring.verifier(&superseded.kid, now).is_none(),
            "past its grace"
        );
        let mut retired = old;
        retired.retired_at = Some(self::now());
        let ring = Keyring::build(vec![retired.clone(), signer], Some(&kek), 300, None).unwrap();
        assert!(ring.verifier(&retired.kid, now).is_none());
        let Err(error) = Keyring::build(vec![retired], Some(&kek), 300, None) else {
            panic!("a keyring without a signer");
        };
        assert!(error.to_string().contains("keys rotate"), "{error}");
    }
}
