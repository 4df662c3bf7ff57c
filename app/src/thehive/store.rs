//! SQL for TheHive queries: each TheHive field maps to a column (or a status condition) of one
//! table; a query plan is compiled to checked SQL pieces, then bound with sqlx's QueryBuilder.
//! Only listed fields are accepted, so a query can never name arbitrary SQL.

use serde_json::Value;

use super::{
    model,
    query::{Filter, Op},
};
use crate::{
    alerts::store::{ALERT_COLUMNS, OBSERVABLE_COLUMNS},
    cases::store::{CASE_COLUMNS, CASE_OBSERVABLE_COLUMNS, TASK_COLUMNS},
    on_pool,
    platform::{Db, Result, db::like_literal},
};

/// Which of TheHive's APIs names the fields: v1 (TheHive 5) or v0 (TheHive 3/4, whose names
/// differ: `createdAt`, `owner`, `caseId`, and other status names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    V0,
    V1,
}

/// The tables a TheHive query can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Alerts,
    Cases,
    Tasks,
    AlertObservables,
    CaseObservables,
    Logs,
    /// Case timeline notes, which TheHive clients know as comments.
    Comments,
}

/// A comment as read: a case timeline note, its latest correction.
#[derive(sqlx::FromRow)]
pub struct CommentRow {
    pub event_id: i64,
    pub case_id: i64,
    pub body: String,
    pub recorded_by: String,
    pub recorded_at: i64,
}

#[derive(Clone, Copy)]
enum Kind {
    Int,
    Text,
    Id,
    /// TheHive 1–4 against Casefile's stored 2–5.
    Severity,
    /// A JSON array of strings; equality means "has this tag".
    Tags,
    DataType,
    Bool,
    /// TheHive status names, each a condition on Casefile's columns.
    Status(&'static [(&'static str, &'static str)]),
}

const ALERT_STATUS: &[(&str, &str)] = &[
    ("New", "a.status = 'new'"),
    ("InProgress", "a.status = 'in_progress'"),
    ("Imported", "a.case_id is not null"),
    (
        "TruePositive",
        "(a.case_id is null and a.verdict = 'true_positive')",
    ),
    (
        "FalsePositive",
        "(a.case_id is null and a.verdict = 'false_positive')",
    ),
    (
        "Duplicated",
        "(a.case_id is null and a.verdict = 'duplicate')",
    ),
    ("Ignored", "(a.case_id is null and a.verdict = 'benign')"),
];
const ALERT_STAGE: &[(&str, &str)] = &[
    ("New", "a.status = 'new'"),
    ("InProgress", "a.status = 'in_progress'"),
    ("Imported", "a.case_id is not null"),
    ("Closed", "(a.status = 'closed' and a.case_id is null)"),
];
const CASE_STATUS: &[(&str, &str)] = &[
    ("New", "c.status = 'new'"),
    ("InProgress", "c.status not in ('new', 'closed')"),
    ("TruePositive", "c.closure_verdict like 'true_positive%'"),
    ("FalsePositive", "c.closure_verdict = 'false_positive'"),
    ("Duplicated", "c.closure_verdict = 'duplicate'"),
    ("Other", "c.closure_verdict = 'benign'"),
];
// TheHive 3/4's alert statuses: an alert is Imported into a case, Ignored once read (closed
// by a verdict), otherwise New. Casefile never marks an alert Updated.
const ALERT_STATUS_V0: &[(&str, &str)] = &[
    ("New", "(a.status <> 'closed' and a.case_id is null)"),
    ("Updated", "1 = 0"),
    ("Ignored", "(a.status = 'closed' and a.case_id is null)"),
    ("Imported", "a.case_id is not null"),
];
const CASE_STATUS_V0: &[(&str, &str)] = &[
    ("Open", "c.status <> 'closed'"),
    ("Resolved", "c.status = 'closed'"),
    ("Deleted", "1 = 0"),
];
const RESOLUTION_STATUS_V0: &[(&str, &str)] = &[
    ("TruePositive", "c.closure_verdict like 'true_positive%'"),
    ("FalsePositive", "c.closure_verdict = 'false_positive'"),
    ("Duplicated", "c.closure_verdict = 'duplicate'"),
    ("Other", "c.closure_verdict = 'benign'"),
    ("Indeterminate", "1 = 0"),
];
const IMPACT_STATUS_V0: &[(&str, &str)] = &[
    (
        "WithImpact",
        "c.closure_verdict = 'true_positive_with_impact'",
    ),
    (
        "NoImpact",
        "c.closure_verdict = 'true_positive_without_impact'",
    ),
    (
        "NotApplicable",
        "(c.status = 'closed' and c.closure_verdict not like 'true_positive%')",
    ),
];
const ARTIFACT_STATUS_V0: &[(&str, &str)] = &[("Ok", "1 = 1"), ("Deleted", "1 = 0")];

const TASK_STATUS: &[(&str, &str)] = &[
    ("Waiting", "t.status = 'todo'"),
    ("InProgress", "t.status = 'in_progress'"),
    ("Completed", "t.status = 'done'"),
    ("Cancel", "t.status = 'blocked'"),
];

impl Table {
    fn select(self) -> String {
        match self {
            Table::Alerts => ALERT_COLUMNS.to_owned(),
            Table::Cases => CASE_COLUMNS.to_owned(),
            Table::Tasks => TASK_COLUMNS.to_owned(),
            Table::AlertObservables => OBSERVABLE_COLUMNS.replace("from alert_observable", "from alert_observable o"),
            Table::CaseObservables => CASE_OBSERVABLE_COLUMNS.to_owned(),
            Table::Logs => "select l.task_log_id, l.task_id, l.message, l.created_by, l.created_at from task_log l".to_owned(),
            Table::Comments => format!("select e.event_id, e.case_id, e.body, e.recorded_by, e.recorded_at {}", self.tables()),
        }
    }

