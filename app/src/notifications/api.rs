//! Server functions for the notification centre and the bell.

use leptos::prelude::*;

use super::Inbox;
use crate::errors::AppResult;
#[cfg(feature = "ssr")]
use {super::service, crate::accounts::context};

#[server(prefix = "/rpc", endpoint = "notification_inbox")]
pub async fn notification_inbox(before: Option<i64>) -> AppResult<Inbox> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::inbox(&p, &actor, before).await?)
}

/// The signed-in user's unread count; `None` for visitors who are not signed in (the header
/// asks on every page, and a sign-in page must not answer 401 for it).
#[server(prefix = "/rpc", endpoint = "unread_count")]
pub async fn unread_count() -> AppResult<Option<i64>> {
    let Ok((p, actor)) = context::current_actor().await else {
        return Ok(None);
    };
    if actor.user_id().is_none() {
        return Ok(None);
    }
    Ok(Some(service::unread(&p, &actor).await?))
}

/// Marks one notification read, or all of them without an id.
#[server(prefix = "/rpc", endpoint = "mark_read")]
pub async fn mark_read(notification_id: Option<i64>) -> AppResult<u64> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::mark_read(&p, &actor, notification_id).await?)
}

/// The signed-in user's address for e-mail copies, and whether e-mail is configured at all.
#[server(prefix = "/rpc", endpoint = "notification_email")]
pub async fn notification_email() -> AppResult<(Option<String>, bool)> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::email(&p, &actor).await?)
}

#[server(prefix = "/rpc", endpoint = "set_notification_email")]
pub async fn set_notification_email(address: String) -> AppResult<()> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::set_email(&p, &actor, &address).await?)
}
