//! Opening a case, editing it with conflict detection, and its lifecycle: phases, closing
//! with a verdict, reopening with a reason, legal hold.

use std::collections::BTreeMap;

use serde_json::json;

use super::{get, to_case};
use crate::cases::{
    Case, CasePatch, CaseStatus, ClosureVerdict, EventKind, NewCase,
    store::{self, CaseRow, CaseWrite, NewCaseObservable},
};
use crate::{
    fields::service as fields_service,
    journal::{Change, Happened, case_event},
    platform::{Actor, Error, Platform, Result, Tx, clock::Millis, ids},
    roles::Permission,
    severity::Severity,
    validate::{check_level, check_tags, optional, required, tags_from_json, tags_to_json},
};

/// A new case starts in the opener's tier (tier 1 for managers and integrations).
fn opening_tier(actor: &Actor) -> i64 {
    actor.tier().map_or(1, |t| i64::from(t.get()))
}

/// A case just inserted by [`insert_new_case`].
pub(crate) struct Opened {
    pub case_id: i64,
    pub number: String,
    /// The custom field values it opened with (given, carried from the alert, defaults).
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// Inserts the case row, its custom field values, its opening timeline entry (which starts
/// its SLA clocks) and its observables, tasks and playbook.
pub(crate) async fn insert_new_case(
    ch: &mut Change<'_>,
    c: &NewCase,
    alert_id: Option<i64>,
) -> Result<Opened> {
    let (actor, now) = (ch.actor(), ch.now());
    let number = ids::next_case_number(ch.tx(), ids::year_of(now), now).await?;
    let label = actor.label();
    let tier = c.tier.unwrap_or_else(|| opening_tier(actor));
    let case_id = store::insert_case(ch.tx(), c, &number, tier, &label, now).await?;
    ch.opened_case(case_id);
    let fields =
        fields_service::on_open(ch, case_id, &c.custom_fields, alert_id, &c.field_defaults).await?;
    let mut summary = match alert_id {
        Some(a) => format!("Case opened from alert {a}: {}", c.title),
        None => format!("Case opened: {}", c.title),
    };
    if let Some(t) = &c.template {
        summary.push_str(&format!(" (template {t})"));
    }
    let mut detail = json!({ "alert_id": alert_id, "severity": c.severity.as_str() });
    if let Some(t) = &c.template {
        detail["template"] = json!(t);
    }
    if !fields.is_empty() {
        detail["custom_fields"] = json!(fields);
    }
    ch.record(
        case_id,
        Happened {
            kind: EventKind::CaseOpened,
            at: now,
            summary: &summary,
            detail,
        },
    )
    .await?;
    for o in &c.observables {
        let n = NewCaseObservable {
            observable: o,
            description: "",
            ioc: false,
            tlp: c.tlp,
            alert_id,
        };
        store::insert_observable(ch.tx(), case_id, &n, &label, now).await?;
    }
    if let Some(name) = &c.playbook {
        ch.record(
            case_id,
            Happened {
                kind: EventKind::Custom,
                at: now,
                summary: &format!("Playbook applied: {name} ({} tasks)", c.tasks.len()),
                detail: json!({ "playbook": name, "tasks": c.tasks.len() }),
            },
        )
        .await?;
    }
    for t in &c.tasks {
        let task_id = store::insert_task(ch.tx(), case_id, t, &label, now).await?;
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
    }
    Ok(Opened {
        case_id,
        number,
        fields,
    })
}

/// Opens a case by hand (threat hunting, a user's report, an integration).
pub async fn open(p: &Platform, actor: &Actor, c: NewCase) -> Result<Case> {
    actor.require(Permission::CaseCreate)?;
    let mut ch = Change::begin(p, actor).await?;
    let Opened {
        case_id,
        number,
        fields,
    } = insert_new_case(&mut ch, &c, None).await?;
    let detail = json!({ "number": number, "title": c.title, "severity": c.severity.as_str(),
        "observables": c.observables.len(), "tasks": c.tasks.len(), "custom_fields": fields });
    ch.audit(case_event("case.opened", case_id, detail)).await?;
    ch.commit().await?;
    get(p, actor, case_id).await
}

/// Refuses an edit made on an older version, saying what the case looks like now.
fn check_version(current: &CaseRow, expected: Option<i64>) -> Result<()> {
    match expected {
        Some(v) if v != current.version => Err(Error::conflict(format!(
            "Case {} changed since you loaded it (now: status {}, severity {}, title \u{201c}{}\u{201d}). Reload to see the changes, then apply yours again.",
            current.number,
            current.status,
            Severity::from_level(current.severity).map_or("?", Severity::as_str),
            current.title
        ))),
        _ => Ok(()),
    }
}

/// Writes `w` over `before`, refusing if someone changed the case since it was read.
async fn write_or_conflict(
    tx: &mut Tx,
    before: &CaseRow,
    w: &CaseWrite<'_>,
    now: Millis,
) -> Result<()> {
    if store::write_case(tx, before.case_id, before.version, w, now).await? {
        Ok(())
    } else {
        Err(Error::conflict("The case changed while saving; try again."))
    }
}

/// The case's current fields as a write, for changes to start from.
fn current_write(c: &CaseRow) -> CaseWrite<'_> {
    CaseWrite {
        title: &c.title,
        description: &c.description,
        severity: c.severity,
        status: &c.status,
        tlp: c.tlp,
        pap: c.pap,
        tags: &c.tags,
        closure_verdict: c.closure_verdict.as_deref(),
        closure_summary: c.closure_summary.as_deref(),
        closed_at: c.closed_at,
    }
}

