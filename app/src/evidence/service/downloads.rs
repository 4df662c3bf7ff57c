//! Taking evidence out: downloads (as stored or in a password-protected zip) and exports that
//! re-verify the content as it streams, full verification, and the custody and audit records
//! of each.

use bytes::Bytes;
use futures::{StreamExt as _, stream::BoxStream};
use serde_json::json;

use super::{
    Step, custody_event, ensure_not_disposed, evidence_audit, load_item, lock_item, to_item,
};
use crate::evidence::{
    CustodyAction, EvidenceItem,
    download::{self, Outcome},
    malware_zip,
    store::{self, ItemRow},
};
use crate::{
    cases::EventKind,
    journal::{Change, Happened},
    platform::{Actor, Error, Platform, Result},
    roles::Permission,
};

/// How a download is packaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packaging {
    /// The file as it was received.
    Original,
    /// Inside an AES-encrypted zip, password `infected`.
    MalwareZip,
}

/// A download ready to send: the name to save it as, its length when known, and its bytes.
pub struct Download {
    pub file_name: String,
    pub len: u64,
    pub body: BoxStream<'static, std::io::Result<Bytes>>,
}

/// Starts a download: records it on the chain of custody, then streams the content while
/// re-verifying it (the zip is verified before it is sent).
pub async fn download(
    p: &Platform,
    actor: &Actor,
    evidence_id: i64,
    packaging: Packaging,
) -> Result<Download> {
    actor.require(Permission::EvidenceDownload)?;
    let item = load_item(p, evidence_id).await?;
    ensure_readable(&item)?;
    let content = p.locker.read(&item.sha256).await?;
    let expected_len = item.size_bytes as u64;
    match packaging {
        Packaging::Original => {
            record_download(p, actor, &item, packaging).await?;
            let (p2, actor2, item_id) = (p.clone(), actor.clone(), item.evidence_id);
            let body = download::verifying(
                content,
                item.sha256.clone(),
                expected_len,
                Box::new(move |outcome| {
                    Box::pin(async move {
                        if let Err(e) =
                            record_check(&p2, &actor2, item_id, outcome, "download").await
                        {
                            tracing::error!(error = %e, evidence_id = item_id, "recording a hash check failed");
                        }
                    })
                }),
            );
            Ok(Download {
                file_name: item.file_name,
                len: expected_len,
                body: body.boxed(),
            })
        }
        Packaging::MalwareZip => {
            let (file, outcome) = malware_zip::pack(
                &p.locker,
                content,
                &item.file_name,
                &item.sha256,
                expected_len,
            )
            .await?;
            if outcome != Outcome::Intact {
                record_check(p, actor, item.evidence_id, outcome, "zip download").await?;
                return Err(tampered(&item));
            }
            record_download(p, actor, &item, packaging).await?;
            record_check(p, actor, item.evidence_id, outcome, "zip download").await?;
            let len = file
                .metadata()
                .await
                .map_err(|e| Error::internal(format!("zip size: {e}")))?
                .len();
            Ok(Download {
                file_name: format!("{}.zip", item.file_name),
                len,
                body: tokio_util::io::ReaderStream::new(file).boxed(),
            })
        }
    }
}

fn ensure_readable(item: &ItemRow) -> Result<()> {
    ensure_not_disposed(item)?;
    if item.sealed != 0 {
        return Err(Error::conflict(format!(
            "{} is sealed. Break the seal (recorded, with a reason) before downloading it.",
            item.file_name
        )));
    }
    if item.integrity != "intact" {
        return Err(tampered(item));
    }
    Ok(())
}

fn tampered(item: &ItemRow) -> Error {
    Error::conflict(format!(
        "{} no longer matches its recorded SHA-256 {}: the stored file was altered. It is marked on the case; tell your incident lead.",
        item.file_name, item.sha256
    ))
}

/// Records that an item's content is being exported in a case bundle (custody `exported` and
/// the audit row, in one transaction) and returns the item; the caller then streams its
/// content from the locker.
pub async fn record_export(
    p: &Platform,
    actor: &Actor,
    evidence_id: i64,
    bundle: &str,
) -> Result<EvidenceItem> {
    actor.require(Permission::EvidenceDownload)?;
    let item = load_item(p, evidence_id).await?;
    ensure_readable(&item)?;
    let taken = Taken {
        action: CustodyAction::Exported,
        reason: "Exported in a case bundle",
        audit_action: "evidence.export",
        key: "bundle",
        value: bundle,
    };
    record_taken(p, actor, &item, taken).await?;
    to_item(item)
}

