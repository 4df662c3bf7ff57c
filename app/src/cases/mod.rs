//! Cases: the investigation record analysts work in. This file holds the shared types and the
//! pure rules: the NIST SP 800-61 lifecycle, closure verdicts, what a valid new case is. It is
//! long because it is the types the pages, server functions and services share (compiled for
//! the browser too), each with its parsing rule; it holds no I/O.

pub mod api;
pub mod containment;
#[cfg(feature = "ssr")]
pub mod markdown;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

pub use crate::timeline::EventKind;
pub use containment::ContainmentAction;

use crate::{
    fields::ValueMap,
    observables::{Observable, ObservableInput, check_observables},
    severity::Severity,
    validate::{check_level, check_tags, optional, required},
};

/// Lifecycle phases, in order (NIST SP 800-61).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    New,
    Triage,
    Investigating,
    Contained,
    Eradicated,
    Recovered,
    Closed,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 7] = [
        Self::New,
        Self::Triage,
        Self::Investigating,
        Self::Contained,
        Self::Eradicated,
        Self::Recovered,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Triage => "triage",
            Self::Investigating => "investigating",
            Self::Contained => "contained",
            Self::Eradicated => "eradicated",
            Self::Recovered => "recovered",
            Self::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::New => "New",
            Self::Triage => "Triage",
            Self::Investigating => "Investigating",
            Self::Contained => "Contained",
            Self::Eradicated => "Eradicated",
            Self::Recovered => "Recovered",
            Self::Closed => "Closed",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                format!(
                    "Unknown case status \u{201c}{}\u{201d}: use new, triage, investigating, contained, eradicated, recovered or closed.",
                    s.trim()
                )
            })
    }

    /// A case moves forward through the phases, skipping any it does not need (a benign case
    /// closes straight from triage); it never moves back except by reopening. Closing and
    /// reopening have their own use cases because they need a verdict or a reason.
    pub fn check_move(self, to: CaseStatus) -> Result<(), String> {
        if self == CaseStatus::Closed {
            return Err("The case is closed: reopen it, with a reason, to change it.".into());
        }
        if to == CaseStatus::Closed {
            return Err("Close the case with a verdict and a summary.".into());
        }
        if to <= self {
            return Err(format!(
                "A case cannot go from {} back to {}: phases only move forward.",
                self.label(),
                to.label()
            ));
        }
        Ok(())
    }
}

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClosureVerdict {
    TruePositiveWithImpact,
    TruePositiveWithoutImpact,
    FalsePositive,
    Benign,
    Duplicate,
}

impl ClosureVerdict {
    pub const ALL: [ClosureVerdict; 5] = [
        Self::TruePositiveWithImpact,
        Self::TruePositiveWithoutImpact,
        Self::FalsePositive,
        Self::Benign,
        Self::Duplicate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::TruePositiveWithImpact => "true_positive_with_impact",
            Self::TruePositiveWithoutImpact => "true_positive_without_impact",
            Self::FalsePositive => "false_positive",
            Self::Benign => "benign",
            Self::Duplicate => "duplicate",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::TruePositiveWithImpact => "True positive, with impact",
            Self::TruePositiveWithoutImpact => "True positive, without impact",
            Self::FalsePositive => "False positive",
            Self::Benign => "Benign",
            Self::Duplicate => "Duplicate",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "Unknown verdict \u{201c}{}\u{201d}: use true_positive_with_impact, true_positive_without_impact, false_positive, benign or duplicate.",
                    s.trim()
                )
            })
    }
}

/// Task states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Todo,
    InProgress,
    Done,
    Blocked,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 4] = [Self::Todo, Self::InProgress, Self::Done, Self::Blocked];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Todo => "todo",
            Self::InProgress => "in_progress",
            Self::Done => "done",
            Self::Blocked => "blocked",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "Unknown task status \u{201c}{}\u{201d}: use todo, in_progress, done or blocked.",
                    s.trim()
                )
            })
    }
}

