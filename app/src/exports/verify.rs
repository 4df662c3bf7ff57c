//! `casefile verify-export`: checks a case bundle offline — every file against the manifest,
//! the manifest's signature, the audit checkpoint's signature, each audit entry's own hash, and
//! each evidence file against the hash recorded when it was collected.

use std::{
    collections::BTreeSet,
    io::{BufRead as _, Read},
    path::Path,
};

use ed25519_dalek::VerifyingKey;
use sha2::{Digest as _, Sha256};

use super::{BUNDLE_FORMAT, BundleReport, MANIFEST, MANIFEST_SIGNATURE, Manifest};
use crate::{
    audit::{
        AuditEntry,
        chain::Canonical,
        signing::{bytes_signature_holds, parse_public_key, signature_holds},
    },
    platform::{Error, Result},
};

/// Opens and checks the bundle at `path`. Fails only when the file is not a readable zip; every
/// other finding is a line in the report.
pub fn verify_bundle_file(path: &Path, trusted: Option<&VerifyingKey>) -> Result<BundleReport> {
    let file = std::fs::File::open(path)
        .map_err(|e| Error::invalid(format!("cannot open {}: {e}", path.display())))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| {
        Error::invalid(format!(
            "{} is not a readable zip file: {e}",
            path.display()
        ))
    })?;
    Ok(verify_bundle(&mut zip, trusted))
}

// A bundle is checked by someone who did not make it: what it claims about sizes is not
// trusted, and nothing in it is read whole without a bound (a small zip can inflate to any
// size). Streams (member hashes, the audit lines, case.json) are read piece by piece.

/// The largest manifest read (a line per file: some hundred thousand files).
pub const MAX_MANIFEST_BYTES: u64 = 64 << 20;
/// The largest manifest signature read (hex Ed25519: 128 characters).
const MAX_SIGNATURE_BYTES: u64 = 4 << 10;
/// The longest audit entry read (its detail holds before/after values).
pub const MAX_AUDIT_LINE_BYTES: u64 = 4 << 20;
/// The most of case.json parsed (as a stream: only the evidence list is kept).
const MAX_CASE_JSON_BYTES: u64 = 256 << 20;

/// A member read whole, up to `limit` bytes: `None` if missing, `Err` if longer.
fn read_bounded<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    limit: u64,
) -> Option<std::result::Result<Vec<u8>, String>> {
    let f = zip.by_name(name).ok()?;
    let mut out = Vec::new();
    Some(match f.take(limit + 1).read_to_end(&mut out) {
        Ok(_) if out.len() as u64 > limit => Err(format!(
            "{name} is larger than {limit} bytes, more than any bundle Casefile writes; it was not read"
        )),
        Ok(_) => Ok(out),
        Err(e) => Err(format!("{name} is unreadable: {e}")),
    })
}

/// Streams one member through SHA-256: (hash, length), or the read error.
fn hash_member<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
) -> std::result::Result<(String, u64), String> {
    let mut f = zip
        .by_name(name)
        .map_err(|_| "missing from the bundle".to_owned())?;
    let mut sha = Sha256::new();
    let n = std::io::copy(&mut f, &mut sha).map_err(|e| format!("unreadable: {e}"))?;
    Ok((hex::encode(sha.finalize()), n))
}

