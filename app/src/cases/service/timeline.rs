//! The timeline: reading it (filtered, paged), notes and custom events and their corrections,
//! and the ATT&CK techniques tagged on it.

use serde_json::json;

use super::{MAX_NOTE_CHARS, TIMELINE_PAGE, ensure_open};
use crate::cases::{
    EventInput, EventKind, TimelineEvent, TimelineFilter,
    store::{self, NewEvent, TimelineQuery},
};
use crate::{
    attack::{self, TacticTechniques},
    journal::{Change, case_event},
    platform::{Actor, Error, Platform, Result},
    roles::Permission,
    validate::{check_tags, optional, parse_when, required, tags_from_json},
};

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
                    crate::cases::markdown::render(&r.body)
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

/// The ATT&CK techniques tagged on a case's timeline (corrected entries left out), by tactic.
pub async fn techniques(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
) -> Result<Vec<TacticTechniques>> {
    actor.require(Permission::CaseRead)?;
    Ok(attack::by_tactic(&store::techniques(&p.db, case_id).await?))
}
