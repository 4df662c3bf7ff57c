//! Assignment and escalation use cases. Each follows authorize → transaction → the rule in
//! `tiers` → write → timeline + notifications + audit → commit → live announcements.

use serde_json::json;

use super::{
    CaseState, Direction, Escalation, EscalationState, MyAlert, MyTask, MyWork, QueueItem,
    QueuePage, Refusal, TierPanel, Who, WorkloadRow, may_accept, may_assign, may_claim, may_move,
    may_release, may_return, store,
};
use crate::{
    cases::{
        Case, CaseStatus, EventKind,
        service::{self as cases_service, to_case},
        store::CaseRow,
    },
    journal::{Change, Happened, case_event},
    notifications::{
        NotificationKind,
        service::{self as notify, Notice},
    },
    platform::{Actor, Error, Platform, Result},
    roles::{Permission, role_permits},
    severity::Severity,
    sla,
    validate::{optional, required},
};

/// Cases per queue page.
pub const QUEUE_PAGE: i64 = 50;
/// Most items of each kind on "my work".
pub const MY_WORK_LIMIT: i64 = 100;
/// Tasks and clocks due within this many hours are "due soon".
pub const DUE_SOON_HOURS: i64 = 24;

fn refused(r: Refusal) -> Error {
    match r {
        Refusal::NotAllowed(m) => Error::Forbidden(m),
        Refusal::Conflict(m) => Error::Conflict(m),
        Refusal::Invalid(m) => Error::Invalid(m),
    }
}

fn who(actor: &Actor) -> Who {
    Who {
        user_id: actor.user_id(),
        role: actor.role(),
        tier: actor.tier(),
    }
}

fn to_escalation(r: store::EscalationRow) -> Result<Escalation> {
    Ok(Escalation {
        direction: match r.direction.as_str() {
            "up" => Direction::Up,
            _ => Direction::Down,
        },
        state: EscalationState::parse(&r.state).map_err(Error::Internal)?,
        escalation_id: r.escalation_id,
        case_id: r.case_id,
        from_tier: r.from_tier,
        to_tier: r.to_tier,
        reason: r.reason,
        handover_note: r.handover_note,
        automatic: r.automatic,
        requested_by: r.requested_by,
        requested_at: r.requested_at,
        decided_by: r.decided_by,
        decided_at: r.decided_at,
        return_reason: r.return_reason,
    })
}

/// The case, locked for `ch`, with what the rules look at and the pending move.
async fn load(
    ch: &mut Change<'_>,
    case_id: i64,
) -> Result<(CaseRow, CaseState, Option<store::EscalationRow>)> {
    let c = ch.lock_case(case_id).await?;
    let pending = store::pending_in_tx(ch.tx(), case_id).await?;
    let state = CaseState {
        tier: c.tier,
        assignee_id: c.assignee_id,
        closed: c.status == CaseStatus::Closed.as_str(),
        pending_to: pending.as_ref().map(|e| e.to_tier),
    };
    Ok((c, state, pending))
}

/// Marks the pending move accepted by `actor`, with its time to accept on the timeline.
async fn accept_pending(
    ch: &mut Change<'_>,
    e: &store::EscalationRow,
    holder: &str,
) -> Result<i64> {
    let (actor, now) = (ch.actor(), ch.now());
    let label = actor.label();
    let d = store::Decision {
        state: "accepted",
        by: &label,
        by_user_id: actor.user_id(),
        return_reason: None,
    };
    store::decide(ch.tx(), e.escalation_id, &d, now).await?;
    let waited = now - e.requested_at;
    ch.record(
        e.case_id,
        Happened {
            kind: EventKind::Escalation,
            at: now,
            summary: &format!(
                "Tier {} accepted the case ({holder}) after {}",
                e.to_tier,
                sla::span(waited)
            ),
            detail: json!({ "escalation_id": e.escalation_id, "accepted_by": holder,
                "time_to_accept_ms": waited }),
        },
    )
    .await?;
    Ok(waited)
}

