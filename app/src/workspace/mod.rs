//! The analyst's workspace: one case's page with everything recorded about it (timeline,
//! observables, tasks, evidence, tier and SLA), and opening a case by hand. It stands above the
//! features it reads, so `cases` needs none of them to draw its page.

mod actions;
pub mod api;
mod fields;
mod keys;
pub mod new_case;
mod observables;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
mod tasks;
mod timeline;

use serde::{Deserialize, Serialize};

use crate::{
    attack::TacticTechniques,
    cases::{Case, CaseObservable, CaseTask, RelatedCase, TimelineEvent},
};

/// Everything the case page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseWorkspaceData {
    pub case: Case,
    pub observables: Vec<CaseObservable>,
    pub tasks: Vec<CaseTask>,
    pub timeline: Vec<TimelineEvent>,
    /// Cursor of the next timeline page, if there is one.
    pub timeline_next: Option<(i64, i64)>,
    /// ATT&CK techniques on the timeline, by tactic.
    pub techniques: Vec<TacticTechniques>,
    pub related: Vec<RelatedCase>,
    /// Playbooks that can be applied: (id, name).
    pub playbooks: Vec<(i64, String)>,
    /// The case's evidence (first page) and whether the viewer may add to it.
    pub evidence: Vec<crate::evidence::EvidenceItem>,
    pub can_upload_evidence: bool,
    /// The upload limit, so the page refuses a file before sending it.
    pub evidence_max_bytes: u64,
    pub can_set_legal_hold: bool,
    /// Whether the viewer may change the case at all (auditors and read-only roles may not, so
    /// the page renders no edit controls for them).
    pub can_edit: bool,
    /// Holder, tier moves and SLA clocks, with what the viewer may do about them.
    pub tier: crate::tiers::TierPanel,
    /// Custom fields on cases, not retired (the form's), and the case's values.
    pub fields: Vec<crate::fields::FieldDef>,
    pub field_values: Vec<crate::fields::FieldValue>,
}