/// Edits a case. With `expected_version`, an edit based on an older version is refused with a
/// conflict instead of overwriting someone else's change.
pub async fn update(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    expected_version: Option<i64>,
    patch: CasePatch,
) -> Result<Case> {
    actor.require(Permission::CaseEdit)?;
    let title = patch
        .title
        .map(|t| required("title", &t, 500))
        .transpose()
        .map_err(Error::Invalid)?;
    let description = patch
        .description
        .map(|d| optional("description", &d, 100_000))
        .transpose()
        .map_err(Error::Invalid)?;
    let severity = patch
        .severity
        .map(|s| Severity::parse(&s))
        .transpose()
        .map_err(Error::Invalid)?;
    let tlp = patch
        .tlp
        .map(|n| check_level("tlp", n))
        .transpose()
        .map_err(Error::Invalid)?;
    let pap = patch
        .pap
        .map(|n| check_level("pap", n))
        .transpose()
        .map_err(Error::Invalid)?;
    let tags = patch
        .tags
        .map(|t| check_tags(&t))
        .transpose()
        .map_err(Error::Invalid)?
        .map(|t| tags_to_json(&t));
    let status = patch
        .status
        .map(|s| CaseStatus::parse(&s))
        .transpose()
        .map_err(Error::Invalid)?;
    let (mut ch, before) = Change::on_case(p, actor, case_id).await?;
    let now = ch.now();
    check_version(&before, expected_version)?;
    let from = CaseStatus::parse(&before.status).map_err(Error::Internal)?;
    if from == CaseStatus::Closed {
        return Err(Error::conflict(format!(
            "Case {} is closed; reopen it, with a reason, to change it.",
            before.number
        )));
    }
    let status = status.filter(|s| *s != from);
    if let Some(to) = status {
        from.check_move(to).map_err(Error::Invalid)?;
    }
    let mut w = current_write(&before);
    if let Some(t) = &title {
        w.title = t;
    }
    if let Some(d) = &description {
        w.description = d;
    }
    if let Some(s) = severity {
        w.severity = s.level();
    }
    if let Some(n) = tlp {
        w.tlp = n;
    }
    if let Some(n) = pap {
        w.pap = n;
    }
    if let Some(t) = &tags {
        w.tags = t;
    }
    if let Some(s) = status {
        w.status = s.as_str();
    }
    let mut changed = serde_json::Map::new();
    let mut before_values = serde_json::Map::new();
    let pairs: [(&str, serde_json::Value, serde_json::Value); 7] = [
        ("title", json!(before.title), json!(w.title)),
        (
            "description",
            json!(before.description),
            json!(w.description),
        ),
        ("severity", json!(before.severity), json!(w.severity)),
        ("tlp", json!(before.tlp), json!(w.tlp)),
        ("pap", json!(before.pap), json!(w.pap)),
        (
            "tags",
            json!(tags_from_json(&before.tags)),
            json!(tags_from_json(w.tags)),
        ),
        ("status", json!(before.status), json!(w.status)),
    ];
    for (name, old, new) in pairs {
        if old != new {
            before_values.insert(name.into(), old);
            changed.insert(name.into(), new);
        }
    }
    if changed.is_empty() {
        drop(ch);
        return to_case(before);
    }
    write_or_conflict(ch.tx(), &before, &w, now).await?;
    if let Some(to) = status {
        ch.record(
            case_id,
            Happened {
                kind: EventKind::StatusChange,
                at: now,
                summary: &format!("Status: {} \u{2192} {}", from.label(), to.label()),
                detail: json!({ "before": from.as_str(), "after": to.as_str() }),
            },
        )
        .await?;
    }
    let fields: Vec<&String> = changed.keys().filter(|k| *k != "status").collect();
    if !fields.is_empty() {
        let names: Vec<&str> = fields.iter().map(|s| s.as_str()).collect();
        ch.record(
            case_id,
            Happened {
                kind: EventKind::CaseUpdated,
                at: now,
                summary: &format!("Case updated: {}", names.join(", ")),
                detail: json!({ "fields": names }),
            },
        )
        .await?;
    }
    let detail = json!({ "before": before_values, "after": changed });
    ch.audit(case_event("case.updated", case_id, detail))
        .await?;
    ch.commit().await?;
    get(p, actor, case_id).await
}

