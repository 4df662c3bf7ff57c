//! Case use cases: opening, editing with conflict detection, the lifecycle, the timeline,
//! observables, tasks and task logs. Each authorizes, then changes the case through the
//! journal (`Change`), which records, audits, commits and announces.

use serde_json::json;

use super::{
    Case, CaseFilter, CaseObservable, CasePage, CasePatch, CaseStatus, CaseTask, ClosureVerdict,
    ContainmentAction, EventInput, EventKind, NewCase, NewTask, RelatedCase, TaskLog, TaskStatus,
    TimelineEvent, TimelineFilter,
    store::{self, CaseQuery, CaseRow, CaseWrite, NewCaseObservable, NewEvent, TimelineQuery},
};
use crate::{
    attack::{self, TacticTechniques},
    journal::{Change, Happened, NewAuditEvent, case_event},
    observables::Observable,
    platform::{Actor, Error, Platform, Result, Tx, clock::Millis, ids},
    roles::Permission,
    severity::Severity,
    validate::{
        check_level, check_tags, optional, parse_when, required, tags_from_json, tags_to_json,
    },
};

/// Cases per list page.
pub const LIST_PAGE: i64 = 50;
/// Timeline events per page.
pub const TIMELINE_PAGE: i64 = 200;
/// Most observables or tasks returned for one case in one read.
pub const MAX_LISTED: i64 = 1000;

pub(crate) fn to_case(r: CaseRow) -> Result<Case> {
    Ok(Case {
        severity: Severity::from_level(r.severity)
            .ok_or_else(|| Error::internal("bad severity in store"))?,
        status: CaseStatus::parse(&r.status).map_err(Error::Internal)?,
        closure_verdict: r
            .closure_verdict
            .as_deref()
            .map(ClosureVerdict::parse)
            .transpose()
            .map_err(Error::Internal)?,
        tags: tags_from_json(&r.tags),
        case_id: r.case_id,
        number: r.number,
        title: r.title,
        description: r.description,
        tier: r.tier,
        assignee_id: r.assignee_id,
        assignee: r.assignee,
        tlp: r.tlp,
        pap: r.pap,
        detection_source: r.detection_source,
        closure_summary: r.closure_summary,
        version: r.version,
        opened_at: r.opened_at,
        closed_at: r.closed_at,
        created_by: r.created_by,
        created_at: r.created_at,
        updated_at: r.updated_at,
        legal_hold: r.legal_hold != 0,
    })
}

