//! Server functions for the alert rules page.

use leptos::prelude::*;

use super::{DryRun, Rule};
use crate::errors::AppResult;
#[cfg(feature = "ssr")]
use {
    super::{RuleInput, service},
    crate::{accounts::context, platform::Error},
};

#[server(prefix = "/rpc", endpoint = "alert_rules")]
pub async fn alert_rules() -> AppResult<Vec<Rule>> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::list(&p, &actor).await?)
}

#[cfg(feature = "ssr")]
fn parse(rule: &str) -> Result<RuleInput, Error> {
    serde_json::from_str(rule)
        .map_err(|e| Error::invalid(format!("The rule was not readable: {e}.")))
}

/// Creates (no `rule_id`) or rewrites a rule; `rule` is its JSON.
#[server(prefix = "/rpc", endpoint = "save_alert_rule")]
pub async fn save_alert_rule(
    rule_id: Option<i64>,
    version: Option<i64>,
    rule: String,
) -> AppResult<Rule> {
    let (p, actor) = context::current_actor().await?;
    let input = parse(&rule)?;
    Ok(match rule_id {
        Some(id) => service::update(&p, &actor, id, version, &input).await?,
        None => service::create(&p, &actor, &input).await?,
    })
}

/// "Would have matched N": the rule tried on the last 7 days of alerts.
#[server(prefix = "/rpc", endpoint = "dry_run_alert_rule")]
pub async fn dry_run_alert_rule(rule: String) -> AppResult<DryRun> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::dry_run(&p, &actor, &parse(&rule)?).await?)
}
