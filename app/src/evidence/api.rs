//! Server functions for the evidence pages: a case's items, one item's record, and the custody
//! changes people make. Uploads and downloads are plain HTTP routes (streamed), not here.

use leptos::prelude::*;

use super::{CustodyInput, EvidenceItem, EvidenceRecord};
use crate::errors::AppResult;
#[cfg(feature = "ssr")]
use {super::service, crate::accounts::context};

#[server(prefix = "/rpc", endpoint = "load_evidence")]
pub async fn load_evidence(evidence_id: i64) -> AppResult<EvidenceRecord> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::record_of(&p, &actor, evidence_id).await?)
}

#[server(prefix = "/rpc", endpoint = "transfer_evidence")]
pub async fn transfer_evidence(evidence_id: i64, input: CustodyInput) -> AppResult<EvidenceItem> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::transfer(&p, &actor, evidence_id, &input).await?)
}

#[server(prefix = "/rpc", endpoint = "receive_evidence")]
pub async fn receive_evidence(evidence_id: i64, input: CustodyInput) -> AppResult<EvidenceItem> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::receive(&p, &actor, evidence_id, &input).await?)
}

#[server(prefix = "/rpc", endpoint = "seal_evidence")]
pub async fn seal_evidence(
    evidence_id: i64,
    sealed: bool,
    reason: String,
) -> AppResult<EvidenceItem> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::set_sealed(&p, &actor, evidence_id, sealed, &reason).await?)
}

#[server(prefix = "/rpc", endpoint = "request_evidence_disposal")]
pub async fn request_evidence_disposal(
    evidence_id: i64,
    reason: String,
) -> AppResult<EvidenceItem> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::request_disposal(&p, &actor, evidence_id, &reason).await?)
}

#[server(prefix = "/rpc", endpoint = "decide_evidence_disposal")]
pub async fn decide_evidence_disposal(
    evidence_id: i64,
    approve: bool,
    reason: String,
) -> AppResult<EvidenceItem> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::decide_disposal(&p, &actor, evidence_id, approve, &reason).await?)
}

#[server(prefix = "/rpc", endpoint = "verify_evidence")]
pub async fn verify_evidence(evidence_id: i64) -> AppResult<EvidenceItem> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::verify(&p, &actor, evidence_id).await?)
}
