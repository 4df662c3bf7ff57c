//! Alert use cases: intake (idempotent, per-item results), the triage queue, verdicts and
//! assignment. Each follows authorize → transaction → audit → commit.
//!
//! One file per use case (ingest, triage, retention); this file holds the reads: the queue,
//! one alert, its group, raw payload and observables, rule feedback.

mod files;
mod ingest;
mod notes;
mod retention;
mod triage;

pub(crate) use files::carry_files_to_case;
pub use files::{AlertFile, attach_files};
pub use ingest::*;
pub(crate) use notes::carry_to_case;
pub use notes::{AlertNote, AlertNoteInput, MAX_NOTES_PER_REQUEST, add_notes};
pub use retention::*;
pub use triage::*;

use serde_json::json;

use super::{
    Alert, AlertObservable, AlertStatus, AlertSummary, GroupMember, QueueFilter, QueuePage,
    RawPayload, RuleFeedback, Severity, Verdict, fold_rule_feedback,
    store::{self, QueueOrder, QueueQuery},
};
use crate::{
    accounts::{normalize_username, store as accounts_store},
    fields::{FieldCursor, FieldSort, Target},
    journal::NewAuditEvent,
    platform::{Actor, Error, Platform, Result},
    roles::Permission,
    validate::tags_from_json,
};

/// Queue page size.
pub const QUEUE_PAGE: i64 = 50;
/// Most alerts one triage action may touch.
pub const MAX_BULK: usize = 500;
/// Ids listed in a batch's audit row; the counts are always complete.
const AUDIT_IDS: usize = 1000;

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

/// One page of the triage queue: most severe first, or by the custom field `filter.sort`
/// names. `cursor` is the previous page's `next`.
pub async fn queue(
    p: &Platform,
    actor: &Actor,
    filter: &QueueFilter,
    cursor: Option<&str>,
) -> Result<QueuePage> {
    let page = queue_page(p, actor, filter, cursor).await?;
    let detail = json!({ "view": "alert queue", "filter": filter, "cursor": cursor });
    crate::audit::service::record_auditor_view(p, actor, "alert_queue", None, detail).await?;
    Ok(page)
}

/// [`queue`] without recording the view: for exports, which record themselves.
pub(crate) async fn queue_page(
    p: &Platform,
    actor: &Actor,
    filter: &QueueFilter,
    cursor: Option<&str>,
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
    let field = match filter.field_filter() {
        Some(f) => crate::fields::service::check_filters(p, Target::Alert, &[f])
            .await?
            .pop(),
        None => None,
    };
    let sort = crate::fields::service::check_sort(p, Target::Alert, filter.sort.as_deref()).await?;
    let order = queue_order(sort, cursor)?;
    // "suppressed": the alerts alert rules closed on arrival.
    let suppressed = nonempty(&filter.status).as_deref() == Some("suppressed");
    let q = QueueQuery {
        field,
        suppressed,
        status: nonempty(&filter.status)
            .filter(|_| !suppressed)
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
        order,
        limit: QUEUE_PAGE + 1,
    };
    let mut rows = store::queue(&p.db, &q).await?;
    let more = rows.len() as i64 > QUEUE_PAGE;
    rows.truncate(QUEUE_PAGE as usize);
    let ids: Vec<i64> = rows.iter().map(|r| r.alert_id).collect();
    let previews = store::observable_previews(&p.db, &ids, 3).await?;
    let next = match (more, rows.last(), sort) {
        (false, _, _) | (_, None, _) => None,
        (true, Some(last), None) => Some(format!("{}.{}", last.severity, last.alert_id)),
        (true, Some(last), Some(sort)) => Some(
            crate::fields::service::sorted_cursor(p, Target::Alert, &sort, last.alert_id).await?,
        ),
    };
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

/// The queue's order from its sort and the cursor a previous page gave out (`<severity>.<id>`
/// in the queue's own order).
fn queue_order(sort: Option<FieldSort>, cursor: Option<&str>) -> Result<QueueOrder> {
    let cursor = cursor.map(str::trim).filter(|c| !c.is_empty());
    let bad = || {
        Error::invalid("That page link is not one this list gave out; start from the first page.")
    };
    Ok(match (sort, cursor) {
        (None, None) => QueueOrder::Severity,
        (None, Some(c)) => {
            // Links bookmarked before the cursor became opaque used `-`.
            let (sev, id) = c.split_once(['.', '-']).ok_or_else(bad)?;
            QueueOrder::SeverityAfter(
                sev.parse().map_err(|_| bad())?,
                id.parse().map_err(|_| bad())?,
            )
        }
        (Some(sort), c) => QueueOrder::Field {
            sort,
            after: c
                .map(|c| FieldCursor::from_param(c).ok_or_else(bad))
                .transpose()?,
        },
    })
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

fn alert_event(action: &'static str, id: i64, detail: serde_json::Value) -> NewAuditEvent<'static> {
    NewAuditEvent {
        action,
        object_type: "alert",
        object_id: Some(id.to_string()),
        detail,
    }
}
