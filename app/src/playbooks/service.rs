//! Playbook use cases: read them, edit them (admins), apply one to a case (its tasks are added
//! by the case service, with the timeline and audit entries that go with them).

use serde_json::json;

use super::{Playbook, PlaybookTask, store, tasks_from_text};
use crate::{
    cases::{self, NewTask},
    journal::{Change, NewAuditEvent},
    platform::{Actor, Error, Platform, Result},
    roles::Permission,
    validate::{optional, required},
};

fn to_playbook(r: store::PlaybookRow) -> Result<Playbook> {
    let tasks: Vec<PlaybookTask> = serde_json::from_str(&r.tasks).map_err(|e| {
        Error::internal(format!("playbook {} tasks unreadable: {e}", r.playbook_id))
    })?;
    Ok(Playbook {
        playbook_id: r.playbook_id,
        name: r.name,
        incident_type: r.incident_type,
        description: r.description,
        tasks,
        version: r.version,
        updated_by: r.updated_by,
        updated_at: r.updated_at,
    })
}

/// Every playbook: analysts pick one, admins edit them.
pub async fn list(p: &Platform, actor: &Actor) -> Result<Vec<Playbook>> {
    actor
        .require(Permission::CaseRead)
        .or_else(|_| actor.require(Permission::AdminSettings))?;
    store::list(&p.db)
        .await?
        .into_iter()
        .map(to_playbook)
        .collect()
}

pub async fn get(p: &Platform, actor: &Actor, playbook_id: i64) -> Result<Playbook> {
    actor.require(Permission::CaseRead)?;
    to_playbook(
        store::get(&p.db, playbook_id)
            .await?
            .ok_or_else(|| Error::not_found(format!("There is no playbook {playbook_id}.")))?,
    )
}

/// The checked tasks a playbook adds to a case.
pub async fn tasks_of(
    p: &Platform,
    actor: &Actor,
    playbook_id: i64,
) -> Result<(String, Vec<NewTask>)> {
    let playbook = get(p, actor, playbook_id).await?;
    let tasks = playbook
        .tasks
        .iter()
        .map(PlaybookTask::check)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::internal(format!("stored playbook task invalid: {e}")))?;
    Ok((playbook.name, tasks))
}

/// The checked tasks of the playbook named `name` (templates name their playbooks).
/// Administrators read them too: they keep the templates that name playbooks.
pub async fn tasks_named(p: &Platform, actor: &Actor, name: &str) -> Result<Vec<NewTask>> {
    actor
        .require(Permission::CaseRead)
        .or_else(|_| actor.require(Permission::TemplatesWrite))?;
    let row = store::by_name(&p.db, name).await?.ok_or_else(|| {
        Error::invalid(format!(
            "There is no playbook named \u{201c}{name}\u{201d}."
        ))
    })?;
    to_playbook(row)?
        .tasks
        .iter()
        .map(PlaybookTask::check)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::internal(format!("stored playbook task invalid: {e}")))
}

/// Adds a playbook's tasks to an open case.
pub async fn apply(p: &Platform, actor: &Actor, case_id: i64, playbook_id: i64) -> Result<usize> {
    actor.require(Permission::CaseEdit)?;
    let (name, tasks) = tasks_of(p, actor, playbook_id).await?;
    cases::service::add_playbook_tasks(p, actor, case_id, &name, &tasks).await?;
    Ok(tasks.len())
}

/// An admin's edit: name, description and the tasks as text (see [`super::tasks_from_text`]).
/// A stale edit (someone saved since `version`) is refused.
pub async fn update(
    p: &Platform,
    actor: &Actor,
    playbook_id: i64,
    version: i64,
    name: &str,
    description: &str,
    tasks_text: &str,
) -> Result<Playbook> {
    actor.require(Permission::AdminSettings)?;
    let name = required("name", name, 100).map_err(Error::Invalid)?;
    let description = optional("description", description, 2000).map_err(Error::Invalid)?;
    let tasks = tasks_from_text(tasks_text).map_err(Error::Invalid)?;
    let tasks_json =
        serde_json::to_string(&tasks).map_err(|e| Error::internal(format!("tasks: {e}")))?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let before = store::get_in_tx(ch.tx(), playbook_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no playbook {playbook_id}.")))?;
    if store::name_taken(ch.tx(), &name, playbook_id).await? {
        return Err(Error::conflict(format!(
            "Another playbook is named \u{201c}{name}\u{201d}."
        )));
    }
    if !store::update(
        ch.tx(),
        playbook_id,
        version,
        &name,
        &description,
        &tasks_json,
        &actor.label(),
        now,
    )
    .await?
    {
        return Err(Error::conflict(format!(
            "{} saved this playbook since you opened it (now version {}); reload and edit again.",
            before.updated_by, before.version
        )));
    }
    let event = NewAuditEvent {
        action: "playbook.updated",
        object_type: "playbook",
        object_id: Some(playbook_id.to_string()),
        detail: json!({
            "before": { "name": before.name, "tasks": serde_json::from_str::<serde_json::Value>(&before.tasks).unwrap_or_default() },
            "after": { "name": name, "tasks": tasks },
        }),
    };
    ch.audit(event).await?;
    let row = store::get_in_tx(ch.tx(), playbook_id)
        .await?
        .ok_or_else(|| Error::internal("playbook vanished"))?;
    ch.commit().await?;
    to_playbook(row)
}
