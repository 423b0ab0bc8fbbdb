//! Site themes: a theme name plus branding, validated field by field.

use atrium_core::ValidationErrors;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Branding a frontend applies over the theme. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branding {
    pub logo_url: Option<String>,
    pub favicon_url: Option<String>,
    pub primary_color: Option<String>,
    pub secondary_color: Option<String>,
    pub footer_text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThemeInput {
    pub name: String,
    #[serde(default)]
    pub branding: Branding,
}

const MAX_FOOTER: usize = 2_000;
const MAX_URL: usize = 2_048;

/// Parses and validates a theme given as JSON (`{name, branding}`).
pub fn validate_theme(value: &Value) -> Result<ThemeInput, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let Some(object) = value.as_object() else {
        return Err(ValidationErrors::single(
            "theme",
            "must be an object with name and branding",
        ));
    };
    let name = match object.get("name") {
        Some(Value::String(name)) if is_theme_name(name) => name.clone(),
        Some(Value::String(_)) => {
            errors.add("name", "must be 1 to 64 letters, digits, '_', '.' or '-'");
            String::new()
        }
        _ => {
            errors.add("name", "must be a string");
            String::new()
        }
    };
    let branding = match object.get("branding") {
        None | Some(Value::Null) => Branding::default(),
        Some(Value::Object(fields)) => {
            let text = |key: &str, errors: &mut ValidationErrors| match fields.get(key) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => {
                    errors.add(format!("branding.{key}"), "must be a string");
                    None
                }
            };
            let branding = Branding {
                logo_url: text("logo_url", &mut errors),
                favicon_url: text("favicon_url", &mut errors),
                primary_color: text("primary_color", &mut errors),
                secondary_color: text("secondary_color", &mut errors),
                footer_text: text("footer_text", &mut errors),
            };
            for key in fields.keys() {
                if ![
                    "logo_url",
                    "favicon_url",
                    "primary_color",
                    "secondary_color",
                    "footer_text",
                ]
                .contains(&key.as_str())
                {
                    errors.add(format!("branding.{key}"), "is not a branding field");
                }
            }
            branding
        }
        Some(_) => {
            errors.add("branding", "must be an object");
            Branding::default()
        }
    };
    for (key, url) in [
        ("logo_url", &branding.logo_url),
        ("favicon_url", &branding.favicon_url),
    ] {
        if let Some(url) = url {
            if !is_https_url(url) {
                errors.add(format!("branding.{key}"), "must be an https:// URL");
            }
        }
    }
    for (key, colour) in [
        ("primary_color", &branding.primary_color),
        ("secondary_color", &branding.secondary_color),
    ] {
        if let Some(colour) = colour {
            if !is_hex_colour(colour) {
                errors.add(format!("branding.{key}"), "must be a colour as #rrggbb");
            }
        }
    }
    if branding
        .footer_text
        .as_ref()
        .is_some_and(|t| t.chars().count() > MAX_FOOTER)
    {
        errors.add(
            "branding.footer_text",
            format!("must be at most {MAX_FOOTER} characters"),
        );
    }
    errors.into_result()?;
    Ok(ThemeInput { name, branding })
}

fn is_theme_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn is_https_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    url.chars().count() <= MAX_URL
        && !host.is_empty()
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn is_hex_colour(colour: &str) -> bool {
    colour.len() == 7
        && colour.starts_with('#')
        && colour[1..].chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_a_full_theme() {
        let theme = validate_theme(&json!({"name": "indigo", "branding": {
            "logo_url": "https://cdn.acme.org/logo.svg", "favicon_url": "https://cdn.acme.org/f.ico",
            "primary_color": "#1a2B3c", "secondary_color": "#ffffff", "footer_text": "© Acme"}}))
        .unwrap();
        assert_eq!(theme.name, "indigo");
        assert_eq!(theme.branding.primary_color.as_deref(), Some("#1a2B3c"));
    }

    #[test]
    fn names_every_bad_field() {
        let errors = validate_theme(&json!({"name": "", "branding": {
            "logo_url": "http://insecure.example/logo.png", "favicon_url": "https://",
            "primary_color": "red", "secondary_color": "#12345", "footer_text": 5, "extra": 1}}))
        .unwrap_err();
        let fields: Vec<_> = errors.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "branding.footer_text",
                "branding.extra",
                "branding.logo_url",
                "branding.favicon_url",
                "branding.primary_color",
                "branding.secondary_color"
            ]
        );
    }
}
