//! Audit use cases: signing checkpoints, verifying the log, reading and exporting it, and
//! recording sensitive reads (which are audit entries of their own).

use serde_json::Value;

use super::{
    AuditFilter, AuditPage, ChainReport, Checkpoint,
    store::{self, Bounds, NewAuditEvent},
    verify::verify_log,
};
use crate::{
    accounts::roles::Permission,
    platform::{Actor, Error, Platform, Result},
};

/// Entries per page of the audit log.
pub const PAGE_SIZE: i64 = 50;

/// Signs the chain's head if it moved since the last checkpoint. Run periodically by the
/// server; several processes may race, and the unique sequence keeps one checkpoint per entry.
/// Not itself audited: that would move the head it just signed.
pub async fn checkpoint(p: &Platform) -> Result<Option<Checkpoint>> {
    let Some(key) = &p.audit_key else {
        return Ok(None);
    };
    let (seq, hash) = store::head(&p.db).await?;
    let last = store::last_checkpoint(&p.db).await?.map_or(0, |c| c.seq);
    if seq == 0 || seq <= last {
        return Ok(None);
    }
    let signed_at = p.clock.now();
    let c = Checkpoint {
        seq,
        signature: key.sign(seq, &hash, signed_at),
        hash,
        signed_at,
        public_key: key.public_hex(),
    };
    Ok(store::insert_checkpoint(&p.db, &c, signed_at)
        .await?
        .then_some(c))
}

/// Verifies the whole log against this installation's key; the run is itself audited.
pub async fn verify(p: &Platform, actor: &Actor) -> Result<ChainReport> {
    actor.require(Permission::AuditRead)?;
    let trusted = p.audit_key.as_ref().map(|k| k.verifying_key());
    let report = verify_log(&p.db, trusted.as_ref()).await?;
    let detail = serde_json::json!({
        "entries_checked": report.entries_checked,
        "intact": report.is_intact(),
        "problem": report.problem,
    });
    record_read(p, actor, "audit.verified", "audit_log", None, detail).await?;
    Ok(report)
}

/// The public key of this installation's checkpoints (hex), for people to pin.
pub fn public_key(p: &Platform, actor: &Actor) -> Result<Option<String>> {
    actor.require(Permission::AuditRead)?;
    Ok(p.audit_key.as_ref().map(|k| k.public_hex()))
}

/// One page of the log, newest first, filtered.
pub async fn log(
    p: &Platform,
    actor: &Actor,
    filter: &AuditFilter,
    before: Option<i64>,
) -> Result<AuditPage> {
    actor.require(Permission::AuditRead)?;
    let bounds = bounds(filter)?;
    let mut entries = store::filtered_before(&p.db, &bounds, before, PAGE_SIZE + 1).await?;
    let next_before = (entries.len() as i64 > PAGE_SIZE).then(|| {
        entries.truncate(PAGE_SIZE as usize);
        entries.last().map(|e| e.seq)
    });
    Ok(AuditPage {
        entries,
        next_before: next_before.flatten(),
    })
}

/// Starts an export of the filtered log: checks the right, records the export, and returns the
/// bounds the caller pages through with [`export_page`].
pub async fn start_export(
    p: &Platform,
    actor: &Actor,
    filter: &AuditFilter,
    format: &str,
) -> Result<Bounds> {
    actor.require(Permission::AuditExport)?;
    let bounds = bounds(filter)?;
    let detail = serde_json::json!({ "filter": filter.normalized(), "format": format });
    record_read(p, actor, "audit.exported", "audit_log", None, detail).await?;
    Ok(bounds)
}

/// The next `limit` entries of an export after `after`, oldest first.
pub async fn export_page(
    p: &Platform,
    bounds: &Bounds,
    after: i64,
    limit: i64,
) -> Result<Vec<super::AuditEntry>> {
    store::filtered_after(&p.db, bounds, after, limit).await
}

fn bounds(filter: &AuditFilter) -> Result<Bounds> {
    let f = filter.normalized();
    let (from, to) = f.period().map_err(Error::invalid)?;
    Ok(Bounds {
        actor: f.actor,
        action: f.action,
        object_type: f.object_type,
        object_id: f.object_id,
        from,
        to,
    })
}

/// Records a sensitive read (an export, a report, a search, a page an auditor viewed) as an
/// audit entry in its own transaction. Reads change nothing else, so there is nothing to share
/// a transaction with.
pub async fn record_read(
    p: &Platform,
    actor: &Actor,
    action: &str,
    object_type: &str,
    object_id: Option<String>,
    detail: Value,
) -> Result<i64> {
    let mut tx = p.db.begin().await?;
    let seq = store::append(
        &mut tx,
        actor,
        p.clock.now(),
        NewAuditEvent {
            action,
            object_type,
            object_id,
            detail,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(seq)
}