    fn tables(self) -> &'static str {
        match self {
            Table::Alerts => "from alert a left join app_user u on u.user_id = a.assignee_id",
            Table::Cases => {
                "from incident_case c left join app_user u on u.user_id = c.assignee_id"
            }
            Table::Tasks => "from case_task t left join app_user u on u.user_id = t.assignee_id",
            Table::AlertObservables => "from alert_observable o",
            Table::CaseObservables => "from case_observable o",
            Table::Logs => "from task_log l",
            Table::Comments => "from case_event e",
        }
    }

    /// The condition every query of this table starts from.
    fn scope(self) -> &'static str {
        match self {
            // A corrected note shows as its correction only.
            Table::Comments => {
                "e.kind = 'note' and not exists
                    (select 1 from case_event s where s.supersedes_event_id = e.event_id)"
            }
            _ => "1 = 1",
        }
    }

    /// `from … where <scope> and `, for the caller's conditions to follow.
    fn scoped_from(self) -> String {
        format!("{} where {} and ", self.tables(), self.scope())
    }

    fn id_column(self) -> &'static str {
        match self {
            Table::Alerts => "a.alert_id",
            Table::Cases => "c.case_id",
            Table::Tasks => "t.task_id",
            Table::AlertObservables => "o.alert_observable_id",
            Table::CaseObservables => "o.case_observable_id",
            Table::Logs => "l.task_log_id",
            Table::Comments => "e.event_id",
        }
    }

    /// The column linking a row to its parent (alert, case, task).
    pub fn parent_column(self) -> Option<&'static str> {
        match self {
            Table::AlertObservables => Some("o.alert_id"),
            Table::CaseObservables => Some("o.case_id"),
            Table::Tasks => Some("t.case_id"),
            Table::Logs => Some("l.task_id"),
            Table::Alerts => Some("a.case_id"),
            Table::Comments => Some("e.case_id"),
            Table::Cases => None,
        }
    }

    /// TheHive 3/4's type name for the records a `_parent`/`_child` criterion names.
    fn from_v0_type(name: &str) -> Option<Table> {
        match name {
            "alert" => Some(Table::Alerts),
            "case" => Some(Table::Cases),
            "case_task" => Some(Table::Tasks),
            "case_artifact" => Some(Table::CaseObservables),
            "case_task_log" => Some(Table::Logs),
            _ => None,
        }
    }

    /// The table holding this table's parent rows, as `parent_column` links them.
    fn parent_table(self) -> Option<Table> {
        match self {
            Table::AlertObservables => Some(Table::Alerts),
            Table::CaseObservables | Table::Tasks | Table::Alerts => Some(Table::Cases),
            Table::Logs => Some(Table::Tasks),
            Table::Comments => Some(Table::Cases),
            Table::Cases => None,
        }
    }

    /// The fields TheHive 3/4 names differently from TheHive 5.
    fn field_v0(self, name: &str) -> Option<(&'static str, Kind)> {
        use Kind::*;
        Some(match (self, name) {
            (Table::Alerts, "createdAt") => ("a.created_at", Int),
            (Table::Alerts, "updatedAt" | "lastSyncDate") => ("a.updated_at", Int),
            (Table::Alerts, "createdBy") => ("a.created_by", Text),
            (Table::Alerts, "status") => ("", Status(ALERT_STATUS_V0)),
            (Table::Alerts, "case") => ("a.case_id", Id),
            (Table::Cases, "createdAt") => ("c.created_at", Int),
            (Table::Cases, "updatedAt") => ("c.updated_at", Int),
            (Table::Cases, "createdBy") => ("c.created_by", Text),
            (Table::Cases, "caseId") => ("c.case_id", Int),
            (Table::Cases, "owner") => ("u.username", Text),
            (Table::Cases, "status") => ("", Status(CASE_STATUS_V0)),
            (Table::Cases, "resolutionStatus") => ("", Status(RESOLUTION_STATUS_V0)),
            (Table::Cases, "impactStatus") => ("", Status(IMPACT_STATUS_V0)),
            (Table::Cases, "summary") => ("c.closure_summary", Text),
            (Table::Tasks, "createdAt" | "startDate") => ("t.created_at", Int),
            (Table::Tasks, "createdBy") => ("t.created_by", Text),
            (Table::Tasks, "owner") => ("u.username", Text),
            (Table::Tasks, "endDate") => ("t.completed_at", Int),
            (Table::CaseObservables, "createdAt" | "startDate") => ("o.created_at", Int),
            (Table::CaseObservables, "createdBy") => ("o.created_by", Text),
            (Table::CaseObservables, "status") => ("", Status(ARTIFACT_STATUS_V0)),
            (Table::Logs, "createdAt" | "startDate") => ("l.created_at", Int),
            (Table::Logs, "createdBy" | "owner") => ("l.created_by", Text),
            _ => return None,
        })
    }

    fn field(self, api: ApiVersion, name: &str) -> Option<(&'static str, Kind)> {
        if api == ApiVersion::V0
            && let Some(f) = self.field_v0(name)
        {
            return Some(f);
        }
        self.field_v1(name)
    }

    fn field_v1(self, name: &str) -> Option<(&'static str, Kind)> {
        use Kind::*;
        let common = match name {
            "_id" => Some((self.id_column(), Id)),
            _ => None,
        };
        if common.is_some() {
            return common;
        }
        let f = match (self, name) {
            (Table::Alerts, "_createdAt") => ("a.created_at", Int),
            (Table::Alerts, "_updatedAt") => ("a.updated_at", Int),
            (Table::Alerts, "_createdBy") => ("a.created_by", Text),
            (Table::Alerts, "type") => ("a.alert_type", Text),
            (Table::Alerts, "source") => ("a.source", Text),
            (Table::Alerts, "sourceRef") => ("a.source_ref", Text),
            (Table::Alerts, "title") => ("a.title", Text),
            (Table::Alerts, "description") => ("a.description", Text),
            (Table::Alerts, "severity") => ("a.severity", Severity),
            (Table::Alerts, "date") => ("a.occurred_at", Int),
            (Table::Alerts, "tlp") => ("a.tlp", Int),
            (Table::Alerts, "pap") => ("a.pap", Int),
            (Table::Alerts, "tags") => ("a.tags", Tags),
            (Table::Alerts, "caseId") => ("a.case_id", Id),
            (Table::Alerts, "assignee") => ("u.username", Text),
            (Table::Alerts, "status") => ("", Status(ALERT_STATUS)),
            (Table::Alerts, "stage") => ("", Status(ALERT_STAGE)),
            (Table::Cases, "_createdAt") => ("c.created_at", Int),
            (Table::Cases, "_updatedAt") => ("c.updated_at", Int),
            (Table::Cases, "_createdBy") => ("c.created_by", Text),
            (Table::Cases, "number") => ("c.case_id", Int),
            (Table::Cases, "title") => ("c.title", Text),
            (Table::Cases, "description") => ("c.description", Text),
            (Table::Cases, "severity") => ("c.severity", Severity),
            (Table::Cases, "startDate") => ("c.opened_at", Int),
            (Table::Cases, "endDate") => ("c.closed_at", Int),
            (Table::Cases, "tlp") => ("c.tlp", Int),
            (Table::Cases, "pap") => ("c.pap", Int),
            (Table::Cases, "tags") => ("c.tags", Tags),
            (Table::Cases, "assignee") => ("u.username", Text),
            (Table::Cases, "status") => ("", Status(CASE_STATUS)),
            (Table::Tasks, "_createdAt") => ("t.created_at", Int),
            (Table::Tasks, "title") => ("t.title", Text),
            (Table::Tasks, "group") => ("t.group_name", Text),
            (Table::Tasks, "description") => ("t.description", Text),
            (Table::Tasks, "dueDate") => ("t.due_at", Int),
            (Table::Tasks, "assignee") => ("u.username", Text),
            (Table::Tasks, "status") => ("", Status(TASK_STATUS)),
            (Table::AlertObservables | Table::CaseObservables, "_createdAt") => {
                ("o.created_at", Int)
            }
            (Table::AlertObservables | Table::CaseObservables, "dataType") => {
                ("o.data_type", DataType)
            }
            (Table::AlertObservables | Table::CaseObservables, "data") => ("o.value", Text),
            (Table::AlertObservables | Table::CaseObservables, "tags") => ("o.tags", Tags),
            (Table::CaseObservables, "message") => ("o.description", Text),
            (Table::CaseObservables, "ioc") => ("o.ioc", Bool),
            (Table::CaseObservables, "tlp") => ("o.tlp", Int),
            (Table::Logs, "_createdAt" | "date") => ("l.created_at", Int),
            (Table::Logs, "message") => ("l.message", Text),
            (Table::Comments, "_createdAt") => ("e.recorded_at", Int),
            (Table::Comments, "_createdBy") => ("e.recorded_by", Text),
            (Table::Comments, "message") => ("e.body", Text),
            _ => return None,
        };
        Some(f)
    }
}

