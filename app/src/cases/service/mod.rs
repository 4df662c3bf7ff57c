//! Case use cases, one file per use case (lifecycle, timeline, observables, tasks); this file
//! holds the reads and row mapping they share. Each change authorizes, then goes through the
//! journal (`Change`), which records, audits, commits and announces.

mod lifecycle;
mod observables;
mod tasks;
mod timeline;

pub use lifecycle::*;
pub use observables::*;
pub use tasks::*;
pub use timeline::*;

use serde_json::json;

use super::{
    Case, CaseFilter, CaseObservable, CasePage, CaseStatus, CaseTask, ClosureVerdict,
    ContainmentAction, TaskStatus,
    store::{self, CaseOrder, CaseQuery, CaseRow},
};
use crate::{
    fields::{FieldCursor, FieldSort, Target},
    platform::{Actor, Error, Platform, Result},
    roles::Permission,
    severity::Severity,
    validate::tags_from_json,
};

/// Longest note kept.
pub(crate) const MAX_NOTE_CHARS: usize = 100_000;

/// Cases per list page.
pub const LIST_PAGE: i64 = 50;
/// Timeline events per page.
pub const TIMELINE_PAGE: i64 = 200;
/// Most observables or tasks returned for one case in one read.
pub const MAX_LISTED: i64 = 1000;

pub(crate) fn to_case(r: CaseRow) -> Result<Case> {
    Ok(Case {
        severity: Severity::from_level(r.severity)
            .ok_or_else(|| Error::internal("bad severity in store"))?,
        status: CaseStatus::parse(&r.status).map_err(Error::Internal)?,
        closure_verdict: r
            .closure_verdict
            .as_deref()
            .map(ClosureVerdict::parse)
            .transpose()
            .map_err(Error::Internal)?,
        tags: tags_from_json(&r.tags),
        case_id: r.case_id,
        number: r.number,
        title: r.title,
        description: r.description,
        tier: r.tier,
        assignee_id: r.assignee_id,
        assignee: r.assignee,
        tlp: r.tlp,
        pap: r.pap,
        detection_source: r.detection_source,
        closure_summary: r.closure_summary,
        version: r.version,
        opened_at: r.opened_at,
        closed_at: r.closed_at,
        created_by: r.created_by,
        created_at: r.created_at,
        updated_at: r.updated_at,
        legal_hold: r.legal_hold != 0,
    })
}

