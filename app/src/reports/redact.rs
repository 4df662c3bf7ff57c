//! The TLP ceiling's redaction: a report leaving the team must not carry a withheld
//! observable's value anywhere, in any format, whatever field mentions it and however it was
//! written there (another case, defanged `203.0.113[.]7`, `hxxp://`, `[@]`).

use regex::{Regex, RegexBuilder};
use serde_json::Value;

use super::IncidentReport;
use crate::platform::{Error, Result};

/// Fields that hold one of a fixed set of names (serde enums), not text anyone wrote; a
/// withheld value inside one could only break the report, never leak through it.
const NAME_FIELDS: [&str; 8] = [
    "field_type",
    "severity",
    "status",
    "kind",
    "tlp_ceiling",
    "closure_verdict",
    "direction",
    "state",
];

/// The withheld values, each as a pattern that also matches its defanged spellings, in any
/// letter case; longest first, so a value inside a longer one does not leave the rest behind.
pub struct Redactor {
    patterns: Vec<(Regex, String)>,
}

/// A pattern for `value` that matches it as written and defanged: every `.` also as `[.]`,
/// `(.)`, `{.}` or `[dot]`, `@` as `[@]` or `[at]`, `:` as `[:]`, `/` as `[/]`, and `http`
/// or `ftp` with `xx` (`hxxp`, `fxp`) — what [`crate::observables::refang`] undoes.
fn defang_tolerant(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(c) = rest.chars().next() {
        let lower = rest.to_ascii_lowercase();
        if lower.starts_with("http") {
            out.push_str("h(?:tt|xx)p");
            rest = &rest[4..];
            continue;
        }
        if lower.starts_with("ftp") {
            out.push_str("f(?:t|x)p");
            rest = &rest[3..];
            continue;
        }
        match c {
            '.' => out.push_str(r"(?:\.|\[\.\]|\(\.\)|\{\.\}|\[dot\])"),
            '@' => out.push_str(r"(?:@|\[@\]|\[at\])"),
            ':' => out.push_str(r"(?::|\[:\])"),
            '/' => out.push_str(r"(?:/|\[/\])"),
            _ => out.push_str(&regex::escape(&c.to_string())),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

impl Redactor {
    /// `withheld`: each withheld value with its TLP label.
    pub fn new(withheld: &[(String, &'static str)]) -> Result<Self> {
        let mut sorted: Vec<&(String, &'static str)> =
            withheld.iter().filter(|(v, _)| !v.is_empty()).collect();
        sorted.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
        let patterns = sorted
            .into_iter()
            .map(|(value, label)| {
                RegexBuilder::new(&defang_tolerant(value))
                    .case_insensitive(true)
                    .size_limit(1 << 22)
                    .build()
                    .map(|re| (re, format!("[withheld: {label}]")))
                    .map_err(|e| Error::internal(format!("redaction pattern: {e}")))
            })
            .collect::<Result<_>>()?;
        Ok(Self { patterns })
    }

    /// `text` with every withheld value replaced by its marker.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (re, marker) in &self.patterns {
            if re.is_match(&out) {
                out = re.replace_all(&out, regex::NoExpand(marker)).into_owned();
            }
        }
        out
    }

    /// The report with every text field redacted: it is walked as JSON (the shape every
    /// format renders from) so no field, present or added later, is missed. Notes' HTML is
    /// rendered again from their redacted Markdown, since escaping (`&amp;`) could hide a
    /// value from the match.
    pub fn report(&self, report: IncidentReport) -> Result<IncidentReport> {
        if self.patterns.is_empty() {
            return Ok(report);
        }
        let mut tree = serde_json::to_value(report)
            .map_err(|e| Error::internal(format!("report to redact: {e}")))?;
        self.walk(&mut tree);
        let mut redacted: IncidentReport = serde_json::from_value(tree)
            .map_err(|e| Error::internal(format!("redacted report: {e}")))?;
        for e in &mut redacted.timeline {
            if !e.body.is_empty() {
                e.body_html = crate::cases::markdown::render(&e.body);
            }
        }
        Ok(redacted)
    }

    fn walk(&self, v: &mut Value) {
        match v {
            Value::String(s) => *s = self.text(s),
            Value::Array(items) => items.iter_mut().for_each(|i| self.walk(i)),
            Value::Object(fields) => {
                for (key, field) in fields.iter_mut() {
                    if !NAME_FIELDS.contains(&key.as_str()) {
                        self.walk(field);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor() -> Redactor {
        Redactor::new(&[
            ("203.0.113.66".to_owned(), "TLP:RED"),
            (
                "https://login-micros0ft.example/owa".to_owned(),
                "TLP:AMBER+STRICT",
            ),
            ("Login-Micros0ft.example".to_owned(), "TLP:RED"),
        ])
        .unwrap()
    }

    #[test]
    fn withheld_values_are_redacted_however_written() {
        let r = redactor();
        assert_eq!(
            r.text("Blocked 203.0.113.66 at the edge"),
            "Blocked [withheld: TLP:RED] at the edge"
        );
        assert_eq!(
            r.text("Seen: 203.0.113[.]66 and 203[.]0[.]113[.]66"),
            "Seen: [withheld: TLP:RED] and [withheld: TLP:RED]"
        );
        assert_eq!(
            r.text("lure at hxxps://LOGIN-micros0ft[.]example/owa today"),
            "lure at [withheld: TLP:AMBER+STRICT] today"
        );
        assert_eq!(
            r.text("mail from it@login-micros0ft(.)example"),
            "mail from it@[withheld: TLP:RED]"
        );
        assert_eq!(r.text("nothing here"), "nothing here");
    }

    #[test]
    fn markers_are_not_read_as_replacement_syntax() {
        let r = Redactor::new(&[("$1".to_owned(), "TLP:RED")]).unwrap();
        assert_eq!(r.text("cost $1"), "cost [withheld: TLP:RED]");
    }
}