/// A piece of a compiled query: SQL text, or a value to bind.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Sql(String),
    Int(i64),
    Text(String),
}

fn sql(s: impl Into<String>) -> Piece {
    Piece::Sql(s.into())
}

fn int_of(field: &str, v: &Value) -> std::result::Result<i64, String> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| format!("`{field}` is compared with a number."))
}

fn text_of(field: &str, v: &Value) -> std::result::Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(format!("`{field}` is compared with a string.")),
    }
}

/// The bound value for `field`, converted to what the column stores.
fn bind_value(field: &str, kind: Kind, v: &Value) -> std::result::Result<Piece, String> {
    Ok(match kind {
        Kind::Int => Piece::Int(int_of(field, v)?),
        Kind::Text => Piece::Text(text_of(field, v)?),
        Kind::Id => Piece::Int(model::parse_id(&text_of(field, v)?)?),
        Kind::Severity => Piece::Int(model::severity_from(int_of(field, v)?)?.level()),

        Kind::DataType => Piece::Text(
            model::data_type_from(&text_of(field, v)?)
                .as_str()
                .to_owned(),
        ),
        Kind::Bool => Piece::Int(match v {
            Value::Bool(b) => i64::from(*b),
            other => int_of(field, other)?,
        }),
        Kind::Tags | Kind::Status(_) => unreachable!("handled by the caller"),
    })
}

