//! Exports for auditors and other tools: streamed CSV of the alert and case lists, the audit
//! log as JSONL or CSV, case bundles (zip with a signed manifest) and their offline check.
//! This file holds the manifest format, shared by the writer and the verifier.

#[cfg(feature = "ssr")]
pub mod bundle;
#[cfg(feature = "ssr")]
pub mod csv;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod stix;
#[cfg(feature = "ssr")]
pub mod verify;

use serde::{Deserialize, Serialize};

/// The bundle format this build writes and reads.
pub const BUNDLE_FORMAT: &str = "casefile-case-bundle/1";
/// The manifest's file name inside a bundle.
pub const MANIFEST: &str = "manifest.json";
/// The Ed25519 signature (hex) of the manifest's exact bytes, by the audit checkpoint key.
pub const MANIFEST_SIGNATURE: &str = "manifest.sig";

/// `manifest.json`: what is in the bundle and how to check it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub case_number: String,
    pub exported_at: String,
    pub exported_by: String,
    /// Every other file of the bundle with its SHA-256, in the order written.
    pub files: Vec<ManifestFile>,
    /// The newest audit entry in `audit.jsonl`, and the signed checkpoint that covers it.
    pub audit: ManifestAudit,
    /// The key that signed the checkpoint and `manifest.sig` (hex).
    pub public_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestAudit {
    pub entries: u64,
    pub last_seq: Option<i64>,
    pub checkpoint: Option<crate::audit::Checkpoint>,
}

/// What `verify-export` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleReport {
    /// One line per check that passed.
    pub checked: Vec<String>,
    /// One line per problem, saying exactly what is wrong.
    pub problems: Vec<String>,
}

impl BundleReport {
    pub fn summary(&self) -> String {
        match self.problems.len() {
            0 => format!("Bundle verified: {} checks passed.", self.checked.len()),
            n => format!("Bundle NOT verified: {n} problem(s)."),
        }
    }
}
