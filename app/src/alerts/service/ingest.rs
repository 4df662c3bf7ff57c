//! Alert intake: checked alerts stored idempotently with per-item outcomes, the alert rules
//! run on each, grouping with older alerts of the same incident, and observables added later.

use std::borrow::Cow;

use serde_json::json;

use super::{AUDIT_IDS, alert_event, to_alert_observable};
use crate::alerts::{
    AlertObservable, IngestOutcome, NewAlert, Observable,
    escalation::{EscalateOverrides, escalate_in},
    rules::service::{self as rules_service, Fired, Run},
    store::{self},
};
use crate::{
    fields::{Checked, Target, service as fields_service, store as fields_store},
    journal::{Change, NewAuditEvent},
    observables::ObservableType,
    platform::{Actor, Error, Platform, Result},
    roles::Permission,
};

/// Stores checked alerts in one transaction. Items that failed checking come in as `Err` and
/// are reported back, so one bad alert never costs the good ones. Acknowledged only once
/// committed: the outcomes are returned after the commit. (The HTTP intake goes through
/// [`super::intake::Intake`], which commits concurrent requests together.)
pub async fn ingest(
    p: &Platform,
    actor: &Actor,
    items: Vec<Result<NewAlert, String>>,
) -> Result<Vec<IngestOutcome>> {
    actor.require(Permission::AlertIngest)?;
    let items = storable(items);
    if let Some(rejected) = all_rejected(&items) {
        return Ok(rejected);
    }
    let mut ch = Change::begin(p, actor).await?;
    let outcomes = write_batch(&mut ch, &items).await?;
    ch.commit().await?;
    Ok(outcomes)
}

/// Items after the last check before storing ([`NewAlert::storable`]).
pub(crate) fn storable(items: Vec<Result<NewAlert, String>>) -> Vec<Result<NewAlert, String>> {
    items
        .into_iter()
        .map(|i| i.and_then(NewAlert::storable))
        .collect()
}

/// The outcomes when nothing in `items` passed checking (no transaction is needed).
pub(crate) fn all_rejected(items: &[Result<NewAlert, String>]) -> Option<Vec<IngestOutcome>> {
    items.iter().all(Result::is_err).then(|| {
        items
            .iter()
            .map(|i| IngestOutcome::Rejected {
                error: i.as_ref().err().cloned().unwrap_or_default(),
            })
            .collect()
    })
}

/// One checked alert on its way in: as the rules left it, its custom field values, and what
/// the rules did.
struct Arriving<'a> {
    alert: Cow<'a, NewAlert>,
    values: Vec<(i64, Checked)>,
    fired: Fired,
}

