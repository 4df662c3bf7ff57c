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
