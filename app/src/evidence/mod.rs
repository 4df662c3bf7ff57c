//! The evidence locker: files attached to a case, hashed on arrival, never altered, with an
//! append-only chain of custody. This file holds the shared types and the pure rules (file
//! names, kinds, custody actions, what valid metadata is).

pub mod api;
#[cfg(feature = "ssr")]
pub mod content;
#[cfg(feature = "ssr")]
pub use crate::platform::digests;
#[cfg(feature = "ssr")]
pub mod download;
#[cfg(feature = "ssr")]
pub use crate::platform::locker;
#[cfg(feature = "ssr")]
pub mod malware_zip;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod upload;

use serde::{Deserialize, Serialize};

pub use crate::validate::human_size;
use crate::validate::{optional, parse_when};

/// The password of malware sample zips: the community convention, so colleagues and tools
/// open them without asking.
pub const SAMPLE_ZIP_PASSWORD: &str = "infected";

/// Default upload limit: 4 GiB.
pub const DEFAULT_MAX_BYTES: u64 = 4 << 30;

/// What kind of artefact an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    DiskImage,
    MemoryDump,
    Log,
    Pcap,
    Email,
    Screenshot,
    Document,
    MalwareSample,
    Other,
}

impl EvidenceKind {
    pub const ALL: [EvidenceKind; 9] = [
        Self::DiskImage,
        Self::MemoryDump,
        Self::Log,
        Self::Pcap,
        Self::Email,
        Self::Screenshot,
        Self::Document,
        Self::MalwareSample,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::DiskImage => "disk_image",
            Self::MemoryDump => "memory_dump",
            Self::Log => "log",
            Self::Pcap => "pcap",
            Self::Email => "email",
            Self::Screenshot => "screenshot",
            Self::Document => "document",
            Self::MalwareSample => "malware_sample",
            Self::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::DiskImage => "Disk image",
            Self::MemoryDump => "Memory dump",
            Self::Log => "Log",
            Self::Pcap => "Packet capture",
            Self::Email => "E-mail",
            Self::Screenshot => "Screenshot",
            Self::Document => "Document",
            Self::MalwareSample => "Malware sample",
            Self::Other => "Other",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "Unknown evidence type \u{201c}{}\u{201d}: use disk_image, memory_dump, log, pcap, email, screenshot, document, malware_sample or other.",
                    s.trim()
                )
            })
    }

    /// A first guess from the file name, which the analyst can change before uploading.
    pub fn guess(file_name: &str) -> Self {
        let ext = file_name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "e01" | "ex01" | "dd" | "img" | "raw" | "vmdk" | "vhd" | "vhdx" | "qcow2" | "aff4" => {
                Self::DiskImage
            }
            "mem" | "dmp" | "vmem" | "lime" | "core" => Self::MemoryDump,
            "log" | "evtx" | "jsonl" | "syslog" => Self::Log,
            "pcap" | "pcapng" | "cap" => Self::Pcap,
            "eml" | "msg" | "mbox" => Self::Email,
            "png" | "jpg" | "jpeg" | "gif" | "bmp" | "webp" => Self::Screenshot,
            "pdf" | "doc" | "docx" | "xls" | "xlsx" | "ppt" | "pptx" | "txt" | "csv" | "rtf" => {
                Self::Document
            }
            "exe" | "dll" | "scr" | "ps1" | "vbs" | "js" | "hta" | "bin" | "elf" | "so" | "apk" => {
                Self::MalwareSample
            }
            _ => Self::Other,
        }
    }
}

/// One step in an item's chain of custody.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CustodyAction {
    Collected,
    Received,
    Transferred,
    Downloaded,
    Exported,
    HashVerified,
    HashMismatch,
    Sealed,
    Unsealed,
    DisposalRequested,
    DisposalRejected,
    Disposed,
}