pub fn verify_bundle<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    trusted: Option<&VerifyingKey>,
) -> BundleReport {
    let mut r = BundleReport::default();
    let manifest_bytes = match read_bounded(zip, MANIFEST, MAX_MANIFEST_BYTES) {
        None => {
            r.problems.push(format!(
                "{MANIFEST} is missing: this is not a Casefile bundle"
            ));
            return r;
        }
        Some(Err(problem)) => {
            r.problems.push(problem);
            return r;
        }
        Some(Ok(bytes)) => bytes,
    };
    let manifest: Manifest = match serde_json::from_slice(&manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            r.problems
                .push(format!("{MANIFEST} is not a valid manifest: {e}"));
            return r;
        }
    };
    if manifest.format != BUNDLE_FORMAT {
        r.problems.push(format!(
            "unknown bundle format \u{201c}{}\u{201d} (this verifier reads {BUNDLE_FORMAT})",
            manifest.format
        ));
        return r;
    }

    // Which key signatures are checked against: the one given, else the manifest's own.
    let manifest_key = manifest.public_key.as_deref().map(parse_public_key);
    let key = match (trusted, manifest_key) {
        (Some(k), Some(Ok(m))) if k != &m => {
            r.problems.push("the manifest names a different signing key than the one you trust: it was not signed by this installation".into());
            Some(*k)
        }
        (Some(k), _) => Some(*k),
        (None, Some(Ok(m))) => {
            r.checked.push("signatures checked against the key named in the manifest (pass --public-key to pin the installation's key)".into());
            Some(m)
        }
        (None, Some(Err(e))) => {
            r.problems
                .push(format!("the manifest's public key is malformed: {e}"));
            None
        }
        (None, None) => None,
    };
    match (
        read_bounded(zip, MANIFEST_SIGNATURE, MAX_SIGNATURE_BYTES),
        &key,
    ) {
        (Some(Err(problem)), _) => r.problems.push(problem),
        (Some(Ok(sig)), Some(k))
            if bytes_signature_holds(k, &manifest_bytes, &String::from_utf8_lossy(&sig)) =>
        {
            r.checked
                .push(format!("{MANIFEST} carries a valid Ed25519 signature"));
        }
        (Some(_), Some(_)) => r.problems.push(format!(
            "{MANIFEST} does not match its signature: the manifest was changed after export"
        )),
        (None, _) => r.problems.push(format!(
            "{MANIFEST_SIGNATURE} is missing: the manifest is not signed"
        )),
        (Some(_), None) => r
            .problems
            .push("no key to check the manifest signature with".into()),
    }

    // Every listed file, and nothing unlisted.
    let listed: BTreeSet<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    for f in &manifest.files {
        match hash_member(zip, &f.path) {
            Ok((sha, n)) if sha == f.sha256 && n == f.bytes => {
                r.checked.push(format!("{} SHA-256 {}", f.path, f.sha256))
            }
            Ok((sha, _)) if sha != f.sha256 => r.problems.push(format!(
                "{}: SHA-256 is {sha}, the manifest says {}: the file was changed",
                f.path, f.sha256
            )),
            Ok((_, n)) => r.problems.push(format!(
                "{}: {n} bytes, the manifest says {}",
                f.path, f.bytes
            )),
            Err(e) => r.problems.push(format!("{}: {e}", f.path)),
        }
    }
    let extra: Vec<String> = zip
        .file_names()
        .map(|n| {
            n.map(|n| n.into_owned())
                .unwrap_or_else(|_| "(unreadable name)".into())
        })
        .filter(|n| !listed.contains(n.as_str()) && n != MANIFEST && n != MANIFEST_SIGNATURE)
        .collect();
    for name in extra {
        r.problems.push(format!(
            "{name} is in the bundle but not in the manifest: it was added"
        ));
    }

    check_audit(zip, &manifest, key.as_ref(), &mut r);
    check_evidence(zip, &manifest, &mut r);
    r
}

