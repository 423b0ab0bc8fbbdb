//! Host names as the platform compares them: what a `Host` header or the
//! `platform_domain` setting names, lowercase, without port or trailing dot.
//!
//! Every request is resolved from its `Host`, so anything that is not a
//! host name must be turned away before it costs a cache entry or a
//! database round trip: the only way to a [`HostName`] is [`HostName::parse`].

use std::fmt;
use std::net::Ipv6Addr;

/// The longest host name DNS can carry (RFC 1035), in bytes.
pub const MAX_HOST_BYTES: usize = 253;
/// The longest label, in bytes.
const MAX_LABEL_BYTES: usize = 63;

/// A syntactically valid host: a DNS name of letters, digits and hyphens
/// (international names in their punycode form, `xn--…`), an IPv4 literal
/// (`127.0.0.1`) or a bracketed IPv6 literal (`[::1]`, in its canonical
/// form). Lowercase, without port or trailing dot.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostName(String);

/// Why a value is not a host.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidHost(&'static str);

impl HostName {
    /// Parses a `Host` header value (or an HTTP/2 authority): an optional
    /// port is dropped, case and one trailing dot are ignored.
    pub fn parse(value: &str) -> Result<Self, InvalidHost> {
        // Checked first so that nothing below walks a huge value: the
        // longest valid value is a 253-byte name, a dot and a port.
        if value.len() > MAX_HOST_BYTES + 1 + 6 {
            return Err(InvalidHost("the host is longer than 253 bytes"));
        }
        if value.is_empty() {
            return Err(InvalidHost("the Host header is missing or empty"));
        }
        if let Some(rest) = value.strip_prefix('[') {
            let (literal, after) = rest
                .split_once(']')
                .ok_or(InvalidHost("an IPv6 literal lacks its closing ']'"))?;
            if !after.is_empty() {
                let port = after
                    .strip_prefix(':')
                    .ok_or(InvalidHost("only a port may follow an IPv6 literal"))?;
                check_port(port)?;
            }
            let address: Ipv6Addr = literal
                .parse()
                .map_err(|_| InvalidHost("not a valid IPv6 literal"))?;
            return Ok(Self(format!("[{address}]")));
        }
        // A bare IPv6 address (no port possible): only from configuration,
        // since a Host header must bracket it.
        if let Ok(address) = value.parse::<Ipv6Addr>() {
            return Ok(Self(format!("[{address}]")));
        }
        let name = match value.split_once(':') {
            Some((name, port)) => {
                check_port(port)?;
                name
            }
            None => value,
        };
        let name = name.strip_suffix('.').unwrap_or(name);
        if name.is_empty() {
            return Err(InvalidHost("the host name is empty"));
        }
        if name.len() > MAX_HOST_BYTES {
            return Err(InvalidHost("the host is longer than 253 bytes"));
        }
        for label in name.split('.') {
            if label.is_empty() || label.len() > MAX_LABEL_BYTES {
                return Err(InvalidHost(
                    "each label of a host name has 1 to 63 characters",
                ));
            }
            if !label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                return Err(InvalidHost(
                    "a host name has only letters, digits, hyphens and dots \
                     (international names in punycode)",
                ));
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err(InvalidHost(
                    "a label of a host name neither starts nor ends with a hyphen",
                ));
            }
        }
        Ok(Self(name.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A port: 1 to 5 digits, at most 65535. RFC 3986 allows an empty port
/// (`example.org:`), which means the default one.
fn check_port(port: &str) -> Result<(), InvalidHost> {
    if port.is_empty() {
        return Ok(());
    }
    if port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(0..=65535) = port.parse::<u32>() {
            return Ok(());
        }
    }
    Err(InvalidHost("the port is not a number from 0 to 65535"))
}

impl fmt::Display for HostName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for HostName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::HostName;

    fn parsed(value: &str) -> String {
        HostName::parse(value)
            .unwrap_or_else(|e| panic!("{value:?}: {e}"))
            .to_string()
    }

    #[test]
    fn normalizes_case_port_and_trailing_dot() {
        assert_eq!(parsed("Acme.Example.ORG:8080"), "acme.example.org");
        assert_eq!(parsed("acme.example.org."), "acme.example.org");
        assert_eq!(parsed("ACME.example.org.:443"), "acme.example.org");
        assert_eq!(parsed("localhost"), "localhost");
        assert_eq!(parsed("localhost:"), "localhost");
        assert_eq!(parsed("xn--bcher-kva.example"), "xn--bcher-kva.example");
        assert_eq!(parsed("127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(parsed("[::1]:8080"), "[::1]");
        assert_eq!(parsed("[0:0::1]"), "[::1]");
        assert_eq!(parsed("::1"), "[::1]");
        let longest = format!(
            "{}.{}.{}.{}",
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(61)
        );
        assert_eq!(longest.len(), 253);
        assert_eq!(parsed(&format!("{longest}.:65535")), longest);
    }

    #[test]
    fn refuses_what_is_not_a_host() {
        let too_long = format!("{}.example", "a".repeat(250));
        let long_label = format!("{}.example", "a".repeat(64));
        let huge = "x".repeat(8192);
        for value in [
            "",
            ".",
            "a..example",
            ".example",
            "-a.example",
            "a-.example",
            "under_score.example",
            "a example",
            "bücher.example",
            "a.example/path",
            "user@a.example",
            "a.example:port",
            "a.example:65536",
            "a.example:80:80",
            "[::1",
            "[::1]x",
            "[not-ipv6]",
            too_long.as_str(),
            long_label.as_str(),
            huge.as_str(),
        ] {
            assert!(HostName::parse(value).is_err(), "{value:?} was accepted");
        }
    }
}
