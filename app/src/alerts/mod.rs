//! Alerts from SIEM, EDR, IDS and firewall tools, and the tier 1 triage queue. This file holds
//! the shared types and the pure rules: what a valid incoming alert is, severities, verdicts.

pub mod api;
#[cfg(feature = "ssr")]
pub mod escalation;
#[cfg(feature = "ssr")]
pub mod intake;
pub mod pages;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

use crate::validate::{check_tags, optional, required};
pub use crate::{
    observables::{Observable, ObservableInput, check_observables},
    severity::Severity,
};

/// An alert's raw payload as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RawPayload {
    Kept(String),
    /// Deleted under the retention period at this time (epoch ms).
    Purged(i64),
    NotSent,
}

/// Where an alert stands in triage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    New,
    InProgress,
    Closed,
}

impl AlertStatus {
    pub const ALL: [AlertStatus; 3] = [Self::New, Self::InProgress, Self::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::InProgress => "in_progress",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "Unknown alert status \u{201c}{}\u{201d}: use new, in_progress or closed.",
                    s.trim()
                )
            })
    }
}

/// A triage decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    TruePositive,
    FalsePositive,
    Benign,
    Duplicate,
}

impl Verdict {
    pub const ALL: [Verdict; 4] = [
        Self::TruePositive,
        Self::FalsePositive,
        Self::Benign,
        Self::Duplicate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::TruePositive => "true_positive",
            Self::FalsePositive => "false_positive",
            Self::Benign => "benign",
            Self::Duplicate => "duplicate",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::TruePositive => "True positive",
            Self::FalsePositive => "False positive",
            Self::Benign => "Benign",
            Self::Duplicate => "Duplicate",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|v| v.as_str() == s.trim()).ok_or_else(|| {
            format!(
                "Unknown verdict \u{201c}{}\u{201d}: use true_positive, false_positive, benign or duplicate.",
                s.trim()
            )
        })
    }
}

/// An alert as posted to `POST /api/alerts` (before validation).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({"source": "splunk", "source_ref": "notable-8f21", "rule": "O365 impossible travel", "title": "Impossible travel for j.doe", "description": "Sign-ins from Lisbon and Singapore 20 minutes apart.", "severity": "high", "occurred_at": "2026-12-07T08:13:55Z", "tags": ["identity"], "observables": [{"type": "ip", "value": "203.0.113.7"}, {"type": "user", "value": "j.doe"}], "raw": {"search_name": "Impossible travel"}, "custom_fields": {"business_unit": "Finance"}})))]
#[serde(deny_unknown_fields)]
pub struct AlertInput {
    /// The sending tool, e.g. `wazuh`.
    pub source: String,
    /// The alert's id in that tool; with `source`, it makes retries safe.
    pub source_ref: String,
    /// Detection rule name or id.
    #[serde(default)]
    pub rule: Option<String>,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// info, low, medium, high or critical.
    pub severity: String,
    /// RFC 3339; defaults to the time of arrival.
    #[serde(default)]
    pub occurred_at: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub observables: Vec<ObservableInput>,
    /// Anything: kept as sent, shown on demand, never in lists.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub raw: Option<serde_json::Value>,
    /// Custom field values by field name (`{"business_unit": "Finance"}`); a name that is not
    /// a field on alerts, or a value of the wrong type, refuses this alert with the reason.
    #[serde(default, alias = "customFields")]
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub custom_fields: crate::fields::ValueMap,
}

/// A checked alert, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    /// TheHive's alert `type`; `external` for native intake. Part of the duplicate key.
    pub alert_type: String,
    pub source: String,
    pub source_ref: String,
    pub rule: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub tlp: i64,
    pub pap: i64,
    pub occurred_at: Option<i64>,
    pub tags: Vec<String>,
    pub observables: Vec<Observable>,
    /// The raw payload, serialized.
    pub raw: Option<String>,
    /// Custom field values by name, checked against the definitions at intake.
    pub custom_fields: crate::fields::ValueMap,
}

/// Byte limits of the duplicate key. One b-tree entry holds `alert_type`, `source` and
/// `source_ref` together, and PostgreSQL's hold at most 2,704 bytes an entry: measured in
/// bytes, since a character may take four.
const MAX_TYPE_BYTES: usize = 128;
const MAX_SOURCE_BYTES: usize = 512;
const MAX_SOURCE_REF_BYTES: usize = 1536;

impl NewAlert {
    /// The last check before storing, whatever the transport: refuses what one of the two
    /// databases cannot hold (a key too long for its index, a NUL, which PostgreSQL text
    /// cannot hold), so such an alert is rejected with a reason instead of failing its commit.
    pub fn storable(self) -> Result<Self, String> {
        for (field, value, max) in [
            ("type", &self.alert_type, MAX_TYPE_BYTES),
            ("source", &self.source, MAX_SOURCE_BYTES),
            ("source_ref", &self.source_ref, MAX_SOURCE_REF_BYTES),
        ] {
            if value.len() > max {
                return Err(format!(
                    "`{field}` is {} bytes long; at most {max} bytes are kept.",
                    value.len()
                ));
            }
        }
        let texts = [&self.alert_type, &self.source, &self.source_ref, &self.rule]
            .into_iter()
            .chain([&self.title, &self.description])
            .chain(&self.tags)
            .chain(self.observables.iter().map(|o| &o.value))
            .chain(self.observables.iter().flat_map(|o| &o.tags))
            .chain(&self.raw);
        for t in texts {
            if t.contains('\0') {
                return Err("The alert contains a NUL character, which cannot be stored.".into());
            }
        }
        Ok(self)
    }
}

