//! Assignment and tier escalation: who holds a case, the per-tier queues of cases nobody holds,
//! moving a case up (or down) a tier with a reason and a handover note, and the analyst of the
//! target tier accepting or returning it. The rules of who may do what are here, pure, so the
//! pages can offer exactly what the service will allow.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod sweep;

use serde::{Deserialize, Serialize};

use crate::{
    alerts::Severity,
    cases::CaseSummary,
    roles::{Role, Tier},
    sla::Clock,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EscalationState {
    Pending,
    Accepted,
    Returned,
    Superseded,
}

impl EscalationState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Returned => "returned",
            Self::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        [
            Self::Pending,
            Self::Accepted,
            Self::Returned,
            Self::Superseded,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
        .ok_or_else(|| format!("Unknown escalation state \u{201c}{s}\u{201d}."))
    }
}

/// One move of a case between tiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    pub escalation_id: i64,
    pub case_id: i64,
    pub from_tier: i64,
    pub to_tier: i64,
    pub direction: Direction,
    pub reason: String,
    pub handover_note: String,
    pub automatic: bool,
    pub state: EscalationState,
    pub requested_by: String,
    pub requested_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub return_reason: Option<String>,
}

impl Escalation {
    /// Time from the request to its acceptance.
    pub fn time_to_accept_ms(&self) -> Option<i64> {
        match (self.state, self.decided_at) {
            (EscalationState::Accepted, Some(at)) => Some(at - self.requested_at),
            _ => None,
        }
    }
}

/// A case in a queue or on "my work".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItem {
    pub case: CaseSummary,
    /// The move waiting for this tier, with its handover note.
    pub pending: Option<Escalation>,
    pub clocks: Vec<Clock>,
}

/// A page of a tier's queue: open cases of the tier that nobody holds, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePage {
    pub tier: i64,
    pub items: Vec<QueueItem>,
    pub next: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyTask {
    pub task_id: i64,
    pub case_number: String,
    pub title: String,
    pub status: String,
    pub due_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyAlert {
    pub alert_id: i64,
    pub title: String,
    pub severity: Severity,
    pub created_at: i64,
}

/// Everything assigned to the signed-in analyst.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyWork {
    pub cases: Vec<QueueItem>,
    pub tasks: Vec<MyTask>,
    pub alerts: Vec<MyAlert>,
    /// Tasks due and SLA clocks running out within this many hours are "due soon".
    pub due_soon_hours: i64,
    pub now: i64,
}

/// One analyst's open work, for managers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadRow {
    pub username: String,
    pub display_name: String,
    pub tier: i64,
    pub open_cases: i64,
    pub open_tasks: i64,
    pub overdue_tasks: i64,
    pub open_alerts: i64,
}

/// What the case page offers the viewer, decided by the same rules the service applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierPanel {
    pub escalations: Vec<Escalation>,
    pub pending: Option<Escalation>,
    pub clocks: Vec<Clock>,
    pub can_claim: bool,
    pub can_release: bool,
    pub can_assign: bool,
    pub can_escalate: bool,
    pub can_deescalate: bool,
    pub can_accept: bool,
    pub can_return: bool,
    pub can_pause: bool,
    /// Analysts of the case's tier, for the assign form.
    pub tier_analysts: Vec<String>,
}

/// Who is acting, for the rules below.
#[derive(Debug, Clone, Copy)]
pub struct Who {
    pub user_id: Option<i64>,
    pub role: Option<Role>,
    pub tier: Option<Tier>,
}

impl Who {
    fn is_manager(&self) -> bool {
        self.role == Some(Role::Manager)
    }

    fn analyst_tier(&self) -> Option<i64> {
        match self.role {
            Some(Role::Analyst) => self.tier.map(|t| i64::from(t.get())),
            _ => None,
        }
    }
}

/// The state of a case the rules look at.
#[derive(Debug, Clone, Copy)]
pub struct CaseState {
    pub tier: i64,
    pub assignee_id: Option<i64>,
    pub closed: bool,
    /// The target tier of the pending move, if there is one.
    pub pending_to: Option<i64>,
}

/// Why a rule says no: the kind decides the HTTP status (403, 409, 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotAllowed(String),
    Conflict(String),
    Invalid(String),
}

impl Refusal {
    pub fn message(&self) -> &str {
        match self {
            Self::NotAllowed(m) | Self::Conflict(m) | Self::Invalid(m) => m,
        }
    }
}

fn not_allowed(m: impl Into<String>) -> Refusal {
    Refusal::NotAllowed(m.into())
}

fn conflict(m: impl Into<String>) -> Refusal {
    Refusal::Conflict(m.into())
}

const NOT_YOUR_TIER: &str = "Only analysts of the case's tier (or managers) may do this.";

/// Claiming: an analyst of the case's tier takes an unheld case (accepting a pending move).
pub fn may_claim(who: Who, c: CaseState) -> Result<(), Refusal> {
    open(c)?;
    if who.analyst_tier() != Some(c.tier) {
        return Err(not_allowed(format!(
            "Only tier {} analysts may claim this case; a manager can assign it.",
            c.tier
        )));
    }
    match c.assignee_id {
        Some(id) if Some(id) == who.user_id => Err(conflict("You already hold this case.")),
        Some(_) => Err(conflict(
            "Someone holds this case; ask them or a manager to release it.",
        )),
        None => Ok(()),
    }
}

/// Releasing: the holder (or a manager) puts the case back in its tier's queue.
pub fn may_release(who: Who, c: CaseState) -> Result<(), Refusal> {
    open(c)?;
    match c.assignee_id {
        None => Err(conflict("Nobody holds this case.")),
        Some(id) if Some(id) == who.user_id || who.is_manager() => Ok(()),
        Some(_) => Err(not_allowed(
            "Only the analyst holding the case, or a manager, may release it.",
        )),
    }
}

