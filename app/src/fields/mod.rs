//! Custom fields: what a SOC records that Casefile has no column for (business unit, the
//! service-desk ticket, the regulator notified). This file holds the shared types and the pure
//! rules: the field types, what a valid definition and a valid value are. No I/O.

pub mod api;
mod filters;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
mod sorting;
#[cfg(feature = "ssr")]
pub mod store;
mod values;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::validate::{optional, required};

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// One line, up to [`MAX_STRING_CHARS`].
    String,
    /// Several lines, up to [`MAX_TEXT_CHARS`]; not filterable.
    Text,
    Integer,
    Float,
    Boolean,
    /// A point in time (a calendar date is its midnight UTC).
    Date,
    Url,
    /// One of the field's options.
    Enum,
}

impl FieldType {
    pub const ALL: [FieldType; 8] = [
        Self::String,
        Self::Text,
        Self::Integer,
        Self::Float,
        Self::Boolean,
        Self::Date,
        Self::Url,
        Self::Enum,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Text => "text",
            Self::Integer => "integer",
            Self::Float => "float",
            Self::Boolean => "boolean",
            Self::Date => "date",
            Self::Url => "url",
            Self::Enum => "enum",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_lowercase();
        // TheHive's names for the same types.
        let s = match s.as_str() {
            "number" => "float",
            "datetime" => "date",
            other => other,
        };
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                format!("Unknown field type \u{201c}{s}\u{201d}: use string, text, integer, float, boolean, date, url or enum.")
            })
    }

    /// Filters compare the stored number (integer, float, date) ...
    pub fn is_numeric(self) -> bool {
        matches!(self, Self::Integer | Self::Float | Self::Date)
    }

    /// ... or the stored key (string, enum, boolean); text and URLs are not filterable.
    pub fn is_keyed(self) -> bool {
        matches!(self, Self::String | Self::Enum | Self::Boolean)
    }
}

/// When a field must have a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Mandatory {
    Never,
    /// A case cannot be opened without it (a default counts).
    OnOpen,
    /// A case cannot be closed without it.
    BeforeClose,
}

impl Mandatory {
    pub const ALL: [Mandatory; 3] = [Self::Never, Self::OnOpen, Self::BeforeClose];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::OnOpen => "on_open",
            Self::BeforeClose => "before_close",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Never => "Optional",
            Self::OnOpen => "Required to open a case",
            Self::BeforeClose => "Required to close a case",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "Unknown `mandatory` \u{201c}{s}\u{201d}: use never, on_open or before_close."
                )
            })
    }
}

/// A field as administrators define it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldDef {
    pub field_id: i64,
    /// The machine name integrations send (`business_unit`); never changes.
    pub name: String,
    pub label: String,
    pub description: String,
    pub field_type: FieldType,
    /// An enum's options, in the order forms show them.
    pub options: Vec<String>,
    pub on_cases: bool,
    pub on_alerts: bool,
    pub mandatory: Mandatory,
    /// Given to a new case (or alert) that does not say otherwise.
    #[cfg_attr(feature = "ssr", schema(value_type = Option<serde_json::Value>))]
    pub default: Option<Value>,
    /// Forms and lists show fields by this, then by name.
    pub position: i64,
    /// Retired fields are hidden from forms; their values are kept and still shown.
    pub retired: bool,
    pub version: i64,
    pub updated_at: i64,
}

impl FieldDef {
    pub fn applies_to(&self, target: Target) -> bool {
        match target {
            Target::Case => self.on_cases,
            Target::Alert => self.on_alerts,
        }
    }

    /// The definition as checked input, for an edit to start from.
    pub fn to_input(&self) -> FieldInput {
        FieldInput {
            name: self.name.clone(),
            label: self.label.clone(),
            description: self.description.clone(),
            field_type: self.field_type.as_str().to_owned(),
            options: self.options.clone(),
            on_cases: self.on_cases,
            on_alerts: self.on_alerts,
            mandatory: self.mandatory.as_str().to_owned(),
            default: self.default.clone(),
            position: self.position,
        }
    }
}

/// What a field is set on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Case,
    Alert,
}

impl Target {
    pub fn noun(self) -> &'static str {
        match self {
            Self::Case => "case",
            Self::Alert => "alert",
        }
    }
}

/// A definition as sent, before checking.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({"name": "business_unit", "label": "Business unit", "description": "Who was hit", "field_type": "enum", "options": ["Finance", "HR", "Retail"], "on_cases": true, "on_alerts": true, "mandatory": "before_close", "default": null, "position": 1})))]
pub struct FieldInput {
    pub name: String,
    pub label: String,
    #[serde(default)]
    pub description: String,
    /// string, text, integer, float, boolean, date, url or enum.
    pub field_type: String,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default = "yes")]
    pub on_cases: bool,
    #[serde(default)]
    pub on_alerts: bool,
    /// never (default), on_open or before_close.
    #[serde(default = "never")]
    pub mandatory: String,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<serde_json::Value>))]
    pub default: Option<Value>,
    #[serde(default)]
    pub position: i64,
}

fn yes() -> bool {
    true
}

fn never() -> String {
    "never".into()
}

/// A definition as the admin page's form sends it (all text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldForm {
    pub name: String,
    pub label: String,
    pub description: String,
    pub field_type: String,
    /// An enum's options, one per line.
    pub options: String,
    /// cases, alerts or both.
    pub applies_to: String,
    pub mandatory: String,
    pub default: String,
    pub position: i64,
}