/// Compiles a filter to SQL pieces for `table`.
pub fn compile_filter(
    table: Table,
    api: ApiVersion,
    f: &Filter,
    out: &mut Vec<Piece>,
) -> std::result::Result<(), String> {
    match f {
        Filter::All => out.push(sql("1 = 1")),
        Filter::Exists(field) => {
            let (column, kind) = table
                .field(api, field)
                .ok_or_else(|| format!("`{field}` is not a field Casefile can search here."))?;
            match kind {
                Kind::Status(_) => out.push(sql("1 = 1")),
                Kind::Tags => out.push(sql(format!("{column} <> '[]'"))),
                _ => out.push(sql(format!("{column} is not null"))),
            }
        }
        Filter::Parent {
            parent_type,
            filter,
        } => {
            let parent = Table::from_v0_type(parent_type)
                .filter(|p| table.parent_table() == Some(*p))
                .ok_or_else(|| format!("These records have no parent of type `{parent_type}`."))?;
            let column = table
                .parent_column()
                .ok_or_else(|| "These records have no parent.".to_owned())?;
            out.push(sql(format!(
                "{column} in (select {} {}",
                parent.id_column(),
                parent.scoped_from()
            )));
            compile_filter(parent, api, filter, out)?;
            out.push(sql(")"));
        }
        Filter::Child { child_type, filter } => {
            let child = Table::from_v0_type(child_type)
                .filter(|c| c.parent_table() == Some(table))
                .ok_or_else(|| format!("These records have no children of type `{child_type}`."))?;
            let column = child
                .parent_column()
                .ok_or_else(|| "These records have no children.".to_owned())?;
            out.push(sql(format!(
                "{} in (select {column} {}",
                table.id_column(),
                child.scoped_from()
            )));
            compile_filter(child, api, filter, out)?;
            out.push(sql(")"));
        }
        Filter::And(parts) | Filter::Or(parts) => {
            if parts.is_empty() {
                out.push(sql("1 = 1"));
                return Ok(());
            }
            let joiner = if matches!(f, Filter::And(_)) {
                " and "
            } else {
                " or "
            };
            out.push(sql("("));
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    out.push(sql(joiner));
                }
                compile_filter(table, api, part, out)?;
            }
            out.push(sql(")"));
        }
        Filter::Not(inner) => {
            // SQL's unknown (a NULL column) must count as "not matching", as TheHive does.
            out.push(sql("not coalesce(("));
            compile_filter(table, api, inner, out)?;
            out.push(sql("), false)"));
        }
        Filter::Id(v) => {
            out.push(sql(format!("{} = ", table.id_column())));
            out.push(bind_value("_id", Kind::Id, v)?);
        }
        Filter::In { field, values } => {
            let alternatives: Vec<Filter> = values
                .iter()
                .map(|v| Filter::Cmp {
                    field: field.clone(),
                    op: Op::Eq,
                    value: v.clone(),
                })
                .collect();
            compile_filter(table, api, &Filter::Or(alternatives), out)?;
        }
        Filter::Between { field, from, to } => {
            let range = Filter::And(vec![
                Filter::Cmp {
                    field: field.clone(),
                    op: Op::Gte,
                    value: from.clone(),
                },
                Filter::Cmp {
                    field: field.clone(),
                    op: Op::Lt,
                    value: to.clone(),
                },
            ]);
            compile_filter(table, api, &range, out)?;
        }
        Filter::Cmp { field, op, value } => compile_cmp(table, api, field, *op, value, out)?,
    }
    Ok(())
}