/// A case as an analyst (or an integration) opens it, before checking.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseInput {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// info, low, medium, high or critical.
    pub severity: String,
    #[serde(default)]
    pub tlp: Option<i64>,
    #[serde(default)]
    pub pap: Option<i64>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Where it was detected: a tool, a hunt, a report from a user.
    #[serde(default)]
    pub detection_source: String,
    #[serde(default)]
    pub observables: Vec<ObservableInput>,
    /// Tasks to open the case with (a playbook, or TheHive's `tasks`).
    #[serde(default)]
    pub tasks: Vec<TaskInput>,
    /// Custom field values by field name.
    #[serde(default, skip_serializing_if = "ValueMap::is_empty")]
    pub custom_fields: ValueMap,
}

/// A checked new case.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCase {
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub tlp: i64,
    pub pap: i64,
    pub tags: Vec<String>,
    pub detection_source: String,
    pub observables: Vec<Observable>,
    pub tasks: Vec<NewTask>,
    /// The playbook the tasks came from, if any (named on the timeline).
    pub playbook: Option<String>,
    /// Custom field values by name, checked against the definitions when the case is opened.
    pub custom_fields: ValueMap,
    /// Custom field values a template gives, used where neither the opener nor the alert
    /// gave one.
    pub field_defaults: ValueMap,
    /// The template the case was shaped by, if any (named on the timeline).
    pub template: Option<String>,
    /// The tier it opens in; `None`: the opener's.
    pub tier: Option<i64>,
}

/// Most tasks a case is opened with.
const MAX_OPENING_TASKS: usize = 200;

impl CaseInput {
    pub fn check(self) -> Result<NewCase, String> {
        Ok(NewCase {
            title: required("title", &self.title, 500)?,
            description: optional("description", &self.description, 100_000)?,
            severity: Severity::parse(&self.severity)?,
            tlp: check_level("tlp", self.tlp.unwrap_or(2))?,
            pap: check_level("pap", self.pap.unwrap_or(2))?,
            tags: check_tags(&self.tags)?,
            detection_source: optional("detection_source", &self.detection_source, 300)?,
            observables: check_observables(&self.observables)?,
            tasks: {
                if self.tasks.len() > MAX_OPENING_TASKS {
                    return Err(format!("At most {MAX_OPENING_TASKS} tasks."));
                }
                self.tasks
                    .into_iter()
                    .enumerate()
                    .map(|(i, t)| t.check().map_err(|e| format!("tasks[{i}]: {e}")))
                    .collect::<Result<_, _>>()?
            },
            playbook: None,
            custom_fields: self.custom_fields,
            field_defaults: Default::default(),
            template: None,
            tier: None,
        })
    }
}

/// What may change on a case by a plain edit; `None` leaves a field alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CasePatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub severity: Option<String>,
    pub tlp: Option<i64>,
    pub pap: Option<i64>,
    pub tags: Option<Vec<String>>,
    pub status: Option<String>,
}

/// A case in lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSummary {
    pub case_id: i64,
    pub number: String,
    pub title: String,
    pub severity: Severity,
    pub status: CaseStatus,
    pub tier: i64,
    pub assignee: Option<String>,
    pub opened_at: i64,
    pub updated_at: i64,
}

/// A whole case header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub case_id: i64,
    pub number: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub status: CaseStatus,
    pub tier: i64,
    pub assignee_id: Option<i64>,
    pub assignee: Option<String>,
    pub tlp: i64,
    pub pap: i64,
    pub tags: Vec<String>,
    pub detection_source: String,
    pub closure_verdict: Option<ClosureVerdict>,
    pub closure_summary: Option<String>,
    pub version: i64,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Nothing may be disposed of, purged or deleted while set.
    pub legal_hold: bool,
}

impl Case {
    /// The case as lists show it.
    pub fn summary(self) -> CaseSummary {
        CaseSummary {
            case_id: self.case_id,
            number: self.number,
            title: self.title,
            severity: self.severity,
            status: self.status,
            tier: self.tier,
            assignee: self.assignee,
            opened_at: self.opened_at,
            updated_at: self.updated_at,
        }
    }
}

