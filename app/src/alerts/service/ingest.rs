//! Alert intake: checked alerts stored idempotently with per-item outcomes, grouping with
//! older alerts of the same incident, and observables added later.

use serde_json::json;

use super::{AUDIT_IDS, alert_event, to_alert_observable};
use crate::alerts::{
    AlertObservable, IngestOutcome, NewAlert, Observable,
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

/// Writes one caller's alerts in `ch`, with its audit row.
pub(crate) async fn write_batch(
    ch: &mut Change<'_>,
    items: &[Result<NewAlert, String>],
) -> Result<Vec<IngestOutcome>> {
    let (p, actor, now) = (ch.platform(), ch.actor(), ch.now());
    let tx = ch.tx();
    let by = actor.label();
    // Custom fields are checked against the definitions as they are in this transaction; an
    // alert with a bad value is refused on its own, like any other bad alert.
    let defs = fields_service::definitions_in_tx(tx).await?;
    let items: Vec<std::result::Result<(&NewAlert, Vec<(i64, Checked)>), String>> = items
        .iter()
        .map(|i| {
            let a = i.as_ref().map_err(Clone::clone)?;
            Ok((a, fields_service::check_for_intake(&defs, &a.custom_fields)?))
        })
        .collect();
    let valid: Vec<&NewAlert> = items.iter().filter_map(|i| i.as_ref().ok()).map(|i| i.0).collect();
    let stored = store::upsert_batch(tx, &valid, &by, now).await?;
    let mut stored = stored.into_iter();
    let (mut created, mut repeated) = (Vec::new(), Vec::new());
    let (mut raws, mut observables) = (Vec::new(), Vec::new());
    let mut field_values: Vec<(i64, &(i64, Checked))> = Vec::new();
    let mut new_alerts: Vec<(i64, &NewAlert)> = Vec::new();
    let mut outcomes = Vec::with_capacity(items.len());
    for item in &items {
        let (alert, values) = match item {
            Ok((a, values)) => (*a, values),
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
            if let Some(raw) = &alert.raw {
                raws.push((id, raw.as_str()));
            }
            observables.extend(alert.observables.iter().map(|o| (id, o)));
            field_values.extend(values.iter().map(|v| (id, v)));
            new_alerts.push((id, alert));
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
    let grouped = match p.settings.group_window {
        Some(window) => group_new_alerts(tx, &new_alerts, window, now).await?,
        None => 0,
    };
    let rejected = outcomes.len() - created.len() - repeated.len();
    let detail = json!({
        "created": created.len(),
        "repeated": repeated.len(),
        "rejected": rejected,
        "grouped": grouped,
        "created_ids": created.iter().take(AUDIT_IDS).collect::<Vec<_>>(),
        "repeated_ids": repeated.iter().take(AUDIT_IDS).collect::<Vec<_>>(),
    });
    let event = NewAuditEvent {
        action: "alert.ingested",
        object_type: "alert",
        object_id: None,
        detail,
    };
    ch.audit(event).await?;
    Ok(outcomes)
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