/// Assigning: managers, or analysts of the case's tier, to an analyst of the case's tier.
pub fn may_assign(who: Who, c: CaseState, assignee_tier: i64) -> Result<(), Refusal> {
    open(c)?;
    if !who.is_manager() && who.analyst_tier() != Some(c.tier) {
        return Err(not_allowed(NOT_YOUR_TIER));
    }
    if assignee_tier != c.tier {
        return Err(Refusal::Invalid(format!(
            "The case is in tier {}; assign it to a tier {} analyst, or escalate it first.",
            c.tier, c.tier
        )));
    }
    Ok(())
}

/// Moving a case to `to_tier`: up by an analyst of the case's tier or above, down by one of
/// the case's tier or above; managers either way. Not while a move waits.
pub fn may_move(who: Who, c: CaseState, to_tier: i64) -> Result<Direction, Refusal> {
    open(c)?;
    if !(1..=3).contains(&to_tier) {
        return Err(Refusal::Invalid(format!(
            "Tier must be 1, 2 or 3, not {to_tier}."
        )));
    }
    if to_tier == c.tier {
        return Err(conflict(format!("The case is already in tier {to_tier}.")));
    }
    if let Some(t) = c.pending_to {
        return Err(conflict(format!(
            "A move to tier {t} is waiting for that tier; it must be accepted or returned first."
        )));
    }
    let allowed = who.is_manager() || who.analyst_tier().is_some_and(|t| t >= c.tier);
    if !allowed {
        return Err(not_allowed(NOT_YOUR_TIER));
    }
    Ok(if to_tier > c.tier {
        Direction::Up
    } else {
        Direction::Down
    })
}

/// Accepting a pending move: an analyst of the target tier, who then holds the case.
pub fn may_accept(who: Who, c: CaseState) -> Result<(), Refusal> {
    open(c)?;
    let to = c
        .pending_to
        .ok_or_else(|| conflict("No move of this case is waiting to be accepted."))?;
    if who.analyst_tier() != Some(to) {
        return Err(not_allowed(format!(
            "Only tier {to} analysts may accept this case."
        )));
    }
    Ok(())
}

/// Returning a pending move to the tier it came from: an analyst of the target tier or a
/// manager.
pub fn may_return(who: Who, c: CaseState) -> Result<(), Refusal> {
    open(c)?;
    let to = c
        .pending_to
        .ok_or_else(|| conflict("No move of this case is waiting to be returned."))?;
    if !who.is_manager() && who.analyst_tier() != Some(to) {
        return Err(not_allowed(format!(
            "Only tier {to} analysts or managers may return this case."
        )));
    }
    Ok(())
}

fn open(c: CaseState) -> Result<(), Refusal> {
    if c.closed {
        Err(conflict("The case is closed; reopen it first."))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyst(id: i64, tier: u8) -> Who {
        Who {
            user_id: Some(id),
            role: Some(Role::Analyst),
            tier: Some(Tier::new(tier.into()).unwrap()),
        }
    }

    fn manager() -> Who {
        Who {
            user_id: Some(99),
            role: Some(Role::Manager),
            tier: None,
        }
    }

    fn case(tier: i64) -> CaseState {
        CaseState {
            tier,
            assignee_id: None,
            closed: false,
            pending_to: None,
        }
    }

    #[test]
    fn tier_one_escalates_up_and_only_the_target_tier_accepts() {
        assert_eq!(may_move(analyst(1, 1), case(1), 2), Ok(Direction::Up));
        let pending = CaseState {
            tier: 2,
            pending_to: Some(2),
            ..case(2)
        };
        assert!(may_accept(analyst(1, 1), pending).is_err());
        assert!(may_accept(analyst(3, 3), pending).is_err());
        assert!(may_accept(manager(), pending).is_err());
        assert!(may_accept(analyst(2, 2), pending).is_ok());
        assert!(may_return(manager(), pending).is_ok());
        assert!(
            may_move(analyst(2, 2), pending, 3)
                .unwrap_err()
                .message()
                .contains("waiting")
        );
    }

    #[test]
    fn lower_tiers_cannot_move_higher_tier_cases() {
        assert!(may_move(analyst(1, 1), case(2), 3).is_err());
        assert!(may_move(analyst(1, 1), case(2), 1).is_err());
        assert_eq!(may_move(analyst(3, 3), case(3), 2), Ok(Direction::Down));
        assert_eq!(may_move(manager(), case(1), 3), Ok(Direction::Up));
        assert!(may_move(manager(), case(1), 4).is_err());
        assert!(may_move(manager(), case(2), 2).is_err());
    }

    #[test]
    fn claiming_and_releasing_follow_the_holder_and_the_tier() {
        assert!(may_claim(analyst(1, 1), case(1)).is_ok());
        assert!(may_claim(analyst(2, 2), case(1)).is_err());
        assert!(may_claim(manager(), case(1)).is_err());
        let held = CaseState {
            assignee_id: Some(1),
            ..case(1)
        };
        assert!(may_claim(analyst(5, 1), held).is_err());
        assert!(may_release(analyst(1, 1), held).is_ok());
        assert!(may_release(analyst(5, 1), held).is_err());
        assert!(may_release(manager(), held).is_ok());
        assert!(may_assign(manager(), case(2), 1).is_err());
        assert!(may_assign(analyst(1, 1), case(1), 1).is_ok());
        let closed = CaseState {
            closed: true,
            ..case(1)
        };
        assert!(may_claim(analyst(1, 1), closed).is_err());
    }
}
