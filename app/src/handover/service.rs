//! Handover use cases: the board, writing a handover (the summary is computed here, at the
//! moment of writing, and kept as written), acknowledging it, reading one, and editing shifts.

use serde_json::json;

use super::{
    Board, ClockLine, Handover, SLA_HORIZON_HOURS, SUMMARY_LIMIT, Shift, ShiftWindow, Summary,
    check_shifts, current_shift, store,
};
use crate::{
    journal::{Change, NewAuditEvent},
    notifications::{
        NotificationKind,
        service::{self as notify, Notice},
    },
    platform::{Actor, Error, Platform, Result, clock::Millis},
    roles::Permission,
    sla,
    validate::{optional, required},
};

/// Handovers per history page.
pub const HISTORY_PAGE: i64 = 20;

fn to_shift(r: store::ShiftRow) -> Shift {
    Shift {
        shift_id: r.shift_id,
        name: r.name,
        start_minute: r.start_minute,
        duration_minutes: r.duration_minutes,
    }
}

fn to_handover(r: store::HandoverRow) -> Result<Handover> {
    Ok(Handover {
        summary: serde_json::from_str(&r.summary)
            .map_err(|e| Error::internal(format!("handover summary: {e}")))?,
        handover_id: r.handover_id,
        shift_name: r.shift_name,
        shift_start: r.shift_start,
        shift_end: r.shift_end,
        notes: r.notes,
        written_by: r.written_by,
        written_at: r.written_at,
        acknowledged_by: r.acknowledged_by,
        acknowledged_at: r.acknowledged_at,
    })
}

/// The shifts: for those who read handovers, and for administrators, who set them.
pub async fn shifts(p: &Platform, actor: &Actor) -> Result<Vec<Shift>> {
    if actor.require(Permission::HandoverRead).is_err() {
        actor.require(Permission::AdminSettings)?;
    }
    Ok(store::shifts(&p.db)
        .await?
        .into_iter()
        .map(to_shift)
        .collect())
}

/// The summary of `window` up to `now`: what happened during it and what is open now.
async fn summary(p: &Platform, window: &ShiftWindow, now: Millis) -> Result<Summary> {
    // Up to and including this moment.
    let to = (now + 1).min(window.end);
    let sla_due = sla::store::due_within(&p.db, now, SLA_HORIZON_HOURS * 3_600_000, SUMMARY_LIMIT)
        .await?
        .into_iter()
        .map(|(number, title, clock, due_at)| ClockLine {
            number,
            title,
            clock,
            due_at,
        })
        .collect();
    Ok(Summary {
        opened: store::cases_between(&p.db, "opened_at", window.start, to).await?,
        escalated: store::escalated_between(&p.db, window.start, to).await?,
        closed: store::cases_between(&p.db, "closed_at", window.start, to).await?,
        alerts_by_verdict: store::verdicts_between(&p.db, window.start, to).await?,
        open_investigations: store::open_cases(&p.db).await?,
        sla_due,
        open_tasks: store::open_tasks(&p.db).await?,
    })
}

/// The shift under way, or the last day's worth when no shift covers now.
async fn window_now(p: &Platform, now: Millis) -> Result<ShiftWindow> {
    let shifts: Vec<Shift> = store::shifts(&p.db)
        .await?
        .into_iter()
        .map(to_shift)
        .collect();
    Ok(current_shift(&shifts, now).unwrap_or(ShiftWindow {
        name: "Unscheduled".into(),
        start: now - 86_400_000,
        end: now,
    }))
}

pub async fn board(p: &Platform, actor: &Actor, before: Option<i64>) -> Result<Board> {
    actor.require(Permission::HandoverRead)?;
    let detail = serde_json::json!({ "view": "handover board", "before": before });
    crate::audit::service::record_auditor_view(p, actor, "handover_board", None, detail).await?;
    let now = p.clock.now();
    let window = window_now(p, now).await?;
    let draft = summary(p, &window, now).await?;
    let waiting = store::waiting(&p.db, 20)
        .await?
        .into_iter()
        .map(to_handover)
        .collect::<Result<Vec<_>>>()?;
    let mut rows = store::history(&p.db, before, HISTORY_PAGE + 1).await?;
    let more = rows.len() as i64 > HISTORY_PAGE;
    rows.truncate(HISTORY_PAGE as usize);
    let next = more.then(|| rows.last().map(|r| r.handover_id)).flatten();
    Ok(Board {
        shift: Some(window),
        draft,
        waiting,
        history: rows.into_iter().map(to_handover).collect::<Result<_>>()?,
        next,
        can_write: actor.require(Permission::HandoverWrite).is_ok(),
        me: actor.user_id().map(|_| actor.label()),
    })
}

