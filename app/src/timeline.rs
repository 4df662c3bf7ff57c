//! What kinds of entries a case's timeline holds; the journal records them, the SLA clocks and
//! the pages read them.

use serde::{Deserialize, Serialize};

/// Timeline event kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    CaseOpened,
    Note,
    AlertLinked,
    ObservableAdded,
    TaskAdded,
    TaskDone,
    StatusChange,
    CaseUpdated,
    Escalation,
    EvidenceAdded,
    Custom,
    EvidenceCustody,
    EvidenceIntegrity,
    LegalHold,
    Assignment,
    Sla,
}

impl EventKind {
    pub const ALL: [EventKind; 16] = [
        Self::CaseOpened,
        Self::Note,
        Self::AlertLinked,
        Self::ObservableAdded,
        Self::TaskAdded,
        Self::TaskDone,
        Self::StatusChange,
        Self::CaseUpdated,
        Self::Escalation,
        Self::EvidenceAdded,
        Self::Custom,
        Self::EvidenceCustody,
        Self::EvidenceIntegrity,
        Self::LegalHold,
        Self::Assignment,
        Self::Sla,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CaseOpened => "case_opened",
            Self::Note => "note",
            Self::AlertLinked => "alert_linked",
            Self::ObservableAdded => "observable_added",
            Self::TaskAdded => "task_added",
            Self::TaskDone => "task_done",
            Self::StatusChange => "status_change",
            Self::CaseUpdated => "case_updated",
            Self::Escalation => "escalation",
            Self::EvidenceAdded => "evidence_added",
            Self::Custom => "custom",
            Self::EvidenceCustody => "evidence_custody",
            Self::EvidenceIntegrity => "evidence_integrity",
            Self::LegalHold => "legal_hold",
            Self::Assignment => "assignment",
            Self::Sla => "sla",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::CaseOpened => "Case opened",
            Self::Note => "Note",
            Self::AlertLinked => "Alert linked",
            Self::ObservableAdded => "Observable added",
            Self::TaskAdded => "Task added",
            Self::TaskDone => "Task done",
            Self::StatusChange => "Status change",
            Self::CaseUpdated => "Case updated",
            Self::Escalation => "Escalation",
            Self::EvidenceAdded => "Evidence added",
            Self::Custom => "Event",
            Self::EvidenceCustody => "Chain of custody",
            Self::EvidenceIntegrity => "Integrity failure",
            Self::LegalHold => "Legal hold",
            Self::Assignment => "Assignment",
            Self::Sla => "SLA",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s.trim())
            .ok_or_else(|| format!("Unknown timeline event kind \u{201c}{}\u{201d}.", s.trim()))
    }
}
