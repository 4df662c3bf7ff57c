//! SLA clocks: the policy (minutes allowed per severity for acknowledging, containing and
//! resolving a case), the clocks each case runs, and the pure rule that says how close a clock
//! is to breach. Compiled for both targets so pages can colour clocks the way the server does.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

use crate::alerts::Severity;

/// The three clocks of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// Opened → first action by an analyst.
    Acknowledge,
    /// Opened → status contained (or later).
    Contain,
    /// Opened → closed.
    Resolve,
}

impl ClockKind {
    pub const ALL: [ClockKind; 3] = [Self::Acknowledge, Self::Contain, Self::Resolve];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acknowledge => "acknowledge",
            Self::Contain => "contain",
            Self::Resolve => "resolve",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Acknowledge => "Time to acknowledge",
            Self::Contain => "Time to contain",
            Self::Resolve => "Time to resolve",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| format!("Unknown SLA clock \u{201c}{}\u{201d}.", s.trim()))
    }
}

/// Minutes allowed for one severity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRow {
    pub severity: Severity,
    pub acknowledge_minutes: i64,
    pub contain_minutes: i64,
    pub resolve_minutes: i64,
    pub updated_by: String,
    pub updated_at: i64,
}

impl PolicyRow {
    pub fn minutes(&self, kind: ClockKind) -> i64 {
        match kind {
            ClockKind::Acknowledge => self.acknowledge_minutes,
            ClockKind::Contain => self.contain_minutes,
            ClockKind::Resolve => self.resolve_minutes,
        }
    }
}

/// The most minutes a clock may allow: one year.
pub const MAX_MINUTES: i64 = 525_600;

/// Checks one policy entry: whole minutes, at most a year, and acknowledge ≤ contain ≤ resolve
/// (a case cannot be contained before anyone looked at it).
pub fn check_policy(ack: i64, contain: i64, resolve: i64) -> Result<(), String> {
    for (name, m) in [
        ("time to acknowledge", ack),
        ("time to contain", contain),
        ("time to resolve", resolve),
    ] {
        if !(1..=MAX_MINUTES).contains(&m) {
            return Err(format!(
                "The {name} must be between 1 minute and {MAX_MINUTES} minutes (a year), not {m}."
            ));
        }
    }
    if ack > contain || contain > resolve {
        return Err("Times must not shrink along the way: acknowledge ≤ contain ≤ resolve.".into());
    }
    Ok(())
}

/// Where a clock stands, for colour and wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Running with more than a quarter of its budget left.
    Running,
    /// Running with a quarter of its budget or less left.
    NearBreach,
    Breached,
    Paused,
    Met,
}

impl ClockState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::NearBreach => "near-breach",
            Self::Breached => "breached",
            Self::Paused => "paused",
            Self::Met => "met",
        }
    }
}

/// One clock of a case as pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    pub kind: ClockKind,
    pub budget_ms: i64,
    pub started_at: i64,
    pub due_at: i64,
    pub warn_at: i64,
    pub paused_at: Option<i64>,
    pub pause_reason: Option<String>,
    pub met_at: Option<i64>,
    pub breached_at: Option<i64>,
    /// The server's time when this was read, so remaining time is the server's view.
    pub read_at: i64,
}

impl Clock {
    pub fn state(&self) -> ClockState {
        if self.met_at.is_some() {
            ClockState::Met
        } else if self.breached_at.is_some() || self.read_at >= self.due_at {
            ClockState::Breached
        } else if self.paused_at.is_some() {
            ClockState::Paused
        } else if self.read_at >= self.warn_at {
            ClockState::NearBreach
        } else {
            ClockState::Running
        }
    }

    /// Milliseconds left (negative once overdue), frozen while paused.
    pub fn remaining_ms(&self) -> i64 {
        self.due_at - self.paused_at.unwrap_or(self.read_at)
    }

    /// "12 min left", "2 h 5 min overdue", "met", "paused (waiting on …)".
    pub fn describe(&self) -> String {
        match self.state() {
            ClockState::Met => "met".into(),
            ClockState::Paused => format!(
                "paused, {} left ({})",
                span(self.remaining_ms()),
                self.pause_reason.as_deref().unwrap_or("")
            ),
            ClockState::Breached => format!("breached, {} overdue", span(-self.remaining_ms())),
            _ => format!("{} left", span(self.remaining_ms())),
        }
    }
}

/// A duration in days, hours and minutes, coarsest two units.
pub fn span(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    let (d, h, m) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

/// The clock most in need of attention (for one badge in lists): breached, then nearest due.
pub fn most_urgent(clocks: &[Clock]) -> Option<&Clock> {
    clocks
        .iter()
        .filter(|c| c.met_at.is_none())
        .min_by_key(|c| (c.state() != ClockState::Breached, c.due_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(read_at: i64) -> Clock {
        Clock {
            kind: ClockKind::Acknowledge,
            budget_ms: 60 * 60_000,
            started_at: 0,
            due_at: 60 * 60_000,
            warn_at: 45 * 60_000,
            paused_at: None,
            pause_reason: None,
            met_at: None,
            breached_at: None,
            read_at,
        }
    }

    #[test]
    fn a_clock_turns_amber_in_its_last_quarter_and_red_when_due() {
        assert_eq!(clock(10 * 60_000).state(), ClockState::Running);
        assert_eq!(clock(45 * 60_000).state(), ClockState::NearBreach);
        assert_eq!(clock(60 * 60_000).state(), ClockState::Breached);
        assert_eq!(clock(10 * 60_000).describe(), "50 min left");
        assert_eq!(
            clock(125 * 60_000).describe(),
            "breached, 1 h 5 min overdue"
        );
    }

    #[test]
    fn a_paused_clock_keeps_its_remaining_time() {
        let mut c = clock(50 * 60_000);
        c.paused_at = Some(20 * 60_000);
        c.pause_reason = Some("waiting on the asset owner".into());
        assert_eq!(c.state(), ClockState::Paused);
        assert_eq!(c.remaining_ms(), 40 * 60_000);
    }

    #[test]
    fn policy_times_must_grow_and_stay_within_a_year() {
        assert!(check_policy(15, 240, 1440).is_ok());
        assert!(
            check_policy(0, 240, 1440)
                .unwrap_err()
                .contains("acknowledge")
        );
        assert!(check_policy(300, 240, 1440).unwrap_err().contains("shrink"));
        assert!(check_policy(15, 240, MAX_MINUTES + 1).is_err());
    }
}