/// Takes an unheld case of the analyst's tier; taking a case a move is waiting on accepts it.
pub async fn claim(p: &Platform, actor: &Actor, case_id: i64) -> Result<Case> {
    actor.require(Permission::CaseAssign)?;
    let me = actor.require_user()?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let (c, state, pending) = load(&mut ch, case_id).await?;
    may_claim(who(actor), state).map_err(refused)?;
    store::set_holder(ch.tx(), case_id, c.tier, Some(me), now).await?;
    let label = actor.label();
    let waited = match &pending {
        Some(e) => Some(accept_pending(&mut ch, e, &label).await?),
        None => None,
    };
    ch.record(
        case_id,
        Happened {
            kind: EventKind::Assignment,
            at: now,
            summary: &format!("Claimed by {label}"),
            detail: json!({ "before": c.assignee_id, "after": me }),
        },
    )
    .await?;
    let action = if pending.is_some() {
        "case.escalation_accepted"
    } else {
        "case.claimed"
    };
    let detail = json!({ "before": { "assignee_id": c.assignee_id },
        "after": { "assignee_id": me }, "tier": c.tier, "time_to_accept_ms": waited });
    ch.audit(case_event(action, case_id, detail)).await?;
    ch.commit().await?;
    cases_service::get(p, actor, case_id).await
}

/// Accepts the move waiting for the analyst's tier; the analyst then holds the case.
pub async fn accept(p: &Platform, actor: &Actor, case_id: i64) -> Result<Case> {
    actor.require(Permission::CaseEscalate)?;
    let me = actor.require_user()?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let (_, state, pending) = load(&mut ch, case_id).await?;
    may_accept(who(actor), state).map_err(refused)?;
    let e = pending.ok_or_else(|| Error::internal("pending move vanished"))?;
    store::set_holder(ch.tx(), case_id, e.to_tier, Some(me), now).await?;
    let waited = accept_pending(&mut ch, &e, &actor.label()).await?;
    let detail = json!({ "escalation_id": e.escalation_id, "tier": e.to_tier,
        "after": { "assignee_id": me }, "time_to_accept_ms": waited });
    let event = case_event("case.escalation_accepted", case_id, detail);
    ch.audit(event).await?;
    ch.commit().await?;
    cases_service::get(p, actor, case_id).await
}

/// Puts the case back in its tier's queue.
pub async fn release(p: &Platform, actor: &Actor, case_id: i64) -> Result<Case> {
    actor.require(Permission::CaseAssign)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let (c, state, _) = load(&mut ch, case_id).await?;
    may_release(who(actor), state).map_err(refused)?;
    store::set_holder(ch.tx(), case_id, c.tier, None, now).await?;
    ch.record(
        case_id,
        Happened {
            kind: EventKind::Assignment,
            at: now,
            summary: &format!("Released to the tier {} queue by {}", c.tier, actor.label()),
            detail: json!({ "before": c.assignee_id, "after": null }),
        },
    )
    .await?;
    let detail = json!({ "before": { "assignee_id": c.assignee_id },
        "after": { "assignee_id": null }, "tier": c.tier });
    ch.audit(case_event("case.released", case_id, detail))
        .await?;
    ch.commit().await?;
    cases_service::get(p, actor, case_id).await
}

/// Gives the case to an analyst of its tier (settling a waiting move on their behalf).
pub async fn assign(p: &Platform, actor: &Actor, case_id: i64, username: &str) -> Result<Case> {
    actor.require(Permission::CaseAssign)?;
    let username = username.trim().to_lowercase();
    if username.is_empty() {
        return Err(Error::invalid("Choose the analyst to assign the case to."));
    }
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let (c, state, pending) = load(&mut ch, case_id).await?;
    let (assignee, assignee_tier) = store::analyst_by_name(ch.tx(), &username)
        .await?
        .ok_or_else(|| {
            Error::invalid(format!(
                "No active analyst is called \u{201c}{username}\u{201d}."
            ))
        })?;
    may_assign(who(actor), state, assignee_tier).map_err(refused)?;
    if c.assignee_id == Some(assignee) {
        return Err(Error::conflict(format!(
            "{username} already holds this case."
        )));
    }
    store::set_holder(ch.tx(), case_id, c.tier, Some(assignee), now).await?;
    if let Some(e) = &pending {
        accept_pending(&mut ch, e, &username).await?;
    }
    ch.record(
        case_id,
        Happened {
            kind: EventKind::Assignment,
            at: now,
            summary: &format!("Assigned to {username} by {}", actor.label()),
            detail: json!({ "before": c.assignee_id, "after": assignee }),
        },
    )
    .await?;
    let recipient = notify::user_recipient(ch.tx(), assignee).await?;
    let title = format!("{} assigned to you: {}", c.number, c.title);
    let n = Notice::about_case(NotificationKind::Assigned, case_id, &c.number, title);
    notify::send(&mut ch, &[recipient], &n).await?;
    let detail = json!({ "before": { "assignee_id": c.assignee_id },
        "after": { "assignee_id": assignee, "assignee": username } });
    ch.audit(case_event("case.assigned", case_id, detail))
        .await?;
    ch.commit().await?;
    cases_service::get(p, actor, case_id).await
}

