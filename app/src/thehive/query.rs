//! TheHive's query language (`POST /api/v1/query`), the part its clients use: a starting point
//! (`listAlert`, `getCase`, …), an optional step to related records (`observables`, `tasks`,
//! `logs`), then `filter`, `sort`, `page` and `count`. Parsed here into a plan the store runs.

use serde_json::Value;

/// Most rows one query returns; TheHive clients page with `page`.
pub const MAX_PAGE: i64 = 1000;

/// What the query reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Alerts,
    Cases,
    Tasks,
    /// One record by id (`getAlert`, `getCase`, `getTask`, `getLog`).
    Alert(String),
    Case(String),
    Task(String),
    Log(String),
    /// Related records of one parent.
    AlertObservables(String),
    CaseObservables(String),
    CaseTasks(String),
    CaseAlerts(String),
    TaskLogs(String),
    /// A case's comments (its timeline notes), and all comments the caller may read.
    CaseComments(String),
    Comments,
    /// The vocabularies and directory clients fill their forms from (n8n's dropdowns).
    Catalog(Catalog),
    Users,
}

/// A fixed list a `list…` query answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Catalog {
    AlertStatus,
    CaseStatus,
    ObservableType,
    /// Casefile has no case templates or custom fields yet: these lists are empty.
    CaseTemplate,
    CustomField,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    StartsWith,
    EndsWith,
    Like,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Cmp {
        field: String,
        op: Op,
        value: Value,
    },
    In {
        field: String,
        values: Vec<Value>,
    },
    Between {
        field: String,
        from: Value,
        to: Value,
    },
    Id(Value),
    /// Records whose parent (`case`, `case_task`, `alert`) matches: TheHive 3/4's `_parent`.
    Parent {
        parent_type: String,
        filter: Box<Filter>,
    },
    /// Records with a child (`case_artifact`, `case_task`, `case_task_log`) that matches:
    /// TheHive 3/4's `_child`.
    Child {
        child_type: String,
        filter: Box<Filter>,
    },
    /// The field holds a value: TheHive 3/4's `_contains`.
    Exists(String),
    /// Every record: TheHive 3/4's empty query `{}`.
    All,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub source: Source,
    pub filter: Option<Filter>,
    /// (field, ascending)
    pub sort: Vec<(String, bool)>,
    /// (from, to): rows `from..to`.
    pub page: Option<(i64, i64)>,
    pub count: bool,
}

impl Plan {
    /// A single record (not a list) is the answer: `getX` with nothing after it.
    pub fn is_single(&self) -> bool {
        matches!(
            self.source,
            Source::Alert(_) | Source::Case(_) | Source::Task(_) | Source::Log(_)
        ) && self.filter.is_none()
            && self.page.is_none()
            && !self.count
    }
}

fn id_or_name(op: &Value) -> Result<String, String> {
    match op.get("idOrName") {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err("`idOrName` is required.".into()),
    }
}

