//! TheHive 3/4's search language (the v0 API's `POST /api/<entity>/_search`): one JSON
//! criterion such as `{"_and": [{"_field": "source", "_value": "wazuh"}, {"_gt": {"tlp": 1}}]}`,
//! plus the `range` (`all`, `0-10`) and `sort` (`-createdAt`) parameters. Parsed into the same
//! [`Filter`] as the v1 query language, so one SQL compiler serves both.

use serde_json::Value;

use super::query::{Filter, MAX_PAGE, Op};

/// Parses a v0 criterion; `{}` or `null` matches everything.
pub fn parse(v: &Value) -> Result<Filter, String> {
    let obj = match v {
        Value::Null => return Ok(Filter::All),
        Value::Object(o) => o,
        _ => return Err("A search query is a JSON object.".into()),
    };
    if obj.is_empty() {
        return Ok(Filter::All);
    }
    // `{"_field": f, "_value": v}`: equality, TheHive 3/4's most common criterion.
    if let Some(field) = obj.get("_field") {
        let field = field.as_str().ok_or("`_field` is a field name.")?;
        let value = obj.get("_value").ok_or("`_field` needs `_value`.")?;
        return Ok(Filter::Cmp {
            field: field.to_owned(),
            op: Op::Eq,
            value: value.clone(),
        });
    }
    if obj.len() != 1 {
        // Several criteria side by side (`{"_type": "case", "_and": [...]}`) all apply.
        let parts = obj
            .iter()
            .map(|(k, v)| {
                parse(&Value::Object(
                    [(k.clone(), v.clone())].into_iter().collect(),
                ))
            })
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Filter::And(parts));
    }
    let (key, body) = obj.iter().next().ok_or("A query is empty.")?;
    match key.as_str() {
        "_and" => Ok(Filter::And(list(body, key)?)),
        "_or" => Ok(Filter::Or(list(body, key)?)),
        "_not" => Ok(Filter::Not(Box::new(parse(body)?))),
        "_gt" => compare(body, key, Op::Gt),
        "_gte" => compare(body, key, Op::Gte),
        "_lt" => compare(body, key, Op::Lt),
        "_lte" => compare(body, key, Op::Lte),
        "_ne" => compare(body, key, Op::Ne),
        "_eq" => compare(body, key, Op::Eq),
        "_like" | "_wildcard" => {
            let (field, value) = field_value(body, key)?;
            Ok(Filter::Cmp {
                field,
                op: Op::Like,
                value,
            })
        }
        "_in" => {
            let field = str_of(body, "_field", key)?;
            let values = body
                .get("_values")
                .and_then(Value::as_array)
                .ok_or("`_in` needs `_values`: a list.")?;
            if values.is_empty() {
                // Nothing can be in an empty list.
                return Ok(Filter::Not(Box::new(Filter::All)));
            }
            if values.len() > 1000 {
                return Err("`_in` takes at most 1000 values.".into());
            }
            Ok(Filter::In {
                field,
                values: values.clone(),
            })
        }
        "_between" => Ok(Filter::Between {
            field: str_of(body, "_field", key)?,
            from: body
                .get("_from")
                .cloned()
                .ok_or("`_between` needs `_from`.")?,
            to: body.get("_to").cloned().ok_or("`_between` needs `_to`.")?,
        }),
        "_id" => Ok(Filter::Id(body.clone())),
        "_contains" => Ok(Filter::Exists(
            body.as_str()
                .ok_or("`_contains` names a field.")?
                .to_owned(),
        )),
        // The entity is already named by the route.
        "_type" => Ok(Filter::All),
        "_parent" => {
            let parent_type = str_of(body, "_type", key)?;
            let filter = match (body.get("_id"), body.get("_query")) {
                (Some(id), _) => Filter::Id(id.clone()),
                (None, Some(q)) => parse(q)?,
                (None, None) => return Err("`_parent` needs `_id` or `_query`.".into()),
            };
            Ok(Filter::Parent {
                parent_type,
                filter: Box::new(filter),
            })
        }
        "_child" => Ok(Filter::Child {
            child_type: str_of(body, "_type", key)?,
            filter: Box::new(parse(
                body.get("_query").ok_or("`_child` needs `_query`.")?,
            )?),
        }),
        "_string" => query_string(body.as_str().ok_or("`_string` is a query string.")?),
        other => Err(format!(
            "The search criterion `{other}` is not supported by Casefile's TheHive API."
        )),
    }
}

