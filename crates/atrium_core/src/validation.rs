//! Field-level validation errors, collected rather than failing on the first
//! so that a client can fix every field in one round trip.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("validation failed: {}", summary(.errors))]
pub struct ValidationErrors {
    pub errors: Vec<FieldError>,
}

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{} {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ValidationErrors {
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(())` when nothing was added.
    pub fn into_result(self) -> Result<(), Self> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }

    /// Prefixes every field, for errors of a nested object (`admin.email`).
    pub fn nested(self, prefix: &str) -> Self {
        Self {
            errors: self
                .errors
                .into_iter()
                .map(|e| FieldError {
                    field: format!("{prefix}.{}", e.field),
                    message: e.message,
                })
                .collect(),
        }
    }

    pub fn extend(&mut self, other: Self) {
        self.errors.extend(other.errors);
    }
}

/// A pragmatic email check: one `@`, a non-empty local part, a dotted
/// domain, no spaces. Deliverability is proven by sending mail, not by regex.
pub fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    value.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A human-readable name: 1 to `max` characters, not blank, no control
/// characters (NUL cannot even be stored by PostgreSQL).
/// Whether `value` may stand as a part of a course or library key
/// (`course-v1:ORG+NUMBER+RUN`, `lib:ORG:SLUG`), organizations' short names
/// included: 1 to 64 letters, digits, `_`, `.` or `-`, as Open edX allows.
pub fn is_key_part(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

pub fn is_name(value: &str, max: usize) -> bool {
    !value.trim().is_empty() && value.chars().count() <= max && !value.chars().any(char::is_control)
}