/// One timeline entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEvent {
    pub event_id: i64,
    pub kind: EventKind,
    pub occurred_at: i64,
    pub summary: String,
    /// Markdown source of a note; empty for other kinds.
    pub body: String,
    /// The note rendered and sanitized on the server; empty for other kinds.
    pub body_html: String,
    pub detail: String,
    pub techniques: Vec<String>,
    pub tags: Vec<String>,
    pub supersedes_event_id: Option<i64>,
    /// The correction that replaced this event, if any; the event stays visible.
    pub superseded_by: Option<i64>,
    pub recorded_by: String,
    pub recorded_at: i64,
}

/// An observable on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseObservable {
    pub case_observable_id: i64,
    pub case_id: i64,
    pub data_type: String,
    pub value: String,
    pub description: String,
    pub tags: Vec<String>,
    pub ioc: bool,
    pub tlp: i64,
    pub alert_id: Option<i64>,
    /// Watchlists the value was on when added (comma-separated names).
    pub watchlist: Option<String>,
    /// Other cases holding the same value.
    pub seen_in_cases: i64,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A case sharing observables with another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedCase {
    pub case_id: i64,
    pub number: String,
    pub title: String,
    pub status: CaseStatus,
    /// How many observables the two cases share.
    pub shared: i64,
}

/// A task on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseTask {
    pub task_id: i64,
    pub case_id: i64,
    pub title: String,
    pub description: String,
    pub group_name: String,
    pub status: TaskStatus,
    /// Set for containment tasks: completing one records what was done on which asset.
    pub action: Option<ContainmentAction>,
    /// The asset a containment action was carried out on.
    pub done_on: Option<String>,
    pub assignee: Option<String>,
    pub due_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A task as added, before checking.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskInput {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub due_at: Option<i64>,
    /// A containment action (`isolate_host`, `block_ip`, …), if this task is one.
    #[serde(default)]
    pub action: Option<String>,
}

/// A checked task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub title: String,
    pub description: String,
    pub group_name: String,
    pub status: TaskStatus,
    pub due_at: Option<i64>,
    pub action: Option<ContainmentAction>,
}

impl TaskInput {
    pub fn check(self) -> Result<NewTask, String> {
        let group = optional("group", &self.group, 100)?;
        Ok(NewTask {
            title: required("title", &self.title, 500)?,
            description: optional("description", &self.description, 100_000)?,
            group_name: if group.is_empty() {
                "default".into()
            } else {
                group
            },
            status: self
                .status
                .as_deref()
                .map(TaskStatus::parse)
                .transpose()?
                .unwrap_or(TaskStatus::Todo),
            due_at: self.due_at,
            action: self
                .action
                .as_deref()
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(ContainmentAction::parse)
                .transpose()?,
        })
    }
}

/// A task log entry (TheHive's name for a note on a task).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskLog {
    pub task_log_id: i64,
    pub task_id: i64,
    pub message: String,
    pub created_by: String,
    pub created_at: i64,
}

/// A note or a custom event as an analyst enters it, before checking.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventInput {
    /// `note` or `custom`.
    pub kind: String,
    /// When it happened, as typed: local wall-clock time (`2026-11-21T09:30`) read with
    /// `utc_offset_minutes`, or RFC 3339 with its own offset; empty means now.
    #[serde(default)]
    pub occurred_at: String,
    /// The analyst's time zone, minutes east of UTC (the browser's).
    #[serde(default)]
    pub utc_offset_minutes: i32,
    /// One line saying what happened (custom events; a note's is its first line).
    #[serde(default)]
    pub summary: String,
    /// Markdown.
    #[serde(default)]
    pub body: String,
    /// ATT&CK technique ids.
    #[serde(default)]
    pub techniques: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The event this one corrects; it stays on the timeline, marked superseded.
    #[serde(default)]
    pub supersedes: Option<i64>,
}

/// Timeline filters; `None` or empty means any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineFilter {
    pub kind: Option<String>,
    pub tag: Option<String>,
    /// An ATT&CK tactic short name, e.g. `initial-access`.
    pub tactic: Option<String>,
}

