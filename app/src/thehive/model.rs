//! TheHive's names and numbers for Casefile's records: ids (`~123`), severity 1–4, statuses,
//! observable data types, and the JSON objects TheHive clients read.

use serde_json::{Value, json};

use super::query::Catalog;
use crate::{
    alerts::{Alert, AlertObservable, AlertStatus, Severity, Verdict},
    cases::{Case, CaseObservable, CaseStatus, CaseTask, ClosureVerdict, TaskLog, TaskStatus},
    fields::{FieldDef, FieldType, FieldValue},
    observables::ObservableType,
};

/// TheHive ids are strings such as `~40964200`; Casefile's are integers.
pub fn id(n: i64) -> String {
    format!("~{n}")
}

/// Accepts `~123` and `123`.
pub fn parse_id(s: &str) -> Result<i64, String> {
    let s = s.trim();
    s.strip_prefix('~')
        .unwrap_or(s)
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("\u{201c}{s}\u{201d} is not a valid id."))
}

/// A custom field's TheHive type and value: dates as Unix milliseconds, text and enums as
/// strings (TheHive keeps options on string fields).
fn hive_field(v: &FieldValue) -> (&'static str, Value) {
    let ty = hive_type(v.field_type);
    let value = match v.field_type {
        FieldType::Date => {
            let rule = crate::fields::Rule {
                name: &v.name,
                field_type: FieldType::Date,
                options: &[],
            };
            crate::fields::check_value(&rule, &v.value)
                .ok()
                .and_then(|c| c.number)
                .map_or(Value::Null, |n| json!(n as i64))
        }
        _ => v.value.clone(),
    };
    (ty, value)
}

/// TheHive's type name for a field definition.
fn hive_type(t: FieldType) -> &'static str {
    match t {
        FieldType::Integer => "integer",
        FieldType::Float => "float",
        FieldType::Boolean => "boolean",
        FieldType::Date => "date",
        FieldType::Url => "url",
        FieldType::String | FieldType::Text | FieldType::Enum => "string",
    }
}

/// A custom field definition as TheHive 5 lists it (`listCustomField`, `GET /api/v1/customField`).
pub fn custom_field_def(d: &FieldDef) -> Value {
    json!({
        "_id": id(d.field_id),
        "_type": "CustomField",
        "_createdBy": "casefile",
        "_createdAt": d.updated_at,
        "_updatedAt": d.updated_at,
        "name": d.name,
        "group": "",
        "extraData": { "onCases": d.on_cases, "onAlerts": d.on_alerts, "retired": d.retired },
        "displayName": d.label,
        "description": if d.description.is_empty() { &d.label } else { &d.description },
        "type": hive_type(d.field_type),
        "options": d.options,
        "mandatory": d.mandatory != crate::fields::Mandatory::Never,
    })
}

/// A custom field definition as TheHive 3/4 lists it (`/api/list/custom_fields`).
pub fn custom_field_def_v0(d: &FieldDef) -> Value {
    json!({
        "_id": id(d.field_id),
        "id": id(d.field_id),
        "name": d.name,
        "reference": d.name,
        "description": if d.description.is_empty() { &d.label } else { &d.description },
        "type": hive_type(d.field_type),
        "options": d.options,
        "mandatory": d.mandatory != crate::fields::Mandatory::Never,
    })
}

/// A case template as TheHive lists it (`listCaseTemplate`, `/api/case/template/_search`),
/// with the tasks of its playbooks.
pub fn case_template(
    t: &crate::templates::Template,
    tasks: &[crate::cases::NewTask],
    v0: bool,
) -> Value {
    let fields: Vec<Value> = t
        .custom_fields
        .iter()
        .enumerate()
        .map(|(order, (name, value))| json!({ "name": name, "value": value, "order": order }))
        .collect();
    let custom_fields = if v0 {
        Value::Object(
            t.custom_fields
                .iter()
                .enumerate()
                .map(|(order, (name, value))| {
                    (name.clone(), json!({ "order": order, "string": value }))
                })
                .collect(),
        )
    } else {
        Value::Array(fields)
    };
    json!({
        "_id": id(t.template_id),
        "id": id(t.template_id),
        "_type": "CaseTemplate",
        "_createdBy": "casefile",
        "_createdAt": t.updated_at,
        "_updatedAt": t.updated_at,
        "name": t.name,
        "displayName": t.name,
        "titlePrefix": t.title_prefix,
        "description": t.body,
        "severity": t.severity.map(severity_to),
        "tags": t.tags,
        "flag": false,
        "tlp": t.tlp,
        "pap": t.pap,
        "customFields": custom_fields,
        "tasks": tasks.iter().enumerate().map(|(order, task)| json!({
            "title": task.title, "group": task.group_name, "description": task.description,
            "order": order,
        })).collect::<Vec<_>>(),
    })
}

