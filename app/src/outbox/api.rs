//! Server functions for the webhook admin page and its delivery log.

use leptos::prelude::*;

use super::{CreatedWebhook, DeliveryPage, Webhook};
use crate::errors::AppResult;
#[cfg(feature = "ssr")]
use {super::service, crate::accounts::context};

#[server(prefix = "/rpc", endpoint = "webhooks")]
pub async fn webhooks() -> AppResult<Vec<Webhook>> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::webhooks(&p, &actor).await?)
}

/// `events` is a comma- or space-separated list of patterns; empty for all changes.
#[server(prefix = "/rpc", endpoint = "create_webhook")]
pub async fn create_webhook(
    name: String,
    url: String,
    events: String,
) -> AppResult<CreatedWebhook> {
    let (p, actor) = context::current_actor().await?;
    let events: Vec<String> = crate::validate::split_list(&events);
    Ok(service::create_webhook(&p, &actor, &name, &url, &events).await?)
}

#[server(prefix = "/rpc", endpoint = "set_webhook_enabled")]
pub async fn set_webhook_enabled(webhook_id: i64, enabled: bool) -> AppResult<()> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::set_webhook_enabled(&p, &actor, webhook_id, enabled).await?)
}

#[server(prefix = "/rpc", endpoint = "deliveries")]
pub async fn deliveries(before: Option<i64>) -> AppResult<DeliveryPage> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::deliveries(&p, &actor, None, before).await?)
}
