//! Uploading evidence: the content streamed into the locker and hashed on the way, then the
//! item, its first custody events and its timeline entry, in one change.

use bytes::Bytes;
use futures::Stream;
use serde_json::json;

use super::{Step, custody_event, evidence_audit, load_item, lock_item, to_item};
use crate::evidence::{
    CustodyAction, EvidenceItem, EvidenceMeta, content,
    digests::Digests,
    store::{self, NewItem},
};
use crate::{
    cases::{EventKind, service::ensure_open, store as cases_store},
    journal::{Change, Happened},
    platform::locker::Staged,
    platform::{Actor, Error, Platform, Result},
    roles::Permission,
};

/// Stores an uploaded file as evidence on case `case_number` and records who collected it and
/// that the locker received it. `body` is read once, straight to disk.
pub async fn upload<S, E>(
    p: &Platform,
    actor: &Actor,
    case_number: &str,
    meta: &EvidenceMeta,
    body: S,
) -> Result<EvidenceItem>
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    actor.require(Permission::EvidenceUpload)?;
    let case = cases_store::case_by_number(&p.db, case_number.trim())
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no case {}.", case_number.trim())))?;
    ensure_open(&case)?;
    let meta = meta.check().map_err(Error::Invalid)?;
    if meta.acquired_at.is_some_and(|at| at > p.clock.now()) {
        return Err(Error::invalid(
            "\u{201c}Acquired at\u{201d} is in the future; give the time it was taken.",
        ));
    }
    let staged = p.locker.stage(body).await?;
    store_staged(p, actor, case.case_id, &meta, staged).await
}

/// Stores content already staged (a file that came in another request's body) as evidence of
/// case `case_id`.
pub async fn upload_staged(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    meta: &EvidenceMeta,
    staged: Staged,
) -> Result<EvidenceItem> {
    actor.require(Permission::EvidenceUpload)?;
    let meta = meta.check().map_err(Error::Invalid)?;
    store_staged(p, actor, case_id, &meta, staged).await
}

async fn store_staged(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    meta: &crate::evidence::CheckedMeta,
    staged: Staged,
) -> Result<EvidenceItem> {
    let digests = staged.digests.clone();
    content::claim(p, staged).await?;
    let recorded = record_upload(p, actor, case_id, meta, &digests).await;
    if recorded.is_err() {
        // The item was not recorded: its reference goes, and the blob with the last one.
        content::release(p, &digests.sha256).await?;
    }
    let id = recorded?;
    to_item(load_item(p, id).await?)
}

async fn record_upload(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    meta: &crate::evidence::CheckedMeta,
    digests: &Digests,
) -> Result<i64> {
    let now = p.clock.now();
    let (mut ch, case) = Change::on_case_at(p, actor, now, case_id).await?;
    ensure_open(&case)?;
    let id = record_in(&mut ch, case_id, meta, digests).await?;
    ch.commit().await?;
    Ok(id)
}

/// Records an item whose content the locker holds, with its first custody events, timeline
/// entry and audit row, inside the caller's change (which holds the case). The item's
/// reference to the content is the caller's to have taken.
pub(crate) async fn record_in(
    ch: &mut Change<'_>,
    case_id: i64,
    meta: &crate::evidence::CheckedMeta,
    digests: &Digests,
) -> Result<i64> {
    let (actor, now) = (ch.actor(), ch.now());
    let uploader = actor.label();
    let collected_by = meta
        .collected_by
        .clone()
        .unwrap_or_else(|| uploader.clone());
    let size = i64::try_from(digests.len).map_err(|_| Error::internal("file size overflow"))?;
    let id = store::insert_item(
        ch.tx(),
        &NewItem {
            case_id,
            file_name: &meta.file_name,
            kind: meta.kind.as_str(),
            size_bytes: size,
            sha256: &digests.sha256,
            sha1: &digests.sha1,
            md5: &digests.md5,
            description: &meta.description,
            collected_from: &meta.collected_from,
            acquired_at: meta.acquired_at,
            collected_by: &collected_by,
            custodian: &uploader,
            uploaded_by: &uploader,
            uploaded_by_user_id: actor.user_id(),
        },
        now,
    )
    .await?;
    let item = lock_item(ch.tx(), id).await?;
    let source = (!meta.collected_from.is_empty()).then_some(meta.collected_from.as_str());
    custody_event(
        ch.tx(),
        actor,
        now,
        &item,
        Step {
            action: CustodyAction::Collected,
            at: meta.acquired_at.unwrap_or(now),
            from: source,
            to: Some(&collected_by),
            reason: "Acquired",
            detail: json!({ "acquired_at_known": meta.acquired_at.is_some() }),
        },
    )
    .await?;
    custody_event(
        ch.tx(),
        actor,
        now,
        &item,
        Step {
            action: CustodyAction::Received,
            at: now,
            from: Some(&collected_by),
            to: Some(&uploader),
            reason: "Received into the evidence locker; hashes computed on arrival",
            detail: json!({ "sha256": digests.sha256, "sha1": digests.sha1, "md5": digests.md5,
                "size_bytes": size }),
        },
    )
    .await?;
    let summary = format!(
        "Evidence added: {} ({}, {}), SHA-256 {}",
        meta.file_name,
        meta.kind.label(),
        crate::evidence::human_size(size),
        digests.sha256
    );
    ch.record(
        case_id,
        Happened {
            kind: EventKind::EvidenceAdded,
            at: now,
            summary: &summary,
            detail: json!({ "evidence_id": id, "sha256": digests.sha256 }),
        },
    )
    .await?;
    let detail = json!({ "case_id": case_id, "file_name": meta.file_name,
        "kind": meta.kind.as_str(), "size_bytes": size, "sha256": digests.sha256,
        "sha1": digests.sha1, "md5": digests.md5, "collected_from": meta.collected_from,
        "collected_by": collected_by, "acquired_at": meta.acquired_at });
    ch.audit(evidence_audit("evidence.upload", id, detail))
        .await?;
    Ok(id)
}

/// Takes one more reference to content the locker already holds, inside `tx` (an alert's
/// file becoming evidence: the alert keeps its own reference).
pub(crate) async fn add_reference(
    tx: &mut crate::platform::Tx,
    sha256: &str,
    now: i64,
) -> Result<()> {
    store::add_content_ref(tx, sha256, now).await
}