fn compile_cmp(
    table: Table,
    api: ApiVersion,
    field: &str,
    op: Op,
    value: &Value,
    out: &mut Vec<Piece>,
) -> std::result::Result<(), String> {
    let (column, kind) = table
        .field(api, field)
        .ok_or_else(|| format!("Filtering on `{field}` is not supported here."))?;
    match kind {
        Kind::Status(names) => {
            let name = text_of(field, value)?;
            let cond = names
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, c)| *c)
                .ok_or_else(|| {
                    let known: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
                    format!(
                        "Unknown {field} \u{201c}{name}\u{201d}: use {}.",
                        known.join(", ")
                    )
                })?;
            match op {
                Op::Eq => out.push(sql(cond)),
                Op::Ne => out.push(sql(format!("not coalesce({cond}, false)"))),
                _ => {
                    return Err(format!(
                        "`{field}` can only be compared with _eq, _ne or _in."
                    ));
                }
            }
        }
        Kind::Tags => {
            let tag = text_of(field, value)?;
            let quoted = serde_json::to_string(&tag.to_lowercase()).unwrap_or_default();
            let pattern = format!("%{}%", like_literal(&quoted));
            let negate = match op {
                Op::Eq => "",
                Op::Ne => "not ",
                _ => return Err("`tags` can only be compared with _eq, _ne or _in.".into()),
            };
            // Case-insensitive on both databases (SQLite's LIKE ignores case, Postgres' does not).
            out.push(sql(format!("{negate}lower({column}) like ")));
            out.push(Piece::Text(pattern));
            out.push(sql(" escape '\\'"));
        }
        Kind::Severity => {
            // TheHive's 1 (low) also covers Casefile's info, so each level is a range.
            let (lo, hi) = match int_of(field, value)? {
                1 => (1, 2),
                n => {
                    let l = model::severity_from(n)?.level();
                    (l, l)
                }
            };
            let (cond, bound) = match op {
                Op::Eq => (format!("{column} between {lo} and "), hi),
                Op::Ne => (format!("not {column} between {lo} and "), hi),
                Op::Gt => (format!("{column} > "), hi),
                Op::Gte => (format!("{column} >= "), lo),
                Op::Lt => (format!("{column} < "), lo),
                Op::Lte => (format!("{column} <= "), hi),
                _ => return Err(format!("`{field}` is a number: use _eq, _gt or _lt.")),
            };
            out.push(sql(cond));
            out.push(Piece::Int(bound));
        }
        _ => {
            let text_only = matches!(op, Op::StartsWith | Op::EndsWith | Op::Like);
            if text_only {
                if !matches!(kind, Kind::Text) {
                    return Err(format!("`{field}` is not text: use _eq, _gt or _lt."));
                }
                let v = text_of(field, value)?;
                let pattern = match op {
                    Op::StartsWith => format!("{}%", like_literal(&v)),
                    Op::EndsWith => format!("%{}", like_literal(&v)),
                    // TheHive's `*` wildcard; without one, a substring match.
                    _ if v.contains('*') => like_literal(&v).replace('*', "%"),
                    _ => format!("%{}%", like_literal(&v)),
                };
                out.push(sql(format!("lower({column}) like lower(")));
                out.push(Piece::Text(pattern));
                out.push(sql(") escape '\\'"));
                return Ok(());
            }
            let symbol = match op {
                Op::Eq => "=",
                Op::Ne => "<>",
                Op::Gt => ">",
                Op::Gte => ">=",
                Op::Lt => "<",
                Op::Lte => "<=",
                _ => unreachable!("text operators handled above"),
            };
            let bound = bind_value(field, kind, value)?;
            if op == Op::Ne {
                // An empty field differs from any value, as in TheHive.
                out.push(sql(format!("({column} <> ")));
                out.push(bound);
                out.push(sql(format!(" or {column} is null)")));
            } else {
                out.push(sql(format!("{column} {symbol} ")));
                out.push(bound);
            }
        }
    }
    Ok(())
}

