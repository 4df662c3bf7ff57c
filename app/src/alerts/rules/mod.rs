//! Alert rules: noise control run on every arriving alert, in order. This file holds the
//! types, what a valid rule is, and the matching itself, one function for intake and for a
//! dry run over past alerts so the two can never disagree. No I/O.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

use super::{Severity, Verdict};
use crate::{
    fields::ValueMap,
    observables::{ObservableType, normalize},
    validate::{check_tags, optional, required},
};

/// What an alert must be for a rule to match it; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// The sending tool, exactly (letter case aside).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The detection rule, exactly (letter case aside).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detection_rule: Option<String>,
    /// At least this severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_severity: Option<String>,
    /// At most this severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_severity: Option<String>,
    /// Every one of these tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Words the title contains (letter case aside).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_contains: Option<String>,
    /// An observable of this type (`ip`, `domain`, …) and, if given, this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observable_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observable_value: Option<String>,
    /// Custom field values the alert has.
    #[serde(default, skip_serializing_if = "ValueMap::is_empty")]
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub custom_fields: ValueMap,
}

/// What a matching rule does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleAction {
    /// Close the alert at once as `verdict`, saying `reason`; the rule must expire.
    Suppress { verdict: String, reason: String },
    /// Set what is given; later rules still run.
    Route {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        severity: Option<String>,
        /// An account's username.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assignee: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        add_tags: Vec<String>,
        #[serde(default, skip_serializing_if = "ValueMap::is_empty")]
        #[cfg_attr(feature = "ssr", schema(value_type = Object))]
        custom_fields: ValueMap,
    },
    /// Open a case from `template` at once.
    Escalate { template: String },
}

impl RuleAction {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Suppress { .. } => "suppress",
            Self::Route { .. } => "route",
            Self::Escalate { .. } => "escalate",
        }
    }

    /// Whether a match ends the run: a suppressed or escalated alert is done with.
    pub fn is_final(&self) -> bool {
        !matches!(self, Self::Route { .. })
    }
}

/// A rule as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub rule_id: i64,
    pub name: String,
    pub description: String,
    pub position: i64,
    pub enabled: bool,
    pub conditions: Conditions,
    pub action: RuleAction,
    pub expires_at: Option<i64>,
    pub matched_count: i64,
    pub last_matched_at: Option<i64>,
    pub version: i64,
    pub updated_at: i64,
    /// Its expiry has passed (as of the read): intake skips it.
    pub expired: bool,
}

impl Rule {
    /// Runs at `now`: enabled and not expired.
    pub fn is_live(&self, now: i64) -> bool {
        self.enabled && self.expires_at.is_none_or(|e| e > now)
    }

    pub fn to_input(&self) -> RuleInput {
        RuleInput {
            name: self.name.clone(),
            description: self.description.clone(),
            position: self.position,
            enabled: self.enabled,
            conditions: self.conditions.clone(),
            action: self.action.clone(),
            expires_at: self.expires_at,
        }
    }
}

/// A rule as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({"name": "Scanner noise", "description": "Our vulnerability scanner", "position": 1, "enabled": true, "conditions": {"observable_type": "ip", "observable_value": "203.0.113.7"}, "action": {"action": "suppress", "verdict": "false_positive", "reason": "our vulnerability scanner"}, "expires_at": 1803000000000i64})))]
pub struct RuleInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Rules run lowest first.
    #[serde(default)]
    pub position: i64,
    /// Off by default: try a rule (`dry run`) before switching it on.
    #[serde(default)]
    pub enabled: bool,
    pub conditions: Conditions,
    pub action: RuleAction,
    /// Unix milliseconds; required for a suppression, at most a year ahead.
    #[serde(default)]
    pub expires_at: Option<i64>,
}

/// Longest a suppression may be set for.
pub const MAX_SUPPRESSION_MS: i64 = 366 * 86_400_000;

/// A checked rule: conditions normalized for matching.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRule {
    pub name: String,
    pub description: String,
    pub position: i64,
    pub enabled: bool,
    pub conditions: Conditions,
    pub action: RuleAction,
    pub expires_at: Option<i64>,
}

fn some_text(field: &str, v: &Option<String>, max: usize) -> Result<Option<String>, String> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => required(field, s, max).map(Some),
    }
}

