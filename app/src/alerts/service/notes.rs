//! Comments and ATT&CK procedures posted on an alert (TheHive 5's `/alert/{id}/comment` and
//! `/procedures`, which Splunk's and n8n's integrations send). The alert keeps them; the case
//! it is part of, or later becomes part of, gets them on its timeline.

use serde_json::json;

use super::alert_event;
use crate::{
    alerts::store::{self, AlertNoteRow, NewAlertNote},
    attack,
    cases::{EventKind, store::NewEvent},
    journal::Change,
    platform::{Actor, Error, Platform, Result},
    roles::Permission,
    validate::{optional, required},
};

/// Longest comment or procedure description.
const MAX_NOTE_CHARS: usize = 10_000;
/// Most notes one request adds.
pub const MAX_NOTES_PER_REQUEST: usize = 100;

/// A comment, or a procedure (`technique` set), as posted.
#[derive(Debug, Clone, Default)]
pub struct AlertNoteInput {
    pub message: String,
    /// An ATT&CK technique id: the note is a procedure.
    pub technique: Option<String>,
    pub tactic: Option<String>,
    /// When the procedure was seen (epoch ms); now if not given.
    pub occurred_at: Option<i64>,
}

/// A stored note.
#[derive(Debug, Clone)]
pub struct AlertNote {
    pub alert_note_id: i64,
    pub alert_id: i64,
    pub kind: String,
    pub message: String,
    pub technique: String,
    pub tactic: String,
    pub occurred_at: i64,
    pub created_by: String,
    pub created_at: i64,
    /// The case whose timeline also holds it, when the alert is part of one.
    pub case_id: Option<i64>,
}

