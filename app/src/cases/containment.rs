//! Containment actions: the tasks whose completion must say what was done and on which asset
//! (isolate host WS-042, block IP 203.0.113.7, …), as the timeline of a breach needs it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContainmentAction {
    IsolateHost,
    BlockIp,
    BlockDomain,
    BlockSender,
    RemoveEmail,
    ResetCredentials,
    DisableAccount,
    RevokeSessions,
    QuarantineFile,
}

impl ContainmentAction {
    pub const ALL: [ContainmentAction; 9] = [
        Self::IsolateHost,
        Self::BlockIp,
        Self::BlockDomain,
        Self::BlockSender,
        Self::RemoveEmail,
        Self::ResetCredentials,
        Self::DisableAccount,
        Self::RevokeSessions,
        Self::QuarantineFile,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::IsolateHost => "isolate_host",
            Self::BlockIp => "block_ip",
            Self::BlockDomain => "block_domain",
            Self::BlockSender => "block_sender",
            Self::RemoveEmail => "remove_email",
            Self::ResetCredentials => "reset_credentials",
            Self::DisableAccount => "disable_account",
            Self::RevokeSessions => "revoke_sessions",
            Self::QuarantineFile => "quarantine_file",
        }
    }

    /// What the timeline says was done, e.g. "Isolated host".
    pub fn done_label(self) -> &'static str {
        match self {
            Self::IsolateHost => "Isolated host",
            Self::BlockIp => "Blocked IP address",
            Self::BlockDomain => "Blocked domain",
            Self::BlockSender => "Blocked sender",
            Self::RemoveEmail => "Removed e-mail",
            Self::ResetCredentials => "Reset credentials of",
            Self::DisableAccount => "Disabled account",
            Self::RevokeSessions => "Revoked sessions of",
            Self::QuarantineFile => "Quarantined file",
        }
    }

    /// What the asset field asks for.
    pub fn asset_label(self) -> &'static str {
        match self {
            Self::IsolateHost => "host",
            Self::BlockIp => "IP address",
            Self::BlockDomain => "domain",
            Self::BlockSender => "sender address",
            Self::RemoveEmail => "message or mailboxes",
            Self::ResetCredentials | Self::DisableAccount | Self::RevokeSessions => "account",
            Self::QuarantineFile => "file or hash",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "Unknown containment action \u{201c}{}\u{201d}: use {}.",
                    s.trim(),
                    Self::ALL.map(Self::as_str).join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_and_unknown_ones_are_named() {
        for a in ContainmentAction::ALL {
            assert_eq!(ContainmentAction::parse(a.as_str()), Ok(a));
        }
        let err = ContainmentAction::parse("nuke_site").unwrap_err();
        assert!(
            err.contains("nuke_site") && err.contains("isolate_host"),
            "{err}"
        );
    }
}
