//! `casefile backup` and `casefile restore`: a consistent copy of a running installation (the
//! database, the evidence content it refers to, optionally the audit signing key) with a
//! manifest of counts, the audit head and every file's SHA-256; and putting it back into an
//! empty target, then checking that what came back is what was saved. `migrate` moves an
//! installation from SQLite to PostgreSQL with the same machinery.

pub mod migrate;
mod snapshot;

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use app::{
    audit::verify::verify_log,
    platform::{AuditKey, Db, Error, Locker, Result, clock::Millis},
};
use futures::TryStreamExt as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use tokio::io::AsyncWriteExt as _;
use tokio_util::io::ReaderStream;

pub use snapshot::{sqlite_path, target_is_empty};

/// The manifest's file name, at the top of a backup.
pub const MANIFEST: &str = "manifest.json";
const EVIDENCE_DIR: &str = "evidence";
const KEY_FILE: &str = "audit-signing.key";

/// What a backup holds, written last: a backup without one is incomplete.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub casefile_version: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    pub schema_version: i64,
    pub created_at: Millis,
    /// Rows per table at the snapshot.
    pub tables: BTreeMap<String, i64>,
    pub audit_head_seq: i64,
    pub audit_head_hash: String,
    /// Evidence content objects (by SHA-256) the snapshot refers to, and how many were copied.
    pub evidence_objects: usize,
    pub evidence_bytes: u64,
    /// Objects the snapshot refers to that were no longer in the store when copied (disposed
    /// meanwhile); a restore reports them.
    pub evidence_missing: Vec<String>,
    pub audit_key_included: bool,
    /// SHA-256 of every other file in the backup, by path relative to it.
    pub files: BTreeMap<String, String>,
}

/// What a backup did, for the command's output.
#[derive(Debug)]
pub struct BackupReport {
    pub manifest: Manifest,
    pub dir: PathBuf,
}

fn io(what: &str, e: impl std::fmt::Display) -> Error {
    Error::internal(format!("{what}: {e}"))
}

/// Backs up the database `db`, the evidence in `locker` and, with `key_file`, the audit
/// signing key, into the new directory `to`.
pub async fn backup(
    db: &Db,
    locker: &Locker,
    key_file: Option<&Path>,
    to: &Path,
    now: Millis,
) -> Result<BackupReport> {
    if to.exists()
        && std::fs::read_dir(to)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(Error::invalid(format!(
            "{} already exists and is not empty: back up into a new directory.",
            to.display()
        )));
    }
    tokio::fs::create_dir_all(to.join(EVIDENCE_DIR))
        .await
        .map_err(|e| io("creating the backup directory", e))?;
    // A backup holds every record, password hashes included: its owner's alone.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        tokio::fs::set_permissions(to, std::fs::Permissions::from_mode(0o700))
            .await
            .map_err(|e| io("protecting the backup directory", e))?;
    }
    let snap = snapshot::take(db, to).await?;
    let mut bytes = 0;
    let mut missing = Vec::new();
    for sha in &snap.evidence {
        match copy_out(locker, sha, &to.join(EVIDENCE_DIR).join(sha)).await {
            Ok(n) => bytes += n,
            Err(Error::Conflict(_)) => missing.push(sha.clone()),
            Err(e) => return Err(e),
        }
    }
    let key_included = match key_file {
        Some(k) => {
            tokio::fs::copy(k, to.join(KEY_FILE))
                .await
                .map_err(|e| io("copying the audit signing key", e))?;
            true
        }
        None => false,
    };
    let mut files = BTreeMap::new();
    for path in files_under(to)? {
        let rel = path
            .strip_prefix(to)
            .map_err(|e| io("listing the backup", e))?
            .to_string_lossy()
            .replace('\\', "/");
        if rel.starts_with(&format!("{EVIDENCE_DIR}/")) {
            continue; // each is named by its own SHA-256, checked as it was copied
        }
        files.insert(rel, sha256_of(&path).await?);
    }
    let manifest = Manifest {
        format: 1,
        casefile_version: env!("CARGO_PKG_VERSION").into(),
        database: match db {
            Db::Sqlite(_) => "sqlite".into(),
            Db::Postgres(_) => "postgres".into(),
        },
        schema_version: snap.schema_version,
        created_at: now,
        tables: snap.tables,
        audit_head_seq: snap.audit_head.0,
        audit_head_hash: snap.audit_head.1,
        evidence_objects: snap.evidence.len() - missing.len(),
        evidence_bytes: bytes,
        evidence_missing: missing,
        audit_key_included: key_included,
        files,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| io("writing the manifest", e))?;
    tokio::fs::write(to.join(MANIFEST), json)
        .await
        .map_err(|e| io("writing the manifest", e))?;
    Ok(BackupReport {
        manifest,
        dir: to.to_owned(),
    })
}

