//! Outbound notifications: webhooks (TheHive-shaped JSON messages signed with HMAC-SHA256) and
//! e-mail (SMTP), both sent from a durable outbox written in the transaction of the change, so a
//! restart loses nothing, retried with backoff, with every attempt kept in a delivery log.

pub mod api;
#[cfg(feature = "ssr")]
pub mod delivery;
#[cfg(feature = "ssr")]
pub mod destination;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

/// A configured webhook (the secret is shown once, when it is created).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    pub webhook_id: i64,
    pub name: String,
    pub url: String,
    /// Audit action patterns it receives (`case.escalated`, `case.*`); empty means all.
    pub events: Vec<String>,
    pub enabled: bool,
    pub created_by: String,
    pub created_at: i64,
}

/// A new webhook and its signing secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedWebhook {
    pub webhook: Webhook,
    pub secret: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "pending" => Ok(Self::Pending),
            "delivered" => Ok(Self::Delivered),
            "failed" => Ok(Self::Failed),
            _ => Err(format!("Unknown delivery state \u{201c}{s}\u{201d}.")),
        }
    }
}

/// One message in the outbox, with its attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub delivery_id: i64,
    /// The webhook's name or the e-mail address.
    pub target: String,
    /// `operation objectType` for webhooks, the subject for e-mail.
    pub summary: String,
    pub state: DeliveryState,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
    pub created_at: i64,
    pub log: Vec<Attempt>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub attempted_at: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// A page of the delivery log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryPage {
    pub deliveries: Vec<Delivery>,
    pub next: Option<i64>,
}

/// Attempts before a message is marked failed (about a day and a half with the backoff below).
pub const MAX_ATTEMPTS: i64 = 12;

/// Wait before attempt `attempts + 1`: 30 s doubling per attempt, at most 6 h.
pub fn backoff_ms(attempts: i64) -> i64 {
    let exp = attempts.clamp(0, 20) as u32;
    (30_000i64.saturating_mul(1 << exp)).min(6 * 3_600_000)
}

/// Whether an audit action matches a webhook's patterns: exact, `prefix.*`, or all when empty.
pub fn matches(patterns: &[String], action: &str) -> bool {
    patterns.is_empty()
        || patterns.iter().any(|p| match p.strip_suffix(".*") {
            Some(prefix) => action
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('.')),
            None => p == action || p == "*",
        })
}

/// Checks a webhook's patterns: `resource.verb`, `resource.*` or `*`.
pub fn check_patterns(patterns: &[String]) -> Result<(), String> {
    for p in patterns {
        let ok = p == "*"
            || p.split('.').count() == 2
                && p.split('.').all(|part| {
                    !part.is_empty()
                        && (part == "*" || part.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                })
                && !p.starts_with('*');
        if !ok {
            return Err(format!(
                "\u{201c}{p}\u{201d} is not an event pattern; use e.g. case.escalated, case.* or *."
            ));
        }
    }
    Ok(())
}

/// TheHive's operation for an audit action: `…opened`, `…created`, `…ingested` create,
/// `…deleted` delete, everything else updates.
pub fn thehive_operation(action: &str) -> &'static str {
    let verb = action.rsplit('.').next().unwrap_or_default();
    match verb {
        "opened" | "created" | "ingested" | "uploaded" | "added" => "Creation",
        "deleted" | "disposed" => "Delete",
        _ => "Update",
    }
}

/// TheHive's objectType for a Casefile object type.
pub fn thehive_object_type(object_type: &str) -> &str {
    match object_type {
        "task" => "case_task",
        "observable" => "case_artifact",
        "evidence" => "case_artifact",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_exactly_by_prefix_or_all() {
        let p = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(matches(&[], "case.opened"));
        assert!(matches(&p(&["case.*"]), "case.escalated"));
        assert!(!matches(&p(&["case.*"]), "cases.opened"));
        assert!(matches(
            &p(&["alert.ingested", "case.closed"]),
            "case.closed"
        ));
        assert!(!matches(&p(&["case.closed"]), "case.opened"));
        assert!(check_patterns(&p(&["case.*", "alert.assigned", "*"])).is_ok());
        assert!(check_patterns(&p(&["case"])).is_err());
        assert!(check_patterns(&p(&["*.opened"])).is_err());
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff_ms(0), 30_000);
        assert_eq!(backoff_ms(1), 60_000);
        assert_eq!(backoff_ms(11), 6 * 3_600_000);
        assert_eq!(thehive_operation("case.opened"), "Creation");
        assert_eq!(thehive_operation("case.escalated"), "Update");
    }
}
