//! Server functions for the case pages and the queue's escalate and merge actions. Each
//! resolves the actor and calls the service.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{
    Case, CaseFilter, CaseInput, CaseObservable, CasePage, CaseTask, EventInput, RelatedCase,
    TimelineEvent, TimelineFilter,
};
use crate::{attack::TacticTechniques, errors::AppResult};
#[cfg(feature = "ssr")]
use {super::service, crate::accounts::session, crate::platform::Error};

/// Everything the case page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseWorkspaceData {
    pub case: Case,
    pub observables: Vec<CaseObservable>,
    pub tasks: Vec<CaseTask>,
    pub timeline: Vec<TimelineEvent>,
    /// Cursor of the next timeline page, if there is one.
    pub timeline_next: Option<(i64, i64)>,
    /// ATT&CK techniques on the timeline, by tactic.
    pub techniques: Vec<TacticTechniques>,
    pub related: Vec<RelatedCase>,
    /// Playbooks that can be applied: (id, name).
    pub playbooks: Vec<(i64, String)>,
    /// The case's evidence (first page) and whether the viewer may add to it.
    pub evidence: Vec<crate::evidence::EvidenceItem>,
    pub can_upload_evidence: bool,
    /// The upload limit, so the page refuses a file before sending it.
    pub evidence_max_bytes: u64,
    pub can_set_legal_hold: bool,
    /// Whether the viewer may change the case at all (auditors and read-only roles may not, so
    /// the page renders no edit controls for them).
    pub can_edit: bool,
    /// Holder, tier moves and SLA clocks, with what the viewer may do about them.
    pub tier: crate::tiers::TierPanel,
}

/// Escalates one alert into a new case; returns the case number.
#[server(prefix = "/rpc", endpoint = "escalate_alert")]
pub async fn escalate_alert(ids: Vec<i64>) -> AppResult<String> {
    let (p, actor) = session::current_actor().await?;
    let [id] = ids[..] else {
        return Err(Error::invalid(
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
        return Err(Error::invalid("Enter the number of the case to merge into.").into());
    }
    let target = service::find_for_merge(&p, &actor, &case).await?;
    let merged = service::merge_alerts(&p, &actor, &ids, target.case_id).await?;
    Ok(merged.number)
}

/// Opens a case by hand (a hunt, a user's report), optionally with a playbook's tasks; returns
/// the case number.
#[server(prefix = "/rpc", endpoint = "open_case")]
pub async fn open_case(input: CaseInput, playbook_id: Option<i64>) -> AppResult<String> {
    let (p, actor) = session::current_actor().await?;
    let mut new_case = input.check().map_err(Error::Invalid)?;
    if let Some(id) = playbook_id {
        let (name, tasks) = crate::playbooks::service::tasks_of(&p, &actor, id).await?;
        new_case.tasks.extend(tasks);
        new_case.playbook = Some(name);
    }
    Ok(service::open(&p, &actor, new_case).await?.number)
}

#[server(prefix = "/rpc", endpoint = "case_list")]
pub async fn case_list(filter: CaseFilter, before: Option<i64>) -> AppResult<CasePage> {
    let (p, actor) = session::current_actor().await?;
    Ok(service::list(&p, &actor, &filter, before).await?)
}

#[server(prefix = "/rpc", endpoint = "case_view")]
pub async fn case_view(
    number: String,
    // Optional because an empty filter encodes to nothing in the form encoding.
    filter: Option<TimelineFilter>,
    after: Option<(i64, i64)>,
) -> AppResult<CaseWorkspaceData> {
    let (p, actor) = session::current_actor().await?;
    let filter = filter.unwrap_or_default();
    Ok(service::workspace(&p, &actor, &number, &filter, after).await?)
}

/// Adds a note or custom event (or a correction of one); returns its event id.
#[server(prefix = "/rpc", endpoint = "add_case_event")]
pub async fn add_case_event(case_id: i64, event: EventInput) -> AppResult<i64> {
    let (p, actor) = session::current_actor().await?;
    Ok(service::add_event(&p, &actor, case_id, event).await?)
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

/// One observable typed by the analyst, as the form sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservableForm {
    pub kind: String,
    pub value: String,
    pub ioc: bool,
    pub tlp: Option<i64>,
    /// Comma-separated.
    pub tags: String,
    /// The timeline entry it was picked from, if any.
    pub from_event: Option<i64>,
}

/// Adds one observable; a value wrong for its type is refused with why.
#[server(prefix = "/rpc", endpoint = "add_case_observable")]
pub async fn add_case_observable(case_id: i64, observable: ObservableForm) -> AppResult<()> {
    let (p, actor) = session::current_actor().await?;
    let input = crate::alerts::ObservableInput {
        kind: observable.kind,
        value: observable.value,
        tags: crate::validate::split_list(&observable.tags),
    };
    // In a one-value form the message need not name the list position.
    let checked = crate::alerts::check_observables(&[input])
        .map_err(|e| Error::Invalid(e.trim_start_matches("observables[0]: ").to_owned()))?;
    service::add_observables(
        &p,
        &actor,
        case_id,
        &checked,
        "",
        observable.ioc,
        observable.tlp,
        observable.from_event,
    )
    .await?;
    Ok(())
}

/// Reads a pasted raw e-mail into observables; returns (added, skipped).
#[server(prefix = "/rpc", endpoint = "import_case_eml")]
pub async fn import_case_eml(case_id: i64, raw: String) -> AppResult<(usize, usize)> {
    let (p, actor) = session::current_actor().await?;
    let done = service::import_eml(&p, &actor, case_id, raw.as_bytes()).await?;
    Ok((done.found, done.skipped))
}

#[server(prefix = "/rpc", endpoint = "add_case_task")]
pub async fn add_case_task(
    case_id: i64,
    title: String,
    group: String,
    action: String,
) -> AppResult<()> {
    let (p, actor) = session::current_actor().await?;
    let task = super::TaskInput {
        title,
        group,
        action: Some(action),
        ..Default::default()
    }
    .check()
    .map_err(Error::Invalid)?;
    service::add_task(&p, &actor, case_id, task).await?;
    Ok(())
}

/// Changes a task's status; `done_on` names the asset when a containment task is done.
#[server(prefix = "/rpc", endpoint = "set_task_status")]
pub async fn set_task_status(
    task_id: i64,
    status: String,
    done_on: Option<String>,
) -> AppResult<()> {
    let (p, actor) = session::current_actor().await?;
    service::set_task_status(&p, &actor, task_id, &status, done_on.as_deref()).await?;
    Ok(())
}

/// Places or lifts a legal hold (managers).
#[server(prefix = "/rpc", endpoint = "set_legal_hold")]
pub async fn set_legal_hold(case_id: i64, hold: bool, reason: String) -> AppResult<()> {
    let (p, actor) = session::current_actor().await?;
    service::set_legal_hold(&p, &actor, case_id, hold, &reason).await?;
    Ok(())
}