/// Copies one evidence object out of the store, checking its SHA-256 on the way; returns its
/// size. A missing object is `Conflict`.
async fn copy_out(locker: &Locker, sha: &str, target: &Path) -> Result<u64> {
    let mut stream = locker.read(sha).await?;
    let mut out = tokio::fs::File::create(target)
        .await
        .map_err(|e| io("writing evidence into the backup", e))?;
    let mut hash = Sha256::new();
    let mut n = 0u64;
    while let Some(block) = stream
        .try_next()
        .await
        .map_err(|e| io("reading from the evidence store", e))?
    {
        hash.update(&block);
        n += block.len() as u64;
        out.write_all(&block)
            .await
            .map_err(|e| io("writing evidence into the backup", e))?;
    }
    out.sync_all()
        .await
        .map_err(|e| io("writing evidence into the backup", e))?;
    let got = hex::encode(hash.finalize());
    if got != sha {
        return Err(Error::internal(format!(
            "evidence object {sha} in the store reads back as {got}: the store is damaged"
        )));
    }
    Ok(n)
}

fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| io("listing the backup", e))? {
            let path = entry.map_err(|e| io("listing the backup", e))?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

async fn sha256_of(path: &Path) -> Result<String> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| io(&format!("reading {}", path.display()), e))?;
    let mut stream = ReaderStream::new(file);
    let mut hash = Sha256::new();
    while let Some(block) = stream
        .try_next()
        .await
        .map_err(|e| io(&format!("reading {}", path.display()), e))?
    {
        hash.update(&block);
    }
    Ok(hex::encode(hash.finalize()))
}

/// Reads and checks a backup's manifest and files before anything is restored.
pub async fn read_manifest(from: &Path) -> Result<Manifest> {
    let text = tokio::fs::read(from.join(MANIFEST)).await.map_err(|e| {
        Error::invalid(format!(
            "{} has no readable {MANIFEST} ({e}): it is not a complete Casefile backup.",
            from.display()
        ))
    })?;
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|e| Error::invalid(format!("{MANIFEST} is not a Casefile manifest: {e}")))?;
    let mut bad = Vec::new();
    for (rel, want) in &manifest.files {
        match sha256_of(&from.join(rel)).await {
            Ok(got) if &got == want => {}
            Ok(_) => bad.push(format!("{rel} differs from its SHA-256 in the manifest")),
            Err(_) => bad.push(format!("{rel} is missing")),
        }
    }
    if !bad.is_empty() {
        return Err(Error::invalid(format!(
            "The backup is damaged: {}.",
            bad.join("; ")
        )));
    }
    Ok(manifest)
}

/// Where a restore puts things.
pub struct RestoreTarget<'a> {
    pub url: &'a str,
    pub key_file: &'a Path,
}

