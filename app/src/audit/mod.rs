//! The audit log: an append-only, hash-chained record of every state change and sensitive read,
//! with signed checkpoints. This file holds the shared types; `chain` the hashing rule;
//! `signing` the checkpoint key; `verify` the whole-log check; `service` and `store` the rest.

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod chain;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub use crate::platform::signing;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod verify;

use serde::{Deserialize, Serialize};

/// One entry as shown to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditEntry {
    pub seq: i64,
    pub occurred_at: i64,
    pub actor_user_id: Option<i64>,
    pub actor_label: String,
    pub actor_ip: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// A signed statement of the chain's hash at one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub signed_at: i64,
    pub public_key: String,
    pub signature: String,
}

/// The first thing wrong with the stored log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainProblem {
    /// The first entry found bad (for a deletion, the first entry missing).
    pub seq: i64,
    pub message: String,
}

/// What a verification of the whole log found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    pub entries_checked: i64,
    pub head_seq: i64,
    pub checkpoints_checked: i64,
    pub last_checkpoint: Option<Checkpoint>,
    /// The key checkpoints were checked against; `None` when no key is configured (then
    /// signatures are not checked, and the report says so).
    pub trusted_key: Option<String>,
    pub problem: Option<ChainProblem>,
}

impl ChainReport {
    pub fn is_intact(&self) -> bool {
        self.problem.is_none()
    }

    /// One line for people and the command line.
    pub fn summary(&self) -> String {
        match &self.problem {
            Some(p) => format!("Audit log NOT intact: entry {}: {}", p.seq, p.message),
            None => {
                let signed = match &self.last_checkpoint {
                    Some(c) => format!(
                        "; {} signed checkpoint(s) hold, the last at entry {}",
                        self.checkpoints_checked, c.seq
                    ),
                    None => "; no signed checkpoint yet".into(),
                };
                format!(
                    "Audit log intact: {} entries chain correctly{signed}.",
                    self.entries_checked
                )
            }
        }
    }
}

/// The audit log page's filters; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Exact actor label: `alice`, `token:splunk`, `system:sla`.
    #[serde(default)]
    pub actor: Option<String>,
    /// An action (`case.escalated`) or a prefix of one (`case`).
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub object_type: Option<String>,
    #[serde(default)]
    pub object_id: Option<String>,
    /// Period start and end, inclusive, as UTC dates `YYYY-MM-DD`.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
}

impl AuditFilter {
    /// Blank fields are no filter; whitespace is trimmed.
    pub fn normalized(&self) -> Self {
        let clean = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Self {
            actor: clean(&self.actor),
            action: clean(&self.action),
            object_type: clean(&self.object_type),
            object_id: clean(&self.object_id),
            from: clean(&self.from),
            to: clean(&self.to),
        }
    }

    /// The period as epoch milliseconds `[start, end)`, or a message naming the bad date.
    pub fn period(&self) -> Result<(Option<i64>, Option<i64>), String> {
        let day = |v: &Option<String>, which: &str| -> Result<Option<i64>, String> {
            let Some(text) = v else { return Ok(None) };
            let format = time::macros::format_description!("[year]-[month]-[day]");
            let date = time::Date::parse(text, &format).map_err(|_| {
                format!("The {which} date \u{201c}{text}\u{201d} is not a date like 2026-11-22.")
            })?;
            Ok(Some(date.midnight().assume_utc().unix_timestamp() * 1000))
        };
        let from = day(&self.from, "from")?;
        let to = day(&self.to, "to")?.map(|t| t + 86_400_000);
        if let (Some(f), Some(t)) = (from, to)
            && f >= t
        {
            return Err("The period ends before it starts.".into());
        }
        Ok((from, to))
    }

    /// The query string that reproduces these filters (for paging and export links).
    pub fn query_string(&self) -> String {
        serde_urlencoded::to_string(self.normalized()).unwrap_or_default()
    }
}

/// One page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page.
    pub next_before: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_covers_whole_utc_days() {
        let f = AuditFilter {
            from: Some("2026-11-22".into()),
            to: Some("2026-11-22".into()),
            ..Default::default()
        };
        let (from, to) = f.period().unwrap();
        assert_eq!(to.unwrap() - from.unwrap(), 86_400_000);
        let bad = AuditFilter {
            from: Some("22/11/2026".into()),
            ..Default::default()
        };
        assert!(bad.period().unwrap_err().contains("22/11/2026"));
        let backwards = AuditFilter {
            from: Some("2026-11-23".into()),
            to: Some("2026-11-21".into()),
            ..Default::default()
        };
        assert!(backwards.period().is_err());
    }

    #[test]
    fn filters_round_trip_through_a_query_string() {
        let f = AuditFilter {
            actor: Some("token:splunk fwd".into()),
            action: Some("case".into()),
            ..Default::default()
        }
        .normalized();
        assert_eq!(f.query_string(), "actor=token%3Asplunk+fwd&action=case");
    }
}