pub(crate) fn to_observable(r: store::ObservableRow) -> CaseObservable {
    CaseObservable {
        tags: tags_from_json(&r.tags),
        ioc: r.ioc != 0,
        case_observable_id: r.case_observable_id,
        case_id: r.case_id,
        data_type: r.data_type,
        value: r.value,
        description: r.description,
        tlp: r.tlp,
        alert_id: r.alert_id,
        watchlist: r.watchlist,
        seen_in_cases: r.seen_in_cases,
        created_by: r.created_by,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

pub(crate) fn to_task(r: store::TaskRow) -> Result<CaseTask> {
    Ok(CaseTask {
        status: TaskStatus::parse(&r.status).map_err(Error::Internal)?,
        action: r
            .action
            .as_deref()
            .map(ContainmentAction::parse)
            .transpose()
            .map_err(Error::Internal)?,
        done_on: r.done_on,
        task_id: r.task_id,
        case_id: r.case_id,
        title: r.title,
        description: r.description,
        group_name: r.group_name,
        assignee: r.assignee,
        due_at: r.due_at,
        completed_at: r.completed_at,
        created_by: r.created_by,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

pub(crate) fn ensure_open(c: &CaseRow) -> Result<()> {
    if c.status == CaseStatus::Closed.as_str() {
        return Err(Error::conflict(format!(
            "Case {} is closed; reopen it before adding to it.",
            c.number
        )));
    }
    Ok(())
}

/// One case by id.
pub async fn get(p: &Platform, actor: &Actor, case_id: i64) -> Result<Case> {
    actor.require(Permission::CaseRead)?;
    let row = store::case(&p.db, case_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no case {case_id}.")))?;
    to_case(row)
}

/// One case by its number (`CF-2026-000123`) or its id.
pub async fn find(p: &Platform, actor: &Actor, reference: &str) -> Result<Case> {
    actor.require(Permission::CaseRead)?;
    let r = reference.trim();
    let row = match r.parse::<i64>() {
        Ok(id) => store::case(&p.db, id).await?,
        Err(_) => store::case_by_number(&p.db, &r.to_ascii_uppercase()).await?,
    };
    to_case(row.ok_or_else(|| Error::not_found(format!("There is no case {r}.")))?)
}

/// The case to merge into, by number (or id), or else the one open case whose title contains
/// `reference`; several matches are listed so the analyst can pick by number.
pub async fn find_for_merge(p: &Platform, actor: &Actor, reference: &str) -> Result<Case> {
    match find(p, actor, reference).await {
        Err(Error::NotFound(_)) => {}
        other => return other,
    }
    let filter = CaseFilter {
        status: Some("open".into()),
        text: Some(reference.to_owned()),
        ..Default::default()
    };
    let mut hits = list(p, actor, &filter, None).await?.cases;
    match hits.len() {
        0 => Err(Error::not_found(format!(
            "There is no case {} and no open case whose title contains it.",
            reference.trim()
        ))),
        1 => get(p, actor, hits.remove(0).case_id).await,
        n => {
            let names: Vec<String> = hits
                .iter()
                .take(5)
                .map(|c| format!("{} \u{201c}{}\u{201d}", c.number, c.title))
                .collect();
            Err(Error::invalid(format!(
                "{n} open cases match; enter the number of one: {}{}",
                names.join(", "),
                if n > 5 { ", …" } else { "" }
            )))
        }
    }
}

/// One page of cases: newest first, or by the custom field `filter.sort` names. `cursor` is
/// the previous page's `next`.
pub async fn list(
    p: &Platform,
    actor: &Actor,
    filter: &CaseFilter,
    cursor: Option<&str>,
) -> Result<CasePage> {
    let page = list_page(p, actor, filter, cursor).await?;
    let detail = json!({ "view": "case list", "filter": filter, "cursor": cursor });
    crate::audit::service::record_auditor_view(p, actor, "case_list", None, detail).await?;
    Ok(page)
}

/// [`list`] without recording the view: for exports, which record themselves.
pub(crate) async fn list_page(
    p: &Platform,
    actor: &Actor,
    filter: &CaseFilter,
    cursor: Option<&str>,
) -> Result<CasePage> {
    actor.require(Permission::CaseRead)?;
    let status = match filter.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("open") => Some("open".to_owned()),
        Some(s) => Some(
            CaseStatus::parse(s)
                .map_err(Error::Invalid)?
                .as_str()
                .to_owned(),
        ),
    };
    let text = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| t.chars().take(200).collect());
    let field = match filter.field_filter() {
        Some(f) => crate::fields::service::check_filters(p, Target::Case, &[f])
            .await?
            .pop(),
        None => None,
    };
    let sort = crate::fields::service::check_sort(p, Target::Case, filter.sort.as_deref()).await?;
    let order = order_of(sort, cursor)?;
    let q = CaseQuery {
        status,
        text,
        field,
        order,
        limit: LIST_PAGE + 1,
    };
    let mut rows = store::list(&p.db, &q).await?;
    let more = rows.len() as i64 > LIST_PAGE;
    rows.truncate(LIST_PAGE as usize);
    let next = match (more, rows.last(), sort) {
        (false, _, _) | (_, None, _) => None,
        (true, Some(last), None) => Some(last.case_id.to_string()),
        (true, Some(last), Some(sort)) => {
            Some(crate::fields::service::sorted_cursor(p, Target::Case, &sort, last.case_id).await?)
        }
    };
    let cases = rows
        .into_iter()
        .map(|r| Ok(to_case(r)?.summary()))
        .collect::<Result<Vec<_>>>()?;
    Ok(CasePage { cases, next })
}

/// The list's order from its sort and the cursor a previous page gave out.
fn order_of(sort: Option<FieldSort>, cursor: Option<&str>) -> Result<CaseOrder> {
    let cursor = cursor.map(str::trim).filter(|c| !c.is_empty());
    let bad = || {
        Error::invalid("That page link is not one this list gave out; start from the first page.")
    };
    Ok(match sort {
        None => CaseOrder::Newest {
            before: cursor.map(|c| c.parse().map_err(|_| bad())).transpose()?,
        },
        Some(sort) => CaseOrder::Field {
            sort,
            after: cursor
                .map(|c| FieldCursor::from_param(c).ok_or_else(bad))
                .transpose()?,
        },
    })
}
