//! Triage: verdicts and assignment (in bulk), edits and deletion of one alert.

use serde_json::json;

use super::{MAX_BULK, alert_event, get, with_group_members};
use crate::alerts::{
    Alert, AlertPatch, Severity, Verdict,
    store::{self},
};
use crate::{
    accounts::{normalize_username, store as accounts_store},
    journal::Change,
    platform::{Actor, Error, Platform, Result},
    roles::Permission,
    validate::{check_level, check_tags, optional, required, tags_from_json, tags_to_json},
};

/// The triage state of one alert inside `tx`, or `NotFound` naming it.
async fn load_for_triage(tx: &mut crate::platform::Tx, id: i64) -> Result<store::TriageRow> {
    store::triage_state(tx, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no alert {id}.")))
}

fn check_bulk(ids: &[i64]) -> Result<()> {
    match ids.len() {
        0 => Err(Error::invalid("Select at least one alert.")),
        n if n > MAX_BULK => Err(Error::invalid(format!(
            "Act on at most {MAX_BULK} alerts at a time."
        ))),
        _ => Ok(()),
    }
}

/// Records a verdict (with its reason) on each alert and closes it. All or nothing.
pub async fn set_verdict(
    p: &Platform,
    actor: &Actor,
    ids: &[i64],
    verdict: &str,
    reason: &str,
) -> Result<usize> {
    actor.require(Permission::AlertTriage)?;
    check_bulk(ids)?;
    let verdict = Verdict::parse(verdict).map_err(Error::Invalid)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid(
            "Give a reason for the verdict, e.g. what you checked.",
        ));
    }
    if reason.chars().count() > 2000 {
        return Err(Error::invalid("The reason is longer than 2000 characters."));
    }
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    // A verdict on a group's row is a verdict on every alert folded into it.
    for id in with_group_members(ch.tx(), ids).await? {
        let before = load_for_triage(ch.tx(), id).await?;
        store::set_verdict(ch.tx(), id, verdict.as_str(), reason, now).await?;
        let detail = json!({
            "before": { "status": before.status, "verdict": before.verdict },
            "after": { "status": "closed", "verdict": verdict.as_str() },
            "reason": reason,
        });
        ch.audit(alert_event("alert.verdict", id, detail)).await?;
    }
    ch.commit().await?;
    Ok(ids.len())
}

/// Takes back the verdict on closed alerts and returns them to the queue (TheHive's "mark as
/// unread"). Alerts that are part of a case stay as they are: the case holds them.
pub async fn reopen(p: &Platform, actor: &Actor, ids: &[i64]) -> Result<usize> {
    actor.require(Permission::AlertTriage)?;
    check_bulk(ids)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let mut reopened = 0;
    for id in with_group_members(ch.tx(), ids).await? {
        let before = store::alert_in_tx(ch.tx(), id)
            .await?
            .ok_or_else(|| Error::not_found(format!("There is no alert {id}.")))?;
        if before.case_id.is_some() || before.status != "closed" {
            continue;
        }
        store::reopen(ch.tx(), id, now).await?;
        let detail = json!({
            "before": { "status": before.status, "verdict": before.verdict },
            "after": { "status": if before.assignee_id.is_some() { "in_progress" } else { "new" },
                "verdict": null },
        });
        ch.audit(alert_event("alert.reopened", id, detail)).await?;
        reopened += 1;
    }
    ch.commit().await?;
    Ok(reopened)
}