/// Moves a case up or down a tier: it waits, unheld, in the target tier's queue. Going up needs
/// a reason and a handover note (what was checked, what remains, next steps); going down a
/// reason.
pub async fn move_tier(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    to_tier: i64,
    reason: &str,
    handover_note: &str,
) -> Result<Case> {
    actor.require(Permission::CaseEscalate)?;
    let reason = required("reason", reason, 2000)
        .map_err(|_| Error::invalid("Give a reason for moving the case to another tier."))?;
    let note = optional("handover note", handover_note, 20_000).map_err(Error::Invalid)?;
    let mut ch = Change::begin(p, actor).await?;
    let (c, state, _) = load(&mut ch, case_id).await?;
    let direction = may_move(who(actor), state, to_tier).map_err(refused)?;
    if direction == Direction::Up && note.trim().is_empty() {
        return Err(Error::invalid(
            "Write a handover note for the next tier: what was checked, what remains, suggested next steps.",
        ));
    }
    let m = Move {
        to_tier,
        reason: &reason,
        note: &note,
        automatic: false,
    };
    let escalation_id = move_in(&mut ch, &c, &m).await?;
    let action = match direction {
        Direction::Up => "case.escalated",
        Direction::Down => "case.deescalated",
    };
    let detail = json!({ "escalation_id": escalation_id, "before": { "tier": c.tier,
        "assignee_id": c.assignee_id }, "after": { "tier": to_tier, "assignee_id": null },
        "reason": reason });
    ch.audit(case_event(action, case_id, detail)).await?;
    ch.commit().await?;
    cases_service::get(p, actor, case_id).await
}

/// A move between tiers, as requested.
pub(crate) struct Move<'a> {
    pub to_tier: i64,
    pub reason: &'a str,
    pub note: &'a str,
    /// Raised by an SLA breach.
    pub automatic: bool,
}

/// Records a move in `ch`: a pending move it replaces is superseded, the case goes unheld to
/// the target tier, the timeline says why and the tier's analysts are told. Returns the
/// escalation id.
pub(crate) async fn move_in(ch: &mut Change<'_>, c: &CaseRow, m: &Move<'_>) -> Result<i64> {
    let (actor, now) = (ch.actor(), ch.now());
    let label = actor.label();
    if let Some(old) = store::pending_in_tx(ch.tx(), c.case_id).await? {
        let d = store::Decision {
            state: "superseded",
            by: &label,
            by_user_id: actor.user_id(),
            return_reason: None,
        };
        store::decide(ch.tx(), old.escalation_id, &d, now).await?;
    }
    let direction = if m.to_tier > c.tier {
        Direction::Up
    } else {
        Direction::Down
    };
    let e = store::NewEscalation {
        case_id: c.case_id,
        from_tier: c.tier,
        to_tier: m.to_tier,
        direction: direction.as_str(),
        reason: m.reason,
        handover_note: m.note,
        previous_assignee_id: c.assignee_id,
        automatic: m.automatic,
        requested_by: &label,
        requested_by_user_id: actor.user_id(),
    };
    let escalation_id = store::insert_escalation(ch.tx(), &e, now).await?;
    store::set_holder(ch.tx(), c.case_id, m.to_tier, None, now).await?;
    let verb = match (direction, m.automatic) {
        (Direction::Up, false) => "Escalated",
        (Direction::Up, true) => "Escalated automatically",
        (Direction::Down, _) => "De-escalated",
    };
    ch.record(
        c.case_id,
        Happened {
            kind: EventKind::Escalation,
            at: now,
            summary: &format!("{verb} to tier {}: {}", m.to_tier, m.reason),
            detail: json!({ "escalation_id": escalation_id, "from_tier": c.tier,
                "to_tier": m.to_tier, "reason": m.reason, "handover_note": m.note,
                "automatic": m.automatic }),
        },
    )
    .await?;
    let recipients = notify::tier_recipients(ch.tx(), m.to_tier).await?;
    let title = format!("{} moved to tier {}: {}", c.number, m.to_tier, c.title);
    let n = Notice::about_case(
        NotificationKind::EscalatedToTier,
        c.case_id,
        &c.number,
        title,
    );
    notify::send(ch, &recipients, &n).await?;
    Ok(escalation_id)
}

