//! Server functions for assignment and escalation: queues, "my work", workload, and the case
//! page's claim / release / assign / move / accept / return actions.

use leptos::prelude::*;

use super::{MyWork, QueuePage, WorkloadRow};
use crate::errors::AppResult;
#[cfg(feature = "ssr")]
use {super::service, crate::accounts::context};

#[server(prefix = "/rpc", endpoint = "my_work_data")]
pub async fn my_work_data() -> AppResult<MyWork> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::my_work(&p, &actor).await?)
}

#[server(prefix = "/rpc", endpoint = "tier_queue")]
pub async fn tier_queue(tier: i64, before: Option<i64>) -> AppResult<QueuePage> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::queue(&p, &actor, tier, before).await?)
}

#[server(prefix = "/rpc", endpoint = "workload")]
pub async fn workload() -> AppResult<Vec<WorkloadRow>> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::workload(&p, &actor).await?)
}

#[server(prefix = "/rpc", endpoint = "claim_case")]
pub async fn claim_case(case_id: i64) -> AppResult<()> {
    let (p, actor) = context::current_actor().await?;
    service::claim(&p, &actor, case_id).await?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "release_case")]
pub async fn release_case(case_id: i64) -> AppResult<()> {
    let (p, actor) = context::current_actor().await?;
    service::release(&p, &actor, case_id).await?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "assign_case")]
pub async fn assign_case(case_id: i64, username: String) -> AppResult<()> {
    let (p, actor) = context::current_actor().await?;
    service::assign(&p, &actor, case_id, &username).await?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "move_case_tier")]
pub async fn move_case_tier(
    case_id: i64,
    to_tier: i64,
    reason: String,
    handover_note: String,
) -> AppResult<()> {
    let (p, actor) = context::current_actor().await?;
    service::move_tier(&p, &actor, case_id, to_tier, &reason, &handover_note).await?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "accept_case")]
pub async fn accept_case(case_id: i64) -> AppResult<()> {
    let (p, actor) = context::current_actor().await?;
    service::accept(&p, &actor, case_id).await?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "return_case")]
pub async fn return_case(case_id: i64, reason: String) -> AppResult<()> {
    let (p, actor) = context::current_actor().await?;
    service::return_move(&p, &actor, case_id, &reason).await?;
    Ok(())
}
