//! A plain, text-only PDF of a report, written with pdf-writer: A4 pages in Helvetica (one of
//! the standard PDF fonts, so nothing is embedded), headings and paragraphs taken from the
//! report's Markdown, lines wrapped with textwrap.

use pdf_writer::{Content, Finish as _, Name, Pdf, Rect, Ref, Str, TextStr};

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;
const BODY_SIZE: f32 = 10.0;
/// Helvetica at 10 pt averages about 5 pt per character; 88 keeps lines inside the margins.
const BODY_CHARS: usize = 88;

struct Line {
    text: String,
    size: f32,
    bold: bool,
    /// Extra space above the line.
    gap: f32,
}

/// Headings (`#`, `##`, `###`) become larger bold lines; everything else is wrapped body text.
fn lines(markdown: &str) -> Vec<Line> {
    let mut out = Vec::new();
    for raw in markdown.lines() {
        let (text, size, bold, gap) = if let Some(h) = raw.strip_prefix("### ") {
            (h, 11.5, true, 6.0)
        } else if let Some(h) = raw.strip_prefix("## ") {
            (h, 13.5, true, 10.0)
        } else if let Some(h) = raw.strip_prefix("# ") {
            (h, 16.0, true, 0.0)
        } else {
            (raw, BODY_SIZE, false, 0.0)
        };
        if text.trim().is_empty() {
            out.push(Line {
                text: String::new(),
                size: BODY_SIZE * 0.5,
                bold: false,
                gap: 0.0,
            });
            continue;
        }
        let width = (BODY_CHARS as f32 * BODY_SIZE / size) as usize;
        let options = textwrap::Options::new(width).subsequent_indent(if text.starts_with("- ") {
            "  "
        } else {
            ""
        });
        for (i, part) in textwrap::wrap(text, options).into_iter().enumerate() {
            out.push(Line {
                text: part.into_owned(),
                size,
                bold,
                gap: if i == 0 { gap } else { 0.0 },
            });
        }
    }
    out
}

/// Text in the font's WinAnsi encoding; characters it lacks become `?`.
fn win_ansi(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        let mut buf = [0u8; 4];
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut buf));
        match unmappable {
            false => out.extend_from_slice(&bytes),
            true => out.push(b'?'),
        }
    }
    out
}

pub fn from_markdown(title: &str, markdown: &str) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let mut next_id = 6;

    let mut pages: Vec<Content> = Vec::new();
    let mut content = Content::new();
    let mut y = PAGE_H - MARGIN;
    let mut started = false;
    for line in lines(markdown) {
        let height = line.size * 1.35 + line.gap;
        if y - height < MARGIN {
            if started {
                content.end_text();
            }
            pages.push(std::mem::replace(&mut content, Content::new()));
            y = PAGE_H - MARGIN;
            started = false;
        }
        y -= height;
        if !started {
            content.begin_text();
            started = true;
        }
        let font = if line.bold { Name(b"F2") } else { Name(b"F1") };
        content.set_font(font, line.size);
        content.set_text_matrix([1.0, 0.0, 0.0, 1.0, MARGIN, y]);
        content.show(Str(&win_ansi(&line.text)));
    }
    if started {
        content.end_text();
    }
    pages.push(content);

    let page_ids: Vec<Ref> = (0..pages.len())
        .map(|_| {
            let id = Ref::new(next_id);
            next_id += 2;
            id
        })
        .collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(page_ids.len() as i32);
    for (content, page_id) in pages.into_iter().zip(&page_ids) {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(tree);
        page.contents(content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        fonts.pair(Name(b"F1"), regular);
        fonts.pair(Name(b"F2"), bold);
        fonts.finish();
        resources.finish();
        page.finish();
        pdf.stream(content_id, &content.finish());
    }
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("Casefile"));
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_reports_span_pages_and_text_is_win_ansi() {
        let md = format!("# Title\n\n{}", "- a line of the timeline\n".repeat(200));
        let bytes = from_markdown("t", &md);
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.matches("/Type /Page\n").count() + text.matches("/Type /Page ").count() >= 1);
        assert_eq!(win_ansi("café – ok ✓"), b"caf\xe9 \x96 ok ?");
    }
}