/// Closes a case with a verdict and a summary.
pub async fn close(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    expected_version: Option<i64>,
    verdict: &str,
    summary: &str,
) -> Result<Case> {
    actor.require(Permission::CaseClose)?;
    let verdict = ClosureVerdict::parse(verdict).map_err(Error::Invalid)?;
    let summary = required("summary", summary, 20_000)
        .map_err(|_| Error::invalid("Write a closing summary: what happened and what was done."))?;
    let (mut ch, before) = Change::on_case(p, actor, case_id).await?;
    let now = ch.now();
    check_version(&before, expected_version)?;
    if before.status == CaseStatus::Closed.as_str() {
        return Err(Error::conflict(format!(
            "Case {} is already closed.",
            before.number
        )));
    }
    fields_service::check_before_close(ch.tx(), case_id, &before.number).await?;
    let mut w = current_write(&before);
    w.status = CaseStatus::Closed.as_str();
    w.closure_verdict = Some(verdict.as_str());
    w.closure_summary = Some(&summary);
    w.closed_at = Some(now);
    write_or_conflict(ch.tx(), &before, &w, now).await?;
    ch.record(
        case_id,
        Happened {
            kind: EventKind::StatusChange,
            at: now,
            summary: &format!("Closed: {}", verdict.label()),
            detail: json!({
                "before": before.status,
                "after": "closed",
                "verdict": verdict.as_str(),
                "summary": summary,
            }),
        },
    )
    .await?;
    let detail = json!({ "before": { "status": before.status },
        "after": { "status": "closed", "verdict": verdict.as_str() }, "summary": summary });
    ch.audit(case_event("case.closed", case_id, detail)).await?;
    ch.commit().await?;
    get(p, actor, case_id).await
}

/// Reopens a closed case (back to investigating); the reason is required and kept.
pub async fn reopen(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    expected_version: Option<i64>,
    reason: &str,
) -> Result<Case> {
    actor.require(Permission::CaseClose)?;
    let reason = required("reason", reason, 2000)
        .map_err(|_| Error::invalid("Give a reason for reopening the case."))?;
    let (mut ch, before) = Change::on_case(p, actor, case_id).await?;
    let now = ch.now();
    check_version(&before, expected_version)?;
    if before.status != CaseStatus::Closed.as_str() {
        return Err(Error::conflict(format!(
            "Case {} is not closed.",
            before.number
        )));
    }
    let mut w = current_write(&before);
    w.status = CaseStatus::Investigating.as_str();
    w.closure_verdict = None;
    w.closure_summary = None;
    w.closed_at = None;
    write_or_conflict(ch.tx(), &before, &w, now).await?;
    ch.record(
        case_id,
        Happened {
            kind: EventKind::StatusChange,
            at: now,
            summary: &format!("Reopened: {reason}"),
            detail: json!({ "before": "closed", "after": "investigating", "reason": reason,
            "previous_verdict": before.closure_verdict }),
        },
    )
    .await?;
    let detail = json!({ "before": { "status": "closed", "verdict": before.closure_verdict },
        "after": { "status": "investigating" }, "reason": reason });
    ch.audit(case_event("case.reopened", case_id, detail))
        .await?;
    ch.commit().await?;
    get(p, actor, case_id).await
}

/// Puts a case on legal hold, or lifts the hold (managers, with a reason). While held, nothing
/// of the case may be disposed of, purged or deleted.
pub async fn set_legal_hold(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    hold: bool,
    reason: &str,
) -> Result<Case> {
    actor.require(Permission::CaseLegalHold)?;
    let reason = required("reason", reason, 2000).map_err(|_| {
        Error::invalid("Give a reason for the legal hold (e.g. the matter or request it serves).")
    })?;
    let (mut ch, before) = Change::on_case(p, actor, case_id).await?;
    let now = ch.now();
    if (before.legal_hold != 0) == hold {
        return Err(Error::conflict(format!(
            "Case {} is {} on legal hold.",
            before.number,
            if hold { "already" } else { "not" }
        )));
    }
    store::set_legal_hold(ch.tx(), case_id, hold, now).await?;
    let summary = if hold {
        format!("Legal hold placed: {reason}")
    } else {
        format!("Legal hold lifted: {reason}")
    };
    ch.record(
        case_id,
        Happened {
            kind: EventKind::LegalHold,
            at: now,
            summary: &summary,
            detail: json!({ "legal_hold": hold, "reason": reason }),
        },
    )
    .await?;
    let detail = json!({ "before": { "legal_hold": !hold }, "after": { "legal_hold": hold },
        "reason": reason });
    ch.audit(case_event("case.legal_hold", case_id, detail))
        .await?;
    ch.commit().await?;
    get(p, actor, case_id).await
}