/// Writes the handover of the shift under way: the summary as of now plus the notes.
pub async fn write(p: &Platform, actor: &Actor, notes: &str) -> Result<Handover> {
    actor.require(Permission::HandoverWrite)?;
    actor.require_user()?;
    let notes = optional("notes", notes, 20_000).map_err(Error::Invalid)?;
    let now = p.clock.now();
    let window = window_now(p, now).await?;
    let summary = summary(p, &window, now).await?;
    let summary_json =
        serde_json::to_string(&summary).map_err(|e| Error::internal(e.to_string()))?;
    let label = actor.label();
    let mut ch = Change::begin_at(p, actor, now).await?;
    let h = store::NewHandover {
        shift_name: &window.name,
        shift_start: window.start,
        shift_end: window.end,
        summary: &summary_json,
        notes: &notes,
        written_by: &label,
        written_by_user_id: actor.user_id(),
    };
    let id = store::insert(ch.tx(), &h, now).await?;
    let recipients = store::incoming(ch.tx()).await?;
    let n = Notice {
        kind: NotificationKind::Handover,
        title: format!("{label} handed over the {} shift", window.name),
        link: format!("/handover/{id}"),
        case_id: None,
    };
    notify::send(&mut ch, &recipients, &n).await?;
    let event = NewAuditEvent {
        action: "handover.written",
        object_type: "handover",
        object_id: Some(id.to_string()),
        detail: json!({ "shift": window.name, "shift_start": window.start,
            "shift_end": window.end, "open_investigations": summary.open_investigations.len(),
            "notes_chars": notes.chars().count() }),
    };
    ch.audit(event).await?;
    ch.commit().await?;
    get(p, actor, id).await
}

/// The incoming analyst confirms they read the handover; not its own writer.
pub async fn acknowledge(p: &Platform, actor: &Actor, handover_id: i64) -> Result<Handover> {
    actor.require(Permission::HandoverWrite)?;
    let me = actor.require_user()?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let h = store::handover_in_tx(ch.tx(), handover_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no handover {handover_id}.")))?;
    if h.written_by_user_id == Some(me) {
        return Err(Error::conflict(
            "You wrote this handover; the incoming analyst acknowledges it.",
        ));
    }
    if let Some(by) = &h.acknowledged_by {
        return Err(Error::conflict(format!(
            "{by} already acknowledged this handover."
        )));
    }
    store::acknowledge(ch.tx(), handover_id, &actor.label(), Some(me), now).await?;
    let event = NewAuditEvent {
        action: "handover.acknowledged",
        object_type: "handover",
        object_id: Some(handover_id.to_string()),
        detail: json!({ "written_by": h.written_by, "after": { "acknowledged": true } }),
    };
    ch.audit(event).await?;
    ch.commit().await?;
    get(p, actor, handover_id).await
}

pub async fn get(p: &Platform, actor: &Actor, handover_id: i64) -> Result<Handover> {
    actor.require(Permission::HandoverRead)?;
    let detail = serde_json::json!({ "view": "handover" });
    crate::audit::service::record_auditor_view(
        p,
        actor,
        "handover",
        Some(handover_id.to_string()),
        detail,
    )
    .await?;
    store::handover(&p.db, handover_id)
        .await?
        .map(to_handover)
        .transpose()?
        .ok_or_else(|| Error::not_found(format!("There is no handover {handover_id}.")))
}

/// Changes one shift's name, start (minute of the day, UTC) and length.
pub async fn update_shift(
    p: &Platform,
    actor: &Actor,
    shift_id: i64,
    name: &str,
    start_minute: i64,
    duration_minutes: i64,
) -> Result<Vec<Shift>> {
    actor.require(Permission::AdminSettings)?;
    let name = required("name", name, 100).map_err(Error::Invalid)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let current = store::shifts_in_tx(ch.tx()).await?;
    let before = current
        .iter()
        .find(|s| s.shift_id == shift_id)
        .ok_or_else(|| Error::not_found(format!("There is no shift {shift_id}.")))?;
    let before_detail = json!({ "name": before.name, "start_minute": before.start_minute,
        "duration_minutes": before.duration_minutes });
    let proposed: Vec<(String, i64, i64)> = current
        .iter()
        .map(|s| match s.shift_id == shift_id {
            true => (name.clone(), start_minute, duration_minutes),
            false => (s.name.clone(), s.start_minute, s.duration_minutes),
        })
        .collect();
    if !(0..1440).contains(&start_minute) {
        return Err(Error::invalid("A shift starts between 00:00 and 23:59."));
    }
    check_shifts(&proposed).map_err(Error::Invalid)?;
    if proposed.iter().filter(|s| s.0 == name).count() > 1 {
        return Err(Error::conflict(format!(
            "A shift is already called {name}."
        )));
    }
    store::update_shift(
        ch.tx(),
        shift_id,
        &name,
        start_minute,
        duration_minutes,
        now,
    )
    .await?;
    let event = NewAuditEvent {
        action: "shift.updated",
        object_type: "shift",
        object_id: Some(shift_id.to_string()),
        detail: json!({ "before": before_detail, "after": { "name": name,
            "start_minute": start_minute, "duration_minutes": duration_minutes } }),
    };
    ch.audit(event).await?;
    ch.commit().await?;
    shifts(p, actor).await
}
