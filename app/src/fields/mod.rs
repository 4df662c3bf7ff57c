//! Custom fields: what a SOC records that Casefile has no column for (business unit, the
//! service-desk ticket, the regulator notified). This file holds the shared types and the pure
//! rules: the field types, what a valid definition and a valid value are. No I/O.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

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
                format!("Unknown `mandatory` \u{201c}{s}\u{201d}: use never, on_open or before_close.")
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

/// A checked value: what the API shows, and what filters read.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The value as the API shows it: a string, a number, a boolean, or a date as RFC 3339.
    pub value: Value,
    /// The text filters match exactly (string, enum, boolean).
    pub key: Option<String>,
    /// The number range filters compare (integer, float, date in Unix milliseconds).
    pub number: Option<f64>,
}

/// Checks `v` for a field: typed JSON, or text as a form sends it ("42", "true",
/// "2026-12-04"). Dates are also taken as Unix milliseconds, as TheHive sends them. `null`
/// is not a value (it clears one); callers handle it before.
pub fn check_value(rule: &Rule<'_>, v: &Value) -> Result<Checked, String> {
    let name = rule.name;
    let text = |max: usize| -> Result<String, String> {
        match v {
            Value::String(s) => required(name, s, max),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            _ => Err(format!("`{name}` takes text.")),
        }
    };
    let keyed = |s: String| Checked {
        value: Value::String(s.clone()),
        key: Some(s),
        number: None,
    };
    match rule.field_type {
        FieldType::String => {
            let s = text(MAX_STRING_CHARS)?;
            if s.contains(['\n', '\r']) {
                return Err(format!(
                    "`{name}` is one line; a text field holds several."
                ));
            }
            Ok(keyed(s))
        }
        FieldType::Text => Ok(Checked {
            value: Value::String(text(MAX_TEXT_CHARS)?),
            key: None,
            number: None,
        }),
        FieldType::Url => {
            let s = text(MAX_URL_BYTES)?;
            let lower = s.to_ascii_lowercase();
            let ok = (lower.starts_with("https://") || lower.starts_with("http://"))
                && !s.contains(char::is_whitespace)
                && s.len() <= MAX_URL_BYTES
                && s.split_once("://")
                    .is_some_and(|(_, rest)| !rest.starts_with(['/', '?', '#']) && !rest.is_empty());
            if !ok {
                return Err(format!(
                    "`{name}` takes a web address (http:// or https://, a host, no spaces, at most {MAX_URL_BYTES} bytes)."
                ));
            }
            Ok(Checked {
                value: Value::String(s),
                key: None,
                number: None,
            })
        }
        FieldType::Enum => {
            let s = text(MAX_OPTION_CHARS)?;
            let option = rule
                .options
                .iter()
                .find(|o| o.eq_ignore_ascii_case(&s))
                .ok_or_else(|| {
                    format!(
                        "`{name}` is one of {}; not \u{201c}{s}\u{201d}.",
                        rule.options.join(", ")
                    )
                })?;
            Ok(keyed(option.clone()))
        }
        FieldType::Boolean => {
            let b = match v {
                Value::Bool(b) => Some(*b),
                Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                    "true" | "yes" | "on" | "1" => Some(true),
                    "false" | "no" | "off" | "0" => Some(false),
                    _ => None,
                },
                _ => None,
            }
            .ok_or_else(|| format!("`{name}` is true or false."))?;
            Ok(Checked {
                value: Value::Bool(b),
                key: Some(b.to_string()),
                number: None,
            })
        }
        FieldType::Integer => {
            let n = match v {
                Value::Number(n) => n.as_i64().or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() <= MAX_SAFE_INTEGER as f64)
                        .map(|f| f as i64)
                }),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            }
            .ok_or_else(|| format!("`{name}` takes a whole number."))?;
            if n.abs() > MAX_SAFE_INTEGER {
                return Err(format!(
                    "`{name}` is out of range (at most {MAX_SAFE_INTEGER} either way)."
                ));
            }
            Ok(Checked {
                value: Value::from(n),
                key: None,
                number: Some(n as f64),
            })
        }
        FieldType::Float => {
            let f = match v {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            }
            .filter(|f| f.is_finite())
            .ok_or_else(|| format!("`{name}` takes a number."))?;
            let value = serde_json::Number::from_f64(f)
                .map(Value::Number)
                .ok_or_else(|| format!("`{name}` takes a number."))?;
            Ok(Checked {
                value,
                key: None,
                number: Some(f),
            })
        }
        FieldType::Date => {
            let millis = match v {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => parse_date(s),
                _ => None,
            }
            .filter(|m| (MIN_DATE..=MAX_DATE).contains(m))
            .ok_or_else(|| {
                format!(
                    "`{name}` takes a date (2026-12-04), a date and time (2026-12-04T09:30:00Z) or Unix milliseconds."
                )
            })?;
            Ok(Checked {
                value: Value::String(date_text(millis)),
                key: None,
                number: Some(millis as f64),
            })
        }
    }
}

/// Dates between the years 1900 and 9999.
const MIN_DATE: i64 = -2_208_988_800_000;
const MAX_DATE: i64 = 253_402_300_799_000;

fn parse_date(s: &str) -> Option<i64> {
    use time::{Date, OffsetDateTime, format_description::well_known::Rfc3339, macros::format_description};
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some((t.unix_timestamp_nanos() / 1_000_000) as i64);
    }
    if let Ok(d) = Date::parse(s, format_description!("[year]-[month]-[day]")) {
        return Some(d.midnight().assume_utc().unix_timestamp() * 1000);
    }
    s.parse::<i64>().ok()
}

