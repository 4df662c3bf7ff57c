//! Roles, tiers and permissions, and the one table that maps a role (and an analyst's tier) to
//! what it may do. Compiled for both targets so pages can hide controls, but enforcement is in
//! the services.

use serde::{Deserialize, Serialize};

/// What a person does in the SOC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Analyst,
    Manager,
    Auditor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Analyst, Role::Manager, Role::Auditor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Analyst => "analyst",
            Role::Manager => "manager",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "Unknown role \u{201c}{}\u{201d}: choose analyst, manager, auditor or admin.",
                    s.trim()
                )
            })
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Analyst => "Analyst",
            Role::Manager => "Manager",
            Role::Auditor => "Auditor",
            Role::Admin => "Administrator",
        }
    }
}

/// An analyst's tier: 1 triages, 2 investigates, 3 is the incident response team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Tier(u8);

impl Tier {
    pub const ONE: Tier = Tier(1);
    pub const TWO: Tier = Tier(2);
    pub const THREE: Tier = Tier(3);

    pub fn new(n: i64) -> Result<Self, String> {
        match n {
            1..=3 => Ok(Tier(n as u8)),
            _ => Err(format!("Tier must be 1, 2 or 3, not {n}.")),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// The tier rules: analysts must have one, other roles must not.
pub fn check_role_tier(role: Role, tier: Option<Tier>) -> Result<(), String> {
    match (role, tier) {
        (Role::Analyst, None) => Err("An analyst needs a tier: 1, 2 or 3.".into()),
        (Role::Analyst, Some(_)) => Ok(()),
        (_, Some(_)) => Err(format!(
            "Only analysts have a tier; a {} does not.",
            role.as_str()
        )),
        (_, None) => Ok(()),
    }
}

/// Everything that is checked, named `resource.action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    AlertRead,
    AlertIngest,
    AlertTriage,
    CaseRead,
    CaseCreate,
    CaseEdit,
    CaseAssign,
    CaseEscalate,
    CaseClose,
    CaseLegalHold,
    EvidenceRead,
    EvidenceUpload,
    EvidenceDownload,
    EvidenceCustody,
    EvidenceDisposeApprove,
    ReportRead,
    ReportGenerate,
    DashboardRead,
    AuditRead,
    AuditExport,
    HandoverRead,
    HandoverWrite,
    WatchlistWrite,
    FieldsDefine,
    TemplatesWrite,
    AlertRulesWrite,
    WebhooksManage,
    /// One's own notifications: everyone signed in reads theirs.
    NotificationsRead,
    AdminUsers,
    AdminTokens,
    AdminSettings,
}

impl Permission {
    pub fn name(self) -> &'static str {
        use Permission::*;
        match self {
            AlertRead => "alert.read",
            AlertIngest => "alert.ingest",
            AlertTriage => "alert.triage",
            CaseRead => "case.read",
            CaseCreate => "case.create",
            CaseEdit => "case.edit",
            CaseAssign => "case.assign",
            CaseEscalate => "case.escalate",
            CaseClose => "case.close",
            CaseLegalHold => "case.legal_hold",
            EvidenceRead => "evidence.read",
            EvidenceUpload => "evidence.upload",
            EvidenceDownload => "evidence.download",
            EvidenceCustody => "evidence.custody",
            EvidenceDisposeApprove => "evidence.dispose_approve",
            ReportRead => "report.read",
            ReportGenerate => "report.generate",
            DashboardRead => "dashboard.read",
            AuditRead => "audit.read",
            AuditExport => "audit.export",
            HandoverRead => "handover.read",
            HandoverWrite => "handover.write",
            WatchlistWrite => "watchlist.write",
            FieldsDefine => "fields.define",
            TemplatesWrite => "templates.write",
            AlertRulesWrite => "alert_rules.write",
            WebhooksManage => "webhooks.manage",
            NotificationsRead => "notifications.read",
            AdminUsers => "admin.users",
            AdminTokens => "admin.tokens",
            AdminSettings => "admin.settings",
        }
    }
}

use Permission::*;

const ANALYST: &[Permission] = &[
    AlertRead,
    AlertTriage,
    CaseRead,
    CaseCreate,
    CaseEdit,
    CaseAssign,
    CaseEscalate,
    CaseClose,
    EvidenceRead,
    EvidenceUpload,
    EvidenceDownload,
    EvidenceCustody,
    ReportRead,
    HandoverRead,
    HandoverWrite,
    NotificationsRead,
];
const MANAGER_EXTRA: &[Permission] = &[
    // Managers issue the tokens that read or work cases (see `role_may_grant`).
    AdminTokens,
    CaseLegalHold,
    ReportGenerate,
    DashboardRead,
    EvidenceDisposeApprove,
    AuditRead,
    // Rule tuning: managers own the false-positive figures the rules cut.
    AlertRulesWrite,
];
const AUDITOR: &[Permission] = &[
    AlertRead,
    CaseRead,
    EvidenceRead,
    EvidenceDownload,
    ReportRead,
    DashboardRead,
    AuditRead,
    AuditExport,
    HandoverRead,
    NotificationsRead,
];
const ADMIN: &[Permission] = &[
    AdminUsers,
    AdminTokens,
    AdminSettings,
    WebhooksManage,
    NotificationsRead,
    AuditRead,
    WatchlistWrite,
    FieldsDefine,
    TemplatesWrite,
    AlertRulesWrite,
];

/// The permission table: the only place a role turns into rights.
///
/// Tier does not widen an analyst's permissions here; tier-specific rules (who may accept an
/// escalation into tier 3, say) are domain rules in the escalation capability that read the tier.
pub fn role_permits(role: Role, permission: Permission) -> bool {
    match role {
        Role::Analyst => ANALYST.contains(&permission),
        Role::Manager => ANALYST.contains(&permission) || MANAGER_EXTRA.contains(&permission),
        Role::Auditor => AUDITOR.contains(&permission),
        Role::Admin => ADMIN.contains(&permission),
    }
}

/// Scopes an API token may carry, and the permissions each grants: one per area and verb.
/// The README's scope table and the OpenAPI document are written from this list.
pub const TOKEN_SCOPES: &[(&str, &[Permission])] = &[
    ("alerts:write", &[AlertIngest]),
    ("alerts:read", &[AlertRead]),
    ("alerts:triage", &[AlertRead, AlertTriage]),
    ("cases:read", &[CaseRead]),
    ("cases:write", &[CaseRead, CaseCreate, CaseEdit, CaseClose]),
    ("cases:tiers", &[CaseRead, CaseAssign, CaseEscalate]),
    ("evidence:read", &[EvidenceRead, EvidenceDownload]),
    ("evidence:write", &[EvidenceRead, EvidenceUpload]),
    ("evidence:custody", &[EvidenceRead, EvidenceCustody]),
    // A report shows the case and its evidence records, so reading one reads them.
    ("reports:read", &[ReportRead, CaseRead, EvidenceRead]),
    ("handover:read", &[HandoverRead]),
    ("handover:write", &[HandoverRead, HandoverWrite]),
    // A threat-intelligence feed keeps watchlists up to date.
    ("watchlists:write", &[WatchlistWrite]),
    // Shaping Casefile to the SOC's process: custom field definitions.
    ("fields:write", &[FieldsDefine]),
    ("templates:write", &[TemplatesWrite]),
    ("rules:write", &[AlertRulesWrite]),
    // A SOAR registers the webhooks it listens on, and reads its own inbox.
    ("webhooks:write", &[WebhooksManage]),
    ("notifications:read", &[NotificationsRead]),
    ("audit:read", &[AuditRead, AuditExport]),
];

/// Whether someone of `role` may put `scope` on a token: only if the role itself holds every
/// permission the scope grants, so a token never reaches further than the person who made
/// it. Posting alerts (`alert.ingest`) reads nothing and is anyone's to grant who may make
/// tokens at all: administrators set up the forwarders, managers the integrations that work
/// cases, and no one role can mint its way into the other's data (separation of duties).
pub fn role_may_grant(role: Role, scope: &str) -> bool {
    TOKEN_SCOPES
        .iter()
        .find(|(name, _)| *name == scope)
        .is_some_and(|(_, perms)| {
            perms
                .iter()
                .all(|p| *p == AlertIngest || role_permits(role, *p))
        })
}

/// Checks a scope name against [`TOKEN_SCOPES`].
pub fn parse_scope(s: &str) -> Result<&'static str, String> {
    TOKEN_SCOPES
        .iter()
        .map(|(name, _)| *name)
        .find(|name| *name == s.trim())
        .ok_or_else(|| {
            let known: Vec<&str> = TOKEN_SCOPES.iter().map(|(n, _)| *n).collect();
            format!(
                "Unknown scope \u{201c}{}\u{201d}; known scopes: {}.",
                s.trim(),
                known.join(", ")
            )
        })
}