/// Parses `{"query": [...]}`'s array.
pub fn parse(ops: &[Value]) -> Result<Plan, String> {
    let mut ops = ops.iter();
    let first = ops.next().ok_or("The query is empty.")?;
    let name = |op: &Value| -> Result<String, String> {
        op.get("_name")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| "Each query operation needs a `_name`.".to_owned())
    };
    let mut source = match name(first)?.as_str() {
        "listAlert" => Source::Alerts,
        "listCase" => Source::Cases,
        "listTask" => Source::Tasks,
        "getAlert" => Source::Alert(id_or_name(first)?),
        "getCase" => Source::Case(id_or_name(first)?),
        "getTask" => Source::Task(id_or_name(first)?),
        "getLog" => Source::Log(id_or_name(first)?),
        "listComment" => Source::Comments,
        "listUser" => Source::Users,
        "listAlertStatus" => Source::Catalog(Catalog::AlertStatus),
        "listCaseStatus" => Source::Catalog(Catalog::CaseStatus),
        "listObservableType" => Source::Catalog(Catalog::ObservableType),
        "listCaseTemplate" => Source::Catalog(Catalog::CaseTemplate),
        "listCustomField" => Source::Catalog(Catalog::CustomField),
        other => return Err(unsupported(other)),
    };
    let mut plan_ops = Vec::new();
    for op in ops {
        let n = name(op)?;
        source = match (n.as_str(), &source) {
            ("observables", Source::Alert(id)) => Source::AlertObservables(id.clone()),
            ("observables", Source::Case(id)) => Source::CaseObservables(id.clone()),
            ("tasks", Source::Case(id)) => Source::CaseTasks(id.clone()),
            ("alerts", Source::Case(id)) => Source::CaseAlerts(id.clone()),
            ("logs", Source::Task(id)) => Source::TaskLogs(id.clone()),
            ("comments", Source::Case(id)) => Source::CaseComments(id.clone()),
            ("observables" | "tasks" | "alerts" | "logs" | "comments", _) => {
                return Err(format!(
                    "`{n}` cannot follow this operation in Casefile's TheHive API."
                ));
            }
            _ => {
                plan_ops.push((n, op));
                continue;
            }
        };
    }
    let mut plan = Plan {
        source,
        filter: None,
        sort: Vec::new(),
        page: None,
        count: false,
    };
    for (n, op) in plan_ops {
        match n.as_str() {
            "filter" => {
                let mut body = op.clone();
                if let Some(o) = body.as_object_mut() {
                    o.remove("_name");
                }
                let f = parse_filter(&body)?;
                plan.filter = Some(match plan.filter.take() {
                    Some(prev) => Filter::And(vec![prev, f]),
                    None => f,
                });
            }
            "sort" => {
                let fields = op
                    .get("_fields")
                    .and_then(Value::as_array)
                    .ok_or("`sort` needs `_fields`: a list of {field: \"asc\"|\"desc\"}.")?;
                for f in fields {
                    let (field, dir) = f
                        .as_object()
                        .and_then(|o| o.iter().next())
                        .ok_or("Each sort field is {field: \"asc\"|\"desc\"}.")?;
                    let asc = match dir.as_str() {
                        Some("asc") => true,
                        Some("desc") => false,
                        _ => return Err(format!("Sort `{field}` by \"asc\" or \"desc\".")),
                    };
                    plan.sort.push((field.clone(), asc));
                }
            }
            "page" => {
                let from = op.get("from").and_then(Value::as_i64).unwrap_or(0);
                let to = op
                    .get("to")
                    .and_then(Value::as_i64)
                    .ok_or("`page` needs `from` and `to`.")?;
                if from < 0 || to < from {
                    return Err("`page` needs 0 <= from <= to.".into());
                }
                if to - from > MAX_PAGE {
                    return Err(format!("A page holds at most {MAX_PAGE} records."));
                }
                plan.page = Some((from, to));
            }
            "count" => plan.count = true,
            other => return Err(unsupported(other)),
        }
    }
    Ok(plan)
}

fn unsupported(name: &str) -> String {
    format!("The query operation `{name}` is not supported by Casefile's TheHive API.")
}

fn field_value(body: &Value, op: &str) -> Result<(String, Value), String> {
    let field = body
        .get("_field")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("`{op}` needs `_field`."))?;
    let value = body
        .get("_value")
        .cloned()
        .ok_or_else(|| format!("`{op}` needs `_value`."))?;
    Ok((field.to_owned(), value))
}

fn parse_list(v: &Value, op: &str) -> Result<Vec<Filter>, String> {
    v.as_array()
        .ok_or_else(|| format!("`{op}` takes a list of filters."))?
        .iter()
        .map(parse_filter)
        .collect()
}