fn list(v: &Value, op: &str) -> Result<Vec<Filter>, String> {
    v.as_array()
        .ok_or_else(|| format!("`{op}` takes a list of criteria."))?
        .iter()
        .map(parse)
        .collect()
}

fn str_of(body: &Value, key: &str, op: &str) -> Result<String, String> {
    body.get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("`{op}` needs `{key}`."))
}

fn field_value(body: &Value, op: &str) -> Result<(String, Value), String> {
    let field = str_of(body, "_field", op)?;
    let value = body
        .get("_value")
        .cloned()
        .ok_or_else(|| format!("`{op}` needs `_value`."))?;
    Ok((field, value))
}

/// `{"_gt": {"tlp": 1}}`, or the `_field`/`_value` form some clients send.
fn compare(body: &Value, op_name: &str, op: Op) -> Result<Filter, String> {
    if body.get("_field").is_some() {
        let (field, value) = field_value(body, op_name)?;
        return Ok(Filter::Cmp { field, op, value });
    }
    let (field, value) = body
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.iter().next())
        .ok_or_else(|| format!("`{op_name}` takes {{field: value}}."))?;
    Ok(Filter::Cmp {
        field: field.clone(),
        op,
        value: value.clone(),
    })
}

/// The `_string` criterion as integrations use it: `field:value` terms joined by whitespace or
/// `AND` (all must hold), values optionally quoted, `*` as a wildcard. Lucene's full syntax
/// (OR, ranges, grouping) is refused with a message rather than misread.
fn query_string(q: &str) -> Result<Filter, String> {
    let mut terms = Vec::new();
    let mut rest = q.trim();
    while !rest.is_empty() {
        let (field, after) = rest.split_once(':').ok_or_else(|| {
            format!("`_string` supports field:value terms; \u{201c}{rest}\u{201d} has no field.")
        })?;
        let field = field.trim();
        if field.is_empty() || field.contains(char::is_whitespace) || field.starts_with('(') {
            return Err(format!(
                "`_string` supports field:value terms joined by AND, not \u{201c}{q}\u{201d}."
            ));
        }
        let after = after.trim_start();
        let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or("A quoted value in `_string` is not closed.")?;
            (quoted[..end].to_owned(), &quoted[end + 1..])
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            (after[..end].to_owned(), &after[end..])
        };
        let op = if value.contains('*') {
            Op::Like
        } else {
            Op::Eq
        };
        terms.push(Filter::Cmp {
            field: field.to_owned(),
            op,
            value: Value::String(value),
        });
        rest = tail.trim_start();
        if let Some(r) = rest.strip_prefix("AND ") {
            rest = r.trim_start();
        } else if rest.starts_with("OR ") || rest.starts_with("NOT ") {
            return Err("`_string` supports terms joined by AND only; use _or and _not.".into());
        }
    }
    match terms.len() {
        0 => Ok(Filter::All),
        1 => Ok(terms.remove(0)),
        _ => Ok(Filter::And(terms)),
    }
}

