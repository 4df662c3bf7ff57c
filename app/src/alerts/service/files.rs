//! Files that arrive with an alert (TheHive `file` observables and attachments): their content
//! goes into the evidence locker, hashed and shared with identical content, and the alert
//! keeps a reference. When the alert is escalated or merged, each file becomes evidence of the
//! case, its custody starting "received from <source> with alert <ref>".

use serde_json::json;

use super::alert_event;
use crate::{
    alerts::store::{self, AlertFileRow},
    evidence::{CheckedMeta, EvidenceKind, content, service as evidence},
    journal::Change,
    platform::{Actor, Error, Platform, Result, digests::Digests, locker::Staged},
    roles::Permission,
    validate::optional,
};

/// A file kept with an alert.
#[derive(Debug, Clone)]
pub struct AlertFile {
    pub alert_file_id: i64,
    pub alert_id: i64,
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub created_by: String,
    pub created_at: i64,
}

/// Keeps staged files with an alert: the forwarder that posted it may (`alert.ingest`), as may
/// triage. A file the alert already has (same content and name) is not kept twice, so a
/// retried request changes nothing. If the alert is already part of an open case, the new files
/// also become evidence of it.
pub async fn attach_files(
    p: &Platform,
    actor: &Actor,
    alert_id: i64,
    files: Vec<(String, Staged)>,
) -> Result<Vec<AlertFile>> {
    if actor.require(Permission::AlertIngest).is_err() {
        actor.require(Permission::AlertTriage)?;
    }
    if files.len() as i64 > store::MAX_ALERT_FILES {
        return Err(Error::invalid(format!(
            "An alert keeps at most {} files.",
            store::MAX_ALERT_FILES
        )));
    }
    let mut named = Vec::new();
    for (name, staged) in files {
        let name = optional("file name", &name, 255).map_err(Error::Invalid)?;
        let name = if name.is_empty() {
            "attachment".to_owned()
        } else {
            name
        };
        named.push((name, staged));
    }
    // Each file takes its reference before the rows are written, so no release elsewhere can
    // delete the blob in between; on failure the references are given back.
    let mut claimed: Vec<(String, Digests)> = Vec::new();
    for (name, staged) in named {
        let digests = staged.digests.clone();
        if let Err(e) = content::claim(p, staged).await {
            release_all(p, &claimed).await;
            return Err(e);
        }
        claimed.push((name, digests));
    }
    match record(p, actor, alert_id, &claimed).await {
        Ok((kept, repeats)) => {
            release_all(p, &repeats).await;
            Ok(kept)
        }
        Err(e) => {
            release_all(p, &claimed).await;
            Err(e)
        }
    }
}