/// A checked definition.
#[derive(Debug, Clone, PartialEq)]
pub struct NewField {
    pub name: String,
    pub label: String,
    pub description: String,
    pub field_type: FieldType,
    pub options: Vec<String>,
    pub on_cases: bool,
    pub on_alerts: bool,
    pub mandatory: Mandatory,
    pub default: Option<Checked>,
    pub position: i64,
}

/// Longest machine name.
pub const MAX_NAME_CHARS: usize = 64;
/// Longest `string` value: 255 characters are at most 1,020 bytes, which both databases'
/// indexes hold.
pub const MAX_STRING_CHARS: usize = 255;
/// Longest `text` value.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// Longest `url` value, in bytes.
pub const MAX_URL_BYTES: usize = 4096;
/// Most options an enum field has, and the longest option.
pub const MAX_OPTIONS: usize = 200;
const MAX_OPTION_CHARS: usize = 100;
/// Largest integer kept exactly (integers are stored as 64-bit floats for range filters).
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

impl FieldInput {
    pub fn check(&self) -> Result<NewField, String> {
        let name = check_name(&self.name)?;
        let label = required("label", &self.label, 100)?;
        let description = optional("description", &self.description, 2000)?;
        let field_type = FieldType::parse(&self.field_type)?;
        let mut options: Vec<String> = Vec::new();
        if field_type == FieldType::Enum {
            if self.options.len() > MAX_OPTIONS {
                return Err(format!("An enum field has at most {MAX_OPTIONS} options."));
            }
            for o in &self.options {
                let o = required("options[]", o, MAX_OPTION_CHARS)?;
                if !options.contains(&o) {
                    options.push(o);
                }
            }
            if options.is_empty() {
                return Err("An enum field needs its options (`options`).".into());
            }
        } else if !self.options.is_empty() {
            return Err(format!(
                "Only enum fields have options; a {} field takes any valid value.",
                field_type.as_str()
            ));
        }
        if !self.on_cases && !self.on_alerts {
            return Err("A field applies to cases, alerts or both.".into());
        }
        let mandatory = Mandatory::parse(&self.mandatory)?;
        let mut field = NewField {
            name,
            label,
            description,
            field_type,
            options,
            on_cases: self.on_cases,
            on_alerts: self.on_alerts,
            mandatory,
            default: None,
            position: self.position.clamp(-1_000_000, 1_000_000),
        };
        field.default = match &self.default {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(v) => Some(check_value(&field.rule(), v).map_err(|e| format!("Default: {e}"))?),
        };
        Ok(field)
    }
}

impl NewField {
    pub fn rule(&self) -> Rule<'_> {
        Rule {
            name: &self.name,
            field_type: self.field_type,
            options: &self.options,
        }
    }
}

impl FieldDef {
    pub fn rule(&self) -> Rule<'_> {
        Rule {
            name: &self.name,
            field_type: self.field_type,
            options: &self.options,
        }
    }
}

/// What a value is checked against.
#[derive(Debug, Clone, Copy)]
pub struct Rule<'a> {
    pub name: &'a str,
    pub field_type: FieldType,
    pub options: &'a [String],
}

/// A lowercase machine name: a letter, then letters, digits and underscores. TheHive's
/// camelCase names (`businessUnit`) are kept as sent, so integrations match them exactly.
pub fn check_name(name: &str) -> Result<String, String> {
    let n = name.trim();
    let mut chars = n.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && n.len() <= MAX_NAME_CHARS;
    if !ok {
        return Err(format!(
            "Field name \u{201c}{n}\u{201d}: use a letter, then letters, digits, `_` or `-` (at most {MAX_NAME_CHARS})."
        ));
    }
    Ok(n.to_owned())
}

/// A field's value on one case or alert, for pages and the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldValue {
    pub name: String,
    pub label: String,
    pub field_type: FieldType,
    #[cfg_attr(feature = "ssr", schema(value_type = serde_json::Value))]
    pub value: Value,
    /// The field was retired: shown, no longer edited.
    pub retired: bool,
}

impl FieldValue {
    /// The value as a person reads it.
    pub fn shown(&self) -> String {
        match &self.value {
            Value::String(s) => s.clone(),
            Value::Bool(true) => "Yes".into(),
            Value::Bool(false) => "No".into(),
            other => other.to_string(),
        }
    }
}

/// What a record's fields panel shows: the fields a form offers, the values, and whether the
/// viewer may change them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordFields {
    pub fields: Vec<FieldDef>,
    pub values: Vec<FieldValue>,
    pub can_edit: bool,
}

/// Values to set, by field name; `null` clears a value.
pub type ValueMap = BTreeMap<String, Value>;

pub use filters::{FieldFilter, FieldMatch};
pub use sorting::{FieldCursor, FieldSort, SortKey, SortRequest};
pub use values::{Checked, check_value, date_text};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn definitions_need_options_for_enums_and_a_target() {
        let mut f = FieldInput {
            name: "business_unit".into(),
            label: "Business unit".into(),
            field_type: "enum".into(),
            on_cases: true,
            mandatory: "never".into(),
            ..Default::default()
        };
        assert!(f.check().unwrap_err().contains("options"));
        f.options = vec!["Finance".into(), "Finance".into(), "HR".into()];
        f.default = Some(json!("hr"));
        let checked = f.check().unwrap();
        assert_eq!(checked.options, ["Finance", "HR"]);
        assert_eq!(checked.default.unwrap().value, json!("HR"));
        f.on_cases = false;
        assert!(f.check().is_err());
        assert!(check_name("1st").is_err());
        assert!(check_name("businessUnit").is_ok());
    }
}