pub fn scope_permits(scope: &str, permission: Permission) -> bool {
    TOKEN_SCOPES
        .iter()
        .any(|(name, perms)| *name == scope && perms.contains(&permission))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auditors_can_read_and_export_but_never_write() {
        assert!(role_permits(Role::Auditor, CaseRead));
        assert!(role_permits(Role::Auditor, AuditExport));
        for write in [
            AlertTriage,
            CaseCreate,
            CaseEdit,
            CaseEscalate,
            EvidenceUpload,
            AdminUsers,
        ] {
            assert!(!role_permits(Role::Auditor, write), "{}", write.name());
        }
    }

    #[test]
    fn admins_manage_accounts_but_do_not_work_cases() {
        assert!(role_permits(Role::Admin, AdminUsers));
        assert!(!role_permits(Role::Admin, CaseEdit));
    }

    #[test]
    fn analysts_need_a_tier_and_others_must_not_have_one() {
        assert!(check_role_tier(Role::Analyst, None).is_err());
        assert!(check_role_tier(Role::Analyst, Some(Tier::TWO)).is_ok());
        assert!(check_role_tier(Role::Manager, Some(Tier::ONE)).is_err());
        assert!(check_role_tier(Role::Auditor, None).is_ok());
    }

    #[test]
    fn unknown_roles_and_scopes_are_named_in_the_error() {
        assert!(Role::parse("root").unwrap_err().contains("root"));
        assert!(
            parse_scope("alerts:delete")
                .unwrap_err()
                .contains("alerts:write")
        );
        assert_eq!(Tier::new(4).unwrap_err(), "Tier must be 1, 2 or 3, not 4.");
    }

    #[test]
    fn a_token_reaches_no_further_than_its_maker() {
        assert!(role_may_grant(Role::Admin, "alerts:write"));
        for scope in [
            "cases:read",
            "cases:write",
            "evidence:read",
            "audit:read",
            "alerts:read",
        ] {
            assert!(!role_may_grant(Role::Admin, scope), "{scope}");
        }
        assert!(role_may_grant(Role::Manager, "cases:write"));
        assert!(role_may_grant(Role::Manager, "alerts:write"));
        assert!(
            !role_may_grant(Role::Manager, "audit:read"),
            "managers read the log but do not export it"
        );
    }

    #[test]
    fn a_token_scope_grants_only_its_permissions() {
        assert!(scope_permits("alerts:write", AlertIngest));
        assert!(!scope_permits("alerts:write", AlertRead));
    }
}
