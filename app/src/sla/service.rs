//! SLA use cases: the policy, starting and stopping clocks as a case moves (called by the case
//! service in its own transactions), pausing with a reason, and the sweep that warns before a
//! breach and handles each breach exactly once: escalation to the next tier, a notification, a
//! timeline entry and an audit row, in one transaction.

use std::collections::HashMap;

use serde_json::json;

use super::{Clock, ClockKind, PolicyRow, check_policy, span, store};
use crate::{
    accounts::roles::Permission,
    alerts::Severity,
    audit::store::{NewAuditEvent, append as audit},
    cases::{
        CaseStatus, EventKind,
        service::{Happened, case_event, finish_change, load_for_change, record},
    },
    notifications::{
        NotificationKind,
        service::{self as notify, Notice},
    },
    platform::{Actor, Error, Platform, Result, Tx, actor::Principal, clock::Millis},
    tiers,
    validate::required,
};

/// Clocks handled per sweep round (the rest wait for the next round, seconds later).
const SWEEP_BATCH: i64 = 100;

fn to_policy(r: store::PolicyDbRow) -> Result<PolicyRow> {
    Ok(PolicyRow {
        severity: Severity::from_level(r.severity)
            .ok_or_else(|| Error::internal("bad severity in sla_policy"))?,
        acknowledge_minutes: r.acknowledge_minutes,
        contain_minutes: r.contain_minutes,
        resolve_minutes: r.resolve_minutes,
        updated_by: r.updated_by,
        updated_at: r.updated_at,
    })
}

/// The policy, most severe first: for everyone who reads cases, and for administrators, who
/// set it.
pub async fn policy(p: &Platform, actor: &Actor) -> Result<Vec<PolicyRow>> {
    if actor.require(Permission::CaseRead).is_err() {
        actor.require(Permission::AdminSettings)?;
    }
    store::policy(&p.db)
        .await?
        .into_iter()
        .map(to_policy)
        .collect()
}

/// Changes the minutes for one severity. Clocks already running keep their deadlines.
pub async fn set_policy(
    p: &Platform,
    actor: &Actor,
    severity: &str,
    acknowledge_minutes: i64,
    contain_minutes: i64,
    resolve_minutes: i64,
) -> Result<PolicyRow> {
    actor.require(Permission::AdminSettings)?;
    let severity = Severity::parse(severity).map_err(Error::Invalid)?;
    check_policy(acknowledge_minutes, contain_minutes, resolve_minutes).map_err(Error::Invalid)?;
    let now = p.clock.now();
    let mut tx = p.db.begin().await?;
    let before = store::policy_for(&mut tx, severity.level())
        .await?
        .ok_or_else(|| Error::internal("sla_policy row missing"))?;
    let after = store::PolicyDbRow {
        severity: severity.level(),
        acknowledge_minutes,
        contain_minutes,
        resolve_minutes,
        updated_by: actor.label(),
        updated_at: now,
    };
    store::set_policy(&mut tx, &after, now).await?;
    let event = NewAuditEvent {
        action: "sla.policy_updated",
        object_type: "sla_policy",
        object_id: Some(severity.as_str().to_owned()),
        detail: json!({
            "before": { "acknowledge_minutes": before.acknowledge_minutes,
                "contain_minutes": before.contain_minutes, "resolve_minutes": before.resolve_minutes },
            "after": { "acknowledge_minutes": acknowledge_minutes,
                "contain_minutes": contain_minutes, "resolve_minutes": resolve_minutes },
        }),
    };
    audit(&mut tx, actor, now, event).await?;
    tx.commit().await?;
    to_policy(after)
}

/// Starts the three clocks of a new case from the policy for its severity.
pub(crate) async fn start(tx: &mut Tx, case_id: i64, severity: i64, now: Millis) -> Result<()> {
    let policy = store::policy_for(tx, severity)
        .await?
        .ok_or_else(|| Error::internal("sla_policy row missing"))?;
    let policy = to_policy(policy)?;
    for kind in ClockKind::ALL {
        let budget = policy.minutes(kind) * 60_000;
        store::start_clock(tx, case_id, kind.as_str(), budget, now).await?;
    }
    Ok(())
}

