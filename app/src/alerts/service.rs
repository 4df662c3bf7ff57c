//! Alert use cases: intake (idempotent, per-item results), the triage queue, verdicts and
//! assignment. Each follows authorize → transaction → audit → commit.

use serde_json::json;

use super::{
    AlertStatus, AlertSummary, IngestOutcome, NewAlert, QueueCursor, QueueFilter, QueuePage,
    RuleFeedback, Severity, Verdict, fold_rule_feedback,
    store::{self, QueueQuery},
};
use crate::{
    accounts::{normalize_username, roles::Permission, store as accounts_store},
    audit::store::{NewAuditEvent, append as audit},
    platform::{Actor, Error, Platform, Result},
};

/// Queue page size.
pub const QUEUE_PAGE: i64 = 50;
/// Most alerts one triage action may touch.
pub const MAX_BULK: usize = 500;
/// Ids listed in a batch's audit row; the counts are always complete.
const AUDIT_IDS: usize = 1000;

/// Stores checked alerts in one transaction. Items that failed checking come in as `Err` and
/// are reported back, so one bad alert never costs the good ones. Acknowledged only once
/// committed: the outcomes are returned after the commit.
pub async fn ingest(
    p: &Platform,
    actor: &Actor,
    items: Vec<Result<NewAlert, String>>,
) -> Result<Vec<IngestOutcome>> {
    actor.require(Permission::AlertIngest)?;
    if items.iter().all(Result::is_err) {
        return Ok(items
            .into_iter()
            .map(|i| IngestOutcome::Rejected {
                error: i.err().unwrap_or_default(),
            })
            .collect());
    }
    let now = p.clock.now();
    let by = actor.label();
    let mut tx = p.db.begin().await?;
    let valid: Vec<&NewAlert> = items.iter().filter_map(|i| i.as_ref().ok()).collect();
    let stored = store::upsert_batch(&mut tx, &valid, &by, now).await?;
    let mut stored = stored.into_iter();
    let (mut created, mut repeated) = (Vec::new(), Vec::new());
    let (mut raws, mut observables) = (Vec::new(), Vec::new());
    let mut outcomes = Vec::with_capacity(items.len());
    for item in &items {
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
            created.push(id);
            outcomes.push(IngestOutcome::Created { id });
        } else {
            repeated.push(id);
            outcomes.push(IngestOutcome::Repeated { id, occurrences });
        }
    }
    store::insert_raws(&mut tx, &raws, now).await?;
    store::insert_observables_batch(&mut tx, &observables, now).await?;
    let rejected = outcomes.len() - created.len() - repeated.len();
    let detail = json!({
        "created": created.len(),
        "repeated": repeated.len(),
        "rejected": rejected,
        "created_ids": created.iter().take(AUDIT_IDS).collect::<Vec<_>>(),
        "repeated_ids": repeated.iter().take(AUDIT_IDS).collect::<Vec<_>>(),
    });
    let event = NewAuditEvent {
        action: "alert.ingested",
        object_type: "alert",
        object_id: None,
        detail,
    };
    audit(&mut tx, actor, now, event).await?;
    tx.commit().await?;
    Ok(outcomes)
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
    let now = p.clock.now();
    let mut tx = p.db.begin().await?;
    for &id in ids {
        let before = load_for_triage(&mut tx, id).await?;
        store::set_verdict(&mut tx, id, verdict.as_str(), reason, now).await?;
        let detail = json!({
            "before": { "status": before.status, "verdict": before.verdict },
            "after": { "status": "closed", "verdict": verdict.as_str() },
            "reason": reason,
        });
        audit(
            &mut tx,
            actor,
            now,
            alert_event("alert.verdict", id, detail),
        )
        .await?;
    }
    tx.commit().await?;
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
        None | Some("") => None,
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
    let now = p.clock.now();
    let mut tx = p.db.begin().await?;
    for &id in ids {
        let before = load_for_triage(&mut tx, id).await?;
        store::set_assignee(&mut tx, id, assignee_id, now).await?;
        let detail = json!({ "before": { "assignee_id": before.assignee_id }, "after": { "assignee_id": assignee_id } });
        audit(
            &mut tx,
            actor,
            now,
            alert_event("alert.assigned", id, detail),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ids.len())
}

/// The raw payload as sent, for display on demand.
pub async fn raw_payload(p: &Platform, actor: &Actor, alert_id: i64) -> Result<Option<String>> {
    actor.require(Permission::AlertRead)?;
    store::raw(&p.db, alert_id).await
}

/// Longest period the rule feedback report covers.
const MAX_FEEDBACK_DAYS: i64 = 366;

/// Verdicts per detection rule over the last `days` days, noisiest rules first.
pub async fn rule_feedback(p: &Platform, actor: &Actor, days: i64) -> Result<Vec<RuleFeedback>> {
    actor.require(Permission::AlertRead)?;
    if !(1..=MAX_FEEDBACK_DAYS).contains(&days) {
        return Err(Error::invalid(format!(
            "Choose a period of 1 to {MAX_FEEDBACK_DAYS} days."
        )));
    }
    let now = p.clock.now();
    let rows = store::verdicts_by_rule(&p.db, now - days * 86_400_000, now + 1).await?;
    Ok(fold_rule_feedback(&rows))
}
