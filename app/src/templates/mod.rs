//! Case templates: a case's defaults for one kind of incident, kept by administrators and
//! shared between teams as JSON. This file holds the types, what a valid template is, and
//! how a template's description is filled from the alert a case comes from. No I/O.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

use crate::{
    fields::ValueMap,
    severity::Severity,
    validate::{check_level, check_tags, optional, required},
};

/// A template as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub template_id: i64,
    pub name: String,
    pub description: String,
    /// Put before the case's title (`[Phishing] `).
    pub title_prefix: String,
    /// The case description, Markdown, with `{{alert.…}}` placeholders.
    pub body: String,
    pub severity: Option<Severity>,
    pub tlp: Option<i64>,
    pub pap: Option<i64>,
    /// The tier the case opens in.
    pub tier: Option<i64>,
    pub tags: Vec<String>,
    /// Names of the playbooks whose tasks the case opens with.
    pub playbooks: Vec<String>,
    pub custom_fields: ValueMap,
    pub version: i64,
    pub updated_at: i64,
}

impl Template {
    /// The template as its JSON export writes it.
    pub fn to_input(&self) -> TemplateInput {
        TemplateInput {
            name: self.name.clone(),
            description: self.description.clone(),
            title_prefix: self.title_prefix.clone(),
            body: self.body.clone(),
            severity: self.severity.map(|s| s.as_str().to_owned()),
            tlp: self.tlp,
            pap: self.pap,
            tier: self.tier,
            tags: self.tags.clone(),
            playbooks: self.playbooks.clone(),
            custom_fields: self.custom_fields.clone(),
        }
    }
}

/// A template as sent (the admin form, the API, an imported JSON file).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({"name": "Insider threat", "description": "Data taken by an employee", "title_prefix": "[Insider] ", "body": "Reported by {{alert.source}}: {{alert.title}}", "severity": "high", "tlp": 3, "pap": 2, "tier": 2, "tags": ["insider"], "playbooks": ["Data exfiltration"], "custom_fields": {"business_unit": "HR"}})))]
#[serde(deny_unknown_fields)]
pub struct TemplateInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub title_prefix: String,
    /// Markdown; `{{alert.title}}`, `{{alert.description}}`, `{{alert.source}}`,
    /// `{{alert.rule}}`, `{{alert.source_ref}}`, `{{alert.severity}}`,
    /// `{{alert.observables}}` are filled from the alert a case comes from.
    #[serde(default)]
    pub body: String,
    /// info, low, medium, high or critical.
    #[serde(default)]
    pub severity: Option<String>,
    #[serde(default)]
    pub tlp: Option<i64>,
    #[serde(default)]
    pub pap: Option<i64>,
    #[serde(default)]
    pub tier: Option<i64>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub playbooks: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub custom_fields: ValueMap,
}

/// A checked template (custom field values and playbook names are checked against what
/// exists by the service).
#[derive(Debug, Clone, PartialEq)]
pub struct NewTemplate {
    pub name: String,
    pub description: String,
    pub title_prefix: String,
    pub body: String,
    pub severity: Option<Severity>,
    pub tlp: Option<i64>,
    pub pap: Option<i64>,
    pub tier: Option<i64>,
    pub tags: Vec<String>,
    pub playbooks: Vec<String>,
    pub custom_fields: ValueMap,
}

impl TemplateInput {
    pub fn check(&self) -> Result<NewTemplate, String> {
        let blank = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let tier = match self.tier {
            None => None,
            Some(t @ 1..=3) => Some(t),
            Some(t) => return Err(format!("`tier` is 1, 2 or 3, not {t}.")),
        };
        let mut playbooks: Vec<String> = Vec::new();
        for p in &self.playbooks {
            let p = required("playbooks[]", p, 200)?;
            if !playbooks.contains(&p) {
                playbooks.push(p);
            }
        }
        // The prefix keeps its trailing space: "[Phishing] " + title.
        let prefix = self.title_prefix.trim_start();
        Ok(NewTemplate {
            name: required("name", &self.name, 100)?,
            description: optional("description", &self.description, 2000)?,
            title_prefix: optional("title_prefix", prefix, 100).map(|_| prefix.to_owned())?,
            body: optional("body", &self.body, 100_000)?,
            severity: blank(&self.severity)
                .map(|s| Severity::parse(&s))
                .transpose()?,
            tlp: self.tlp.map(|n| check_level("tlp", n)).transpose()?,
            pap: self.pap.map(|n| check_level("pap", n)).transpose()?,
            tier,
            tags: check_tags(&self.tags)?,
            playbooks,
            custom_fields: self.custom_fields.clone(),
        })
    }
}

/// What a template's placeholders are filled from: the alert a case is opened from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertContext {
    pub title: String,
    pub description: String,
    pub source: String,
    pub rule: String,
    pub source_ref: String,
    pub severity: String,
    /// `type:value`, one per observable.
    pub observables: Vec<String>,
}

/// The body with its placeholders filled from `alert`; without an alert they are left out.
/// Unknown placeholders stay as written, so a typo shows instead of vanishing.
pub fn fill(body: &str, alert: Option<&AlertContext>) -> String {
    let empty = AlertContext::default();
    let a = alert.unwrap_or(&empty);
    let observables = a
        .observables
        .iter()
        .map(|o| format!("- `{o}`"))
        .collect::<Vec<_>>()
        .join("\n");
    [
        ("{{alert.title}}", a.title.as_str()),
        ("{{alert.description}}", a.description.as_str()),
        ("{{alert.source}}", a.source.as_str()),
        ("{{alert.rule}}", a.rule.as_str()),
        ("{{alert.source_ref}}", a.source_ref.as_str()),
        ("{{alert.severity}}", a.severity.as_str()),
        ("{{alert.observables}}", observables.as_str()),
    ]
    .into_iter()
    .fold(body.to_owned(), |text, (key, value)| {
        text.replace(key, value)
    })
}

/// Most templates one import brings.
pub const MAX_IMPORT: usize = 200;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_from_the_alert_and_left_out_without_one() {
        let a = AlertContext {
            title: "Encrypted shares".into(),
            source: "edr".into(),
            observables: vec!["hostname:ws-042".into()],
            ..Default::default()
        };
        let body = "From {{alert.source}}: {{alert.title}}\n{{alert.observables}}\n{{alert.typo}}";
        assert_eq!(
            fill(body, Some(&a)),
            "From edr: Encrypted shares\n- `hostname:ws-042`\n{{alert.typo}}"
        );
        assert_eq!(fill(body, None), "From : \n\n{{alert.typo}}");
    }

    #[test]
    fn templates_are_checked() {
        let mut t = TemplateInput {
            name: "Ransomware".into(),
            title_prefix: "[RW] ".into(),
            severity: Some("critical".into()),
            tier: Some(3),
            ..Default::default()
        };
        let ok = t.check().unwrap();
        assert_eq!(ok.title_prefix, "[RW] ");
        assert_eq!(ok.severity, Some(Severity::Critical));
        t.tier = Some(4);
        assert!(t.check().unwrap_err().contains("tier"));
        t.tier = None;
        t.severity = Some("apocalyptic".into());
        assert!(t.check().is_err());
    }
}