/// Parses one filter expression, e.g. `{"_and": [{"_eq": {"_field": "source", "_value": "x"}}]}`
/// or the shorthand `{"source": "x"}`.
pub fn parse_filter(v: &Value) -> Result<Filter, String> {
    let obj = v.as_object().ok_or("A filter is a JSON object.")?;
    if obj.len() != 1 {
        // The shorthand {field: value, …} means all of them are equal.
        let parts = obj
            .iter()
            .map(|(k, v)| {
                parse_filter(&Value::Object(
                    [(k.clone(), v.clone())].into_iter().collect(),
                ))
            })
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Filter::And(parts));
    }
    let (key, body) = obj.iter().next().ok_or("A filter is empty.")?;
    let cmp = |op: Op| -> Result<Filter, String> {
        let (field, value) = field_value(body, key)?;
        Ok(Filter::Cmp { field, op, value })
    };
    match key.as_str() {
        "_and" => Ok(Filter::And(parse_list(body, key)?)),
        "_or" => Ok(Filter::Or(parse_list(body, key)?)),
        "_not" => Ok(Filter::Not(Box::new(parse_filter(body)?))),
        "_eq" => cmp(Op::Eq),
        "_ne" => cmp(Op::Ne),
        "_gt" => cmp(Op::Gt),
        "_gte" => cmp(Op::Gte),
        "_lt" => cmp(Op::Lt),
        "_lte" => cmp(Op::Lte),
        "_startsWith" => cmp(Op::StartsWith),
        "_endsWith" => cmp(Op::EndsWith),
        "_like" => cmp(Op::Like),
        "_in" => {
            let field = body
                .get("_field")
                .and_then(Value::as_str)
                .ok_or("`_in` needs `_field`.")?;
            let values = body
                .get("_values")
                .and_then(Value::as_array)
                .ok_or("`_in` needs `_values`: a list.")?;
            if values.is_empty() || values.len() > 1000 {
                return Err("`_in` takes 1 to 1000 values.".into());
            }
            Ok(Filter::In {
                field: field.to_owned(),
                values: values.clone(),
            })
        }
        "_between" => {
            let field = body
                .get("_field")
                .and_then(Value::as_str)
                .ok_or("`_between` needs `_field`.")?;
            let from = body
                .get("_from")
                .cloned()
                .ok_or("`_between` needs `_from`.")?;
            let to = body.get("_to").cloned().ok_or("`_between` needs `_to`.")?;
            Ok(Filter::Between {
                field: field.to_owned(),
                from,
                to,
            })
        }
        "_id" => Ok(Filter::Id(body.clone())),
        k if k.starts_with('_') && !k.starts_with("_created") && !k.starts_with("_updated") => Err(
            format!("The filter `{k}` is not supported by Casefile's TheHive API."),
        ),
        field => Ok(Filter::Cmp {
            field: field.to_owned(),
            op: Op::Eq,
            value: body.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn thehive4py_find_queries_parse() {
        let q = json!([
            {"_name": "listAlert"},
            {"_name": "filter", "_and": [
                {"_eq": {"_field": "source", "_value": "wazuh"}},
                {"_not": {"_like": {"_field": "title", "_value": "*test*"}}}
            ]},
            {"_name": "sort", "_fields": [{"_createdAt": "desc"}]},
            {"_name": "page", "from": 0, "to": 10, "extraData": []}
        ]);
        let plan = parse(q.as_array().unwrap()).unwrap();
        assert_eq!(plan.source, Source::Alerts);
        assert_eq!(plan.page, Some((0, 10)));
        assert_eq!(plan.sort, [("_createdAt".to_owned(), false)]);
        assert!(matches!(plan.filter, Some(Filter::And(ref v)) if v.len() == 2));
        assert!(!plan.is_single());
    }

    #[test]
    fn sub_queries_follow_a_get() {
        let q =
            json!([{"_name": "getCase", "idOrName": "~7"}, {"_name": "tasks"}, {"_name": "count"}]);
        let plan = parse(q.as_array().unwrap()).unwrap();
        assert_eq!(plan.source, Source::CaseTasks("~7".into()));
        assert!(plan.count);
        let single = parse(
            json!([{"_name": "getLog", "idOrName": "~3"}])
                .as_array()
                .unwrap(),
        )
        .unwrap();
        assert!(single.is_single());
    }

    #[test]
    fn unknown_operations_and_huge_pages_are_refused() {
        let err = parse(json!([{"_name": "listOrganisation"}]).as_array().unwrap()).unwrap_err();
        assert!(err.contains("listOrganisation"), "{err}");
        let err = parse(
            json!([{"_name": "listCase"}, {"_name": "page", "from": 0, "to": 5000}])
                .as_array()
                .unwrap(),
        )
        .unwrap_err();
        assert!(err.contains("1000"), "{err}");
        let err = parse(
            json!([{"_name": "listCase"}, {"_name": "observables"}])
                .as_array()
                .unwrap(),
        )
        .unwrap_err();
        assert!(err.contains("observables"), "{err}");
    }

    #[test]
    fn shorthand_filters_mean_equality() {
        let f = parse_filter(&json!({"source": "wazuh", "type": "external"})).unwrap();
        assert!(matches!(f, Filter::And(ref v) if v.len() == 2));
    }
}
