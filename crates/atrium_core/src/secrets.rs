//! Keeping database passwords out of messages and logs.
//!
//! A database URL carries its password (`postgres://user:secret@host/db`),
//! and URLs reach error messages: ours, and the client library's, which
//! echoes a malformed URL whole. So every message that may hold one goes
//! through [`redact_url`] (when we print a URL) or a [`Scrubber`] (when
//! someone else's message might contain it).

/// `url` with its password, and any `password=` query parameter, replaced
/// by `***`: `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(range) = password_range(url) {
        out.replace_range(range, "***");
    }
    redact_query_password(&out)
}

/// The byte range of the password in `scheme://user:password@host…`.
fn password_range(url: &str) -> Option<std::ops::Range<usize>> {
    let start = url.find("://")? + 3;
    let rest = &url[start..];
    // The authority ends at the first '/', '?' or '#'; its userinfo at the
    // last '@' inside it (a password may contain '@' if not encoded).
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let at = rest[..authority_end].rfind('@')?;
    let colon = rest[..at].find(':')?;
    Some(start + colon + 1..start + at)
}

fn redact_query_password(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let query = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&");
    format!("{base}?{query}")
}

/// Replaces the password of one URL, in whatever form it appears, in
/// messages that are not ours (the database client's).
#[derive(Debug, Clone, Default)]
pub struct Scrubber {
    secrets: Vec<String>,
}

impl Scrubber {
    /// A scrubber for the secrets of `url`: its password, raw and
    /// percent-decoded, and a `password=` query parameter.
    pub fn for_url(url: &str) -> Self {
        let mut secrets = Vec::new();
        if let Some(range) = password_range(url) {
            secrets.push(url[range].to_owned());
        }
        if let Some((_, query)) = url.split_once('?') {
            for pair in query.split('&') {
                if let Some((key, value)) = pair.split_once('=') {
                    if key.eq_ignore_ascii_case("password") {
                        secrets.push(value.to_owned());
                    }
                }
            }
        }
        let decoded: Vec<String> = secrets.iter().map(|s| percent_decode(s)).collect();
        secrets.extend(decoded);
        secrets.retain(|s| !s.is_empty());
        // Longest first, so that a secret containing another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Self { secrets }
    }

    /// `message` without any of the secrets.
    pub fn scrub(&self, message: &str) -> String {
        self.secrets
            .iter()
            .fold(message.to_owned(), |text, secret| {
                text.replace(secret, "***")
            })
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_the_password_and_nothing_else() {
        assert_eq!(
            redact_url("postgres://atrium_app:s3cret@db:5432/atrium"),
            "postgres://atrium_app:***@db:5432/atrium"
        );
        assert_eq!(
            redact_url("postgresql://u:p@ss@db/atrium?sslmode=require"),
            "postgresql://u:***@db/atrium?sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://u@db/atrium?password=s3cret&sslmode=require"),
            "postgres://u@db/atrium?password=***&sslmode=require"
        );
        // Nothing to hide.
        for url in [
            "postgres://u@db/atrium",
            "postgres://db/atrium",
            "sqlite://atrium.db",
            "sqlite:///var/lib/atrium/db.sqlite",
            "not a url",
        ] {
            assert_eq!(redact_url(url), url);
        }
    }

    #[test]
    fn scrubs_raw_and_decoded_passwords_from_foreign_messages() {
        let scrubber = Scrubber::for_url("postgres://u:p%40ss%2Fword@[::1/atrium");
        let message = "invalid URI: \"postgres://u:p%40ss%2Fword@[::1/atrium\" (p@ss/word)";
        let scrubbed = scrubber.scrub(message);
        assert!(!scrubbed.contains("p%40ss"), "{scrubbed}");
        assert!(!scrubbed.contains("p@ss/word"), "{scrubbed}");
        assert!(scrubbed.contains("postgres://u:***@"), "{scrubbed}");
        let plain = Scrubber::for_url("postgres://u@db/atrium?password=s3cret");
        assert_eq!(plain.scrub("bad: password=s3cret"), "bad: password=***");
        assert_eq!(Scrubber::for_url("sqlite://a.db").scrub("a.db"), "a.db");
    }
}