/// A person (not an integration or Casefile itself) acted on the case: acknowledged.
pub(crate) async fn acted(tx: &mut Tx, actor: &Actor, case_id: i64, now: Millis) -> Result<()> {
    if matches!(actor.principal, Principal::User { .. }) {
        store::meet(tx, case_id, ClockKind::Acknowledge.as_str(), now).await?;
    }
    Ok(())
}

/// The case reached `status`: contained (or later) stops the contain clock, closed the resolve
/// clock too.
pub(crate) async fn reached(
    tx: &mut Tx,
    case_id: i64,
    status: CaseStatus,
    now: Millis,
) -> Result<()> {
    if status >= CaseStatus::Contained {
        store::meet(tx, case_id, ClockKind::Contain.as_str(), now).await?;
    }
    if status == CaseStatus::Closed {
        store::meet(tx, case_id, ClockKind::Resolve.as_str(), now).await?;
    }
    Ok(())
}

fn to_clock(r: store::ClockRow, now: Millis) -> Result<Clock> {
    Ok(Clock {
        kind: ClockKind::parse(&r.kind).map_err(Error::Internal)?,
        budget_ms: r.budget_ms,
        started_at: r.started_at,
        due_at: r.due_at,
        warn_at: r.warn_at,
        paused_at: r.paused_at,
        pause_reason: r.pause_reason,
        met_at: r.met_at,
        breached_at: r.breached_at,
        read_at: now,
    })
}

/// The clocks of these cases, by case. Callers have checked the actor may read the cases.
pub(crate) async fn clocks_of(p: &Platform, case_ids: &[i64]) -> Result<HashMap<i64, Vec<Clock>>> {
    let now = p.clock.now();
    let mut out: HashMap<i64, Vec<Clock>> = HashMap::new();
    for r in store::clocks_of(&p.db, case_ids).await? {
        let case_id = r.case_id;
        out.entry(case_id).or_default().push(to_clock(r, now)?);
    }
    for clocks in out.values_mut() {
        clocks.sort_by_key(|c| ClockKind::ALL.iter().position(|k| *k == c.kind));
    }
    Ok(out)
}

/// Pauses the case's running clocks with a reason (e.g. waiting on the asset owner).
pub async fn pause(p: &Platform, actor: &Actor, case_id: i64, reason: &str) -> Result<()> {
    actor.require(Permission::CaseEdit)?;
    let reason = required("reason", reason, 500).map_err(|_| {
        Error::invalid("Say why the clocks stop (e.g. waiting on the asset owner).")
    })?;
    let now = p.clock.now();
    let mut tx = p.db.begin().await?;
    let c = load_for_change(&mut tx, case_id).await?;
    crate::cases::service::ensure_open(&c)?;
    let paused = store::pause(&mut tx, case_id, &reason, now).await?;
    if paused == 0 {
        return Err(Error::conflict(
            "No clock of this case is running (met, breached or already paused).",
        ));
    }
    record(
        &mut tx,
        actor,
        now,
        case_id,
        Happened {
            kind: EventKind::Sla,
            at: now,
            summary: &format!("SLA clocks paused: {reason}"),
            detail: json!({ "paused": paused, "reason": reason }),
        },
    )
    .await?;
    let detail = json!({ "after": { "paused": true }, "reason": reason, "clocks": paused });
    finish_change(
        p,
        tx,
        actor,
        now,
        case_id,
        case_event("case.sla_paused", case_id, detail),
    )
    .await
}

/// Resumes the case's paused clocks; their deadlines move later by the pause.
pub async fn resume(p: &Platform, actor: &Actor, case_id: i64) -> Result<()> {
    actor.require(Permission::CaseEdit)?;
    let now = p.clock.now();
    let mut tx = p.db.begin().await?;
    let c = load_for_change(&mut tx, case_id).await?;
    crate::cases::service::ensure_open(&c)?;
    let resumed = store::resume(&mut tx, case_id, now).await?;
    if resumed == 0 {
        return Err(Error::conflict("No clock of this case is paused."));
    }
    record(
        &mut tx,
        actor,
        now,
        case_id,
        Happened {
            kind: EventKind::Sla,
            at: now,
            summary: "SLA clocks resumed",
            detail: json!({ "resumed": resumed }),
        },
    )
    .await?;
    let detail = json!({ "after": { "paused": false }, "clocks": resumed });
    finish_change(
        p,
        tx,
        actor,
        now,
        case_id,
        case_event("case.sla_resumed", case_id, detail),
    )
    .await
}

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
    for (case_id, kind) in store::nearing(&p.db, now, SWEEP_BATCH).await? {
        if warn(p, &actor, case_id, &kind, now).await? {
            done.warned += 1;
        }
    }
    for (case_id, kind) in store::due(&p.db, now, SWEEP_BATCH).await? {
        if breach(p, &actor, case_id, &kind, now).await? {
            done.breached += 1;
        }
    }
    Ok(done)
}