/// `customFields` as TheHive 5 answers them: a list in the fields' order.
pub fn custom_fields(values: &[FieldValue]) -> Value {
    values
        .iter()
        .enumerate()
        .map(|(order, v)| {
            let (ty, value) = hive_field(v);
            json!({ "_id": format!("~{}-{}", v.name, order), "name": v.name,
                "description": v.label, "type": ty, "value": value, "order": order })
        })
        .collect()
}

/// `customFields` as TheHive 3/4 answers them: `{name: {order, <type>: value}}`.
pub fn custom_fields_v0(values: &[FieldValue]) -> Value {
    let mut out = serde_json::Map::new();
    for (order, v) in values.iter().enumerate() {
        let (ty, value) = hive_field(v);
        out.insert(v.name.clone(), json!({ "order": order, ty: value }));
    }
    Value::Object(out)
}

/// TheHive's severity (1 low, 2 medium, 3 high, 4 critical) to Casefile's.
pub fn severity_from(n: i64) -> Result<Severity, String> {
    match n {
        1 => Ok(Severity::Low),
        2 => Ok(Severity::Medium),
        3 => Ok(Severity::High),
        4 => Ok(Severity::Critical),
        _ => Err(format!(
            "severity must be 1 (low), 2 (medium), 3 (high) or 4 (critical), not {n}."
        )),
    }
}

/// Casefile's severity as TheHive's: info has no TheHive level and shows as low.
pub fn severity_to(s: Severity) -> i64 {
    match s {
        Severity::Info | Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

fn severity_label(s: Severity) -> &'static str {
    match severity_to(s) {
        1 => "LOW",
        2 => "MEDIUM",
        3 => "HIGH",
        _ => "CRITICAL",
    }
}

fn level_label(n: i64) -> &'static str {
    match n {
        0 => "WHITE",
        1 => "GREEN",
        2 => "AMBER",
        3 => "RED",
        _ => "RED+STRICT",
    }
}

/// TheHive's observable data types to Casefile's; types Casefile does not check become `other`.
pub fn data_type_from(data_type: &str) -> ObservableType {
    match data_type.trim().to_ascii_lowercase().as_str() {
        "ip" => ObservableType::Ip,
        "domain" => ObservableType::Domain,
        "fqdn" | "hostname" => ObservableType::Hostname,
        "url" => ObservableType::Url,
        "mail" | "email" => ObservableType::Email,
        "hash" => ObservableType::Hash,
        "filename" => ObservableType::Filename,
        "registry" => ObservableType::RegistryKey,
        "user" | "username" => ObservableType::User,
        _ => ObservableType::Other,
    }
}

/// Casefile's observable type names to TheHive's.
pub fn data_type_to(casefile: &str) -> &str {
    match casefile {
        "email" => "mail",
        "registry_key" => "registry",
        other => other,
    }
}

fn alert_status(a: &Alert) -> (&'static str, &'static str) {
    match (a.status, a.case_id, a.verdict) {
        (AlertStatus::New, _, _) => ("New", "New"),
        (AlertStatus::InProgress, _, _) => ("InProgress", "InProgress"),
        (AlertStatus::Closed, Some(_), _) => ("Imported", "Imported"),
        (AlertStatus::Closed, None, Some(Verdict::FalsePositive)) => ("FalsePositive", "Closed"),
        (AlertStatus::Closed, None, Some(Verdict::Duplicate)) => ("Duplicated", "Closed"),
        (AlertStatus::Closed, None, Some(Verdict::TruePositive)) => ("TruePositive", "Closed"),
        (AlertStatus::Closed, None, _) => ("Ignored", "Closed"),
    }
}