fn check_audit<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    m: &Manifest,
    key: Option<&VerifyingKey>,
    r: &mut BundleReport,
) {
    let Ok(member) = zip.by_name("audit.jsonl") else {
        return;
    };
    let mut lines = std::io::BufReader::new(member);
    let (mut count, mut last) = (0u64, None::<i64>);
    let mut line = Vec::new();
    for n in 0.. {
        line.clear();
        match (&mut lines)
            .take(MAX_AUDIT_LINE_BYTES + 1)
            .read_until(b'\n', &mut line)
        {
            Ok(0) => break,
            Ok(_) if line.len() as u64 > MAX_AUDIT_LINE_BYTES && !line.ends_with(b"\n") => {
                r.problems.push(format!(
                    "audit.jsonl: line {} is longer than {MAX_AUDIT_LINE_BYTES} bytes, more than any audit entry; the rest was not read",
                    n + 1
                ));
                return;
            }
            Ok(_) => {}
            Err(e) => {
                r.problems.push(format!("audit.jsonl is unreadable: {e}"));
                return;
            }
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        if text.is_empty() {
            continue;
        }
        match serde_json::from_str::<AuditEntry>(text) {
            Ok(e) if Canonical::from(&e).hash(&e.prev_hash) == e.hash => {
                count += 1;
                last = last.max(Some(e.seq));
            }
            Ok(e) => r.problems.push(format!(
                "audit.jsonl: entry {} does not match its own hash: it was edited",
                e.seq
            )),
            Err(_) => r
                .problems
                .push(format!("audit.jsonl: line {} is not an audit entry", n + 1)),
        }
    }
    if count != m.audit.entries || last != m.audit.last_seq {
        r.problems.push(format!(
            "audit.jsonl holds {count} entries up to {last:?}; the manifest says {} up to {:?}",
            m.audit.entries, m.audit.last_seq
        ));
    } else {
        r.checked.push(format!(
            "audit.jsonl: {count} entries, each matching its hash"
        ));
    }
    match (&m.audit.checkpoint, key) {
        (Some(c), Some(k)) if signature_holds(k, c.seq, &c.hash, c.signed_at, &c.signature) => {
            if last.is_some_and(|l| l > c.seq) {
                r.problems.push(format!(
                    "audit entries after the checkpoint (entry {}) are not covered by it",
                    c.seq
                ));
            } else {
                r.checked.push(format!("audit checkpoint at entry {} carries a valid Ed25519 signature and covers every entry", c.seq));
            }
        }
        (Some(c), Some(_)) => r.problems.push(format!(
            "the audit checkpoint at entry {} does not carry a valid signature",
            c.seq
        )),
        (Some(_), None) => r
            .problems
            .push("no key to check the audit checkpoint with".into()),
        (None, _) if count > 0 => r
            .problems
            .push("no signed audit checkpoint covers the audit entries".into()),
        (None, _) => {}
    }
}

/// Evidence files must still hash to what was recorded when they were collected.
fn check_evidence<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    m: &Manifest,
    r: &mut BundleReport,
) {
    /// What the check needs of case.json; the rest is skipped as it streams past.
    #[derive(serde::Deserialize)]
    struct CaseFile {
        #[serde(default)]
        evidence: Vec<Recorded>,
    }
    #[derive(serde::Deserialize)]
    struct Recorded {
        evidence_id: i64,
        sha256: String,
    }
    let Ok(member) = zip.by_name("case.json") else {
        return;
    };
    let reader = std::io::BufReader::new(member.take(MAX_CASE_JSON_BYTES));
    let case: CaseFile = match serde_json::from_reader(reader) {
        Ok(c) => c,
        Err(e) => {
            r.problems.push(format!(
                "case.json is not readable as a case (or is larger than {MAX_CASE_JSON_BYTES} bytes): {e}"
            ));
            return;
        }
    };
    let recorded: Vec<(i64, String)> = case
        .evidence
        .into_iter()
        .map(|e| (e.evidence_id, e.sha256))
        .collect();
    for f in m.files.iter().filter(|f| f.path.starts_with("evidence/")) {
        let id = f.path["evidence/".len()..]
            .split('-')
            .next()
            .and_then(|n| n.parse::<i64>().ok());
        match recorded.iter().find(|(e, _)| Some(*e) == id) {
            Some((_, sha)) if *sha == f.sha256 => r.checked.push(format!(
                "{} matches the SHA-256 recorded at collection",
                f.path
            )),
            Some((_, sha)) => r.problems.push(format!(
                "{}: content hashes to {}, but {sha} was recorded at collection",
                f.path, f.sha256
            )),
            None => r
                .problems
                .push(format!("{} is not an evidence item of the case", f.path)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A member's name and what writes its content.
    type Member<'a> = (&'a str, &'a dyn Fn(&mut dyn std::io::Write));

    /// A zip of `members`, stored uncompressed.
    fn zip_of(members: &[Member<'_>]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(true);
        for (name, write) in members {
            w.start_file(*name, options).unwrap();
            write(&mut w);
        }
        w.finish().unwrap().into_inner()
    }

    fn filler(n: u64) -> impl Fn(&mut dyn std::io::Write) {
        move |w: &mut dyn std::io::Write| {
            let block = vec![b' '; 1 << 20];
            let mut left = n;
            while left > 0 {
                let k = left.min(block.len() as u64) as usize;
                w.write_all(&block[..k]).unwrap();
                left -= k as u64;
            }
        }
    }

    #[test]
    fn an_oversized_manifest_is_refused_unread() {
        let bytes = zip_of(&[(MANIFEST, &filler(MAX_MANIFEST_BYTES + 10))]);
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let report = verify_bundle(&mut zip, None);
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert!(
            report.problems[0].contains("larger than"),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn an_overlong_audit_line_stops_the_audit_check() {
        let manifest = serde_json::json!({
            "format": BUNDLE_FORMAT, "case_number": "C-1", "exported_at": "", "exported_by": "",
            "files": [], "audit": { "entries": 0, "last_seq": null, "checkpoint": null },
        })
        .to_string();
        let write_manifest = |w: &mut dyn std::io::Write| w.write_all(manifest.as_bytes()).unwrap();
        let bytes = zip_of(&[
            (MANIFEST, &write_manifest),
            ("audit.jsonl", &filler(MAX_AUDIT_LINE_BYTES + 10)),
        ]);
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let report = verify_bundle(&mut zip, None);
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.contains("audit.jsonl: line 1 is longer than")),
            "{:?}",
            report.problems
        );
    }
}
