//! The rules of a site configuration's `values`: a JSON object of at most
//! 64 KiB whose well-known keys have the types Open edX gives them. Keys
//! Atrium does not know are kept verbatim.

use atrium_core::{is_email, ValidationErrors};
use atrium_organizations::is_short_name;
use serde_json::{Map, Value};

pub const MAX_CONFIGURATION_BYTES: usize = 64 * 1024;

pub const PLATFORM_NAME: &str = "PLATFORM_NAME";
pub const SITE_NAME: &str = "SITE_NAME";
pub const COURSE_ORG_FILTER: &str = "course_org_filter";
pub const ALLOW_PUBLIC_ACCOUNT_CREATION: &str = "ALLOW_PUBLIC_ACCOUNT_CREATION";
/// When true, only members of an organization the site serves get tokens
/// on it (checked at token time, not per request).
pub const REQUIRE_ORGANIZATION_MEMBERSHIP: &str = "REQUIRE_ORGANIZATION_MEMBERSHIP";
pub const ENABLE_COURSE_SORTING_BY_START_DATE: &str = "ENABLE_COURSE_SORTING_BY_START_DATE";
pub const PUBLIC_KEYS: &str = "public_keys";

enum Kind {
    String,
    Bool,
    Email,
    LanguageTag,
    OrgFilter,
    KeyList,
    /// The path of a frontend page that mail links point to.
    Path,
}

const WELL_KNOWN: &[(&str, Kind)] = &[
    (PLATFORM_NAME, Kind::String),
    (SITE_NAME, Kind::String),
    (COURSE_ORG_FILTER, Kind::OrgFilter),
    ("ENABLE_COMBINED_LOGIN_REGISTRATION", Kind::Bool),
    (ENABLE_COURSE_SORTING_BY_START_DATE, Kind::Bool),
    (ALLOW_PUBLIC_ACCOUNT_CREATION, Kind::Bool),
    (REQUIRE_ORGANIZATION_MEMBERSHIP, Kind::Bool),
    ("contact_email", Kind::Email),
    ("LANGUAGE_CODE", Kind::LanguageTag),
    (PUBLIC_KEYS, Kind::KeyList),
    // Mail (password resets, email verification).
    ("email_from_address", Kind::Email),
    ("REQUIRE_EMAIL_VERIFICATION", Kind::Bool),
    ("PASSWORD_RESET_PATH", Kind::Path),
    ("EMAIL_VERIFICATION_PATH", Kind::Path),
];

/// A path that a mailed link can end with: `?token=…` is appended, so no
/// query or fragment of its own, and nothing that needs escaping.
fn is_link_path(path: &str) -> bool {
    path.starts_with('/')
        && path.len() <= 200
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-._~".contains(c))
}

/// Checks the size and the well-known keys. Whether the organizations named
/// by `course_org_filter` exist is for the caller to check against its
/// tenant ([`course_org_filter`] lists them).
pub fn validate_configuration(values: &Map<String, Value>) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let size = serde_json::to_string(values)
        .map(|s| s.len())
        .unwrap_or(usize::MAX);
    if size > MAX_CONFIGURATION_BYTES {
        errors.add(
            "values",
            format!("must be at most {MAX_CONFIGURATION_BYTES} bytes of JSON (got {size})"),
        );
    }
    for (key, kind) in WELL_KNOWN {
        let Some(value) = values.get(*key) else {
            continue;
        };
        let field = format!("values.{key}");
        let problem = match kind {
            Kind::String => (!value.is_string()).then_some("must be a string"),
            Kind::Bool => (!value.is_boolean()).then_some("must be true or false"),
            Kind::Email => {
                (!value.as_str().is_some_and(is_email)).then_some("must be an email address")
            }
            Kind::LanguageTag => (!value.as_str().is_some_and(is_language_tag))
                .then_some("must be a BCP 47 language tag such as en or pt-BR"),
            Kind::OrgFilter => org_filter_names(value)
                .is_none()
                .then_some("must be an organization short name or a list of them"),
            Kind::KeyList => (!value
                .as_array()
                .is_some_and(|keys| keys.iter().all(Value::is_string)))
            .then_some("must be a list of configuration keys"),
            Kind::Path => (!value.as_str().is_some_and(is_link_path)).then_some(
                "must be a path such as /reset-password (at most 200 characters, no query)",
            ),
        };
        if let Some(message) = problem {
            errors.add(field, message);
        }
    }
    errors.into_result()
}

