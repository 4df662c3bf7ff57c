//! Escalating alerts into cases: a new case from an alert (and its group), or alerts merged
//! into an open case. Each alert leaves the queue as a true positive, brings its observables,
//! and goes on the case's timeline and the audit log.

use serde_json::json;

use super::store;
use crate::{
    cases::{
        Case, EventKind, NewCase,
        service::{self as cases_service},
        store::{self as cases_store, CaseRow, NewCaseObservable},
    },
    journal::{Change, Happened, NewAuditEvent, case_event},
    observables::{Observable, ObservableType},
    platform::{Actor, Error, Platform, Result, Tx},
    roles::Permission,
    severity::Severity,
    templates::{AlertContext, service as templates},
    validate::{check_tags, optional, required, tags_from_json},
};

/// Most alerts merged in one action.
pub const MAX_MERGE: usize = 500;

/// Field overrides when escalating an alert (TheHive's promote body); `None` keeps the alert's.
#[derive(Debug, Clone, Default)]
pub struct EscalateOverrides {
    pub title: Option<String>,
    pub description: Option<String>,
    pub severity: Option<Severity>,
    pub tags: Option<Vec<String>>,
    /// Custom field values for the case, over those carried from the alert.
    pub custom_fields: crate::fields::ValueMap,
    /// A case template (id or name) to shape the case with.
    pub template: Option<String>,
}

/// Escalates an alert into a new case: title, description, severity, tags and observables are
/// copied, the alert is linked and leaves the queue as a true positive.
pub async fn escalate_alert(
    p: &Platform,
    actor: &Actor,
    alert_id: i64,
    overrides: EscalateOverrides,
) -> Result<Case> {
    actor.require(Permission::AlertTriage)?;
    actor.require(Permission::CaseCreate)?;
    let mut ch = Change::begin(p, actor).await?;
    let case_id = escalate_in(&mut ch, alert_id, overrides).await?;
    ch.commit().await?;
    cases_service::get(p, actor, case_id).await
}