async fn record_download(
    p: &Platform,
    actor: &Actor,
    item: &ItemRow,
    packaging: Packaging,
) -> Result<()> {
    let format = match packaging {
        Packaging::Original => "original",
        Packaging::MalwareZip => "encrypted zip",
    };
    let taken = Taken {
        action: CustodyAction::Downloaded,
        reason: "Downloaded",
        audit_action: "evidence.download",
        key: "format",
        value: format,
    };
    record_taken(p, actor, item, taken).await
}

/// How an item's content left the locker: downloaded or exported, and in what form.
struct Taken<'a> {
    action: CustodyAction,
    reason: &'a str,
    audit_action: &'static str,
    /// The detail naming the form: `format` of a download, `bundle` of an export.
    key: &'a str,
    value: &'a str,
}

/// Writes the custody step (to the actor) and its audit row in one transaction.
async fn record_taken(p: &Platform, actor: &Actor, item: &ItemRow, t: Taken<'_>) -> Result<()> {
    let now = p.clock.now();
    let label = actor.label();
    let mut ch = Change::begin_at(p, actor, now).await?;
    custody_event(
        ch.tx(),
        actor,
        now,
        item,
        Step {
            action: t.action,
            at: now,
            from: None,
            to: Some(&label),
            reason: t.reason,
            detail: json!({ t.key: t.value }),
        },
    )
    .await?;
    ch.audit(evidence_audit(
        t.audit_action,
        item.evidence_id,
        json!({ "case_id": item.case_id, "file_name": item.file_name, t.key: t.value,
                "sha256": item.sha256 }),
    ))
    .await?;
    ch.commit().await?;
    Ok(())
}

/// Re-reads the whole content and compares it with the record, without downloading it.
pub async fn verify(p: &Platform, actor: &Actor, evidence_id: i64) -> Result<EvidenceItem> {
    actor.require(Permission::EvidenceDownload)?;
    let item = load_item(p, evidence_id).await?;
    ensure_not_disposed(&item)?;
    let content = p.locker.read(&item.sha256).await?;
    let outcome = download::check_all(content, &item.sha256, item.size_bytes as u64)
        .await
        .map_err(|e| Error::internal(format!("reading evidence: {e}")))?;
    record_check(p, actor, evidence_id, outcome, "verification").await?;
    to_item(load_item(p, evidence_id).await?)
}

/// Writes what a full read found: a `hash_verified` custody event, or a mismatch, which marks
/// the item, raises a timeline entry on the case and is announced to open case pages.
async fn record_check(
    p: &Platform,
    actor: &Actor,
    evidence_id: i64,
    outcome: Outcome,
    during: &str,
) -> Result<()> {
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let item = lock_item(ch.tx(), evidence_id).await?;
    match outcome {
        Outcome::Intact => {
            store::set_integrity(ch.tx(), evidence_id, true, now).await?;
            custody_event(
                ch.tx(),
                actor,
                now,
                &item,
                Step {
                    action: CustodyAction::HashVerified,
                    at: now,
                    from: None,
                    to: None,
                    reason: "SHA-256 recomputed from the stored content matches the record",
                    detail: json!({ "during": during, "sha256": item.sha256 }),
                },
            )
            .await?;
            ch.audit(evidence_audit(
                "evidence.hash_verified",
                evidence_id,
                json!({ "during": during, "sha256": item.sha256 }),
            ))
            .await?;
            ch.commit().await?;
        }
        Outcome::Mismatch {
            found_sha256,
            found_len,
        } => {
            store::set_integrity(ch.tx(), evidence_id, false, now).await?;
            let detail = json!({ "during": during, "expected_sha256": item.sha256,
                "expected_size_bytes": item.size_bytes, "found_sha256": found_sha256,
                "found_size_bytes": found_len });
            custody_event(
                ch.tx(),
                actor,
                now,
                &item,
                Step {
                    action: CustodyAction::HashMismatch,
                    at: now,
                    from: None,
                    to: None,
                    reason: "Stored content no longer matches the recorded SHA-256",
                    detail: detail.clone(),
                },
            )
            .await?;
            let summary = format!(
                "Integrity failure: {} no longer matches its recorded SHA-256 (found during {during}); the {during} was stopped",
                item.file_name
            );
            ch.record(
                item.case_id,
                Happened {
                    kind: EventKind::EvidenceIntegrity,
                    at: now,
                    summary: &summary,
                    detail: json!({ "evidence_id": evidence_id }),
                },
            )
            .await?;
            tracing::error!(
                evidence_id,
                case_id = item.case_id,
                "evidence integrity failure"
            );
            ch.audit(evidence_audit(
                "evidence.integrity_failed",
                evidence_id,
                detail,
            ))
            .await?;
            ch.commit().await?;
        }
    }
    Ok(())
}
