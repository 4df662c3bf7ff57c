//! MITRE ATT&CK (Enterprise): the tactics and techniques shipped in `app/data/attack`, looked up
//! by id, and the rule that checks technique ids an analyst tags an event with.

use serde::{Deserialize, Serialize};

/// A tactic, the "why" of a technique (e.g. TA0001 Initial Access).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tactic {
    pub id: String,
    pub short_name: String,
    pub name: String,
}

/// A technique or sub-technique (e.g. T1566.001 Spearphishing Attachment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Technique {
    pub id: String,
    pub name: String,
    /// Tactic short names, e.g. `initial-access`.
    pub tactics: Vec<String>,
}

/// Techniques seen on a case under one tactic, for the case view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TacticTechniques {
    pub tactic: Tactic,
    pub techniques: Vec<Technique>,
}

/// Most techniques on one timeline event.
pub const MAX_TECHNIQUES: usize = 50;

#[cfg(feature = "ssr")]
mod catalog {
    use std::{collections::HashMap, sync::LazyLock};

    use super::{Tactic, Technique};

    #[derive(serde::Deserialize)]
    struct File {
        source: String,
        tactics: Vec<Tactic>,
        techniques: Vec<Technique>,
    }

    pub struct Catalog {
        pub source: String,
        pub tactics: Vec<Tactic>,
        pub techniques: Vec<Technique>,
        by_id: HashMap<String, usize>,
    }

    impl Catalog {
        pub fn technique(&self, id: &str) -> Option<&Technique> {
            self.by_id.get(id).map(|&i| &self.techniques[i])
        }
    }

    /// Parsed once; the file is part of the binary, so a parse failure is a build defect that
    /// the unit tests catch.
    pub static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
        let file: File =
            serde_json::from_str(include_str!("../../data/attack/enterprise-attack.json"))
                .expect("app/data/attack/enterprise-attack.json is valid");
        let by_id = file
            .techniques
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.clone(), i))
            .collect();
        Catalog {
            source: file.source,
            tactics: file.tactics,
            techniques: file.techniques,
            by_id,
        }
    });
}

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use super::{MAX_TECHNIQUES, Tactic, TacticTechniques, Technique, catalog::CATALOG};

    /// Where the shipped data came from (package and ATT&CK version).
    pub fn source() -> &'static str {
        &CATALOG.source
    }

    /// Tactics in kill-chain order.
    pub fn tactics() -> &'static [Tactic] {
        &CATALOG.tactics
    }

    pub fn techniques() -> &'static [Technique] {
        &CATALOG.techniques
    }

    pub fn technique(id: &str) -> Option<&'static Technique> {
        CATALOG.technique(id)
    }

    /// Checks technique ids as typed ("t1566.001", "T1059 "), returning them normalized and
    /// without repeats; an id ATT&CK does not have is refused by name.
    pub fn check_techniques(ids: &[String]) -> Result<Vec<String>, String> {
        let mut out: Vec<String> = Vec::new();
        for raw in ids {
            let id = raw.trim().to_ascii_uppercase();
            if id.is_empty() {
                continue;
            }
            if technique(&id).is_none() {
                return Err(format!(
                    "\u{201c}{}\u{201d} is not an ATT&CK Enterprise technique id (like T1566 or T1566.001).",
                    raw.trim()
                ));
            }
            if !out.contains(&id) {
                out.push(id);
            }
        }
        if out.len() > MAX_TECHNIQUES {
            return Err(format!("At most {MAX_TECHNIQUES} techniques on one event."));
        }
        Ok(out)
    }

    /// Groups (technique, tactic) pairs by tactic in kill-chain order.
    pub fn by_tactic(pairs: &[(String, String)]) -> Vec<TacticTechniques> {
        tactics()
            .iter()
            .filter_map(|tactic| {
                let mut techniques: Vec<Technique> = pairs
                    .iter()
                    .filter(|(_, t)| *t == tactic.short_name)
                    .filter_map(|(id, _)| technique(id).cloned())
                    .collect();
                techniques.sort_by(|a, b| a.id.cmp(&b.id));
                techniques.dedup_by(|a, b| a.id == b.id);
                (!techniques.is_empty()).then(|| TacticTechniques {
                    tactic: tactic.clone(),
                    techniques,
                })
            })
            .collect()
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_data_has_the_enterprise_tactics_and_techniques() {
        assert!(tactics().len() >= 12, "{}", tactics().len());
        assert!(techniques().len() > 500, "{}", techniques().len());
        let t = technique("T1566.001").expect("spearphishing attachment");
        assert!(t.tactics.contains(&"initial-access".to_owned()));
        assert!(
            tactics()
                .iter()
                .any(|t| t.id == "TA0001" && t.short_name == "initial-access")
        );
        assert!(!source().is_empty());
    }

    #[test]
    fn technique_ids_are_normalized_and_unknown_ones_refused() {
        let ok =
            check_techniques(&[" t1566.001".into(), "T1566.001".into(), "T1059".into()]).unwrap();
        assert_eq!(ok, ["T1566.001", "T1059"]);
        let err = check_techniques(&["T9999".into()]).unwrap_err();
        assert!(err.contains("T9999"), "{err}");
    }

    #[test]
    fn techniques_group_under_their_tactics_in_kill_chain_order() {
        let groups = by_tactic(&[
            ("T1059".into(), "execution".into()),
            ("T1566.001".into(), "initial-access".into()),
        ]);
        let names: Vec<&str> = groups
            .iter()
            .map(|g| g.tactic.short_name.as_str())
            .collect();
        assert_eq!(names, ["initial-access", "execution"]);
    }
}