/// Parses an RFC 3339 time into epoch milliseconds.
pub fn parse_rfc3339(field: &str, s: &str) -> Result<i64, String> {
    let t = time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .map_err(|_| {
        format!("`{field}` must be an RFC 3339 time such as 2026-11-21T09:30:00Z.")
    })?;
    Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

impl AlertInput {
    /// Validates a native intake alert.
    pub fn check(self) -> Result<NewAlert, String> {
        Ok(NewAlert {
            alert_type: "external".into(),
            source: required("source", &self.source, 200)?,
            source_ref: required("source_ref", &self.source_ref, 500)?,
            rule: optional("rule", self.rule.as_deref().unwrap_or_default(), 300)?,
            title: required("title", &self.title, 500)?,
            description: optional(
                "description",
                self.description.as_deref().unwrap_or_default(),
                100_000,
            )?,
            severity: Severity::parse(&self.severity)?,
            tlp: 2,
            pap: 2,
            occurred_at: self
                .occurred_at
                .as_deref()
                .map(|s| parse_rfc3339("occurred_at", s))
                .transpose()?,
            tags: check_tags(&self.tags)?,
            observables: check_observables(&self.observables)?,
            raw: self.raw.map(|r| r.to_string()),
            custom_fields: self.custom_fields,
        })
    }
}

/// What happened to one posted alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({"status": "created", "id": 4182})))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum IngestOutcome {
    /// Stored as a new alert.
    Created { id: i64 },
    /// Seen before (same source and source_ref): its count and last-seen time went up.
    Repeated { id: i64, occurrences: i64 },
    /// Not stored; `error` says why.
    Rejected { error: String },
}

/// A row of the triage queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertSummary {
    pub alert_id: i64,
    pub source: String,
    pub rule: String,
    pub title: String,
    pub severity: Severity,
    pub status: AlertStatus,
    pub verdict: Option<Verdict>,
    pub assignee: Option<String>,
    pub occurrence_count: i64,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
    /// The first few observables, `type:value`.
    pub observables_preview: Vec<String>,
    /// Alerts folded into this row by grouping, itself included.
    pub group_size: i64,
}

/// An alert folded into a group, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMember {
    pub alert_id: i64,
    pub title: String,
    pub reason: String,
    pub first_seen_at: i64,
}

/// Queue filters; all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueFilter {
    pub status: Option<String>,
    pub severity: Option<String>,
    pub source: Option<String>,
    pub rule: Option<String>,
    /// `me`, a username, or `none` for unassigned.
    pub assignee: Option<String>,
    pub text: Option<String>,
    /// A custom field on alerts and its value or range, as for cases.
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub field_value: Option<String>,
    #[serde(default)]
    pub field_from: Option<String>,
    #[serde(default)]
    pub field_to: Option<String>,
    /// A custom field to sort by (its name; `-name` descending): alerts with a value first.
    #[serde(default)]
    pub sort: Option<String>,
}

impl QueueFilter {
    /// The filter the queue page's URL asks for (`status` is `new` unless given; `any` for
    /// all), read the same way by the page and by its CSV export.
    pub fn from_page_query(param: impl Fn(&str) -> Option<String>) -> Self {
        let param = |k: &str| param(k).filter(|v| !v.trim().is_empty());
        Self {
            status: Some(param("status").unwrap_or_else(|| "new".into())).filter(|s| s != "any"),
            severity: param("severity"),
            source: param("source"),
            rule: param("rule"),
            assignee: param("assignee"),
            text: param("q"),
            field: param("field"),
            field_value: param("value"),
            field_from: param("from"),
            field_to: param("to"),
            sort: param("sort"),
        }
    }

    pub fn field_filter(&self) -> Option<crate::fields::FieldFilter> {
        crate::fields::FieldFilter::from_params(
            &self.field,
            &self.field_value,
            &self.field_from,
            &self.field_to,
        )
    }
}

/// One page of the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePage {
    pub alerts: Vec<AlertSummary>,
    /// The cursor for the following page.
    pub next: Option<String>,
}

/// How one detection rule's alerts were judged over a period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleFeedback {
    pub rule: String,
    pub true_positive: i64,
    pub false_positive: i64,
    pub benign: i64,
    pub duplicate: i64,
}

impl RuleFeedback {
    pub fn total(&self) -> i64 {
        self.true_positive + self.false_positive + self.benign + self.duplicate
    }

    /// False positives over all verdicts, 0–1; `None` with no verdicts.
    pub fn false_positive_rate(&self) -> Option<f64> {
        let total = self.total();
        (total > 0).then(|| self.false_positive as f64 / total as f64)
    }
}