/// The organizations a configuration's `course_org_filter` names.
pub fn course_org_filter(values: &Map<String, Value>) -> Vec<String> {
    values
        .get(COURSE_ORG_FILTER)
        .and_then(org_filter_names)
        .unwrap_or_default()
}

fn org_filter_names(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::String(name) if is_short_name(name) => Some(vec![name.clone()]),
        Value::Array(names) => names
            .iter()
            .map(|n| n.as_str().filter(|s| is_short_name(s)).map(str::to_owned))
            .collect(),
        _ => None,
    }
}

/// A BCP 47 tag (RFC 5646) as Open edX uses them: an ISO 639 language of
/// 2–3 letters (the 4–8 letter forms the grammar also allows are not in
/// use), then subtags of 1–8 letters or digits (`pt-BR`, `zh-Hant-TW`).
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let language_ok = parts
        .next()
        .is_some_and(|l| (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic()));
    language_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(values: Value) -> Vec<String> {
        let map = values.as_object().unwrap().clone();
        validate_configuration(&map)
            .err()
            .map(|e| e.errors.into_iter().map(|e| e.field).collect())
            .unwrap_or_default()
    }

    #[test]
    fn well_known_keys_are_typed_and_unknown_keys_pass() {
        assert!(fields(json!({
            "PLATFORM_NAME": "Acme", "course_org_filter": ["ACME", "ACME_X"], "ALLOW_PUBLIC_ACCOUNT_CREATION": false,
            "contact_email": "help@acme.org", "LANGUAGE_CODE": "pt-BR", "public_keys": ["PLATFORM_NAME"],
            "anything": {"nested": [1, 2]}
        }))
        .is_empty());
        assert_eq!(
            fields(
                json!({"PLATFORM_NAME": 3, "ALLOW_PUBLIC_ACCOUNT_CREATION": "no", "contact_email": "x",
                "LANGUAGE_CODE": "english!", "course_org_filter": [1], "public_keys": "PLATFORM_NAME"})
            ),
            [
                "values.PLATFORM_NAME",
                "values.course_org_filter",
                "values.ALLOW_PUBLIC_ACCOUNT_CREATION",
                "values.contact_email",
                "values.LANGUAGE_CODE",
                "values.public_keys"
            ]
        );
    }

    #[test]
    fn mail_keys_are_typed() {
        assert!(fields(json!({
            "email_from_address": "noreply@acme.org", "REQUIRE_EMAIL_VERIFICATION": true,
            "PASSWORD_RESET_PATH": "/account/reset", "EMAIL_VERIFICATION_PATH": "/verify"
        }))
        .is_empty());
        assert_eq!(
            fields(json!({
                "email_from_address": "Acme <noreply@acme.org>", "REQUIRE_EMAIL_VERIFICATION": "yes",
                "PASSWORD_RESET_PATH": "reset", "EMAIL_VERIFICATION_PATH": "/verify?x=1"
            })),
            [
                "values.email_from_address",
                "values.REQUIRE_EMAIL_VERIFICATION",
                "values.PASSWORD_RESET_PATH",
                "values.EMAIL_VERIFICATION_PATH"
            ]
        );
    }

    #[test]
    fn size_is_limited() {
        assert_eq!(
            fields(json!({"big": "x".repeat(MAX_CONFIGURATION_BYTES)})),
            ["values"]
        );
    }

    #[test]
    fn org_filter_accepts_a_name_or_a_list() {
        let map = json!({"course_org_filter": "ACME"})
            .as_object()
            .unwrap()
            .clone();
        assert_eq!(course_org_filter(&map), ["ACME"]);
        assert!(is_language_tag("en") && is_language_tag("zh-Hant-TW") && !is_language_tag("e"));
    }
}
