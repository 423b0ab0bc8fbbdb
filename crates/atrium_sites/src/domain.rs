//! Domain names as sites store them: lowercase ASCII host names, with
//! international names in their punycode (IDNA) form.

/// The stored form of `input`, or why it is not a host name.
pub fn normalize_domain(input: &str) -> Result<String, &'static str> {
    if input.is_empty() {
        return Err("must not be empty");
    }
    if input.chars().any(char::is_whitespace) {
        return Err("must not contain spaces");
    }
    if input.contains("://") {
        return Err("must be a host name, without a scheme");
    }
    if input.contains('/') || input.contains('?') || input.contains('#') {
        return Err("must be a host name, without a path");
    }
    if input.contains(':') {
        return Err("must be a host name, without a port");
    }
    if input.chars().any(|c| c.is_ascii_uppercase()) {
        return Err("must be lowercase");
    }
    let ascii = idna::domain_to_ascii_strict(input).map_err(|_| "is not a valid host name")?;
    let valid_label = |label: &str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if ascii.len() > 253 || !ascii.split('.').all(valid_label) {
        return Err("is not a valid host name");
    }
    Ok(ascii)
}

#[cfg(test)]
mod tests {
    use super::normalize_domain;

    #[test]
    fn accepts_host_names_and_stores_idn_as_punycode() {
        assert_eq!(
            normalize_domain("learn.example.org"),
            Ok("learn.example.org".into())
        );
        assert_eq!(
            normalize_domain("acme.localhost"),
            Ok("acme.localhost".into())
        );
        assert_eq!(
            normalize_domain("bücher.example"),
            Ok("xn--bcher-kva.example".into())
        );
    }

    #[test]
    fn rejects_everything_that_is_not_a_bare_host() {
        for (input, reason) in [
            ("https://a.example", "must be a host name, without a scheme"),
            ("a.example:8080", "must be a host name, without a port"),
            ("a.example/path", "must be a host name, without a path"),
            ("a .example", "must not contain spaces"),
            ("A.example", "must be lowercase"),
            ("-a.example", "is not a valid host name"),
            ("a..example", "is not a valid host name"),
            ("", "must not be empty"),
        ] {
            assert_eq!(normalize_domain(input), Err(reason), "{input}");
        }
    }
}