/// A compiled query: the table, its conditions, order and window.
pub struct Compiled {
    pub table: Table,
    pub conditions: Vec<Piece>,
    pub order: String,
    pub limit: i64,
    pub offset: i64,
}

/// Compiles sort fields to an `order by` clause, always ending with the id for a stable order.
pub fn compile_sort(
    table: Table,
    api: ApiVersion,
    sort: &[(String, bool)],
    default_desc: bool,
) -> std::result::Result<String, String> {
    let mut parts = Vec::new();
    for (field, asc) in sort {
        let (column, kind) = table
            .field(api, field)
            .ok_or_else(|| format!("Sorting by `{field}` is not supported here."))?;
        if matches!(kind, Kind::Tags | Kind::Status(_)) {
            return Err(format!("Sorting by `{field}` is not supported."));
        }
        parts.push(format!("{column} {}", if *asc { "asc" } else { "desc" }));
    }
    let last_dir = if default_desc { "desc" } else { "asc" };
    parts.push(format!("{} {last_dir}", table.id_column()));
    Ok(format!(" order by {}", parts.join(", ")))
}

fn push_conditions<'a, DB: sqlx::Database>(qb: &mut sqlx::QueryBuilder<'a, DB>, pieces: &[Piece])
where
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    for p in pieces {
        match p {
            Piece::Sql(s) => {
                qb.push(s);
            }
            Piece::Int(n) => {
                qb.push_bind(*n);
            }
            Piece::Text(s) => {
                qb.push_bind(s.clone());
            }
        }
    }
}

/// Runs the compiled query, returning rows of `T` (the table's row type).
pub async fn fetch<T>(db: &Db, q: &Compiled) -> Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    let head = format!("{} where {} and ", q.table.select(), q.table.scope());
    Ok(on_pool!(db, |pool| {
        let mut qb = sqlx::QueryBuilder::new(head.clone());
        push_conditions(&mut qb, &q.conditions);
        qb.push(&q.order);
        qb.push(" limit ").push_bind(q.limit);
        qb.push(" offset ").push_bind(q.offset);
        qb.build_query_as::<T>().fetch_all(pool).await
    })?)
}