impl RuleInput {
    /// Checks the rule as of `now`. A suppression's expiry must lie ahead when `live` (a rule
    /// switched on); switched off, or tried in a dry run, it may have passed.
    pub fn check(&self, now: i64, live: bool) -> Result<NewRule, String> {
        let c = &self.conditions;
        let observable_type = some_text("observable_type", &c.observable_type, 40)?
            .map(|t| ObservableType::parse(&t).map(|t| t.as_str().to_owned()))
            .transpose()?;
        let observable_value = match (
            &observable_type,
            some_text("observable_value", &c.observable_value, 2000)?,
        ) {
            (_, None) => None,
            (Some(t), Some(v)) => Some(normalize(ObservableType::parse(t)?, &v)?),
            (None, Some(_)) => {
                return Err("`observable_value` needs its `observable_type`.".into());
            }
        };
        let severity = |field: &str, v: &Option<String>| -> Result<Option<String>, String> {
            some_text(field, v, 20)?
                .map(|s| Severity::parse(&s).map(|s| s.as_str().to_owned()))
                .transpose()
        };
        let conditions = Conditions {
            source: some_text("source", &c.source, 200)?,
            detection_rule: some_text("detection_rule", &c.detection_rule, 300)?,
            min_severity: severity("min_severity", &c.min_severity)?,
            max_severity: severity("max_severity", &c.max_severity)?,
            tags: check_tags(&c.tags)?,
            title_contains: some_text("title_contains", &c.title_contains, 200)?,
            observable_type,
            observable_value,
            custom_fields: c.custom_fields.clone(),
        };
        if conditions == Conditions::default() {
            return Err("A rule needs at least one condition; one that matches every alert would hide them all.".into());
        }
        let action = match &self.action {
            RuleAction::Suppress { verdict, reason } => {
                let verdict = Verdict::parse(verdict)?;
                if verdict == Verdict::TruePositive {
                    return Err(
                        "A suppression closes alerts as false positive, benign or duplicate."
                            .into(),
                    );
                }
                let reason = required("reason", reason, 2000)
                    .map_err(|_| "A suppression says why (`reason`).".to_owned())?;
                match self.expires_at {
                    None => return Err("A suppression needs an expiry date (`expires_at`): it must not live forever unnoticed.".into()),
                    Some(e) if live && e <= now => return Err("The suppression's expiry (`expires_at`) has already passed.".into()),
                    Some(e) if e.saturating_sub(now) > MAX_SUPPRESSION_MS => return Err("A suppression lasts at most a year (`expires_at`).".into()),
                    Some(_) => {}
                }
                RuleAction::Suppress {
                    verdict: verdict.as_str().to_owned(),
                    reason,
                }
            }
            RuleAction::Route {
                severity: s,
                assignee,
                add_tags,
                custom_fields,
            } => {
                let routed = RuleAction::Route {
                    severity: severity("severity", s)?,
                    assignee: some_text("assignee", assignee, 100)?,
                    add_tags: check_tags(add_tags)?,
                    custom_fields: custom_fields.clone(),
                };
                if matches!(&routed, RuleAction::Route { severity: None, assignee: None, add_tags, custom_fields } if add_tags.is_empty() && custom_fields.is_empty())
                {
                    return Err(
                        "A route sets something: a severity, an assignee, tags or custom fields."
                            .into(),
                    );
                }
                routed
            }
            RuleAction::Escalate { template } => RuleAction::Escalate {
                template: required("template", template, 100)?,
            },
        };
        Ok(NewRule {
            name: required("name", &self.name, 100)?,
            description: optional("description", &self.description, 2000)?,
            position: self.position.clamp(-1_000_000, 1_000_000),
            enabled: self.enabled,
            conditions,
            action,
            expires_at: self.expires_at,
        })
    }
}

/// The parts of an alert rules look at.
pub struct Candidate<'a> {
    pub source: &'a str,
    pub rule: &'a str,
    pub title: &'a str,
    pub severity: Severity,
    pub tags: &'a [String],
    /// (type, value), values normalized as stored.
    pub observables: Vec<(&'a str, &'a str)>,
    /// Custom field values by name.
    pub custom_fields: &'a ValueMap,
}

