//! The bearer secrets Atrium hands out (refresh tokens, API client secrets,
//! mailed links, token ids): random bytes from the operating system,
//! base64url, and kept only as a hash.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// `bytes` random bytes, base64url without padding.
pub(crate) fn random_token(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

/// What is stored of a secret: its SHA-256, in hex. A fast hash is right
/// here, unlike for passwords: a secret of 128 bits or more has no
/// dictionary to try.
pub(crate) fn hash_token(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// A new secret of `bytes` random bytes, and its hash.
pub(crate) fn new_token(bytes: usize) -> (String, String) {
    let token = random_token(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_base64url_and_hashed_the_same_way_every_time() {
        let (a, hash) = new_token(32);
        assert_eq!(a.len(), 43);
        assert_eq!(random_token(16).len(), 22);
        assert_ne!(a, new_token(32).0);
        assert_eq!(hash, hash_token(&a));
        assert_eq!(hash.len(), 64);
        assert_ne!(hash, a);
        assert!(a
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }
}