/// Largest raw e-mail read for observables. The page refuses a larger paste before sending
/// it, and the server's body limit for that one server function is sized to carry this much
/// however the form encoding grows it (`server/src/http/limits.rs`).
pub const MAX_EML_BYTES: usize = 10 * 1024 * 1024;

/// Refuses an e-mail too large to read here, saying what to do instead.
pub fn check_eml_size(bytes: usize) -> Result<(), String> {
    if bytes > MAX_EML_BYTES {
        return Err(format!(
            "That e-mail is {:.1} MB, over the {} MB that can be read for observables; attach the .eml file as evidence instead.",
            bytes as f64 / (1024.0 * 1024.0),
            MAX_EML_BYTES >> 20
        ));
    }
    Ok(())
}

/// Case list filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFilter {
    /// A status, or `open` for everything not closed.
    pub status: Option<String>,
    /// Matches the number or the title.
    pub text: Option<String>,
    /// A custom field to filter by (its name) ...
    #[serde(default)]
    pub field: Option<String>,
    /// ... equal to this (string, enum, boolean) ...
    #[serde(default)]
    pub field_value: Option<String>,
    /// ... or within these bounds, inclusive (integer, float, date).
    #[serde(default)]
    pub field_from: Option<String>,
    #[serde(default)]
    pub field_to: Option<String>,
    /// A custom field to sort by (its name; `-name` descending): cases with a value first.
    #[serde(default)]
    pub sort: Option<String>,
}

impl CaseFilter {
    /// The filter the case list page's URL asks for (`status` is `open` unless given; `any`
    /// for all), read the same way by the page and by its CSV export.
    pub fn from_page_query(param: impl Fn(&str) -> Option<String>) -> Self {
        let param = |k: &str| param(k).filter(|v| !v.trim().is_empty());
        Self {
            status: Some(param("status").unwrap_or_else(|| "open".into())).filter(|s| s != "any"),
            text: param("q"),
            field: param("field"),
            field_value: param("value"),
            field_from: param("from"),
            field_to: param("to"),
            sort: param("sort"),
        }
    }

    /// The custom field filter, if one is asked for.
    pub fn field_filter(&self) -> Option<crate::fields::FieldFilter> {
        crate::fields::FieldFilter::from_params(
            &self.field,
            &self.field_value,
            &self.field_from,
            &self.field_to,
        )
    }
}

/// One page of cases; `next` is the cursor for the following page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CasePage {
    pub cases: Vec<CaseSummary>,
    pub next: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_move_forward_and_may_skip() {
        assert!(CaseStatus::New.check_move(CaseStatus::Triage).is_ok());
        assert!(CaseStatus::Triage.check_move(CaseStatus::Contained).is_ok());
    }

    #[test]
    fn phases_never_move_back_and_closing_is_separate() {
        let err = CaseStatus::Contained
            .check_move(CaseStatus::Investigating)
            .unwrap_err();
        assert!(
            err.contains("from Contained back to Investigating"),
            "{err}"
        );
        assert!(CaseStatus::New.check_move(CaseStatus::New).is_err());
        assert!(
            CaseStatus::Recovered
                .check_move(CaseStatus::Closed)
                .unwrap_err()
                .contains("verdict")
        );
        assert!(
            CaseStatus::Closed
                .check_move(CaseStatus::Recovered)
                .unwrap_err()
                .contains("reopen")
        );
    }

    #[test]
    fn a_new_case_needs_a_title_and_a_known_severity() {
        let ok = CaseInput {
            title: " Phishing wave ".into(),
            severity: "high".into(),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(ok.title, "Phishing wave");
        assert_eq!((ok.tlp, ok.pap), (2, 2));
        let err = CaseInput {
            title: "x".into(),
            severity: "urgent".into(),
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert!(err.contains("urgent"), "{err}");
        let err = CaseInput {
            title: "x".into(),
            severity: "low".into(),
            tlp: Some(7),
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert!(err.contains("tlp"), "{err}");
    }
}