/// Whether `c` matches `a`. Custom field values compare as text, letter case aside, so
/// `"HR"` matches an enum's `HR` and `3` an integer 3.
pub fn matches(c: &Conditions, a: &Candidate<'_>) -> bool {
    let same = |want: &Option<String>, have: &str| {
        want.as_deref().is_none_or(|w| w.eq_ignore_ascii_case(have))
    };
    let level = |s: &Option<String>| s.as_deref().and_then(|s| Severity::parse(s).ok());
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.to_lowercase(),
        other => other.to_string().to_lowercase(),
    };
    same(&c.source, a.source)
        && same(&c.detection_rule, a.rule)
        && level(&c.min_severity).is_none_or(|m| a.severity >= m)
        && level(&c.max_severity).is_none_or(|m| a.severity <= m)
        && c.tags
            .iter()
            .all(|t| a.tags.iter().any(|have| have.eq_ignore_ascii_case(t)))
        && c.title_contains
            .as_deref()
            .is_none_or(|w| a.title.to_lowercase().contains(&w.to_lowercase()))
        && c.observable_type.as_deref().is_none_or(|t| {
            a.observables.iter().any(|(kind, value)| {
                *kind == t && c.observable_value.as_deref().is_none_or(|v| v == *value)
            })
        })
        && c.custom_fields.iter().all(|(name, want)| {
            a.custom_fields
                .get(name)
                .is_some_and(|have| text(have) == text(want))
        })
}

/// What a dry run found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({"scanned": 18211, "would_match": 1284, "examples": [[4182, "Nessus scan from 203.0.113.7"]], "truncated": false})))]
pub struct DryRun {
    /// Alerts of the last 7 days looked at.
    pub scanned: i64,
    /// How many the rule would have matched.
    pub would_match: i64,
    /// A few of them: (alert id, title).
    pub examples: Vec<(i64, String)>,
    /// More alerts arrived in the period than a dry run reads.
    pub truncated: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(v: serde_json::Value) -> Result<NewRule, String> {
        serde_json::from_value::<RuleInput>(v)
            .unwrap()
            .check(1_000, true)
    }

    #[test]
    fn rules_need_conditions_and_suppressions_an_expiry() {
        let base = json!({ "name": "r", "conditions": {}, "action": { "action": "escalate", "template": "Phishing" } });
        assert!(rule(base).unwrap_err().contains("at least one condition"));
        let s = json!({ "name": "r", "conditions": { "source": "wazuh" },
            "action": { "action": "suppress", "verdict": "false_positive", "reason": "scanner" } });
        assert!(rule(s.clone()).unwrap_err().contains("expiry"));
        let mut ok = s.clone();
        ok["expires_at"] = json!(2_000);
        assert!(rule(ok.clone()).is_ok());
        ok["expires_at"] = json!(500);
        assert!(rule(ok).unwrap_err().contains("passed"));
        let r = rule(json!({ "name": "r", "conditions": { "observable_type": "domain", "observable_value": "Evil[.]Example" },
            "action": { "action": "route", "severity": "high" } })).unwrap();
        assert_eq!(
            r.conditions.observable_value.as_deref(),
            Some("evil.example"),
            "normalized like stored values"
        );
    }

    #[test]
    fn every_condition_must_hold() {
        let c = Conditions {
            source: Some("Wazuh".into()),
            min_severity: Some("medium".into()),
            tags: vec!["ssh".into()],
            custom_fields: serde_json::from_value(json!({ "business_unit": "hr" })).unwrap(),
            ..Default::default()
        };
        let tags = vec!["SSH".to_owned(), "rule:5710".to_owned()];
        let fields: ValueMap = serde_json::from_value(json!({ "business_unit": "HR" })).unwrap();
        let mut a = Candidate {
            source: "wazuh",
            rule: "5710",
            title: "SSH brute force",
            severity: Severity::High,
            tags: &tags,
            observables: vec![("ip", "203.0.113.7")],
            custom_fields: &fields,
        };
        assert!(matches(&c, &a));
        a.severity = Severity::Low;
        assert!(!matches(&c, &a));
        a.severity = Severity::High;
        let none = ValueMap::new();
        a.custom_fields = &none;
        assert!(!matches(&c, &a));
    }
}
