//! Casefile's records in TheHive 3/4's shapes (the v0 API): `id` beside `_id`, lower-case
//! `_type`s (`alert`, `case`, `case_artifact`, `case_task`, `case_task_log`), `createdAt` and
//! `createdBy` without the underscore, and v0 status names (alerts New/Ignored/Imported, cases
//! Open/Resolved with a `resolutionStatus`).

use serde_json::{Value, json};

use super::model::{data_type_to, id, severity_to, task_status_to};
use crate::{
    alerts::{Alert, AlertObservable, AlertStatus},
    cases::{Case, CaseObservable, CaseStatus, CaseTask, ClosureVerdict, RelatedCase, TaskLog},
};

/// Fields every v0 record carries.
fn record(kind: &str, n: i64, created_by: &str, created_at: i64, updated_at: i64) -> Value {
    json!({
        "id": id(n),
        "_id": id(n),
        "_type": kind,
        "_routing": id(n),
        "_version": 1,
        "createdBy": created_by,
        "createdAt": created_at,
        "updatedAt": updated_at,
    })
}

fn merge(mut base: Value, fields: Value) -> Value {
    if let (Some(b), Value::Object(f)) = (base.as_object_mut(), fields) {
        b.extend(f);
    }
    base
}

/// TheHive 3/4's alert status: Imported into a case, Ignored once closed, otherwise New.
pub fn alert_status(a: &Alert) -> &'static str {
    match (a.case_id, a.status) {
        (Some(_), _) => "Imported",
        (None, AlertStatus::Closed) => "Ignored",
        (None, _) => "New",
    }
}

pub fn alert(a: &Alert, artifacts: &[AlertObservable]) -> Value {
    let mut v = merge(
        record(
            "alert",
            a.alert_id,
            &a.created_by,
            a.created_at,
            a.updated_at,
        ),
        json!({
            "type": a.alert_type,
            "source": a.source,
            "sourceRef": a.source_ref,
            "title": a.title,
            "description": a.description,
            "severity": severity_to(a.severity),
            "date": a.occurred_at,
            "tags": a.tags,
            "tlp": a.tlp,
            "pap": a.pap,
            "status": alert_status(a),
            "follow": true,
            "customFields": {},
            "caseTemplate": null,
            "lastSyncDate": a.updated_at,
            "artifacts": artifacts.iter().map(alert_artifact).collect::<Vec<_>>(),
            "similarCases": [],
        }),
    );
    v["case"] = a.case_id.map_or(Value::Null, |c| json!(id(c)));
    if let Some(u) = &a.assignee {
        v["owner"] = json!(u);
    }
    v
}

/// An alert's artifact, as embedded in the alert.
pub fn alert_artifact(o: &AlertObservable) -> Value {
    json!({
        "dataType": data_type_to(&o.data_type),
        "data": o.value,
        "message": null,
        "tlp": 2,
        "tags": o.tags,
        "ioc": false,
        "sighted": false,
        "startDate": o.created_at,
    })
}

/// TheHive 3/4's resolution and impact of a closed case.
fn resolution(c: &Case) -> (Option<&'static str>, Option<&'static str>) {
    if c.status != CaseStatus::Closed {
        return (None, None);
    }
    match c.closure_verdict {
        Some(ClosureVerdict::TruePositiveWithImpact) => (Some("TruePositive"), Some("WithImpact")),
        Some(ClosureVerdict::TruePositiveWithoutImpact) => (Some("TruePositive"), Some("NoImpact")),
        Some(ClosureVerdict::FalsePositive) => (Some("FalsePositive"), Some("NotApplicable")),
        Some(ClosureVerdict::Duplicate) => (Some("Duplicated"), Some("NotApplicable")),
        _ => (Some("Other"), Some("NotApplicable")),
    }
}

pub fn case(c: &Case) -> Value {
    let (resolution_status, impact_status) = resolution(c);
    let mut v = merge(
        record("case", c.case_id, &c.created_by, c.created_at, c.updated_at),
        json!({
            "caseId": c.case_id,
            "title": c.title,
            "description": c.description,
            "severity": severity_to(c.severity),
            "startDate": c.opened_at,
            "endDate": c.closed_at,
            "tags": c.tags,
            "flag": false,
            "tlp": c.tlp,
            "pap": c.pap,
            "status": if c.status == CaseStatus::Closed { "Resolved" } else { "Open" },
            "resolutionStatus": resolution_status,
            "impactStatus": impact_status,
            "summary": c.closure_summary,
            "owner": c.assignee,
            "customFields": {},
            "metrics": {},
            "stats": {},
            "permissions": [],
        }),
    );
    // Casefile's own facts a v0 client can read but not set.
    v["extraData"] = json!({ "caseNumber": c.number, "phase": c.status.as_str(),
        "tier": c.tier, "version": c.version });
    v
}

/// A case linked to another by shared observables (`GET /api/case/{id}/links`).
pub fn linked_case(r: &RelatedCase) -> Value {
    json!({
        "id": id(r.case_id),
        "_id": id(r.case_id),
        "_type": "case",
        "caseId": r.case_id,
        "title": r.title,
        "status": if r.status == CaseStatus::Closed { "Resolved" } else { "Open" },
        "linkedWith": [],
        "linksCount": r.shared,
        "extraData": { "caseNumber": r.number },
    })
}

pub fn artifact(o: &CaseObservable) -> Value {
    let mut v = merge(
        record(
            "case_artifact",
            o.case_observable_id,
            &o.created_by,
            o.created_at,
            o.updated_at,
        ),
        json!({
            "dataType": data_type_to(&o.data_type),
            "data": o.value,
            "message": o.description,
            "startDate": o.created_at,
            "tlp": o.tlp,
            "tags": o.tags,
            "ioc": o.ioc,
            "sighted": false,
            "ignoreSimilarity": false,
            "status": "Ok",
            "reports": {},
            "stats": { "seen": o.seen_in_cases },
        }),
    );
    v["_parent"] = json!(id(o.case_id));
    v
}

pub fn task(t: &CaseTask) -> Value {
    let mut v = merge(
        record(
            "case_task",
            t.task_id,
            &t.created_by,
            t.created_at,
            t.updated_at,
        ),
        json!({
            "title": t.title,
            "group": t.group_name,
            "description": t.description,
            "owner": t.assignee,
            "status": task_status_to(t.status),
            "flag": false,
            "startDate": t.created_at,
            "endDate": t.completed_at,
            "dueDate": t.due_at,
            "order": 0,
        }),
    );
    v["_parent"] = json!(id(t.case_id));
    v
}

pub fn log(l: &TaskLog) -> Value {
    let mut v = merge(
        record(
            "case_task_log",
            l.task_log_id,
            &l.created_by,
            l.created_at,
            l.created_at,
        ),
        json!({
            "message": l.message,
            "startDate": l.created_at,
            "owner": l.created_by,
            "status": "Ok",
        }),
    );
    v["_parent"] = json!(id(l.task_id));
    v
}