/// Assigns alerts to `assignee` (`me`, a username) or, with `None`, returns them to the queue.
pub async fn assign(
    p: &Platform,
    actor: &Actor,
    ids: &[i64],
    assignee: Option<&str>,
) -> Result<usize> {
    actor.require(Permission::AlertTriage)?;
    check_bulk(ids)?;
    let assignee_id = match assignee.map(str::trim) {
        None => None,
        Some("") => {
            return Err(Error::invalid(
                "Enter the username of the analyst to assign.",
            ));
        }
        Some("me") => Some(actor.require_user()?),
        Some(name) => {
            let name = normalize_username(name).map_err(Error::Invalid)?;
            let row = accounts_store::user_by_name(&p.db, &name)
                .await?
                .filter(|r| !r.disabled && r.role == "analyst")
                .ok_or_else(|| {
                    Error::invalid(format!(
                        "No active analyst is called \u{201c}{name}\u{201d}."
                    ))
                })?;
            Some(row.user_id)
        }
    };
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    for id in with_group_members(ch.tx(), ids).await? {
        let before = load_for_triage(ch.tx(), id).await?;
        store::set_assignee(ch.tx(), id, assignee_id, now).await?;
        let detail = json!({ "before": { "assignee_id": before.assignee_id }, "after": { "assignee_id": assignee_id } });
        ch.audit(alert_event("alert.assigned", id, detail)).await?;
    }
    ch.commit().await?;
    Ok(ids.len())
}

/// Edits an alert's descriptive fields (TheHive clients update alerts after creating them).
pub async fn update(
    p: &Platform,
    actor: &Actor,
    alert_id: i64,
    patch: AlertPatch,
) -> Result<Alert> {
    actor.require(Permission::AlertTriage)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let before = store::alert_in_tx(ch.tx(), alert_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no alert {alert_id}.")))?;
    let title = match &patch.title {
        Some(t) => required("title", t, 500).map_err(Error::Invalid)?,
        None => before.title.clone(),
    };
    let description = match &patch.description {
        Some(d) => optional("description", d, 100_000).map_err(Error::Invalid)?,
        None => before.description.clone(),
    };
    let mut tags = match &patch.tags {
        Some(t) => t.clone(),
        None => tags_from_json(&before.tags),
    };
    tags.extend(patch.add_tags.iter().cloned());
    tags.retain(|t| !patch.remove_tags.contains(t));
    let tags = check_tags(&tags).map_err(Error::Invalid)?;
    let tlp = check_level("tlp", patch.tlp.unwrap_or(before.tlp)).map_err(Error::Invalid)?;
    let pap = check_level("pap", patch.pap.unwrap_or(before.pap)).map_err(Error::Invalid)?;
    let severity = patch.severity.map_or(before.severity, Severity::level);
    let tags_json = tags_to_json(&tags);
    let edit = store::AlertEdit {
        title: &title,
        description: &description,
        severity,
        tlp,
        pap,
        tags: &tags_json,
    };
    store::update_fields(ch.tx(), alert_id, &edit, now).await?;
    let detail = json!({
        "before": { "title": before.title, "severity": before.severity, "tlp": before.tlp, "pap": before.pap,
            "tags": tags_from_json(&before.tags), "description_chars": before.description.chars().count() },
        "after": { "title": title, "severity": severity, "tlp": tlp, "pap": pap, "tags": tags,
            "description_chars": description.chars().count() },
    });
    ch.audit(alert_event("alert.updated", alert_id, detail))
        .await?;
    ch.commit().await?;
    get(p, actor, alert_id).await
}

/// Deletes an alert that is not part of a case (a case's alerts are evidence of how it began).
pub async fn delete(p: &Platform, actor: &Actor, alert_id: i64) -> Result<()> {
    actor.require(Permission::AlertTriage)?;
    let mut ch = Change::begin(p, actor).await?;
    let before = store::alert_in_tx(ch.tx(), alert_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no alert {alert_id}.")))?;
    if before.case_id.is_some() {
        return Err(Error::conflict(format!(
            "Alert {alert_id} is part of a case and cannot be deleted."
        )));
    }
    if store::leads_group(ch.tx(), alert_id).await? {
        return Err(Error::conflict(format!(
            "Alert {alert_id} heads a group of alerts; give the group a verdict instead of deleting it."
        )));
    }
    let references = super::files::file_references(ch.tx(), alert_id).await?;
    store::delete(ch.tx(), alert_id).await?;
    let detail = json!({ "deleted": { "alert_type": before.alert_type, "source": before.source,
        "source_ref": before.source_ref, "title": before.title, "status": before.status,
        "verdict": before.verdict } });
    ch.audit(alert_event("alert.deleted", alert_id, detail))
        .await?;
    ch.commit().await?;
    super::files::release_references(p, &references).await;
    Ok(())
}