/// [`escalate_alert`] inside a change (an alert rule's, in the intake transaction); the caller
/// has checked the rights. Returns the new case's id.
pub(crate) async fn escalate_in(
    ch: &mut Change<'_>,
    alert_id: i64,
    overrides: EscalateOverrides,
) -> Result<i64> {
    let (p, actor, now) = (ch.platform(), ch.actor(), ch.now());
    let alert = store::alert_in_tx(ch.tx(), alert_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no alert {alert_id}.")))?;
    if let Some(existing) = alert.case_id {
        return Err(Error::conflict(format!(
            "Alert {alert_id} is already in case {}.",
            case_number_of(ch.tx(), existing).await?
        )));
    }
    let observables = alert_observables(ch.tx(), alert_id).await?;
    // The alert's severity, TLP and PAP are this incident's; a template adds to them.
    let given = templates::Given {
        description: overrides.description.is_some(),
        severity: true,
        tlp: true,
        pap: true,
    };
    let template = overrides.template.clone();
    let mut new_case = NewCase {
        title: match overrides.title {
            Some(t) => required("title", &t, 500).map_err(Error::Invalid)?,
            None => alert.title.clone(),
        },
        description: match overrides.description {
            Some(d) => optional("description", &d, 100_000).map_err(Error::Invalid)?,
            None => alert.description.clone(),
        },
        severity: match overrides.severity {
            Some(s) => s,
            None => Severity::from_level(alert.severity)
                .ok_or_else(|| Error::internal("bad severity in store"))?,
        },
        tlp: alert.tlp,
        pap: alert.pap,
        tags: match overrides.tags {
            Some(t) => check_tags(&t).map_err(Error::Invalid)?,
            None => tags_from_json(&alert.tags),
        },
        tasks: Vec::new(),
        playbook: None,
        custom_fields: overrides.custom_fields,
        field_defaults: Default::default(),
        template: None,
        tier: None,
        detection_source: if alert.rule.is_empty() {
            alert.source.clone()
        } else {
            format!("{} / {}", alert.source, alert.rule)
        },
        observables,
    };
    if let Some(t) = template.as_deref().filter(|t| !t.trim().is_empty()) {
        let context = AlertContext {
            title: alert.title.clone(),
            description: alert.description.clone(),
            source: alert.source.clone(),
            rule: alert.rule.clone(),
            source_ref: alert.source_ref.clone(),
            severity: Severity::from_level(alert.severity)
                .map_or("", Severity::as_str)
                .to_owned(),
            observables: new_case
                .observables
                .iter()
                .map(|o| format!("{}:{}", o.kind.as_str(), o.value))
                .collect(),
        };
        templates::shape(p, actor, t, &mut new_case, Some(&context), given).await?;
    }
    let opened = cases_service::insert_new_case(ch, &new_case, Some(alert_id)).await?;
    let (case_id, number) = (opened.case_id, opened.number);
    let reason = format!("Escalated to case {number}.");
    store::link_to_case(ch.tx(), alert_id, case_id, &reason, now).await?;
    ch.record(
        case_id,
        Happened {
            kind: EventKind::AlertLinked,
            at: alert.occurred_at,
            summary: &format!("Alert {alert_id} from {}: {}", alert.source, alert.title),
            detail: json!({ "alert_id": alert_id, "source": alert.source, "rule": alert.rule }),
        },
    )
    .await?;
    super::service::carry_to_case(ch, case_id, alert_id).await?;
    super::service::carry_files_to_case(ch, case_id, &alert).await?;
    let detail = json!({ "case_id": case_id, "number": number,
        "before": { "status": alert.status, "verdict": alert.verdict },
        "after": { "status": "closed", "verdict": "true_positive" } });
    ch.audit(NewAuditEvent {
        action: "alert.escalated",
        object_type: "alert",
        object_id: Some(alert_id.to_string()),
        detail,
    })
    .await?;
    // Alerts grouped under the escalated one belong to the same incident.
    let members = store::group_member_ids(ch.tx(), alert_id).await?;
    if !members.is_empty() {
        let case = cases_store::case_in_tx(ch.tx(), case_id)
            .await?
            .ok_or_else(|| Error::internal("the new case vanished"))?;
        for m in members {
            merge_one(ch, &case, m).await?;
        }
    }
    let detail = json!({ "number": number, "title": new_case.title, "from_alert": alert_id,
        "observables": new_case.observables.len(), "custom_fields": opened.fields });
    ch.audit(case_event("case.opened", case_id, detail)).await?;
    Ok(case_id)
}

async fn case_number_of(tx: &mut Tx, case_id: i64) -> Result<String> {
    Ok(cases_store::case_in_tx(tx, case_id)
        .await?
        .map_or_else(|| case_id.to_string(), |c| c.number))
}

/// An alert's observables as checked values (they were checked on arrival).
async fn alert_observables(tx: &mut Tx, alert_id: i64) -> Result<Vec<Observable>> {
    store::observables_in_tx(tx, alert_id)
        .await?
        .into_iter()
        .map(|o| {
            Ok(Observable {
                kind: ObservableType::parse(&o.data_type).map_err(Error::Internal)?,
                value: o.value,
                tags: tags_from_json(&o.tags),
            })
        })
        .collect()
}

/// Links one alert to an open case inside `tx`: it leaves the queue as a true positive, brings
/// the observables the case lacks, and goes on the timeline and the audit log. An alert already
/// in this case is left alone; one in another case is refused.
async fn merge_one(ch: &mut Change<'_>, case: &CaseRow, alert_id: i64) -> Result<()> {
    let (actor, now) = (ch.actor(), ch.now());
    let case_id = case.case_id;
    let label = actor.label();
    let reason = format!("Merged into case {}.", case.number);
    let alert = store::alert_in_tx(ch.tx(), alert_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no alert {alert_id}.")))?;
    match alert.case_id {
        Some(c) if c == case_id => return Ok(()),
        Some(other) => {
            return Err(Error::conflict(format!(
                "Alert {alert_id} is already in case {}.",
                case_number_of(ch.tx(), other).await?
            )));
        }
        None => {}
    }
    store::link_to_case(ch.tx(), alert_id, case_id, &reason, now).await?;
    let mut added = Vec::new();
    for o in alert_observables(ch.tx(), alert_id).await? {
        let n = NewCaseObservable {
            observable: &o,
            description: "",
            ioc: false,
            tlp: case.tlp,
            alert_id: Some(alert_id),
        };
        if cases_store::insert_observable(ch.tx(), case_id, &n, &label, now)
            .await?
            .is_some()
        {
            added.push(format!("{}:{}", o.kind.as_str(), o.value));
        }
    }
    ch.record(
        case_id,
        Happened {
            kind: EventKind::AlertLinked,
            at: alert.occurred_at,
            summary: &format!(
                "Alert {alert_id} from {} merged: {} ({} new observables)",
                alert.source,
                alert.title,
                added.len()
            ),
            detail: json!({ "alert_id": alert_id, "source": alert.source, "rule": alert.rule,
                "new_observables": added }),
        },
    )
    .await?;
    super::service::carry_to_case(ch, case_id, alert_id).await?;
    super::service::carry_files_to_case(ch, case_id, &alert).await?;
    let detail = json!({ "case_id": case_id, "number": case.number,
        "new_observables": added.len(),
        "before": { "status": alert.status, "verdict": alert.verdict },
        "after": { "status": "closed", "verdict": "true_positive" } });
    ch.audit(NewAuditEvent {
        action: "alert.merged",
        object_type: "alert",
        object_id: Some(alert_id.to_string()),
        detail,
    })
    .await?;
    Ok(())
}

/// Merges alerts into an existing open case: each is linked, leaves the queue as a true positive,
/// and brings its observables the case does not have yet. All or nothing.
pub async fn merge_alerts(
    p: &Platform,
    actor: &Actor,
    alert_ids: &[i64],
    case_id: i64,
) -> Result<Case> {
    actor.require(Permission::AlertTriage)?;
    actor.require(Permission::CaseEdit)?;
    match alert_ids.len() {
        0 => return Err(Error::invalid("Select at least one alert to merge.")),
        n if n > MAX_MERGE => {
            return Err(Error::invalid(format!(
                "Merge at most {MAX_MERGE} alerts at a time."
            )));
        }
        _ => {}
    }
    let (mut ch, case) = Change::on_case(p, actor, case_id).await?;
    cases_service::ensure_open(&case)?;
    // A group's row stands for every alert folded into it.
    for alert_id in super::service::with_group_members(ch.tx(), alert_ids).await? {
        merge_one(&mut ch, &case, alert_id).await?;
    }
    ch.commit().await?;
    cases_service::get(p, actor, case_id).await
}