/// Sends a waiting move back to the tier it came from, with a reason; the case returns to the
/// analyst who held it before.
pub async fn return_move(p: &Platform, actor: &Actor, case_id: i64, reason: &str) -> Result<Case> {
    actor.require(Permission::CaseEscalate)?;
    let reason = required("reason", reason, 2000).map_err(|_| {
        Error::invalid("Say why the case goes back (e.g. what is missing for this tier).")
    })?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let (c, state, pending) = load(&mut ch, case_id).await?;
    may_return(who(actor), state).map_err(refused)?;
    let e = pending.ok_or_else(|| Error::internal("pending move vanished"))?;
    let label = actor.label();
    let d = store::Decision {
        state: "returned",
        by: &label,
        by_user_id: actor.user_id(),
        return_reason: Some(&reason),
    };
    store::decide(ch.tx(), e.escalation_id, &d, now).await?;
    store::set_holder(ch.tx(), case_id, e.from_tier, e.previous_assignee_id, now).await?;
    ch.record(
        case_id,
        Happened {
            kind: EventKind::Escalation,
            at: now,
            summary: &format!("Returned to tier {}: {reason}", e.from_tier),
            detail: json!({ "escalation_id": e.escalation_id, "to_tier": e.from_tier,
                "reason": reason }),
        },
    )
    .await?;
    let recipients = notify::holder_or_tier(ch.tx(), e.previous_assignee_id, e.from_tier).await?;
    let title = format!("{} returned to tier {}: {reason}", c.number, e.from_tier);
    let n = Notice::about_case(NotificationKind::Returned, case_id, &c.number, title);
    notify::send(&mut ch, &recipients, &n).await?;
    let detail = json!({ "escalation_id": e.escalation_id,
        "before": { "tier": c.tier }, "after": { "tier": e.from_tier,
        "assignee_id": e.previous_assignee_id }, "reason": reason });
    let event = case_event("case.escalation_returned", case_id, detail);
    ch.audit(event).await?;
    ch.commit().await?;
    cases_service::get(p, actor, case_id).await
}

/// Queue items for these case rows: their waiting moves and clocks.
async fn items(p: &Platform, rows: Vec<CaseRow>) -> Result<Vec<QueueItem>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.case_id).collect();
    let pending = store::pending_of(&p.db, &ids).await?;
    let mut clocks = sla::service::clocks_of(p, &ids).await?;
    rows.into_iter()
        .map(|r| {
            let pending = pending
                .iter()
                .find(|e| e.case_id == r.case_id)
                .cloned()
                .map(to_escalation)
                .transpose()?;
            let clocks = clocks.remove(&r.case_id).unwrap_or_default();
            Ok(QueueItem {
                case: to_case(r)?.summary(),
                pending,
                clocks,
            })
        })
        .collect()
}

/// A tier's queue: open cases nobody holds, newest first, with waiting moves and SLA clocks.
pub async fn queue(
    p: &Platform,
    actor: &Actor,
    tier: i64,
    before: Option<i64>,
) -> Result<QueuePage> {
    actor.require(Permission::CaseRead)?;
    if !(1..=3).contains(&tier) {
        return Err(Error::invalid(format!(
            "Tier must be 1, 2 or 3, not {tier}."
        )));
    }
    let detail = json!({ "view": "tier queue", "before": before });
    crate::audit::service::record_auditor_view(
        p,
        actor,
        "tier_queue",
        Some(tier.to_string()),
        detail,
    )
    .await?;
    let mut rows = store::queue(&p.db, tier, before, QUEUE_PAGE + 1).await?;
    let more = rows.len() as i64 > QUEUE_PAGE;
    rows.truncate(QUEUE_PAGE as usize);
    let next = more.then(|| rows.last().map(|r| r.case_id)).flatten();
    Ok(QueuePage {
        tier,
        items: items(p, rows).await?,
        next,
    })
}

