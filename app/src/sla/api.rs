//! Server functions for SLA clocks (pause, resume) and the policy admin page.

use leptos::prelude::*;

use super::PolicyRow;
use crate::errors::AppResult;
#[cfg(feature = "ssr")]
use {super::service, crate::accounts::context};

#[server(prefix = "/rpc", endpoint = "pause_sla")]
pub async fn pause_sla(case_id: i64, reason: String) -> AppResult<()> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::pause(&p, &actor, case_id, &reason).await?)
}

#[server(prefix = "/rpc", endpoint = "resume_sla")]
pub async fn resume_sla(case_id: i64) -> AppResult<()> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::resume(&p, &actor, case_id).await?)
}

#[server(prefix = "/rpc", endpoint = "sla_policy")]
pub async fn sla_policy() -> AppResult<Vec<PolicyRow>> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::policy(&p, &actor).await?)
}

#[server(prefix = "/rpc", endpoint = "set_sla_policy")]
pub async fn set_sla_policy(
    severity: String,
    acknowledge_minutes: i64,
    contain_minutes: i64,
    resolve_minutes: i64,
) -> AppResult<PolicyRow> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::set_policy(
        &p,
        &actor,
        &severity,
        acknowledge_minutes,
        contain_minutes,
        resolve_minutes,
    )
    .await?)
}
