//! The keys courses and libraries are known by: `course-v1:ORG+NUMBER+RUN`
//! and `lib:ORG:SLUG`, as Open edX writes them. `ORG` is the short name of
//! the organization the course or library lies in.

use std::fmt;

pub use atrium_core::is_key_part;

/// The rule of [`is_key_part`], as a field error says it.
pub const KEY_PART_RULE: &str = "must be 1 to 64 letters, digits, '_', '.' or '-'";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CourseKey {
    pub org: String,
    pub number: String,
    pub run: String,
}

impl CourseKey {
    /// Reads `course-v1:ORG+NUMBER+RUN`; `None` for anything else.
    pub fn parse(key: &str) -> Option<Self> {
        let mut parts = key.strip_prefix("course-v1:")?.split('+');
        let (org, number, run) = (parts.next()?, parts.next()?, parts.next()?);
        (parts.next().is_none() && is_key_part(org) && is_key_part(number) && is_key_part(run))
            .then(|| Self {
                org: org.into(),
                number: number.into(),
                run: run.into(),
            })
    }
}

impl fmt::Display for CourseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "course-v1:{}+{}+{}", self.org, self.number, self.run)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LibraryKey {
    pub org: String,
    pub slug: String,
}

impl LibraryKey {
    /// Reads `lib:ORG:SLUG`; `None` for anything else.
    pub fn parse(key: &str) -> Option<Self> {
        let (org, slug) = key.strip_prefix("lib:")?.split_once(':')?;
        (is_key_part(org) && is_key_part(slug)).then(|| Self {
            org: org.into(),
            slug: slug.into(),
        })
    }
}

impl fmt::Display for LibraryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "lib:{}:{}", self.org, self.slug)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn course_keys_round_trip_and_reject_other_shapes() {
        let key = CourseKey::parse("course-v1:MITx+6.001x+2026_T1").unwrap();
        assert_eq!(
            (key.org.as_str(), key.number.as_str(), key.run.as_str()),
            ("MITx", "6.001x", "2026_T1")
        );
        assert_eq!(key.to_string(), "course-v1:MITx+6.001x+2026_T1");
        for bad in [
            "",
            "MITx+6.001x+2026",
            "course-v1:MITx+6.001x",
            "course-v1:MITx+6.001x+2026+extra",
            "course-v1:MITx++2026",
            "course-v1:MI Tx+1+2",
            "course-v1:MITx+1+2/3",
            "lib:MITx:slug",
        ] {
            assert_eq!(CourseKey::parse(bad), None, "{bad}");
        }
        assert_eq!(
            CourseKey::parse(&format!("course-v1:A+{}+R", "n".repeat(65))),
            None
        );
    }

    #[test]
    fn library_keys_round_trip_and_reject_other_shapes() {
        let key = LibraryKey::parse("lib:MITx:intro-problems").unwrap();
        assert_eq!(
            (key.org.as_str(), key.slug.as_str()),
            ("MITx", "intro-problems")
        );
        assert_eq!(key.to_string(), "lib:MITx:intro-problems");
        for bad in [
            "",
            "lib:MITx",
            "lib::slug",
            "lib:MITx:a:b",
            "lib:MITx:has space",
            "course-v1:A+B+C",
        ] {
            assert_eq!(LibraryKey::parse(bad), None, "{bad}");
        }
    }
}