/// Writes one caller's alerts in `ch`, with its audit row. Custom fields are checked and the
/// live alert rules run on each alert first, as the definitions and rules are in this
/// transaction; an alert with a bad value is refused on its own, like any other bad alert.
pub(crate) async fn write_batch(
    ch: &mut Change<'_>,
    items: &[Result<NewAlert, String>],
) -> Result<Vec<IngestOutcome>> {
    let (p, actor, now) = (ch.platform(), ch.actor(), ch.now());
    let by = actor.label();
    let tx = ch.tx();
    let defs = fields_service::definitions_in_tx(tx).await?;
    let rules = Run::load(tx, now).await?;
    let items: Vec<std::result::Result<Arriving<'_>, String>> = items
        .iter()
        .map(|i| {
            let a = i.as_ref().map_err(Clone::clone)?;
            let mut values = fields_service::check_for_intake(&defs, &a.custom_fields)?;
            if rules.is_empty() {
                return Ok(Arriving {
                    alert: Cow::Borrowed(a),
                    values,
                    fired: Fired::default(),
                });
            }
            let mut alert = a.clone();
            let fired = rules.apply(&defs, &mut alert, &mut values);
            Ok(Arriving {
                alert: Cow::Owned(alert),
                values,
                fired,
            })
        })
        .collect();
    let valid: Vec<&NewAlert> = items
        .iter()
        .filter_map(|i| i.as_ref().ok())
        .map(|i| &*i.alert)
        .collect();
    let stored = store::upsert_batch(tx, &valid, &by, now).await?;
    let mut stored = stored.into_iter();
    let (mut created, mut repeated) = (Vec::new(), Vec::new());
    let (mut raws, mut observables) = (Vec::new(), Vec::new());
    let mut field_values: Vec<(i64, &(i64, Checked))> = Vec::new();
    let mut new_alerts: Vec<(i64, &NewAlert)> = Vec::new();
    let mut fired: Vec<(i64, &Fired)> = Vec::new();
    let mut outcomes = Vec::with_capacity(items.len());
    for item in &items {
        let a = match item {
            Ok(a) => a,
            Err(error) => {
                outcomes.push(IngestOutcome::Rejected {
                    error: error.clone(),
                });
                continue;
            }
        };
        let (id, occurrences) = stored
            .next()
            .ok_or_else(|| Error::internal("fewer stored rows than alerts"))?;
        if occurrences == 1 {
            if let Some(raw) = &a.alert.raw {
                raws.push((id, raw.as_str()));
            }
            observables.extend(a.alert.observables.iter().map(|o| (id, o)));
            field_values.extend(a.values.iter().map(|v| (id, v)));
            // A suppressed or escalated alert joins no group: it is done with.
            if a.fired.suppress.is_none() && a.fired.escalate.is_none() {
                new_alerts.push((id, &*a.alert));
            }
            if !a.fired.matched.is_empty() {
                fired.push((id, &a.fired));
            }
            created.push(id);
            outcomes.push(IngestOutcome::Created { id });
        } else {
            repeated.push(id);
            outcomes.push(IngestOutcome::Repeated { id, occurrences });
        }
    }
    store::insert_raws(tx, &raws, now).await?;
    store::insert_observables_batch(tx, &observables, now).await?;
    for (id, (field_id, value)) in field_values {
        fields_store::put(tx, Target::Alert, id, *field_id, value, now).await?;
    }
    if let (Some(first), Some(last)) = (created.iter().min(), created.iter().max()) {
        crate::watchlists::store::flag_alerts(tx, *first, *last).await?;
    }
    let (routed, suppressed) = rules_service::settle(tx, &fired, now).await?;
    let grouped = match p.settings.group_window {
        Some(window) => group_new_alerts(tx, &new_alerts, window, now).await?,
        None => 0,
    };
    let escalations: Vec<(i64, String, String)> = fired
        .iter()
        .filter_map(|(id, f)| {
            f.escalate
                .as_ref()
                .map(|(_, name, t)| (*id, name.clone(), t.clone()))
        })
        .collect();
    let (escalated, escalation_failures) = escalate_by_rules(ch, &escalations).await?;
    let rejected = outcomes.len() - created.len() - repeated.len();
    let mut detail = json!({
        "created": created.len(),
        "repeated": repeated.len(),
        "rejected": rejected,
        "grouped": grouped,
        "created_ids": created.iter().take(AUDIT_IDS).collect::<Vec<_>>(),
        "repeated_ids": repeated.iter().take(AUDIT_IDS).collect::<Vec<_>>(),
    });
    if !fired.is_empty() {
        let by_rule: Vec<serde_json::Value> = fired
            .iter()
            .take(AUDIT_IDS)
            .map(|(id, f)| {
                json!({ "alert_id": id, "rules": f.matched,
                "suppressed": f.suppress.is_some(), "escalated": f.escalate.is_some() })
            })
            .collect();
        detail["rules"] = json!({ "matched": fired.len(), "routed": routed,
            "suppressed": suppressed, "escalated": escalated,
            "escalation_failures": escalation_failures, "alerts": by_rule });
    }
    let event = NewAuditEvent {
        action: "alert.ingested",
        object_type: "alert",
        object_id: None,
        detail,
    };
    ch.audit(event).await?;
    Ok(outcomes)
}