pub fn alert(a: &Alert, observable_count: i64) -> Value {
    let (status, stage) = alert_status(a);
    let mut v = json!({
        "_id": id(a.alert_id),
        "_type": "Alert",
        "_createdBy": a.created_by,
        "_createdAt": a.created_at,
        "_updatedAt": a.updated_at,
        "type": a.alert_type,
        "source": a.source,
        "sourceRef": a.source_ref,
        "title": a.title,
        "description": a.description,
        "severity": severity_to(a.severity),
        "severityLabel": severity_label(a.severity),
        "date": a.occurred_at,
        "tags": a.tags,
        "tlp": a.tlp,
        "tlpLabel": level_label(a.tlp),
        "pap": a.pap,
        "papLabel": level_label(a.pap),
        "follow": true,
        "customFields": [],
        "observableCount": observable_count,
        "status": status,
        "stage": stage,
        "extraData": { "occurrences": a.occurrence_count, "lastSeenAt": a.last_seen_at,
            "rule": a.rule },
        "newDate": a.created_at,
        "timeToDetect": (a.created_at - a.occurred_at).max(0),
    });
    if let Some(c) = a.case_id {
        v["caseId"] = json!(id(c));
    }
    if let Some(u) = &a.assignee {
        v["assignee"] = json!(u);
    }
    v
}

fn case_status(c: &Case) -> (&'static str, &'static str, Option<&'static str>) {
    match (c.status, c.closure_verdict) {
        (CaseStatus::New, _) => ("New", "New", None),
        (CaseStatus::Closed, Some(ClosureVerdict::TruePositiveWithImpact)) => {
            ("TruePositive", "Closed", Some("WithImpact"))
        }
        (CaseStatus::Closed, Some(ClosureVerdict::TruePositiveWithoutImpact)) => {
            ("TruePositive", "Closed", Some("NoImpact"))
        }
        (CaseStatus::Closed, Some(ClosureVerdict::FalsePositive)) => {
            ("FalsePositive", "Closed", Some("NotApplicable"))
        }
        (CaseStatus::Closed, Some(ClosureVerdict::Duplicate)) => {
            ("Duplicated", "Closed", Some("NotApplicable"))
        }
        (CaseStatus::Closed, _) => ("Other", "Closed", Some("NotApplicable")),
        _ => ("InProgress", "InProgress", None),
    }
}

pub fn case(c: &Case) -> Value {
    let (status, stage, impact) = case_status(c);
    let mut v = json!({
        "_id": id(c.case_id),
        "_type": "Case",
        "_createdBy": c.created_by,
        "_createdAt": c.created_at,
        "_updatedAt": c.updated_at,
        "number": c.case_id,
        "title": c.title,
        "description": c.description,
        "severity": severity_to(c.severity),
        "severityLabel": severity_label(c.severity),
        "startDate": c.opened_at,
        "tags": c.tags,
        "flag": false,
        "tlp": c.tlp,
        "tlpLabel": level_label(c.tlp),
        "pap": c.pap,
        "papLabel": level_label(c.pap),
        "status": status,
        "stage": stage,
        "access": { "kind": "OrganisationLevel" },
        "customFields": [],
        "extraData": { "caseNumber": c.number, "phase": c.status.as_str(), "tier": c.tier,
            "version": c.version },
        "newDate": c.created_at,
        "timeToDetect": 0,
    });
    if let Some(u) = &c.assignee {
        v["assignee"] = json!(u);
    }
    if let Some(t) = c.closed_at {
        v["endDate"] = json!(t);
        v["closedDate"] = json!(t);
    }
    if let Some(s) = &c.closure_summary {
        v["summary"] = json!(s);
    }
    if let Some(i) = impact {
        v["impactStatus"] = json!(i);
    }
    v
}

pub fn alert_observable(o: &AlertObservable) -> Value {
    json!({
        "_id": id(o.alert_observable_id),
        "_type": "Observable",
        "_createdBy": "",
        "_createdAt": o.created_at,
        "_updatedAt": o.updated_at,
        "dataType": data_type_to(&o.data_type),
        "data": o.value,
        "startDate": o.created_at,
        "tlp": 2, "tlpLabel": "AMBER", "pap": 2, "papLabel": "AMBER",
        "tags": o.tags,
        "ioc": false, "sighted": false, "ignoreSimilarity": false,
        "reports": {},
        "extraData": { "alertId": id(o.alert_id) },
    })
}

pub fn case_observable(o: &CaseObservable) -> Value {
    json!({
        "_id": id(o.case_observable_id),
        "_type": "Observable",
        "_createdBy": o.created_by,
        "_createdAt": o.created_at,
        "_updatedAt": o.updated_at,
        "dataType": data_type_to(&o.data_type),
        "data": o.value,
        "message": o.description,
        "startDate": o.created_at,
        "tlp": o.tlp, "tlpLabel": level_label(o.tlp), "pap": 2, "papLabel": "AMBER",
        "tags": o.tags,
        "ioc": o.ioc, "sighted": false, "ignoreSimilarity": false,
        "reports": {},
        "extraData": { "caseId": id(o.case_id) },
    })
}

