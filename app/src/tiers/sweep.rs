//! The SLA sweep: warns before a clock runs out and handles each breach exactly once —
//! escalation to the next tier (or, at tier 3, the managers are told), notifications, a
//! timeline entry and an audit row, in one change. It lives with the tiers because a breach
//! moves the case between them.

use serde_json::json;

use super::service::{Move, move_in};
use crate::{
    cases::{CaseStatus, EventKind},
    journal::{Change, Happened, case_event},
    notifications::{
        NotificationKind,
        service::{self as notify, Notice},
    },
    platform::{Actor, Error, Platform, Result, clock::Millis},
    sla::{ClockKind, span, store as sla_store},
};

/// Clocks handled per sweep round (the rest wait for the next round, seconds later).
const SWEEP_BATCH: i64 = 100;

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sweep {
    pub warned: usize,
    pub breached: usize,
}

/// Warns about clocks entering their last quarter and handles breached ones. Safe to run in
/// several processes at once: each breach is handled by exactly one of them.
pub async fn sweep(p: &Platform) -> Result<Sweep> {
    let actor = Actor::system("sla");
    let now = p.clock.now();
    let mut done = Sweep::default();
    for (case_id, kind) in sla_store::nearing(&p.db, now, SWEEP_BATCH).await? {
        if warn(p, &actor, case_id, &kind, now).await? {
            done.warned += 1;
        }
    }
    for (case_id, kind) in sla_store::due(&p.db, now, SWEEP_BATCH).await? {
        if breach(p, &actor, case_id, &kind, now).await? {
            done.breached += 1;
        }
    }
    Ok(done)
}

async fn warn(p: &Platform, actor: &Actor, case_id: i64, kind: &str, now: Millis) -> Result<bool> {
    let mut ch = Change::begin_at(p, actor, now).await?;
    let Some(c) = ch.try_lock_case(case_id).await? else {
        return Ok(false);
    };
    if !sla_store::mark_warned(ch.tx(), case_id, kind, now).await? {
        return Ok(false);
    }
    let kind = ClockKind::parse(kind).map_err(Error::Internal)?;
    let recipients = notify::holder_or_tier(ch.tx(), c.assignee_id, c.tier).await?;
    let title = format!(
        "{}: {} runs out soon",
        c.number,
        kind.label().to_lowercase()
    );
    let n = Notice::about_case(NotificationKind::SlaNearBreach, case_id, &c.number, title);
    let told = notify::send(&mut ch, &recipients, &n).await?;
    let detail = json!({ "clock": kind.as_str(), "notified": told.len() });
    ch.audit(case_event("case.sla_near_breach", case_id, detail))
        .await?;
    ch.commit().await?;
    Ok(true)
}

/// Handles one breach: escalation to the next tier (or, at tier 3, the managers are told),
/// notifications, timeline and audit, all or nothing.
async fn breach(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    kind: &str,
    now: Millis,
) -> Result<bool> {
    let mut ch = Change::begin_at(p, actor, now).await?;
    let Some(c) = ch.try_lock_case(case_id).await? else {
        return Ok(false);
    };
    if c.status == CaseStatus::Closed.as_str() {
        return Ok(false);
    }
    let Some(due_at) = sla_store::mark_breached(ch.tx(), case_id, kind, now).await? else {
        return Ok(false);
    };
    let (tier, number) = (c.tier, c.number.clone());
    let kind = ClockKind::parse(kind).map_err(Error::Internal)?;
    let label = kind.label().to_lowercase();
    ch.record(
        case_id,
        Happened {
            kind: EventKind::Sla,
            at: due_at,
            summary: &format!("SLA breached: {label}"),
            detail: json!({ "clock": kind.as_str(), "due_at": due_at }),
        },
    )
    .await?;
    let mut escalated_to = None;
    if tier < 3 {
        let reason = format!("SLA breached: {label} passed");
        let note = format!(
            "Automatic escalation by Casefile: the {label} clock of this case ran out{}. Check the timeline for what was done so far.",
            match c.assignee.as_deref() {
                Some(who) => format!(" while {who} held it"),
                None => " while nobody held it".into(),
            }
        );
        let m = Move {
            to_tier: tier + 1,
            reason: &reason,
            note: &note,
            automatic: true,
        };
        move_in(&mut ch, &c, &m).await?;
        escalated_to = Some(tier + 1);
    }
    let mut recipients = match c.assignee_id {
        Some(id) => vec![notify::user_recipient(ch.tx(), id).await?],
        None => Vec::new(),
    };
    if escalated_to.is_none() {
        recipients.extend(notify::managers(ch.tx()).await?);
        recipients.extend(notify::tier_recipients(ch.tx(), tier).await?);
    }
    let title = match escalated_to {
        Some(t) => format!("{number}: {label} breached; escalated to tier {t}"),
        None => format!("{number}: {label} breached (tier 3)"),
    };
    let n = Notice::about_case(NotificationKind::SlaBreached, case_id, &number, title);
    notify::send(&mut ch, &recipients, &n).await?;
    let detail = json!({ "clock": kind.as_str(), "before": { "tier": tier },
        "after": { "tier": escalated_to.unwrap_or(tier) }, "escalated": escalated_to.is_some(),
        "overdue_by": span(now - due_at) });
    ch.audit(case_event("case.sla_breached", case_id, detail))
        .await?;
    ch.commit().await?;
    Ok(true)
}
