//! Evidence use cases: upload, listing, custody changes, disposal with a manager's approval,
//! and downloads that re-verify the content. Each checks permission, writes its custody event,
//! timeline entry (for changes people make) and audit row in one transaction.
//!
//! One file per use case (upload, custody, downloads); this file holds the reads and records
//! they share.

mod custody;
mod downloads;
mod upload;

pub use custody::*;
pub use downloads::*;
pub use upload::*;

use serde_json::json;

use super::{
    CustodyAction, CustodyEvent, EvidenceItem, EvidenceKind, EvidenceRecord,
    store::{self, ItemRow, NewCustody},
};
use crate::{
    cases::store as cases_store,
    journal::NewAuditEvent,
    platform::{Actor, Error, Platform, Result, Tx, clock::Millis},
    roles::Permission,
};

/// Most items listed on one page of a case.
pub const PAGE: i64 = 200;
/// Most custody events shown for one item (its page and its printed form).
pub const MAX_CUSTODY: i64 = 5000;

fn to_item(r: ItemRow) -> Result<EvidenceItem> {
    Ok(EvidenceItem {
        kind: EvidenceKind::parse(&r.kind).map_err(Error::Internal)?,
        evidence_id: r.evidence_id,
        case_id: r.case_id,
        case_number: r.case_number,
        file_name: r.file_name,
        size_bytes: r.size_bytes,
        sha256: r.sha256,
        sha1: r.sha1,
        md5: r.md5,
        description: r.description,
        collected_from: r.collected_from,
        acquired_at: r.acquired_at,
        collected_by: r.collected_by,
        custodian: r.custodian,
        sealed: r.sealed != 0,
        intact: r.integrity == "intact",
        integrity_checked_at: r.integrity_checked_at,
        disposal: r.disposal,
        uploaded_by: r.uploaded_by,
        uploaded_at: r.uploaded_at,
    })
}

fn to_custody(r: store::CustodyRow) -> Result<CustodyEvent> {
    Ok(CustodyEvent {
        action: CustodyAction::parse(&r.action).map_err(Error::Internal)?,
        custody_event_id: r.custody_event_id,
        evidence_id: r.evidence_id,
        occurred_at: r.occurred_at,
        from_party: r.from_party,
        to_party: r.to_party,
        reason: r.reason,
        detail: r.detail,
        recorded_by: r.recorded_by,
        recorded_from_ip: r.recorded_from_ip,
        recorded_at: r.recorded_at,
    })
}

fn evidence_audit(
    action: &'static str,
    id: i64,
    detail: serde_json::Value,
) -> NewAuditEvent<'static> {
    NewAuditEvent {
        action,
        object_type: "evidence",
        object_id: Some(id.to_string()),
        detail,
    }
}

/// Appends one custody event recorded by `actor` now.
async fn custody_event(
    tx: &mut Tx,
    actor: &Actor,
    now: Millis,
    item: &ItemRow,
    e: Step<'_>,
) -> Result<i64> {
    let label = actor.label();
    store::insert_custody(
        tx,
        &NewCustody {
            evidence_id: item.evidence_id,
            case_id: item.case_id,
            action: e.action.as_str(),
            occurred_at: e.at,
            from_party: e.from,
            to_party: e.to,
            reason: e.reason,
            detail: e.detail,
            recorded_by: &label,
            recorded_by_user_id: actor.user_id(),
            recorded_from_ip: actor.ip.as_deref(),
        },
        now,
    )
    .await
}

/// One custody step as a use case states it.
struct Step<'a> {
    action: CustodyAction,
    at: Millis,
    from: Option<&'a str>,
    to: Option<&'a str>,
    reason: &'a str,
    detail: serde_json::Value,
}

async fn load_item(p: &Platform, id: i64) -> Result<ItemRow> {
    store::item(&p.db, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no evidence item {id}.")))
}

async fn lock_item(tx: &mut Tx, id: i64) -> Result<ItemRow> {
    store::item_for_update(tx, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no evidence item {id}.")))
}

fn ensure_not_disposed(item: &ItemRow) -> Result<()> {
    if item.disposal == "disposed" {
        return Err(Error::conflict(format!(
            "{} was disposed of; only its record and chain of custody remain.",
            item.file_name
        )));
    }
    Ok(())
}

/// A case's evidence in upload order, from after item `after_id` (keyset paging).
pub async fn list(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    after_id: Option<i64>,
) -> Result<Vec<EvidenceItem>> {
    actor.require(Permission::EvidenceRead)?;
    store::items(&p.db, case_id, after_id.unwrap_or(0), PAGE)
        .await?
        .into_iter()
        .map(to_item)
        .collect()
}

/// One item with its chain of custody, as its page shows it.
pub async fn record_of(p: &Platform, actor: &Actor, evidence_id: i64) -> Result<EvidenceRecord> {
    let record = read_record(p, actor, evidence_id).await?;
    let detail = json!({ "view": "evidence", "case": record.item.case_number });
    crate::audit::service::record_auditor_view(
        p,
        actor,
        "evidence",
        Some(evidence_id.to_string()),
        detail,
    )
    .await?;
    Ok(record)
}

/// [`record_of`] without recording the view: for reports and bundles, which record themselves.
pub(crate) async fn read_record(
    p: &Platform,
    actor: &Actor,
    evidence_id: i64,
) -> Result<EvidenceRecord> {
    actor.require(Permission::EvidenceRead)?;
    let item = load_item(p, evidence_id).await?;
    let case = cases_store::case(&p.db, item.case_id)
        .await?
        .ok_or_else(|| Error::internal("evidence without its case"))?;
    let custody = store::custody(&p.db, evidence_id, MAX_CUSTODY)
        .await?
        .into_iter()
        .map(to_custody)
        .collect::<Result<_>>()?;
    Ok(EvidenceRecord {
        item: to_item(item)?,
        custody,
        case_title: case.title,
        legal_hold: case.legal_hold != 0,
        can_change_custody: actor.require(Permission::EvidenceCustody).is_ok(),
        can_decide_disposal: actor.require(Permission::EvidenceDisposeApprove).is_ok(),
        can_download: actor.require(Permission::EvidenceDownload).is_ok(),
    })
}