/// Puts the backup in `from` into the empty target (the evidence through `locker`), then
/// checks it against the manifest. Returns what the check found: empty means identical.
pub async fn restore(
    from: &Path,
    target: RestoreTarget<'_>,
    locker: &Locker,
) -> Result<(Manifest, Vec<String>)> {
    let manifest = read_manifest(from).await?;
    if !target_is_empty(target.url).await? {
        return Err(Error::invalid(
            "The target database is not empty: restore into a new, empty database (a SQLite file that does not exist yet, or a PostgreSQL database without tables).",
        ));
    }
    let kind = if sqlite_path(target.url).is_some() {
        "sqlite"
    } else {
        "postgres"
    };
    if kind != manifest.database {
        return Err(Error::invalid(format!(
            "This is a {} backup; restore it into {} (moving between databases is `casefile migrate`).",
            manifest.database, manifest.database
        )));
    }
    snapshot::load(from, target.url, manifest.schema_version).await?;
    let mut differences = Vec::new();
    for entry in
        std::fs::read_dir(from.join(EVIDENCE_DIR)).map_err(|e| io("reading the backup", e))?
    {
        let path = entry.map_err(|e| io("reading the backup", e))?.path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let file = tokio::fs::File::open(&path)
            .await
            .map_err(|e| io("reading the backup", e))?;
        let staged = locker.stage(ReaderStream::new(file)).await?;
        if staged.digests.sha256 != name {
            differences.push(format!(
                "evidence object {name} reads as {} in the backup",
                staged.digests.sha256
            ));
            continue;
        }
        locker.keep(staged).await?;
    }
    if manifest.audit_key_included {
        if target.key_file.exists() {
            differences.push(format!(
                "the audit signing key was not restored: {} already exists",
                target.key_file.display()
            ));
        } else {
            if let Some(parent) = target.key_file.parent() {
                tokio::fs::create_dir_all(parent)
                    .await
                    .map_err(|e| io("creating the key's directory", e))?;
            }
            tokio::fs::copy(from.join(KEY_FILE), target.key_file)
                .await
                .map_err(|e| io("restoring the audit signing key", e))?;
        }
    }
    differences.extend(check(&manifest, target, locker).await?);
    Ok((manifest, differences))
}

/// Compares a restored installation with the manifest: rows per table, the audit chain and
/// its head, every evidence object's hash.
async fn check(
    manifest: &Manifest,
    target: RestoreTarget<'_>,
    locker: &Locker,
) -> Result<Vec<String>> {
    let db = Db::connect(target.url).await?;
    let now = snapshot::describe(&db).await?;
    let mut out = Vec::new();
    for (table, want) in &manifest.tables {
        let got = now.tables.get(table).copied().unwrap_or(-1);
        if got != *want {
            out.push(format!("{table}: {got} rows restored, {want} backed up"));
        }
    }
    // Checkpoint signatures are checked against the key the restore put (or found) in place.
    let trusted = match target.key_file.exists() {
        true => Some(AuditKey::load_or_create(target.key_file)?.verifying_key()),
        false => None,
    };
    let report = verify_log(&db, trusted.as_ref()).await?;
    if let Some(p) = &report.problem {
        out.push(format!(
            "the audit log does not verify: entry {}: {}",
            p.seq, p.message
        ));
    }
    if now.audit_head != (manifest.audit_head_seq, manifest.audit_head_hash.clone()) {
        out.push(format!(
            "the audit head is #{} {} , the backup's #{} {}",
            now.audit_head.0, now.audit_head.1, manifest.audit_head_seq, manifest.audit_head_hash
        ));
    }
    for sha in &now.evidence {
        if manifest.evidence_missing.contains(sha) {
            out.push(format!(
                "evidence object {sha} was already missing when backed up"
            ));
            continue;
        }
        let mut stream = match locker.read(sha).await {
            Ok(s) => s,
            Err(_) => {
                out.push(format!(
                    "evidence object {sha} is not in the restored store"
                ));
                continue;
            }
        };
        let mut hash = Sha256::new();
        while let Some(block) = stream
            .try_next()
            .await
            .map_err(|e| io("reading from the evidence store", e))?
        {
            hash.update(&block);
        }
        if hex::encode(hash.finalize()) != *sha {
            out.push(format!("evidence object {sha} does not match its SHA-256"));
        }
    }
    db.close().await;
    Ok(out)
}
