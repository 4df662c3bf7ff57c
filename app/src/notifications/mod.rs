//! The in-app notification centre: what tells an analyst that work reached them (assigned to
//! them, escalated to their tier, returned, an SLA clock near breach or breached, a handover to
//! acknowledge). Notifications are written in the transaction of the change that causes them.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    Assigned,
    EscalatedToTier,
    Returned,
    SlaNearBreach,
    SlaBreached,
    Handover,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 6] = [
        Self::Assigned,
        Self::EscalatedToTier,
        Self::Returned,
        Self::SlaNearBreach,
        Self::SlaBreached,
        Self::Handover,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Assigned => "assigned",
            Self::EscalatedToTier => "escalated_to_tier",
            Self::Returned => "returned",
            Self::SlaNearBreach => "sla_near_breach",
            Self::SlaBreached => "sla_breached",
            Self::Handover => "handover",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Assigned => "Assigned to you",
            Self::EscalatedToTier => "Escalated to your tier",
            Self::Returned => "Returned",
            Self::SlaNearBreach => "SLA near breach",
            Self::SlaBreached => "SLA breached",
            Self::Handover => "Shift handover",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("Unknown notification kind \u{201c}{s}\u{201d}."))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub notification_id: i64,
    pub kind: NotificationKind,
    pub title: String,
    pub link: String,
    pub read: bool,
    pub created_at: i64,
}

/// A page of the inbox, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    pub items: Vec<Notification>,
    pub next: Option<i64>,
}

/// Unread notifications are counted up to this; the badge then says "99+".
pub const UNREAD_CAP: i64 = 100;
