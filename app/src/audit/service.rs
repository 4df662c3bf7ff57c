//! Audit use cases: signing checkpoints, verifying the log, reading and exporting it, and
//! recording sensitive reads (which are audit entries of their own).

use serde_json::Value;

use super::{
    AuditFilter, AuditPage, ChainReport, Checkpoint,
    store::{self, Bounds, NewAuditEvent},
    verify::verify_log,
};
use crate::{
    journal::Change,
    platform::{Actor, Error, Platform, Result},
    roles::Permission,
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
    let detail =
        serde_json::json!({ "view": "audit log", "filter": filter.normalized(), "before": before });
    record_auditor_view(p, actor, "audit_log", None, detail).await?;
    let mut entries = store::filtered_before(&p.db, &bounds, before, PAGE_SIZE + 1).await?;
    let next_before = (entries.len() as i64 > PAGE_SIZE).then(|| {
        entries.truncate(PAGE_SIZE as usize);
        entries.last().map(|e| e.seq)
    });
    if actor.require(Permission::CaseRead).is_err() {
        for e in &mut entries {
            withhold_case_content(e);
        }
    }
    Ok(AuditPage {
        entries,
        next_before: next_before.flatten(),
    })
}

/// What the audit log is about when it is about running Casefile, not incidents: accounts,
/// tokens, roles, settings. Whoever reads the log without the right to read cases (an
/// administrator) sees these entries' details, and of every other entry who did what when,
/// but not the titles, descriptions and values its details carry.
const ADMINISTRATIVE: [&str; 9] = [
    "user",
    "api_token",
    "role",
    "webhook",
    "watchlist",
    "playbook",
    "sla_policy",
    "shift",
    "audit_log",
];

/// The entry with its detail replaced when it may carry case content. The hash still covers
/// the real detail (verification reads the log itself, not this view).
fn withhold_case_content(e: &mut super::AuditEntry) {
    if !ADMINISTRATIVE.contains(&e.object_type.as_str()) {
        e.detail = r#"{"withheld":"case content: shown to those who may read cases"}"#.into();
    }
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

/// Records what an auditor is shown, where it is read, whatever the transport (a page load, an
/// in-app navigation through server functions, an API call): an auditor's access to records
/// is itself a record. A no-op for everyone else.
pub async fn record_auditor_view(
    p: &Platform,
    actor: &Actor,
    object_type: &str,
    object_id: Option<String>,
    detail: Value,
) -> Result<()> {
    if actor.role() != Some(crate::roles::Role::Auditor) {
        return Ok(());
    }
    record_read(p, actor, "auditor.viewed", object_type, object_id, detail).await?;
    Ok(())
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
    let mut ch = Change::begin(p, actor).await?;
    let seq = ch
        .audit(NewAuditEvent {
            action,
            object_type,
            object_id,
            detail,
        })
        .await?;
    ch.commit().await?;
    Ok(seq)
}
