//! Server functions for playbooks: list (for the case pages), apply to a case, admin edit.

use leptos::prelude::*;

use super::Playbook;
use crate::errors::AppResult;
#[cfg(feature = "ssr")]
use {super::service, crate::accounts::context};

#[server(prefix = "/rpc", endpoint = "playbooks")]
pub async fn playbooks() -> AppResult<Vec<Playbook>> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::list(&p, &actor).await?)
}

#[server(prefix = "/rpc", endpoint = "apply_playbook")]
pub async fn apply_playbook(case_id: i64, playbook_id: i64) -> AppResult<usize> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::apply(&p, &actor, case_id, playbook_id).await?)
}

#[server(prefix = "/rpc", endpoint = "update_playbook")]
pub async fn update_playbook(
    playbook_id: i64,
    version: i64,
    name: String,
    description: String,
    tasks: String,
) -> AppResult<()> {
    let (p, actor) = context::current_actor().await?;
    service::update(
        &p,
        &actor,
        playbook_id,
        version,
        &name,
        &description,
        &tasks,
    )
    .await?;
    Ok(())
}