/// Folds (rule, verdict, count) rows into one line per rule, noisiest (most false positives)
/// first, then by name.
pub fn fold_rule_feedback(rows: &[(String, String, i64)]) -> Vec<RuleFeedback> {
    let mut out: Vec<RuleFeedback> = Vec::new();
    for (rule, verdict, n) in rows {
        let i = match out.iter().position(|r| &r.rule == rule) {
            Some(i) => i,
            None => {
                out.push(RuleFeedback {
                    rule: rule.clone(),
                    ..Default::default()
                });
                out.len() - 1
            }
        };
        let r = &mut out[i];
        match Verdict::parse(verdict) {
            Ok(Verdict::TruePositive) => r.true_positive += n,
            Ok(Verdict::FalsePositive) => r.false_positive += n,
            Ok(Verdict::Benign) => r.benign += n,
            Ok(Verdict::Duplicate) => r.duplicate += n,
            Err(_) => {}
        }
    }
    out.sort_by(|a, b| {
        b.false_positive
            .cmp(&a.false_positive)
            .then_with(|| a.rule.cmp(&b.rule))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_too_long_for_an_index_is_refused_in_bytes() {
        let mut a = input();
        a.source_ref = "\u{1F600}".repeat(400); // 400 characters, 1,600 bytes
        let err = a.check().and_then(NewAlert::storable).unwrap_err();
        assert!(err.contains("`source_ref` is 1600 bytes"), "{err}");
        assert!(input().check().and_then(NewAlert::storable).is_ok());
    }

    #[test]
    fn a_nul_anywhere_is_refused_before_storing() {
        let mut a = input().check().unwrap();
        a.raw = Some("{\"x\":\"a\0b\"}".into());
        assert!(a.storable().unwrap_err().contains("NUL"));
    }

    fn input() -> AlertInput {
        serde_json::from_value(serde_json::json!({
            "source": "wazuh", "source_ref": "r-1", "rule": "5710", "title": "SSH brute force",
            "severity": "high", "occurred_at": "2026-11-21T09:30:00Z",
            "observables": [{"type": "ip", "value": "203.0.113[.]7"}, {"type": "ip", "value": "203.0.113.7"}],
            "raw": {"any": ["thing"]}
        }))
        .unwrap()
    }

    #[test]
    fn a_good_alert_is_normalized() {
        let a = input().check().unwrap();
        assert_eq!(a.severity, Severity::High);
        assert_eq!(a.occurred_at, Some(1_795_253_400_000));
        assert_eq!(
            a.observables.len(),
            1,
            "duplicates after refanging are folded"
        );
        assert_eq!(a.observables[0].value, "203.0.113.7");
        assert_eq!(a.raw.as_deref(), Some(r#"{"any":["thing"]}"#));
    }

    #[test]
    fn each_bad_field_is_named() {
        let mut a = input();
        a.title = "  ".into();
        assert_eq!(a.check().unwrap_err(), "`title` is required.");
        let mut a = input();
        a.severity = "urgent".into();
        assert!(a.check().unwrap_err().contains("Unknown severity"));
        let mut a = input();
        a.occurred_at = Some("yesterday".into());
        assert!(a.check().unwrap_err().contains("RFC 3339"));
        let mut a = input();
        a.observables[1].value = "not-an-ip".into();
        assert!(a.check().unwrap_err().starts_with("observables[1]:"));
    }

    #[test]
    fn rule_feedback_folds_verdicts_and_ranks_noisy_rules_first() {
        let rows = vec![
            ("quiet".to_owned(), "true_positive".to_owned(), 4),
            ("noisy".to_owned(), "false_positive".to_owned(), 9),
            ("noisy".to_owned(), "true_positive".to_owned(), 1),
        ];
        let f = fold_rule_feedback(&rows);
        assert_eq!(f[0].rule, "noisy");
        assert_eq!(f[0].total(), 10);
        assert_eq!(f[0].false_positive_rate(), Some(0.9));
        assert_eq!(f[1].false_positive_rate(), Some(0.0));
        assert_eq!(RuleFeedback::default().false_positive_rate(), None);
    }
}

/// One alert with everything but its raw payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub alert_id: i64,
    pub alert_type: String,
    pub source: String,
    pub source_ref: String,
    pub rule: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub tlp: i64,
    pub pap: i64,
    pub tags: Vec<String>,
    pub status: AlertStatus,
    pub verdict: Option<Verdict>,
    pub verdict_reason: Option<String>,
    pub assignee: Option<String>,
    /// The case it was escalated or merged into.
    pub case_id: Option<i64>,
    pub occurred_at: i64,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
    pub occurrence_count: i64,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An observable as it arrived with an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertObservable {
    pub alert_observable_id: i64,
    pub alert_id: i64,
    pub data_type: String,
    pub value: String,
    pub tags: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What an edit of an alert may change (TheHive's PATCH); `None` leaves a field alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub severity: Option<Severity>,
    pub tlp: Option<i64>,
    pub pap: Option<i64>,
    pub tags: Option<Vec<String>>,
    pub add_tags: Vec<String>,
    pub remove_tags: Vec<String>,
}
