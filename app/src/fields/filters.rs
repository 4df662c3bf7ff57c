//! List filters by one custom field: a keyed field equal to a value, a numeric one in a range.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{FieldDef, check_value};

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
    Key {
        field_id: i64,
        key: String,
    },
    Range {
        field_id: i64,
        from: Option<f64>,
        to: Option<f64>,
    },
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
            let v = given(&self.equals)
                .ok_or_else(|| format!("Filter on `{}`: give the value to match.", def.name))?;
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
                return Ok(FieldMatch::Range {
                    field_id: def.field_id,
                    from: n,
                    to: n,
                });
            }
            return Ok(FieldMatch::Range {
                field_id: def.field_id,
                from,
                to,
            });
        }
        Err(format!(
            "`{}` is a {} field; lists filter by string, enum, boolean, number and date fields.",
            def.name,
            def.field_type.as_str()
        ))
    }
}