/// Adds notes to an alert, all or none. The forwarder that posted the alert may add them
/// (`alert.ingest`), as may triage; when the alert is part of a case they also go on its
/// timeline, which needs `case.edit`.
pub async fn add_notes(
    p: &Platform,
    actor: &Actor,
    alert_id: i64,
    notes: &[AlertNoteInput],
) -> Result<Vec<AlertNote>> {
    if actor.require(Permission::AlertIngest).is_err() {
        actor.require(Permission::AlertTriage)?;
    }
    if notes.is_empty() || notes.len() > MAX_NOTES_PER_REQUEST {
        return Err(Error::invalid(format!(
            "Send 1 to {MAX_NOTES_PER_REQUEST} comments or procedures."
        )));
    }
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let checked = notes
        .iter()
        .map(|n| check(n, now))
        .collect::<Result<Vec<_>>>()?;
    let alert = store::alert_in_tx(ch.tx(), alert_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no alert {alert_id}.")))?;
    if let Some(case_id) = alert.case_id {
        actor.require(Permission::CaseEdit)?;
        let case = ch.lock_case(case_id).await?;
        if case.status == "closed" {
            return Err(Error::conflict(format!(
                "Alert {alert_id} is part of case {}, which is closed: reopen the case to add to its timeline.",
                case.number
            )));
        }
    }
    let label = actor.label();
    let mut stored = Vec::new();
    for (kind, message, technique, tactic, occurred_at) in &checked {
        let new = NewAlertNote {
            kind,
            message,
            technique,
            tactic,
            occurred_at: *occurred_at,
        };
        let id = store::insert_note(ch.tx(), alert_id, &new, &label, now).await?;
        let row = AlertNoteRow {
            alert_note_id: id,
            alert_id,
            kind: (*kind).to_owned(),
            message: message.clone(),
            technique: technique.clone(),
            tactic: tactic.clone(),
            occurred_at: *occurred_at,
            created_by: label.clone(),
            created_at: now,
        };
        if let Some(case_id) = alert.case_id {
            record_on_case(&mut ch, case_id, &row).await?;
        }
        stored.push(to_note(row, alert.case_id));
    }
    let detail = json!({
        "notes": stored.iter().map(|n| json!({ "id": n.alert_note_id, "kind": n.kind,
            "technique": n.technique, "chars": n.message.chars().count() })).collect::<Vec<_>>(),
        "case_id": alert.case_id,
    });
    ch.audit(alert_event("alert.noted", alert_id, detail))
        .await?;
    ch.commit().await?;
    Ok(stored)
}

/// (kind, message, technique, tactic, occurred_at) of a valid note.
fn check(n: &AlertNoteInput, now: i64) -> Result<(&'static str, String, String, String, i64)> {
    let invalid = Error::Invalid;
    let occurred_at = n.occurred_at.unwrap_or(now);
    if occurred_at < 0 || occurred_at > now + 5 * 60 * 1000 {
        return Err(Error::invalid(
            "`occurDate` must be epoch milliseconds, not in the future.",
        ));
    }
    match &n.technique {
        None => Ok((
            "comment",
            required("message", &n.message, MAX_NOTE_CHARS).map_err(invalid)?,
            String::new(),
            String::new(),
            occurred_at,
        )),
        Some(t) => {
            let technique = attack::check_techniques(std::slice::from_ref(t))
                .map_err(invalid)?
                .into_iter()
                .next()
                .ok_or_else(|| Error::invalid("A procedure needs its `patternId`."))?;
            Ok((
                "procedure",
                optional("description", &n.message, MAX_NOTE_CHARS).map_err(invalid)?,
                technique,
                optional("tactic", n.tactic.as_deref().unwrap_or_default(), 100)
                    .map_err(invalid)?,
                occurred_at,
            ))
        }
    }
}

fn to_note(r: AlertNoteRow, case_id: Option<i64>) -> AlertNote {
    AlertNote {
        alert_note_id: r.alert_note_id,
        alert_id: r.alert_id,
        kind: r.kind,
        message: r.message,
        technique: r.technique,
        tactic: r.tactic,
        occurred_at: r.occurred_at,
        created_by: r.created_by,
        created_at: r.created_at,
        case_id,
    }
}

/// Writes one alert note on a case's timeline: a comment as a note, a procedure as an entry
/// tagged with its technique. The case is locked by the caller's change.
async fn record_on_case(ch: &mut Change<'_>, case_id: i64, n: &AlertNoteRow) -> Result<i64> {
    let techniques: Vec<String> = if n.technique.is_empty() {
        Vec::new()
    } else {
        vec![n.technique.clone()]
    };
    let (kind, summary, tags) = if n.kind == "procedure" {
        let summary = if n.tactic.is_empty() {
            format!("Procedure {} (alert {})", n.technique, n.alert_id)
        } else {
            format!(
                "Procedure {} ({}, alert {})",
                n.technique, n.tactic, n.alert_id
            )
        };
        (EventKind::Custom, summary, vec!["procedure".to_owned()])
    } else {
        let first: String = n
            .message
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(150)
            .collect();
        (
            EventKind::Note,
            format!(
                "Comment on alert {} by {}: {first}",
                n.alert_id, n.created_by
            ),
            Vec::new(),
        )
    };
    let event = NewEvent {
        kind,
        occurred_at: n.occurred_at,
        summary: &summary,
        body: &n.message,
        detail: json!({ "alert_id": n.alert_id, "alert_note_id": n.alert_note_id }),
        techniques: &techniques,
        tags: &tags,
        supersedes_event_id: None,
    };
    ch.record_entry(case_id, &event).await
}

/// Carries an alert's notes onto the case it just joined (escalation and merge call this inside
/// their change, the case already locked).
pub(crate) async fn carry_to_case(
    ch: &mut Change<'_>,
    case_id: i64,
    alert_id: i64,
) -> Result<usize> {
    let notes = store::notes_in_tx(ch.tx(), alert_id).await?;
    for n in &notes {
        record_on_case(ch, case_id, n).await?;
    }
    Ok(notes.len())
}