/// The `range` parameter as (offset, limit): `all` (at most [`MAX_PAGE`]), `A-B`, or absent.
pub fn parse_range(range: Option<&str>) -> Result<(i64, i64), String> {
    let r = range.map(str::trim).unwrap_or("0-10");
    if r.is_empty() || r == "all" {
        return Ok((0, MAX_PAGE));
    }
    let (from, to) = r
        .split_once('-')
        .and_then(|(a, b)| Some((a.trim().parse::<i64>().ok()?, b.trim().parse::<i64>().ok()?)))
        .filter(|(a, b)| *a >= 0 && b >= a)
        .ok_or_else(|| {
            format!("`range` is `all` or `from-to` (e.g. 0-10), not \u{201c}{r}\u{201d}.")
        })?;
    if to - from > MAX_PAGE {
        return Err(format!("A range holds at most {MAX_PAGE} records."));
    }
    Ok((from, to - from))
}

/// The `sort` parameters (`-createdAt`, `+title`, `title`) as (field, ascending). A value may
/// also be a JSON list, as some clients send it.
pub fn parse_sort(values: &[String]) -> Vec<(String, bool)> {
    values
        .iter()
        .flat_map(|v| match serde_json::from_str::<Vec<String>>(v) {
            Ok(list) => list,
            Err(_) => v.split(',').map(str::to_owned).collect(),
        })
        .filter_map(|f| {
            let f = f.trim();
            let (field, asc) = match f.strip_prefix('-') {
                Some(rest) => (rest, false),
                None => (f.strip_prefix('+').unwrap_or(f), true),
            };
            (!field.is_empty()).then(|| (field.to_owned(), asc))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn thehive4py_1_criteria_parse() {
        let q = json!({"_and": [
            {"_field": "status", "_value": "New"},
            {"_gt": {"tlp": 1}},
            {"_between": {"_field": "severity", "_from": 1, "_to": 3}},
            {"_not": {"_in": {"_field": "source", "_values": ["a", "b"]}}},
            {"_wildcard": {"_field": "title", "_value": "*brute*"}},
        ]});
        let Filter::And(parts) = parse(&q).unwrap() else {
            panic!("an _and")
        };
        assert_eq!(parts.len(), 5);
        assert!(matches!(&parts[1], Filter::Cmp { field, op: Op::Gt, .. } if field == "tlp"));
        assert!(matches!(&parts[4], Filter::Cmp { op: Op::Like, .. }));
        assert_eq!(parse(&json!({})).unwrap(), Filter::All);
    }

    #[test]
    fn parents_children_and_strings() {
        let f = parse(&json!({"_parent": {"_type": "case", "_query": {"_id": "~4"}}})).unwrap();
        assert!(matches!(f, Filter::Parent { ref parent_type, ref filter }
                if parent_type == "case" && **filter == Filter::Id(json!("~4"))));
        let f = parse(&json!({"_child": {"_type": "case_artifact",
            "_query": {"_field": "data", "_value": "1.2.3.4"}}}))
        .unwrap();
        assert!(matches!(f, Filter::Child { .. }));
        let Filter::And(terms) =
            parse(&json!({"_string": "source:wazuh AND title:\"SSH brute*\""})).unwrap()
        else {
            panic!("two terms")
        };
        assert!(matches!(&terms[1], Filter::Cmp { op: Op::Like, value, .. }
            if value == "SSH brute*"));
        let err = parse(&json!({"_string": "a:1 OR b:2"})).unwrap_err();
        assert!(err.contains("AND"), "{err}");
        let err = parse(&json!({"_regexp": {"a": 1}})).unwrap_err();
        assert!(err.contains("_regexp"), "{err}");
    }

    #[test]
    fn ranges_and_sorts() {
        assert_eq!(parse_range(Some("all")), Ok((0, MAX_PAGE)));
        assert_eq!(parse_range(Some("10-15")), Ok((10, 5)));
        assert_eq!(parse_range(None), Ok((0, 10)));
        assert!(parse_range(Some("5-2")).is_err());
        assert!(parse_range(Some("0-5000")).is_err());
        assert_eq!(
            parse_sort(&["-createdAt".into(), "+title".into()]),
            [("createdAt".to_owned(), false), ("title".to_owned(), true)]
        );
        assert_eq!(
            parse_sort(&["[\"-startDate\"]".into()]),
            [("startDate".to_owned(), false)]
        );
    }
}