/// TheHive's task statuses: Waiting, InProgress, Completed, Cancel.
pub fn task_status_to(s: TaskStatus) -> &'static str {
    match s {
        TaskStatus::Todo => "Waiting",
        TaskStatus::InProgress => "InProgress",
        TaskStatus::Done => "Completed",
        TaskStatus::Blocked => "Cancel",
    }
}

pub fn task_status_from(s: &str) -> Result<TaskStatus, String> {
    match s.trim() {
        "Waiting" => Ok(TaskStatus::Todo),
        "InProgress" => Ok(TaskStatus::InProgress),
        "Completed" => Ok(TaskStatus::Done),
        "Cancel" => Ok(TaskStatus::Blocked),
        other => Err(format!(
            "Unknown task status \u{201c}{other}\u{201d}: use Waiting, InProgress, Completed or Cancel."
        )),
    }
}

pub fn task(t: &CaseTask) -> Value {
    let mut v = json!({
        "_id": id(t.task_id),
        "_type": "Task",
        "_createdBy": t.created_by,
        "_createdAt": t.created_at,
        "_updatedAt": t.updated_at,
        "title": t.title,
        "group": t.group_name,
        "description": t.description,
        "status": task_status_to(t.status),
        "flag": false,
        "order": 0,
        "mandatory": false,
        "extraData": { "caseId": id(t.case_id) },
    });
    if let Some(u) = &t.assignee {
        v["assignee"] = json!(u);
    }
    if let Some(d) = t.due_at {
        v["dueDate"] = json!(d);
    }
    if let Some(d) = t.completed_at {
        v["endDate"] = json!(d);
    }
    v
}

pub fn log(l: &TaskLog) -> Value {
    json!({
        "_id": id(l.task_log_id),
        "_type": "Log",
        "_createdBy": l.created_by,
        "_createdAt": l.created_at,
        "message": l.message,
        "date": l.created_at,
        "owner": l.created_by,
        "extraData": { "taskId": id(l.task_id) },
    })
}

/// A case timeline note as a TheHive comment.
pub fn comment(event_id: i64, case_id: i64, message: &str, by: &str, at: i64) -> Value {
    json!({
        "_id": id(event_id),
        "_type": "Comment",
        "_createdBy": by,
        "_createdAt": at,
        "message": message,
        "isEdited": false,
        "extraData": { "caseId": id(case_id) },
    })
}

pub fn user(user_id: i64, login: &str, name: &str, role: &str) -> Value {
    json!({
        "_id": id(user_id),
        "_type": "User",
        "login": login,
        "name": if name.is_empty() { login } else { name },
        "profile": role,
        "organisation": "casefile",
        "locked": false,
    })
}

/// The fixed lists TheHive clients fill their forms from, in TheHive 5's shapes.
pub fn catalog(c: Catalog) -> Vec<Value> {
    let statuses = |kind: &str, list: &[(&str, &str)]| -> Vec<Value> {
        list.iter()
            .enumerate()
            .map(|(order, (value, stage))| {
                json!({ "_id": format!("~{kind}-{value}"), "_type": kind, "value": value,
                    "stage": stage, "order": order })
            })
            .collect()
    };
    match c {
        Catalog::AlertStatus => statuses(
            "AlertStatus",
            &[
                ("New", "New"),
                ("InProgress", "InProgress"),
                ("Imported", "Imported"),
                ("TruePositive", "Closed"),
                ("FalsePositive", "Closed"),
                ("Duplicated", "Closed"),
                ("Ignored", "Closed"),
            ],
        ),
        Catalog::CaseStatus => statuses(
            "CaseStatus",
            &[
                ("New", "New"),
                ("InProgress", "InProgress"),
                ("TruePositive", "Closed"),
                ("FalsePositive", "Closed"),
                ("Duplicated", "Closed"),
                ("Indeterminate", "Closed"),
                ("Other", "Closed"),
            ],
        ),
        Catalog::ObservableType => {
            let mut names: Vec<&str> = ObservableType::ALL
                .iter()
                .map(|t| data_type_to(t.as_str()))
                .collect();
            names.extend(["fqdn", "file"]);
            names
                .into_iter()
                .map(|name| {
                    json!({ "_id": format!("~type-{name}"), "_type": "ObservableType",
                        "name": name, "isAttachment": name == "file" })
                })
                .collect()
        }
        // Templates and custom fields are read from the database by the query runner.
        Catalog::CaseTemplate | Catalog::CustomField => Vec::new(),
    }
}
