//! Rendering incident reports for download: HTML (printable), Markdown and PDF from askama
//! templates, JSON from the report itself.

pub mod pdf;

use app::{cases::pages::TLP_NAMES, components::iso_utc, reports::IncidentReport};
use askama::Template;

#[derive(Template)]
#[template(path = "report.html")]
pub struct ReportHtml<'a> {
    pub r: &'a IncidentReport,
}

#[derive(Template)]
#[template(path = "report.md", escape = "none")]
pub struct ReportMarkdown<'a> {
    pub r: &'a IncidentReport,
}

/// Helpers the report templates call.
trait Formatting {
    fn when<T: std::borrow::Borrow<i64>>(&self, ms: T) -> String {
        iso_utc(*ms.borrow()).replace('T', " ").replace('Z', " UTC")
    }

    fn or_dash<'b>(&self, text: Option<&'b str>) -> &'b str {
        match text {
            Some(t) if !t.trim().is_empty() => t,
            _ => "—",
        }
    }

    fn tlp<T: std::borrow::Borrow<i64>>(&self, n: T) -> &'static str {
        usize::try_from(*n.borrow())
            .ok()
            .and_then(|i| TLP_NAMES.get(i))
            .copied()
            .unwrap_or("TLP:?")
    }

    /// Multi-line text on one Markdown list line.
    fn one_line(&self, text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

impl Formatting for ReportHtml<'_> {}
impl Formatting for ReportMarkdown<'_> {}

/// The report in each format: (bytes, content type, file extension).
pub fn render(r: &IncidentReport, format: Format) -> Result<Vec<u8>, String> {
    match format {
        Format::Html => ReportHtml { r }
            .render()
            .map(String::into_bytes)
            .map_err(|e| e.to_string()),
        Format::Markdown => ReportMarkdown { r }
            .render()
            .map(String::into_bytes)
            .map_err(|e| e.to_string()),
        Format::Json => serde_json::to_vec_pretty(r).map_err(|e| e.to_string()),
        Format::Pdf => {
            let md = ReportMarkdown { r }.render().map_err(|e| e.to_string())?;
            Ok(pdf::from_markdown(
                &format!("Incident report {}", r.case.number),
                &md,
            ))
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Markdown,
    Json,
    Pdf,
}

impl Format {
    pub fn parse(ext: &str) -> Option<Self> {
        match ext {
            "html" => Some(Self::Html),
            "md" => Some(Self::Markdown),
            "json" => Some(Self::Json),
            "pdf" => Some(Self::Pdf),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Html => "html",
            Self::Markdown => "md",
            Self::Json => "json",
            Self::Pdf => "pdf",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Html => "text/html; charset=utf-8",
            Self::Markdown => "text/markdown; charset=utf-8",
            Self::Json => "application/json",
            Self::Pdf => "application/pdf",
        }
    }
}