/// Writes the rows; returns the files kept and those the alert already had.
async fn record(
    p: &Platform,
    actor: &Actor,
    alert_id: i64,
    claimed: &[(String, Digests)],
) -> Result<(Vec<AlertFile>, Vec<(String, Digests)>)> {
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let alert = store::alert_in_tx(ch.tx(), alert_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no alert {alert_id}.")))?;
    let existing = store::count_files(ch.tx(), alert_id).await?;
    if existing + claimed.len() as i64 > store::MAX_ALERT_FILES {
        return Err(Error::invalid(format!(
            "Alert {alert_id} would hold more than {} files.",
            store::MAX_ALERT_FILES
        )));
    }
    let open_case = match alert.case_id {
        Some(case_id) => {
            let case = ch.lock_case(case_id).await?;
            (case.status != "closed").then_some(case_id)
        }
        None => None,
    };
    let label = actor.label();
    let (mut kept, mut repeats) = (Vec::new(), Vec::new());
    for (name, digests) in claimed {
        match store::insert_file(ch.tx(), alert_id, name, digests, &label, now).await? {
            Some(id) => {
                let row = AlertFileRow {
                    alert_file_id: id,
                    alert_id,
                    file_name: name.clone(),
                    sha256: digests.sha256.clone(),
                    sha1: digests.sha1.clone(),
                    md5: digests.md5.clone(),
                    size_bytes: i64::try_from(digests.len).unwrap_or(i64::MAX),
                    created_by: label.clone(),
                    created_at: now,
                };
                if let Some(case_id) = open_case {
                    to_evidence(&mut ch, case_id, &alert, &row).await?;
                }
                kept.push(to_file(row));
            }
            None => repeats.push((name.clone(), digests.clone())),
        }
    }
    let detail = json!({
        "files": kept.iter().map(|f| json!({ "id": f.alert_file_id, "name": f.file_name,
            "sha256": f.sha256, "size_bytes": f.size_bytes })).collect::<Vec<_>>(),
        "already_kept": repeats.len(),
        "evidence_of_case": open_case,
    });
    ch.audit(alert_event("alert.files_kept", alert_id, detail))
        .await?;
    ch.commit().await?;
    Ok((kept, repeats))
}

async fn release_all(p: &Platform, files: &[(String, Digests)]) {
    for (_, d) in files {
        if let Err(e) = content::release(p, &d.sha256).await {
            // A reference left behind keeps a blob too long, never deletes one too early.
            tracing::warn!(error = %e, sha256 = %d.sha256, "could not give back an alert file's reference");
        }
    }
}

fn to_file(r: AlertFileRow) -> AlertFile {
    AlertFile {
        alert_file_id: r.alert_file_id,
        alert_id: r.alert_id,
        file_name: r.file_name,
        sha256: r.sha256,
        size_bytes: r.size_bytes,
        created_by: r.created_by,
        created_at: r.created_at,
    }
}

/// One alert file as evidence of `case_id`, inside the caller's change (which holds the case):
/// a second reference to the content, the item, its custody and its timeline entry.
async fn to_evidence(
    ch: &mut Change<'_>,
    case_id: i64,
    alert: &store::AlertRow,
    f: &AlertFileRow,
) -> Result<i64> {
    let now = ch.now();
    evidence::add_reference(ch.tx(), &f.sha256, now).await?;
    let meta = CheckedMeta {
        file_name: f.file_name.clone(),
        kind: EvidenceKind::guess(&f.file_name),
        description: format!(
            "Arrived with alert {} ({}: {}).",
            alert.alert_id, alert.source, alert.title
        ),
        collected_from: format!(
            "received from {} with alert {}",
            alert.source, alert.source_ref
        ),
        acquired_at: Some(f.created_at),
        collected_by: Some(f.created_by.clone()),
    };
    let digests = Digests {
        sha256: f.sha256.clone(),
        sha1: f.sha1.clone(),
        md5: f.md5.clone(),
        len: u64::try_from(f.size_bytes).unwrap_or_default(),
    };
    evidence::record_in(ch, case_id, &meta, &digests).await
}

/// Makes an alert's files evidence of the case it just joined (escalation and merge call this
/// inside their change, which holds the case).
pub(crate) async fn carry_files_to_case(
    ch: &mut Change<'_>,
    case_id: i64,
    alert: &store::AlertRow,
) -> Result<usize> {
    let files = store::files_in_tx(ch.tx(), alert.alert_id).await?;
    for f in &files {
        to_evidence(ch, case_id, alert, f).await?;
    }
    Ok(files.len())
}

/// The content references an alert's files hold, for its deletion to give back after commit.
pub(crate) async fn file_references(
    tx: &mut crate::platform::Tx,
    alert_id: i64,
) -> Result<Vec<String>> {
    Ok(store::files_in_tx(tx, alert_id)
        .await?
        .into_iter()
        .map(|f| f.sha256)
        .collect())
}

/// Gives back the references of a deleted alert's files.
pub(crate) async fn release_references(p: &Platform, sha256s: &[String]) {
    for sha in sha256s {
        if let Err(e) = content::release(p, sha).await {
            tracing::warn!(error = %e, sha256 = %sha, "could not give back a deleted alert's file reference");
        }
    }
}
