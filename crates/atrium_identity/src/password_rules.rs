//! The rules every new password obeys, wherever it is set: registration,
//! an admin creating an account, `PATCH /api/v1/me`, operators, a tenant's
//! first admin at provisioning, and a password reset. One function,
//! [`check_new_password`], so that no door is laxer than another.
//!
//! The list of common passwords (`data/common-passwords.txt`, one a line,
//! lowercase) holds the entries of at least [`MIN_PASSWORD_LENGTH`]
//! characters from the 20,000 most common passwords that Django ships
//! (`django/contrib/auth/common-passwords.txt.gz`, Royce Williams' list,
//! BSD licence), plus a few obvious ones it lacks (`password123`,
//! `administrator`, ...). Shorter entries are left out: the length rule
//! refuses them already.

use std::collections::HashSet;
use std::sync::LazyLock;

use atrium_core::ValidationErrors;

use crate::passwords::{MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH};

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
});

/// Adds one field error on `field` for each rule `password` breaks: at least
/// [`MIN_PASSWORD_LENGTH`] characters, at most [`MAX_PASSWORD_LENGTH`]
/// bytes, not one of `personal` (the account's username and email; empty
/// entries are ignored) ignoring case, and not among the most common
/// passwords ignoring case.
pub fn check_new_password(
    errors: &mut ValidationErrors,
    field: &str,
    password: &str,
    personal: &[&str],
) {
    if password.chars().count() < MIN_PASSWORD_LENGTH {
        errors.add(
            field,
            format!("must be at least {MIN_PASSWORD_LENGTH} characters"),
        );
    }
    if password.len() > MAX_PASSWORD_LENGTH {
        errors.add(
            field,
            format!("must be at most {MAX_PASSWORD_LENGTH} bytes"),
        );
        // A longer text is no common password nor anyone's name; and
        // lowercasing it would cost for nothing.
        return;
    }
    let lowered = password.to_lowercase();
    if personal
        .iter()
        .map(|p| p.trim())
        .any(|p| !p.is_empty() && p.to_lowercase() == lowered)
    {
        errors.add(field, "must not be the account's username or email");
    }
    if COMMON.contains(lowered.as_str()) {
        errors.add(
            field,
            "is one of the most common passwords; choose a less guessable one",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failures(password: &str, personal: &[&str]) -> Vec<String> {
        let mut errors = ValidationErrors::default();
        check_new_password(&mut errors, "password", password, personal);
        assert!(errors.errors.iter().all(|e| e.field == "password"));
        errors.errors.into_iter().map(|e| e.message).collect()
    }

    #[test]
    fn a_good_password_passes() {
        assert!(failures("violet tangerine moss", &["ada", "ada@example.org"]).is_empty());
    }

    #[test]
    fn each_broken_rule_is_its_own_error() {
        assert_eq!(failures("short", &[]).len(), 1);
        assert_eq!(failures(&"x".repeat(1025), &[]).len(), 1);
        // 1,024 bytes of two-byte characters: long enough, not too long.
        assert!(failures(&"é".repeat(512), &[]).is_empty());
        assert_eq!(
            failures("Ada@Example.org", &["ada", "ada@example.org"]),
            ["must not be the account's username or email"]
        );
        let common = failures("PassWord123", &[]);
        assert_eq!(common.len(), 1);
        assert!(common[0].contains("common"));
        // Too short and the username at once: two errors.
        assert_eq!(failures("Ada", &["ada"]).len(), 2);
    }

    #[test]
    fn the_list_is_loaded_lowercase_and_long_enough() {
        assert!(COMMON.len() > 1500);
        assert!(COMMON.contains("qwertyuiop"));
        assert!(COMMON.contains("1234567890"));
        assert!(COMMON
            .iter()
            .all(|p| p.chars().count() >= MIN_PASSWORD_LENGTH && p.to_lowercase() == *p));
        // The passwords of the README's walkthrough and of the tests.
        for ours in ["admin-password", "operator-password", "learner-password"] {
            assert!(!COMMON.contains(ours));
        }
    }
}