impl CustodyAction {
    pub const ALL: [CustodyAction; 12] = [
        Self::Collected,
        Self::Received,
        Self::Transferred,
        Self::Downloaded,
        Self::Exported,
        Self::HashVerified,
        Self::HashMismatch,
        Self::Sealed,
        Self::Unsealed,
        Self::DisposalRequested,
        Self::DisposalRejected,
        Self::Disposed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Collected => "collected",
            Self::Received => "received",
            Self::Transferred => "transferred",
            Self::Downloaded => "downloaded",
            Self::Exported => "exported",
            Self::HashVerified => "hash_verified",
            Self::HashMismatch => "hash_mismatch",
            Self::Sealed => "sealed",
            Self::Unsealed => "unsealed",
            Self::DisposalRequested => "disposal_requested",
            Self::DisposalRejected => "disposal_rejected",
            Self::Disposed => "disposed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Collected => "Collected",
            Self::Received => "Received",
            Self::Transferred => "Transferred",
            Self::Downloaded => "Downloaded",
            Self::Exported => "Exported",
            Self::HashVerified => "Hash verified",
            Self::HashMismatch => "HASH MISMATCH",
            Self::Sealed => "Sealed",
            Self::Unsealed => "Unsealed",
            Self::DisposalRequested => "Disposal requested",
            Self::DisposalRejected => "Disposal rejected",
            Self::Disposed => "Disposed",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == s.trim())
            .ok_or_else(|| format!("Unknown custody action \u{201c}{}\u{201d}.", s.trim()))
    }
}

/// An item as shown on the case page and the item page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({"evidence_id": 12, "case_id": 42, "case_number": "CF-2026-000042", "file_name": "lure.eml", "kind": "email", "size_bytes": 48211, "sha256": "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef", "sha1": "da39a3ee5e6b4b0d3255bfef95601890afd80709", "md5": "d41d8cd98f00b204e9800998ecf8427e", "description": "The reported message", "collected_from": "finance mailbox", "acquired_at": 1796630400000i64, "collected_by": "tara", "custodian": "tara", "sealed": false, "intact": true, "integrity_checked_at": 1796634000000i64, "disposal": "none", "uploaded_by": "tara", "uploaded_at": 1796630820000i64})))]
pub struct EvidenceItem {
    pub evidence_id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub file_name: String,
    pub kind: EvidenceKind,
    pub size_bytes: i64,
    pub sha256: String,
    pub sha1: String,
    pub md5: String,
    pub description: String,
    pub collected_from: String,
    pub acquired_at: Option<i64>,
    pub collected_by: String,
    pub custodian: String,
    pub sealed: bool,
    /// False once a read found content that no longer matches the recorded hashes.
    pub intact: bool,
    pub integrity_checked_at: Option<i64>,
    /// `none`, `requested` or `disposed`.
    pub disposal: String,
    pub uploaded_by: String,
    pub uploaded_at: i64,
}

impl EvidenceItem {
    pub fn disposed(&self) -> bool {
        self.disposal == "disposed"
    }
}

/// One custody event as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CustodyEvent {
    pub custody_event_id: i64,
    pub evidence_id: i64,
    pub action: CustodyAction,
    pub occurred_at: i64,
    pub from_party: Option<String>,
    pub to_party: Option<String>,
    pub reason: String,
    pub detail: String,
    pub recorded_by: String,
    pub recorded_from_ip: Option<String>,
    pub recorded_at: i64,
}

/// An item with its whole chain of custody (the item page and the custody form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EvidenceRecord {
    pub item: EvidenceItem,
    pub custody: Vec<CustodyEvent>,
    pub case_title: String,
    pub legal_hold: bool,
    /// What the viewer may do, so the page offers only that (the service checks again).
    pub can_change_custody: bool,
    pub can_decide_disposal: bool,
    pub can_download: bool,
}

/// A custody change made by hand, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustodyInput {
    /// The other party: who receives (transfer) or who handed it over (receive).
    pub party: String,
    pub reason: String,
    /// When it happened; empty means now.
    pub occurred_at: String,
    pub utc_offset_minutes: i32,
}

/// Metadata sent with an upload, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceMeta {
    pub file_name: String,
    pub kind: String,
    pub description: String,
    pub collected_from: String,
    /// Local time or RFC 3339; empty when unknown.
    pub acquired_at: String,
    /// Empty means the uploader.
    pub collected_by: String,
    /// The uploader's browser offset, for `acquired_at` typed without one.
    pub utc_offset_minutes: i32,
}