/// Counts the rows the compiled query matches (TheHive's `count`; an API call, not a page view).
pub async fn count(db: &Db, q: &Compiled) -> Result<i64> {
    let head = format!("select count(*) {}", q.table.scoped_from());
    let (n,): (i64,) = on_pool!(db, |pool| {
        let mut qb = sqlx::QueryBuilder::new(head.clone());
        push_conditions(&mut qb, &q.conditions);
        qb.build_query_as().fetch_one(pool).await
    })?;
    Ok(n)
}

/// Observable counts of the listed alerts, as (alert_id, n).
pub async fn alert_observable_counts(db: &Db, alert_ids: &[i64]) -> Result<Vec<(i64, i64)>> {
    if alert_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(on_pool!(db, |pool| {
        let mut qb = sqlx::QueryBuilder::new(
            "select alert_id, count(*) from alert_observable where alert_id in (",
        );
        let mut ids = qb.separated(", ");
        for id in alert_ids {
            ids.push_bind(*id);
        }
        ids.push_unseparated(") group by alert_id");
        qb.build_query_as().fetch_all(pool).await
    })?)
}

/// Most artifacts one v0 search answer embeds across its alerts (each alert holds at most 500).
const MAX_EMBEDDED_ARTIFACTS: i64 = 50_000;

/// The observables of the listed alerts, for v0 answers that embed them as `artifacts`.
pub async fn alert_observables_of(
    db: &Db,
    alert_ids: &[i64],
) -> Result<Vec<crate::alerts::store::ObservableRow>> {
    if alert_ids.is_empty() {
        return Ok(Vec::new());
    }
    let head = format!("{OBSERVABLE_COLUMNS} where alert_id in (");
    Ok(on_pool!(db, |pool| {
        let mut qb = sqlx::QueryBuilder::new(head.clone());
        let mut ids = qb.separated(", ");
        for id in alert_ids {
            ids.push_bind(*id);
        }
        ids.push_unseparated(") order by alert_id, alert_observable_id limit ");
        qb.push_bind(MAX_EMBEDDED_ARTIFACTS);
        qb.build_query_as().fetch_all(pool).await
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::thehive::query::parse_filter;
    use serde_json::json;

    fn compile(table: Table, f: Value) -> std::result::Result<Vec<Piece>, String> {
        let mut out = Vec::new();
        compile_filter(table, ApiVersion::V1, &parse_filter(&f)?, &mut out)?;
        Ok(out)
    }

    #[test]
    fn values_are_bound_never_spliced() {
        let pieces = compile(
            Table::Alerts,
            json!({"_eq": {"_field": "title", "_value": "x' or 1=1 --"}}),
        )
        .unwrap();
        assert_eq!(
            pieces,
            [sql("a.title = "), Piece::Text("x' or 1=1 --".into())]
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = compile(
            Table::Alerts,
            json!({"_eq": {"_field": "a.title; drop", "_value": 1}}),
        )
        .unwrap_err();
        assert!(err.contains("not supported"), "{err}");
    }

    #[test]
    fn severity_and_ids_are_translated() {
        let pieces = compile(
            Table::Cases,
            json!({"_gt": {"_field": "severity", "_value": 2}}),
        )
        .unwrap();
        assert_eq!(
            pieces[1],
            Piece::Int(3),
            "TheHive medium is Casefile medium (level 3)"
        );
        // TheHive's low also covers Casefile's info.
        let pieces = compile(
            Table::Cases,
            json!({"_eq": {"_field": "severity", "_value": 1}}),
        )
        .unwrap();
        assert_eq!(pieces, [sql("c.severity between 1 and "), Piece::Int(2)]);
        let pieces = compile(Table::Cases, json!({"_id": "~17"})).unwrap();
        assert_eq!(pieces[1], Piece::Int(17));
    }

    #[test]
    fn like_uses_thehive_wildcards_and_escapes_sql_ones() {
        let pieces = compile(
            Table::Alerts,
            json!({"_like": {"_field": "title", "_value": "*100%*"}}),
        )
        .unwrap();
        assert_eq!(pieces[1], Piece::Text("%100\\%%".into()));
    }
}
