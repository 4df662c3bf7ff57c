//! Server functions for the audit log page: a page of entries, the chain check, the key.

use leptos::prelude::*;

use super::{AuditFilter, AuditPage, ChainReport};
use crate::errors::AppResult;
#[cfg(feature = "ssr")]
use {super::service, crate::accounts::context};

#[server(prefix = "/rpc", endpoint = "audit_log")]
pub async fn audit_log(
    #[server(default)] filter: AuditFilter,
    before: Option<i64>,
) -> AppResult<AuditPage> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::log(&p, &actor, &filter, before).await?)
}

#[server(prefix = "/rpc", endpoint = "verify_audit_log")]
pub async fn verify_audit_log() -> AppResult<ChainReport> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::verify(&p, &actor).await?)
}

/// The installation's checkpoint public key (hex), for auditors to pin.
#[server(prefix = "/rpc", endpoint = "audit_public_key")]
pub async fn audit_public_key() -> AppResult<Option<String>> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::public_key(&p, &actor)?)
}
