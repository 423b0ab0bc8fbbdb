//! A course's settings as Studio's "Create a new course" and its settings
//! page take them, and the rules they must keep. Creation, reruns, batch
//! creation and changes all validate through [`CourseFields::validate`],
//! so a rule cannot hold on one door and not another.

use atrium_core::ValidationErrors;
use atrium_db::courses::CourseSettings;
use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use crate::keys::{is_key_part, CourseKey, KEY_PART_RULE};

/// Who finds a course: `public` in the catalog, `unlisted` by its key
/// only, `private` by its team and those enrolled by staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Public,
    Unlisted,
    Private,
}

impl Visibility {
    pub const ALL: [Visibility; 3] = [
        Visibility::Public,
        Visibility::Unlisted,
        Visibility::Private,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Unlisted => "unlisted",
            Visibility::Private => "private",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == value)
    }
}

/// The most a course may be limited to.
pub const MAX_ENROLLMENT_LIMIT: i64 = 1_000_000;

/// Every setting of a course besides its key, as sent or as merged from a
/// change over the current ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseFields {
    pub display_name: String,
    pub short_description: String,
    pub language: String,
    /// `public`, `unlisted` or `private`.
    pub visibility: String,
    pub invitation_only: bool,
    pub enrollment_limit: Option<i64>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub enrollment_start: Option<DateTime<Utc>>,
    pub enrollment_end: Option<DateTime<Utc>>,
}

impl Default for CourseFields {
    fn default() -> Self {
        Self {
            display_name: String::new(),
            short_description: String::new(),
            language: String::new(),
            visibility: Visibility::Public.as_str().to_owned(),
            invitation_only: false,
            enrollment_limit: None,
            start: None,
            end: None,
            enrollment_start: None,
            enrollment_end: None,
        }
    }
}

/// Whether `value` is a well-formed BCP 47 language tag (RFC 5646).
pub fn is_language_tag(value: &str) -> bool {
    value.len() <= 35 && language_tags::LanguageTag::parse(value).is_ok()
}

impl CourseFields {
    /// Checks every rule, collecting each broken one as a field error, and
    /// answers the settings to store.
    pub fn validate(&self) -> Result<CourseSettings, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        self.check(&mut errors);
        errors.into_result()?;
        Ok(CourseSettings {
            display_name: self.display_name.trim().to_owned(),
            short_description: self.short_description.clone(),
            language: self.language.clone(),
            visibility: self.visibility.clone(),
            invitation_only: self.invitation_only,
            enrollment_limit: self.enrollment_limit.and_then(|l| i32::try_from(l).ok()),
            starts_at: self.start.map(|at| at.naive_utc()),
            ends_at: self.end.map(|at| at.naive_utc()),
            enrollment_starts_at: self.enrollment_start.map(|at| at.naive_utc()),
            enrollment_ends_at: self.enrollment_end.map(|at| at.naive_utc()),
        })
    }

    fn check(&self, errors: &mut ValidationErrors) {
        if !atrium_core::is_name(&self.display_name, 255) {
            errors.add(
                "display_name",
                "must be 1 to 255 characters, not blank, without control characters",
            );
        }
        if self.short_description.chars().count() > 10_000
            || self
                .short_description
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            errors.add(
                "short_description",
                "must be at most 10,000 characters, without control characters",
            );
        }
        if !self.language.is_empty() && !is_language_tag(&self.language) {
            errors.add(
                "language",
                "must be a BCP 47 language tag (`en`, `pt-BR`), or empty",
            );
        }
        if Visibility::parse(&self.visibility).is_none() {
            errors.add("visibility", "must be one of public, unlisted, private");
        }
        if self
            .enrollment_limit
            .is_some_and(|l| !(0..=MAX_ENROLLMENT_LIMIT).contains(&l))
        {
            errors.add(
                "enrollment_limit",
                format!("must be between 0 and {MAX_ENROLLMENT_LIMIT}, or null for none"),
            );
        }
        for (field, at) in [
            ("start", self.start),
            ("end", self.end),
            ("enrollment_start", self.enrollment_start),
            ("enrollment_end", self.enrollment_end),
        ] {
            // Years beyond four digits or before the common era are no
            // course's dates, and PostgreSQL's timestamps stop at 4713 BC.
            if at.is_some_and(|at| !(1..=9999).contains(&at.year())) {
                errors.add(field, "must be a date between the years 1 and 9999");
            }
        }
        if let (Some(start), Some(end)) = (self.start, self.end) {
            if end <= start {
                errors.add("end", "must be after start");
            }
        }
        if let (Some(start), Some(end)) = (self.enrollment_start, self.enrollment_end) {
            if end <= start {
                errors.add("enrollment_end", "must be after enrollment_start");
            }
        }
    }
}

/// A course to create: Studio's "Create a new course".
#[derive(Debug, Clone, Default)]
pub struct NewCourse {
    /// The short name of an organization of the tenant.
    pub org: String,
    pub number: String,
    pub run: String,
    pub fields: CourseFields,
}

