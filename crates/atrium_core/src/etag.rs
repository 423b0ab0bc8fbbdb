//! Entity-tag comparison (RFC 9110 §8.8.3): the one implementation behind
//! `If-Match` (strong) and `If-None-Match` (weak), used by the domain rules
//! and the gateway alike.

/// Whether an `If-Match` value matches `current`: strong comparison, so a
/// weak tag never matches; `*` matches any existing representation.
pub fn if_match(header: &str, current: &str, exists: bool) -> bool {
    tags(header).any(|tag| tag == current || (tag == "*" && exists))
}

/// Whether an `If-None-Match` value matches `current`: weak comparison, so
/// `W/"x"` matches `"x"`; `*` matches any representation.
pub fn if_none_match(header: &str, current: &str) -> bool {
    let current = current.strip_prefix("W/").unwrap_or(current);
    tags(header).any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == current)
}

fn tags(header: &str) -> impl Iterator<Item = &str> {
    header.split(',').map(str::trim).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_is_strong() {
        assert!(if_match("\"c3\"", "\"c3\"", true));
        assert!(if_match("\"c1\", \"c3\"", "\"c3\"", true));
        assert!(!if_match("W/\"c3\"", "\"c3\"", true));
        assert!(!if_match("\"c2\"", "\"c3\"", true));
        assert!(if_match("*", "\"c3\"", true));
        assert!(!if_match("*", "\"c0\"", false));
    }

    #[test]
    fn if_none_match_is_weak() {
        assert!(if_none_match("W/\"s1\"", "\"s1\""));
        assert!(if_none_match("\"a\", \"s1\"", "\"s1\""));
        assert!(if_none_match("*", "\"s1\""));
        assert!(!if_none_match("\"s2\"", "\"s1\""));
    }
}
