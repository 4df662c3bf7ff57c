//! Evidence use cases: upload, listing, custody changes, disposal with a manager's approval,
//! and downloads that re-verify the content. Each checks permission, writes its custody event,
//! timeline entry (for changes people make) and audit row in one transaction.

use bytes::Bytes;
use futures::{Stream, StreamExt as _, stream::BoxStream};
use serde_json::json;

use super::{
    CustodyAction, CustodyEvent, CustodyInput, EvidenceItem, EvidenceKind, EvidenceMeta,
    EvidenceRecord, content,
    digests::Digests,
    download::{self, Outcome},
    malware_zip,
    store::{self, CustodyState, ItemRow, NewCustody, NewItem},
};
use crate::{
    cases::{EventKind, service::ensure_open, store as cases_store},
    journal::{Change, Happened, NewAuditEvent},
    platform::{Actor, Error, Platform, Result, Tx, clock::Millis},
    roles::Permission,
    validate::{optional, parse_when, required},
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
    let digests = staged.digests.clone();
    content::claim(p, staged).await?;
    let recorded = record_upload(p, actor, case.case_id, &meta, &digests).await;
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
    meta: &super::CheckedMeta,
    digests: &Digests,
) -> Result<i64> {
    let now = p.clock.now();
    let uploader = actor.label();
    let collected_by = meta
        .collected_by
        .clone()
        .unwrap_or_else(|| uploader.clone());
    let size = i64::try_from(digests.len).map_err(|_| Error::internal("file size overflow"))?;
    let (mut ch, case) = Change::on_case_at(p, actor, now, case_id).await?;
    ensure_open(&case)?;
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
        super::human_size(size),
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
    ch.commit().await?;
    Ok(id)
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

fn when(input: &CustodyInput, now: Millis) -> Result<Millis> {
    let at = parse_when("When", &input.occurred_at, input.utc_offset_minutes)
        .map_err(Error::Invalid)?
        .unwrap_or(now);
    if at > now {
        return Err(Error::invalid(
            "\u{201c}When\u{201d} is in the future; a custody event records what already happened.",
        ));
    }
    Ok(at)
}

/// What a manual custody change does to the item.
struct CustodyChange {
    action: CustodyAction,
    at: Millis,
    from: Option<String>,
    to: Option<String>,
    reason: String,
    detail: serde_json::Value,
    /// The item's custody state afterwards.
    custodian: String,
    sealed: bool,
    disposal: &'static str,
    disposal_requested_by_user_id: Option<i64>,
    summary: String,
    audit_action: &'static str,
}

impl CustodyChange {
    /// A change that leaves the item's state as it is; callers set what they change.
    fn on(item: &ItemRow, action: CustodyAction, at: Millis, reason: &str) -> Self {
        Self {
            action,
            at,
            from: None,
            to: None,
            reason: reason.to_owned(),
            detail: json!({}),
            custodian: item.custodian.clone(),
            sealed: item.sealed != 0,
            disposal: match item.disposal.as_str() {
                "requested" => "requested",
                _ => "none",
            },
            disposal_requested_by_user_id: item.disposal_requested_by_user_id,
            summary: String::new(),
            audit_action: "",
        }
    }
}

/// Runs one manual custody change: lock the item, let `decide` check the rules and say what
/// changes, then write the state, the custody event, the timeline entry and the audit row.
async fn change_custody<F>(
    p: &Platform,
    actor: &Actor,
    evidence_id: i64,
    permission: Permission,
    decide: F,
) -> Result<EvidenceItem>
where
    F: FnOnce(&ItemRow, bool, Millis) -> Result<CustodyChange>,
{
    actor.require(permission)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let item = lock_item(ch.tx(), evidence_id).await?;
    ensure_not_disposed(&item)?;
    let case = ch.lock_case(item.case_id).await?;
    let c = decide(&item, case.legal_hold != 0, now)?;
    store::set_custody_state(
        ch.tx(),
        evidence_id,
        &CustodyState {
            custodian: &c.custodian,
            sealed: c.sealed,
            disposal: c.disposal,
            disposal_requested_by_user_id: c.disposal_requested_by_user_id,
        },
    )
    .await?;
    let detail = json!({
        "action": c.action.as_str(), "from": c.from, "to": c.to, "reason": c.reason,
        "occurred_at": c.at,
        "before": { "custodian": item.custodian, "sealed": item.sealed != 0,
            "disposal": item.disposal },
        "after": { "custodian": c.custodian, "sealed": c.sealed, "disposal": c.disposal },
    });
    custody_event(
        ch.tx(),
        actor,
        now,
        &item,
        Step {
            action: c.action,
            at: c.at,
            from: c.from.as_deref(),
            to: c.to.as_deref(),
            reason: &c.reason,
            detail: c.detail,
        },
    )
    .await?;
    ch.record(
        item.case_id,
        Happened {
            kind: EventKind::EvidenceCustody,
            at: c.at,
            summary: &c.summary,
            detail: json!({ "evidence_id": evidence_id }),
        },
    )
    .await?;
    ch.audit(evidence_audit(c.audit_action, evidence_id, detail))
        .await?;
    ch.commit().await?;
    to_item(load_item(p, evidence_id).await?)
}

/// Hands the item to another person or organisation; the reason is required.
pub async fn transfer(
    p: &Platform,
    actor: &Actor,
    evidence_id: i64,
    input: &CustodyInput,
) -> Result<EvidenceItem> {
    let to = required("To", &input.party, 200)
        .map_err(|_| Error::invalid("Say who receives the item (a person, team or laboratory)."))?;
    let reason = required("Reason", &input.reason, 2000)
        .map_err(|_| Error::invalid("Give the reason for the transfer."))?;
    let at = when(input, p.clock.now())?;
    change_custody(
        p,
        actor,
        evidence_id,
        Permission::EvidenceCustody,
        |item, _, _| {
            if item.custodian == to {
                return Err(Error::conflict(format!(
                    "{} is already in the custody of {to}.",
                    item.file_name
                )));
            }
            Ok(CustodyChange {
                summary: format!(
                    "Custody of {} transferred from {} to {to}: {reason}",
                    item.file_name, item.custodian
                ),
                from: Some(item.custodian.clone()),
                to: Some(to.clone()),
                custodian: to,
                audit_action: "evidence.transfer",
                ..CustodyChange::on(item, CustodyAction::Transferred, at, &reason)
            })
        },
    )
    .await
}

/// Records that the acting person took receipt of the item from `party` (by default, its
/// current custodian).
pub async fn receive(
    p: &Platform,
    actor: &Actor,
    evidence_id: i64,
    input: &CustodyInput,
) -> Result<EvidenceItem> {
    let from = optional("From", &input.party, 200).map_err(Error::Invalid)?;
    let note = optional("Note", &input.reason, 2000).map_err(Error::Invalid)?;
    let at = when(input, p.clock.now())?;
    let me = actor.label();
    change_custody(
        p,
        actor,
        evidence_id,
        Permission::EvidenceCustody,
        |item, _, _| {
            let from = if from.is_empty() {
                item.custodian.clone()
            } else {
                from
            };
            let reason = if note.is_empty() { "Received" } else { &note };
            Ok(CustodyChange {
                summary: format!("{me} received {} from {from}", item.file_name),
                from: Some(from),
                to: Some(me.clone()),
                custodian: me.clone(),
                audit_action: "evidence.receive",
                ..CustodyChange::on(item, CustodyAction::Received, at, reason)
            })
        },
    )
    .await
}

/// Seals the item (no downloads until it is unsealed) or breaks the seal, with a reason.
pub async fn set_sealed(
    p: &Platform,
    actor: &Actor,
    evidence_id: i64,
    sealed: bool,
    reason: &str,
) -> Result<EvidenceItem> {
    let reason = required("Reason", reason, 2000).map_err(|_| {
        Error::invalid(if sealed {
            "Give the reason for sealing (e.g. the seal number or the matter)."
        } else {
            "Give the reason for breaking the seal."
        })
    })?;
    change_custody(
        p,
        actor,
        evidence_id,
        Permission::EvidenceCustody,
        |item, _, now| {
            if (item.sealed != 0) == sealed {
                return Err(Error::conflict(format!(
                    "{} is {} sealed.",
                    item.file_name,
                    if sealed { "already" } else { "not" }
                )));
            }
            let (action, verb, audit_action) = if sealed {
                (CustodyAction::Sealed, "sealed", "evidence.seal")
            } else {
                (CustodyAction::Unsealed, "unsealed", "evidence.unseal")
            };
            Ok(CustodyChange {
                summary: format!("{} {verb}: {reason}", item.file_name),
                sealed,
                audit_action,
                ..CustodyChange::on(item, action, now, &reason)
            })
        },
    )
    .await
}

fn ensure_no_hold(item: &ItemRow, held: bool) -> Result<()> {
    if held {
        return Err(Error::conflict(format!(
            "Case {} is on legal hold: none of its evidence may be disposed of until a manager lifts the hold.",
            item.case_number
        )));
    }
    Ok(())
}

/// Asks for the item to be disposed of; a manager other than the requester must approve.
pub async fn request_disposal(
    p: &Platform,
    actor: &Actor,
    evidence_id: i64,
    reason: &str,
) -> Result<EvidenceItem> {
    let reason = required("Reason", reason, 2000).map_err(|_| {
        Error::invalid("Give the reason for disposal (e.g. the retention period has ended).")
    })?;
    let requester = actor.user_id();
    change_custody(
        p,
        actor,
        evidence_id,
        Permission::EvidenceCustody,
        |item, held, now| {
            ensure_no_hold(item, held)?;
            if item.disposal == "requested" {
                return Err(Error::conflict(format!(
                    "Disposal of {} is already awaiting a manager's decision.",
                    item.file_name
                )));
            }
            Ok(CustodyChange {
                summary: format!("Disposal of {} requested: {reason}", item.file_name),
                disposal: "requested",
                disposal_requested_by_user_id: requester,
                audit_action: "evidence.disposal_request",
                ..CustodyChange::on(item, CustodyAction::DisposalRequested, now, &reason)
            })
        },
    )
    .await
}

/// A manager approves (the item is disposed of and its content deleted, unless another item
/// holds the same content) or rejects a pending disposal, with a reason.
pub async fn decide_disposal(
    p: &Platform,
    actor: &Actor,
    evidence_id: i64,
    approve: bool,
    reason: &str,
) -> Result<EvidenceItem> {
    let reason = required("Reason", reason, 2000)
        .map_err(|_| Error::invalid("Give the reason for your decision."))?;
    let approver = actor.user_id();
    let item = change_custody(
        p,
        actor,
        evidence_id,
        Permission::EvidenceDisposeApprove,
        |item, held, now| {
            if item.disposal != "requested" {
                return Err(Error::conflict(format!(
                    "No disposal of {} is awaiting a decision.",
                    item.file_name
                )));
            }
            if approve {
                ensure_no_hold(item, held)?;
            }
            if approver.is_some() && approver == item.disposal_requested_by_user_id {
                return Err(Error::forbidden(
                    "You asked for this disposal; another manager must decide on it.",
                ));
            }
            let (action, summary, disposal, audit_action) = if approve {
                (
                    CustodyAction::Disposed,
                    format!("{} disposed of: {reason}", item.file_name),
                    "disposed",
                    "evidence.dispose",
                )
            } else {
                (
                    CustodyAction::DisposalRejected,
                    format!("Disposal of {} rejected: {reason}", item.file_name),
                    "none",
                    "evidence.disposal_reject",
                )
            };
            Ok(CustodyChange {
                summary,
                disposal,
                disposal_requested_by_user_id: None,
                detail: json!({ "requested_by_user_id": item.disposal_requested_by_user_id }),
                audit_action,
                ..CustodyChange::on(item, action, now, &reason)
            })
        },
    )
    .await?;
    if approve {
        content::release(p, &item.sha256).await?;
    }
    Ok(item)
}

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
