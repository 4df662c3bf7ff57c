//! SLA use cases: the policy, the clocks as the timeline moves them (a listener on every
//! recorded entry: a new case starts them, a status change stops some, anything a person
//! records acknowledges the case), and pausing with a reason. The sweep that handles breaches
//! is the tiers' (a breach moves the case).

use std::collections::HashMap;

use serde_json::json;

use super::{Clock, ClockKind, PolicyRow, check_policy, store};
use crate::{
    cases::{CaseStatus, EventKind, service::ensure_open},
    journal::{Change, Happened, NewAuditEvent, case_event},
    platform::{
        Actor, Error, Platform, Result, Tx, actor::Principal, clock::Millis, listeners::Recorded,
    },
    roles::Permission,
    severity::Severity,
    validate::required,
};

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
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let before = store::policy_for(ch.tx(), severity.level())
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
    store::set_policy(ch.tx(), &after, now).await?;
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
    ch.audit(event).await?;
    ch.commit().await?;
    to_policy(after)
}

/// What a timeline entry means for the clocks. Registered in `wiring.rs`.
pub(crate) async fn on_recorded(tx: &mut Tx, r: &Recorded<'_>) -> Result<()> {
    match r.kind {
        EventKind::CaseOpened => {
            let severity = r.detail["severity"]
                .as_str()
                .map(Severity::parse)
                .transpose()
                .map_err(Error::Internal)?
                .ok_or_else(|| Error::internal("a case opened without its severity"))?;
            start(tx, r.case_id, severity.level(), r.now).await?;
        }
        EventKind::StatusChange => {
            if let Some(status) = r.detail["after"].as_str() {
                let status = CaseStatus::parse(status).map_err(Error::Internal)?;
                reached(tx, r.case_id, status, r.now).await?;
            }
        }
        _ => {}
    }
    acted(tx, r.actor, r.case_id, r.now).await
}

/// Starts the three clocks of a new case from the policy for its severity.
async fn start(tx: &mut Tx, case_id: i64, severity: i64, now: Millis) -> Result<()> {
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
async fn acted(tx: &mut Tx, actor: &Actor, case_id: i64, now: Millis) -> Result<()> {
    if matches!(actor.principal, Principal::User { .. }) {
        store::meet(tx, case_id, ClockKind::Acknowledge.as_str(), now).await?;
    }
    Ok(())
}

/// The case reached `status`: contained (or later) stops the contain clock, closed the resolve
/// clock too.
async fn reached(tx: &mut Tx, case_id: i64, status: CaseStatus, now: Millis) -> Result<()> {
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
    let (mut ch, c) = Change::on_case(p, actor, case_id).await?;
    let now = ch.now();
    ensure_open(&c)?;
    let paused = store::pause(ch.tx(), case_id, &reason, now).await?;
    if paused == 0 {
        return Err(Error::conflict(
            "No clock of this case is running (met, breached or already paused).",
        ));
    }
    ch.record(
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
    ch.audit(case_event("case.sla_paused", case_id, detail))
        .await?;
    ch.commit().await
}

/// Resumes the case's paused clocks; their deadlines move later by the pause.
pub async fn resume(p: &Platform, actor: &Actor, case_id: i64) -> Result<()> {
    actor.require(Permission::CaseEdit)?;
    let (mut ch, c) = Change::on_case(p, actor, case_id).await?;
    let now = ch.now();
    ensure_open(&c)?;
    let resumed = store::resume(ch.tx(), case_id, now).await?;
    if resumed == 0 {
        return Err(Error::conflict("No clock of this case is paused."));
    }
    ch.record(
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
    ch.audit(case_event("case.sla_resumed", case_id, detail))
        .await?;
    ch.commit().await
}