/// A date value as shown: the calendar date when it is a midnight UTC, else RFC 3339.
pub fn date_text(millis: i64) -> String {
    use time::{OffsetDateTime, format_description::well_known::Rfc3339};
    let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000) else {
        return millis.to_string();
    };
    if t.time() == time::Time::MIDNIGHT {
        return t.date().to_string();
    }
    t.format(&Rfc3339).unwrap_or_else(|_| millis.to_string())
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

/// One filter on a list: a keyed field equal to a value, or a numeric field in a range.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldFilter {
    pub name: String,
    /// Exact value (string, enum, boolean).
    #[serde(default)]
    pub equals: Option<String>,
    /// Inclusive bounds (integer, float, date), as text a form sends.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
}

/// A filter checked against its field.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldMatch {
    Key { field_id: i64, key: String },
    Range { field_id: i64, from: Option<f64>, to: Option<f64> },
}

impl FieldFilter {
    /// The filter a list's query parameters ask for (`field`, `field_value`, `field_from`,
    /// `field_to`), or `None`.
    pub fn from_params(
        name: &Option<String>,
        equals: &Option<String>,
        from: &Option<String>,
        to: &Option<String>,
    ) -> Option<Self> {
        let f = Self {
            name: name.clone().unwrap_or_default(),
            equals: equals.clone(),
            from: from.clone(),
            to: to.clone(),
        };
        (!f.is_empty()).then_some(f)
    }

    /// True when the filter asks for nothing.
    pub fn is_empty(&self) -> bool {
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
        self.name.trim().is_empty() || (blank(&self.equals) && blank(&self.from) && blank(&self.to))
    }

    pub fn check(&self, def: &FieldDef) -> Result<FieldMatch, String> {
        let rule = def.rule();
        fn given(s: &Option<String>) -> Option<&str> {
            s.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        if def.field_type.is_keyed() {
            let v = given(&self.equals).ok_or_else(|| {
                format!("Filter on `{}`: give the value to match.", def.name)
            })?;
            let c = check_value(&rule, &Value::String(v.to_owned()))
                .map_err(|e| format!("Filter: {e}"))?;
            return Ok(FieldMatch::Key {
                field_id: def.field_id,
                key: c.key.unwrap_or_default(),
            });
        }
        if def.field_type.is_numeric() {
            let bound = |s: &Option<String>| -> Result<Option<f64>, String> {
                given(s)
                    .map(|v| {
                        check_value(&rule, &Value::String(v.to_owned()))
                            .map(|c| c.number.unwrap_or_default())
                            .map_err(|e| format!("Filter: {e}"))
                    })
                    .transpose()
            };
            let (from, to) = (bound(&self.from)?, bound(&self.to)?);
            if let Some(v) = given(&self.equals) {
                let n = bound(&Some(v.to_owned()))?;
                return Ok(FieldMatch::Range { field_id: def.field_id, from: n, to: n });
            }
            return Ok(FieldMatch::Range { field_id: def.field_id, from, to });
        }
        Err(format!(
            "`{}` is a {} field; lists filter by string, enum, boolean, number and date fields.",
            def.name,
            def.field_type.as_str()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(t: FieldType, options: &[String]) -> Rule<'_> {
        Rule { name: "f", field_type: t, options }
    }

    #[test]
    fn values_are_checked_for_their_type_with_the_field_named() {
        let opts = vec!["Finance".to_owned(), "HR".to_owned()];
        let e = rule(FieldType::Enum, &opts);
        assert_eq!(check_value(&e, &json!("finance")).unwrap().key.as_deref(), Some("Finance"));
        let err = check_value(&e, &json!("Legal")).unwrap_err();
        assert!(err.contains("`f`") && err.contains("Finance, HR"), "{err}");
        let i = rule(FieldType::Integer, &[]);
        assert_eq!(check_value(&i, &json!("42")).unwrap().value, json!(42));
        assert!(check_value(&i, &json!(1.5)).is_err());
        assert!(check_value(&i, &json!(9_007_199_254_740_993_i64)).is_err());
        let f = rule(FieldType::Float, &[]);
        assert_eq!(check_value(&f, &json!("2.5")).unwrap().number, Some(2.5));
        assert!(check_value(&f, &json!("NaN")).is_err());
        let b = rule(FieldType::Boolean, &[]);
        assert_eq!(check_value(&b, &json!("yes")).unwrap().value, json!(true));
        assert!(check_value(&b, &json!("maybe")).is_err());
        let d = rule(FieldType::Date, &[]);
        let day = check_value(&d, &json!("2026-12-04")).unwrap();
        assert_eq!(day.value, json!("2026-12-04"));
        assert_eq!(check_value(&d, &json!(1_796_342_400_000_i64)).unwrap().value, day.value);
        assert_eq!(
            check_value(&d, &json!("2026-12-04T09:30:00+01:00")).unwrap().value,
            json!("2026-12-04T08:30:00Z")
        );
        let s = rule(FieldType::String, &[]);
        assert!(check_value(&s, &json!("a\u{0}b")).unwrap_err().contains("control"));
        assert!(check_value(&s, &json!("two\nlines")).is_err());
        assert!(check_value(&s, &json!("x".repeat(256))).is_err());
        let u = rule(FieldType::Url, &[]);
        assert!(check_value(&u, &json!("https://desk.example/T-1")).is_ok());
        assert!(check_value(&u, &json!("javascript:alert(1)")).is_err());
    }

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
