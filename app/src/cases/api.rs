//! Server functions for the case pages. Each resolves the actor and calls the service.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{CaseFilter, CasePage, EventInput};
use crate::errors::AppResult;
#[cfg(feature = "ssr")]
use {super::service, crate::accounts::context, crate::platform::Error};

#[server(prefix = "/rpc", endpoint = "case_list")]
pub async fn case_list(filter: CaseFilter, cursor: Option<String>) -> AppResult<CasePage> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::list(&p, &actor, &filter, cursor.as_deref()).await?)
}

/// Adds a note or custom event (or a correction of one); returns its event id.
#[server(prefix = "/rpc", endpoint = "add_case_event")]
pub async fn add_case_event(case_id: i64, event: EventInput) -> AppResult<i64> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::add_event(&p, &actor, case_id, event).await?)
}

/// Moves the case to another phase (not closing).
#[server(prefix = "/rpc", endpoint = "set_case_status")]
pub async fn set_case_status(case_id: i64, version: i64, status: String) -> AppResult<()> {
    let (p, actor) = context::current_actor().await?;
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
    let (p, actor) = context::current_actor().await?;
    service::close(&p, &actor, case_id, Some(version), &verdict, &summary).await?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "reopen_case")]
pub async fn reopen_case(case_id: i64, version: i64, reason: String) -> AppResult<()> {
    let (p, actor) = context::current_actor().await?;
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
    let (p, actor) = context::current_actor().await?;
    let input = crate::observables::ObservableInput {
        kind: observable.kind,
        value: observable.value,
        tags: crate::validate::split_list(&observable.tags),
    };
    // In a one-value form the message need not name the list position.
    let checked = crate::observables::check_observables(&[input])
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
    let (p, actor) = context::current_actor().await?;
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
    let (p, actor) = context::current_actor().await?;
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
    let (p, actor) = context::current_actor().await?;
    service::set_task_status(&p, &actor, task_id, &status, done_on.as_deref()).await?;
    Ok(())
}

/// Places or lifts a legal hold (managers).
#[server(prefix = "/rpc", endpoint = "set_legal_hold")]
pub async fn set_legal_hold(case_id: i64, hold: bool, reason: String) -> AppResult<()> {
    let (p, actor) = context::current_actor().await?;
    service::set_legal_hold(&p, &actor, case_id, hold, &reason).await?;
    Ok(())
}