/// Opens the cases escalation rules asked for, each as a change of the rules' own (on this
/// transaction, behind a savepoint), so the case and its audit rows say a rule opened it. An
/// escalation that cannot be made (its template was deleted, a required field is missing)
/// leaves its alert in the queue and is said on the audit row: a rule never fails intake.
/// Returns (escalated, failures).
async fn escalate_by_rules(
    ch: &mut Change<'_>,
    escalations: &[(i64, String, String)],
) -> Result<(usize, Vec<serde_json::Value>)> {
    let (p, now) = (ch.platform(), ch.now());
    let rules_actor = Actor::system("alert-rules");
    let (mut done, mut failed) = (0, Vec::new());
    for (alert_id, rule, template) in escalations {
        let overrides = EscalateOverrides {
            template: Some(template.clone()),
            ..Default::default()
        };
        ch.tx().savepoint("rule_escalation").await?;
        let result = {
            let mut inner = Change::join(p, &rules_actor, now, ch.tx());
            match escalate_in(&mut inner, *alert_id, overrides).await {
                Ok(_) => inner.finish().await,
                Err(e) => Err(e),
            }
        };
        match result {
            Ok(news) => {
                ch.tx().release("rule_escalation").await?;
                ch.absorb(news);
                done += 1;
            }
            Err(e) => {
                ch.tx().rollback_to("rule_escalation").await?;
                tracing::warn!(alert_id, rule = %rule, error = %e, "an alert rule could not escalate");
                failed.push(json!({ "alert_id": alert_id, "rule": rule, "error": e.to_string() }));
            }
        }
    }
    Ok((done, failed))
}

/// Observable types that make two alerts of one rule the same incident.
const GROUP_KEYS: [ObservableType; 5] = [
    ObservableType::Ip,
    ObservableType::Hostname,
    ObservableType::User,
    ObservableType::Hash,
    ObservableType::Domain,
];

/// Folds each new alert into an older open alert of the same source and rule that shares a key
/// observable and was seen within `window`. Returns how many were grouped.
async fn group_new_alerts(
    tx: &mut crate::platform::Tx,
    new_alerts: &[(i64, &NewAlert)],
    window: time::Duration,
    now: i64,
) -> Result<usize> {
    let since = now - window.whole_milliseconds() as i64;
    let mut grouped = 0;
    for (id, a) in new_alerts {
        if a.rule.is_empty() {
            continue;
        }
        let keys: Vec<(&str, &str)> = a
            .observables
            .iter()
            .filter(|o| GROUP_KEYS.contains(&o.kind))
            .map(|o| (o.kind.as_str(), o.value.as_str()))
            .collect();
        let leader = store::find_group_leader(tx, *id, &a.source, &a.rule, &keys, since).await?;
        if let Some((leader, kind, value)) = leader {
            let reason = format!(
                "Same source ({}) and rule ({}) as alert {leader}, sharing {kind}:{value}, within {} minutes.",
                a.source,
                a.rule,
                window.whole_minutes()
            );
            store::join_group(tx, *id, leader, &reason, now).await?;
            grouped += 1;
        }
    }
    Ok(grouped)
}

/// Adds observables to an alert after it arrived; ones it already has are skipped. Returns the
/// alert's observables matching those given.
pub async fn add_observables(
    p: &Platform,
    actor: &Actor,
    alert_id: i64,
    items: &[Observable],
) -> Result<Vec<AlertObservable>> {
    let triager = actor.require(Permission::AlertTriage).is_ok();
    if !triager {
        actor.require(Permission::AlertIngest)?;
    }
    if items.is_empty() {
        return Err(Error::invalid("Give at least one observable."));
    }
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let alert = store::alert_in_tx(ch.tx(), alert_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no alert {alert_id}.")))?;
    if alert.case_id.is_some() {
        return Err(Error::conflict(format!(
            "Alert {alert_id} is already in a case: add observables to the case instead."
        )));
    }
    // A forwarder may add to the alerts it posted, not to anyone else's.
    if !triager && alert.created_by != actor.label() {
        return Err(Error::forbidden(format!(
            "Alert {alert_id} was posted by another integration."
        )));
    }
    let rows: Vec<(i64, &Observable)> = items.iter().map(|o| (alert_id, o)).collect();
    store::insert_observables_batch(ch.tx(), &rows, now).await?;
    let added: Vec<String> = items
        .iter()
        .map(|o| format!("{}:{}", o.kind.as_str(), o.value))
        .collect();
    ch.audit(alert_event(
        "alert.observables_added",
        alert_id,
        json!({ "observables": added }),
    ))
    .await?;
    ch.commit().await?;
    // Read back without AlertRead: a forwarder may add to what it posted without reading others.
    Ok(store::observables(&p.db, alert_id)
        .await?
        .into_iter()
        .map(to_alert_observable)
        .filter(|o| {
            items
                .iter()
                .any(|i| i.kind.as_str() == o.data_type && i.value == o.value)
        })
        .collect())
}