impl NewCourse {
    /// Checks the key's parts and every setting; answers the key and the
    /// settings to store.
    pub fn validate(&self) -> Result<(CourseKey, CourseSettings), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        for (field, value) in [
            ("org", &self.org),
            ("number", &self.number),
            ("run", &self.run),
        ] {
            if !is_key_part(value) {
                errors.add(field, KEY_PART_RULE);
            }
        }
        self.fields.check(&mut errors);
        errors.into_result()?;
        let settings = self.fields.validate()?;
        let key = CourseKey {
            org: self.org.clone(),
            number: self.number.clone(),
            run: self.run.clone(),
        };
        Ok((key, settings))
    }
}

/// A change of a course's settings; `None` leaves a field as it is, and
/// `Some(None)` clears a nullable one. The key never changes.
#[derive(Debug, Clone, Default)]
pub struct CoursePatch {
    pub display_name: Option<String>,
    pub short_description: Option<String>,
    pub language: Option<String>,
    pub visibility: Option<String>,
    pub invitation_only: Option<bool>,
    pub enrollment_limit: Option<Option<i64>>,
    pub start: Option<Option<DateTime<Utc>>>,
    pub end: Option<Option<DateTime<Utc>>>,
    pub enrollment_start: Option<Option<DateTime<Utc>>>,
    pub enrollment_end: Option<Option<DateTime<Utc>>>,
}

impl CoursePatch {
    /// `current` with this change applied (validate the result).
    pub fn apply(self, current: CourseFields) -> CourseFields {
        CourseFields {
            display_name: self.display_name.unwrap_or(current.display_name),
            short_description: self.short_description.unwrap_or(current.short_description),
            language: self.language.unwrap_or(current.language),
            visibility: self.visibility.unwrap_or(current.visibility),
            invitation_only: self.invitation_only.unwrap_or(current.invitation_only),
            enrollment_limit: self.enrollment_limit.unwrap_or(current.enrollment_limit),
            start: self.start.unwrap_or(current.start),
            end: self.end.unwrap_or(current.end),
            enrollment_start: self.enrollment_start.unwrap_or(current.enrollment_start),
            enrollment_end: self.enrollment_end.unwrap_or(current.enrollment_end),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<DateTime<Utc>> {
        Some(text.parse().unwrap())
    }

    fn fields() -> CourseFields {
        CourseFields {
            display_name: "Intro".into(),
            ..CourseFields::default()
        }
    }

    fn broken(fields: CourseFields) -> Vec<String> {
        fields
            .validate()
            .err()
            .map(|e| e.errors.into_iter().map(|e| e.field).collect())
            .unwrap_or_default()
    }

    #[test]
    fn each_end_must_follow_its_start() {
        let mut f = fields();
        f.start = at("2026-09-01T00:00:00Z");
        f.end = at("2026-09-01T00:00:00Z");
        f.enrollment_start = at("2026-08-01T00:00:00Z");
        f.enrollment_end = at("2026-07-01T00:00:00Z");
        assert_eq!(broken(f), ["end", "enrollment_end"]);
        let mut f = fields();
        f.start = at("2026-09-01T00:00:00Z");
        f.end = at("2026-12-01T00:00:00Z");
        assert!(f.validate().is_ok());
    }

    #[test]
    fn dates_stay_within_four_digit_years() {
        for (text, ok) in [
            ("-5000-01-01T00:00:00Z", false),
            ("0000-01-01T00:00:00Z", false),
            ("+20000-01-01T00:00:00Z", false),
            ("0001-01-01T00:00:00Z", true),
            ("9999-12-31T00:00:00Z", true),
        ] {
            let f = CourseFields {
                enrollment_start: at(text),
                ..fields()
            };
            assert_eq!(f.validate().is_ok(), ok, "{text}");
        }
    }

    #[test]
    fn languages_are_bcp47_tags() {
        for good in ["en", "pt-BR", "zh-Hant-TW", "es-419", ""] {
            let f = CourseFields {
                language: good.into(),
                ..fields()
            };
            assert!(f.validate().is_ok(), "{good}");
        }
        for bad in ["english!", "e", "en_US", "-en", "en--US"] {
            let f = CourseFields {
                language: bad.into(),
                ..fields()
            };
            assert_eq!(broken(f), ["language"], "{bad}");
        }
    }

    #[test]
    fn a_new_course_names_every_bad_field() {
        let new = NewCourse {
            org: "has space".into(),
            number: "".into(),
            run: "2026+T1".into(),
            fields: CourseFields {
                display_name: " ".into(),
                visibility: "secret".into(),
                enrollment_limit: Some(-1),
                ..CourseFields::default()
            },
        };
        let fields: Vec<String> = new
            .validate()
            .unwrap_err()
            .errors
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "org",
                "number",
                "run",
                "display_name",
                "visibility",
                "enrollment_limit"
            ]
        );
    }

    #[test]
    fn a_patch_clears_and_keeps() {
        let mut current = fields();
        current.enrollment_limit = Some(10);
        current.start = at("2026-09-01T00:00:00Z");
        let patch = CoursePatch {
            enrollment_limit: Some(None),
            display_name: Some("Renamed".into()),
            ..CoursePatch::default()
        };
        let merged = patch.apply(current.clone());
        assert_eq!(merged.enrollment_limit, None);
        assert_eq!(merged.display_name, "Renamed");
        assert_eq!(merged.start, current.start);
    }
}