/// The signed-in analyst's cases, tasks and alerts.
pub async fn my_work(p: &Platform, actor: &Actor) -> Result<MyWork> {
    actor.require(Permission::CaseRead)?;
    let me = actor.require_user()?;
    let rows = store::held_by(&p.db, me, MY_WORK_LIMIT).await?;
    let cases = items(p, rows).await?;
    let tasks = store::tasks_of(&p.db, me, MY_WORK_LIMIT)
        .await?
        .into_iter()
        .map(|(task_id, case_number, title, status, due_at)| MyTask {
            task_id,
            case_number,
            title,
            status,
            due_at,
        })
        .collect();
    let alerts = if actor.require(Permission::AlertRead).is_ok() {
        store::alerts_of(&p.db, me, MY_WORK_LIMIT)
            .await?
            .into_iter()
            .map(|(alert_id, title, severity, created_at)| {
                Ok(MyAlert {
                    severity: Severity::from_level(severity)
                        .ok_or_else(|| Error::internal("bad severity in store"))?,
                    alert_id,
                    title,
                    created_at,
                })
            })
            .collect::<Result<Vec<_>>>()?
    } else {
        Vec::new()
    };
    Ok(MyWork {
        cases,
        tasks,
        alerts,
        due_soon_hours: DUE_SOON_HOURS,
        now: p.clock.now(),
    })
}

/// Open work per analyst (managers).
pub async fn workload(p: &Platform, actor: &Actor) -> Result<Vec<WorkloadRow>> {
    actor.require(Permission::DashboardRead)?;
    let detail = json!({ "view": "workload" });
    crate::audit::service::record_auditor_view(p, actor, "workload", None, detail).await?;
    Ok(store::workload(&p.db, p.clock.now())
        .await?
        .into_iter()
        .map(|r| WorkloadRow {
            username: r.username,
            display_name: r.display_name,
            tier: r.tier,
            open_cases: r.open_cases,
            open_tasks: r.open_tasks,
            overdue_tasks: r.overdue_tasks,
            open_alerts: r.open_alerts,
        })
        .collect())
}

/// The case's moves (newest first), newest 50.
pub async fn escalations(p: &Platform, actor: &Actor, case_id: i64) -> Result<Vec<Escalation>> {
    actor.require(Permission::CaseRead)?;
    store::escalations_of(&p.db, case_id, 50)
        .await?
        .into_iter()
        .map(to_escalation)
        .collect()
}

/// What the case page offers this viewer, by the same rules the use cases apply.
pub async fn panel(p: &Platform, actor: &Actor, c: &Case) -> Result<TierPanel> {
    let escalations = escalations(p, actor, c.case_id).await?;
    let pending = escalations
        .iter()
        .find(|e| e.state == EscalationState::Pending)
        .cloned();
    let clocks = sla::service::clocks_of(p, &[c.case_id])
        .await?
        .remove(&c.case_id)
        .unwrap_or_default();
    let state = CaseState {
        tier: c.tier,
        assignee_id: c.assignee_id,
        closed: c.status == CaseStatus::Closed,
        pending_to: pending.as_ref().map(|e| e.to_tier),
    };
    let w = who(actor);
    let permits = |perm| actor.role().is_some_and(|r| role_permits(r, perm));
    let assign = permits(Permission::CaseAssign);
    let escalate = permits(Permission::CaseEscalate);
    let can_pause = permits(Permission::CaseEdit)
        && !state.closed
        && clocks
            .iter()
            .any(|k| k.met_at.is_none() && k.breached_at.is_none());
    let can_assign = assign && super::may_assign(w, state, c.tier).is_ok();
    Ok(TierPanel {
        can_claim: assign && may_claim(w, state).is_ok(),
        can_release: assign && may_release(w, state).is_ok(),
        can_escalate: escalate && c.tier < 3 && may_move(w, state, c.tier + 1).is_ok(),
        can_deescalate: escalate && c.tier > 1 && may_move(w, state, c.tier - 1).is_ok(),
        can_accept: escalate && may_accept(w, state).is_ok(),
        can_return: escalate && may_return(w, state).is_ok(),
        tier_analysts: if can_assign {
            store::analysts_of_tier(&p.db, c.tier).await?
        } else {
            Vec::new()
        },
        can_assign,
        can_pause,
        escalations,
        pending,
        clocks,
    })
}
