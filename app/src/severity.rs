//! Severity, shared by alerts, cases, SLA policies and reports.

use serde::{Deserialize, Serialize};

/// Severity, least to most urgent. Stored as 1–5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Self::Info,
        Self::Low,
        Self::Medium,
        Self::High,
        Self::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                format!(
                    "Unknown severity \u{201c}{}\u{201d}: use info, low, medium, high or critical.",
                    s.trim()
                )
            })
    }

    pub fn level(self) -> i64 {
        self as i64 + 1
    }

    pub fn from_level(n: i64) -> Option<Self> {
        Self::ALL
            .get(usize::try_from(n.checked_sub(1)?).ok()?)
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_round_trip_through_levels() {
        for s in Severity::ALL {
            assert_eq!(Severity::from_level(s.level()), Some(s));
        }
        assert_eq!(Severity::from_level(0), None);
        assert_eq!(Severity::from_level(6), None);
    }
}
