//! Playbooks: task templates per incident type (phishing, malware, compromised account, data
//! exfiltration, ransomware ship with Casefile), applied when a case is opened or later.
//! Admins edit them as text, one task per line: `group | title | containment action`.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

use crate::cases::{ContainmentAction, NewTask, TaskInput};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaybookTask {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub group: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

impl PlaybookTask {
    pub fn check(&self) -> Result<NewTask, String> {
        TaskInput {
            title: self.title.clone(),
            description: self.description.clone(),
            group: self.group.clone(),
            action: self.action.clone(),
            ..Default::default()
        }
        .check()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Playbook {
    pub playbook_id: i64,
    pub name: String,
    pub incident_type: String,
    pub description: String,
    pub tasks: Vec<PlaybookTask>,
    pub version: i64,
    pub updated_by: String,
    pub updated_at: i64,
}

/// Most tasks in one playbook.
pub const MAX_TASKS: usize = 100;

/// The tasks as admins edit them: one per line, `group | title | action` (action optional).
pub fn tasks_to_text(tasks: &[PlaybookTask]) -> String {
    tasks
        .iter()
        .map(|t| match &t.action {
            Some(a) => format!("{} | {} | {}", t.group, t.title, a),
            None => format!("{} | {}", t.group, t.title),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads the admin's text back; a bad line is refused with its number.
pub fn tasks_from_text(text: &str) -> Result<Vec<PlaybookTask>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let (group, title, action) = match parts[..] {
            [title] => ("default", title, None),
            [group, title] => (group, title, None),
            [group, title, action] => (group, title, Some(action).filter(|a| !a.is_empty())),
            _ => {
                return Err(format!(
                    "Line {}: write `group | title` or `group | title | action`.",
                    i + 1
                ));
            }
        };
        if let Some(a) = action {
            ContainmentAction::parse(a).map_err(|e| format!("Line {}: {e}", i + 1))?;
        }
        let task = PlaybookTask {
            title: title.to_owned(),
            description: String::new(),
            group: group.to_owned(),
            action: action.map(str::to_owned),
        };
        task.check().map_err(|e| format!("Line {}: {e}", i + 1))?;
        out.push(task);
    }
    if out.is_empty() {
        return Err("A playbook needs at least one task.".into());
    }
    if out.len() > MAX_TASKS {
        return Err(format!("At most {MAX_TASKS} tasks in a playbook."));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_text_round_trips_and_bad_lines_are_named() {
        let text = "triage | Read the e-mail\ncontainment | Block the sender | block_sender";
        let tasks = tasks_from_text(text).unwrap();
        assert_eq!(tasks[1].action.as_deref(), Some("block_sender"));
        assert_eq!(tasks_to_text(&tasks), text);
        let err = tasks_from_text("ok | fine\ncontainment | Nuke | nuke_site").unwrap_err();
        assert!(err.starts_with("Line 2:"), "{err}");
        assert!(tasks_from_text("  \n").is_err());
    }
}
