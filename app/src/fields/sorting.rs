//! Lists sorted by one custom field: what a `sort` asks for, and where a sorted page stopped.
//!
//! A sorted list shows the records that have a value first, by that value (ties by id in the
//! same direction, so the `(field, value, id)` index serves the order), then the records
//! without one, newest first. Each part is its own keyset walk; the cursor says which part a
//! page stopped in.

use serde::{Deserialize, Serialize};

use super::FieldDef;

/// A `sort` a list was asked for: a field's name, `-name` for descending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortRequest {
    pub name: String,
    pub descending: bool,
}

impl SortRequest {
    /// `None` for the list's own order (blank, or `newest`).
    pub fn parse(s: Option<&str>) -> Option<Self> {
        let s = s
            .map(str::trim)
            .filter(|s| !s.is_empty() && *s != "newest")?;
        let (name, descending) = match s.strip_prefix('-') {
            Some(n) => (n, true),
            None => (s.strip_prefix('+').unwrap_or(s), false),
        };
        Some(Self {
            name: name.trim().to_owned(),
            descending,
        })
    }

    /// The sort checked against its field.
    pub fn check(&self, def: &FieldDef) -> Result<FieldSort, String> {
        if !def.field_type.is_keyed() && !def.field_type.is_numeric() {
            return Err(format!(
                "`{}` is a {} field; lists sort by string, enum, boolean, number and date fields.",
                def.name,
                def.field_type.as_str()
            ));
        }
        Ok(FieldSort {
            field_id: def.field_id,
            numeric: def.field_type.is_numeric(),
            descending: self.descending,
        })
    }
}

/// A sort checked against its field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldSort {
    pub field_id: i64,
    /// Sorts by the stored number (integer, float, date), else by the stored key.
    pub numeric: bool,
    pub descending: bool,
}

/// The sortable form of one stored value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SortKey {
    Number(f64),
    Key(String),
}

/// Where the valued walk resumes: after this (value, id), or from its beginning.
pub type ValuedAfter<'a> = Option<(&'a SortKey, i64)>;

/// Where a sorted page stopped: at a record with a value, or among those without.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FieldCursor {
    Valued { key: SortKey, id: i64 },
    Blank { id: i64 },
}

impl FieldCursor {
    /// The cursor as it travels in a URL: `n.<id>.<number>`, `k.<id>.<key>` or `b.<id>`.
    pub fn to_param(&self) -> String {
        match self {
            // `{}` on an f64 prints the shortest text that reads back to the same number.
            Self::Valued {
                key: SortKey::Number(n),
                id,
            } => format!("n.{id}.{n}"),
            Self::Valued {
                key: SortKey::Key(k),
                id,
            } => format!("k.{id}.{k}"),
            Self::Blank { id } => format!("b.{id}"),
        }
    }

    pub fn from_param(s: &str) -> Option<Self> {
        let (kind, rest) = s.split_once('.')?;
        if kind == "b" {
            return Some(Self::Blank {
                id: rest.parse().ok()?,
            });
        }
        let (id, value) = rest.split_once('.')?;
        let id = id.parse().ok()?;
        let key = match kind {
            "n" => SortKey::Number(value.parse().ok().filter(|n: &f64| n.is_finite())?),
            "k" => SortKey::Key(value.to_owned()),
            _ => return None,
        };
        Some(Self::Valued { key, id })
    }

    /// Where the next page's two walks start: the valued part (`None` once a page has left
    /// it; `Some(None)` from its beginning) and the blank part (before this id).
    pub fn walks(after: Option<&FieldCursor>) -> (Option<ValuedAfter<'_>>, Option<i64>) {
        match after {
            None => (Some(None), None),
            Some(Self::Valued { key, id }) => (Some(Some((key, *id))), None),
            Some(Self::Blank { id }) => (None, Some(*id)),
        }
    }

    /// True for a cursor of a sorted list (the lists' own cursors start with a digit).
    pub fn looks_like(s: &str) -> bool {
        s.starts_with(|c: char| c.is_ascii_alphabetic())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_requests_read_a_name_and_a_direction() {
        assert_eq!(SortRequest::parse(None), None);
        assert_eq!(SortRequest::parse(Some(" newest ")), None);
        assert_eq!(
            SortRequest::parse(Some("-business_unit")),
            Some(SortRequest {
                name: "business_unit".into(),
                descending: true
            })
        );
        assert_eq!(
            SortRequest::parse(Some("impact")).map(|s| s.descending),
            Some(false)
        );
    }

    #[test]
    fn cursors_read_back_as_written() {
        for c in [
            FieldCursor::Valued {
                key: SortKey::Number(0.1 + 0.2),
                id: 7,
            },
            FieldCursor::Valued {
                key: SortKey::Number(-1.5e300),
                id: 1,
            },
            FieldCursor::Valued {
                key: SortKey::Key("Finance. Retail.".into()),
                id: 42,
            },
            FieldCursor::Valued {
                key: SortKey::Key(String::new()),
                id: 3,
            },
            FieldCursor::Blank { id: 9 },
        ] {
            let p = c.to_param();
            assert!(FieldCursor::looks_like(&p));
            assert_eq!(FieldCursor::from_param(&p), Some(c));
        }
        for bad in ["", "x.1.2", "n.1.nan", "n.one.2", "b.", "k.5"] {
            assert_eq!(FieldCursor::from_param(bad), None, "{bad}");
        }
        assert!(!FieldCursor::looks_like("123"));
    }
}