async fn warn(p: &Platform, actor: &Actor, case_id: i64, kind: &str, now: Millis) -> Result<bool> {
    let mut tx = p.db.begin().await?;
    let Some(c) = store::lock_case_for_sweep(&mut tx, case_id).await? else {
        return Ok(false);
    };
    if !store::mark_warned(&mut tx, case_id, kind, now).await? {
        return Ok(false);
    }
    let kind = ClockKind::parse(kind).map_err(Error::Internal)?;
    let recipients = notify::holder_or_tier(&mut tx, c.assignee_id, c.tier).await?;
    let title = format!(
        "{}: {} runs out soon",
        c.number,
        kind.label().to_lowercase()
    );
    let n = Notice::about_case(NotificationKind::SlaNearBreach, case_id, &c.number, title);
    let told = notify::send(p, &mut tx, actor, &recipients, &n, now).await?;
    let detail = json!({ "clock": kind.as_str(), "notified": told.len() });
    audit(
        &mut tx,
        actor,
        now,
        case_event("case.sla_near_breach", case_id, detail),
    )
    .await?;
    tx.commit().await?;
    p.live.inbox_changed(&p.db, &told).await;
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
    let mut tx = p.db.begin().await?;
    let Some(c) = store::lock_case_for_sweep(&mut tx, case_id).await? else {
        return Ok(false);
    };
    if c.status == CaseStatus::Closed.as_str() {
        return Ok(false);
    }
    let Some(due_at) = store::mark_breached(&mut tx, case_id, kind, now).await? else {
        return Ok(false);
    };
    let (tier, number) = (c.tier, c.number.clone());
    let kind = ClockKind::parse(kind).map_err(Error::Internal)?;
    let label = kind.label().to_lowercase();
    record(
        &mut tx,
        actor,
        now,
        case_id,
        Happened {
            kind: EventKind::Sla,
            at: due_at,
            summary: &format!("SLA breached: {label}"),
            detail: json!({ "clock": kind.as_str(), "due_at": due_at }),
        },
    )
    .await?;
    let mut told = Vec::new();
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
        let m = tiers::service::Move {
            to_tier: tier + 1,
            reason: &reason,
            note: &note,
            automatic: true,
        };
        let (_, t) = tiers::service::move_in_tx(p, &mut tx, actor, &c, &m, now).await?;
        told.extend(t);
        escalated_to = Some(tier + 1);
    }
    let mut recipients = match c.assignee_id {
        Some(id) => vec![notify::user_recipient(&mut tx, id).await?],
        None => Vec::new(),
    };
    if escalated_to.is_none() {
        recipients.extend(notify::managers(&mut tx).await?);
        recipients.extend(notify::tier_recipients(&mut tx, tier).await?);
    }
    let title = match escalated_to {
        Some(t) => format!("{number}: {label} breached; escalated to tier {t}"),
        None => format!("{number}: {label} breached (tier 3)"),
    };
    let n = Notice::about_case(NotificationKind::SlaBreached, case_id, &number, title);
    told.extend(notify::send(p, &mut tx, actor, &recipients, &n, now).await?);
    let detail = json!({ "clock": kind.as_str(), "before": { "tier": tier },
        "after": { "tier": escalated_to.unwrap_or(tier) }, "escalated": escalated_to.is_some(),
        "overdue_by": span(now - due_at) });
    finish_change(
        p,
        tx,
        actor,
        now,
        case_id,
        case_event("case.sla_breached", case_id, detail),
    )
    .await?;
    p.live.inbox_changed(&p.db, &told).await;
    Ok(true)
}
