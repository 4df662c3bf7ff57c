//! Server functions for the case pages and the queue's escalate and merge actions. Each
//! resolves the actor and calls the service.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Case, CaseFilter, CaseObservable, CasePage, CaseTask, TimelineEvent};
use crate::errors::AppResult;
#[cfg(feature = "ssr")]
use {super::service, crate::accounts::session};

/// Everything the case page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseWorkspaceData {
    pub case: Case,
    pub observables: Vec<CaseObservable>,
    pub tasks: Vec<CaseTask>,
    pub timeline: Vec<TimelineEvent>,
    /// Cursor of the next timeline page, if there is one.
    pub timeline_next: Option<(i64, i64)>,
}

/// Escalates one alert into a new case; returns the case number.
#[server(prefix = "/rpc", endpoint = "escalate_alert")]
pub async fn escalate_alert(ids: Vec<i64>) -> AppResult<String> {
    let (p, actor) = session::current_actor().await?;
    let [id] = ids[..] else {
        return Err(crate::platform::Error::invalid(
            "Select exactly one alert to escalate; merge the others into its case.",
        )
        .into());
    };
    let case = service::escalate_alert(&p, &actor, id, Default::default()).await?;
    Ok(case.number)
}

/// Merges alerts into the case with this number, or the one open case whose title matches;
/// returns the case number.
#[server(prefix = "/rpc", endpoint = "merge_alerts")]
pub async fn merge_alerts(ids: Vec<i64>, case: String) -> AppResult<String> {
    let (p, actor) = session::current_actor().await?;
    if case.trim().is_empty() {
        return Err(
            crate::platform::Error::invalid("Enter the number of the case to merge into.").into(),
        );
    }
    let target = service::find_for_merge(&p, &actor, &case).await?;
    let merged = service::merge_alerts(&p, &actor, &ids, target.case_id).await?;
    Ok(merged.number)
}

#[server(prefix = "/rpc", endpoint = "case_list")]
pub async fn case_list(filter: CaseFilter, before: Option<i64>) -> AppResult<CasePage> {
    let (p, actor) = session::current_actor().await?;
    Ok(service::list(&p, &actor, &filter, before).await?)
}

#[server(prefix = "/rpc", endpoint = "case_view")]
pub async fn case_view(number: String, kind: Option<String>) -> AppResult<CaseWorkspaceData> {
    let (p, actor) = session::current_actor().await?;
    let case = service::find(&p, &actor, &number).await?;
    let (timeline, timeline_next) =
        service::timeline(&p, &actor, case.case_id, kind.as_deref(), None).await?;
    Ok(CaseWorkspaceData {
        observables: service::observables(&p, &actor, case.case_id).await?,
        tasks: service::tasks(&p, &actor, case.case_id).await?,
        timeline,
        timeline_next,
        case,
    })
}

#[server(prefix = "/rpc", endpoint = "add_case_note")]
pub async fn add_case_note(case_id: i64, note: String) -> AppResult<i64> {
    let (p, actor) = session::current_actor().await?;
    Ok(service::add_note(&p, &actor, case_id, &note, None).await?)
}

/// Moves the case to another phase (not closing).
#[server(prefix = "/rpc", endpoint = "set_case_status")]
pub async fn set_case_status(case_id: i64, version: i64, status: String) -> AppResult<()> {
    let (p, actor) = session::current_actor().await?;
    let patch = super::CasePatch {
        status: Some(status),
        ..Default::default()
    };
    service::update(&p, &actor, case_id, Some(version), patch).await?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "close_case")]
pub async fn close_case(
    case_id: i64,
    version: i64,
    verdict: String,
    summary: String,
) -> AppResult<()> {
    let (p, actor) = session::current_actor().await?;
    service::close(&p, &actor, case_id, Some(version), &verdict, &summary).await?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "reopen_case")]
pub async fn reopen_case(case_id: i64, version: i64, reason: String) -> AppResult<()> {
    let (p, actor) = session::current_actor().await?;
    service::reopen(&p, &actor, case_id, Some(version), &reason).await?;
    Ok(())
}

/// Adds one observable typed by the analyst; a value wrong for its type is refused with why.
#[server(prefix = "/rpc", endpoint = "add_case_observable")]
pub async fn add_case_observable(
    case_id: i64,
    kind: String,
    value: String,
    ioc: bool,
) -> AppResult<()> {
    let (p, actor) = session::current_actor().await?;
    let input = crate::alerts::ObservableInput {
        kind,
        value,
        tags: Vec::new(),
    };
    // In a one-value form the message need not name the list position.
    let checked = crate::alerts::check_observables(&[input]).map_err(|e| {
        crate::platform::Error::Invalid(e.trim_start_matches("observables[0]: ").to_owned())
    })?;
    service::add_observables(&p, &actor, case_id, &checked, "", ioc, None).await?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "add_case_task")]
pub async fn add_case_task(case_id: i64, title: String, group: String) -> AppResult<()> {
    let (p, actor) = session::current_actor().await?;
    let task = super::TaskInput {
        title,
        group,
        ..Default::default()
    }
    .check()
    .map_err(crate::platform::Error::Invalid)?;
    service::add_task(&p, &actor, case_id, task).await?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "set_task_status")]
pub async fn set_task_status(task_id: i64, status: String) -> AppResult<()> {
    let (p, actor) = session::current_actor().await?;
    service::set_task_status(&p, &actor, task_id, &status).await?;
    Ok(())
}