/// Metadata once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedMeta {
    pub file_name: String,
    pub kind: EvidenceKind,
    pub description: String,
    pub collected_from: String,
    pub acquired_at: Option<i64>,
    pub collected_by: Option<String>,
}

impl EvidenceMeta {
    pub fn check(&self) -> Result<CheckedMeta, String> {
        let kind = if self.kind.trim().is_empty() {
            EvidenceKind::guess(&self.file_name)
        } else {
            EvidenceKind::parse(&self.kind)?
        };
        let collected_by = optional("Collected by", &self.collected_by, 200)?;
        Ok(CheckedMeta {
            file_name: sanitize_file_name(&self.file_name)?,
            kind,
            description: optional("Description", &self.description, 4000)?,
            collected_from: optional("Collected from", &self.collected_from, 300)?,
            acquired_at: parse_when("Acquired at", &self.acquired_at, self.utc_offset_minutes)?,
            collected_by: (!collected_by.is_empty()).then_some(collected_by),
        })
    }
}

/// The original file name, reduced to its last path component with control characters removed,
/// so it can never name a directory or escape into one when the file is saved.
pub fn sanitize_file_name(raw: &str) -> Result<String, String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .trim_end_matches(['.', ' '])
        .to_owned();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '.') {
        return Err(format!(
            "The file name \u{201c}{}\u{201d} has no usable name in it.",
            raw.escape_default()
        ));
    }
    let max = 255;
    if cleaned.chars().count() > max {
        let (stem, ext) = match cleaned.rsplit_once('.') {
            Some((s, e)) if e.chars().count() <= 16 => (s.to_owned(), format!(".{e}")),
            _ => (cleaned.clone(), String::new()),
        };
        let keep = max - ext.chars().count();
        return Ok(stem.chars().take(keep).collect::<String>() + &ext);
    }
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_their_directories_and_control_characters() {
        assert_eq!(sanitize_file_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(
            sanitize_file_name("C:\\Users\\bob\\..\\evil.exe").unwrap(),
            "evil.exe"
        );
        assert_eq!(
            sanitize_file_name("report\u{0}\n.pdf").unwrap(),
            "report.pdf"
        );
        assert!(sanitize_file_name("..").is_err());
        assert!(sanitize_file_name("dir/").is_err());
        assert!(sanitize_file_name("   ").is_err());
        let long = format!("{}.pcap", "a".repeat(400));
        let cut = sanitize_file_name(&long).unwrap();
        assert_eq!(cut.chars().count(), 255);
        assert!(cut.ends_with(".pcap"));
    }

    #[test]
    fn kinds_are_guessed_from_the_extension_and_parsed_by_name() {
        assert_eq!(EvidenceKind::guess("host.E01"), EvidenceKind::DiskImage);
        assert_eq!(EvidenceKind::guess("capture.pcapng"), EvidenceKind::Pcap);
        assert_eq!(
            EvidenceKind::guess("invoice.exe"),
            EvidenceKind::MalwareSample
        );
        assert_eq!(EvidenceKind::guess("README"), EvidenceKind::Other);
        assert!(
            EvidenceKind::parse("floppy")
                .unwrap_err()
                .contains("floppy")
        );
        for k in EvidenceKind::ALL {
            assert_eq!(EvidenceKind::parse(k.as_str()).unwrap(), k);
        }
        for a in CustodyAction::ALL {
            assert_eq!(CustodyAction::parse(a.as_str()).unwrap(), a);
        }
    }

    #[test]
    fn metadata_is_checked_and_a_bad_time_named() {
        let meta = EvidenceMeta {
            file_name: "mem.raw".into(),
            kind: String::new(),
            acquired_at: "2026-11-20T14:05".into(),
            utc_offset_minutes: 60,
            ..Default::default()
        };
        let checked = meta.check().unwrap();
        assert_eq!(checked.kind, EvidenceKind::DiskImage);
        assert_eq!(checked.acquired_at, Some(1_795_179_900_000));
        assert_eq!(checked.collected_by, None);
        let bad = EvidenceMeta {
            file_name: "x.log".into(),
            acquired_at: "yesterday".into(),
            ..Default::default()
        };
        assert!(bad.check().unwrap_err().contains("Acquired at"));
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_size(512), "512 bytes");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(4 << 30), "4.0 GiB");
    }
}
