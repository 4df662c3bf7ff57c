//! Alert use cases: intake (idempotent, per-item results), the triage queue, verdicts and
//! assignment. Each follows authorize → transaction → audit → commit.

use serde_json::json;

use super::{
    Alert, AlertObservable, AlertPatch, AlertStatus, AlertSummary, GroupMember, IngestOutcome,
    NewAlert, Observable, QueueCursor, QueueFilter, QueuePage, RawPayload, RuleFeedback, Severity,
    Verdict, fold_rule_feedback,
    store::{self, QueueQuery},
};
use crate::{
    accounts::{normalize_username, store as accounts_store},
    journal::{Change, NewAuditEvent},
    observables::ObservableType,
    platform::{Actor, Error, Platform, Result},
    roles::Permission,
    validate::{check_level, check_tags, optional, required, tags_from_json, tags_to_json},
};

/// Queue page size.
pub const QUEUE_PAGE: i64 = 50;
/// Most alerts one triage action may touch.
pub const MAX_BULK: usize = 500;
/// Ids listed in a batch's audit row; the counts are always complete.
const AUDIT_IDS: usize = 1000;

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
    let valid: Vec<&NewAlert> = items.iter().filter_map(|i| i.as_ref().ok()).collect();
    let stored = store::upsert_batch(tx, &valid, &by, now).await?;
    let mut stored = stored.into_iter();
    let (mut created, mut repeated) = (Vec::new(), Vec::new());
    let (mut raws, mut observables) = (Vec::new(), Vec::new());
    let mut new_alerts: Vec<(i64, &NewAlert)> = Vec::new();
    let mut outcomes = Vec::with_capacity(items.len());
    for item in items {
        let alert = match item {
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
            if let Some(raw) = &alert.raw {
                raws.push((id, raw.as_str()));
            }
            observables.extend(alert.observables.iter().map(|o| (id, o)));
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

/// The alerts folded into `leader`, with why each joined.
pub async fn group_members(p: &Platform, actor: &Actor, leader: i64) -> Result<Vec<GroupMember>> {
    actor.require(Permission::AlertRead)?;
    let detail = json!({ "view": "alert group" });
    crate::audit::service::record_auditor_view(p, actor, "alert", Some(leader.to_string()), detail)
        .await?;
    Ok(store::group_members(&p.db, leader)
        .await?
        .into_iter()
        .map(|(alert_id, title, reason, first_seen_at)| GroupMember {
            alert_id,
            title,
            reason,
            first_seen_at,
        })
        .collect())
}

/// `ids` with the members of any group they lead, each once.
pub(crate) async fn with_group_members(
    tx: &mut crate::platform::Tx,
    ids: &[i64],
) -> Result<Vec<i64>> {
    let mut all: Vec<i64> = Vec::with_capacity(ids.len());
    for &id in ids {
        for m in std::iter::once(id).chain(store::group_member_ids(tx, id).await?) {
            if !all.contains(&m) {
                all.push(m);
            }
        }
    }
    Ok(all)
}

fn nonempty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// One page of the triage queue.
pub async fn queue(
    p: &Platform,
    actor: &Actor,
    filter: &QueueFilter,
    after: Option<QueueCursor>,
) -> Result<QueuePage> {
    let page = queue_page(p, actor, filter, after).await?;
    let detail = json!({ "view": "alert queue", "filter": filter, "after": after });
    crate::audit::service::record_auditor_view(p, actor, "alert_queue", None, detail).await?;
    Ok(page)
}

/// [`queue`] without recording the view: for exports, which record themselves.
pub(crate) async fn queue_page(
    p: &Platform,
    actor: &Actor,
    filter: &QueueFilter,
    after: Option<QueueCursor>,
) -> Result<QueuePage> {
    actor.require(Permission::AlertRead)?;
    let assignee_id = match nonempty(&filter.assignee).as_deref() {
        None => None,
        Some("none") => Some(None),
        Some("me") => Some(Some(actor.require_user()?)),
        Some(name) => {
            let name = normalize_username(name).map_err(Error::Invalid)?;
            let row = accounts_store::user_by_name(&p.db, &name).await?;
            Some(Some(row.map(|r| r.user_id).ok_or_else(|| {
                Error::invalid(format!("No analyst is called \u{201c}{name}\u{201d}."))
            })?))
        }
    };
    let q = QueueQuery {
        status: nonempty(&filter.status)
            .map(|s| AlertStatus::parse(&s).map(|s| s.as_str().to_owned()))
            .transpose()
            .map_err(Error::Invalid)?,
        severity: nonempty(&filter.severity)
            .map(|s| Severity::parse(&s).map(Severity::level))
            .transpose()
            .map_err(Error::Invalid)?,
        source: nonempty(&filter.source),
        rule: nonempty(&filter.rule),
        assignee_id,
        text: nonempty(&filter.text).filter(|t| t.chars().count() <= 200),
        after: after.map(|c| (c.severity, c.alert_id)),
        limit: QUEUE_PAGE + 1,
    };
    let mut rows = store::queue(&p.db, &q).await?;
    let more = rows.len() as i64 > QUEUE_PAGE;
    rows.truncate(QUEUE_PAGE as usize);
    let ids: Vec<i64> = rows.iter().map(|r| r.alert_id).collect();
    let previews = store::observable_previews(&p.db, &ids, 3).await?;
    let next = more
        .then(|| {
            rows.last().map(|r| QueueCursor {
                severity: r.severity,
                alert_id: r.alert_id,
            })
        })
        .flatten();
    let alerts = rows
        .into_iter()
        .map(|r| {
            Ok(AlertSummary {
                observables_preview: previews
                    .iter()
                    .filter(|o| o.0 == r.alert_id)
                    .map(|o| format!("{}:{}", o.1, o.2))
                    .collect(),
                severity: Severity::from_level(r.severity)
                    .ok_or_else(|| Error::internal("bad severity in store"))?,
                status: AlertStatus::parse(&r.status).map_err(Error::Internal)?,
                verdict: r
                    .verdict
                    .as_deref()
                    .map(Verdict::parse)
                    .transpose()
                    .map_err(Error::Internal)?,
                alert_id: r.alert_id,
                source: r.source,
                rule: r.rule,
                title: r.title,
                assignee: r.assignee,
                occurrence_count: r.occurrence_count,
                first_seen_at: r.first_seen_at,
                last_seen_at: r.last_seen_at,
                group_size: r.group_size,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(QueuePage { alerts, next })
}

/// The triage state of one alert inside `tx`, or `NotFound` naming it.
async fn load_for_triage(tx: &mut crate::platform::Tx, id: i64) -> Result<store::TriageRow> {
    store::triage_state(tx, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no alert {id}.")))
}

fn alert_event(action: &'static str, id: i64, detail: serde_json::Value) -> NewAuditEvent<'static> {
    NewAuditEvent {
        action,
        object_type: "alert",
        object_id: Some(id.to_string()),
        detail,
    }
}

fn check_bulk(ids: &[i64]) -> Result<()> {
    match ids.len() {
        0 => Err(Error::invalid("Select at least one alert.")),
        n if n > MAX_BULK => Err(Error::invalid(format!(
            "Act on at most {MAX_BULK} alerts at a time."
        ))),
        _ => Ok(()),
    }
}

/// Records a verdict (with its reason) on each alert and closes it. All or nothing.
pub async fn set_verdict(
    p: &Platform,
    actor: &Actor,
    ids: &[i64],
    verdict: &str,
    reason: &str,
) -> Result<usize> {
    actor.require(Permission::AlertTriage)?;
    check_bulk(ids)?;
    let verdict = Verdict::parse(verdict).map_err(Error::Invalid)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid(
            "Give a reason for the verdict, e.g. what you checked.",
        ));
    }
    if reason.chars().count() > 2000 {
        return Err(Error::invalid("The reason is longer than 2000 characters."));
    }
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    // A verdict on a group's row is a verdict on every alert folded into it.
    for id in with_group_members(ch.tx(), ids).await? {
        let before = load_for_triage(ch.tx(), id).await?;
        store::set_verdict(ch.tx(), id, verdict.as_str(), reason, now).await?;
        let detail = json!({
            "before": { "status": before.status, "verdict": before.verdict },
            "after": { "status": "closed", "verdict": verdict.as_str() },
            "reason": reason,
        });
        ch.audit(alert_event("alert.verdict", id, detail)).await?;
    }
    ch.commit().await?;
    Ok(ids.len())
}

/// Assigns alerts to `assignee` (`me`, a username) or, with `None`, returns them to the queue.
pub async fn assign(
    p: &Platform,
    actor: &Actor,
    ids: &[i64],
    assignee: Option<&str>,
) -> Result<usize> {
    actor.require(Permission::AlertTriage)?;
    check_bulk(ids)?;
    let assignee_id = match assignee.map(str::trim) {
        None => None,
        Some("") => {
            return Err(Error::invalid(
                "Enter the username of the analyst to assign.",
            ));
        }
        Some("me") => Some(actor.require_user()?),
        Some(name) => {
            let name = normalize_username(name).map_err(Error::Invalid)?;
            let row = accounts_store::user_by_name(&p.db, &name)
                .await?
                .filter(|r| !r.disabled && r.role == "analyst")
                .ok_or_else(|| {
                    Error::invalid(format!(
                        "No active analyst is called \u{201c}{name}\u{201d}."
                    ))
                })?;
            Some(row.user_id)
        }
    };
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    for id in with_group_members(ch.tx(), ids).await? {
        let before = load_for_triage(ch.tx(), id).await?;
        store::set_assignee(ch.tx(), id, assignee_id, now).await?;
        let detail = json!({ "before": { "assignee_id": before.assignee_id }, "after": { "assignee_id": assignee_id } });
        ch.audit(alert_event("alert.assigned", id, detail)).await?;
    }
    ch.commit().await?;
    Ok(ids.len())
}

/// The raw payload as sent, for display on demand.
pub async fn raw_payload(p: &Platform, actor: &Actor, alert_id: i64) -> Result<RawPayload> {
    actor.require(Permission::AlertRead)?;
    let detail = json!({ "view": "alert payload" });
    crate::audit::service::record_auditor_view(
        p,
        actor,
        "alert",
        Some(alert_id.to_string()),
        detail,
    )
    .await?;
    Ok(match store::raw(&p.db, alert_id).await? {
        (Some(raw), _) => RawPayload::Kept(raw),
        (None, Some(at)) => RawPayload::Purged(at),
        (None, None) => RawPayload::NotSent,
    })
}

/// Alerts purged per transaction (and named in one audit row).
const PURGE_BATCH: i64 = 500;

/// Deletes the raw payloads of closed alerts decided more than `keep` ago, except those of a
/// case still open or on legal hold; the triage record stays. Each batch writes one audit row
/// naming its alerts. Run by the server's retention job; returns how many were purged.
pub async fn purge_payloads(p: &Platform, keep: time::Duration) -> Result<usize> {
    let actor = Actor::system("retention");
    let mut purged = 0;
    loop {
        let now = p.clock.now();
        let before = now - keep.whole_milliseconds() as i64;
        let mut ch = Change::begin_at(p, &actor, now).await?;
        let ids = store::payloads_due(ch.tx(), before, PURGE_BATCH).await?;
        if ids.is_empty() {
            return Ok(purged);
        }
        for &id in &ids {
            store::purge_payload(ch.tx(), id, now).await?;
        }
        let detail = json!({ "purged": ids.len(), "alert_ids": ids,
            "decided_before": before, "retention_days": keep.whole_days() });
        let event = NewAuditEvent {
            action: "alert.payloads_purged",
            object_type: "alert",
            object_id: None,
            detail,
        };
        ch.audit(event).await?;
        ch.commit().await?;
        purged += ids.len();
        if (ids.len() as i64) < PURGE_BATCH {
            return Ok(purged);
        }
    }
}

/// Longest period the rule feedback report covers.
const MAX_FEEDBACK_DAYS: i64 = 366;

/// Verdicts per detection rule over the last `days` days, noisiest rules first.
pub async fn rule_feedback(p: &Platform, actor: &Actor, days: i64) -> Result<Vec<RuleFeedback>> {
    actor.require(Permission::AlertRead)?;
    let detail = json!({ "view": "rule feedback", "days": days });
    crate::audit::service::record_auditor_view(p, actor, "rule_feedback", None, detail).await?;
    if !(1..=MAX_FEEDBACK_DAYS).contains(&days) {
        return Err(Error::invalid(format!(
            "Choose a period of 1 to {MAX_FEEDBACK_DAYS} days."
        )));
    }
    let now = p.clock.now();
    let rows = store::verdicts_by_rule(&p.db, now - days * 86_400_000, now + 1).await?;
    Ok(fold_rule_feedback(&rows))
}

pub(crate) fn to_alert(r: store::AlertRow) -> Result<Alert> {
    Ok(Alert {
        severity: Severity::from_level(r.severity)
            .ok_or_else(|| Error::internal("bad severity in store"))?,
        status: AlertStatus::parse(&r.status).map_err(Error::Internal)?,
        verdict: r
            .verdict
            .as_deref()
            .map(Verdict::parse)
            .transpose()
            .map_err(Error::Internal)?,
        tags: tags_from_json(&r.tags),
        alert_id: r.alert_id,
        alert_type: r.alert_type,
        source: r.source,
        source_ref: r.source_ref,
        rule: r.rule,
        title: r.title,
        description: r.description,
        tlp: r.tlp,
        pap: r.pap,
        verdict_reason: r.verdict_reason,
        assignee: r.assignee,
        case_id: r.case_id,
        occurred_at: r.occurred_at,
        first_seen_at: r.first_seen_at,
        last_seen_at: r.last_seen_at,
        occurrence_count: r.occurrence_count,
        created_by: r.created_by,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

pub(crate) fn to_alert_observable(r: store::ObservableRow) -> AlertObservable {
    AlertObservable {
        tags: tags_from_json(&r.tags),
        alert_observable_id: r.alert_observable_id,
        alert_id: r.alert_id,
        data_type: r.data_type,
        value: r.value,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

/// One alert.
pub async fn get(p: &Platform, actor: &Actor, alert_id: i64) -> Result<Alert> {
    actor.require(Permission::AlertRead)?;
    to_alert(
        store::alert(&p.db, alert_id)
            .await?
            .ok_or_else(|| Error::not_found(format!("There is no alert {alert_id}.")))?,
    )
}

/// An alert's observables (an alert holds at most a few hundred).
pub async fn observables(
    p: &Platform,
    actor: &Actor,
    alert_id: i64,
) -> Result<Vec<AlertObservable>> {
    actor.require(Permission::AlertRead)?;
    Ok(store::observables(&p.db, alert_id)
        .await?
        .into_iter()
        .map(to_alert_observable)
        .collect())
}

/// Edits an alert's descriptive fields (TheHive clients update alerts after creating them).
pub async fn update(
    p: &Platform,
    actor: &Actor,
    alert_id: i64,
    patch: AlertPatch,
) -> Result<Alert> {
    actor.require(Permission::AlertTriage)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let before = store::alert_in_tx(ch.tx(), alert_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no alert {alert_id}.")))?;
    let title = match &patch.title {
        Some(t) => required("title", t, 500).map_err(Error::Invalid)?,
        None => before.title.clone(),
    };
    let description = match &patch.description {
        Some(d) => optional("description", d, 100_000).map_err(Error::Invalid)?,
        None => before.description.clone(),
    };
    let mut tags = match &patch.tags {
        Some(t) => t.clone(),
        None => tags_from_json(&before.tags),
    };
    tags.extend(patch.add_tags.iter().cloned());
    tags.retain(|t| !patch.remove_tags.contains(t));
    let tags = check_tags(&tags).map_err(Error::Invalid)?;
    let tlp = check_level("tlp", patch.tlp.unwrap_or(before.tlp)).map_err(Error::Invalid)?;
    let pap = check_level("pap", patch.pap.unwrap_or(before.pap)).map_err(Error::Invalid)?;
    let severity = patch.severity.map_or(before.severity, Severity::level);
    let tags_json = tags_to_json(&tags);
    let edit = store::AlertEdit {
        title: &title,
        description: &description,
        severity,
        tlp,
        pap,
        tags: &tags_json,
    };
    store::update_fields(ch.tx(), alert_id, &edit, now).await?;
    let detail = json!({
        "before": { "title": before.title, "severity": before.severity, "tlp": before.tlp, "pap": before.pap,
            "tags": tags_from_json(&before.tags), "description_chars": before.description.chars().count() },
        "after": { "title": title, "severity": severity, "tlp": tlp, "pap": pap, "tags": tags,
            "description_chars": description.chars().count() },
    });
    ch.audit(alert_event("alert.updated", alert_id, detail))
        .await?;
    ch.commit().await?;
    get(p, actor, alert_id).await
}

/// Deletes an alert that is not part of a case (a case's alerts are evidence of how it began).
pub async fn delete(p: &Platform, actor: &Actor, alert_id: i64) -> Result<()> {
    actor.require(Permission::AlertTriage)?;
    let mut ch = Change::begin(p, actor).await?;
    let before = store::alert_in_tx(ch.tx(), alert_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no alert {alert_id}.")))?;
    if before.case_id.is_some() {
        return Err(Error::conflict(format!(
            "Alert {alert_id} is part of a case and cannot be deleted."
        )));
    }
    if store::leads_group(ch.tx(), alert_id).await? {
        return Err(Error::conflict(format!(
            "Alert {alert_id} heads a group of alerts; give the group a verdict instead of deleting it."
        )));
    }
    store::delete(ch.tx(), alert_id).await?;
    let detail = json!({ "deleted": { "alert_type": before.alert_type, "source": before.source,
        "source_ref": before.source_ref, "title": before.title, "status": before.status,
        "verdict": before.verdict } });
    ch.audit(alert_event("alert.deleted", alert_id, detail))
        .await?;
    ch.commit().await?;
    Ok(())
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
