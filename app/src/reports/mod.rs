//! Incident reports: everything a manager reads about one case, with the post-incident review
//! people write, and the TLP filter for reports that leave the team. Rendering to HTML,
//! Markdown and PDF happens in the server (askama); JSON is this type itself.

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod redact;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

use crate::{
    attack::TacticTechniques,
    cases::{Case, CaseObservable, CaseTask, TimelineEvent},
    evidence::EvidenceItem,
    tiers::Escalation,
};

/// Most timeline entries a report lists; the case bundle holds the whole timeline.
pub const MAX_REPORT_EVENTS: usize = 2_000;

/// The most restrictive TLP a report includes. TheHive numbers TLP levels 0 CLEAR, 1 GREEN,
/// 2 AMBER, 3 RED, 4 AMBER+STRICT; restrictiveness orders them CLEAR < GREEN < AMBER <
/// AMBER+STRICT < RED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlpCeiling {
    Clear,
    Green,
    Amber,
    AmberStrict,
    Red,
}

impl TlpCeiling {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().trim_start_matches("tlp:") {
            "" | "red" | "all" => Ok(Self::Red),
            "clear" | "white" => Ok(Self::Clear),
            "green" => Ok(Self::Green),
            "amber" => Ok(Self::Amber),
            "amber+strict" | "amber-strict" => Ok(Self::AmberStrict),
            other => Err(format!(
                "Unknown TLP \u{201c}{other}\u{201d}: choose clear, green, amber, amber+strict or red."
            )),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Clear => "TLP:CLEAR",
            Self::Green => "TLP:GREEN",
            Self::Amber => "TLP:AMBER",
            Self::AmberStrict => "TLP:AMBER+STRICT",
            Self::Red => "TLP:RED",
        }
    }

    fn rank(self) -> u8 {
        self as u8
    }

    /// Whether an item marked with TheHive TLP number `tlp` may appear under this ceiling.
    pub fn admits(self, tlp: i64) -> bool {
        let rank = match tlp {
            0 => 0,
            1 => 1,
            2 => 2,
            4 => 3,
            _ => 4,
        };
        rank <= self.rank()
    }
}

/// The TLP label of TheHive's TLP number.
pub fn tlp_label(tlp: i64) -> &'static str {
    match tlp {
        0 => "TLP:CLEAR",
        1 => "TLP:GREEN",
        2 => "TLP:AMBER",
        4 => "TLP:AMBER+STRICT",
        _ => "TLP:RED",
    }
}

/// A follow-up from the review.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    pub action: String,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due: String,
}

/// The parts of the report people write.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub executive_summary: String,
    pub scope_impact: String,
    pub what_happened: String,
    pub went_well: String,
    pub to_improve: String,
    pub action_items: Vec<ActionItem>,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

/// Longest text of one review section.
pub const MAX_REVIEW_CHARS: usize = 20_000;
/// Most action items.
pub const MAX_ACTION_ITEMS: usize = 50;

impl Review {
    /// Checks the review as submitted; action items are one per line as
    /// `action | owner | YYYY-MM-DD`.
    pub fn check(input: ReviewInput) -> Result<Self, String> {
        let sections = [
            ("executive summary", &input.executive_summary),
            ("scope and impact", &input.scope_impact),
            ("what happened", &input.what_happened),
            ("what went well", &input.went_well),
            ("what to improve", &input.to_improve),
        ];
        for (name, text) in sections {
            if text.chars().count() > MAX_REVIEW_CHARS {
                return Err(format!(
                    "The {name} is longer than {MAX_REVIEW_CHARS} characters."
                ));
            }
        }
        let mut items = Vec::new();
        for (n, line) in input
            .action_items
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let parts: Vec<&str> = line.split('|').map(str::trim).collect();
            let [action, owner, due] = parts[..] else {
                return Err(format!(
                    "Action item {} should read \u{201c}action | owner | YYYY-MM-DD\u{201d}.",
                    n + 1
                ));
            };
            if action.is_empty() || owner.is_empty() {
                return Err(format!(
                    "Action item {} needs an action and an owner.",
                    n + 1
                ));
            }
            let format = time::macros::format_description!("[year]-[month]-[day]");
            if time::Date::parse(due, &format).is_err() {
                return Err(format!(
                    "Action item {}: the due date \u{201c}{due}\u{201d} is not a date like 2026-12-31.",
                    n + 1
                ));
            }
            items.push(ActionItem {
                action: action.into(),
                owner: owner.into(),
                due: due.into(),
            });
        }
        if items.len() > MAX_ACTION_ITEMS {
            return Err(format!("At most {MAX_ACTION_ITEMS} action items."));
        }
        Ok(Self {
            executive_summary: input.executive_summary.trim().into(),
            scope_impact: input.scope_impact.trim().into(),
            what_happened: input.what_happened.trim().into(),
            went_well: input.went_well.trim().into(),
            to_improve: input.to_improve.trim().into(),
            action_items: items,
            updated_by: None,
            updated_at: None,
        })
    }

    /// The action items as the form edits them.
    pub fn action_lines(&self) -> String {
        self.action_items
            .iter()
            .map(|a| format!("{} | {} | {}", a.action, a.owner, a.due))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The review form as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewInput {
    pub executive_summary: String,
    pub scope_impact: String,
    pub what_happened: String,
    pub went_well: String,
    pub to_improve: String,
    pub action_items: String,
}

/// An evidence item with a summary of its chain of custody.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceLine {
    pub item: EvidenceItem,
    pub custody_events: usize,
    /// The latest custody step, e.g. `transferred to bob`.
    pub last_custody: String,
}

/// The whole report; its JSON form is the JSON format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentReport {
    pub generated_at: i64,
    pub generated_by: String,
    pub tlp_ceiling: TlpCeiling,
    pub case: Case,
    /// The case's custom field values (redacted like every other text).
    pub custom_fields: Vec<crate::fields::FieldValue>,
    pub review: Review,
    pub timeline: Vec<TimelineEvent>,
    /// Set when the timeline was longer than [`MAX_REPORT_EVENTS`].
    pub timeline_truncated: bool,
    pub observables: Vec<CaseObservable>,
    /// Observables left out by the TLP ceiling.
    pub observables_withheld: usize,
    pub evidence: Vec<EvidenceLine>,
    pub tasks: Vec<CaseTask>,
    pub escalations: Vec<Escalation>,
    pub techniques: Vec<TacticTechniques>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ceiling_admits_what_is_less_restricted() {
        let amber = TlpCeiling::parse("amber").unwrap();
        assert!(amber.admits(0) && amber.admits(1) && amber.admits(2));
        assert!(!amber.admits(3), "RED is left out");
        assert!(!amber.admits(4), "AMBER+STRICT is left out");
        assert!(TlpCeiling::parse("TLP:RED").unwrap().admits(3));
        assert!(TlpCeiling::parse("purple").is_err());
    }

    #[test]
    fn action_items_are_checked_line_by_line() {
        let ok = Review::check(ReviewInput {
            action_items: "Enable MFA | maria | 2026-12-31\n\nRetrain | otto | 2027-01-15".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(ok.action_items.len(), 2);
        assert_eq!(ok.action_items[1].owner, "otto");
        let bad = Review::check(ReviewInput {
            action_items: "Enable MFA, maria".into(),
            ..Default::default()
        });
        assert!(bad.unwrap_err().contains("action | owner"));
        let date = Review::check(ReviewInput {
            action_items: "x | y | soon".into(),
            ..Default::default()
        });
        assert!(date.unwrap_err().contains("soon"));
    }
}