pub(crate) fn to_observable(r: store::ObservableRow) -> CaseObservable {
    CaseObservable {
        tags: tags_from_json(&r.tags),
        ioc: r.ioc != 0,
        case_observable_id: r.case_observable_id,
        case_id: r.case_id,
        data_type: r.data_type,
        value: r.value,
        description: r.description,
        tlp: r.tlp,
        alert_id: r.alert_id,
        watchlist: r.watchlist,
        seen_in_cases: r.seen_in_cases,
        created_by: r.created_by,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

pub(crate) fn to_task(r: store::TaskRow) -> Result<CaseTask> {
    Ok(CaseTask {
        status: TaskStatus::parse(&r.status).map_err(Error::Internal)?,
        action: r
            .action
            .as_deref()
            .map(ContainmentAction::parse)
            .transpose()
            .map_err(Error::Internal)?,
        done_on: r.done_on,
        task_id: r.task_id,
        case_id: r.case_id,
        title: r.title,
        description: r.description,
        group_name: r.group_name,
        assignee: r.assignee,
        due_at: r.due_at,
        completed_at: r.completed_at,
        created_by: r.created_by,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

pub(crate) fn ensure_open(c: &CaseRow) -> Result<()> {
    if c.status == CaseStatus::Closed.as_str() {
        return Err(Error::conflict(format!(
            "Case {} is closed; reopen it before adding to it.",
            c.number
        )));
    }
    Ok(())
}

/// A new case starts in the opener's tier (tier 1 for managers and integrations).
fn opening_tier(actor: &Actor) -> i64 {
    actor.tier().map_or(1, |t| i64::from(t.get()))
}

/// Inserts the case row, its opening timeline entry (which starts its SLA clocks) and its
/// observables, tasks and playbook.
pub(crate) async fn insert_new_case(
    ch: &mut Change<'_>,
    c: &NewCase,
    alert_id: Option<i64>,
) -> Result<(i64, String)> {
    let (actor, now) = (ch.actor(), ch.now());
    let number = ids::next_case_number(ch.tx(), ids::year_of(now), now).await?;
    let label = actor.label();
    let case_id = store::insert_case(ch.tx(), c, &number, opening_tier(actor), &label, now).await?;
    ch.opened_case(case_id);
    let summary = match alert_id {
        Some(a) => format!("Case opened from alert {a}: {}", c.title),
        None => format!("Case opened: {}", c.title),
    };
    ch.record(
        case_id,
        Happened {
            kind: EventKind::CaseOpened,
            at: now,
            summary: &summary,
            detail: json!({ "alert_id": alert_id, "severity": c.severity.as_str() }),
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
    Ok((case_id, number))
}

/// Opens a case by hand (threat hunting, a user's report, an integration).
pub async fn open(p: &Platform, actor: &Actor, c: NewCase) -> Result<Case> {
    actor.require(Permission::CaseCreate)?;
    let mut ch = Change::begin(p, actor).await?;
    let (case_id, number) = insert_new_case(&mut ch, &c, None).await?;
    let detail = json!({ "number": number, "title": c.title, "severity": c.severity.as_str(),
        "observables": c.observables.len(), "tasks": c.tasks.len() });
    ch.audit(case_event("case.opened", case_id, detail)).await?;
    ch.commit().await?;
    get(p, actor, case_id).await
}

/// One case by id.
pub async fn get(p: &Platform, actor: &Actor, case_id: i64) -> Result<Case> {
    actor.require(Permission::CaseRead)?;
    let row = store::case(&p.db, case_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no case {case_id}.")))?;
    to_case(row)
}

/// One case by its number (`CF-2026-000123`) or its id.
pub async fn find(p: &Platform, actor: &Actor, reference: &str) -> Result<Case> {
    actor.require(Permission::CaseRead)?;
    let r = reference.trim();
    let row = match r.parse::<i64>() {
        Ok(id) => store::case(&p.db, id).await?,
        Err(_) => store::case_by_number(&p.db, &r.to_ascii_uppercase()).await?,
    };
    to_case(row.ok_or_else(|| Error::not_found(format!("There is no case {r}.")))?)
}

/// The case to merge into, by number (or id), or else the one open case whose title contains
/// `reference`; several matches are listed so the analyst can pick by number.
pub async fn find_for_merge(p: &Platform, actor: &Actor, reference: &str) -> Result<Case> {
    match find(p, actor, reference).await {
        Err(Error::NotFound(_)) => {}
        other => return other,
    }
    let filter = CaseFilter {
        status: Some("open".into()),
        text: Some(reference.to_owned()),
    };
    let mut hits = list(p, actor, &filter, None).await?.cases;
    match hits.len() {
        0 => Err(Error::not_found(format!(
            "There is no case {} and no open case whose title contains it.",
            reference.trim()
        ))),
        1 => get(p, actor, hits.remove(0).case_id).await,
        n => {
            let names: Vec<String> = hits
                .iter()
                .take(5)
                .map(|c| format!("{} \u{201c}{}\u{201d}", c.number, c.title))
                .collect();
            Err(Error::invalid(format!(
                "{n} open cases match; enter the number of one: {}{}",
                names.join(", "),
                if n > 5 { ", …" } else { "" }
            )))
        }
    }
}

/// One page of cases, newest first.
pub async fn list(
    p: &Platform,
    actor: &Actor,
    filter: &CaseFilter,
    before: Option<i64>,
) -> Result<CasePage> {
    let page = list_page(p, actor, filter, before).await?;
    let detail = json!({ "view": "case list", "filter": filter, "before": before });
    crate::audit::service::record_auditor_view(p, actor, "case_list", None, detail).await?;
    Ok(page)
}

/// [`list`] without recording the view: for exports, which record themselves.
pub(crate) async fn list_page(
    p: &Platform,
    actor: &Actor,
    filter: &CaseFilter,
    before: Option<i64>,
) -> Result<CasePage> {
    actor.require(Permission::CaseRead)?;
    let status = match filter.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("open") => Some("open".to_owned()),
        Some(s) => Some(
            CaseStatus::parse(s)
                .map_err(Error::Invalid)?
                .as_str()
                .to_owned(),
        ),
    };
    let text = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| t.chars().take(200).collect());
    let q = CaseQuery {
        status,
        text,
        before_id: before,
        limit: LIST_PAGE + 1,
    };
    let mut rows = store::list(&p.db, &q).await?;
    let more = rows.len() as i64 > LIST_PAGE;
    rows.truncate(LIST_PAGE as usize);
    let next = more.then(|| rows.last().map(|r| r.case_id)).flatten();
    let cases = rows
        .into_iter()
        .map(|r| Ok(to_case(r)?.summary()))
        .collect::<Result<Vec<_>>>()?;
    Ok(CasePage { cases, next })
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

/// A page of the timeline in the order things happened, from after `after` (occurred_at,
/// event_id); the second value is the cursor for the next page.
pub async fn timeline(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    filter: &TimelineFilter,
    after: Option<(i64, i64)>,
) -> Result<(Vec<TimelineEvent>, Option<(i64, i64)>)> {
    actor.require(Permission::CaseRead)?;
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let kind = given(&filter.kind)
        .map(|k| EventKind::parse(&k))
        .transpose()
        .map_err(Error::Invalid)?;
    let tactic = given(&filter.tactic);
    if let Some(t) = &tactic
        && !attack::tactics().iter().any(|x| &x.short_name == t)
    {
        return Err(Error::invalid(format!(
            "Unknown ATT&CK tactic \u{201c}{t}\u{201d}."
        )));
    }
    let tag = given(&filter.tag);
    let query = TimelineQuery {
        kind: kind.map(EventKind::as_str),
        tag: tag.as_deref(),
        tactic: tactic.as_deref(),
        after,
        limit: TIMELINE_PAGE + 1,
    };
    let mut rows = store::timeline(&p.db, case_id, &query).await?;
    let more = rows.len() as i64 > TIMELINE_PAGE;
    rows.truncate(TIMELINE_PAGE as usize);
    let next = more
        .then(|| rows.last().map(|r| (r.occurred_at, r.event_id)))
        .flatten();
    let events = rows
        .into_iter()
        .map(|r| {
            Ok(TimelineEvent {
                kind: EventKind::parse(&r.kind).map_err(Error::Internal)?,
                techniques: tags_from_json(&r.techniques),
                tags: tags_from_json(&r.tags),
                event_id: r.event_id,
                occurred_at: r.occurred_at,
                summary: r.summary,
                body_html: if r.body.is_empty() {
                    String::new()
                } else {
                    super::markdown::render(&r.body)
                },
                body: r.body,
                detail: r.detail,
                supersedes_event_id: r.supersedes_event_id,
                superseded_by: r.superseded_by,
                recorded_by: r.recorded_by,
                recorded_at: r.recorded_at,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((events, next))
}

/// Longest note kept.
const MAX_NOTE_CHARS: usize = 100_000;

/// Adds a note (Markdown, rendered sanitized when shown) to the timeline, happening now.
pub async fn add_note(p: &Platform, actor: &Actor, case_id: i64, markdown: &str) -> Result<i64> {
    let input = EventInput {
        kind: EventKind::Note.as_str().into(),
        body: markdown.into(),
        ..Default::default()
    };
    add_event(p, actor, case_id, input).await
}

/// How far in the future an entered time may lie (clock skew between analyst and server).
const FUTURE_SLACK_MS: i64 = 5 * 60 * 1000;

/// Adds a note or a custom event, with when it happened (in the analyst's time zone), ATT&CK
/// techniques and tags; with `supersedes`, it is a correction of an earlier entry, which stays
/// on the timeline marked as superseded.
pub async fn add_event(p: &Platform, actor: &Actor, case_id: i64, e: EventInput) -> Result<i64> {
    actor.require(Permission::CaseEdit)?;
    let kind = EventKind::parse(&e.kind).map_err(Error::Invalid)?;
    let body = match kind {
        EventKind::Note => required("note", &e.body, MAX_NOTE_CHARS),
        EventKind::Custom => optional("body", &e.body, MAX_NOTE_CHARS),
        _ => Err(
            "Add a note or a custom event; other entries are recorded by Casefile itself.".into(),
        ),
    }
    .map_err(Error::Invalid)?;
    let summary = match kind {
        EventKind::Custom => required("summary", &e.summary, 500).map_err(Error::Invalid)?,
        _ if !e.summary.trim().is_empty() => {
            required("summary", &e.summary, 500).map_err(Error::Invalid)?
        }
        _ => body
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect(),
    };
    let techniques = attack::check_techniques(&e.techniques).map_err(Error::Invalid)?;
    let tags = check_tags(&e.tags).map_err(Error::Invalid)?;
    let now = p.clock.now();
    let occurred_at = parse_when("occurred_at", &e.occurred_at, e.utc_offset_minutes)
        .map_err(Error::Invalid)?
        .unwrap_or(now);
    if occurred_at > now + FUTURE_SLACK_MS {
        return Err(Error::invalid(
            "`occurred_at` is in the future: enter when it happened, in your time zone.",
        ));
    }
    let (mut ch, case) = Change::on_case_at(p, actor, now, case_id).await?;
    ensure_open(&case)?;
    if let Some(old) = e.supersedes {
        let (old_kind, corrected_by) = store::event_in_case(ch.tx(), case_id, old)
            .await?
            .ok_or_else(|| Error::not_found(format!("Case {} has no event {old}.", case.number)))?;
        if old_kind != EventKind::Note.as_str() && old_kind != EventKind::Custom.as_str() {
            return Err(Error::invalid(
                "Only notes and custom events can be corrected; the other entries record what Casefile did.",
            ));
        }
        if let Some(newer) = corrected_by {
            return Err(Error::conflict(format!(
                "Event {old} was already corrected by event {newer}; correct that one instead."
            )));
        }
    }
    let event = NewEvent {
        kind,
        occurred_at,
        summary: &summary,
        body: &body,
        detail: json!({}),
        techniques: &techniques,
        tags: &tags,
        supersedes_event_id: e.supersedes,
    };
    let id = ch.record_entry(case_id, &event).await?;
    let action = match (kind, e.supersedes) {
        (_, Some(_)) => "case.event_corrected",
        (EventKind::Note, None) => "case.note_added",
        _ => "case.event_added",
    };
    let detail = json!({ "event_id": id, "kind": kind.as_str(), "occurred_at": occurred_at,
        "supersedes": e.supersedes, "techniques": techniques, "tags": tags,
        "chars": body.chars().count() });
    ch.audit(case_event(action, case_id, detail)).await?;
    ch.commit().await?;
    Ok(id)
}

/// Adds observables to a case; values it already has are only marked as seen again. Returns the
/// observables as stored (new and existing). `from_event` names the timeline entry they were
/// picked from, if any.
#[allow(clippy::too_many_arguments)]
pub async fn add_observables(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    items: &[Observable],
    description: &str,
    ioc: bool,
    tlp: Option<i64>,
    from_event: Option<i64>,
) -> Result<Vec<CaseObservable>> {
    actor.require(Permission::CaseEdit)?;
    if items.is_empty() {
        return Err(Error::invalid("Give at least one observable."));
    }
    let description = optional("message", description, 10_000).map_err(Error::Invalid)?;
    let tlp = tlp
        .map(|n| check_level("tlp", n))
        .transpose()
        .map_err(Error::Invalid)?;
    let now = p.clock.now();
    let label = actor.label();
    let (mut ch, case) = Change::on_case_at(p, actor, now, case_id).await?;
    ensure_open(&case)?;
    let mut added = Vec::new();
    for o in items {
        let n = NewCaseObservable {
            observable: o,
            description: &description,
            ioc,
            tlp: tlp.unwrap_or(case.tlp),
            alert_id: None,
        };
        let inserted = store::insert_observable(ch.tx(), case_id, &n, &label, now).await?;
        if let Some((id, watchlist)) = inserted {
            let summary = match &watchlist {
                Some(lists) => format!(
                    "Observable added: {} {} \u{2014} on watchlist {lists}",
                    o.kind.as_str(),
                    o.value
                ),
                None => format!("Observable added: {} {}", o.kind.as_str(), o.value),
            };
            ch.record(
                case_id,
                Happened {
                    kind: EventKind::ObservableAdded,
                    at: now,
                    summary: &summary,
                    detail: json!({
                        "case_observable_id": id,
                        "type": o.kind.as_str(),
                        "value": o.value,
                        "ioc": ioc,
                        "watchlist": watchlist,
                        "from_event": from_event,
                    }),
                },
            )
            .await?;
            added.push(json!({ "id": id, "type": o.kind.as_str(), "value": o.value,
                "watchlist": watchlist }));
        }
    }
    let detail = json!({ "added": added, "already_present": items.len() - added.len() });
    ch.audit(case_event("case.observables_added", case_id, detail))
        .await?;
    ch.commit().await?;
    let wanted: Vec<(&str, &str)> = items
        .iter()
        .map(|o| (o.kind.as_str(), o.value.as_str()))
        .collect();
    Ok(observables(p, actor, case_id)
        .await?
        .into_iter()
        .filter(|o| wanted.contains(&(o.data_type.as_str(), o.value.as_str())))
        .collect())
}

/// A case's observables (at most [`MAX_LISTED`]).
pub async fn observables(p: &Platform, actor: &Actor, case_id: i64) -> Result<Vec<CaseObservable>> {
    actor.require(Permission::CaseRead)?;
    Ok(store::observables(&p.db, case_id, MAX_LISTED)
        .await?
        .into_iter()
        .map(to_observable)
        .collect())
}

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

/// The ATT&CK techniques tagged on a case's timeline (corrected entries left out), by tactic.
pub async fn techniques(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
) -> Result<Vec<TacticTechniques>> {
    actor.require(Permission::CaseRead)?;
    Ok(attack::by_tactic(&store::techniques(&p.db, case_id).await?))
}

/// Most related cases shown.
const RELATED_SHOWN: i64 = 20;

/// Cases sharing observables with this one, most shared first.
pub async fn related(p: &Platform, actor: &Actor, case_id: i64) -> Result<Vec<RelatedCase>> {
    actor.require(Permission::CaseRead)?;
    store::related(&p.db, case_id, RELATED_SHOWN)
        .await?
        .into_iter()
        .map(|r| {
            Ok(RelatedCase {
                status: CaseStatus::parse(&r.status).map_err(Error::Internal)?,
                case_id: r.case_id,
                number: r.number,
                title: r.title,
                shared: r.shared,
            })
        })
        .collect()
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

/// What importing an e-mail added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmlImport {
    pub found: usize,
    pub skipped: usize,
}

/// Reads a raw e-mail (`.eml`) and adds its observables (sender, reply-to, return-path,
/// received hops, URLs, attachment names and hashes) to the case.
pub async fn import_eml(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    raw: &[u8],
) -> Result<EmlImport> {
    actor.require(Permission::CaseEdit)?;
    super::check_eml_size(raw.len()).map_err(Error::Invalid)?;
    let found = crate::observables::eml::observables_from_eml(raw).ok_or_else(|| {
        Error::invalid(
            "That is not an e-mail message: paste the whole .eml source, headers included.",
        )
    })?;
    if found.observables.is_empty() {
        return Err(Error::invalid(
            "The message holds no observables Casefile recognises.",
        ));
    }
    let description = format!("From the e-mail \u{201c}{}\u{201d}", found.subject);
    let description: String = description.chars().take(1000).collect();
    add_observables(
        p,
        actor,
        case_id,
        &found.observables,
        &description,
        false,
        None,
        None,
    )
    .await?;
    Ok(EmlImport {
        found: found.observables.len(),
        skipped: found.skipped,
    })
}
