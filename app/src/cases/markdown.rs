//! Notes are Markdown, rendered on the server and sanitized before any browser sees them:
//! pulldown-cmark renders, ammonia keeps only safe HTML (no scripts, no event handlers, no
//! `javascript:` links, no images).

use pulldown_cmark::{Options, Parser, html};

/// Markdown to safe HTML.
pub fn render(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    // No images: a note must not make every reader's browser fetch an outside URL (a tracking
    // beacon, or a leak of who is looking at the case).
    ammonia::Builder::default()
        .rm_tags(&["img"])
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn markdown_renders() {
        let html = render("Beacon every **60 s** to `evil.example`\n\n- one\n- two");
        assert!(html.contains("<strong>60 s</strong>"), "{html}");
        assert!(html.contains("<code>evil.example</code>"), "{html}");
        assert!(html.contains("<li>one</li>"), "{html}");
    }

    #[test]
    fn scripts_handlers_and_javascript_links_are_removed() {
        let html = render(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3)) <a href=\"javascript:alert(4)\" onclick=\"x()\">a</a>",
        );
        for bad in [
            "<script",
            "alert(1)",
            "onerror",
            "javascript:",
            "onclick",
            "<img",
        ] {
            assert!(!html.contains(bad), "{bad} survived: {html}");
        }
    }

    #[test]
    fn links_cannot_reach_back_to_the_opener() {
        let html = render("[report](https://example.org/r)");
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
    }
}
