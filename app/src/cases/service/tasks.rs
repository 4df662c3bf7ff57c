//! Tasks and task logs, containment completion, and a playbook's tasks applied to a case.

use serde_json::json;

use super::{MAX_LISTED, MAX_NOTE_CHARS, ensure_open, to_task};
use crate::cases::{
    CaseTask, ContainmentAction, EventKind, NewTask, TaskLog, TaskStatus,
    store::{self},
};
use crate::{
    journal::{Change, Happened, NewAuditEvent, case_event},
    platform::{Actor, Error, Platform, Result},
    roles::Permission,
    validate::required,
};

/// Adds a task to a case.
pub async fn add_task(p: &Platform, actor: &Actor, case_id: i64, t: NewTask) -> Result<CaseTask> {
    actor.require(Permission::CaseEdit)?;
    let (mut ch, case) = Change::on_case(p, actor, case_id).await?;
    let now = ch.now();
    ensure_open(&case)?;
    let task_id = store::insert_task(ch.tx(), case_id, &t, &actor.label(), now).await?;
    ch.record(
        case_id,
        Happened {
            kind: EventKind::TaskAdded,
            at: now,
            summary: &format!("Task added: {}", t.title),
            detail: json!({ "task_id": task_id, "group": t.group_name }),
        },
    )
    .await?;
    let detail = json!({ "task_id": task_id, "title": t.title, "status": t.status.as_str() });
    ch.audit(case_event("case.task_added", case_id, detail))
        .await?;
    ch.commit().await?;
    task(p, actor, task_id).await
}

/// A case's tasks (at most [`MAX_LISTED`]).
pub async fn tasks(p: &Platform, actor: &Actor, case_id: i64) -> Result<Vec<CaseTask>> {
    actor.require(Permission::CaseRead)?;
    store::tasks(&p.db, case_id, MAX_LISTED)
        .await?
        .into_iter()
        .map(to_task)
        .collect()
}

pub async fn task(p: &Platform, actor: &Actor, task_id: i64) -> Result<CaseTask> {
    actor.require(Permission::CaseRead)?;
    to_task(
        store::task(&p.db, task_id)
            .await?
            .ok_or_else(|| Error::not_found(format!("There is no task {task_id}.")))?,
    )
}

/// Moves a task to another status; finishing it goes on the case timeline.
pub async fn set_task_status(
    p: &Platform,
    actor: &Actor,
    task_id: i64,
    status: &str,
    done_on: Option<&str>,
) -> Result<CaseTask> {
    actor.require(Permission::CaseEdit)?;
    let status = TaskStatus::parse(status).map_err(Error::Invalid)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let before = store::task_in_tx(ch.tx(), task_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no task {task_id}.")))?;
    let case = ch.lock_case(before.case_id).await?;
    ensure_open(&case)?;
    if before.status == status.as_str() {
        drop(ch);
        return task(p, actor, task_id).await;
    }
    let action = before
        .action
        .as_deref()
        .map(ContainmentAction::parse)
        .transpose()
        .map_err(Error::Internal)?;
    // A containment action is only done once we know what it was done on.
    let asset = match (status, action) {
        (TaskStatus::Done, Some(a)) => Some(
            required("asset", done_on.unwrap_or_default(), 500).map_err(|_| {
                Error::invalid(format!(
                    "Say which {} this was done on: \u{201c}{}\u{201d} is a containment action.",
                    a.asset_label(),
                    before.title
                ))
            })?,
        ),
        _ => None,
    };
    store::set_task_status(ch.tx(), task_id, status.as_str(), asset.as_deref(), now).await?;
    if status == TaskStatus::Done {
        let summary = match (action, &asset) {
            (Some(a), Some(asset)) => {
                format!("{} {asset} (task: {})", a.done_label(), before.title)
            }
            _ => format!("Task done: {}", before.title),
        };
        ch.record(
            before.case_id,
            Happened {
                kind: EventKind::TaskDone,
                at: now,
                summary: &summary,
                detail: json!({ "task_id": task_id, "action": action.map(ContainmentAction::as_str),
                    "asset": asset }),
            },
        )
        .await?;
    }
    let detail = json!({ "case_id": before.case_id, "before": { "status": before.status },
        "after": { "status": status.as_str(), "done_on": asset } });
    ch.audit(NewAuditEvent {
        action: "task.status_changed",
        object_type: "task",
        object_id: Some(task_id.to_string()),
        detail,
    })
    .await?;
    ch.commit().await?;
    task(p, actor, task_id).await
}

/// Adds a log entry (a note on the work done) to a task.
pub async fn add_task_log(
    p: &Platform,
    actor: &Actor,
    task_id: i64,
    message: &str,
) -> Result<TaskLog> {
    actor.require(Permission::CaseEdit)?;
    let message = required("message", message, MAX_NOTE_CHARS).map_err(Error::Invalid)?;
    let now = p.clock.now();
    let label = actor.label();
    let mut ch = Change::begin_at(p, actor, now).await?;
    let t = store::task_in_tx(ch.tx(), task_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no task {task_id}.")))?;
    let case = ch.lock_case(t.case_id).await?;
    ensure_open(&case)?;
    let id = store::insert_task_log(ch.tx(), task_id, &message, &label, now).await?;
    let detail = json!({ "case_id": t.case_id, "task_log_id": id });
    ch.audit(NewAuditEvent {
        action: "task.log_added",
        object_type: "task",
        object_id: Some(task_id.to_string()),
        detail,
    })
    .await?;
    ch.commit().await?;
    Ok(TaskLog {
        task_log_id: id,
        task_id,
        message,
        created_by: label,
        created_at: now,
    })
}

/// A task's log entries, oldest first (at most [`MAX_LISTED`]).
pub async fn task_logs(p: &Platform, actor: &Actor, task_id: i64) -> Result<Vec<TaskLog>> {
    actor.require(Permission::CaseRead)?;
    Ok(store::task_logs(&p.db, task_id, MAX_LISTED)
        .await?
        .into_iter()
        .map(|r| TaskLog {
            task_log_id: r.task_log_id,
            task_id: r.task_id,
            message: r.message,
            created_by: r.created_by,
            created_at: r.created_at,
        })
        .collect())
}

/// Adds a playbook's tasks to an open case, with a timeline entry naming the playbook.
pub async fn add_playbook_tasks(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    playbook: &str,
    tasks: &[NewTask],
) -> Result<()> {
    actor.require(Permission::CaseEdit)?;
    let now = p.clock.now();
    let label = actor.label();
    let (mut ch, case) = Change::on_case_at(p, actor, now, case_id).await?;
    ensure_open(&case)?;
    ch.record(
        case_id,
        Happened {
            kind: EventKind::Custom,
            at: now,
            summary: &format!("Playbook applied: {playbook} ({} tasks)", tasks.len()),
            detail: json!({ "playbook": playbook, "tasks": tasks.len() }),
        },
    )
    .await?;
    let mut ids = Vec::with_capacity(tasks.len());
    for t in tasks {
        ids.push(store::insert_task(ch.tx(), case_id, t, &label, now).await?);
    }
    let detail = json!({ "playbook": playbook, "task_ids": ids });
    ch.audit(case_event("case.playbook_applied", case_id, detail))
        .await?;
    ch.commit().await?;
    Ok(())
}
