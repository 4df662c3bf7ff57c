//! Checking a custom field's value against its type and options: typed JSON or the text a
//! form sends, dates in the forms people and TheHive write them.

use serde_json::Value;

use super::{
    FieldType, MAX_OPTION_CHARS, MAX_SAFE_INTEGER, MAX_STRING_CHARS, MAX_TEXT_CHARS, MAX_URL_BYTES,
    Rule,
};
use crate::validate::required;

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
                return Err(format!("`{name}` is one line; a text field holds several."));
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
                && s.split_once("://").is_some_and(|(_, rest)| {
                    !rest.starts_with(['/', '?', '#']) && !rest.is_empty()
                });
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
    use time::{
        Date, OffsetDateTime, format_description::well_known::Rfc3339, macros::format_description,
    };
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(t: FieldType, options: &[String]) -> Rule<'_> {
        Rule {
            name: "f",
            field_type: t,
            options,
        }
    }

    #[test]
    fn values_are_checked_for_their_type_with_the_field_named() {
        let opts = vec!["Finance".to_owned(), "HR".to_owned()];
        let e = rule(FieldType::Enum, &opts);
        assert_eq!(
            check_value(&e, &json!("finance")).unwrap().key.as_deref(),
            Some("Finance")
        );
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
        assert_eq!(
            check_value(&d, &json!(1_796_342_400_000_i64))
                .unwrap()
                .value,
            day.value
        );
        assert_eq!(
            check_value(&d, &json!("2026-12-04T09:30:00+01:00"))
                .unwrap()
                .value,
            json!("2026-12-04T08:30:00Z")
        );
        let s = rule(FieldType::String, &[]);
        assert!(
            check_value(&s, &json!("a\u{0}b"))
                .unwrap_err()
                .contains("control")
        );
        assert!(check_value(&s, &json!("two\nlines")).is_err());
        assert!(check_value(&s, &json!("x".repeat(256))).is_err());
        let u = rule(FieldType::Url, &[]);
        assert!(check_value(&u, &json!("https://desk.example/T-1")).is_ok());
        assert!(check_value(&u, &json!("javascript:alert(1)")).is_err());
    }
}
