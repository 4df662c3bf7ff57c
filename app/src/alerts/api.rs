//! Server functions for the triage queue. Each resolves the actor and makes one service call.

use leptos::prelude::*;

use super::{QueueFilter, QueuePage, RawPayload, RuleFeedback};
use crate::errors::AppResult;
#[cfg(feature = "ssr")]
use {
    super::{escalation, service},
    crate::{accounts::context, platform::Error},
};

#[server(prefix = "/rpc", endpoint = "alert_queue")]
pub async fn alert_queue(filter: QueueFilter, after: Option<String>) -> AppResult<QueuePage> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::queue(&p, &actor, &filter, after.as_deref()).await?)
}

#[server(prefix = "/rpc", endpoint = "set_alert_verdict")]
pub async fn set_alert_verdict(ids: Vec<i64>, verdict: String, reason: String) -> AppResult<usize> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::set_verdict(&p, &actor, &ids, &verdict, &reason).await?)
}

#[server(prefix = "/rpc", endpoint = "assign_alerts")]
pub async fn assign_alerts(ids: Vec<i64>, assignee: Option<String>) -> AppResult<usize> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::assign(&p, &actor, &ids, assignee.as_deref()).await?)
}

/// The raw payload, pretty-printed JSON when it parses, as text either way.
#[server(prefix = "/rpc", endpoint = "alert_raw")]
pub async fn alert_raw(alert_id: i64) -> AppResult<RawPayload> {
    let (p, actor) = context::current_actor().await?;
    Ok(match service::raw_payload(&p, &actor, alert_id).await? {
        RawPayload::Kept(r) => {
            RawPayload::Kept(match serde_json::from_str::<serde_json::Value>(&r) {
                Ok(v) => serde_json::to_string_pretty(&v).unwrap_or(r),
                Err(_) => r,
            })
        }
        other => other,
    })
}

#[server(prefix = "/rpc", endpoint = "rule_feedback_report")]
pub async fn rule_feedback_report(days: i64) -> AppResult<Vec<RuleFeedback>> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::rule_feedback(&p, &actor, days).await?)
}

/// The alerts folded into a queue row by grouping, with why each joined.
#[server(prefix = "/rpc", endpoint = "alert_group")]
pub async fn alert_group(leader: i64) -> AppResult<Vec<super::GroupMember>> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::group_members(&p, &actor, leader).await?)
}

/// Escalates one alert into a new case; returns the case number.
/// Escalates one alert into a new case, shaped by `template` (its id) when one is picked.
#[server(prefix = "/rpc", endpoint = "escalate_alert")]
pub async fn escalate_alert(ids: Vec<i64>, template: Option<String>) -> AppResult<String> {
    let (p, actor) = context::current_actor().await?;
    let [id] = ids[..] else {
        return Err(Error::invalid(
            "Select exactly one alert to escalate; merge the others into its case.",
        )
        .into());
    };
    let overrides = escalation::EscalateOverrides {
        template: template.filter(|t| !t.trim().is_empty()),
        ..Default::default()
    };
    let case = escalation::escalate_alert(&p, &actor, id, overrides).await?;
    Ok(case.number)
}

/// Merges alerts into the case with this number, or the one open case whose title matches;
/// returns the case number.
#[server(prefix = "/rpc", endpoint = "merge_alerts")]
pub async fn merge_alerts(ids: Vec<i64>, case: String) -> AppResult<String> {
    let (p, actor) = context::current_actor().await?;
    if case.trim().is_empty() {
        return Err(Error::invalid("Enter the number of the case to merge into.").into());
    }
    let target = crate::cases::service::find_for_merge(&p, &actor, &case).await?;
    let merged = escalation::merge_alerts(&p, &actor, &ids, target.case_id).await?;
    Ok(merged.number)
}
